"""SLA state of an open case from its deadline and the time now."""

from __future__ import annotations

import pytest

from core.sla import DUE_SOON_S, SlaState, seconds_left, sla_state

NOW = "2026-11-21T10:00:00+08:00"


@pytest.mark.parametrize("deadline", [None, ""])
def test_a_case_without_a_deadline_is_normal(deadline):
    assert seconds_left(deadline, NOW) is None
    assert sla_state(deadline, NOW) is SlaState.NORMAL


def test_seconds_left_counts_down_to_the_deadline():
    assert seconds_left("2026-11-21T12:30:15+08:00", NOW) == 2 * 3600 + 30 * 60 + 15
    assert seconds_left("2026-11-21T09:59:00+08:00", NOW) == -60
    assert seconds_left("2026-11-22T10:00:00+08:00", NOW) == 86400


def test_time_zones_are_compared_as_instants():
    # 02:00 UTC is 10:00 in the district: the deadline is now.
    assert seconds_left("2026-11-21T02:00:00+00:00", NOW) == 0
    assert sla_state("2026-11-21T02:00:00+00:00", NOW) is SlaState.OVERDUE
    assert seconds_left("2026-11-21T03:00:00Z", NOW) == 3600


@pytest.mark.parametrize("deadline, state", [
    ("2026-11-22T10:00:00+08:00", SlaState.NORMAL),
    ("2026-11-21T11:00:01+08:00", SlaState.NORMAL),  # just over an hour
    ("2026-11-21T11:00:00+08:00", SlaState.DUE_SOON),  # exactly an hour left
    ("2026-11-21T10:00:01+08:00", SlaState.DUE_SOON),
    ("2026-11-21T10:00:00+08:00", SlaState.OVERDUE),  # no time left is overdue
    ("2026-11-20T10:00:00+08:00", SlaState.OVERDUE),
])
def test_the_state_at_the_boundaries(deadline, state):
    assert DUE_SOON_S == 3600
    assert sla_state(deadline, NOW) is state


def test_the_due_soon_window_can_be_set():
    deadline = "2026-11-21T10:30:00+08:00"  # 30 minutes left
    assert sla_state(deadline, NOW) is SlaState.DUE_SOON
    assert sla_state(deadline, NOW, due_soon_s=600) is SlaState.NORMAL
    assert sla_state(deadline, NOW, due_soon_s=1800) is SlaState.DUE_SOON
    assert sla_state(deadline, NOW, due_soon_s=0) is SlaState.NORMAL


def test_states_sort_by_urgency():
    # An IntEnum on purpose: a higher value is more urgent, so states compare and sort.
    assert SlaState.NORMAL < SlaState.DUE_SOON < SlaState.OVERDUE
    assert sorted([SlaState.OVERDUE, SlaState.NORMAL, SlaState.DUE_SOON], reverse=True) == [
        SlaState.OVERDUE, SlaState.DUE_SOON, SlaState.NORMAL]


@pytest.mark.parametrize("deadline, now", [
    ("2026-11-21T11:00:00", NOW),  # a deadline without a time zone
    ("2026-11-21T11:00:00+08:00", "2026-11-21T10:00:00"),  # a time now without one
    ("tomorrow", NOW),
    ("2026-13-01T00:00:00+08:00", NOW),
])
def test_a_bad_timestamp_is_a_value_error(deadline, now):
    with pytest.raises(ValueError):
        sla_state(deadline, now)
