"""The case loop (案卷 lifecycle): states, commands and the rules between them.

The server applies these rules to every command it accepts; the client
applies the same function for its optimistic effect and to grey out actions
that cannot succeed.  A refused command raises ``CommandRejected`` carrying a
machine-readable reason code, its parameters and an English message; the
client translates the code for the dispatcher.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.categories import CategoryTree
from core.timeutil import from_iso, to_iso
from core.worktime import WorkCalendar


class CaseStatus(StrEnum):
    REPORTED = "reported"  # 信息收集: reported, not yet verified
    VERIFIED = "verified"  # 核实
    REGISTERED = "registered"  # 立案
    CANCELLED = "cancelled"  # 不予立案 / 作废
    DISPATCHED = "dispatched"  # 派遣: the department's clock runs
    RETURNED = "returned"  # 回退: department says "not ours"
    HANDLED = "handled"  # 处置 + 反馈: department reported back
    CLOSED = "closed"  # 结案


OPEN_STATUSES = frozenset(
    {CaseStatus.REPORTED, CaseStatus.VERIFIED, CaseStatus.REGISTERED, CaseStatus.DISPATCHED,
     CaseStatus.RETURNED, CaseStatus.HANDLED}
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
    DISPATCHER = "dispatcher"  # 派遣员
    DEPARTMENT = "department"  # 专业部门 / 处置单位
    SUPERVISOR = "supervisor"  # 监督员
    ADMIN = "admin"


class CommandKind(StrEnum):
    REGISTER = "register_case"
    CANCEL = "cancel_case"
    DISPATCH = "dispatch_case"
    RETURN = "return_case"
    REPORT_HANDLED = "report_handled"
    REWORK = "rework_case"
    CLOSE = "close_case"
    ADD_NOTE = "add_note"


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


@dataclass
class CaseState:
    case_id: str
    status: CaseStatus
    category: str
    cell_code: str
    lon: float  # GCJ-02, as drawn on the district's cells
    lat: float
    source: CaseSource
    description: str = ""
    address: str = ""
    number: str | None = None  # official number, given by the server
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

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["source"] = self.source.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseState:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["status"] = CaseStatus(values["status"])
        values["source"] = CaseSource(values["source"])
        values["lon"] = float(values["lon"])
        values["lat"] = float(values["lat"])
        return cls(**values)

    @property
    def display_number(self) -> str:
        return self.number or self.provisional_number or self.case_id[:8]


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
    """What the rules need besides the case: who acts, the category tree and
    the working-time calendar (for deadlines), and which departments exist."""

    role: Role
    categories: CategoryTree
    calendar: WorkCalendar
    department_exists: Callable[[str], bool] = lambda _dept: True
    cell_exists: Callable[[str], bool] = lambda _cell: True


@dataclass(frozen=True)
class Transition:
    sources: frozenset[CaseStatus] | None  # None: any existing case
    target: CaseStatus | None  # None: status unchanged
    roles: frozenset[Role]
    needs_reason: bool = False


_DESK = frozenset({Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN})
_ALL = frozenset(Role)

TRANSITIONS: dict[CommandKind, Transition] = {
    CommandKind.REGISTER: Transition(
        frozenset(), CaseStatus.REGISTERED,
        frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN})),
    CommandKind.CANCEL: Transition(
        frozenset({CaseStatus.REPORTED, CaseStatus.VERIFIED, CaseStatus.REGISTERED}),
        CaseStatus.CANCELLED, frozenset({Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN}),
        needs_reason=True),
    CommandKind.DISPATCH: Transition(
        frozenset({CaseStatus.REGISTERED, CaseStatus.RETURNED}), CaseStatus.DISPATCHED, _DESK),
    CommandKind.RETURN: Transition(
        frozenset({CaseStatus.DISPATCHED}), CaseStatus.RETURNED,
        _DESK | {Role.DEPARTMENT}, needs_reason=True),
    CommandKind.REPORT_HANDLED: Transition(
        frozenset({CaseStatus.DISPATCHED}), CaseStatus.HANDLED, _DESK | {Role.DEPARTMENT}),
    CommandKind.REWORK: Transition(
        frozenset({CaseStatus.HANDLED}), CaseStatus.DISPATCHED, _DESK, needs_reason=True),
    CommandKind.CLOSE: Transition(
        frozenset({CaseStatus.DISPATCHED, CaseStatus.HANDLED}), CaseStatus.CLOSED, _DESK),
    CommandKind.ADD_NOTE: Transition(None, None, _ALL),
}


def check_command(state: CaseState | None, command: Command, ctx: RuleContext) -> None:
    """Raise ``CommandRejected`` if the rules forbid ``command`` on ``state``."""
    rule = TRANSITIONS[command.kind]
    if ctx.role not in rule.roles:
        raise CommandRejected(
            "role_forbidden", f"a {ctx.role.value} may not {command.kind.value}",
            role=ctx.role.value, action=command.kind.value)
    if command.kind is CommandKind.REGISTER:
        if state is not None:
            raise CommandRejected("case_exists", f"case {state.display_number} already exists",
                                  number=state.display_number)
        _check_registration(command.payload, ctx)
        return
    if state is None:
        raise CommandRejected("no_such_case", f"case {command.case_id} does not exist",
                              case_id=command.case_id)
    if rule.sources is not None and state.status not in rule.sources:
        raise CommandRejected(
            "wrong_status",
            f"case {state.display_number} is already {state.status.value}"
            f" (by {state.updated_by or '?'} at {state.updated_at or '?'}"
            f" from {state.updated_from or '?'})",
            number=state.display_number, status=state.status.value,
            by=state.updated_by, at=state.updated_at, workstation=state.updated_from)
    if rule.needs_reason and not str(command.payload.get("reason", "")).strip():
        raise CommandRejected("reason_required", f"{command.kind.value} needs a reason",
                              action=command.kind.value)
    if command.kind is CommandKind.DISPATCH:
        department = command.payload.get("department_id")
        if not department or not ctx.department_exists(str(department)):
            raise CommandRejected("no_such_department", f"department {department!r} does not exist",
                                  department=department)
    if command.kind is CommandKind.ADD_NOTE and not str(command.payload.get("text", "")).strip():
        raise CommandRejected("empty_note", "a note needs text")


def _check_registration(payload: dict[str, Any], ctx: RuleContext) -> None:
    category = payload.get("category")
    if category not in ctx.categories:
        raise CommandRejected("no_such_category", f"category {category!r} does not exist",
                              category=category)
    cell = payload.get("cell_code")
    if not cell or not ctx.cell_exists(str(cell)):
        raise CommandRejected("no_such_cell", f"cell {cell!r} does not exist", cell=cell)
    try:
        lon, lat = float(payload["lon"]), float(payload["lat"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CommandRejected("bad_location", "registration needs lon and lat") from exc
    if not (73.0 <= lon <= 136.0 and 3.0 <= lat <= 54.0):
        raise CommandRejected("bad_location", f"({lon}, {lat}) is not in China", lon=lon, lat=lat)
    try:
        CaseSource(payload.get("source", CaseSource.DISPATCHER.value))
    except ValueError as exc:
        raise CommandRejected("bad_source", f"unknown case source {payload.get('source')!r}") from exc


def apply_command(state: CaseState | None, command: Command, ctx: RuleContext) -> tuple[CaseState, CaseEvent]:
    """Check ``command`` and return the case after it, plus its timeline event.

    Pure: ``state`` is not modified.  Time stamps come from the command (when
    the operator acted, even offline), so client and server agree.
    """
    check_command(state, command, ctx)
    at = command.issued_at
    payload = command.payload
    detail: dict[str, Any] = {}
    if command.kind is CommandKind.REGISTER:
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
    else:
        assert state is not None
        new = dataclasses.replace(state)
        rule = TRANSITIONS[command.kind]
        if rule.target is not None:
            new.status = rule.target
        if "reason" in payload:
            detail["reason"] = str(payload["reason"])
        if command.kind is CommandKind.DISPATCH:
            new.department_id = str(payload["department_id"])
            new.dispatched_at = at
            new.deadline = to_iso(_deadline(ctx, new.category, from_iso(at)))
            new.handled_at = None
            detail.update(department_id=new.department_id, deadline=new.deadline)
        elif command.kind is CommandKind.RETURN:
            new.deadline = None
        elif command.kind is CommandKind.REPORT_HANDLED:
            new.handled_at = at
        elif command.kind is CommandKind.REWORK:
            new.handled_at = None
        elif command.kind is CommandKind.CLOSE:
            new.closed_at = at
        elif command.kind is CommandKind.ADD_NOTE:
            detail["text"] = str(payload["text"])
    new.version = (state.version if state else 0) + 1
    new.updated_by = command.operator
    new.updated_at = at
    new.updated_from = command.workstation
    event = CaseEvent(command.command_id, command.case_id, command.kind.value, command.operator,
                      command.workstation, at, detail, new.version)
    return new, event


def _deadline(ctx: RuleContext, category_key: str, start: datetime) -> datetime:
    category = ctx.categories.get(category_key)
    if category is None:
        raise CommandRejected("no_such_category", f"category {category_key!r} does not exist",
                              category=category_key)
    return ctx.calendar.deadline(start, category.limit)
