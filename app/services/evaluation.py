"""Evaluation over the local store: the facts per case in SQL, the
indicators from core/evaluation.py, exports to CSV and XLSX, and the data
of the daily duty report.

Threading: an ``EvaluationService`` reads through one ``LocalStore`` and
belongs to that store's thread.  The evaluation window runs it as a query
on the background runner's "evaluation" lane, with that lane's own store
(app/runtime/background.py).
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from app.store.replica import LocalStore
from core.cases import OPEN_STATUSES, CommandKind
from core.categories import Urgency
from core.evaluation import (
    CaseFacts,
    Dimension,
    Evaluation,
    EvaluationError,
    Period,
    PeriodKind,
    StageLimits,
    Weights,
    daily_counts,
    evaluate,
    facts_from_row,
)
from core.problems import CodedError
from core.timeutil import CST, now_cst, to_iso

log = logging.getLogger(__name__)
T = TypeVar("T")

_REGISTERED = "coalesce(c.registered_at, c.reported_at, '')"  # the ixq_*_registered key
_FACTS_SQL = """
SELECT c.case_id, c.status, c.category, c.cell_code, c.department_id, c.source, c.reported_at,
       c.registered_at, c.deadline, c.handled_at, c.closed_at,
       coalesce(min(CASE WHEN e.kind = :dispatch THEN e.at END), c.dispatched_at) AS first_dispatched_at,
       coalesce(min(CASE WHEN e.kind = :handled THEN e.at END), c.handled_at) AS first_handled_at,
       coalesce(sum(e.kind IN (:return_, :redispatch)), 0) AS returns,
       max(coalesce(c.rework_count, 0), coalesce(sum(e.kind = :rework), 0)) AS reworks,
       max(coalesce(c.extension_count, 0), coalesce(sum(e.kind = :extend), 0)) AS extensions,
       max(coalesce(c.escalation_level, 0), coalesce(sum(e.kind = :escalate), 0)) AS escalations,
       min(CASE WHEN e.kind = :register THEN e.at || char(31) || e.operator END) AS registered_by,
       min(CASE WHEN e.kind = :dispatch THEN e.at || char(31) || e.operator END) AS dispatched_by
