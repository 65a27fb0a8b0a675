"""The outbox ledger against a real server: discarding is a recorded,
server-confirmed decision, never a silent delete; retry and acknowledge are
audited; bad decisions change nothing."""

from __future__ import annotations

import json

import pytest
import requests

from app.services.desk import CaseDesk
from app.store.ledger import LedgerError, OutboxLedger
from app.store.replica import LocalStore
from app.sync.engine import SyncEngine
from core.cases import CaseStatus, CommandRejected, Role


def client(server, tmp_path, name="WS1", user="dispatcher"):
    path = tmp_path / f"{name}.db"
    engine = SyncEngine(path, server.url, name)
    who = engine.login(user, "demo")
    engine.sync_once()
    store = LocalStore(path)
    return engine, store, CaseDesk(store, name, who), OutboxLedger(store)


def register(desk):
    return desk.register_case(category="E0102", cell_code="110101001001001", lon=116.4105, lat=39.9204,
                              description="rubbish")[0]


def server_audit(server):
    token = server.login()
    return requests.get(server.url + "/api/sync/audit", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).json()["records"]


def test_discarding_a_pending_command_offline_is_confirmed_by_the_server(sqlite_server, tmp_path):
    server = sqlite_server
    engine, store, desk, ledger = client(server, tmp_path)
    case_id = register(desk)
    engine.sync_once()
    server.kill()
    dispatch = desk.dispatch_case(case_id, "D-SAN")
    assert store.case(case_id).status is CaseStatus.DISPATCHED
    command_id = store.pending_commands()[0].command.command_id
    before = store.row_counts()
    with pytest.raises(LedgerError):
        ledger.discard(command_id, operator="dispatcher", workstation="WS1", reason="   ")
    assert store.row_counts() == before  # no reason: nothing changes
    ledger.discard(command_id, operator="dispatcher", workstation="WS1", reason="wrong department")
    # Taken back at once, kept in the ledger, waiting for the server's word.
    assert store.case(case_id).status is CaseStatus.REGISTERED
    assert ledger.entry(command_id).state == "discarding"
    assert store.counts().waiting == 0
    assert [e["kind"] for e in store.case_events(case_id)] == ["register_case"]
    assert dispatch.cases == {case_id}

    server.start()  # the same ports and database: a restart
    report = engine.sync_once()
    assert report.error is None
    entry = ledger.entry(command_id)
    assert entry.state == "discarded" and entry.result["outcome"] == "withdrawn"
    assert store.case(case_id).status is CaseStatus.REGISTERED
    records = server_audit(server)
    assert [(r["command_id"], r["action"], r["reason"]) for r in records] == [
        (command_id, "discard", "wrong department")]
    assert json.loads(records[0]["command"])["kind"] == "dispatch_case"
    assert all(r["sent_at"] for r in ledger.audit_trail(command_id))


def test_a_discard_that_comes_too_late_shows_what_the_server_did(sqlite_server, tmp_path):
    engine, store, desk, ledger = client(sqlite_server, tmp_path)
    case_id = register(desk)
    pending = store.pending_commands()
    # The push reached the server, but its answer was lost on the way back.
    token = sqlite_server.login()
    reply = requests.post(sqlite_server.url + "/api/commands", headers={"Authorization": f"Bearer {token}"},
                          json={"commands": [e.command.to_dict() for e in pending]}, timeout=10).json()
    assert reply["results"][0]["outcome"] == "accepted"
    ledger.discard(pending[0].command.command_id, operator="dispatcher", workstation="WS1", reason="duplicate")
    assert store.case(case_id) is None  # taken back locally, for now
    engine.sync_once()
    entry = ledger.entry(pending[0].command.command_id)
    assert entry.state == "accepted" and entry.discard_too_late
    assert store.case(case_id).number == reply["results"][0]["number"]  # nothing vanished


