"""Snapshots: a new workstation's first download as one SQLite file.

Replaying a million-row change feed row by row is bound by Python: binding
two dozen values per row into ``executemany`` costs more than SQLite's own
work, on both ends.  A workstation that starts empty (or very far behind)
instead fetches a snapshot: a SQLite file holding every replicated entity's
current rows at one feed position ``seq``, which the client copies into its
store with ``INSERT … SELECT`` (C speed) and then follows the feed after
``seq`` as usual.  Anki's full sync works the same way.

The file is the wire format, not either side's tables: one table
``e_<entity>`` per entity with the columns that travel in the feed (the
private ones never leave the server), ``feed_rows`` with the latest change
of entities that have no table of their own (the reference data), and
``snapshot_meta`` (``format``, ``seq``, ``created_at``).  A consistent read
gives the rows and ``seq`` together: SQLite's WAL read snapshot, or one
REPEATABLE READ transaction on PostgreSQL.

``SnapshotCache`` builds a snapshot on demand and serves it again while the
feed has moved less than ``REUSE_LAG`` changes past it; the client replays
those from the feed.  One build at a time per server process.

Threading: ``SnapshotCache.current`` may be called from any API worker
thread; it serialises builds with a lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.timeutil import now_iso
from server.storage import schema as s
from server.storage.store import ServerStore

FORMAT = "1"
REUSE_LAG = 50_000  # changes a served snapshot may be behind the feed
_BATCH = 5000


@dataclass(frozen=True)
class Snapshot:
    path: Path
    seq: int
    rows: int


def table_name(entity: str) -> str:
    return f"e_{entity}"


def build_snapshot(store: ServerStore, path: Path) -> Snapshot:
    """Write a snapshot of the replicated state to ``path`` (replaced if present)."""
    path.unlink(missing_ok=True)
    if store.is_postgres:
        return _build_from_postgres(store, path)
    return _build_from_sqlite(store, path)


def _create_schema(conn: sqlite3.Connection, schema: str) -> None:
    conn.execute(f"CREATE TABLE {schema}.snapshot_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(f"CREATE TABLE {schema}.feed_rows (seq INTEGER PRIMARY KEY, entity TEXT NOT NULL, "
                 f"entity_id TEXT NOT NULL, data TEXT NOT NULL)")
    for entity, (_table, _key, columns) in s.feed_columns().items():
        conn.execute(f"CREATE TABLE {schema}.{table_name(entity)} ({', '.join(columns)})")


def _untabled_latest_sql(changes: str) -> str:
    """The latest change of each entity that has no table of its own.  The
    entity names are inlined: only a literal lets the planner use the
    partial index ``ix_changes_untabled`` instead of scanning the feed."""
    names = ", ".join(f"'{entity}'" for entity in s.UNTABLED_ENTITIES)
    return (f"SELECT c.seq, c.entity, c.entity_id, c.data FROM {changes} c JOIN ("
            f"SELECT entity, entity_id, max(seq) AS seq FROM {changes} WHERE entity IN ({names}) "
            "GROUP BY entity, entity_id) latest ON latest.seq = c.seq")


def _build_from_sqlite(store: ServerStore, path: Path) -> Snapshot:
    # The server's own file is attached to a fresh connection: every copy is
    # INSERT … SELECT inside SQLite, and the WAL read snapshot taken by the
    # first SELECT holds for the whole transaction, so rows and seq agree.
    database = store.engine.url.database
    if not database:
        raise ValueError("an in-memory server database has no snapshot")
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=OFF")  # a new file nobody reads until it is renamed
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("ATTACH DATABASE ? AS server", (f"file:{database}?mode=ro",))
        _create_schema(conn, "main")
        conn.execute("BEGIN")
        seq = int(conn.execute("SELECT last_seq FROM server.change_counter WHERE id = 1").fetchone()[0])
        rows = 0
        for entity, (table, _key, columns) in s.feed_columns().items():
            names = ", ".join(columns)
            rows += conn.execute(f"INSERT INTO main.{table_name(entity)} ({names}) "
                                 f"SELECT {names} FROM server.{table.name}").rowcount
        conn.execute("INSERT INTO main.feed_rows " + _untabled_latest_sql("server.changes"))
        conn.executemany("INSERT INTO main.snapshot_meta VALUES (?, ?)",
                         [("format", FORMAT), ("seq", str(seq)), ("created_at", now_iso())])
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE server")
    finally:
        conn.close()
    return Snapshot(path, seq, rows)


def _build_from_postgres(store: ServerStore, path: Path) -> Snapshot:
    out = sqlite3.connect(path, isolation_level=None)
    try:
        out.execute("PRAGMA journal_mode=OFF")
        out.execute("PRAGMA synchronous=OFF")
        _create_schema(out, "main")
        out.execute("BEGIN")
        rows = 0
        with store.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            seq = int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())
            for entity, (table, _key, columns) in s.feed_columns().items():
                insert = (f"INSERT INTO {table_name(entity)} ({', '.join(columns)}) "
                          f"VALUES ({', '.join('?' for _ in columns)})")
                result = conn.execution_options(yield_per=_BATCH).execute(
                    select(*[table.c[c] for c in columns]))
                for part in result.partitions():
                    out.executemany(insert, [tuple(r) for r in part])
                    rows += len(part)
            untabled = conn.exec_driver_sql(_untabled_latest_sql("changes")).all()
        out.executemany("INSERT INTO feed_rows VALUES (?, ?, ?, ?)", [tuple(r) for r in untabled])
        out.executemany("INSERT INTO snapshot_meta VALUES (?, ?)",
                        [("format", FORMAT), ("seq", str(seq)), ("created_at", now_iso())])
        out.execute("COMMIT")
    finally:
        out.close()
    return Snapshot(path, seq, rows)


def _default_base(store: ServerStore) -> Path:
    database = store.engine.url.database
    if not store.is_postgres and database:
        return Path(f"{database}.snapshots")
    name = hashlib.sha256(store.url.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"griddesk-snapshots-{name}"


def _remove_orphans(base: Path) -> None:
    """Snapshots left by server processes that were killed."""
    if not base.is_dir():
        return
    for folder in base.iterdir():
        if not folder.name.isdigit() or _alive(int(folder.name)):
            continue
        for item in folder.iterdir():
            with contextlib.suppress(OSError):
                item.unlink()
        with contextlib.suppress(OSError):
            folder.rmdir()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SnapshotCache:
    """The newest snapshot of one server process, rebuilt when too far behind."""

    def __init__(self, store: ServerStore, base: Path | None = None):
        self.store = store
        base = base or _default_base(store)
        _remove_orphans(base)
        # One folder per process: several server processes may share a database.
        self.directory = base / str(os.getpid())  # made at the first build
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        self._generation = 0

    def current(self) -> Snapshot:
        """A snapshot at most ``REUSE_LAG`` changes behind the feed."""
        with self._lock:
            if self._current is not None and self.store.last_seq() - self._current.seq < REUSE_LAG:
                return self._current
            self._generation += 1
            self.directory.mkdir(parents=True, exist_ok=True)
            building = self.directory / f"snapshot-{self._generation}.building"
            try:
                snapshot = build_snapshot(self.store, building)
            except BaseException:
                building.unlink(missing_ok=True)
                raise
            final = self.directory / f"snapshot-{snapshot.seq}-{self._generation}.sqlite"
            os.replace(building, final)
            self._current = Snapshot(final, snapshot.seq, snapshot.rows)
            # The one before stays: a download of it may not have opened it yet.
            served = sorted(self.directory.glob("snapshot-*.sqlite"), key=lambda p: p.stat().st_mtime)
            for old in served[:-2]:
                with contextlib.suppress(OSError):
                    old.unlink()
            return self._current

    def close(self) -> None:
        with self._lock:
            if not self.directory.is_dir():
                return
            for item in self.directory.glob("snapshot-*"):
                with contextlib.suppress(OSError):
                    item.unlink()
            with contextlib.suppress(OSError):
                self.directory.rmdir()
