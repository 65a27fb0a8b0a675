"""An initial download into an empty store loads first and indexes after,
and a crash in the middle of it still ends with every index, trigger and
the search index in place."""

from __future__ import annotations

import json
import uuid

import requests
from sqlalchemy import text

from app.store import LocalStore
from app.sync import bulk_load
from app.sync import engine as engine_module
from app.sync.engine import SyncEngine
from core.cases import Command, CommandKind
from core.timeutil import now_iso


def schema_objects(store: LocalStore) -> set[tuple[str, str]]:
    with store.engine.connect() as conn:
        return {(r[0], r[1]) for r in conn.execute(text(
            "SELECT type, name FROM sqlite_master WHERE tbl_name IN ('cases', 'case_events') "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL"))}


def seed_cases(server, count: int) -> None:
    token = server.login()
    commands = [Command.new(CommandKind.REGISTER, str(uuid.uuid4()), {
        "category": "E0102", "cell_code": "110101001001001", "lon": 116.4105, "lat": 39.9204,
        "description": f"暴露垃圾 {i}", "address": f"东华门大街{i}号"},
        operator="dispatcher", workstation="T1", issued_at=now_iso()).to_dict() for i in range(count)]
    reply = requests.post(server.url + "/api/commands", json={"commands": commands},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert all(r["outcome"] == "accepted" for r in reply.json()["results"])


def test_empty_store_loads_without_indexes_then_rebuilds_them(sqlite_server, tmp_path, monkeypatch):
    seed_cases(sqlite_server, 40)
    reference = LocalStore(tmp_path / "reference.db")
    expected = schema_objects(reference)
    reference.close()
    assert ("trigger", "case_search_insert") in expected and len(expected) > 3

    monkeypatch.setattr(bulk_load, "BULK_THRESHOLD", 10)
    monkeypatch.setattr(engine_module, "PAGE_SIZE", 7)
    seen_during: list[set] = []
    real_apply = LocalStore.apply_change_page

    def spying_apply(self, changes, cursor):
        seen_during.append(schema_objects(self))
        return real_apply(self, changes, cursor)

    monkeypatch.setattr(LocalStore, "apply_change_page", spying_apply)
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    engine.login("dispatcher", "demo")
    report = engine.sync_once()
    assert report.error is None and report.pulled > 40
    assert seen_during and all(objects == set() for objects in seen_during)  # loaded bare
    store = engine.store
    assert schema_objects(store) == expected and not bulk_load.active(store)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 40
        # The search index was filled from the loaded rows: its trigrams name the case.
        assert conn.execute(text("SELECT doc FROM case_search_vocab WHERE term = '17号'")).scalar_one() == 1
    engine.close()


def test_a_crash_in_the_middle_of_the_load_resumes_and_finishes(sqlite_server, tmp_path, monkeypatch):
    seed_cases(sqlite_server, 30)
    monkeypatch.setattr(bulk_load, "BULK_THRESHOLD", 10)
    monkeypatch.setattr(engine_module, "PAGE_SIZE", 5)
    monkeypatch.setattr(engine_module, "MAX_PAGES_PER_SYNC", 3)  # the round stops early: "a crash"
    first = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    first.login("dispatcher", "demo")
    first.sync_once()
    assert bulk_load.active(first.store)
    remembered = json.loads(first.store.get_state("bulk_load"))
    first.close()
    # A new process opens the store (which re-creates what it finds missing) and goes on.
    monkeypatch.setattr(engine_module, "MAX_PAGES_PER_SYNC", 100)
    second = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    second.login("dispatcher", "demo")
    report = second.sync_once()
    assert report.error is None and not bulk_load.active(second.store)
    assert {(kind, name) for kind, name, _sql in remembered} <= schema_objects(second.store)
    with second.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 30
        assert conn.execute(text("SELECT doc FROM case_search_vocab WHERE term = '29号'")).scalar_one() == 1
    second.close()


def test_a_store_with_cases_never_loads_in_bulk(sqlite_server, tmp_path, monkeypatch):
    seed_cases(sqlite_server, 5)
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    engine.login("dispatcher", "demo")
    engine.sync_once()
    seed_cases(sqlite_server, 20)
    monkeypatch.setattr(bulk_load, "BULK_THRESHOLD", 1)
    assert not bulk_load.should_begin(engine.store, engine.store.cursor(), engine.store.cursor() + 100)
    before = schema_objects(engine.store)
    engine.sync_once()
    assert schema_objects(engine.store) == before and not bulk_load.active(engine.store)
    engine.close()