def test_discarding_a_registration_takes_its_later_commands_with_it(sqlite_server, tmp_path):
    engine, store, desk, ledger = client(sqlite_server, tmp_path)
    case_id = register(desk)
    desk.dispatch_case(case_id, "D-SAN")
    register_id = store.pending_commands()[0].command.command_id
    ledger.discard(register_id, operator="dispatcher", workstation="WS1", reason="registered twice")
    assert store.case(case_id) is None
    assert ledger.counts()["discarding"] == 2
    engine.sync_once()
    assert ledger.counts()["discarded"] == 2 and ledger.counts()["pending"] == 0
    assert len(ledger.audit_trail()) == 2


def lost_dispatch_race(server, tmp_path):
    """WS1 and WS2 dispatch one case to different departments; WS1 is heard
    first.  Returns WS2's engine, store and ledger and its one conflict card."""
    e1, _s1, d1, _l1 = client(server, tmp_path, "WS1", "dispatcher")
    e2, s2, d2, l2 = client(server, tmp_path, "WS2", "dispatcher2")
    case_id = register(d1)
    e1.sync_once()
    e2.sync_once()
    d1.dispatch_case(case_id, "D-SAN")
    d2.dispatch_case(case_id, "D-ROAD")
    e1.sync_once()
    e2.sync_once()
    [card] = l2.open_conflicts()
    return e2, s2, l2, card


def test_retry_and_acknowledge_a_conflict(sqlite_server, tmp_path):
    e2, s2, l2, card = lost_dispatch_race(sqlite_server, tmp_path)
    assert card.reason["code"] == "wrong_status" and card.reason["params"]["by"] == "dispatcher"
    assert l2.display_name("dispatcher") == "Dispatcher Wang"
    # Retrying a dispatch of a dispatched case is refused here already: nothing changes.
    before = s2.row_counts()
    with pytest.raises(CommandRejected):
        l2.retry(card.command_id, operator="dispatcher2", workstation="WS2", role=Role.DISPATCHER)
    assert s2.row_counts() == before and l2.open_conflicts()
    l2.acknowledge(card.command_id, operator="dispatcher2", workstation="WS2", note="WS1 had it")
    assert l2.open_conflicts() == [] and s2.counts().rejected == 0
    with pytest.raises(LedgerError):
        l2.acknowledge(card.command_id, operator="dispatcher2", workstation="WS2")
    assert l2.entry(card.command_id).state == "rejected"  # the server's answer stays on the ledger
    e2.sync_once()
    assert [(r["action"], r["reason"]) for r in server_audit(sqlite_server)] == [("acknowledge", "WS1 had it")]


def test_retry_issues_a_new_command_that_can_succeed(sqlite_server, tmp_path):
    engine, store, desk, ledger = client(sqlite_server, tmp_path, "WS1", "dispatcher")
    case_id = register(desk)
    engine.sync_once()
    # A note the server refuses (say the text was blanked on the way): crafted offline.
    desk.add_note(case_id, "see photo")
    pending = store.pending_commands()[0]
    with store.engine.begin() as conn:
        body = pending.command.to_dict()
        body["payload"]["text"] = "  "
        conn.exec_driver_sql("UPDATE outbox SET body = ? WHERE command_id = ?",
                             (json.dumps(body), pending.command.command_id))
    engine.sync_once()
    [card] = ledger.open_conflicts()
    assert card.reason["code"] == "empty_note"
    with pytest.raises(CommandRejected):  # the rules refuse the same payload here already
        ledger.retry(card.command_id, operator="dispatcher", workstation="WS1", role=Role.DISPATCHER)
    assert ledger.open_conflicts()


def test_rejected_then_discarded_is_recorded_not_deleted(sqlite_server, tmp_path):
    _e2, _s2, l2, card = lost_dispatch_race(sqlite_server, tmp_path)
    l2.discard(card.command_id, operator="dispatcher2", workstation="WS2", reason="handled by phone")
    assert l2.open_conflicts() == []
    assert l2.entry(card.command_id).state == "rejected"
    assert [r["action"] for r in l2.audit_trail(card.command_id)] == ["discard"]
    with pytest.raises(LedgerError):
        l2.discard(card.command_id, operator="dispatcher2", workstation="WS2", reason="again")
    with pytest.raises(LedgerError):
        l2.discard("no-such-command", operator="dispatcher2", workstation="WS2", reason="x")
