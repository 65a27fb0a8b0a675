"""Initial download into an empty store: load first, index after.

The cases table carries the queue's indexes and a trigram search index kept
by triggers (app/store/search.py).  Maintaining two dozen B-trees and the
search index row by row makes a million-row download many times slower
than writing the rows; building each index once, over the loaded table, is
a sort.  So when an empty store is far behind the feed, the sync engine
drops the secondary indexes and triggers of ``cases`` and ``case_events``,
remembers their SQL in ``sync_state``, loads the server's snapshot (or
pulls the feed, from a server without snapshots), and when it has caught up
puts everything back: ``ensure_search_schema`` rebuilds the search index
from the loaded rows and the queue's indexes, then any other remembered
index or trigger is re-created as it was.

Only an empty store goes this way (nothing to keep in step yet), and the
state survives a crash: a restarted engine finds ``bulk_load`` set and
goes on loading, then finishes the same way.  Meanwhile the store is
correct, only slower to query (app/services/queue.py and ``LocalStore.counts`` read
the mark and go without the indexes and the counters).

Building the indexes takes longer than loading a snapshot of a million
cases (some twenty sorts of the table, then the search index), and the
replica is complete before it: so the engine builds them on a thread of
their own (``SyncEngine._start_indexing``) while the workstation works and syncs.
``INDEXING_KEY`` marks that phase, so that a restart neither drops the
indexes again nor loads anything, and just builds what is missing.

Threading: the sync worker's thread, on the engine's ``LocalStore``;
``finish`` also on the indexing thread, on a store of its own.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from app.store.replica import LocalStore
from app.store.search import BULK_LOAD_KEY, ensure_search_schema

BULK_THRESHOLD = 50_000  # changes behind the feed before an empty store loads in bulk
TABLES = ("cases", "case_events")
STATE_KEY = BULK_LOAD_KEY
INDEXING_KEY = "bulk_load_indexing"


def active(store: LocalStore) -> bool:
    return bool(store.get_state(STATE_KEY))


def indexing(store: LocalStore) -> bool:
    """Loaded; only the indexes are still to be built."""
    return bool(store.get_state(INDEXING_KEY))


def mark_indexing(store: LocalStore) -> None:
    store.set_state(INDEXING_KEY, "1")


def should_begin(store: LocalStore, cursor: int, server_last_seq: int) -> bool:
    if cursor != 0 or server_last_seq - cursor < BULK_THRESHOLD:
        return False
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM cases)")).scalar_one() == 1


def begin(store: LocalStore) -> None:
    """Drop the secondary indexes and triggers of the case tables, remembering them."""
    marks = ", ".join(f"'{name}'" for name in TABLES)
    with store.engine.begin() as conn:
        saved = [tuple(r) for r in conn.execute(text(
            f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) "
            f"AND type IN ('index', 'trigger') AND sql IS NOT NULL"))]
        # Resuming after a crash: what was set aside before stays remembered.
        previous = [tuple(x) for x in json.loads(conn.execute(text(
            "SELECT value FROM sync_state WHERE key = :k"), {"k": STATE_KEY}).scalar() or "[]")]
        known = {(kind, name) for kind, name, _sql in previous}
        saved = previous + [s for s in saved if (s[0], s[1]) not in known]
        for kind, name, _sql in saved:
            conn.exec_driver_sql(f'DROP {kind.upper()} IF EXISTS "{name}"')
        conn.execute(text("INSERT INTO sync_state(key, value) VALUES (:k, :v) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
                     {"k": STATE_KEY, "v": json.dumps(saved)})


def finish(store: LocalStore) -> None:
    """Put back every index and trigger, the search index filled from the loaded rows."""
    saved = json.loads(store.get_state(STATE_KEY) or "[]")
    ensure_search_schema(store.engine, bulk_finish=True)
    with store.engine.begin() as conn:
        present = {(r[0], r[1]) for r in conn.execute(text("SELECT type, name FROM sqlite_master"))}
        for kind, name, sql in saved:
            if (kind, name) not in present:
                conn.exec_driver_sql(sql)
        conn.execute(text("DELETE FROM sync_state WHERE key IN (:k, :i)"), {"k": STATE_KEY, "i": INDEXING_KEY})
