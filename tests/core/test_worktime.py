"""Working-time deadlines around China's official holidays and 调休 days."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from core.categories import LimitUnit, TimeLimit
from core.timeutil import CST
from core.worktime import WorkCalendar

CAL = WorkCalendar()


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CST)


def test_national_day_week_is_skipped():
    # 2026: 1-7 October off; Saturday 10 October is a swapped working day (调休).
    assert not CAL.is_workday(date(2026, 10, 1))
    assert not CAL.is_workday(date(2026, 10, 7))
    assert CAL.is_workday(date(2026, 10, 10))


def test_national_day_deadline_moves_past_the_holiday():
    # Wednesday 30 September 16:30 + 4 working hours: 1 h that day, then the
    # holiday week, then 3 h from 08:30 on Thursday 8 October -> 11:30.
    deadline = CAL.deadline(at(2026, 9, 30, 16, 30), TimeLimit(4, LimitUnit.WORK_HOURS))
    assert deadline == at(2026, 10, 8, 11, 30)


def test_swapped_working_saturday_counts():
    # Friday 9 October 17:00 + 2 working hours: 0.5 h Friday, 1.5 h on the
    # 调休 Saturday 10 October from 08:30 -> 10:00 Saturday.
    assert CAL.deadline(at(2026, 10, 9, 17, 0), TimeLimit(2, LimitUnit.WORK_HOURS)) == at(2026, 10, 10, 10, 0)


def test_ordinary_weekend_is_skipped():
    # Friday 20 November 2026 17:00 + 2 working hours -> Monday 23 November 10:00.
    assert CAL.deadline(at(2026, 11, 20, 17, 0), TimeLimit(2, LimitUnit.WORK_HOURS)) == at(2026, 11, 23, 10, 0)


def test_lunch_break_is_not_working_time():
    assert CAL.deadline(at(2026, 11, 18, 11, 0), TimeLimit(2, LimitUnit.WORK_HOURS)) == at(2026, 11, 18, 14, 30)


def test_working_days_and_wall_clock_hours():
    # 5 working days from Wednesday 18 Nov 10:00 -> Wednesday 25 Nov 10:00.
    assert CAL.deadline(at(2026, 11, 18, 10, 0), TimeLimit(5, LimitUnit.WORK_DAYS)) == at(2026, 11, 25, 10, 0)
    # Urgent: 2 wall-clock hours, even at night on a holiday.
    assert CAL.deadline(at(2026, 10, 1, 23, 0), TimeLimit(2, LimitUnit.HOURS)) == at(2026, 10, 2, 1, 0)


def test_start_outside_office_hours():
    assert CAL.deadline(at(2026, 11, 18, 20, 0), TimeLimit(1, LimitUnit.WORK_HOURS)) == at(2026, 11, 19, 9, 30)


def test_overrides_win_over_the_official_schedule():
    cal = WorkCalendar(overrides={date(2026, 11, 19): False})
    assert cal.deadline(at(2026, 11, 18, 17, 0), TimeLimit(1, LimitUnit.WORK_HOURS)) == at(2026, 11, 20, 9, 0)


def test_working_minutes_between_is_consistent_with_deadline():
    start = at(2026, 9, 29, 10, 15)
    for hours in (1, 4, 9, 20, 33):
        end = CAL.deadline(start, TimeLimit(hours, LimitUnit.WORK_HOURS))
        assert CAL.working_minutes_between(start, end) == pytest.approx(hours * 60)


def test_bad_office_hours_and_naive_times_refused():
    with pytest.raises(ValueError):
        WorkCalendar(office_hours=[(time(13, 0), time(12, 0))])
    with pytest.raises(ValueError):
        CAL.add_working_minutes(datetime(2026, 1, 5, 9, 0), 10)