FROM cases c {hint}
LEFT JOIN case_events e ON e.case_id = c.case_id
WHERE {registered} >= :start AND {registered} < :end AND c.registered_at IS NOT NULL
GROUP BY c.case_id
"""
_KINDS = {"dispatch": CommandKind.DISPATCH.value, "handled": CommandKind.REPORT_HANDLED.value,
          "return_": CommandKind.RETURN.value, "redispatch": CommandKind.REDISPATCH.value,
          "rework": CommandKind.REWORK.value, "extend": CommandKind.EXTEND.value,
          "escalate": CommandKind.ESCALATE.value, "register": CommandKind.REGISTER.value}


class ExportError(CodedError):
    """An export could not be written (nothing was left half-written);
    ``code`` says why, for the operator."""

    default_code = "cannot_write"


@dataclass(frozen=True)
class DutyReport:
    """One day at the centre, for the printed 值班日报."""

    day: date
    district: str
    generated_at: str
    operator: str
    activity: dict[str, int]  # event kind -> how many that day
    open_now: int
    overdue_now: int
    evaluation: Evaluation  # the month so far (to the end of the day), per department
    names: dict[str, str]  # department id -> name
    overdue_cases: list[dict[str, Any]] = field(default_factory=list)  # worst first
    escalated_cases: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)  # the day's work and where cases stand


class EvaluationService:
    """Threading: the thread of ``store``."""

    def __init__(self, store: LocalStore):
        self.store = store
        self.engine = store.engine

    def facts(self, period: Period) -> list[CaseFacts]:
        """The cohort: cases registered in ``period``, with what their
        timelines say (first dispatch, first handling, returns, reworks...)."""
        params: dict[str, Any] = dict(_KINDS, start=to_iso(period.start_at), end=to_iso(period.end_at))
        categories = self.store.categories
        out = []
        with self.engine.connect() as conn:
            # No index hint while an initial download has the indexes set
            # aside (app/store/bulk_load.py): slower, still right.
            loading = conn.exec_driver_sql("SELECT 1 FROM sync_state WHERE key = 'bulk_load'").first()
            sql = _FACTS_SQL.format(hint="" if loading else "INDEXED BY ixq_all_registered",
                                    registered=_REGISTERED)
            result = conn.exec_driver_sql(sql, params)
            for row in result.mappings():
                data = dict(row)
                data["acceptor"] = _who(data.pop("registered_by"))
                data["dispatcher"] = _who(data.pop("dispatched_by"))
                category = categories.get(str(data["category"] or ""))
                urgent = category is not None and category.urgency is not Urgency.NORMAL
                out.append(facts_from_row(data, urgent))
        return out

    def evaluate(self, period: Period, dimension: Dimension | str, now: datetime | None = None,
                 weights: Weights | None = None, limits: StageLimits | None = None) -> Evaluation:
        return evaluate(self.facts(period), period, dimension, now or now_cst(), weights, limits)

    def daily(self, period: Period, now: datetime | None = None) -> list[dict[str, Any]]:
        return daily_counts(self.facts(period), period, now or now_cst())

    def overview(self, period: Period, dimension: Dimension | str, now: datetime | None = None,
                 weights: Weights | None = None, limits: StageLimits | None = None
                 ) -> tuple[Evaluation, list[dict[str, Any]], dict[str, str]]:
        """What the evaluation window shows: the groups, the daily trend and
        display names, from one read of the cohort."""
        now = now or now_cst()
        facts = self.facts(period)
        result = evaluate(facts, period, dimension, now, weights, limits)
        return result, daily_counts(facts, period, now), self.names(result.dimension)

    def names(self, dimension: Dimension | str) -> dict[str, str]:
        """Display names of a dimension's keys (codes stay codes for cells)."""
        dimension = Dimension(dimension)
        with self.engine.connect() as conn:
            if dimension is Dimension.DEPARTMENT:
                rows = conn.exec_driver_sql("SELECT department_id, name FROM departments").all()
            elif dimension is Dimension.STREET:
                rows = conn.exec_driver_sql("SELECT code, name FROM regions WHERE level = 'street'").all()
            elif dimension is Dimension.CELL:
                return {}
            else:
                rows = conn.exec_driver_sql("SELECT username, display_name FROM users").all()
        return {str(k): str(v) for k, v in rows}

    def duty_report(self, day: date, operator: str = "", now: datetime | None = None,
                    weights: Weights | None = None, overdue_rows: int = 25) -> DutyReport:
        """What happened on ``day``, where the cases stand (as of the end of
        the day, or now), and the month so far per department."""
        now = now or now_cst()
        start = datetime.combine(day, datetime.min.time(), CST)
        if start > now:
            raise EvaluationError(f"{day.isoformat()} has not begun yet", "day_not_begun", day=day.isoformat())
        end = start + timedelta(days=1)
        cutoff = min(end, now)
        open_values = sorted(s.value for s in OPEN_STATUSES)
        marks = ", ".join("?" for _ in open_values)
        day_range = (to_iso(start), to_iso(end))
        with self.engine.connect() as conn:
            activity = {str(k): int(n) for k, n in conn.exec_driver_sql(
                "SELECT kind, count(*) FROM case_events WHERE at >= ? AND at < ? GROUP BY kind",
                day_range).all()}
            open_now = int(conn.exec_driver_sql(
                f"SELECT count(*) FROM cases WHERE status IN ({marks})", tuple(open_values)).scalar_one())
            overdue_now = int(conn.exec_driver_sql(
                f"SELECT count(*) FROM cases WHERE status IN ({marks}) AND deadline < ?",
                (*open_values, to_iso(cutoff))).scalar_one())
            workload: dict[str, dict[str, Any]] = {}
            for dept, n_open, n_overdue in conn.exec_driver_sql(
                    f"SELECT coalesce(department_id, ''), count(*), coalesce(sum(deadline < ?), 0) FROM cases "
                    f"WHERE status IN ({marks}) GROUP BY 1", (to_iso(cutoff), *open_values)):
                workload[str(dept)] = {"open": int(n_open), "overdue": int(n_overdue)}
            # The department a case is with now stands for the one that acted.
            for dept, kind, n in conn.exec_driver_sql(
                    "SELECT coalesce(c.department_id, ''), e.kind, count(*) FROM case_events e "
                    "JOIN cases c ON c.case_id = e.case_id WHERE e.at >= ? AND e.at < ? GROUP BY 1, 2",
                    day_range):
                workload.setdefault(str(dept), {"open": 0, "overdue": 0})[str(kind)] = int(n)
            overdue = [dict(r) for r in conn.exec_driver_sql(
                f"SELECT c.number, c.provisional_number, c.category, c.address, c.deadline, "
                f"c.escalation_level, d.name AS department FROM cases c "
                f"LEFT JOIN departments d ON d.department_id = c.department_id "
                f"WHERE c.status IN ({marks}) AND c.deadline < ? ORDER BY c.deadline LIMIT ?",
                (*open_values, to_iso(cutoff), overdue_rows)).mappings()]
            escalated = [dict(r) for r in conn.exec_driver_sql(
                "SELECT c.number, c.category, c.address, e.at, e.operator FROM case_events e "
                "JOIN cases c ON c.case_id = e.case_id WHERE e.kind = ? AND e.at >= ? AND e.at < ? "
                "ORDER BY e.at", (CommandKind.ESCALATE.value, *day_range)).mappings()]
            district = conn.exec_driver_sql(
                "SELECT name FROM regions WHERE level = 'district'").scalar() or ""
        categories = self.store.categories
        for row in overdue + escalated:
            category = categories.get(str(row.get("category") or ""))
            row["category_name"] = category.name if category else row.get("category") or ""
        names = self.names(Dimension.DEPARTMENT)
        closing = (CommandKind.CLOSE.value, CommandKind.CALLBACK.value)
        departments = [{"department_id": dept or None, "name": names.get(dept, dept),
                        "dispatched": w.get(CommandKind.DISPATCH.value, 0) + w.get(CommandKind.REDISPATCH.value, 0),
                        "handled": w.get(CommandKind.REPORT_HANDLED.value, 0),
                        "closed": sum(w.get(k, 0) for k in closing),
                        "open": w["open"], "overdue": w["overdue"]}
                       for dept, w in workload.items()]
        departments.sort(key=lambda d: (-d["overdue"], -d["open"], d["name"] or ""))
        month = Period.containing(PeriodKind.MONTH, day)
        result = evaluate(self.facts(month), month, Dimension.DEPARTMENT, cutoff, weights)
        return DutyReport(day, str(district), to_iso(now), operator, activity, open_now, overdue_now,
                          result, names, overdue, escalated, departments)


