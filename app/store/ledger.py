"""The outbox ledger: every command this workstation issued and what became
of it, and the decisions operators take on them.

States: ``pending`` (not answered yet), ``accepted``, ``rejected`` (the
server's answers), ``discarding`` (an operator withdrew a pending command;
the server has not confirmed it never applied it) and ``discarded`` (it
confirmed).  Nothing is ever deleted from the outbox.  Discarding, retrying
and acknowledging need a person and (for discarding) a reason; each writes
a row to ``outbox_audit`` in the same transaction, and the sync engine sends
those rows to the server's audit.

Discarding a pending command is not a local delete: the command may already
be on the server (sent, answer lost).  So it becomes ``discarding`` at once
(its optimistic effect is taken back) and the server is asked to withdraw
it: the server either records it as withdrawn, which makes any later copy
of it a no-op, or answers with what it already did, which the ledger then
shows ("accepted: the discard came too late").

Threading: one ``OutboxLedger`` per ``LocalStore``, used on that store's
thread (the UI's for the views, the sync worker's for the engine).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from app.store import tables as t
from app.store.replica import ChangeSummary, LocalStore
from core.cases import Command, CommandKind, Role
from core.problems import CodedError
from core.timeutil import now_iso

STATES = ("pending", "accepted", "rejected", "discarding", "discarded")


class LedgerError(CodedError):
    """The decision cannot be taken (no reason, wrong state, unknown command);
    ``code`` says which, for the operator."""


@dataclass(frozen=True)
class LedgerEntry:
    position: int
    command_id: str
    case_id: str
    kind: str
    state: str
    operator: str
    workstation: str
    issued_at: str
    created_at: str
    resolved_at: str | None
    payload: dict[str, Any]
    result: dict[str, Any] | None
    acknowledged_by: str | None
    case_number: str | None  # official or provisional, as the case shows now

    @property
    def reason(self) -> dict[str, Any] | None:
        return (self.result or {}).get("reason")

    @property
    def open_conflict(self) -> bool:
        """A rejection nobody has handled yet: shown as a card until someone does."""
        return self.state == "rejected" and not self.acknowledged_by

    @property
    def discard_too_late(self) -> bool:
        return bool((self.result or {}).get("discard_too_late"))


class OutboxLedger:
    def __init__(self, store: LocalStore):
        self.store = store
        self.engine = store.engine

    # ---- reading ------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.outbox.c.state, func.count()).group_by(t.outbox.c.state)).all()
            open_conflicts = conn.execute(select(func.count()).where(
                t.outbox.c.state == "rejected", t.outbox.c.acknowledged_by.is_(None))).scalar_one()
        counts = dict.fromkeys(STATES, 0)
        counts.update({state: int(n) for state, n in rows})
        counts["open_conflicts"] = int(open_conflicts)
        return counts

    def positions(self, states: Sequence[str] | None = None, *, newest_first: bool = True) -> list[int]:
        """Outbox positions in display order (the ledger model pages by these)."""
        query = select(t.outbox.c.position)
        if states:
            query = query.where(t.outbox.c.state.in_(list(states)))
        order = t.outbox.c.position.desc() if newest_first else t.outbox.c.position.asc()
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(order)).scalars())

    def position_of(self, command_id: str) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.outbox.c.position).where(
                t.outbox.c.command_id == command_id)).scalar_one_or_none()

    def entries(self, positions: Sequence[int]) -> dict[int, LedgerEntry]:
        if not positions:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.outbox, t.cases.c.number, t.cases.c.provisional_number)
                .outerjoin(t.cases, t.cases.c.case_id == t.outbox.c.case_id)
                .where(t.outbox.c.position.in_(list(positions)))).mappings().all()
        return {r["position"]: _entry(r) for r in rows}

    def entry(self, command_id: str) -> LedgerEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.outbox, t.cases.c.number, t.cases.c.provisional_number)
                .outerjoin(t.cases, t.cases.c.case_id == t.outbox.c.case_id)
                .where(t.outbox.c.command_id == command_id)).mappings().first()
        return _entry(row) if row else None

    def open_conflicts(self, limit: int = 200) -> list[LedgerEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.outbox, t.cases.c.number, t.cases.c.provisional_number)
                .outerjoin(t.cases, t.cases.c.case_id == t.outbox.c.case_id)
                .where(t.outbox.c.state == "rejected", t.outbox.c.acknowledged_by.is_(None))
                .order_by(t.outbox.c.position).limit(limit)).mappings().all()
        return [_entry(r) for r in rows]

    def audit_trail(self, command_id: str | None = None) -> list[dict[str, Any]]:
        query = select(t.outbox_audit).order_by(t.outbox_audit.c.at, t.outbox_audit.c.audit_id)
        if command_id is not None:
            query = query.where((t.outbox_audit.c.command_id == command_id)
                                | (t.outbox_audit.c.new_command_id == command_id))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def display_name(self, username: str | None) -> str | None:
        """The name people know an operator by (张三), from the replicated users."""
        if not username:
            return None
        with self.engine.connect() as conn:
            name = conn.execute(select(t.users.c.display_name).where(
                t.users.c.username == username)).scalar_one_or_none()
        return name or username

    # ---- decisions ------------------------------------------------------------

    def discard(self, command_id: str, *, operator: str, workstation: str, reason: str) -> ChangeSummary:
        """Withdraw a pending command, or dismiss a rejected one, for a reason.

        A pending registration takes the commands queued after it on the same
        case with it (they could only be rejected without the case)."""
        reason = reason.strip()
        if not reason:
            raise LedgerError("discarding a command needs a reason", "reason_required")
        summary = ChangeSummary(outbox=True)
        with self.engine.begin() as conn:
            row = self._row(conn, command_id)
            if row["state"] == "rejected":
                if row["acknowledged_by"]:
                    raise LedgerError("this rejection has already been handled", "already_handled")
                conn.execute(update(t.outbox).where(t.outbox.c.command_id == command_id).values(
                    acknowledged_by=operator))
                self._audit(conn, command_id, "discard", reason, operator, workstation)
                summary.cases.add(row["case_id"])
                return summary
            if row["state"] != "pending":
                raise LedgerError(f"a command that is {row['state']} cannot be discarded", "not_discardable",
                                  state=row["state"])
            targets = [row]
            if row["kind"] == CommandKind.REGISTER.value:
                targets += [dict(r) for r in conn.execute(select(t.outbox).where(
                    t.outbox.c.case_id == row["case_id"], t.outbox.c.state == "pending",
                    t.outbox.c.position > row["position"]).order_by(t.outbox.c.position)).mappings()]
            for target in targets:
                conn.execute(update(t.outbox).where(t.outbox.c.command_id == target["command_id"]).values(
                    state="discarding"))
                conn.execute(delete(t.case_events).where(t.case_events.c.event_id == target["command_id"],
                                                         t.case_events.c.pending == 1))
                why = reason if target is row else f"{reason} (registration {command_id} discarded)"
                self._audit(conn, target["command_id"], "discard", why, operator, workstation)
            self._rebase(conn, row["case_id"])
            summary.cases.add(row["case_id"])
        return summary

    def acknowledge(self, command_id: str, *, operator: str, workstation: str, note: str = "") -> ChangeSummary:
        """Someone has seen a rejection and accepts the server's answer."""
        with self.engine.begin() as conn:
            row = self._row(conn, command_id)
            if row["state"] != "rejected":
                raise LedgerError(f"a command that is {row['state']} has no rejection to acknowledge",
                                  "no_rejection", state=row["state"])
            if row["acknowledged_by"]:
                raise LedgerError("this rejection has already been handled", "already_handled")
            conn.execute(update(t.outbox).where(t.outbox.c.command_id == command_id).values(
                acknowledged_by=operator))
            self._audit(conn, command_id, "acknowledge", note.strip(), operator, workstation)
        return ChangeSummary(outbox=True, cases={row["case_id"]})

    def retry(self, command_id: str, *, operator: str, workstation: str, role: Role,
              reason: str = "", department_id: str | None = None) -> tuple[str, ChangeSummary]:
        """Issue a rejected command again, as a new command (new id, based on
        the case as it is now).  Raises ``CommandRejected`` (and changes
        nothing) when the rules already refuse it here."""
        entry = self.entry(command_id)
        if entry is None:
            raise LedgerError(f"no command {command_id} in the outbox", "no_such_command")
        if entry.state != "rejected" or entry.acknowledged_by:
            raise LedgerError("only a rejection nobody has handled can be retried", "not_retryable")
        current = self.store.case(entry.case_id)
        command = Command.new(CommandKind(entry.kind), entry.case_id, dict(entry.payload), operator=operator,
                              workstation=workstation, issued_at=now_iso(),
                              base_version=current.version if current else 0)
        summary = self.store.queue_command(command, role, department_id)
        with self.engine.begin() as conn:
            conn.execute(update(t.outbox).where(t.outbox.c.command_id == command_id).values(
                acknowledged_by=operator))
            self._audit(conn, command_id, "retry", reason.strip(), operator, workstation,
                        new_command_id=command.command_id)
        return command.command_id, summary.merge(ChangeSummary(outbox=True))

    # ---- the engine's side ------------------------------------------------------

    def discarding(self, limit: int = 500) -> list[dict[str, Any]]:
        """Commands waiting for the server to confirm their withdrawal."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.outbox.c.body).where(t.outbox.c.state == "discarding")
                                .order_by(t.outbox.c.position).limit(limit)).scalars().all()
        out = []
        for body in rows:
            command = json.loads(body)
            out.append({k: command[k] for k in ("command_id", "case_id", "kind", "operator",
                                                  "workstation", "issued_at")})
        return out

    def record_withdrawals(self, results: Iterable[dict[str, Any]]) -> ChangeSummary:
        """The server's answers to withdrawals: ``withdrawn`` (it never
        applied the command and never will) or the outcome it had already
        given, which stands."""
        summary = ChangeSummary(outbox=True)
        with self.engine.begin() as conn:
            for result in results:
                command_id = str(result.get("command_id"))
                outcome = result.get("outcome")
                row = conn.execute(select(t.outbox.c.state, t.outbox.c.case_id).where(
                    t.outbox.c.command_id == command_id)).first()
                if row is None or row.state not in ("discarding", "pending"):
                    continue
                if outcome == "withdrawn":
                    conn.execute(update(t.outbox).where(t.outbox.c.command_id == command_id).values(
                        state="discarded", resolved_at=now_iso(), result=json.dumps(result, ensure_ascii=False)))
                elif outcome in ("accepted", "rejected"):
                    late = {**result, "discard_too_late": True}
                    values: dict[str, Any] = {"state": outcome, "resolved_at": now_iso(),
                                              "result": json.dumps(late, ensure_ascii=False)}
                    if outcome == "rejected":
                        # Whoever discarded it already decided: no conflict card.
                        decided = conn.execute(select(t.outbox_audit.c.operator).where(
                            t.outbox_audit.c.command_id == command_id,
                            t.outbox_audit.c.action == "discard")).scalar()
                        values["acknowledged_by"] = decided or "?"
                    conn.execute(update(t.outbox).where(t.outbox.c.command_id == command_id).values(**values))
                    if outcome == "accepted" and result.get("number"):
                        conn.execute(update(t.cases).where(t.cases.c.case_id == row.case_id,
                                                           t.cases.c.number.is_(None)).values(number=result["number"]))
                else:
                    continue
                summary.cases.add(row.case_id)
                if outcome == "accepted":
                    summary.accepted.append(command_id)
                elif outcome == "rejected":
                    summary.rejected.append(command_id)
        return summary

    def unsent_audit(self, limit: int = 500) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.outbox_audit, t.outbox.c.body).outerjoin(
                t.outbox, t.outbox.c.command_id == t.outbox_audit.c.command_id)
                .where(t.outbox_audit.c.sent_at.is_(None))
                .order_by(t.outbox_audit.c.at, t.outbox_audit.c.audit_id).limit(limit)).mappings().all()
        return [{"audit_id": r["audit_id"], "command_id": r["command_id"], "action": r["action"],
                 "reason": r["reason"], "operator": r["operator"], "workstation": r["workstation"],
                 "at": r["at"], "new_command_id": r["new_command_id"],
                 "command": json.loads(r["body"]) if r["body"] else None} for r in rows]

    def mark_audit_sent(self, audit_ids: Sequence[str]) -> None:
        if not audit_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(update(t.outbox_audit).where(t.outbox_audit.c.audit_id.in_(list(audit_ids)))
                         .values(sent_at=now_iso()))

    def states_with_prefix(self, prefix: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.sync_state.c.key, t.sync_state.c.value).where(
                t.sync_state.c.key.startswith(prefix, autoescape=True))).all()
        return {k: v for k, v in rows}

    # ---- helpers --------------------------------------------------------------

    @staticmethod
    def _row(conn: Connection, command_id: str) -> dict[str, Any]:
        row = conn.execute(select(t.outbox).where(t.outbox.c.command_id == command_id)).mappings().first()
        if row is None:
            raise LedgerError(f"no command {command_id} in the outbox", "no_such_command")
        return dict(row)

    @staticmethod
    def _audit(conn: Connection, command_id: str, action: str, reason: str, operator: str,
               workstation: str, new_command_id: str | None = None) -> None:
        conn.execute(insert(t.outbox_audit).values(
            audit_id=str(uuid.uuid4()), command_id=command_id, action=action, reason=reason,
            operator=operator, workstation=workstation, at=now_iso(), new_command_id=new_command_id))

    def _rebase(self, conn: Connection, case_id: str) -> None:
        """The case as the server last said plus the commands still pending."""
        server_json = conn.execute(select(t.cases.c.server_json).where(
            t.cases.c.case_id == case_id)).scalar_one_or_none()
        self.store._rebase_case(conn, case_id, json.loads(server_json) if server_json else None)


def _entry(row: Any) -> LedgerEntry:
    command = json.loads(row["body"])
    return LedgerEntry(
        position=row["position"], command_id=row["command_id"], case_id=row["case_id"],
        kind=row["kind"], state=row["state"], operator=str(command.get("operator", "")),
        workstation=str(command.get("workstation", "")), issued_at=str(command.get("issued_at", "")),
        created_at=row["created_at"], resolved_at=row["resolved_at"],
        payload=command.get("payload") or {},
        result=json.loads(row["result"]) if row["result"] else None,
        acknowledged_by=row["acknowledged_by"],
        case_number=row["number"] or row["provisional_number"] or command.get("payload", {}).get("provisional_number"))
