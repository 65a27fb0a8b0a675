"""Does this workstation's replica equal the server?  Row counts and an
order-free checksum per table (core/integrity.py), over the columns the
server says travel in the feed, compared at the same feed position.

What the replica holds beyond the server's last word is left out, because
the server has not seen it yet: cases registered here and not yet accepted,
and for a case with pending commands the optimistic row is replaced by the
server's version kept beside it (``server_json``); timeline events still
pending are skipped.

Threading: runs on the thread that owns the ``LocalStore`` given (the sync
worker).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.store import tables as t
from app.store.replica import LocalStore
from core.integrity import TableSum, row_hash, table_sum


@dataclass(frozen=True)
class TableComparison:
    entity: str
    server_rows: int
    local_rows: int
    server_checksum: str
    local_checksum: str
    missing_columns: tuple[str, ...] = ()  # the server has them, this replica does not

    @property
    def equal(self) -> bool:
        return (not self.missing_columns and self.server_rows == self.local_rows
                and self.server_checksum == self.local_checksum)


@dataclass
class IntegrityReport:
    server_seq: int
    local_seq: int
    checked_at: str
    tables: list[TableComparison] = field(default_factory=list)

    @property
    def comparable(self) -> bool:
        """Both sides describe the same feed position."""
        return self.server_seq == self.local_seq

    @property
    def ok(self) -> bool:
        return self.comparable and all(c.equal for c in self.tables)


def local_sums(store: LocalStore, columns_by_entity: dict[str, list[str]]) -> dict[str, tuple[TableSum, tuple[str, ...]]]:
    """entity -> (sum over the columns named, columns this replica lacks)."""
    out: dict[str, tuple[TableSum, tuple[str, ...]]] = {}
    with store.engine.connect() as conn:
        for entity, columns in columns_by_entity.items():
            if entity not in t.REPLICATED:
                out[entity] = (TableSum(0, "0" * 16), tuple(columns))
                continue
            table, _key = t.REPLICATED[entity]
            have = [c for c in columns if c in table.c]
            missing = tuple(c for c in columns if c not in table.c)
            picked = [table.c[c] for c in have]
            if entity == "case":
                out[entity] = (_case_sum(conn, have), missing)
                continue
            query = select(*picked)
            if entity == "case_event":
                query = query.where(table.c.pending == 0)
            out[entity] = (table_sum(conn.execute(query).yield_per(5000)), missing)
    return out


def _case_sum(conn: Any, columns: list[str]) -> TableSum:
    """Cases as the server last said: the row itself where nothing is
    pending (then the row is the server's word), ``server_json`` where
    something is, nothing where the server has never seen the case (a
    registration still pending: no ``server_json``)."""
    plain = conn.execute(select(*[t.cases.c[c] for c in columns]).where(
        t.cases.c.pending == 0)).yield_per(5000)
    rebased = conn.execute(select(t.cases.c.server_json).where(
        t.cases.c.pending > 0, t.cases.c.server_json.is_not(None))).scalars().all()
    total = table_sum(plain)
    extra = 0
    for text in rebased:
        data = json.loads(text)
        extra = (extra + row_hash([data.get(c) for c in columns])) & ((1 << 64) - 1)
    checksum = (int(total.checksum, 16) + extra) & ((1 << 64) - 1)
    return TableSum(total.rows + len(rebased), f"{checksum:016x}")


def compare(store: LocalStore, server: dict[str, Any]) -> IntegrityReport:
    """Compare the server's ``/api/sync/integrity`` answer with this replica."""
    from core.timeutil import now_iso

    tables = server.get("tables")
    if not isinstance(tables, dict) or not isinstance(server.get("last_seq"), int):
        raise ValueError("integrity reply lacks tables or last_seq")
    columns = {entity: list(info["columns"]) for entity, info in tables.items()}
    mine = local_sums(store, columns)
    report = IntegrityReport(server_seq=int(server["last_seq"]), local_seq=store.cursor(), checked_at=now_iso())
    for entity in sorted(tables):
        info = tables[entity]
        local, missing = mine[entity]
        report.tables.append(TableComparison(
            entity=entity, server_rows=int(info["rows"]), local_rows=local.rows,
            server_checksum=str(info["checksum"]), local_checksum=local.checksum,
            missing_columns=missing))
    return report
