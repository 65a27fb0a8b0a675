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


def test_the_shipped_calendar_file_loads_with_the_ordinary_office_day():
    from core.resources import load_calendar

    cal = load_calendar()
    assert cal.minutes_per_day == 450
    assert cal.deadline(at(2026, 9, 30, 16, 30), TimeLimit(4, LimitUnit.WORK_HOURS)) == at(2026, 10, 8, 11, 30)


def test_national_day_week_in_working_days():
    # 1 working day from Wednesday 30 September 10:00: 7.5 h -> the next
    # working day at 10:00, which is Thursday 8 October (1-7 October off).
    assert CAL.deadline(at(2026, 9, 30, 10, 0), TimeLimit(1, LimitUnit.WORK_DAYS)) == at(2026, 10, 8, 10, 0)
    # The 调休 Sunday 20 September 2026 is a working day, the Saturday before is not.
    assert CAL.is_workday(date(2026, 9, 20)) and not CAL.is_workday(date(2026, 9, 19))


def test_office_hours_per_weekday():
    # A short Friday (08:30-12:00 only): Friday 11:00 + 2 h -> 1 h Friday,
    # 1 h Monday from 08:30 -> 09:30.
    cal = WorkCalendar.from_dict({"office_hours": [["08:30", "12:00"], ["13:30", "17:30"]],
                                  "weekday_hours": {"5": [["08:30", "12:00"]]}})
    assert cal.deadline(at(2026, 11, 20, 11, 0), TimeLimit(2, LimitUnit.WORK_HOURS)) == at(2026, 11, 23, 9, 30)
    assert cal.working_minutes_between(at(2026, 11, 20, 0, 0), at(2026, 11, 21, 0, 0)) == 210


def test_a_year_nobody_has_published_falls_back_to_fixed_holidays():
    cal = WorkCalendar()
    assert not cal.knows_year(2027) and cal.knows_year(2026)
    assert not cal.is_workday(date(2027, 1, 1))  # New Year's Day, a Friday
    assert not cal.is_workday(date(2027, 10, 1)) and cal.is_workday(date(2027, 10, 8))
    assert cal.is_workday(date(2027, 1, 4))
    # Once the State Council publishes, the centre adds the year as overrides.
    published = WorkCalendar.from_dict({"overrides": {"2027-01-04": False}})
    assert published.knows_year(2027) and not published.is_workday(date(2027, 1, 4))


@pytest.mark.parametrize("data", [
    {"office_hours": [["12:00", "08:30"]]},
    {"office_hours": [["08:30", "12:00"], ["11:00", "17:30"]]},
    {"office_hours": [["8h", "12:00"]]},
    {"weekday_hours": {"9": [["08:30", "12:00"]]}},
    {"overrides": {"2026-13-01": True}},
    {"overrides": {"2026-10-01": "yes"}},
    {"fixed_holidays": ["13-45"]},
])
def test_bad_calendar_data_is_refused_clearly(data):
    from core.worktime import CalendarError

    with pytest.raises(CalendarError):
        WorkCalendar.from_dict(data)


def test_unreadable_calendar_file(tmp_path):
    from core.worktime import CalendarError

    path = tmp_path / "calendar.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CalendarError, match="cannot read"):
        WorkCalendar.from_file(path)
