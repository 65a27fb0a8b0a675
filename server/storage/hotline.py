"""12345 hotline intake and callbacks in the server's store.

A ticket becomes a REPORTED case with source ``hotline``; its 回访 result
is a CALLBACK command.  Both go through the case rules (``apply_in``, the
store's command step: core/cases.py plus the command ledger) inside the
feed's ``writing()`` transaction, so the change feed and the ledger see
them like any other command.  Ids derived from the ticket id make a
repeated ticket the same command: the ledger then answers it exactly as
the first time.

Threading: a ``Hotline`` may be used from any API worker thread; each
method runs its own transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from core.cases import CaseSource, CaseStatus, Command, CommandKind
from core.timeutil import from_iso, now_iso
from server.storage import schema as s
from server.storage.errors import INVALID, NOT_FOUND, StorageError, rule_refusal
from server.storage.feed import ChangeFeed

HOTLINE_NAMESPACE = uuid.UUID("5b0a3c1e-1234-4f7e-9a51-12345a12345b")
HOTLINE_WORKSTATION = "12345"

# The store's command step: decide one command and write its ledger line
# inside the caller's writing() transaction; returns the command's result.
ApplyIn = Callable[[Connection, Command, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    caller: str
    phone: str
    content: str
    address_text: str
    time_limit: str | None  # ISO 8601 with offset: when the 12345 centre wants it done
    received_at: str | None = None


def ticket_case_id(ticket_id: str) -> str:
    return str(uuid.uuid5(HOTLINE_NAMESPACE, f"case:{ticket_id}"))


class Hotline:
    def __init__(self, engine: Engine, feed: ChangeFeed, apply_in: ApplyIn):
        self.engine = engine
        self.feed = feed
        self.apply_in = apply_in

    def _apply(self, conn: Connection, command: Command, user: dict[str, Any]) -> dict[str, Any]:
        """The rules plus the ledger line; a rejection raises (and the
        caller's transaction rolls back)."""
        result = self.apply_in(conn, command, user)
        if result["outcome"] == "rejected":
            raise rule_refusal(result)
        return result

    def intake(self, ticket: Ticket, user: dict[str, Any]) -> dict[str, Any]:
        """Create a REPORTED hotline case for ``ticket``; the same ticket again
        returns the same case and changes nothing."""
        at = now_iso()
        for value in (ticket.time_limit, ticket.received_at):
            if value:
                try:
                    from_iso(value)
                except ValueError as exc:
                    raise StorageError(INVALID, "bad_time", f"{value!r} is not an ISO 8601 time with an "
                                       "offset") from exc
        command = Command(
            str(uuid.uuid5(HOTLINE_NAMESPACE, f"report:{ticket.ticket_id}")), CommandKind.REPORT,
            ticket_case_id(ticket.ticket_id),
            {"source": CaseSource.HOTLINE.value, "description": ticket.content,
             "address": ticket.address_text, "ticket_id": ticket.ticket_id, "caller": ticket.caller,
             "caller_phone": ticket.phone, "due_by": ticket.time_limit,
             "reported_at": ticket.received_at or at,
             "provisional_number": f"12345-{ticket.ticket_id}"},
            str(user["username"]), HOTLINE_WORKSTATION, at)
        with self.feed.writing() as conn:
            self._apply(conn, command, user)
        status = self.ticket_status(ticket.ticket_id)
        assert status is not None
        return status

    def callback(self, ticket_id: str, result: str, note: str, user: dict[str, Any],
                 callback_id: str | None = None) -> dict[str, Any]:
        """Record the 回访 result of a ticket's case (the rules decide what follows)."""
        case_id = self._case_of_ticket(ticket_id)
        command_id = str(uuid.uuid5(HOTLINE_NAMESPACE, f"callback:{ticket_id}:{callback_id}")) \
            if callback_id else str(uuid.uuid4())
        with self.feed.writing() as conn:
            version = conn.execute(select(s.cases.c.version).where(
                s.cases.c.case_id == case_id)).scalar_one()
            command = Command(command_id, CommandKind.CALLBACK, case_id, {"result": result, "note": note},
                              str(user["username"]), str(user.get("workstation") or HOTLINE_WORKSTATION),
                              now_iso(), int(version))
            self._apply(conn, command, user)
        status = self.ticket_status(ticket_id)
        assert status is not None
        return status

    def _case_of_ticket(self, ticket_id: str) -> str:
        with self.engine.connect() as conn:
            case_id = conn.execute(select(s.cases.c.case_id).where(
                s.cases.c.ticket_id == ticket_id)).scalar_one_or_none()
        if case_id is None:
            raise StorageError(NOT_FOUND, "no_such_ticket", f"no case answers ticket {ticket_id}",
                               {"ticket_id": ticket_id})
        return str(case_id)

    def ticket_status(self, ticket_id: str) -> dict[str, Any] | None:
        """The link back: where the ticket's case stands, and its timeline."""
        with self.engine.connect() as conn:
            row = conn.execute(select(s.cases).where(s.cases.c.ticket_id == ticket_id)).mappings().first()
            if row is None:
                return None
            events = conn.execute(select(s.case_events.c.kind, s.case_events.c.at, s.case_events.c.operator,
                                         s.case_events.c.detail).where(
                s.case_events.c.case_id == row["case_id"]).order_by(
                s.case_events.c.version, s.case_events.c.at)).mappings().all()
        keys = ("case_id", "number", "provisional_number", "status", "department_id", "reported_at",
                "registered_at", "dispatched_at", "deadline", "handled_at", "closed_at", "due_by",
                "callback_result", "callback_at", "caller", "caller_phone", "description", "address")
        return {"ticket_id": ticket_id, **{k: row[k] for k in keys},
                "closed": row["status"] == CaseStatus.CLOSED.value,
                "events": [{"kind": e["kind"], "at": e["at"], "operator": e["operator"],
                            "detail": json.loads(e["detail"])} for e in events]}


__all__ = ["HOTLINE_WORKSTATION", "ApplyIn", "Hotline", "Ticket", "ticket_case_id"]