def _who(value: Any) -> str | None:
    if not value:
        return None
    return str(value).split("\x1f", 1)[-1] or None


# ---- the table and its exports ------------------------------------------------------

TABLE_FIELDS = ("key", "name", "registered", "due_to_close", "closed", "closed_on_time", "closure_rate",
                "on_time_closure_rate", "due_to_handle", "handled_on_time", "on_time_handling_rate",
                "rework_rate", "extension_rate", "first_time_rate", "composite", "dispatched_on_time_rate",
                "misdispatch_rate", "overdue_open")
RATE_FIELDS = frozenset(f for f in TABLE_FIELDS if f.endswith("_rate"))


def table_rows(result: Evaluation, names: dict[str, str], total_label: str,
               none_label: str) -> list[list[Any]]:
    """One row per group (then the total), in ``TABLE_FIELDS`` order; rates
    as fractions (None when undefined), the composite in points."""
    rows = []
    groups = list(result.groups) + ([result.total] if result.total is not None else [])
    for n, group in enumerate(groups):
        is_total = n == len(groups) - 1 and result.total is not None
        key = "" if is_total else (group.key or "")
        name = total_label if is_total else (names.get(group.key or "", group.key or none_label)
                                             if group.key else none_label)
        t, i = group.tally, group.indicators
        rows.append([key, name, t.registered, t.due_to_close, t.closed, t.closed_on_time, i.closure_rate,
                     i.on_time_closure_rate, t.due_to_handle, t.handled_on_time, i.on_time_handling_rate,
                     i.rework_rate, i.extension_rate, i.first_time_rate,
                     None if i.composite is None else round(i.composite, 2), i.dispatched_on_time_rate,
                     i.misdispatch_rate, t.overdue_open])
    return rows


def _atomic_target(path: Path) -> tuple[int, str]:
    directory = path.parent
    if not directory.is_dir():
        raise ExportError(f"folder {directory} does not exist", "no_folder", folder=str(directory))
    return tempfile.mkstemp(prefix=".export-", suffix=path.suffix, dir=directory)


def export_csv(path: str | Path, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    """UTF-8 with a byte-order mark (Excel opens Chinese text correctly);
    rates as percentages with two decimals."""
    target = Path(path)
    fd, tmp = _atomic_target(target)
    rate_columns = {n for n, name in enumerate(TABLE_FIELDS) if name in RATE_FIELDS}
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            for row in rows:
                writer.writerow(["" if v is None else (f"{v * 100:.2f}%" if n in rate_columns else v)
                                 for n, v in enumerate(row)])
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}", "cannot_write", file=str(target)) from exc
    return target


def export_xlsx(path: str | Path, headers: Sequence[str], rows: Sequence[Sequence[Any]],
                title: str) -> Path:
    """An XLSX workbook: a header row, rates as percentage cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    target = Path(path)
    fd, tmp = _atomic_target(target)
    os.close(fd)
    rate_columns = {n for n, name in enumerate(TABLE_FIELDS) if name in RATE_FIELDS}
    try:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = (title or "evaluation")[:31]
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
            for n in rate_columns:
                sheet.cell(row=sheet.max_row, column=n + 1).number_format = "0.00%"
        sheet.freeze_panes = "C2"
        for n, header in enumerate(headers, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=n).column_letter].width = max(10, len(header) * 2)
        book.save(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}", "cannot_write", file=str(target)) from exc
    return target
