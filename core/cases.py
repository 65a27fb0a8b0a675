"""The case loop (案卷 lifecycle): states, commands and the rules between them.

The server applies these rules to every command it accepts; the client
applies the same function for its optimistic effect and to grey out actions
that cannot succeed.  A refused command raises ``CommandRejected`` carrying a
machine-readable reason code, its parameters and an English message; the
client translates the code for the dispatcher.

The loop (DOMAIN.md §2, docs/case-loop.md)::

    report ─▶ verify ─▶ register ─▶ dispatch ─▶ handled ─▶ checked ─▶ close
      │         │          │          │  ▲ ▲        │          │        (hotline: callback)
      └─────────┴──────────┴─▶ cancel │  │ └─rework─┴──────────┘
                                      │  └── reject return / resume / callback "unsatisfied"
                                      ├─▶ returned ─▶ dispatch again (改派)
                                      └─▶ deferred (挂账, off the clock)

Extension, re-dispatch and escalation keep a dispatched case where it is.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from core.categories import CategoryTree, LimitUnit, TimeLimit
from core.timeutil import from_iso, to_iso
from core.worktime import WorkCalendar


class CaseStatus(StrEnum):
    REPORTED = "reported"  # 信息收集: reported, not yet verified
    VERIFIED = "verified"  # 核实: real and in scope
    REGISTERED = "registered"  # 立案
    CANCELLED = "cancelled"  # 不予立案 / 作废
    DISPATCHED = "dispatched"  # 派遣: the department's clock runs
    RETURNED = "returned"  # 回退: department says "not ours"; its clock is paused
    HANDLED = "handled"  # 处置 + 反馈: department reported back
    CHECKED = "checked"  # 核查: the on-site check found it done
    DEFERRED = "deferred"  # 挂账: parked on the ledger, off the clock
    CLOSED = "closed"  # 结案


OPEN_STATUSES = frozenset(
    {CaseStatus.REPORTED, CaseStatus.VERIFIED, CaseStatus.REGISTERED, CaseStatus.DISPATCHED,
     CaseStatus.RETURNED, CaseStatus.HANDLED, CaseStatus.CHECKED, CaseStatus.DEFERRED}
)


class CaseSource(StrEnum):
    SUPERVISOR = "supervisor"  # 监督员
    HOTLINE = "hotline"  # 12345
    PUBLIC = "public"  # WeChat, web
    VIDEO = "video"  # video and IoT alarms
    LEADER = "leader"  # 领导交办
    MEDIA = "media"
    DISPATCHER = "dispatcher"  # registered at the desk from the map


class Role(StrEnum):
    ACCEPTOR = "acceptor"  # 受理员
    SHIFT_LEADER = "shift_leader"  # 值班长
    LEADER = "leader"  # 分管领导: approves a second extension
    DISPATCHER = "dispatcher"  # 派遣员
    DEPARTMENT = "department"  # 专业部门 / 处置单位
    SUPERVISOR = "supervisor"  # 监督员 (through the server, from the field app)
    HOTLINE = "hotline"  # the 12345 platform's integration account
    ADMIN = "admin"


class CommandKind(StrEnum):
    REPORT = "report_case"
    VERIFY = "verify_case"
    LOCATE = "locate_case"
    REGISTER = "register_case"
    CANCEL = "cancel_case"
    DISPATCH = "dispatch_case"
    REDISPATCH = "redispatch_case"
    RETURN = "return_case"
    REJECT_RETURN = "reject_return"
    REPORT_HANDLED = "report_handled"
    CHECK = "check_case"
    REWORK = "rework_case"
    CLOSE = "close_case"
    CALLBACK = "callback_case"
    EXTEND = "extend_case"
    DEFER = "defer_case"
    RESUME = "resume_case"
    ESCALATE = "escalate_case"
    ADD_NOTE = "add_note"
    ATTACH = "attach_file"


# Kinds the server accepts only from its own endpoints (they carry more than
# a command can: a file), never from POST /api/commands.
ENDPOINT_ONLY = frozenset({CommandKind.ATTACH})


class CallbackResult(StrEnum):
    SATISFIED = "satisfied"  # 满意: the case closes
    UNSATISFIED = "unsatisfied"  # 不满意: back to the department
    UNREACHABLE = "unreachable"  # 联系不上: closes, recorded as not reached


MAX_EXTENSION_MINUTES = 60 * 8 * 30  # one extension: at most 30 working days' worth
TEXT_MAX = 2000
# Longest accepted payload texts (the columns that keep them are no wider).
FIELD_MAX = {"reason": TEXT_MAX, "text": TEXT_MAX, "note": TEXT_MAX, "description": TEXT_MAX,
             "address": TEXT_MAX, "ticket_id": 64, "caller": 64, "caller_phone": 32,
             "provisional_number": 40}


@dataclass(frozen=True)
class Command:
    """What a workstation asks the server to do.  ``command_id`` is the
    idempotency key: the server applies a command at most once."""

    command_id: str
    kind: CommandKind
    case_id: str
    payload: dict[str, Any]
    operator: str
    workstation: str
    issued_at: str
    base_version: int = 0

    @classmethod
    def new(cls, kind: CommandKind, case_id: str, payload: dict[str, Any], *, operator: str,
            workstation: str, issued_at: str, base_version: int = 0) -> Command:
        return cls(str(uuid.uuid4()), kind, case_id, dict(payload), operator, workstation,
                   issued_at, base_version)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["kind"] = self.kind.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Command:
        try:
            command_id = str(uuid.UUID(str(data["command_id"])))
            kind = CommandKind(data["kind"])
            payload = data.get("payload") or {}
            if not isinstance(payload, dict):
                raise ValueError("payload must be an object")
            issued_at = str(data["issued_at"])
            from_iso(issued_at)
            return cls(command_id, kind, str(data["case_id"]), payload, str(data["operator"]),
                       str(data["workstation"]), issued_at, int(data.get("base_version", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedCommand(str(exc)) from exc


class MalformedCommand(ValueError):
    """A command that cannot even be read."""


class CommandRejected(Exception):
    """The case rules refuse this command; nothing changes."""

    def __init__(self, code: str, message: str, **params: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params}


_INT_FIELDS = ("extension_count", "rework_count", "escalation_level")


@dataclass
class CaseState:
    case_id: str
    status: CaseStatus
    category: str  # "" while a reported case is not yet classified
    cell_code: str  # "" while a reported case is not yet located
    lon: float  # GCJ-02, as drawn on the district's cells (0 while not located)
    lat: float
    source: CaseSource
    description: str = ""
    address: str = ""
    number: str | None = None  # official number, given by the server at registration
    provisional_number: str | None = None  # given offline by the workstation
    department_id: str | None = None
    reported_at: str | None = None
    registered_at: str | None = None
    dispatched_at: str | None = None
    deadline: str | None = None
    handled_at: str | None = None
    closed_at: str | None = None
    version: int = 0
    updated_by: str | None = None
    updated_at: str | None = None
    updated_from: str | None = None
    verified_at: str | None = None
    checked_at: str | None = None
    extension_count: int = 0
    rework_count: int = 0
    escalation_level: int = 0
    escalated_at: str | None = None
    paused_at: str | None = None  # returned or deferred: the clock stopped here
    remaining_minutes: float | None = None  # ... with this much of the limit left
    ticket_id: str | None = None  # 12345 ticket this case answers
    caller: str | None = None
    caller_phone: str | None = None
    due_by: str | None = None  # the ticket's own time limit
    callback_result: str | None = None
    callback_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # Every field is a scalar: a shallow copy (``asdict`` deep-copies,
        # several times slower on the server's command path).
        data = {name: getattr(self, name) for name in CASE_FIELDS}
        data["status"] = self.status.value
        data["source"] = self.source.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseState:
        values = {k: v for k, v in data.items() if k in _CASE_FIELD_SET}
        values["status"] = CaseStatus(values["status"])
        values["source"] = CaseSource(values["source"])
        values["lon"] = float(values["lon"])
        values["lat"] = float(values["lat"])
        for name in _INT_FIELDS:
            values[name] = int(values.get(name) or 0)
        if values.get("remaining_minutes") is not None:
            values["remaining_minutes"] = float(values["remaining_minutes"])
        return cls(**values)

    @property
    def display_number(self) -> str:
        return self.number or self.provisional_number or self.case_id[:8]

    @property
    def located(self) -> bool:
        return bool(self.cell_code)


CASE_FIELDS = tuple(f.name for f in dataclasses.fields(CaseState))
_CASE_FIELD_SET = frozenset(CASE_FIELDS)


@dataclass(frozen=True)
class CaseEvent:
    """One line of a case's timeline: who did what, where and when."""

    event_id: str
    case_id: str
    kind: str
    operator: str
    workstation: str
    at: str
    detail: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # the case's version after this event: the timeline's order

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class RuleContext:
    """What the rules need besides the case: who acts (role, and for a
    department user its department), the category tree and the working-time
    calendar (for deadlines), and which departments and cells exist."""

    role: Role
    categories: CategoryTree
    calendar: WorkCalendar
    department_exists: Callable[[str], bool] = lambda _dept: True
    cell_exists: Callable[[str], bool] = lambda _cell: True
    user_department: str | None = None


