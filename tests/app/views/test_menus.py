"""The main window's menu bar: one mnemonic per menu (Alt+V opened two:
视图(&V) and 考核(&V)), and Ctrl+Q quits."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from app.runtime.i18n import install_translation
from app.services.desk import CaseDesk
from app.session import ClientServices
from app.store.replica import LocalStore
from app.sync.engine import SyncEngine
from app.views.main_window import MainWindow


@pytest.fixture
def desk(sqlite_server, tmp_path):
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    user = engine.login("dispatcher", "demo")
    engine.sync_once()
    engine.close()
    return CaseDesk(LocalStore(tmp_path / "c.db"), "WS1", user)


def _mnemonic(title: str) -> str:
    letter = QKeySequence.mnemonic(title).toString()  # what Alt+letter the menu bar binds
    assert letter.startswith("Alt+"), f"menu {title!r} has no mnemonic"
    return letter


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_menu_has_its_own_mnemonic(qapp, qtbot, desk, language):
    install_translation(qapp, language)
    try:
        window = MainWindow(ClientServices.offline(desk))
        qtbot.addWidget(window)
        titles = [action.text() for action in window.menuBar().actions() if action.menu() is not None]
        assert len(titles) >= 4  # case, view, vehicles, evaluation (at least)
        mnemonics = [_mnemonic(title) for title in titles]
        assert len(set(mnemonics)) == len(mnemonics), dict(zip(titles, mnemonics, strict=True))
        if language == "zh_CN":
            assert all("(&" in title for title in titles), titles  # Chinese titles keep "(&X)"
    finally:
        install_translation(qapp, "en")


def test_ctrl_q_closes_every_window_and_quit_is_in_the_first_menu(qapp, qtbot, desk):
    install_translation(qapp, "zh_CN")
    try:
        window = MainWindow(ClientServices.offline(desk))
    finally:
        install_translation(qapp, "en")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.evaluation_action.trigger()  # a second top-level window: Quit closes it too
    others = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    assert others
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    # No visible window left: Qt's lastWindowClosed, which main.py's run_client
    # waits for before it closes the session (emitted only inside app.exec()).
    assert not window.isVisible()
    assert not any(w.isVisible() for w in others)
    assert not any(w.isVisible() for w in QApplication.topLevelWidgets())
    first = window.menuBar().actions()[0].menu()
    quits = [a for a in first.actions() if QKeySequence("Ctrl+Q") in a.shortcuts()]
    assert [a.text() for a in quits] == ["退出(&Q)"]
