"""What an operator at this workstation can do, as commands on the local store.

Threading: UI thread.  Each action builds a ``Command`` (a UUID, the operator,
the workstation, the time, the case version it was based on), applies it
optimistically and puts it in the outbox in one local transaction, and
returns the ``ChangeSummary``.  The rules may refuse at once here
(``CommandRejected``); otherwise the server has the final word.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.store import ChangeSummary, LocalStore
from core.cases import (
    TRANSITIONS,
    CaseSource,
    Command,
    CommandKind,
    CommandRejected,
    Role,
)
from core.timeutil import now_cst, to_iso


@dataclass(frozen=True)
class RegistrationInput:
    """What the operator types when registering a case."""

    category: str
    source: CaseSource = CaseSource.DISPATCHER
    address: str = ""
    description: str = ""


class CaseDesk:
    def __init__(self, store: LocalStore, workstation: str, user: dict[str, Any],
                 on_queued: Callable[[], None] | None = None):
        self.store = store
        self.workstation = workstation
        self.user = user
        self.role = Role(user["role"])
        self._on_queued = on_queued

    @property
    def operator(self) -> str:
        return str(self.user["username"])

    def _command(self, kind: CommandKind, case_id: str, payload: dict[str, Any]) -> Command:
        state = self.store.case(case_id)
        return Command.new(kind, case_id, payload, operator=self.operator, workstation=self.workstation,
                           issued_at=to_iso(now_cst()), base_version=state.version if state else 0)

    def _queue(self, command: Command) -> ChangeSummary:
        summary = self.store.queue_command(command, self.role)
        if self._on_queued is not None:
            self._on_queued()
        return summary

    def register_case(self, *, category: str, cell_code: str, lon: float, lat: float,
                      description: str = "", address: str = "",
                      source: CaseSource = CaseSource.DISPATCHER) -> tuple[str, ChangeSummary]:
        case_id = str(uuid.uuid4())
        provisional = self.store.next_provisional_number(self.workstation, now_cst().strftime("%Y%m%d"))
        command = self._command(CommandKind.REGISTER, case_id, {
            "category": category, "cell_code": cell_code, "lon": lon, "lat": lat,
            "description": description, "address": address, "source": source.value,
            "provisional_number": provisional})
        return case_id, self._queue(command)

    def dispatch_case(self, case_id: str, department_id: str) -> ChangeSummary:
        return self._queue(self._command(CommandKind.DISPATCH, case_id, {"department_id": department_id}))

    def close_case(self, case_id: str) -> ChangeSummary:
        return self._queue(self._command(CommandKind.CLOSE, case_id, {}))

    def add_note(self, case_id: str, text: str) -> ChangeSummary:
        return self._queue(self._command(CommandKind.ADD_NOTE, case_id, {"text": text}))

    def why_not(self, kind: CommandKind, case_id: str) -> CommandRejected | None:
        """Why ``kind`` cannot be done on this case now (None if it can), for
        disabling actions with the reason in a tooltip."""
        if self.role not in TRANSITIONS[kind].roles:
            return CommandRejected("role_forbidden", f"a {self.role.value} may not {kind.value}",
                                   role=self.role.value, action=kind.value)
        state = self.store.case(case_id)
        if state is None:
            return CommandRejected("no_such_case", "no such case", case_id=case_id)
        sources = TRANSITIONS[kind].sources
        if sources is not None and state.status not in sources:
            return CommandRejected("wrong_status", f"case is {state.status.value}",
                                   number=state.display_number, status=state.status.value,
                                   by=state.updated_by, at=state.updated_at,
                                   workstation=state.updated_from)
        return None
