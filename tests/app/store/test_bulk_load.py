"""An initial download into an empty store loads a snapshot first and
indexes after, in the background, and a crash in the middle of it still
ends with every index, trigger and the search index in place."""

from __future__ import annotations

import json

from sqlalchemy import text

from app.store import bulk_load
from app.store.replica import LocalStore
from app.sync import engine as engine_module
from app.sync.engine import SyncEngine
from support import seed_cases


def schema_objects(store: LocalStore) -> set[tuple[str, str]]:
    with store.engine.connect() as conn:
        return {(r[0], r[1]) for r in conn.execute(text(
            "SELECT type, name FROM sqlite_master WHERE tbl_name IN ('cases', 'case_events') "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL"))}


def test_empty_store_loads_a_snapshot_bare_then_indexes_in_the_background(sqlite_server, tmp_path, monkeypatch):
    seed_cases(sqlite_server, 40)
    reference = LocalStore(tmp_path / "reference.db")
    expected = schema_objects(reference)
    reference.close()
    assert ("trigger", "case_search_insert") in expected and len(expected) > 3

    monkeypatch.setattr(bulk_load, "BULK_THRESHOLD", 10)
    seen_during: list[set] = []
    real_apply = LocalStore.apply_snapshot

    def spying_apply(self, path):
        seen_during.append(schema_objects(self))
        return real_apply(self, path)

    monkeypatch.setattr(LocalStore, "apply_snapshot", spying_apply)
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    engine.login("dispatcher", "demo")
    report = engine.sync_once()
    assert report.error is None and report.pulled > 40
    assert seen_during == [set()]  # loaded bare, from one snapshot
    assert engine.wait_for_indexing(timeout=60)
    store = engine.store
    assert schema_objects(store) == expected and not bulk_load.active(store)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 40
        # The search index was filled from the loaded rows: its trigrams name the case.
        assert conn.execute(text("SELECT doc FROM case_search_vocab WHERE term = '17号'")).scalar_one() == 1
    assert store.counts().open == 40  # the status counters were rebuilt too
    # The feed after the snapshot's position is followed as usual.
    seed_cases(sqlite_server, 3)
    assert engine.sync_once().error is None
    assert engine.check_integrity().ok
    engine.close()


def test_a_crash_before_the_indexes_are_built_builds_them_on_restart(sqlite_server, tmp_path, monkeypatch):
    seed_cases(sqlite_server, 30)
    monkeypatch.setattr(bulk_load, "BULK_THRESHOLD", 10)
    monkeypatch.setattr(SyncEngine, "_start_indexing", lambda self: None)  # "killed" before it ran
    first = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    first.login("dispatcher", "demo")
    assert first.sync_once().error is None
    assert bulk_load.active(first.store) and bulk_load.indexing(first.store)
    assert schema_objects(first.store) == set()
    first.close()
    monkeypatch.undo()
    second = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    second.login("dispatcher", "demo")
    assert second.sync_once().error is None
    assert second.wait_for_indexing(timeout=60)
    assert not bulk_load.active(second.store)
    assert ("trigger", "case_search_insert") in schema_objects(second.store)
    with second.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 30
    second.close()


def test_without_a_snapshot_a_crash_in_the_middle_of_the_feed_resumes_and_finishes(
        sqlite_server, tmp_path, monkeypatch):
    # A server from before snapshots (its 404 means: follow the feed from 0).
    monkeypatch.setattr(SyncEngine, "_load_snapshot", lambda self, report: 0)
    seed_cases(sqlite_server, 30)
    monkeypatch.setattr(bulk_load, "BULK_THRESHOLD", 10)
    monkeypatch.setattr(engine_module, "PAGE_SIZE", 5)
    monkeypatch.setattr(engine_module, "MAX_PAGES_PER_SYNC", 3)  # the round stops early: "a crash"
    first = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    first.login("dispatcher", "demo")
    first.sync_once()
    assert bulk_load.active(first.store) and not bulk_load.indexing(first.store)
    remembered = json.loads(first.store.get_state("bulk_load"))
    first.close()
    # A new process opens the store (which re-creates what it finds missing) and goes on.
    monkeypatch.setattr(engine_module, "MAX_PAGES_PER_SYNC", 100)
    second = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    second.login("dispatcher", "demo")
    report = second.sync_once()
    assert report.error is None and second.wait_for_indexing(timeout=60)
    assert not bulk_load.active(second.store)
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
