"""main.py: signing in through the login dialog, online and offline.

Starting the client without ``--user`` shows the sign-in dialog; Enter on
it must sign in and open the main window.  It used to kill the client: the
dialog's ``exec()`` ran a nested event loop inside the ``run_client``
coroutine, and qasync refused to enter the sync tasks from there
("Cannot enter into task … while another task is being executed").
"""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import main
from app.runtime.i18n import install_translation
from app.views.login_dialog import LoginDialog
from app.views.main_window import MainWindow


def _visible(kind):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


async def _sign_in_through_the_dialog(username: str, password: str) -> None:
    """What an operator does: wait for the dialog, type, press Enter."""
    while not _visible(LoginDialog):
        await asyncio.sleep(0.05)
    dialog = _visible(LoginDialog)[0]
    QTest.keyClicks(dialog.username, username)
    QTest.keyClicks(dialog.password, password)
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)


async def _close_the_main_window_once_synced() -> MainWindow:
    while not _visible(MainWindow):
        await asyncio.sleep(0.05)
    window = _visible(MainWindow)[0]
    # Let the sync tasks run a while under the window: the crash came from them.
    await asyncio.sleep(1.0)
    QTimer.singleShot(0, window.close)
    return window


def _run(event_loop, qapp, args, username, password):
    async def scenario():
        client = asyncio.ensure_future(main.run_client(args, qapp))
        await _sign_in_through_the_dialog(username, password)
        window = await _close_the_main_window_once_synced()
        code = await asyncio.wait_for(client, 30)
        return code, window

    return event_loop.run_until_complete(asyncio.wait_for(scenario(), 60))


@pytest.mark.timeout(120)
def test_signing_in_through_the_dialog_opens_the_main_window(qapp, event_loop, sqlite_server, tmp_path):
    args = main.parse_args(["--server", sqlite_server.url, "--store", str(tmp_path / "ws.db"),
                            "--workstation", "WS-LOGIN", "--lang", "en"])
    code, window = _run(event_loop, qapp, args, "dispatcher", "demo")
    assert code == 0
    assert window.desk.operator == "dispatcher"


@pytest.mark.timeout(120)
def test_unlocking_offline_through_the_dialog_opens_the_main_window(qapp, event_loop, sqlite_server, tmp_path):
    store = tmp_path / "ws.db"
    args = main.parse_args(["--server", sqlite_server.url, "--store", str(store),
                            "--workstation", "WS-LOGIN", "--lang", "en"])
    code, _ = _run(event_loop, qapp, args, "dispatcher", "demo")  # online once: the verifier is kept
    assert code == 0
    sqlite_server.kill()
    install_translation(qapp, "zh_CN")  # the centre works in Chinese: the notice must too
    notices: list[tuple[str, str]] = []

    async def dismiss_the_offline_notice():
        # The client says once that it works on the local store; a person reads it and closes it.
        from PySide6.QtWidgets import QMessageBox
        while True:
            boxes = _visible(QMessageBox)
            if boxes:
                notices.append((boxes[0].windowTitle(), boxes[0].text()))
                boxes[0].accept()
                return
            await asyncio.sleep(0.05)

    try:
        asyncio.ensure_future(dismiss_the_offline_notice(), loop=event_loop)
        code, window = _run(event_loop, qapp, args, "dispatcher", "demo")
    finally:
        install_translation(qapp, "en")
    assert code == 0
    assert window.desk.operator == "dispatcher"
    assert notices == [("离线", "无法连接服务器。您正在使用本工作站的本地数据，服务器恢复后指令将自动发送。")]