@dataclass(frozen=True)
class Transition:
    sources: frozenset[CaseStatus] | None  # statuses it applies to; None: any existing case
    target: CaseStatus | None  # None: status unchanged
    roles: frozenset[Role]
    needs_reason: bool = False
    creates: bool = False  # may create the case (no case yet)


_DESK = frozenset({Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN})
_LEADERS = frozenset({Role.SHIFT_LEADER, Role.LEADER, Role.ADMIN})
_SECOND_EXTENSION = frozenset({Role.LEADER, Role.ADMIN})
_ALL = frozenset(Role)
_S = CaseStatus

TRANSITIONS: dict[CommandKind, Transition] = {
    CommandKind.REPORT: Transition(
        frozenset(), _S.REPORTED,
        frozenset({Role.SUPERVISOR, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.HOTLINE, Role.ADMIN}),
        creates=True),
    CommandKind.VERIFY: Transition(
        frozenset({_S.REPORTED}), _S.VERIFIED,
        frozenset({Role.SUPERVISOR, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN})),
    CommandKind.LOCATE: Transition(
        frozenset({_S.REPORTED, _S.VERIFIED}), None,
        frozenset({Role.SUPERVISOR, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN})),
    # A case registered at the desk (a call, a click on the map) is created
    # registered; a reported case is registered once verified.
    CommandKind.REGISTER: Transition(
        frozenset({_S.VERIFIED}), _S.REGISTERED,
        frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN}), creates=True),
    CommandKind.CANCEL: Transition(
        frozenset({_S.REPORTED, _S.VERIFIED, _S.REGISTERED}), _S.CANCELLED,
        frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN}), needs_reason=True),
    # After a return, dispatching again is the domain's 改派.
    CommandKind.DISPATCH: Transition(frozenset({_S.REGISTERED, _S.RETURNED}), _S.DISPATCHED, _DESK),
    # ... and redispatch moves a dispatched case without waiting for a return.
    CommandKind.REDISPATCH: Transition(
        frozenset({_S.DISPATCHED}), _S.DISPATCHED, _DESK, needs_reason=True),
    CommandKind.RETURN: Transition(
        frozenset({_S.DISPATCHED}), _S.RETURNED, _DESK | {Role.DEPARTMENT}, needs_reason=True),
    CommandKind.REJECT_RETURN: Transition(
        frozenset({_S.RETURNED}), _S.DISPATCHED, _LEADERS, needs_reason=True),
    CommandKind.REPORT_HANDLED: Transition(
        frozenset({_S.DISPATCHED}), _S.HANDLED, _DESK | {Role.DEPARTMENT}),
    CommandKind.CHECK: Transition(
        frozenset({_S.HANDLED}), _S.CHECKED, _DESK | {Role.SUPERVISOR}),
    CommandKind.REWORK: Transition(
        frozenset({_S.HANDLED, _S.CHECKED}), _S.DISPATCHED, _DESK | {Role.SUPERVISOR},
        needs_reason=True),
    CommandKind.CLOSE: Transition(frozenset({_S.CHECKED}), _S.CLOSED, _DESK),
    # Satisfied or unreachable closes; unsatisfied goes back to DISPATCHED.
    CommandKind.CALLBACK: Transition(
        frozenset({_S.CHECKED}), _S.CLOSED,
        frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.HOTLINE, Role.ADMIN})),
    CommandKind.EXTEND: Transition(frozenset({_S.DISPATCHED}), None, _LEADERS, needs_reason=True),
    CommandKind.DEFER: Transition(
        frozenset({_S.DISPATCHED}), _S.DEFERRED, _LEADERS, needs_reason=True),
    CommandKind.RESUME: Transition(frozenset({_S.DEFERRED}), _S.DISPATCHED, _DESK | {Role.LEADER}),
    CommandKind.ESCALATE: Transition(frozenset({_S.DISPATCHED}), None, _LEADERS),
    CommandKind.ADD_NOTE: Transition(None, None, _ALL),
    CommandKind.ATTACH: Transition(None, None, _ALL),
}


