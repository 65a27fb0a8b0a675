"""In-window dialogs run no event loop of their own.

A dialog's ``exec()`` inside a coroutine on the qasync loop re-enters that
loop while the coroutine's task is still executing; any other task that is
due then (the sync driver's) fails with "Cannot enter into task ... while
another task is being executed".  The main window opens dialogs
window-modally instead and continues in ``accepted``.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.services.desk import CaseDesk
from app.session import ClientServices
from app.store.replica import LocalStore
from app.sync.engine import SyncEngine
from app.views.main_window import MainWindow
from app.views.register_dialog import RegisterDialog


def test_registering_from_inside_a_task_does_not_reenter_the_loop(qtbot, event_loop, sqlite_server, tmp_path):
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    user = engine.login("dispatcher", "demo")
    engine.sync_once()
    engine.close()
    store = LocalStore(tmp_path / "c.db")
    window = MainWindow(ClientServices.offline(CaseDesk(store, "WS1", user)))
    qtbot.addWidget(window)
    window.show()
    errors: list[dict] = []
    event_loop.set_exception_handler(lambda _loop, context: errors.append(context))

    def dismiss() -> None:  # were the dialog to block (exec), this ends it
        widget = QApplication.activeModalWidget()
        if widget is not None:
            widget.reject()

    async def scenario() -> RegisterDialog | None:
        ticks: list[int] = []

        async def other() -> None:  # another task on the loop, as the sync driver's is
            while True:
                ticks.append(1)
                await asyncio.sleep(0.005)

        beat = asyncio.ensure_future(other())
        try:
            await asyncio.sleep(0.05)
            QTimer.singleShot(300, dismiss)
            dialog = window.register_at(116.4105, 39.9204)
            assert isinstance(dialog, RegisterDialog)  # returned at once, the dialog still open
            assert dialog.isVisible() and QApplication.activeModalWidget() is dialog
            seen = len(ticks)
            await asyncio.sleep(0.05)
            assert len(ticks) > seen  # the other task kept running, on the one loop
            registered: list[str] = []
            window.caseRegistered.connect(registered.append)
            dialog.category.setCurrentIndex(dialog.category.findData("E0102"))
            dialog.accept()
            assert registered and store.case(registered[0]) is not None
            return dialog
        finally:
            beat.cancel()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 20))
    assert not errors, errors
