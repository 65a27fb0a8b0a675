"""Evaluation (考核评价): the indicators of DOMAIN.md §4.

Pure: no database, no Qt.  The indicators are ratios of counts, and the
counts (a ``Tally``) can come from two places: fed in directly, as a city
publishes them ("996 registered, 972 due to close, 911 closed, 737 closed on
time"), or computed here from per-case facts (``CaseFacts``) that the client
gathers from its local store.  Either way the same ``Indicators.of`` turns
them into rates, so a published report and our own agree by construction.

Definitions (docs/evaluation.md says why):

- The cohort of a period is the cases registered (立案) in it; the figures
  are as known at the cut-off, the end of the period or now if earlier.
- 应结案数 due to close: cohort cases not cancelled and not on the ledger
  (挂账) that are closed by the cut-off or whose deadline has passed.
- 结案率 closure rate = closed / due to close; 按期结案率 on-time closure =
  closed on time (the last handling report by the deadline) / due to close.
- 应处置数 due to handle: dispatched cases handled by the cut-off or past
  their deadline; 按期处置率 = handled on time / due to handle.
- 返工率 rework = reworked / handled; 延期率 extension = extended /
  dispatched; 一次完成率 first-time completion = closed without rework or
  return / closed.
- 综合指标值 composite = on-time handling × 60 + closure × 30 +
  (1 − rework) × 10 by default; the weights are ``Weights``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from core.problems import CodedError
from core.timeutil import CST, from_iso


class EvaluationError(CodedError, ValueError):
    """Figures or settings that cannot be evaluated (negative counts, more
    closed than due, a weight that is not a number...); ``code`` says
    which, for the operator."""

    default_code = "bad_figures"


# ---- periods -------------------------------------------------------------------


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, Monday first
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date  # first day

    @classmethod
    def containing(cls, kind: PeriodKind | str, day: date) -> Period:
        kind = PeriodKind(kind)
        if kind is PeriodKind.DAY:
            return cls(kind, day)
        if kind is PeriodKind.WEEK:
            return cls(kind, day - timedelta(days=day.weekday()))
        if kind is PeriodKind.MONTH:
            return cls(kind, day.replace(day=1))
        return cls(kind, date(day.year, 3 * ((day.month - 1) // 3) + 1, 1))

    @property
    def end(self) -> date:
        """The day after the last day."""
        if self.kind is PeriodKind.DAY:
            return self.start + timedelta(days=1)
        if self.kind is PeriodKind.WEEK:
            return self.start + timedelta(days=7)
        months = 1 if self.kind is PeriodKind.MONTH else 3
        month = self.start.month - 1 + months
        return date(self.start.year + month // 12, month % 12 + 1, 1)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(0, 0), CST)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(0, 0), CST)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return Period(self.kind, self.end)

    def cutoff(self, now: datetime) -> datetime:
        """Figures are as known at the end of the period, or now if earlier."""
        return min(self.end_at, now.astimezone(CST))

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"


# ---- settings --------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    """Weights of the composite score (one vendor's: 60 / 30 / 10)."""

    on_time_handling: float = 60.0
    closure: float = 30.0
    rework: float = 10.0  # applied to (1 - rework rate)

    def __post_init__(self) -> None:
        values = (self.on_time_handling, self.closure, self.rework)
        for name, value in zip(("on_time_handling", "closure", "rework"), values, strict=True):
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                raise EvaluationError(f"weight {name} must be a number, not {value!r}", "bad_weight", name=name)
            if value < 0:
                raise EvaluationError(f"weight {name} cannot be negative ({value})", "bad_weight", name=name)
        if sum(values) <= 0:
            raise EvaluationError("at least one weight must be positive", "no_weight")

    @property
    def total(self) -> float:
        return self.on_time_handling + self.closure + self.rework


@dataclass(frozen=True)
class StageLimits:
    """How long acceptance and dispatch may take (Taiyuan: register and
    dispatch within 10 minutes for urgent cases, 30 otherwise)."""

    normal_minutes: float = 30.0
    urgent_minutes: float = 10.0

    def __post_init__(self) -> None:
        for value in (self.normal_minutes, self.urgent_minutes):
            if not math.isfinite(value) or value <= 0:
                raise EvaluationError(f"a stage limit must be a positive number of minutes, not {value!r}")

    def minutes(self, urgent: bool) -> float:
        return self.urgent_minutes if urgent else self.normal_minutes


# ---- counts and rates -------------------------------------------------------------


@dataclass
class Tally:
    """The counts behind the indicators.  Zero means "none", never "unknown"."""

    registered: int = 0  # 立案数
    due_to_close: int = 0  # 应结案数
    closed: int = 0  # 结案数
    closed_on_time: int = 0  # 按期结案数
    dispatched: int = 0  # 派遣数
    due_to_handle: int = 0  # 应处置数
    handled: int = 0  # 处置数 (reported handled at least once)
    handled_on_time: int = 0  # 按期处置数
    reworked: int = 0  # 返工数
    extended: int = 0  # 延期数
    first_time: int = 0  # 一次完成数: closed without rework or return
    returned: int = 0  # 回退数
    cancelled: int = 0  # 作废数
    deferred: int = 0  # 挂账数
    escalated: int = 0  # 督办数
    overdue_open: int = 0  # still open and past the deadline at the cut-off
    accepted_on_time: int = 0  # registered within the stage limit of the report
    dispatched_on_time: int = 0  # first dispatch within the stage limit of registration
    misdispatched: int = 0  # the first department sent it back
    pending_dispatch: int = 0  # registered, not yet dispatched at the cut-off

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise EvaluationError(f"{f.name} must be a whole number, not {value!r}")
            if value < 0:
                raise EvaluationError(f"{f.name} cannot be negative ({value})")
        for part, whole in (("closed", "due_to_close"), ("closed_on_time", "closed"),
                            ("handled_on_time", "due_to_handle"), ("reworked", "handled"),
                            ("first_time", "closed"), ("dispatched_on_time", "dispatched"),
                            ("misdispatched", "dispatched")):
            if getattr(self, part) > getattr(self, whole):
                raise EvaluationError(f"{part} ({getattr(self, part)}) cannot exceed {whole} "
                                      f"({getattr(self, whole)})")

    def __add__(self, other: Tally) -> Tally:
        return Tally(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                        for f in dataclasses.fields(self)})

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Indicators:
    """Rates in 0..1 (None when the denominator is zero) and the composite
    score in points (0..Weights.total)."""

    closure_rate: float | None
    on_time_closure_rate: float | None
    on_time_handling_rate: float | None
    rework_rate: float | None
    extension_rate: float | None
    first_time_rate: float | None
    composite: float | None
    accepted_on_time_rate: float | None = None
    dispatched_on_time_rate: float | None = None
    misdispatch_rate: float | None = None

    @classmethod
    def of(cls, tally: Tally, weights: Weights | None = None) -> Indicators:
        weights = weights or Weights()
        closure = _rate(tally.closed, tally.due_to_close)
        on_time_handling = _rate(tally.handled_on_time, tally.due_to_handle)
        rework = _rate(tally.reworked, tally.handled)
        composite = composite_score(on_time_handling, closure, rework, weights)
        return cls(
            closure_rate=closure,
            on_time_closure_rate=_rate(tally.closed_on_time, tally.due_to_close),
            on_time_handling_rate=on_time_handling,
            rework_rate=rework,
            extension_rate=_rate(tally.extended, tally.dispatched),
            first_time_rate=_rate(tally.first_time, tally.closed),
            composite=composite,
            accepted_on_time_rate=_rate(tally.accepted_on_time, tally.registered),
            dispatched_on_time_rate=_rate(tally.dispatched_on_time, tally.dispatched),
            misdispatch_rate=_rate(tally.misdispatched, tally.dispatched),
        )


