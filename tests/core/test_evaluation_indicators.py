"""The indicators of DOMAIN.md §4, checked against published figures and
against cases whose every stage we know."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from core.evaluation import (
    CaseFacts,
    Dimension,
    EvaluationError,
    Indicators,
    Period,
    PeriodKind,
    StageLimits,
    Tally,
    Weights,
    composite_score,
    daily_counts,
    evaluate,
    facts_from_row,
    percent,
    tally_case,
)
from core.timeutil import CST


def test_tianmen_december_2016():
    # Published: 996 registered, 972 due to close, 911 closed, 737 closed on time.
    tally = Tally(registered=996, due_to_close=972, closed=911, closed_on_time=737)
    indicators = Indicators.of(tally)
    assert percent(indicators.closure_rate) == "93.72%"
    assert percent(indicators.on_time_closure_rate) == "75.82%"


def test_zhanggong_2018_closure_rate():
    # Published: 134,967 dispatched, 97,898 closed, "72.24%".  That rate does
    # not follow from the two counts (97,898 / 134,967 = 72.53%; the source
    # does not say which denominator it used), so we check the definition.
    indicators = Indicators.of(Tally(registered=134_967, due_to_close=134_967, closed=97_898))
    assert percent(indicators.closure_rate) == "72.53%"


def test_composite_score_default_and_configured_weights():
    tally = Tally(registered=100, due_to_close=100, closed=90, dispatched=100, due_to_handle=100,
                  handled=95, handled_on_time=80, reworked=5)
    default = Indicators.of(tally)
    # 0.80 × 60 + 0.90 × 30 + (1 − 5/95) × 10
    assert default.composite == pytest.approx(48 + 27 + (1 - 5 / 95) * 10)
    assert Indicators.of(tally, Weights(50, 50, 0)).composite == pytest.approx(40 + 45)
    # Nothing due to handle yet: the score is what is defined, scaled to the weights.
    assert composite_score(None, 0.5, 0.0) == pytest.approx((0.5 * 30 + 1.0 * 10) * 100 / 40)
    assert composite_score(None, None, None) is None


@pytest.mark.parametrize("weights", [(-1, 30, 10), (0, 0, 0), (float("nan"), 30, 10), ("60", 30, 10),
                                     (True, 30, 10)])
def test_bad_weights_are_refused(weights):
    with pytest.raises(EvaluationError):
        Weights(*weights)


@pytest.mark.parametrize("figures", [
    {"registered": -1}, {"due_to_close": 10, "closed": 11}, {"closed": 5, "due_to_close": 9, "closed_on_time": 6},
    {"registered": 1.5}, {"handled": 3, "reworked": 4}, {"dispatched": 2, "misdispatched": 3},
])
def test_inconsistent_published_figures_are_refused(figures):
    with pytest.raises(EvaluationError):
        Tally(**figures)


def test_undefined_rates_are_none_not_zero():
    indicators = Indicators.of(Tally(registered=3))
    assert indicators.closure_rate is None and indicators.rework_rate is None
    assert percent(None) == "—"


def test_percent_rounds_half_up_like_published_reports():
    assert percent(0.123450) == "12.35%"
    assert percent(0.99995) == "100.00%"
    assert percent(2 / 3) == "66.67%"


@pytest.mark.parametrize("kind, day, start, end, label", [
    ("day", date(2016, 12, 31), date(2016, 12, 31), date(2017, 1, 1), "2016-12-31"),
    ("week", date(2016, 12, 31), date(2016, 12, 26), date(2017, 1, 2), "2016-W52"),
    ("week", date(2021, 1, 3), date(2020, 12, 28), date(2021, 1, 4), "2020-W53"),
    ("month", date(2016, 12, 15), date(2016, 12, 1), date(2017, 1, 1), "2016-12"),
    ("month", date(2024, 2, 29), date(2024, 2, 1), date(2024, 3, 1), "2024-02"),
    ("quarter", date(2023, 8, 9), date(2023, 7, 1), date(2023, 10, 1), "2023-Q3"),
    ("quarter", date(2023, 12, 31), date(2023, 10, 1), date(2024, 1, 1), "2023-Q4"),
])
def test_periods(kind, day, start, end, label):
    period = Period.containing(kind, day)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.next().start == end
    assert period.previous().end == start
    assert len(period.days()) == (end - start).days


def test_an_unknown_period_kind_is_refused():
    with pytest.raises(ValueError):
        Period.containing("fortnight", date(2026, 1, 1))


T0 = datetime(2026, 11, 2, 9, 0, tzinfo=CST)  # a Monday


def _case(n: int, **kw) -> CaseFacts:
    values = {"case_id": f"c{n}", "status": "closed", "category": "E0102", "cell_code": "110101001001001",
              "department_id": "D-SAN", "source": "hotline", "reported_at": T0 - timedelta(minutes=10),
              "registered_at": T0, "first_dispatched_at": T0 + timedelta(minutes=10),
              "first_handled_at": T0 + timedelta(hours=2), "handled_at": T0 + timedelta(hours=2),
              "deadline": T0 + timedelta(hours=4), "closed_at": T0 + timedelta(hours=3),
              "acceptor": "acceptor", "dispatcher": "dispatcher"}
    values.update(kw)
    return CaseFacts(**values)


def test_one_case_at_every_stage():
    now = T0 + timedelta(days=1)
    on_time = tally_case(_case(1), now)
    assert (on_time.registered, on_time.due_to_close, on_time.closed, on_time.closed_on_time) == (1, 1, 1, 1)
    assert (on_time.due_to_handle, on_time.handled_on_time, on_time.first_time) == (1, 1, 1)
    assert on_time.accepted_on_time == on_time.dispatched_on_time == 1
    late = tally_case(_case(2, handled_at=T0 + timedelta(hours=5), first_handled_at=T0 + timedelta(hours=5),
                            closed_at=T0 + timedelta(hours=6)), now)
    assert (late.closed, late.closed_on_time, late.handled_on_time) == (1, 0, 0)
    reworked = tally_case(_case(3, handled_at=None, status="dispatched", closed_at=None, reworks=1), now)
    assert (reworked.due_to_close, reworked.closed, reworked.reworked, reworked.overdue_open) == (1, 0, 1, 1)
    waiting = tally_case(_case(4, status="dispatched", handled_at=None, first_handled_at=None, closed_at=None,
                               deadline=T0 + timedelta(days=3)), now)
    assert (waiting.due_to_close, waiting.due_to_handle, waiting.dispatched) == (0, 0, 1)
    deferred = tally_case(_case(5, status="deferred", deadline=None, handled_at=None, first_handled_at=None,
                                closed_at=None), now)
    assert (deferred.deferred, deferred.due_to_close, deferred.due_to_handle) == (1, 0, 0)
    cancelled = tally_case(_case(6, status="cancelled", first_dispatched_at=None), now)
    assert (cancelled.registered, cancelled.cancelled, cancelled.due_to_close) == (1, 1, 0)
    pending = tally_case(_case(7, status="registered", first_dispatched_at=None, deadline=None,
                               handled_at=None, first_handled_at=None, closed_at=None,
                               registered_at=T0 + timedelta(minutes=50)), now)
    assert (pending.pending_dispatch, pending.accepted_on_time) == (1, 0)
    misdispatched = tally_case(_case(8, returns=1, extensions=1), now)
    assert (misdispatched.misdispatched, misdispatched.first_time, misdispatched.extended) == (1, 0, 1)
    urgent_slow = tally_case(_case(9, urgent=True, first_dispatched_at=T0 + timedelta(minutes=20)), now)
    assert urgent_slow.dispatched_on_time == 0
    assert tally_case(_case(10, registered_at=now + timedelta(hours=1)), now) == Tally()


def test_figures_are_as_known_at_the_cutoff():
    case = _case(1, closed_at=T0 + timedelta(days=2), deadline=T0 + timedelta(hours=4))
    # A day later the case is past its deadline and not yet closed.
    day_after = tally_case(case, T0 + timedelta(days=1))
    assert (day_after.due_to_close, day_after.closed, day_after.overdue_open) == (1, 0, 1)
    # Within its time limit it is not yet due.
    assert tally_case(case, T0 + timedelta(hours=1)).due_to_close == 0


def test_evaluate_groups_by_every_dimension_and_totals():
    cases = [_case(1), _case(2, department_id="D-ROAD", cell_code="110101002001001", dispatcher="d2",
                             handled_at=T0 + timedelta(hours=5), first_handled_at=T0 + timedelta(hours=5)),
             _case(3, department_id="D-ROAD", cell_code="110101002001002", acceptor="a2"),
             _case(4, status="registered", department_id=None, first_dispatched_at=None, deadline=None,
                   handled_at=None, first_handled_at=None, closed_at=None, dispatcher=None),
             _case(5, registered_at=T0 - timedelta(days=40))]  # another period
    period = Period.containing(PeriodKind.MONTH, T0.date())
    now = T0 + timedelta(days=3)
    by_dept = evaluate(cases, period, Dimension.DEPARTMENT, now)
    assert [g.key for g in by_dept.groups] == ["D-SAN", "D-ROAD", None]
    assert by_dept.total is not None and by_dept.total.tally.registered == 4
    road = by_dept.groups[1]
    assert (road.tally.handled_on_time, road.tally.due_to_handle) == (1, 2)
    assert road.indicators.on_time_handling_rate == pytest.approx(0.5)
    assert {g.key for g in evaluate(cases, period, "street", now).groups} == {"110101001", "110101002"}
    assert len(evaluate(cases, period, Dimension.CELL, now).groups) == 3
    assert {g.key for g in evaluate(cases, period, Dimension.DISPATCHER, now).groups} == {"dispatcher", "d2", None}
    assert {g.key for g in evaluate(cases, period, Dimension.ACCEPTOR, now).groups} == {"acceptor", "a2"}
    week = evaluate(cases, Period.containing("week", T0.date()), Dimension.DEPARTMENT, now)
    assert week.total is not None and week.total.tally.registered == 4
    with pytest.raises(ValueError):
        evaluate(cases, period, "planet", now)


def test_daily_counts_follow_the_stages():
    period = Period.containing(PeriodKind.WEEK, T0.date())
    cases = [_case(1), _case(2, closed_at=T0 + timedelta(days=1, hours=1))]
    days = daily_counts(cases, period, T0 + timedelta(days=6))
    assert len(days) == 7
    assert days[0]["registered"] == 2 and days[0]["closed"] == 1 and days[1]["closed"] == 1


def test_facts_from_database_rows_and_bad_rows():
    row = {"case_id": "x", "status": "closed", "registered_at": "2026-11-02T09:00:00+08:00",
           "reworks": "2", "deadline": None}
    facts = facts_from_row(row)
    assert facts.reworks == 2 and facts.registered_at == T0
    with pytest.raises(EvaluationError, match="x"):
        facts_from_row({**row, "closed_at": "yesterday"})
    with pytest.raises(EvaluationError):
        facts_from_row({**row, "reworks": "many"})


def test_stage_limits_must_be_positive():
    with pytest.raises(EvaluationError):
        StageLimits(normal_minutes=0)
