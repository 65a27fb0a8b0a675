"""Working-time calendar (工作时/工作日) and deadlines.

Handling limits count working time, not wall-clock time: office hours on
working days, where working days follow China's official holiday schedule,
including the swapped working weekends (调休).  The holiday schedule comes
from the ``chinesecalendar`` package (published yearly) and can be overridden
by a data file, so a centre can correct it without a software release.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from core.categories import LimitUnit, TimeLimit
from core.timeutil import CST


def _official_workday(day: date) -> bool:
    try:
        import chinese_calendar

        return bool(chinese_calendar.is_workday(day))
    except (ImportError, NotImplementedError):
        # Outside the package's published years: fall back to Monday-Friday.
        return day.weekday() < 5


@dataclass
class WorkCalendar:
    """Office hours on working days.

    ``office_hours`` are (start, end) intervals of one working day, in order.
    ``overrides`` maps a date to True (working) or False (holiday), on top of
    the official schedule.
    """

    office_hours: list[tuple[time, time]] = field(
        default_factory=lambda: [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))]
    )
    overrides: dict[date, bool] = field(default_factory=dict)
    official: Callable[[date], bool] = _official_workday

    def __post_init__(self) -> None:
        last = time(0, 0)
        for start, end in self.office_hours:
            if not (last <= start < end):
                raise ValueError("office hours must be ordered, non-overlapping intervals")
            last = end

    @classmethod
    def from_file(cls, path: str | Path) -> WorkCalendar:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        hours = [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in data["office_hours"]]
        overrides = {date.fromisoformat(k): bool(v) for k, v in data.get("overrides", {}).items()}
        return cls(office_hours=hours, overrides=overrides)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return self.official(day)

    @property
    def minutes_per_day(self) -> float:
        return sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 60
            for start, end in self.office_hours
        )

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
                for begin_t, end_t in self.office_hours:
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
                for begin_t, end_t in self.office_hours:
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
