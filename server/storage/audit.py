"""A workstation's decisions about its own outbox, kept on the system of record.

- Withdrawals: commands a workstation discarded before hearing back.  A
  command never seen is recorded as withdrawn in the command ledger, so a
  copy still in flight is answered "withdrawn" and never applied; a command
  already seen keeps the answer it got.
- The audit: who discarded, retried or acknowledged which command, when,
  from where and why, so a discarded command never disappears without a
  name and a reason.

Threading: any API worker thread; each method runs its own transaction(s).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from core.timeutil import now_iso
from server.storage import schema as s
from server.storage.feed import ChangeFeed

AUDIT_ACTIONS = ("discard", "retry", "acknowledge")
_WITHDRAWAL_KEYS = ("command_id", "case_id", "kind", "operator", "workstation", "issued_at")


class WorkstationAudit:
    def __init__(self, engine: Engine, feed: ChangeFeed):
        self.engine = engine
        self.feed = feed

    def withdraw(self, items: Sequence[dict[str, Any]], username: str) -> list[dict[str, Any]]:
        """Withdraw commands (dicts with ``_WITHDRAWAL_KEYS``, checked by the
        caller) on behalf of ``username``; returns each command's answer.
        One transaction per command, under the change lock, like a command."""
        results = []
        for item in items:
            with self.feed.writing() as conn:
                seen = conn.execute(select(s.commands.c.result).where(
                    s.commands.c.command_id == item["command_id"])).scalar_one_or_none()
                if seen is not None:
                    results.append(json.loads(seen))
                    continue
                result = {"command_id": item["command_id"], "case_id": item["case_id"],
                          "kind": item["kind"], "outcome": "withdrawn", "by": username, "at": now_iso()}
                conn.execute(insert(s.commands).values(
                    **{k: item[k] for k in _WITHDRAWAL_KEYS},
                    received_at=now_iso(), outcome="withdrawn", result=json.dumps(result, ensure_ascii=False)))
                results.append(result)
        return results

    def store(self, records: Sequence[dict[str, Any]], username: str) -> tuple[int, int]:
        """Keep audit records (checked by the caller) sent by ``username``;
        returns (stored, already had).  A record whose id is known is a
        re-sent batch: the first copy stands."""
        stored = already = 0
        audit = s.workstation_audit
        with self.engine.begin() as conn:
            for record in records:
                exists = conn.execute(select(audit.c.audit_id).where(
                    audit.c.audit_id == record["audit_id"])).first()
                if exists is not None:
                    already += 1
                    continue
                row = dict(record)
                row["command"] = json.dumps(row["command"], ensure_ascii=False) if row.get("command") else None
                try:
                    with conn.begin_nested():
                        conn.execute(insert(audit).values(**row, received_at=now_iso(), received_from=username))
                    stored += 1
                except IntegrityError:
                    already += 1  # the same batch sent to another server at the same moment
        return stored, already

    def read(self, workstation: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Records in the order received, of one workstation or all."""
        audit = s.workstation_audit
        query = select(audit).order_by(audit.c.received_at, audit.c.audit_id).limit(limit)
        if workstation:
            query = query.where(audit.c.workstation == workstation)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]


__all__ = ["AUDIT_ACTIONS", "WorkstationAudit"]
