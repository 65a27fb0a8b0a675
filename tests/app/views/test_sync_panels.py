"""Offline-first in the real window (offscreen, on the qasync loop) against
real server processes: two dispatchers racing for one case, the offline
banner, offline sign-in re-checked by the server, the outbox ledger and the
sync health panel."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import create_engine, text

from app.session import ClientConfig, ClientSession, SignInError
from app.views.login_dialog import LoginDialog
from app.views.main_window import MainWindow
from core.cases import CaseStatus
from core.passwords import hash_password
from support import open_window, until

CELL = "110101001001001"


def server_db(url: str, sql: str, **params) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


def test_two_dispatchers_dispatch_the_same_case_at_the_same_moment(qapp, event_loop, sqlite_server, tmp_path):
    async def scenario() -> None:
        a, win_a = await open_window(sqlite_server.url, tmp_path / "a.db", "WS1", "dispatcher")
        b, win_b = await open_window(sqlite_server.url, tmp_path / "b.db", "WS2", "dispatcher2")
        try:
            case_id, _ = a.desk.register_case(category="E0102", cell_code=CELL, lon=116.4105, lat=39.9204,
                                              description="missing manhole cover")
            await until(lambda: (b.store.case(case_id) is not None and b.store.case(case_id).number is not None
                                 and a.store.counts().waiting == 0), 15)
            number = b.store.case(case_id).number
            # The same moment: both click Dispatch before either workstation hears back.
            win_a._dispatch(case_id, "D-SAN")
            win_b._dispatch(case_id, "D-ROAD")
            assert a.store.case(case_id).department_id == "D-SAN"
            assert b.store.case(case_id).department_id == "D-ROAD"
            await until(lambda: a.store.counts().waiting == 0 and b.store.counts().waiting == 0, 15)
            await until(lambda: a.store.case(case_id).department_id == b.store.case(case_id).department_id, 15)
            winner_dept = a.store.case(case_id).department_id
            (loser, loser_win, winner_name, winner_ws) = (
                (b, win_b, "Dispatcher Wang", "WS1") if winner_dept == "D-SAN" else (a, win_a, "Dispatcher Li", "WS2"))
            winner = a if loser is b else b
            assert winner.store.counts().rejected == 0 and loser.store.counts().rejected == 1

            # The loser sees a card that names who got there first, when and where.
            await until(lambda: len(loser_win.sync_panels.conflicts.cards) == 1, 5)
            card = loser_win.sync_panels.conflicts.cards[0]
            sentence = card.sentence.text()
            assert winner_name in sentence and f"from workstation {winner_ws}" in sentence
            assert "Already dispatched" in sentence
            assert number in card.title.text()
            assert loser_win.rejections_dock.isVisible()
            assert not loser_win.status.rejected.isHidden()

            # Nothing vanishes: both commands are on the server's ledger, the
            # loser's case shows the winner's truth, and the card stays until
            # someone handles it.
            rounds = loser.driver.rounds
            for more in (1, 2):  # each round woken, not left to the idle tick
                loser.driver.wake()
                await until(lambda n=rounds + more: loser.driver.rounds >= n, 15)
            assert len(loser_win.sync_panels.conflicts.cards) == 1
            entry = loser_win.sync_panels.ledger.entry(card.command_id)
            assert entry.state == "rejected" and entry.kind == "dispatch_case"
            assert loser.store.case(case_id).status is CaseStatus.DISPATCHED
            assert loser.store.case(case_id).department_id == winner_dept
            card.acknowledge_button.click()
            assert loser_win.sync_panels.conflicts.cards == [] and loser.store.counts().rejected == 0
            assert loser_win.sync_panels.ledger.entry(card.command_id).state == "rejected"
        finally:
            await a.close()
            await b.close()
            win_a.close()
            win_b.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_outage_banner_offline_sign_in_and_the_server_rechecking(qapp, qtmodeltester, event_loop, sqlite_server,
                                                                  tmp_path):
    server = sqlite_server

    async def scenario() -> None:
        store = tmp_path / "ws.db"
        # Signed in here once, online: that is what allows an offline unlock later.
        first = ClientSession(ClientConfig(server.url, store, "WS1"))
        await first.sign_in("dispatcher", "demo")
        first.start_sync()
        await until(lambda: first.driver.status.last_sync is not None, 15)
        await first.close()
        server.kill()

        session = ClientSession(ClientConfig(server.url, store, "WS1"))
        assert not await session.server_reachable()
        known = await session.known_operators()
        assert [u["username"] for u in known] == ["dispatcher"]
        dialog = LoginDialog("WS1", server_reachable=False, known_operators=known)
        assert "Dispatcher Wang (dispatcher)" in dialog.server_note.text()
        with pytest.raises(SignInError):
            await session.sign_in("leader", "demo")  # never signed in here
        with pytest.raises(SignInError):
            await session.sign_in("dispatcher", "wrong")
        await session.sign_in("dispatcher", "demo")
        assert session.offline_sign_in
        window = MainWindow(session.services)
        window.show()
        session.start_sync()
        try:
            banner = window.sync_panels.banner
            await until(lambda: banner.isVisible(), 10)
            assert "Server unreachable for" in banner.headline.text()
            assert "Signed in offline" in banner.detail.text()
            case_id, _ = session.desk.register_case(category="E0102", cell_code=CELL, lon=116.4105, lat=39.9204)
            session.desk.dispatch_case(case_id, "D-SAN")  # the desk publishes it on the bus
            provisional = session.store.case(case_id).provisional_number
            await until(lambda: "2 command(s) wait" in banner.detail.text(), 5)

            # The ledger shows both commands waiting; its model is a proper model.
            ledger_model = window.sync_panels.ledger_view.model
            qtmodeltester.check(ledger_model)
            assert ledger_model.rowCount() == 2
            assert ledger_model.data(ledger_model.index(0, 5)) == "Waiting"

            # While it was down, the centre changed this operator's role: the
            # server re-checks their commands when it is back.
            server_db(server.db_url, "UPDATE users SET role = 'acceptor' WHERE username = 'dispatcher'")
            server.start()  # the same ports and database: a restart
            await until(lambda: not banner.isVisible(), 15)
            await until(lambda: session.store.counts().waiting == 0, 15)
            entries = window.sync_panels.ledger.open_conflicts()
            assert [(e.kind, e.reason["code"]) for e in entries] == [("dispatch_case", "role_forbidden")]
            case = session.store.case(case_id)
            assert case.status is CaseStatus.REGISTERED and case.number  # the registration stood
            assert session.store.find_case(provisional).case_id == case_id  # both numbers searchable
            assert session.store.find_case(case.number).case_id == case_id
            await until(lambda: len(window.sync_panels.conflicts.cards) == 1, 5)
            qtmodeltester.check(ledger_model)
        finally:
            await session.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_password_changed_during_the_outage_holds_commands_until_signed_in_again(qapp, event_loop, sqlite_server,
                                                                                tmp_path):
    server = sqlite_server

    async def scenario() -> None:
        first, first_window = await open_window(server.url, tmp_path / "ws.db", "WS1", "dispatcher")
        await until(lambda: first.driver.status.last_sync is not None, 15)
        await first.close()
        server.kill()
        # Unlocked offline: no token, so the server checks the password when it is back.
        session, window = await open_window(server.url, tmp_path / "ws.db", "WS1", "dispatcher")
        try:
            assert session.offline_sign_in
            banner = window.sync_panels.banner
            await until(lambda: banner.isVisible(), 10)
            case_id, _ = session.desk.register_case(category="E0102", cell_code=CELL, lon=116.4105,
                                                    lat=39.9204)  # the desk publishes it on the bus
            server_db(server.db_url, "UPDATE users SET password_hash = :h WHERE username = 'dispatcher'",
                      h=hash_password("new-secret"))
            server.start()  # the same ports and database: a restart
            await until(lambda: session.driver.status.auth_failed, 15)
            await until(lambda: banner.isVisible() and banner.sign_in_button.isVisible(), 5)
            assert "refused your password" in banner.detail.text()
            assert session.store.counts().waiting == 1  # held, not lost, not sent
            # The old password no longer unlocks this workstation offline either.
            assert session.engine.offline_login("dispatcher", "demo") is None
            failures: list[object] = []
            session.driver.signInDone.connect(failures.append)
            session.driver.request_sign_in("still-wrong")
            await until(lambda: failures, 10)
            assert failures[0] and session.store.counts().waiting == 1
            assert "Sign-in failed" in banner.detail.text()
            session.driver.request_sign_in("new-secret")
            await until(lambda: session.store.counts().waiting == 0, 15)
            assert session.store.case(case_id).number
            await until(lambda: not banner.isVisible(), 10)
        finally:
            await session.close()
            first_window.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_sync_health_panel_shows_cursor_skew_and_an_integrity_check(qapp, event_loop, sqlite_server, tmp_path):
    async def scenario() -> None:
        session, window = await open_window(sqlite_server.url, tmp_path / "ws.db", "WS1", "dispatcher")
        try:
            panels = window.sync_panels
            panels.health_dock.show()
            await until(lambda: "of" in panels.health.cursor_label.text(), 15)
            assert "(0 behind)" in panels.health.cursor_label.text()
            assert panels.health.skew.text().endswith("ms)")
            panels.health.check_button.click()
            await until(lambda: panels.health.check_button.isEnabled(), 30)
            assert "equals the server" in panels.health.verdict.text(), panels.health.verdict.text()
            assert panels.health.table.rowCount() >= 5
            results = {panels.health.table.item(r, 0).text(): panels.health.table.item(r, 3).text()
                       for r in range(panels.health.table.rowCount())}
            assert results["cell"] == "equal" and set(results.values()) == {"equal"}
        finally:
            await session.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 60))
