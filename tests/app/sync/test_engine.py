"""The client's store and sync engine against a real server process."""

from __future__ import annotations

import json

import pytest
import requests

from app.services.desk import CaseDesk
from app.store.replica import LocalStore, StoreError
from app.sync.engine import SyncEngine
from core.cases import CaseStatus, CommandRejected
from support import small_world_rows


def make_client(server, tmp_path, name="WS1", user="dispatcher"):
    path = tmp_path / f"{name}.db"
    engine = SyncEngine(path, server.url, name)
    who = engine.login(user, "demo")
    store = LocalStore(path)
    return engine, store, CaseDesk(store, name, who)


def register(desk, **kw):
    return desk.register_case(category="E0102", cell_code="110101001001001", lon=116.4105, lat=39.9204,
                              description="rubbish", **kw)


def test_initial_sync_replicates_the_world(sqlite_server, tmp_path):
    engine, store, _desk = make_client(sqlite_server, tmp_path)
    report = engine.sync_once()
    assert report.online and report.error is None
    counts = store.row_counts()
    world = small_world_rows()
    assert counts["cells"] == len(world["cell"]) and counts["departments"] == len(world["department"])
    assert store.cursor() == report.pulled > 0
    # A second round pulls nothing new.
    assert engine.sync_once().pulled == 0


def test_register_dispatch_close_round_trip(sqlite_server, tmp_path):
    engine, store, desk = make_client(sqlite_server, tmp_path)
    engine.sync_once()
    case_id, summary = register(desk)
    assert case_id in summary.cases and summary.outbox
    local = store.case(case_id)
    assert local.status is CaseStatus.REGISTERED and local.number is None
    assert local.provisional_number.startswith("WS1-")
    desk.dispatch_case(case_id, "D-SAN")
    assert store.counts().waiting == 2
    report = engine.sync_once()
    assert report.pushed == 2 and report.error is None
    synced = store.case(case_id)
    assert synced.status is CaseStatus.DISPATCHED and synced.number and synced.deadline
    assert store.find_case(synced.number).case_id == case_id
    assert store.find_case(synced.provisional_number).case_id == case_id  # both stay searchable
    assert store.counts().waiting == 0
    assert [e["kind"] for e in store.case_events(case_id)] == ["register_case", "dispatch_case"]
    assert not any(e["pending"] for e in store.case_events(case_id))
    desk.report_handled(case_id)
    desk.check_case(case_id)
    desk.close_case(case_id)
    engine.sync_once()
    assert store.case(case_id).status is CaseStatus.CLOSED


def test_local_rules_refuse_at_once_and_write_nothing(sqlite_server, tmp_path):
    engine, store, desk = make_client(sqlite_server, tmp_path)
    engine.sync_once()
    case_id, _ = register(desk)
    before = store.row_counts()
    with pytest.raises(CommandRejected):
        desk.close_case(case_id)  # not dispatched yet
    assert store.row_counts() == before


def test_conflict_is_rejected_rolled_back_and_kept_for_the_operator(sqlite_server, tmp_path):
    e1, s1, d1 = make_client(sqlite_server, tmp_path, "WS1", "dispatcher")
    e2, s2, d2 = make_client(sqlite_server, tmp_path, "WS2", "dispatcher2")
    e1.sync_once()
    case_id, _ = register(d1)
    e1.sync_once()
    e2.sync_once()
    # Both dispatch the same case; WS1 reaches the server first.
    d1.dispatch_case(case_id, "D-SAN")
    d2.dispatch_case(case_id, "D-ROAD")
    assert s2.case(case_id).department_id == "D-ROAD"  # optimistic
    e1.sync_once()
    report = e2.sync_once()
    assert len(report.summary.rejected) == 1
    rejected = s2.rejected_commands()
    assert len(rejected) == 1
    reason = rejected[0].result["reason"]
    assert reason["code"] == "wrong_status" and reason["params"]["by"] == "dispatcher"
    assert reason["params"]["workstation"] == "WS1"
    # WS2's optimistic effect is taken back: it now shows the server's truth.
    assert s2.case(case_id).department_id == "D-SAN"
    assert s2.counts().rejected == 1
    s2.acknowledge_rejection(rejected[0].command.command_id, "dispatcher2")
    assert s2.counts().rejected == 0
    assert s2.rejected_commands(unacknowledged_only=False)  # still on the ledger


def test_offline_then_server_returns(sqlite_server, tmp_path):
    server = sqlite_server
    engine, store, desk = make_client(server, tmp_path)
    engine.sync_once()
    server.kill()
    case_id, _ = register(desk)
    desk.dispatch_case(case_id, "D-SAN")
    report = engine.sync_once()
    assert not report.online and report.error is not None and report.error.code == "unreachable"
    assert store.counts().waiting == 2
    assert store.case(case_id).status is CaseStatus.DISPATCHED  # the loop goes on locally
    server.start()  # the same ports and database: a restart
    report = engine.sync_once()
    assert report.online and report.error is None and report.pushed == 2
    assert store.case(case_id).number
    assert store.counts().waiting == 0
    # Pushing again (e.g. the reply was lost) changes nothing: at most once.
    token = server.login()
    changes = requests.get(server.url + "/api/changes", params={"after": 0, "limit": 5000},
                           headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert sum(1 for c in changes["changes"] if c["entity"] == "case") == 2


def test_malformed_server_reply_changes_nothing(tmp_path):
    store = LocalStore(tmp_path / "c.db")
    before = store.row_counts()
    with pytest.raises(StoreError):
        store.apply_change_page([], -1)
    with pytest.raises(StoreError):
        store.record_results([{"command_id": "x", "outcome": "maybe"}])
    assert store.row_counts() == before


def test_replies_that_break_the_contract_are_refused(sqlite_server, tmp_path):
    engine, store, _desk = make_client(sqlite_server, tmp_path)
    engine.sync_once()
    cursor = store.cursor()
    # Point the engine at an endpoint that answers something else: the
    # health document is JSON, but not a change page.
    engine.client.base_url = sqlite_server.url + "/api/health?x="
    report = engine.sync_once()
    assert report.error is not None and report.error.code == "bad_reply"
    assert store.cursor() == cursor


def test_offline_sign_in_needs_an_earlier_sign_in_with_the_same_password(sqlite_server, tmp_path):
    engine, store, _desk = make_client(sqlite_server, tmp_path)
    assert engine.offline_login("dispatcher", "demo")["role"] == "dispatcher"
    assert engine.offline_login("dispatcher", "wrong") is None
    assert engine.offline_login("leader", "demo") is None
    assert json.loads(store.get_state("user:dispatcher"))["username"] == "dispatcher"