def callback_target(result: str) -> CaseStatus:
    return _S.DISPATCHED if result == CallbackResult.UNSATISFIED.value else _S.CLOSED


# ---- checking ----------------------------------------------------------------


def check_allowed(state: CaseState | None, kind: CommandKind, ctx: RuleContext, at: str) -> None:
    """Raise ``CommandRejected`` if ``ctx.role`` may not do ``kind`` on
    ``state`` at ``at``, whatever the payload: the role, the status and the
    case's own conditions.  This is what the desk greys actions out by."""
    rule = TRANSITIONS[kind]
    if ctx.role not in rule.roles:
        raise CommandRejected(
            "role_forbidden", f"a {ctx.role.value} may not {kind.value}",
            role=ctx.role.value, action=kind.value)
    if state is None:
        if rule.creates:
            return
        raise CommandRejected("no_such_case", "the case does not exist", action=kind.value)
    if kind is CommandKind.REPORT:
        raise CommandRejected("case_exists", f"case {state.display_number} already exists",
                              number=state.display_number)
    if rule.sources is not None and state.status not in rule.sources:
        raise CommandRejected(
            "wrong_status",
            f"case {state.display_number} is already {state.status.value}"
            f" (by {state.updated_by or '?'} at {state.updated_at or '?'}"
            f" from {state.updated_from or '?'})",
            number=state.display_number, status=state.status.value, action=kind.value,
            by=state.updated_by, at=state.updated_at, workstation=state.updated_from)
    if ctx.role is Role.DEPARTMENT and state.department_id != ctx.user_department:
        raise CommandRejected(
            "not_your_case", f"case {state.display_number} is not with department {ctx.user_department}",
            number=state.display_number, department=state.department_id)
    if kind is CommandKind.CLOSE and state.source is CaseSource.HOTLINE:
        raise CommandRejected("callback_required",
                              f"hotline case {state.display_number} closes by its callback",
                              number=state.display_number)
    if kind is CommandKind.CALLBACK and state.source is not CaseSource.HOTLINE:
        raise CommandRejected("not_hotline", f"case {state.display_number} is not a hotline case",
                              number=state.display_number)
    if kind is CommandKind.EXTEND:
        if not state.deadline:
            raise CommandRejected("no_deadline", f"case {state.display_number} has no deadline",
                                  number=state.display_number)
        if state.extension_count >= 1 and ctx.role not in _SECOND_EXTENSION:
            raise CommandRejected("leader_required",
                                  f"extension {state.extension_count + 1} needs a leader",
                                  count=state.extension_count)
        if _overdue(state, at):
            raise CommandRejected("already_overdue",
                                  f"case {state.display_number} was due at {state.deadline}",
                                  number=state.display_number, deadline=state.deadline)
    if kind is CommandKind.ESCALATE and not _overdue(state, at):
        raise CommandRejected("not_overdue", f"case {state.display_number} is not overdue",
                              number=state.display_number, deadline=state.deadline)


