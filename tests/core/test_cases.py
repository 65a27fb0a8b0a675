"""The case rules: every transition, allowed and forbidden, per role, and
the deadline arithmetic of dispatch, return, deferral, extension and callback."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from core.cases import (
    OPEN_STATUSES,
    TRANSITIONS,
    CallbackResult,
    CaseSource,
    CaseState,
    CaseStatus,
    Command,
    CommandKind,
    CommandRejected,
    MalformedCommand,
    Role,
    RuleContext,
    apply_command,
    callback_target,
    why_not,
)
from core.resources import load_categories
from core.worktime import WorkCalendar

CATEGORIES = load_categories()
CALENDAR = WorkCalendar()
CASE_ID = "c0ffee00-0000-4000-8000-000000000001"
AT = "2026-11-18T09:00:00+08:00"  # a Wednesday, a working day
CELL = "110101001001001"


def ctx(role: Role, department: str | None = "D-SAN") -> RuleContext:
    return RuleContext(role=role, categories=CATEGORIES, calendar=CALENDAR,
                       department_exists=lambda d: d in {"D-SAN", "D-ROAD"},
                       cell_exists=lambda c: c == CELL,
                       user_department=department if role is Role.DEPARTMENT else None)


def command(kind: CommandKind, payload: dict | None = None, at: str = AT) -> Command:
    return Command.new(kind, CASE_ID, payload or {}, operator="op", workstation="WS1", issued_at=at)


def case(status: CaseStatus, **changes) -> CaseState:
    state = CaseState(case_id=CASE_ID, status=status, category="E0102", cell_code=CELL,
                      lon=116.41, lat=39.92, source=CaseSource.SUPERVISOR, number="2026111800001",
                      department_id="D-SAN", version=3, updated_by="zhang", updated_at=AT,
                      updated_from="WS2")
    if status in (CaseStatus.DISPATCHED, CaseStatus.HANDLED, CaseStatus.CHECKED):
        state.deadline = "2026-11-18T13:00:00+08:00"
    if status in (CaseStatus.RETURNED, CaseStatus.DEFERRED):
        state.remaining_minutes, state.paused_at = 120.0, "2026-11-17T10:00:00+08:00"
    return dataclasses.replace(state, **changes)


PAYLOADS = {
    CommandKind.REPORT: {"source": "hotline", "description": "rubbish at the gate", "address": "1 Main St"},
    CommandKind.VERIFY: {},
    CommandKind.LOCATE: {"cell_code": CELL, "lon": 116.41, "lat": 39.92, "category": "E0104"},
    CommandKind.REGISTER: {"category": "E0102", "cell_code": CELL, "lon": 116.41, "lat": 39.92},
    CommandKind.CANCEL: {"reason": "duplicate"},
    CommandKind.DISPATCH: {"department_id": "D-SAN"},
    CommandKind.REDISPATCH: {"department_id": "D-ROAD", "reason": "roads, not sanitation"},
    CommandKind.RETURN: {"reason": "not ours"},
    CommandKind.REJECT_RETURN: {"reason": "it is yours"},
    CommandKind.REPORT_HANDLED: {},
    CommandKind.CHECK: {},
    CommandKind.REWORK: {"reason": "still dirty"},
    CommandKind.CLOSE: {},
    CommandKind.CALLBACK: {"result": "satisfied"},
    CommandKind.EXTEND: {"value": 2, "unit": "work_hours", "reason": "needs a crane"},
    CommandKind.DEFER: {"reason": "road works until spring"},
    CommandKind.RESUME: {},
    CommandKind.ESCALATE: {"reason": "two days late"},
    CommandKind.ADD_NOTE: {"text": "called the caller back"},
    CommandKind.ATTACH: {"attachment_id": "a1", "filename": "photo.jpg", "content_type": "image/jpeg",
                         "size": 100},
}


def fixture_for(kind: CommandKind, status: CaseStatus) -> CaseState:
    """A case in ``status`` that meets the kind's own conditions, so that
    only the role and the status decide."""
    source = CaseSource.HOTLINE if kind is CommandKind.CALLBACK else CaseSource.SUPERVISOR
    state = case(status, source=source)
    if kind is CommandKind.ESCALATE and state.deadline:
        state.deadline = "2026-11-17T17:00:00+08:00"  # overdue at AT
    return state


def matrix():
    for kind in CommandKind:
        for role in Role:
            yield kind, role, None
            for status in CaseStatus:
                yield kind, role, status


@pytest.mark.parametrize("kind", list(CommandKind))
def test_every_transition_per_role(kind):
    rule = TRANSITIONS[kind]
    for _kind, role, status in (m for m in matrix() if m[0] is kind):
        before = fixture_for(kind, status) if status else None
        snapshot = before.to_dict() if before else None
        cmd = command(kind, PAYLOADS[kind])
        if status is None:
            allowed = role in rule.roles and rule.creates
        else:
            allowed = (role in rule.roles and kind is not CommandKind.REPORT
                       and (rule.sources is None or status in rule.sources))
        if allowed:
            after, event = apply_command(before, cmd, ctx(role))
            expected = rule.target or (before.status if before else None)
            if kind is CommandKind.CALLBACK:
                expected = callback_target(PAYLOADS[kind]["result"])
            assert after.status == expected, (kind, role, status)
            assert after.version == (before.version + 1 if before else 1)
            assert event.event_id == cmd.command_id and event.kind == kind.value
            assert after.updated_by == "op" and after.updated_from == "WS1"
            assert why_not(before, kind, ctx(role), AT) is None
        else:
            with pytest.raises(CommandRejected) as info:
                apply_command(before, cmd, ctx(role))
            expected_codes = {"role_forbidden"} if role not in rule.roles else {
                "wrong_status", "no_such_case", "case_exists"}
            assert info.value.code in expected_codes, (kind, role, status, info.value.code)
            assert info.value.message
            assert why_not(before, kind, ctx(role), AT).code == info.value.code
        # Pure: the input case is never modified, allowed or not.
        assert (before.to_dict() if before else None) == snapshot


def test_the_matrix_covers_every_role_and_status():
    assert {r.value for r in Role} >= {"acceptor", "shift_leader", "leader", "dispatcher",
                                        "department", "supervisor", "hotline", "admin"}
    # every status but the two final ones can be left by some transition
    leavable = set()
    for rule in TRANSITIONS.values():
        if rule.sources and rule.target is not None:
            leavable |= rule.sources
    assert leavable == set(OPEN_STATUSES)


def test_wrong_status_reason_names_who_and_when():
    with pytest.raises(CommandRejected) as info:
        apply_command(case(CaseStatus.DISPATCHED), command(CommandKind.DISPATCH, {"department_id": "D-SAN"}),
                      ctx(Role.DISPATCHER))
    assert info.value.code == "wrong_status"
    assert info.value.params["by"] == "zhang" and info.value.params["workstation"] == "WS2"
    assert "already dispatched" in info.value.message


def test_command_on_missing_case_is_rejected_with_reason():
    with pytest.raises(CommandRejected) as info:
        apply_command(None, command(CommandKind.CLOSE), ctx(Role.DISPATCHER))
    assert info.value.code == "no_such_case"


@pytest.mark.parametrize("kind", [k for k, r in TRANSITIONS.items() if r.needs_reason])
def test_reason_required(kind):
    rule = TRANSITIONS[kind]
    status = sorted(rule.sources)[0]
    role = Role.ADMIN
    with pytest.raises(CommandRejected) as info:
        apply_command(fixture_for(kind, status), command(kind, {**PAYLOADS[kind], "reason": "  "}), ctx(role))
    assert info.value.code == "reason_required"


def test_reasons_needed_exactly_where_the_domain_says():
    needing = {k for k, r in TRANSITIONS.items() if r.needs_reason}
    assert needing == {CommandKind.CANCEL, CommandKind.REDISPATCH, CommandKind.RETURN,
                       CommandKind.REJECT_RETURN, CommandKind.REWORK, CommandKind.EXTEND,
                       CommandKind.DEFER}


def test_dispatch_to_unknown_department_rejected():
    with pytest.raises(CommandRejected) as info:
        apply_command(case(CaseStatus.REGISTERED), command(CommandKind.DISPATCH, {"department_id": "NOPE"}),
                      ctx(Role.DISPATCHER))
    assert info.value.code == "no_such_department"


@pytest.mark.parametrize("payload, code", [
    ({"category": "E9999", "cell_code": CELL, "lon": 116.41, "lat": 39.92}, "no_such_category"),
    ({"category": "E0102", "cell_code": "110101001001999", "lon": 116.41, "lat": 39.92}, "no_such_cell"),
    ({"category": "E0102", "cell_code": CELL, "lon": 0.0, "lat": 0.0}, "bad_location"),
    ({"category": "E0102", "cell_code": CELL, "lon": float("nan"), "lat": 39.92}, "bad_location"),
    ({"category": "E0102", "cell_code": CELL}, "bad_location"),
    ({"category": "E0102", "cell_code": CELL, "lon": 116.41, "lat": 39.92, "source": "rumour"}, "bad_source"),
    ({"category": "E0102", "cell_code": CELL, "lon": 116.41, "lat": 39.92, "description": "x" * 2001}, "too_long"),
])
def test_bad_registrations(payload, code):
    with pytest.raises(CommandRejected) as info:
        apply_command(None, command(CommandKind.REGISTER, payload), ctx(Role.DISPATCHER))
    assert info.value.code == code


def test_dispatch_sets_deadline_in_working_hours():
    # 暴露垃圾 (E0102): 4 working hours.  Dispatched Wed 16:00: 1.5 h left that
    # day (to 17:30), 2.5 h more from 08:30 Thursday -> Thursday 11:00.
    after, _ = apply_command(case(CaseStatus.REGISTERED),
                             command(CommandKind.DISPATCH, {"department_id": "D-SAN"},
                                     at="2026-11-18T16:00:00+08:00"), ctx(Role.DISPATCHER))
    assert after.deadline == "2026-11-19T11:00:00+08:00"
    assert after.department_id == "D-SAN" and after.dispatched_at == "2026-11-18T16:00:00+08:00"


# ---- the loop from report to close -----------------------------------------------


def run(state, steps):
    for role, kind, payload, at in steps:
        state, _event = apply_command(state, Command.new(kind, CASE_ID, payload, operator=role.value,
                                                         workstation="WS1", issued_at=at), ctx(role))
    return state


def test_a_hotline_report_runs_the_whole_loop_to_a_satisfied_callback():
    state = run(None, [
        (Role.HOTLINE, CommandKind.REPORT, {"source": "hotline", "description": "垃圾堆在门口",
                                            "address": "东华门大街 12 号", "ticket_id": "T-1",
                                            "caller": "王先生", "caller_phone": "13800000000"},
         "2026-11-18T08:40:00+08:00"),
    ])
    assert state.status is CaseStatus.REPORTED and not state.located and state.ticket_id == "T-1"
    with pytest.raises(CommandRejected) as info:  # not verified yet
        run(state, [(Role.ACCEPTOR, CommandKind.REGISTER, {}, "2026-11-18T08:45:00+08:00")])
    assert info.value.code == "wrong_status"
    state = run(state, [(Role.ACCEPTOR, CommandKind.VERIFY, {}, "2026-11-18T08:50:00+08:00")])
    with pytest.raises(CommandRejected) as info:  # verified, but nowhere yet
        run(state, [(Role.ACCEPTOR, CommandKind.REGISTER, {}, "2026-11-18T08:55:00+08:00")])
    assert info.value.code == "not_located"
    state = run(state, [
        (Role.ACCEPTOR, CommandKind.LOCATE, {"cell_code": CELL, "lon": 116.41, "lat": 39.92,
                                             "category": "E0102"}, "2026-11-18T08:56:00+08:00"),
        (Role.ACCEPTOR, CommandKind.REGISTER, {}, "2026-11-18T08:57:00+08:00"),
        (Role.DISPATCHER, CommandKind.DISPATCH, {"department_id": "D-SAN"}, "2026-11-18T09:00:00+08:00"),
        (Role.DEPARTMENT, CommandKind.REPORT_HANDLED, {}, "2026-11-18T11:00:00+08:00"),
        (Role.SUPERVISOR, CommandKind.CHECK, {"note": "clean now"}, "2026-11-18T11:40:00+08:00"),
    ])
    assert state.status is CaseStatus.CHECKED and state.deadline == "2026-11-18T14:30:00+08:00"
    with pytest.raises(CommandRejected) as info:
        run(state, [(Role.SHIFT_LEADER, CommandKind.CLOSE, {}, "2026-11-18T12:00:00+08:00")])
    assert info.value.code == "callback_required"
    closed = run(state, [(Role.ACCEPTOR, CommandKind.CALLBACK, {"result": "satisfied"},
                          "2026-11-18T15:00:00+08:00")])
    assert closed.status is CaseStatus.CLOSED and closed.closed_at == "2026-11-18T15:00:00+08:00"
    assert closed.callback_result == "satisfied"
    # Unsatisfied: back to the department with a whole new limit.
    reopened = run(state, [(Role.ACCEPTOR, CommandKind.CALLBACK, {"result": "unsatisfied"},
                            "2026-11-18T15:00:00+08:00")])
    assert reopened.status is CaseStatus.DISPATCHED and reopened.handled_at is None
    assert reopened.deadline == "2026-11-19T10:00:00+08:00"  # 2.5 h Wed + 1.5 h Thu
    assert reopened.callback_result == "unsatisfied"


def test_hotline_time_limit_wins_when_it_comes_first():
    state = case(CaseStatus.REGISTERED, category="E0114", due_by="2026-11-19T12:00:00+08:00")  # 5 days
    after = run(state, [(Role.DISPATCHER, CommandKind.DISPATCH, {"department_id": "D-SAN"}, AT)])
    assert after.deadline == "2026-11-19T12:00:00+08:00"


def test_callback_only_for_hotline_cases_and_with_a_result():
    with pytest.raises(CommandRejected) as info:
        run(case(CaseStatus.CHECKED), [(Role.ACCEPTOR, CommandKind.CALLBACK, {"result": "satisfied"}, AT)])
    assert info.value.code == "not_hotline"
    with pytest.raises(CommandRejected) as info:
        run(case(CaseStatus.CHECKED, source=CaseSource.HOTLINE),
            [(Role.ACCEPTOR, CommandKind.CALLBACK, {"result": "meh"}, AT)])
    assert info.value.code == "bad_callback"
    assert {r.value for r in CallbackResult} == {"satisfied", "unsatisfied", "unreachable"}


def test_check_failure_is_rework_counted_and_keeps_the_deadline():
    state = case(CaseStatus.HANDLED, handled_at=AT)
    after = run(state, [(Role.SUPERVISOR, CommandKind.REWORK, {"reason": "still dirty"},
                         "2026-11-18T10:00:00+08:00")])
    assert after.status is CaseStatus.DISPATCHED and after.rework_count == 1
    assert after.deadline == state.deadline and after.handled_at is None


def test_department_acts_only_on_its_own_cases():
    state = case(CaseStatus.DISPATCHED, department_id="D-ROAD")
    with pytest.raises(CommandRejected) as info:
        run(state, [(Role.DEPARTMENT, CommandKind.REPORT_HANDLED, {}, AT)])
    assert info.value.code == "not_your_case"
    assert why_not(state, CommandKind.RETURN, ctx(Role.DEPARTMENT), AT).code == "not_your_case"


# ---- return, re-dispatch ---------------------------------------------------------


def test_return_pauses_the_clock_and_a_rejected_return_resumes_it():
    # Dispatched Wed 09:00 with a 4 working-hour limit: due 14:30.  Returned
    # at 11:00: 11:00-12:00 and 13:30-14:30 are left, 120 working minutes.
    dispatched = run(case(CaseStatus.REGISTERED), [
        (Role.DISPATCHER, CommandKind.DISPATCH, {"department_id": "D-SAN"}, AT)])
    assert dispatched.deadline == "2026-11-18T14:30:00+08:00"
    returned = run(dispatched, [(Role.DEPARTMENT, CommandKind.RETURN, {"reason": "not ours"},
                                 "2026-11-18T11:00:00+08:00")])
    assert returned.status is CaseStatus.RETURNED and returned.deadline is None
    assert returned.remaining_minutes == 120
    # The shift leader disagrees on Thursday 16:00: the 2 h left run from then,
    # 1.5 h to 17:30, 0.5 h on Friday -> Friday 09:00.
    back = run(returned, [(Role.SHIFT_LEADER, CommandKind.REJECT_RETURN, {"reason": "it is yours"},
                           "2026-11-19T16:00:00+08:00")])
    assert back.status is CaseStatus.DISPATCHED and back.department_id == "D-SAN"
    assert back.deadline == "2026-11-20T09:00:00+08:00" and back.remaining_minutes is None
    # Or the dispatcher dispatches it again elsewhere (改派): a whole new limit.
    again = run(returned, [(Role.DISPATCHER, CommandKind.DISPATCH, {"department_id": "D-ROAD"},
                            "2026-11-19T16:00:00+08:00")])
    assert again.department_id == "D-ROAD" and again.deadline == "2026-11-20T11:00:00+08:00"


def test_redispatch_moves_a_dispatched_case_to_another_department():
    state = case(CaseStatus.DISPATCHED)
    after = run(state, [(Role.SHIFT_LEADER, CommandKind.REDISPATCH,
                         {"department_id": "D-ROAD", "reason": "wrong desk"}, AT)])
    assert after.department_id == "D-ROAD" and after.status is CaseStatus.DISPATCHED
    with pytest.raises(CommandRejected) as info:
        run(state, [(Role.SHIFT_LEADER, CommandKind.REDISPATCH,
                     {"department_id": "D-SAN", "reason": "same"}, AT)])
    assert info.value.code == "same_department"


# ---- extension, deferral, escalation ----------------------------------------------


def test_first_extension_by_the_shift_leader_second_needs_a_leader():
    state = case(CaseStatus.DISPATCHED)  # due Wed 13:00
    first = run(state, [(Role.SHIFT_LEADER, CommandKind.EXTEND,
                         {"value": 2, "unit": "work_hours", "reason": "crane"}, AT)])
    # 2 working hours after 13:00 (lunch until 13:30) -> 15:30.
    assert first.deadline == "2026-11-18T15:30:00+08:00" and first.extension_count == 1
    with pytest.raises(CommandRejected) as info:
        run(first, [(Role.SHIFT_LEADER, CommandKind.EXTEND,
                     {"value": 1, "unit": "work_days", "reason": "more"}, AT)])
    assert info.value.code == "leader_required"
    assert why_not(first, CommandKind.EXTEND, ctx(Role.SHIFT_LEADER), AT).code == "leader_required"
    second = run(first, [(Role.LEADER, CommandKind.EXTEND,
                          {"value": 1, "unit": "work_days", "reason": "more"}, AT)])
    # one working day (7.5 h) after Wed 15:30: 2 h Wed, 5.5 h Thu -> Thu 15:30
    assert second.deadline == "2026-11-19T15:30:00+08:00" and second.extension_count == 2


@pytest.mark.parametrize("payload", [
    {"value": 0, "unit": "work_hours", "reason": "x"},
    {"value": -3, "unit": "work_days", "reason": "x"},
    {"value": 31, "unit": "work_days", "reason": "x"},
    {"value": 2, "unit": "fortnights", "reason": "x"},
    {"value": "lots", "unit": "work_days", "reason": "x"},
    {"unit": "work_days", "reason": "x"},
])
def test_bad_extensions_are_refused(payload):
    with pytest.raises(CommandRejected) as info:
        run(case(CaseStatus.DISPATCHED), [(Role.SHIFT_LEADER, CommandKind.EXTEND, payload, AT)])
    assert info.value.code == "bad_extension"


def test_an_overdue_case_is_escalated_not_extended():
    overdue = case(CaseStatus.DISPATCHED, deadline="2026-11-17T17:00:00+08:00")
    with pytest.raises(CommandRejected) as info:
        run(overdue, [(Role.SHIFT_LEADER, CommandKind.EXTEND,
                       {"value": 2, "unit": "work_hours", "reason": "late"}, AT)])
    assert info.value.code == "already_overdue"
    escalated = run(overdue, [(Role.SHIFT_LEADER, CommandKind.ESCALATE, {"reason": "call them"}, AT),
                              (Role.LEADER, CommandKind.ESCALATE, {}, "2026-11-18T10:00:00+08:00")])
    assert escalated.escalation_level == 2 and escalated.escalated_at == "2026-11-18T10:00:00+08:00"
    assert escalated.deadline == overdue.deadline and escalated.status is CaseStatus.DISPATCHED
    with pytest.raises(CommandRejected) as info:
        run(case(CaseStatus.DISPATCHED), [(Role.SHIFT_LEADER, CommandKind.ESCALATE, {}, AT)])
    assert info.value.code == "not_overdue"


def test_deferral_stops_the_clock_and_resumes_with_the_working_time_left():
    # Due Wed 13:00; deferred Wed 09:00 with 3 working hours left (09:00-12:00).
    state = case(CaseStatus.DISPATCHED)
    deferred = run(state, [(Role.SHIFT_LEADER, CommandKind.DEFER, {"reason": "road works"}, AT)])
    assert deferred.status is CaseStatus.DEFERRED and deferred.deadline is None
    assert deferred.remaining_minutes == 180 and deferred.paused_at == AT
    # Resumed Fri 20 Nov 16:00 + 3 h: 1.5 h Friday, 1.5 h Monday 23 Nov -> 10:00.
    resumed = run(deferred, [(Role.DISPATCHER, CommandKind.RESUME, {}, "2026-11-20T16:00:00+08:00")])
    assert resumed.status is CaseStatus.DISPATCHED and resumed.deadline == "2026-11-23T10:00:00+08:00"
    assert resumed.remaining_minutes is None and resumed.paused_at is None


def test_deferral_over_national_day_and_a_wall_clock_category():
    # 路面塌陷 E0501: 2 wall-clock hours.  Dispatched 30 Sep 2026 16:00, due 18:00;
    # deferred at 17:00 with 60 minutes left; resumed 8 Oct 09:00 -> 10:00.
    state = case(CaseStatus.DISPATCHED, category="E0501", deadline="2026-09-30T18:00:00+08:00")
    deferred = run(state, [(Role.SHIFT_LEADER, CommandKind.DEFER, {"reason": "x"}, "2026-09-30T17:00:00+08:00")])
    assert deferred.remaining_minutes == 60
    resumed = run(deferred, [(Role.SHIFT_LEADER, CommandKind.RESUME, {}, "2026-10-08T09:00:00+08:00")])
    assert resumed.deadline == "2026-10-08T10:00:00+08:00"
    # A working-hours category deferred over the holiday: 暴露垃圾 due 30 Sep
    # 17:30, deferred 16:30 (60 working minutes left), resumed on the 调休
    # Saturday 10 Oct 08:30 -> 09:30 that Saturday.
    state = case(CaseStatus.DISPATCHED, deadline="2026-09-30T17:30:00+08:00")
    deferred = run(state, [(Role.SHIFT_LEADER, CommandKind.DEFER, {"reason": "x"}, "2026-09-30T16:30:00+08:00")])
    resumed = run(deferred, [(Role.SHIFT_LEADER, CommandKind.RESUME, {}, "2026-10-10T08:30:00+08:00")])
    assert resumed.deadline == "2026-10-10T09:30:00+08:00"


def test_an_overdue_case_deferred_resumes_due_at_once():
    state = case(CaseStatus.DISPATCHED, deadline="2026-11-17T17:00:00+08:00")
    deferred = run(state, [(Role.SHIFT_LEADER, CommandKind.DEFER, {"reason": "x"}, AT)])
    assert deferred.remaining_minutes == 0
    resumed = run(deferred, [(Role.SHIFT_LEADER, CommandKind.RESUME, {}, "2026-11-18T20:00:00+08:00")])
    assert resumed.deadline == "2026-11-19T08:30:00+08:00"  # the next working moment


def test_report_needs_content_and_the_hotline_account_reports_only_hotline_cases():
    with pytest.raises(CommandRejected) as info:
        run(None, [(Role.SUPERVISOR, CommandKind.REPORT, {"source": "supervisor"}, AT)])
    assert info.value.code == "empty_report"
    with pytest.raises(CommandRejected) as info:
        run(None, [(Role.HOTLINE, CommandKind.REPORT, {"source": "supervisor", "description": "x"}, AT)])
    assert info.value.code == "bad_source"
    with pytest.raises(CommandRejected) as info:
        run(None, [(Role.HOTLINE, CommandKind.REPORT, {"source": "hotline", "description": "x",
                                                         "due_by": "tomorrow"}, AT)])
    assert info.value.code == "bad_time"
    with pytest.raises(CommandRejected) as info:
        run(None, [(Role.HOTLINE, CommandKind.REPORT, {"source": "hotline", "description": "x",
                                                         "ticket_id": "T" * 65}, AT)])
    assert info.value.code == "too_long" and info.value.params["field"] == "ticket_id"


def test_command_round_trips_and_malformed_commands_fail_clearly():
    cmd = command(CommandKind.DISPATCH, {"department_id": "D-SAN"})
    assert Command.from_dict(cmd.to_dict()) == cmd
    for bad in ({}, {**cmd.to_dict(), "kind": "explode"}, {**cmd.to_dict(), "command_id": "x"},
                {**cmd.to_dict(), "issued_at": "yesterday"}, {**cmd.to_dict(), "payload": [1]}):
        with pytest.raises(MalformedCommand):
            Command.from_dict(bad)


def test_case_state_round_trips_with_missing_counters():
    state = case(CaseStatus.DEFERRED, extension_count=2, escalation_level=1)
    assert CaseState.from_dict(state.to_dict()) == state
    old = {k: v for k, v in state.to_dict().items() if k not in ("extension_count", "rework_count")}
    assert CaseState.from_dict({**old, "escalation_level": None}).escalation_level == 0


def test_new_commands_have_unique_ids():
    ids = {command(CommandKind.CLOSE).command_id for _ in range(100)}
    assert len(ids) == 100 and all(uuid.UUID(i) for i in ids)