def composite_score(on_time_handling: float | None, closure: float | None, rework: float | None,
                    weights: Weights | None = None) -> float | None:
    """on-time handling × w1 + closure × w2 + (1 − rework) × w3.  A term
    whose rate is undefined (nothing due) is left out and the score scaled
    to the weights that remain, so a department with nothing due yet is not
    scored as failing; None when no term is defined."""
    weights = weights or Weights()
    terms = [(on_time_handling, weights.on_time_handling), (closure, weights.closure),
             (None if rework is None else 1.0 - rework, weights.rework)]
    present = [(value, w) for value, w in terms if value is not None]
    used = sum(w for _, w in present)
    if not present or used <= 0:
        return None
    return sum(value * w for value, w in present) * weights.total / used


def percent(rate: float | None, digits: int = 2) -> str:
    """93.72% (half away from zero, as published reports round)."""
    if rate is None:
        return "—"
    return f"{round_half_up(rate * 100, digits):.{digits}f}%"


def round_half_up(value: float, digits: int = 2) -> float:
    scale = 10 ** digits
    return math.floor(abs(value) * scale + 0.5 + 1e-9) / scale * (1 if value >= 0 else -1)


# ---- facts per case -------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What evaluation needs to know of one case, as of now."""

    case_id: str
    status: str
    category: str = ""
    cell_code: str = ""
    department_id: str | None = None
    source: str = ""
    urgent: bool = False
    reported_at: datetime | None = None
    registered_at: datetime | None = None
    first_dispatched_at: datetime | None = None
    first_handled_at: datetime | None = None
    handled_at: datetime | None = None  # the latest handling report (None while reworking)
    deadline: datetime | None = None  # the current one, extensions included
    closed_at: datetime | None = None
    returns: int = 0
    reworks: int = 0
    extensions: int = 0
    escalations: int = 0
    acceptor: str | None = None  # who registered it
    dispatcher: str | None = None  # who dispatched it first

    @property
    def street_code(self) -> str:
        return self.cell_code[:9]