def check_command(state: CaseState | None, command: Command, ctx: RuleContext) -> None:
    """Raise ``CommandRejected`` if the rules forbid ``command`` on ``state``."""
    kind, payload = command.kind, command.payload
    check_allowed(state, kind, ctx, command.issued_at)
    rule = TRANSITIONS[kind]
    if rule.needs_reason and not _text(payload.get("reason")):
        raise CommandRejected("reason_required", f"{kind.value} needs a reason", action=kind.value)
    for key, most in FIELD_MAX.items():
        if len(str(payload.get(key) or "")) > most:
            raise CommandRejected("too_long", f"{key} is longer than {most} characters", field=key)
    if state is None and kind is CommandKind.REGISTER:
        _check_location(payload, ctx, need_category=True, need_cell=True)
        _check_source(payload)
    elif kind is CommandKind.REPORT:
        _check_report(payload, ctx)
    elif kind in (CommandKind.VERIFY, CommandKind.LOCATE, CommandKind.REGISTER):
        assert state is not None
        _check_location(payload, ctx, need_category=False, need_cell=kind is CommandKind.LOCATE)
        if kind is CommandKind.REGISTER:
            located = state.located or bool(payload.get("cell_code"))
            classified = bool(state.category) or bool(payload.get("category"))
            if not (located and classified):
                raise CommandRejected("not_located",
                                      f"case {state.display_number} needs a category and a location",
                                      number=state.display_number)
    elif kind in (CommandKind.DISPATCH, CommandKind.REDISPATCH):
        assert state is not None
        department = payload.get("department_id")
        if not department or not ctx.department_exists(str(department)):
            raise CommandRejected("no_such_department", f"department {department!r} does not exist",
                                  department=department)
        if kind is CommandKind.REDISPATCH and department == state.department_id:
            raise CommandRejected("same_department", f"case is already with {department}",
                                  department=department)
        if state.category not in ctx.categories:
            raise CommandRejected("no_such_category", f"category {state.category!r} does not exist",
                                  category=state.category)
    elif kind is CommandKind.EXTEND:
        _extension(payload)
    elif kind is CommandKind.CALLBACK:
        result = payload.get("result")
        if result not in {r.value for r in CallbackResult}:
            raise CommandRejected("bad_callback", f"callback result {result!r} is not one of "
                                  "satisfied, unsatisfied, unreachable", result=result)
    elif kind is CommandKind.ADD_NOTE and not _text(payload.get("text")):
        raise CommandRejected("empty_note", "a note needs text")
    elif kind is CommandKind.ATTACH and not (_text(payload.get("attachment_id"))
                                           and _text(payload.get("filename"))):
        raise CommandRejected("malformed", "an attachment needs an id and a file name")


