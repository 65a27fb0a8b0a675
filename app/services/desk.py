"""What an operator at this workstation can do, as commands on the local store.

Threading: UI thread.  Each action builds a ``Command`` (a UUID, the operator,
the workstation, the time, the case version it was based on), applies it
optimistically and puts it in the outbox in one local transaction, and
returns the ``ChangeSummary``, which it also hands to ``on_change`` (the
composition root connects that to the change bus, app/runtime/bus.py, so
every view hears of every desk command without being called by hand).  The
rules may refuse at once here (``CommandRejected``); otherwise the server
has the final word.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.store.replica import ChangeSummary, LocalStore
from core import command_line as cl
from core.cases import (
    CaseSource,
    CaseState,
    Command,
    CommandKind,
    CommandRejected,
    Role,
    RuleContext,
    why_not,
)
from core.categories import LimitUnit
from core.resources import resource
from core.timeutil import now_cst, now_iso, to_iso


@dataclass(frozen=True)
class RegistrationInput:
    """What the operator types when registering a case."""

    category: str
    source: CaseSource = CaseSource.DISPATCHER
    address: str = ""
    description: str = ""


@dataclass(frozen=True)
class LineResult:
    """What a command-bar line did."""

    action: str
    case_id: str
    number: str
    summary: ChangeSummary
    detail: str = ""  # e.g. the department dispatched to


class CaseDesk:
    def __init__(self, store: LocalStore, workstation: str, user: dict[str, Any],
                 on_queued: Callable[[], None] | None = None,
                 on_change: Callable[[ChangeSummary], None] | None = None):
        self.store = store
        self.workstation = workstation
        self.user = user
        self.role = Role(user["role"])
        self.department_id: str | None = user.get("department_id")
        self._on_queued = on_queued
        # Every command's summary, once written (the change bus's publish).
        self.on_change = on_change
        self._grammar: cl.Grammar | None = None

    @property
    def operator(self) -> str:
        return str(self.user["username"])

    # ---- the generic path -------------------------------------------------------

    def _command(self, kind: CommandKind, case_id: str, payload: dict[str, Any]) -> Command:
        state = self.store.case(case_id)
        return Command.new(kind, case_id, payload, operator=self.operator, workstation=self.workstation,
                           issued_at=to_iso(now_cst()), base_version=state.version if state else 0)

    def _queue(self, command: Command) -> ChangeSummary:
        summary = self.store.queue_command(command, self.role, self.department_id)
        if self._on_queued is not None:
            self._on_queued()
        if self.on_change is not None:
            self.on_change(summary)
        return summary

    def act(self, kind: CommandKind, case_id: str, payload: dict[str, Any] | None = None) -> ChangeSummary:
        """Any action on an existing case; raises CommandRejected and writes
        nothing if the rules refuse it."""
        return self._queue(self._command(kind, case_id, dict(payload or {})))

    def rule_context(self) -> RuleContext:
        return RuleContext(role=self.role, categories=self.store.categories, calendar=self.store.calendar,
                           user_department=self.department_id)

    def available(self, case_id: str | None) -> dict[CommandKind, CommandRejected | None]:
        """Why each action cannot be done on this case now (None where it
        can), for disabling actions with the reason in a tooltip; one read of
        the case for all of them."""
        state = self.store.case(case_id) if case_id else None
        ctx, now = self.rule_context(), now_iso()
        missing = CommandRejected("no_such_case", "no such case", case_id=case_id)
        return {kind: (why_not(state, kind, ctx, now) if state else missing) for kind in CommandKind}

    # ---- the stages ----------------------------------------------------------------

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

    def report_case(self, *, description: str, address: str = "", source: CaseSource = CaseSource.PUBLIC,
                    category: str | None = None) -> tuple[str, ChangeSummary]:
        """Take a report (a call, a message) that still has to be verified."""
        case_id = str(uuid.uuid4())
        provisional = self.store.next_provisional_number(self.workstation, now_cst().strftime("%Y%m%d"))
        payload: dict[str, Any] = {"description": description, "address": address,
                                   "source": source.value, "provisional_number": provisional}
        if category:
            payload["category"] = category
        return case_id, self._queue(self._command(CommandKind.REPORT, case_id, payload))

    def locate_case(self, case_id: str, *, cell_code: str, lon: float, lat: float,
                    category: str | None = None) -> ChangeSummary:
        payload: dict[str, Any] = {"cell_code": cell_code, "lon": lon, "lat": lat}
        if category:
            payload["category"] = category
        return self.act(CommandKind.LOCATE, case_id, payload)

    def dispatch_case(self, case_id: str, department_id: str) -> ChangeSummary:
        return self.act(CommandKind.DISPATCH, case_id, {"department_id": department_id})

    def report_handled(self, case_id: str) -> ChangeSummary:
        return self.act(CommandKind.REPORT_HANDLED, case_id)

    def check_case(self, case_id: str, note: str = "") -> ChangeSummary:
        return self.act(CommandKind.CHECK, case_id, {"note": note} if note else {})

    def close_case(self, case_id: str) -> ChangeSummary:
        return self.act(CommandKind.CLOSE, case_id)

    def add_note(self, case_id: str, text: str) -> ChangeSummary:
        return self.act(CommandKind.ADD_NOTE, case_id, {"text": text})

    # ---- helpers for the views ----------------------------------------------------------

    def suggested_department(self, case_id: str) -> str | None:
        """Who should get the case: the category's kind of department, else
        the cell's responsible department."""
        state = self.store.case(case_id)
        if state is None:
            return None
        return self.store.suggested_department(state.category, state.cell_code)

    def extension_unit(self, state: CaseState, unit: str) -> str:
        """An "hours" extension of a wall-clock category counts wall-clock hours."""
        category = self.store.categories.get(state.category)
        if unit == LimitUnit.WORK_HOURS.value and category and category.limit.unit is LimitUnit.HOURS:
            return LimitUnit.HOURS.value
        return unit

    # ---- the command bar ----------------------------------------------------------------

    @property
    def grammar(self) -> cl.Grammar:
        if self._grammar is None:
            self._grammar = cl.Grammar.load(resource("command_bar.json"))
        return self._grammar

    def department_choices(self) -> list[tuple[str, str]]:
        return [(d["department_id"], d["name"]) for d in self.store.departments()]

    def completions(self, text: str) -> list[str]:
        return cl.completions(text, self.grammar, self.department_choices())

    def run_line(self, text: str) -> LineResult:
        """Do what one command-bar line says.  Raises ``LineError`` (the line
        is not understood) or ``CommandRejected`` (the rules refuse); either
        way nothing is written."""
        line = cl.parse(text, self.grammar)
        state = self.store.find_case(line.number)
        if state is None:
            raise cl.LineError("no_such_number", f"no case has the number {line.number}",
                               number=line.number)
        case_id, action = state.case_id, line.action
        kind = line.kind
        detail = ""
        if kind is None:
            summary = ChangeSummary()
        elif kind in (CommandKind.DISPATCH, CommandKind.REDISPATCH):
            if line.args:
                department = cl.match_department(line.args[0], self.department_choices())
            else:
                department = self.store.suggested_department(state.category, state.cell_code) or ""
                if not department:
                    raise cl.LineError("no_department", "name the department", number=line.number)
            detail = department
            payload: dict[str, Any] = {"department_id": department}
            if kind is CommandKind.REDISPATCH:
                payload["reason"] = line.rest(1)
            summary = self.act(kind, case_id, payload)
        elif kind is CommandKind.EXTEND:
            if not line.args:
                raise cl.LineError("bad_duration", "extend needs a duration like 2h or 1d", token="")
            value, unit = cl.parse_duration(line.args[0], self.grammar)
            summary = self.act(kind, case_id, {"value": value, "unit": self.extension_unit(state, unit),
                                               "reason": line.rest(1)})
        elif kind is CommandKind.CALLBACK:
            if not line.args:
                raise cl.LineError("bad_result", "callback needs satisfied, unsatisfied or unreachable",
                                   token="")
            summary = self.act(kind, case_id, {"result": cl.parse_result(line.args[0], self.grammar),
                                               "note": line.rest(1)})
        elif kind is CommandKind.ADD_NOTE:
            summary = self.act(kind, case_id, {"text": line.rest()})
        elif kind is CommandKind.CHECK:
            summary = self.act(kind, case_id, {"note": line.rest()} if line.args else {})
        elif kind is CommandKind.LOCATE:
            raise cl.LineError("use_map", "locate a case by clicking on the map", number=line.number)
        else:
            summary = self.act(kind, case_id, {"reason": line.rest()} if line.args else {})
        return LineResult(action, case_id, state.display_number, summary, detail)