_TIME_FIELDS = ("reported_at", "registered_at", "first_dispatched_at", "first_handled_at",
                "handled_at", "deadline", "closed_at")


def facts_from_row(row: Mapping[str, Any], urgent: bool = False) -> CaseFacts:
    """A ``CaseFacts`` from a mapping of ISO strings and counts (a database
    row); malformed times raise EvaluationError naming the case."""
    values: dict[str, Any] = {"case_id": str(row["case_id"]), "status": str(row["status"]),
                              "urgent": urgent}
    for name in ("category", "cell_code", "source"):
        values[name] = str(row.get(name) or "")
    for name in ("department_id", "acceptor", "dispatcher"):
        values[name] = row.get(name) or None
    for name in _TIME_FIELDS:
        text = row.get(name)
        try:
            values[name] = from_iso(str(text)) if text else None
        except ValueError as exc:
            raise EvaluationError(f"case {values['case_id']}: bad time in {name}: {text!r}") from exc
    for name in ("returns", "reworks", "extensions", "escalations"):
        try:
            values[name] = max(0, int(row.get(name) or 0))
        except (TypeError, ValueError) as exc:
            raise EvaluationError(f"case {values['case_id']}: bad count in {name}") from exc
    return CaseFacts(**values)


def _by(moment: datetime | None, cutoff: datetime) -> bool:
    return moment is not None and moment <= cutoff


_FIELDS = tuple(f.name for f in dataclasses.fields(Tally))
_INDEX = {name: i for i, name in enumerate(_FIELDS)}


def tally_case(case: CaseFacts, cutoff: datetime, limits: StageLimits | None = None) -> Tally:
    """The counts one case contributes, as known at ``cutoff``."""
    return Tally(**dict(zip(_FIELDS, _case_counts(case, cutoff, limits or StageLimits()), strict=True)))


def _case_counts(case: CaseFacts, cutoff: datetime, limits: StageLimits) -> list[int]:
    # Plain lists, not Tally objects: a quarter is tens of thousands of
    # cases, and validating a dataclass per case would dominate.
    t = [0] * len(_FIELDS)
    i = _INDEX
    if not _by(case.registered_at, cutoff):
        return t
    t[i["registered"]] = 1
    if case.status == "cancelled":
        t[i["cancelled"]] = 1
        return t
    stage = timedelta(minutes=limits.minutes(case.urgent))
    if case.reported_at is not None and case.registered_at is not None \
            and case.registered_at - case.reported_at <= stage:
        t[i["accepted_on_time"]] = 1
    closed = _by(case.closed_at, cutoff)
    deferred = case.status == "deferred"
    t[i["deferred"]] = int(deferred)
    past_deadline = case.deadline is not None and case.deadline <= cutoff
    handled_on_time = (case.handled_at is not None and case.deadline is not None
                       and _by(case.handled_at, cutoff) and case.handled_at <= case.deadline)
    if not deferred and (closed or past_deadline):
        t[i["due_to_close"]] = 1
        t[i["closed"]] = int(closed)
        t[i["closed_on_time"]] = int(closed and (case.deadline is None or handled_on_time))
    if _by(case.first_dispatched_at, cutoff):
        assert case.first_dispatched_at is not None and case.registered_at is not None
        t[i["dispatched"]] = 1
        t[i["dispatched_on_time"]] = int(case.first_dispatched_at - case.registered_at <= stage)
        t[i["misdispatched"]] = t[i["returned"]] = int(case.returns > 0)
        t[i["extended"]] = int(case.extensions > 0)
        t[i["escalated"]] = int(case.escalations > 0)
        handled = _by(case.first_handled_at, cutoff)
        if not deferred and (handled or past_deadline):
            t[i["due_to_handle"]] = 1
            t[i["handled_on_time"]] = int(handled_on_time)
        t[i["handled"]] = int(handled)
        t[i["reworked"]] = int(handled and case.reworks > 0)
        t[i["first_time"]] = int(closed and case.reworks == 0 and case.returns == 0)
        if not closed and past_deadline and not deferred:
            t[i["overdue_open"]] = 1
    else:
        t[i["pending_dispatch"]] = 1
    return t


