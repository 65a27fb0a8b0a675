"""The change bus: a desk command and a sync round both publish on it, and
the views follow it (the queue, the case layer of the map) without being
called by hand.  A real server process, the real window on the qasync loop."""

from __future__ import annotations

import asyncio

from app.session import ClientConfig, ClientSession
from app.views.main_window import MainWindow
from support import until

CELL = "110101001001001"


def test_a_desk_command_and_a_sync_round_both_publish(qapp, event_loop, sqlite_server, tmp_path):
    async def scenario() -> None:
        session = ClientSession(ClientConfig(sqlite_server.url, tmp_path / "ws1.db", "WS1"))
        await session.sign_in("dispatcher", "demo")
        window = MainWindow(session.services)
        heard: list = []
        window.bus.changed.connect(lambda summary, initiator: heard.append((summary, initiator)))
        window.show()
        session.start_sync()
        try:
            await until(lambda: session.driver.status.last_sync is not None, 15)
            # A desk command: published by the desk itself, nobody calls the views.
            heard.clear()
            case_id, _summary = session.desk.register_case(category="E0102", cell_code=CELL, lon=116.4105,
                                                           lat=39.9204)
            assert heard and heard[0][1] is session.desk and case_id in heard[0][0].cases
            assert window.queue_model.row_of(case_id) >= 0  # the queue followed, row by row
            await until(lambda: case_id in window.map._cases.ids, 5)  # the map's layer, off the UI thread
            # The sync round that sends it: published with the driver as its initiator.
            await until(lambda: any(initiator is session.driver and summary.accepted
                                    for summary, initiator in heard), 10)
            await until(lambda: bool(session.store.case(case_id).number), 10)
            number = session.store.case(case_id).number
            row = window.queue_model.row_of(case_id)
            await until(lambda: window.queue_model.data(window.queue_model.index(row, 0)).startswith(number), 5)
        finally:
            await session.close()
            window.runner.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 60))
