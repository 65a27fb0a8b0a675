"""The case pane's actions: what each command sends, and one shortcut each."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence

from app.views.case_actions import ACTIONS, command_payload
from core.cases import CommandKind


def test_each_command_sends_the_inputs_it_needs_and_nothing_else():
    assert command_payload(CommandKind.DISPATCH, "ignored", "roads") == {"department_id": "roads"}
    assert command_payload(CommandKind.REDISPATCH, "wrong desk", "parks") == \
        {"department_id": "parks", "reason": "wrong desk"}
    assert command_payload(CommandKind.EXTEND, "rain", extension=(2.0, "work_days")) == \
        {"value": 2.0, "unit": "work_days", "reason": "rain"}
    assert command_payload(CommandKind.CALLBACK, "thanked us", callback_result="satisfied") == \
        {"result": "satisfied", "note": "thanked us"}
    assert command_payload(CommandKind.ADD_NOTE, "") == {"text": ""}  # the desk refuses an empty note
    assert command_payload(CommandKind.CHECK, "") == {}
    assert command_payload(CommandKind.CHECK, "looks clean") == {"note": "looks clean"}
    assert command_payload(CommandKind.CANCEL, "") == {}
    assert command_payload(CommandKind.CANCEL, "duplicate") == {"reason": "duplicate"}


def test_extend_without_a_value_is_refused():
    with pytest.raises(ValueError):
        command_payload(CommandKind.EXTEND, "rain")


def test_every_action_has_its_own_shortcut():
    keys = [QKeySequence(spec.shortcut).toString() for spec in ACTIONS]
    assert all(keys) and len(set(keys)) == len(keys)
    # The pane's two extra actions (attach, locate) are not taken by a command.
    assert not {"Ctrl+Shift+A", "Ctrl+Shift+L"} & set(keys)
    assert len({spec.kind for spec in ACTIONS}) == len(ACTIONS)