def why_not(state: CaseState | None, kind: CommandKind, ctx: RuleContext, at: str) -> CommandRejected | None:
    """Why ``kind`` cannot be done now (None if it can, payload permitting)."""
    try:
        check_allowed(state, kind, ctx, at)
    except CommandRejected as exc:
        return exc
    return None


def _text(value: Any) -> str:
    return str(value or "").strip()


def _overdue(state: CaseState, at: str) -> bool:
    return bool(state.deadline) and from_iso(str(state.deadline)) < from_iso(at)


def _check_location(payload: dict[str, Any], ctx: RuleContext, *, need_category: bool,
                    need_cell: bool) -> None:
    """Category and point, where the payload gives them (or must)."""
    if need_category or payload.get("category"):
        category = payload.get("category")
        if category not in ctx.categories:
            raise CommandRejected("no_such_category", f"category {category!r} does not exist",
                                  category=category)
    if not need_cell and not any(payload.get(k) is not None for k in ("cell_code", "lon", "lat")):
        return
    cell = payload.get("cell_code")
    if not cell or not ctx.cell_exists(str(cell)):
        raise CommandRejected("no_such_cell", f"cell {cell!r} does not exist", cell=cell)
    try:
        lon, lat = float(payload["lon"]), float(payload["lat"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CommandRejected("bad_location", "a location needs lon and lat") from exc
    if not (math.isfinite(lon) and math.isfinite(lat) and 73.0 <= lon <= 136.0 and 3.0 <= lat <= 54.0):
        raise CommandRejected("bad_location", f"({lon}, {lat}) is not in China", lon=lon, lat=lat)


def _check_source(payload: dict[str, Any]) -> None:
    try:
        CaseSource(payload.get("source", CaseSource.DISPATCHER.value))
    except ValueError as exc:
        raise CommandRejected("bad_source", f"unknown case source {payload.get('source')!r}",
                              source=payload.get("source")) from exc


def _check_report(payload: dict[str, Any], ctx: RuleContext) -> None:
    _check_source(payload)
    if ctx.role is Role.HOTLINE and payload.get("source") != CaseSource.HOTLINE.value:
        raise CommandRejected("bad_source", "the hotline account reports hotline cases only",
                              source=payload.get("source"))
    if not _text(payload.get("description")) and not _text(payload.get("address")):
        raise CommandRejected("empty_report", "a report needs a description or an address")
    _check_location(payload, ctx, need_category=False, need_cell=False)
    for key in ("reported_at", "due_by"):
        if payload.get(key):
            try:
                from_iso(str(payload[key]))
            except ValueError as exc:
                raise CommandRejected("bad_time", f"{key} is not an ISO 8601 time with an offset",
                                      field=key) from exc


def _extension(payload: dict[str, Any]) -> TimeLimit:
    try:
        limit = TimeLimit(float(payload["value"]), LimitUnit(payload["unit"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CommandRejected("bad_extension", "an extension needs a value and a unit "
                              "(work_hours, work_days or hours)") from exc
    minutes = limit.value * {LimitUnit.WORK_DAYS: 8 * 60}.get(limit.unit, 60)
    if not (math.isfinite(limit.value) and 0 < minutes <= MAX_EXTENSION_MINUTES):
        raise CommandRejected("bad_extension", f"an extension must be more than nothing and at most "
                              f"{MAX_EXTENSION_MINUTES // 480} working days", value=limit.value,
                              unit=limit.unit.value)
    return limit


# ---- applying ------------------------------------------------------------------


def apply_command(state: CaseState | None, command: Command, ctx: RuleContext) -> tuple[CaseState, CaseEvent]:
    """Check ``command`` and return the case after it, plus its timeline event.

    Pure: ``state`` is not modified.  Time stamps come from the command (when
    the operator acted, even offline), so client and server agree.
    """
    check_command(state, command, ctx)
    at = command.issued_at
    payload = command.payload
    kind = command.kind
    detail: dict[str, Any] = {}
    if state is None and kind is CommandKind.REGISTER:
        new = CaseState(
            case_id=command.case_id,
            status=CaseStatus.REGISTERED,
            category=str(payload["category"]),
            cell_code=str(payload["cell_code"]),
            lon=float(payload["lon"]),
            lat=float(payload["lat"]),
            source=CaseSource(payload.get("source", CaseSource.DISPATCHER.value)),
            description=str(payload.get("description", "")),
            address=str(payload.get("address", "")),
            provisional_number=payload.get("provisional_number"),
            reported_at=payload.get("reported_at") or at,
            registered_at=at,
        )
        detail = {"category": new.category, "cell_code": new.cell_code}
    elif kind is CommandKind.REPORT:
        new = CaseState(
            case_id=command.case_id, status=CaseStatus.REPORTED,
            category=str(payload.get("category") or ""), cell_code="", lon=0.0, lat=0.0,
            source=CaseSource(payload.get("source", CaseSource.DISPATCHER.value)),
            description=_text(payload.get("description")), address=_text(payload.get("address")),
            provisional_number=payload.get("provisional_number"),
            reported_at=payload.get("reported_at") or at,
            ticket_id=_opt(payload.get("ticket_id")), caller=_opt(payload.get("caller")),
            caller_phone=_opt(payload.get("caller_phone")), due_by=_opt(payload.get("due_by")),
        )
        _locate(new, payload)
        detail = {"source": new.source.value}
        if new.ticket_id:
            detail["ticket_id"] = new.ticket_id
    else:
        assert state is not None
        new = dataclasses.replace(state)
        rule = TRANSITIONS[kind]
        if rule.target is not None:
            new.status = rule.target
        if _text(payload.get("reason")):
            detail["reason"] = _text(payload["reason"])
        _apply_effect(new, state, command, ctx, detail)
    new.version = (state.version if state else 0) + 1
    new.updated_by = command.operator
    new.updated_at = at
    new.updated_from = command.workstation
    event = CaseEvent(command.command_id, command.case_id, kind.value, command.operator,
                      command.workstation, at, detail, new.version)
    return new, event


def _apply_effect(new: CaseState, old: CaseState, command: Command, ctx: RuleContext,
                  detail: dict[str, Any]) -> None:
    kind, payload, at = command.kind, command.payload, command.issued_at
    if kind in (CommandKind.VERIFY, CommandKind.LOCATE, CommandKind.REGISTER):
        if _locate(new, payload):
            detail.update(category=new.category, cell_code=new.cell_code)
        if kind is CommandKind.VERIFY:
            new.verified_at = at
        elif kind is CommandKind.REGISTER:
            new.registered_at = at
    elif kind in (CommandKind.DISPATCH, CommandKind.REDISPATCH):
        new.department_id = str(payload["department_id"])
        new.dispatched_at = at
        new.deadline = to_iso(_fresh_deadline(ctx, new, from_iso(at)))
        new.handled_at = new.checked_at = None
        new.paused_at, new.remaining_minutes = None, None
        detail.update(department_id=new.department_id, deadline=new.deadline)
        if kind is CommandKind.REDISPATCH:
            detail["from_department"] = old.department_id
    elif kind in (CommandKind.RETURN, CommandKind.DEFER):
        remaining = _remaining_minutes(ctx, old, at)
        new.paused_at, new.remaining_minutes, new.deadline = at, remaining, None
        detail["remaining_minutes"] = remaining
    elif kind in (CommandKind.REJECT_RETURN, CommandKind.RESUME):
        new.deadline = to_iso(_resume_deadline(ctx, old, from_iso(at)))
        new.paused_at, new.remaining_minutes = None, None
        detail["deadline"] = new.deadline
    elif kind is CommandKind.REPORT_HANDLED:
        new.handled_at = at
    elif kind is CommandKind.CHECK:
        new.checked_at = at
        if _text(payload.get("note")):
            detail["note"] = _text(payload["note"])
    elif kind is CommandKind.REWORK:
        new.handled_at = new.checked_at = None
        new.rework_count += 1
    elif kind is CommandKind.CLOSE:
        new.closed_at = at
    elif kind is CommandKind.CALLBACK:
        result = str(payload["result"])
        new.callback_result, new.callback_at = result, at
        new.status = callback_target(result)
        detail["result"] = result
        if _text(payload.get("note")):
            detail["note"] = _text(payload["note"])
        if new.status is CaseStatus.CLOSED:
            new.closed_at = at
        else:
            # Re-opened: the department gets the case back with a whole limit.
            new.handled_at = new.checked_at = None
            new.deadline = to_iso(_limit_deadline(ctx, new.category, from_iso(at)))
            detail["deadline"] = new.deadline
    elif kind is CommandKind.EXTEND:
        limit = _extension(payload)
        assert old.deadline is not None
        new.deadline = to_iso(ctx.calendar.deadline(from_iso(old.deadline), limit))
        new.extension_count += 1
        detail.update(value=limit.value, unit=limit.unit.value, previous_deadline=old.deadline,
                      deadline=new.deadline, count=new.extension_count)
    elif kind is CommandKind.ESCALATE:
        new.escalation_level += 1
        new.escalated_at = at
        detail["level"] = new.escalation_level
    elif kind is CommandKind.ADD_NOTE:
        detail["text"] = _text(payload["text"])
    elif kind is CommandKind.ATTACH:
        detail.update({k: payload[k] for k in ("attachment_id", "filename", "content_type", "size")
                       if k in payload})


def _opt(value: Any) -> str | None:
    text = _text(value)
    return text or None


def _locate(case: CaseState, payload: dict[str, Any]) -> bool:
    """Take category, cell and point from the payload, where given."""
    changed = False
    if payload.get("category"):
        case.category = str(payload["category"])
        changed = True
    if payload.get("cell_code"):
        case.cell_code = str(payload["cell_code"])
        case.lon, case.lat = float(payload["lon"]), float(payload["lat"])
        changed = True
    if _text(payload.get("address")):
        case.address = _text(payload["address"])
    return changed


def _category_limit(ctx: RuleContext, category_key: str) -> TimeLimit:
    category = ctx.categories.get(category_key)
    if category is None:
        raise CommandRejected("no_such_category", f"category {category_key!r} does not exist",
                              category=category_key)
    return category.limit


def _limit_deadline(ctx: RuleContext, category_key: str, start: datetime) -> datetime:
    return ctx.calendar.deadline(start, _category_limit(ctx, category_key))


def _fresh_deadline(ctx: RuleContext, case: CaseState, start: datetime) -> datetime:
    """A new dispatch: the category's limit from now, or the hotline
    ticket's own time limit when that comes first."""
    deadline = _limit_deadline(ctx, case.category, start)
    if case.due_by:
        deadline = min(deadline, max(start, from_iso(case.due_by)))
    return deadline


def _wall_clock(ctx: RuleContext, case: CaseState) -> bool:
    category = ctx.categories.get(case.category)
    return category is not None and category.limit.unit is LimitUnit.HOURS


def _remaining_minutes(ctx: RuleContext, case: CaseState, at: str) -> float:
    """How much of the limit is left when the clock stops: working minutes
    (wall-clock minutes for urgent categories), never below zero."""
    if not case.deadline:
        return 0.0
    start, end = from_iso(at), from_iso(case.deadline)
    if _wall_clock(ctx, case):
        minutes = (end - start).total_seconds() / 60
    else:
        minutes = ctx.calendar.working_minutes_between(start, end)
    return round(max(0.0, minutes), 2)


def _resume_deadline(ctx: RuleContext, case: CaseState, start: datetime) -> datetime:
    minutes = case.remaining_minutes or 0.0
    if _wall_clock(ctx, case):
        return start + timedelta(minutes=minutes)
    return ctx.calendar.add_working_minutes(start, minutes)
