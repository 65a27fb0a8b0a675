"""Server-side pieces of the case loop that are more than one command:
12345 hotline intake and callbacks, attachments, and publishing the
reference data (categories, calendar) in the change feed.

Every case change still goes through ``ServerStore._decide`` (the case rules
of core/cases.py), inside the store's ``writing()`` transaction, so the
change feed and the command ledger see them like any other command.

Threading: functions may be called from any API worker thread; each runs
its own transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from core import attachments as attach_rules
from core.cases import CaseSource, CaseStatus, Command, CommandKind
from core.reference import NAMES, load_file
from core.timeutil import from_iso, now_iso
from server.storage import ServerStore
from server.storage import schema as s

# Ids derived from a ticket id make a repeated ticket the same command: the
# command ledger then answers it exactly as the first time.
HOTLINE_NAMESPACE = uuid.UUID("5b0a3c1e-1234-4f7e-9a51-12345a12345b")
HOTLINE_WORKSTATION = "12345"


class CaseLoopError(Exception):
    """A request the case loop refuses; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, code: str, message: str, params: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params}


# Which rejection of the rules becomes which HTTP status.
_STATUS_FOR_CODE = {"no_such_case": 404, "role_forbidden": 403, "not_your_case": 403,
                    "operator_mismatch": 403}


def _apply(store: ServerStore, conn: Connection, command: Command, user: dict[str, Any]) -> dict[str, Any]:
    """The rules plus the ledger line, inside the caller's ``writing()``;
    a rejection raises (and the caller's transaction rolls back)."""
    result = store.apply_in(conn, command, user)
    if result["outcome"] == "rejected":
        reason = result["reason"]
        raise CaseLoopError(_STATUS_FOR_CODE.get(reason["code"], 409), reason["code"],
                            reason["message"], reason.get("params"))
    return result


# ---- 12345 hotline -----------------------------------------------------------------


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


def intake(store: ServerStore, ticket: Ticket, user: dict[str, Any]) -> dict[str, Any]:
    """Create a REPORTED hotline case for ``ticket``; the same ticket again
    returns the same case and changes nothing."""
    at = now_iso()
    for value in (ticket.time_limit, ticket.received_at):
        if value:
            try:
                from_iso(value)
            except ValueError as exc:
                raise CaseLoopError(422, "bad_time", f"{value!r} is not an ISO 8601 time with an "
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
    with store.writing() as conn:
        _apply(store, conn, command, user)
    status = ticket_status(store, ticket.ticket_id)
    assert status is not None
    return status


def callback(store: ServerStore, ticket_id: str, result: str, note: str, user: dict[str, Any],
             callback_id: str | None = None) -> dict[str, Any]:
    """Record the 回访 result of a ticket's case (the rules decide what follows)."""
    case_id = _case_of_ticket(store, ticket_id)
    command_id = str(uuid.uuid5(HOTLINE_NAMESPACE, f"callback:{ticket_id}:{callback_id}")) \
        if callback_id else str(uuid.uuid4())
    with store.writing() as conn:
        version = conn.execute(select(s.cases.c.version).where(s.cases.c.case_id == case_id)).scalar_one()
        command = Command(command_id, CommandKind.CALLBACK, case_id, {"result": result, "note": note},
                          str(user["username"]), str(user.get("workstation") or HOTLINE_WORKSTATION),
                          now_iso(), int(version))
        _apply(store, conn, command, user)
    status = ticket_status(store, ticket_id)
    assert status is not None
    return status


def _case_of_ticket(store: ServerStore, ticket_id: str) -> str:
    with store.engine.connect() as conn:
        case_id = conn.execute(select(s.cases.c.case_id).where(
            s.cases.c.ticket_id == ticket_id)).scalar_one_or_none()
    if case_id is None:
        raise CaseLoopError(404, "no_such_ticket", f"no case answers ticket {ticket_id}",
                            {"ticket_id": ticket_id})
    return str(case_id)


def ticket_status(store: ServerStore, ticket_id: str) -> dict[str, Any] | None:
    """The link back: where the ticket's case stands, and its timeline."""
    with store.engine.connect() as conn:
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


# ---- attachments ---------------------------------------------------------------------


def add_attachment(store: ServerStore, case_id: str, filename: str, content_type: str, data: bytes,
                   user: dict[str, Any]) -> dict[str, Any]:
    """Check the file and the rules, then store it with its timeline line."""
    try:
        name = attach_rules.check(filename, content_type, len(data), data[:attach_rules.HEAD_BYTES])
    except attach_rules.AttachmentError as exc:
        status = {"too_large": 413, "unsupported_type": 415}.get(exc.code, 422)
        raise CaseLoopError(status, exc.code, exc.message) from exc
    content_type = attach_rules.media_type(content_type)
    attachment_id = str(uuid.uuid4())
    digest = hashlib.sha256(data).hexdigest()
    at = now_iso()
    with store.writing() as conn:
        version = conn.execute(select(s.cases.c.version).where(
            s.cases.c.case_id == case_id)).scalar_one_or_none()
        command = Command(attachment_id, CommandKind.ATTACH, case_id,
                          {"attachment_id": attachment_id, "filename": name,
                           "content_type": content_type, "size": len(data)},
                          str(user["username"]), str(user.get("workstation") or "?"), at,
                          int(version or 0))
        result = _apply(store, conn, command, user)
        row = {"attachment_id": attachment_id, "case_id": case_id, "filename": name,
               "content_type": content_type, "size": len(data), "sha256": digest,
               "uploaded_by": command.operator, "uploaded_from": command.workstation,
               "uploaded_at": at, "data": data}
        store.insert_entities(conn, "attachment", [row])
    meta = {k: v for k, v in row.items() if k != "data"}
    return {**meta, "version": result["version"]}


def attachment(store: ServerStore, attachment_id: str) -> tuple[dict[str, Any], bytes] | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(s.attachments).where(
            s.attachments.c.attachment_id == attachment_id)).mappings().first()
    if row is None:
        return None
    meta = {k: v for k, v in row.items() if k != "data"}
    return meta, bytes(row["data"])


def case_attachments(store: ServerStore, case_id: str) -> list[dict[str, Any]]:
    columns = [c for c in s.attachments.c if c.name != "data"]
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(*columns).where(
            s.attachments.c.case_id == case_id).order_by(s.attachments.c.uploaded_at)).mappings()]


# ---- reference data ----------------------------------------------------------------------


def publish_reference(store: ServerStore) -> list[str]:
    """Put the categories and the calendar in the change feed when their
    files changed since they were last published (also on a fresh
    database); returns the names published.  Safe with several server
    processes: the change lock serialises them and the second sees the
    version already recorded."""
    items = [load_file(name) for name in NAMES]
    published = []
    with store.writing() as conn:
        for item in items:
            key = f"reference:{item.name}"
            current = conn.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar_one_or_none()
            if current == item.version:
                continue
            if current is None:
                conn.execute(insert(s.meta).values(key=key, value=item.version))
            else:
                conn.execute(update(s.meta).where(s.meta.c.key == key).values(value=item.version))
            store.record_changes(conn, [("reference", item.name, item.to_change())])
            published.append(item.name)
    return published


def reference_versions(store: ServerStore) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        return {name: conn.execute(select(s.meta.c.value).where(
            s.meta.c.key == f"reference:{name}")).scalar_one_or_none() for name in NAMES}
