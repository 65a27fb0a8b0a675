"""A workstation store takes a server snapshot whole or not at all: files
that are not a snapshot it understands are refused with a reason and
change nothing."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import text

from app.store.replica import LocalStore, StoreError
from server.storage import ServerStore
from server.storage.snapshot import build_snapshot
from support import register_commands, seed_small_world


@pytest.fixture(scope="module")
def snapshot_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snapshot")
    url = f"sqlite:///{folder / 'server.db'}"
    seed_small_world(url)
    store = ServerStore(url)
    try:
        store.reference.publish()
        results = store.apply_commands(register_commands(6), {"username": "dispatcher", "role": "dispatcher"})
        assert all(r["outcome"] == "accepted" for r in results)
        built = build_snapshot(store, folder / "snap.sqlite")
    finally:
        store.close()
    return built


def _cases(store: LocalStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())


def test_a_snapshot_fills_an_empty_store_and_sets_the_cursor(snapshot_file, tmp_path):
    store = LocalStore(tmp_path / "c.db")
    seq, copied, summary = store.apply_snapshot(snapshot_file.path)
    assert seq == snapshot_file.seq == store.cursor() and copied >= snapshot_file.rows
    assert _cases(store) > 0 and {"case", "cell", "reference"} <= summary.entities
    assert summary.all_cases and summary.cases_changed  # the views reload every case
    store.close()


def _broken_copies(snapshot_file, folder):
    garbage = folder / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 500)
    yield "not a database", garbage

    truncated = folder / "truncated.sqlite"
    data = snapshot_file.path.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    yield "truncated", truncated

    for name, damage in (
            ("no meta", "DROP TABLE snapshot_meta"),
            ("newer format", "UPDATE snapshot_meta SET value = '99' WHERE key = 'format'"),
            ("no position", "DELETE FROM snapshot_meta WHERE key = 'seq'"),
            ("case without key", "ALTER TABLE e_case DROP COLUMN case_id"),
            ("reference not JSON", "UPDATE feed_rows SET data = '{broken'"),
            ("case missing a required value", "UPDATE e_case SET status = NULL")):
        copy = folder / f"{name.replace(' ', '_')}.sqlite"
        shutil.copy(snapshot_file.path, copy)
        conn = sqlite3.connect(copy)
        conn.execute(damage)
        conn.commit()
        conn.close()
        yield name, copy


def test_bad_snapshots_are_refused_and_change_nothing(snapshot_file, tmp_path):
    store = LocalStore(tmp_path / "c.db")
    for name, path in _broken_copies(snapshot_file, tmp_path):
        with pytest.raises(StoreError):
            store.apply_snapshot(path)
        assert store.cursor() == 0 and _cases(store) == 0, name
    # ...and the store still takes a good one afterwards (the file was let go).
    seq, _copied, _summary = store.apply_snapshot(snapshot_file.path)
    assert store.cursor() == seq and _cases(store) > 0
    store.close()


def test_a_store_with_cases_refuses_a_snapshot(snapshot_file, tmp_path):
    store = LocalStore(tmp_path / "c.db")
    store.apply_snapshot(snapshot_file.path)
    before = (store.cursor(), _cases(store))
    with pytest.raises(StoreError, match="without cases"):
        store.apply_snapshot(snapshot_file.path)
    assert (store.cursor(), _cases(store)) == before
    store.close()
