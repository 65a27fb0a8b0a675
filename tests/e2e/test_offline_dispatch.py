"""The acceptance scenario, end to end: a real server process, the real
client window (offscreen) on the qasync loop, the server stopped and
restarted under it.

Stop the server while the client runs: within 5 s the status bar says
offline; register and dispatch a case; restart the server: within 10 s both
commands are accepted and the case shows its official number.
"""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QApplication

from app.runtime.i18n import install_translation
from app.session import ClientConfig, ClientSession
from app.views.main_window import MainWindow
from app.views.register_dialog import RegisterDialog
from core.cases import CaseStatus
from support import until


def accept_register_dialog(dialog: RegisterDialog | None, category_key: str, description: str) -> None:
    assert isinstance(dialog, RegisterDialog), dialog
    assert QApplication.activeModalWidget() is dialog  # window-modal, with no event loop of its own
    dialog.category.setCurrentIndex(dialog.category.findData(category_key))
    dialog.description.setPlainText(description)
    dialog.accept()


@pytest.fixture
def chinese(qapp):
    """The centre works in Chinese: run the scenario in it."""
    install_translation(qapp, "zh_CN")
    yield
    install_translation(qapp, "en")


def test_offline_register_and_dispatch_reach_the_server_after_restart(qapp, chinese, event_loop, sqlite_server,
                                                                      tmp_path):
    server = sqlite_server

    async def scenario() -> None:
        session = ClientSession(ClientConfig(server.url, tmp_path / "ws1.db", "WS1"))
        await session.sign_in("dispatcher", "demo")
        window = MainWindow(session.services)
        window.show()
        session.start_sync()
        try:
            await until(lambda: session.driver.status.last_sync is not None, 15)
            assert "在线" in window.status.connection.text()

            server.kill()
            offline_after = await until(lambda: not session.driver.status.online, 5)
            assert "离线" in window.status.connection.text()

            # Register by clicking on the map: the cell is found from the point.
            # The dialog opens window-modally and register_at returns at once
            # (an exec() here would re-enter the qasync loop from this task).
            registered: list[str] = []
            window.caseRegistered.connect(registered.append)
            dialog = window.register_at(116.4105, 39.9204)
            await asyncio.sleep(0)  # the sync driver's task runs meanwhile
            accept_register_dialog(dialog, "E0102", "exposed rubbish at the gate")
            await until(lambda: bool(registered), 5)
            case_id = registered[0]
            case = session.store.case(case_id)
            assert case.cell_code == "110101001001001" and case.number is None
            assert window.case_pane.case_id == case_id
            pane = window.case_pane
            pane.department.setCurrentIndex(pane.department.findData("D-SAN"))
            assert pane.dispatch_button.isEnabled()
            pane.dispatch_button.click()
            assert session.store.case(case_id).status is CaseStatus.DISPATCHED
            assert session.store.counts().waiting == 2
            assert window.status.waiting.text() == "2 条指令待发送"

            server.start()  # the same ports and database: a restart

            def official_number_shown() -> bool:
                number = session.store.case(case_id).number
                return (session.store.counts().waiting == 0 and number is not None
                        and window.case_pane.title.text() == number)

            caught_up_after = await until(official_number_shown, 10)
            number = session.store.case(case_id).number
            assert window.queue_model.data(window.queue_model.index(window.queue_model.row_of(case_id), 0)).startswith(number)
            assert session.store.counts().rejected == 0
            print(f"offline detected after {offline_after:.2f} s; caught up {caught_up_after:.2f} s after restart")
        finally:
            await session.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 60))
