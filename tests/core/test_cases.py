"""The case rules: every transition, allowed and forbidden, per role."""

from __future__ import annotations

import uuid

import pytest

from core.cases import (
    TRANSITIONS,
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
)
from core.resources import load_categories
from core.worktime import WorkCalendar

CATEGORIES = load_categories()
CALENDAR = WorkCalendar()
CASE_ID = "c0ffee00-0000-4000-8000-000000000001"
AT = "2026-11-18T09:00:00+08:00"  # a Wednesday, a working day


def ctx(role: Role) -> RuleContext:
    return RuleContext(role=role, categories=CATEGORIES, calendar=CALENDAR,
                       department_exists=lambda d: d in {"D-SAN", "D-ROAD"},
                       cell_exists=lambda c: c == "110101001001001")


def command(kind: CommandKind, payload: dict | None = None, at: str = AT) -> Command:
    return Command.new(kind, CASE_ID, payload or {}, operator="op", workstation="WS1", issued_at=at)


def case(status: CaseStatus) -> CaseState:
    return CaseState(case_id=CASE_ID, status=status, category="E0102", cell_code="110101001001001",
                     lon=116.41, lat=39.92, source=CaseSource.HOTLINE, number="2026111800001",
                     version=3, updated_by="zhang", updated_at=AT, updated_from="WS2")


PAYLOADS = {
    CommandKind.REGISTER: {"category": "E0102", "cell_code": "110101001001001", "lon": 116.41, "lat": 39.92},
    CommandKind.CANCEL: {"reason": "duplicate"},
    CommandKind.DISPATCH: {"department_id": "D-SAN"},
    CommandKind.RETURN: {"reason": "not ours"},
    CommandKind.REPORT_HANDLED: {},
    CommandKind.REWORK: {"reason": "still dirty"},
    CommandKind.CLOSE: {},
    CommandKind.ADD_NOTE: {"text": "called the caller back"},
}


def _cases_for(kind: CommandKind) -> list[tuple[CaseStatus | None, Role, bool]]:
    rule = TRANSITIONS[kind]
    out = []
    for role in Role:
        if kind is CommandKind.REGISTER:
            out.append((None, role, role in rule.roles))
            continue
        for status in CaseStatus:
            allowed = role in rule.roles and (rule.sources is None or status in rule.sources)
            out.append((status, role, allowed))
    return out


@pytest.mark.parametrize("kind", list(CommandKind))
def test_every_transition_per_role(kind):
    for status, role, allowed in _cases_for(kind):
        before = case(status) if status else None
        snapshot = before.to_dict() if before else None
        cmd = command(kind, PAYLOADS[kind])
        if allowed:
            after, event = apply_command(before, cmd, ctx(role))
            target = TRANSITIONS[kind].target
            assert after.status == (target or before.status)
            assert after.version == (before.version + 1 if before else 1)
            assert event.event_id == cmd.command_id and event.kind == kind.value
        else:
            with pytest.raises(CommandRejected) as info:
                apply_command(before, cmd, ctx(role))
            assert info.value.code in {"role_forbidden", "wrong_status"}
        # Pure: the input case is never modified, allowed or not.
        assert (before.to_dict() if before else None) == snapshot


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


@pytest.mark.parametrize("kind", [CommandKind.CANCEL, CommandKind.RETURN, CommandKind.REWORK])
def test_reason_required(kind):
    status = next(iter(TRANSITIONS[kind].sources))
    with pytest.raises(CommandRejected) as info:
        apply_command(case(status), command(kind, {"reason": "  "}), ctx(Role.SHIFT_LEADER))
    assert info.value.code == "reason_required"


def test_dispatch_to_unknown_department_rejected():
    with pytest.raises(CommandRejected) as info:
        apply_command(case(CaseStatus.REGISTERED), command(CommandKind.DISPATCH, {"department_id": "NOPE"}),
                      ctx(Role.DISPATCHER))
    assert info.value.code == "no_such_department"


@pytest.mark.parametrize("payload, code", [
    ({"category": "E9999", "cell_code": "110101001001001", "lon": 116.41, "lat": 39.92}, "no_such_category"),
    ({"category": "E0102", "cell_code": "110101001001999", "lon": 116.41, "lat": 39.92}, "no_such_cell"),
    ({"category": "E0102", "cell_code": "110101001001001", "lon": 0.0, "lat": 0.0}, "bad_location"),
    ({"category": "E0102", "cell_code": "110101001001001"}, "bad_location"),
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


def test_command_round_trips_and_malformed_commands_fail_clearly():
    cmd = command(CommandKind.DISPATCH, {"department_id": "D-SAN"})
    assert Command.from_dict(cmd.to_dict()) == cmd
    for bad in ({}, {**cmd.to_dict(), "kind": "explode"}, {**cmd.to_dict(), "command_id": "x"},
                {**cmd.to_dict(), "issued_at": "yesterday"}, {**cmd.to_dict(), "payload": [1]}):
        with pytest.raises(MalformedCommand):
            Command.from_dict(bad)


def test_new_commands_have_unique_ids():
    ids = {command(CommandKind.CLOSE).command_id for _ in range(100)}
    assert len(ids) == 100 and all(uuid.UUID(i) for i in ids)
