"""Snapshots (server/storage/snapshot.py): every replicated entity's rows at
one feed position, as a SQLite file, on both engines; a workstation that
starts from one and follows the feed ends equal to the server."""

from __future__ import annotations

import sqlite3

import requests
from sqlalchemy import select

from app.sync.engine import SyncEngine
from server.storage import ServerStore
from server.storage import schema as s
from support import seed_cases


def _download(server, token: str, path) -> int:
    reply = requests.get(server.url + "/api/sync/snapshot", headers={"Authorization": f"Bearer {token}"},
                         timeout=60)
    assert reply.status_code == 200, reply.text
    path.write_bytes(reply.content)
    return int(reply.headers["X-Snapshot-Seq"])


def test_snapshot_holds_the_replicated_rows_at_its_position(server, world_url, tmp_path):
    token = server.login()
    seed_cases(server, 12, token)
    seq = _download(server, token, tmp_path / "snap.sqlite")
    store = ServerStore(world_url)
    try:
        assert seq == store.last_seq()
        snap = sqlite3.connect(tmp_path / "snap.sqlite")
        meta = dict(snap.execute("SELECT key, value FROM snapshot_meta"))
        assert meta["format"] == "1" and int(meta["seq"]) == seq
        for entity, (table, key, columns) in s.feed_columns().items():
            assert [r[1] for r in snap.execute(f"PRAGMA table_info(e_{entity})")] == columns
            have = sorted(r[0] for r in snap.execute(f"SELECT {key} FROM e_{entity}"))
            with store.engine.connect() as conn:
                server_ids = sorted(str(k) for k in conn.execute(select(table.c[key])).scalars())
            assert have == server_ids, entity
        # Secrets never travel.
        assert "password_hash" not in {r[1] for r in snap.execute("PRAGMA table_info(e_user)")}
        # The reference data lives only in the feed: its latest changes ride along.
        assert {r[0] for r in snap.execute("SELECT entity_id FROM feed_rows WHERE entity = 'reference'")} \
            == {"categories", "calendar"}
        snap.close()
    finally:
        store.close()


def test_snapshot_is_served_again_until_the_feed_moves_far(server, tmp_path):
    token = server.login()
    first = _download(server, token, tmp_path / "a.sqlite")
    seed_cases(server, 2, token)
    # Two changes later the same file still serves: the workstation replays them.
    assert _download(server, token, tmp_path / "b.sqlite") == first


def test_snapshot_needs_a_signed_in_user(server):
    reply = requests.get(server.url + "/api/sync/snapshot", timeout=10)
    assert reply.status_code == 401


def test_a_workstation_started_from_a_snapshot_equals_the_server(server, tmp_path, monkeypatch):
    from app.store import bulk_load

    token = server.login()
    seed_cases(server, 25, token)
    monkeypatch.setattr(bulk_load, "BULK_THRESHOLD", 5)
    engine = SyncEngine(tmp_path / "c.db", server.url, "WS1")
    engine.login("dispatcher", "demo")
    # The snapshot is taken first; changes after it come from the feed.
    _download(server, token, tmp_path / "warm.sqlite")
    seed_cases(server, 4, token)
    report = engine.sync_once()
    assert report.error is None and engine.wait_for_indexing(timeout=60)
    assert not bulk_load.active(engine.store)
    integrity = engine.check_integrity()
    assert integrity.ok, [c for c in integrity.tables if not c.equal]
    assert engine.store.categories.subclasses  # the published reference data arrived
    engine.close()
