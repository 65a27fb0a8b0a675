"""Working-time calendar (工作时/工作日) and deadlines.

Handling limits count working time, not wall-clock time: office hours on
working days, where working days follow China's official holiday schedule,
including the swapped working weekends (调休).  The holiday schedule comes
from the ``chinesecalendar`` package (published yearly); a data file
(resources/calendar.json) sets the office hours per weekday and overrides
single days, so a centre can correct the schedule, or add a year the package
does not know yet, without a software release.  For a year nobody has
published, the fixed-date statutory holidays of the data file stand in and
``knows_year`` says the schedule is a guess.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from core.categories import LimitUnit, TimeLimit
from core.timeutil import CST

Hours = list[tuple[time, time]]
DEFAULT_HOURS: Hours = [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))]
# 全国年节及纪念日放假办法 (2025): the holidays that fall on a fixed Gregorian date.
DEFAULT_FIXED_HOLIDAYS = ("01-01", "05-01", "05-02", "10-01", "10-02", "10-03")


class CalendarError(ValueError):
    """The calendar data is malformed."""


def _package_workday(day: date) -> bool | None:
    """The published schedule, or None for a year the package does not cover."""
    try:
        import chinese_calendar

        return bool(chinese_calendar.is_workday(day))
    except (ImportError, NotImplementedError):
        return None


@dataclass
class WorkCalendar:
    """Office hours on working days.

    ``office_hours`` are (start, end) intervals of one working day, in order;
    ``weekday_hours`` replaces them for an ISO weekday (1 Monday … 7 Sunday,
    e.g. a short Friday; a swapped working Saturday has the Saturday entry if
    there is one, else the ordinary hours).  ``overrides`` maps a date to True
    (working) or False (holiday), on top of the official schedule;
    ``fixed_holidays`` ("MM-DD") stand in for the official schedule in years
    nobody has published.
    """

    office_hours: Hours = field(default_factory=lambda: list(DEFAULT_HOURS))
    overrides: dict[date, bool] = field(default_factory=dict)
    official: Callable[[date], bool | None] = _package_workday
    weekday_hours: dict[int, Hours] = field(default_factory=dict)
    fixed_holidays: tuple[str, ...] = DEFAULT_FIXED_HOLIDAYS

    def __post_init__(self) -> None:
        for hours in [self.office_hours, *self.weekday_hours.values()]:
            _check_hours(hours)
        if not self.office_hours:
            raise CalendarError("office hours must not be empty")
        for weekday in self.weekday_hours:
            if not 1 <= weekday <= 7:
                raise CalendarError(f"weekday must be 1 (Monday) to 7 (Sunday), not {weekday}")
        self._fixed = frozenset(self.fixed_holidays)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkCalendar:
        """From the calendar file's JSON; raises CalendarError on bad data."""
        try:
            hours = _parse_hours(data.get("office_hours") or [])
            weekday_hours = {int(k): _parse_hours(v) for k, v in (data.get("weekday_hours") or {}).items()}
            overrides = {date.fromisoformat(k): _bool(v) for k, v in (data.get("overrides") or {}).items()}
            fixed = tuple(str(d) for d in data.get("fixed_holidays", DEFAULT_FIXED_HOLIDAYS))
            for item in fixed:
                datetime.strptime("2000-" + item, "%Y-%m-%d")
        except CalendarError:
            raise
        except (TypeError, ValueError, AttributeError) as exc:
            raise CalendarError(f"calendar data has a bad value: {exc}") from exc
        return cls(office_hours=hours or list(DEFAULT_HOURS), overrides=overrides,
                   weekday_hours=weekday_hours, fixed_holidays=fixed)

    @classmethod
    def from_file(cls, path: str | Path) -> WorkCalendar:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CalendarError(f"cannot read calendar file {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise CalendarError(f"calendar file {path} is not a JSON object")
        return cls.from_dict(data)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = self.official(day)
        if official is not None:
            return official
        return day.weekday() < 5 and day.strftime("%m-%d") not in self._fixed

    def knows_year(self, year: int) -> bool:
        """Whether the official schedule of ``year`` is known (package or overrides)."""
        return (self.official(date(year, 1, 1)) is not None
                or any(d.year == year for d in self.overrides))

    def hours_for(self, day: date) -> Hours:
        return self.weekday_hours.get(day.isoweekday(), self.office_hours)

    @property
    def minutes_per_day(self) -> float:
        """A working day of a limit in working days: the ordinary office day."""
        return _minutes(self.office_hours)

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment when ``minutes`` of working time have passed after ``start``."""
        if start.tzinfo is None:
            raise ValueError("start must carry a time zone")
        moment = start.astimezone(CST)
        remaining = timedelta(minutes=minutes)
        # Bounded: a year of holidays cannot stall us forever.
        for _ in range(3660):
            day = moment.date()
            if self.is_workday(day):
                for begin_t, end_t in self.hours_for(day):
                    begin = datetime.combine(day, begin_t, CST)
                    end = datetime.combine(day, end_t, CST)
                    if moment >= end:
                        continue
                    moment = max(moment, begin)
                    available = end - moment
                    if remaining <= available:
                        return moment + remaining
                    remaining -= available
                    moment = end
            moment = datetime.combine(day + timedelta(days=1), time(0, 0), CST)
        raise ValueError("no working time found within ten years")

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes from ``start`` to ``end`` (negative if end is earlier)."""
        if end < start:
            return -self.working_minutes_between(end, start)
        total = 0.0
        day = start.astimezone(CST).date()
        last = end.astimezone(CST).date()
        while day <= last:
            if self.is_workday(day):
                for begin_t, end_t in self.hours_for(day):
                    begin = max(datetime.combine(day, begin_t, CST), start)
                    finish = min(datetime.combine(day, end_t, CST), end)
                    if finish > begin:
                        total += (finish - begin).total_seconds() / 60
            day += timedelta(days=1)
        return total

    def deadline(self, start: datetime, limit: TimeLimit) -> datetime:
        if limit.unit is LimitUnit.HOURS:
            return start + timedelta(hours=limit.value)
        if limit.unit is LimitUnit.WORK_HOURS:
            return self.add_working_minutes(start, limit.value * 60)
        return self.add_working_minutes(start, limit.value * self.minutes_per_day)


def _check_hours(hours: Hours) -> None:
    last = time(0, 0)
    for start, end in hours:
        if not (last <= start < end):
            raise CalendarError("office hours must be ordered, non-overlapping intervals")
        last = end


def _parse_hours(items: Any) -> Hours:
    hours = [(time.fromisoformat(str(a)), time.fromisoformat(str(b))) for a, b in items]
    _check_hours(hours)
    return hours


def _minutes(hours: Hours) -> float:
    return sum((datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 60
               for start, end in hours)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise CalendarError(f"an override is true (working) or false (holiday), not {value!r}")
