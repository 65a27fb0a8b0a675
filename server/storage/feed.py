"""The change feed: every replicated write, in commit order, without gaps.

Writers take the change lock (``writing()``), write their rows and append
the changes (``record_changes``) in the same transaction, so sequence
numbers are committed in order.  Readers page through it
(``changes_after``, ``page_body``) and check a replica against it
(``integrity``).

Threading: a ``ChangeFeed`` is shared by the API's worker threads and the
gateway's writer; every method opens its own connection from the pool and
runs one transaction, so methods may be called from any thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, insert, select, text, update

from core.integrity import table_sum
from core.timeutil import now_iso
from server.storage import schema as s
from server.storage.errors import BUSY, StorageError

CHANGE_PAGE_MAX = 20000  # pages this big keep an initial download of a million rows fast

_LAST_SEQ = select(s.change_counter.c.last_seq).where(s.change_counter.c.id == 1)
_SET_LAST_SEQ = update(s.change_counter).where(s.change_counter.c.id == 1)
_INSERT_CHANGES = insert(s.changes)


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str
    entity_id: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "entity": self.entity, "id": self.entity_id, "data": self.data}


class ChangeFeed:
    def __init__(self, engine: Engine, is_postgres: bool):
        self.engine = engine
        self.is_postgres = is_postgres

    # ---- writing ---------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that may record changes.  Takes the change lock
        first, so that concurrent writers serialise and sequence numbers are
        committed in order, without gaps."""
        with self.engine.begin() as conn:
            self._lock_changes(conn)
            yield conn

    def _lock_changes(self, conn: Connection) -> None:
        if self.is_postgres:
            conn.execute(text("SELECT last_seq FROM change_counter WHERE id = 1 FOR UPDATE"))
        else:
            # A write as the first statement takes SQLite's write lock at once,
            # so the transaction never has to upgrade a read lock (which fails
            # with "database is locked" instead of waiting).
            conn.execute(text("UPDATE change_counter SET last_seq = last_seq WHERE id = 1"))

    def record_changes(self, conn: Connection, items: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
        """Append changes inside a ``writing()`` transaction; returns the last seq."""
        last = conn.execute(_LAST_SEQ).scalar_one()
        if not items:
            return int(last)
        rows = []
        for offset, (entity, entity_id, data) in enumerate(items, start=1):
            private = s.PRIVATE_COLUMNS.get(entity, set())
            public = {k: v for k, v in data.items() if k not in private}
            rows.append({"seq": last + offset, "entity": entity, "entity_id": entity_id,
                         "data": json.dumps(public, ensure_ascii=False, separators=(",", ":"))})
        conn.execute(_INSERT_CHANGES, rows)
        new_last = last + len(rows)
        conn.execute(_SET_LAST_SEQ, {"last_seq": new_last})
        return int(new_last)

    def insert_entities(self, conn: Connection, entity: str, rows: Sequence[dict[str, Any]], *,
                        chunk: int = 5000) -> int:
        """Insert rows of one entity and their changes inside a ``writing()``
        transaction (bulk loads: the demo district, imports).  Returns the last seq."""
        table, key = s.ENTITY_TABLES[entity]
        last = 0
        for start in range(0, len(rows), chunk):
            part = list(rows[start:start + chunk])
            conn.execute(insert(table), part)
            last = self.record_changes(conn, [(entity, str(r[key]), r) for r in part])
        return last

    def write_entities(self, entity: str, rows: Sequence[dict[str, Any]]) -> int:
        """``insert_entities`` in a transaction of its own: all or nothing."""
        with self.writing() as conn:
            return self.insert_entities(conn, entity, rows)

    # ---- reading ---------------------------------------------------------

    def last_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())

    def changes_after(self, after: int, limit: int = 1000) -> tuple[list[Change], int]:
        """Changes with seq > after, at most ``limit``, and the feed's last seq."""
        limit = max(1, min(int(limit), CHANGE_PAGE_MAX))
        with self.engine.connect() as conn:
            last = int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())
            rows = conn.execute(
                select(s.changes.c.seq, s.changes.c.entity, s.changes.c.entity_id, s.changes.c.data)
                .where(s.changes.c.seq > after).order_by(s.changes.c.seq).limit(limit)
            ).all()
        return [Change(r.seq, r.entity, r.entity_id, json.loads(r.data)) for r in rows], last

    def page_body(self, after: int, limit: int) -> tuple[bytes, int]:
        """The JSON body of ``GET /api/changes`` (the API's ``ChangePage``
        shape) and the number of changes in it, encoded without a round trip
        through Python objects: each change's ``data`` is stored as the JSON
        text of the row and spliced into the envelope.  Parsing every row
        only to have pydantic validate and re-encode it cost more than the
        query and the HTTP together, and an initial download is a million rows.

        ``last_seq`` is read before the rows: a change committed in between
        may ride along with ``more`` false, which only means the next pull
        finds nothing new."""
        limit = max(1, min(int(limit), CHANGE_PAGE_MAX))
        with self.engine.connect() as conn:
            last = int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())
            rows = conn.execute(
                select(s.changes.c.seq, s.changes.c.entity, s.changes.c.entity_id, s.changes.c.data)
                .where(s.changes.c.seq > after).order_by(s.changes.c.seq).limit(limit)).all()
        dumps = orjson.dumps
        parts = [b'{"seq":%d,"entity":%b,"id":%b,"data":%b}'
                 % (seq, dumps(entity), dumps(entity_id), data.encode())
                 for seq, entity, entity_id, data in rows]
        more = bool(rows) and rows[-1][0] < last
        body = (b'{"changes":[' + b",".join(parts) + b'],"last_seq":%d,"more":%b,"server_time":%b}'
                % (last, b"true" if more else b"false", dumps(now_iso())))
        return body, len(rows)

    def integrity(self, attempts: int = 3) -> dict[str, Any]:
        """Counts and checksums (core/integrity.py) of every replicated
        table's feed columns at one feed position.  On PostgreSQL one
        REPEATABLE READ transaction gives a snapshot; on SQLite the feed
        position is read before and after, and the work is redone if a
        writer got in between.  StorageError (busy) if it never held still."""
        tables = s.feed_columns()
        for _ in range(attempts):
            conn = self.engine.connect()
            if self.is_postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn:
                before = int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())
                sums = {}
                for entity, (table, _key, columns) in tables.items():
                    rows = conn.execute(select(*[table.c[c] for c in columns])).yield_per(5000)
                    sums[entity] = {**table_sum(rows).to_dict(), "columns": columns}
                after = int(conn.execute(select(s.change_counter.c.last_seq)).scalar_one())
            if before == after:
                return {"last_seq": after, "server_time": now_iso(), "tables": sums}
        raise StorageError(BUSY, "feed_moving",
                           "the change feed kept moving during the integrity check; try again")


__all__ = ["CHANGE_PAGE_MAX", "Change", "ChangeFeed"]