# ---- grouping ---------------------------------------------------------------------


class Dimension(StrEnum):
    DEPARTMENT = "department"
    STREET = "street"
    CELL = "cell"
    ACCEPTOR = "acceptor"  # per person in the acceptor role
    DISPATCHER = "dispatcher"  # per person in the dispatcher role


_KEYS: dict[Dimension, Callable[[CaseFacts], str | None]] = {
    Dimension.DEPARTMENT: lambda c: c.department_id,
    Dimension.STREET: lambda c: c.street_code or None,
    Dimension.CELL: lambda c: c.cell_code or None,
    Dimension.ACCEPTOR: lambda c: c.acceptor,
    Dimension.DISPATCHER: lambda c: c.dispatcher,
}


@dataclass(frozen=True)
class GroupResult:
    key: str | None  # None: cases with no value for the dimension (not dispatched yet...)
    tally: Tally
    indicators: Indicators


@dataclass(frozen=True)
class Evaluation:
    period: Period
    dimension: Dimension
    cutoff: datetime
    weights: Weights
    groups: list[GroupResult] = field(default_factory=list)
    total: GroupResult | None = None


def evaluate(facts: Iterable[CaseFacts], period: Period, dimension: Dimension | str, now: datetime,
             weights: Weights | None = None, limits: StageLimits | None = None) -> Evaluation:
    """Indicators per group of ``dimension`` for the cases of ``period``
    (the caller passes the cohort: cases registered in the period), sorted
    by composite score, best first; the total over all cases as well."""
    dimension = Dimension(dimension)
    weights = weights or Weights()
    cutoff = period.cutoff(now)
    key_of = _KEYS[dimension]
    limits = limits or StageLimits()
    sums: dict[str | None, list[int]] = {}
    for case in facts:
        if case.registered_at is None or not (period.start_at <= case.registered_at < period.end_at):
            continue
        counts = _case_counts(case, cutoff, limits)
        acc = sums.setdefault(key_of(case), [0] * len(_FIELDS))
        for n, value in enumerate(counts):
            acc[n] += value
    total = [sum(column) for column in zip(*sums.values(), strict=True)] if sums else [0] * len(_FIELDS)

    def tally(values: list[int]) -> Tally:
        return Tally(**dict(zip(_FIELDS, values, strict=True)))

    groups = [GroupResult(k, tally(v), Indicators.of(tally(v), weights)) for k, v in sums.items()]
    groups.sort(key=lambda g: (g.indicators.composite is None, -(g.indicators.composite or 0.0),
                               g.key is None, g.key or ""))
    return Evaluation(period, dimension, cutoff, weights, groups,
                      GroupResult(None, tally(total), Indicators.of(tally(total), weights)))


def daily_counts(facts: Iterable[CaseFacts], period: Period, now: datetime) -> list[dict[str, Any]]:
    """Per day of the period: cases of the cohort registered, dispatched,
    handled and closed that day (for the trend chart)."""
    cutoff = period.cutoff(now)
    counts: dict[date, dict[str, int]] = {d: {"registered": 0, "dispatched": 0, "handled": 0, "closed": 0}
                                          for d in period.days()}
    for case in facts:
        for name, moment in (("registered", case.registered_at), ("dispatched", case.first_dispatched_at),
                             ("handled", case.first_handled_at), ("closed", case.closed_at)):
            if moment is not None and moment <= cutoff:
                row = counts.get(moment.astimezone(CST).date())
                if row is not None:
                    row[name] += 1
    return [{"day": day, **row} for day, row in counts.items()]
