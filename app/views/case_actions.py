"""The case pane's actions: one QAction per command, with its shortcut, and what each sends.

``ACTIONS`` lists the commands in the order of the pane's buttons, with
their shortcuts and the input each needs.  ``CaseActions`` builds the
QActions (added to the pane, so their shortcuts work wherever the pane's
window has focus, and listed in the main window's menu) and their buttons,
and enables each one or disables it with the rules' reason in the tooltip
(``CaseDesk.available``).  ``command_payload`` is what a command sends,
made from the pane's inputs: Qt-free.  The actions' words keep the
"CasePane" translation context they had inside the pane.

Threading: GUI thread only (``command_payload``: any thread).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton, QWidget

from app.views.labels import action_label, reason_text
from core.cases import CommandKind

__all__ = ["ACTIONS", "ActionSpec", "CaseActions", "command_payload"]


@dataclass(frozen=True)
class ActionSpec:
    kind: CommandKind
    shortcut: str
    needs: str = ""  # "reason", "department", "extension", "callback", "note"


# The pane's actions, in the order of its buttons.  Dispatch and close keep
# the shortcuts they had; the rest follow "Ctrl+letter for the daily ones".
ACTIONS = (
    ActionSpec(CommandKind.DISPATCH, "Ctrl+D", "department"),
    ActionSpec(CommandKind.REDISPATCH, "Ctrl+Shift+D", "department"),
    ActionSpec(CommandKind.VERIFY, "Ctrl+Shift+V"),
    ActionSpec(CommandKind.REGISTER, "Ctrl+Shift+N"),
    ActionSpec(CommandKind.CANCEL, "Ctrl+Shift+X", "reason"),
    ActionSpec(CommandKind.RETURN, "Ctrl+R", "reason"),
    ActionSpec(CommandKind.REJECT_RETURN, "Ctrl+Shift+R", "reason"),
    ActionSpec(CommandKind.REPORT_HANDLED, "Ctrl+H"),
    ActionSpec(CommandKind.CHECK, "Ctrl+J", "note"),
    ActionSpec(CommandKind.REWORK, "Ctrl+Shift+J", "reason"),
    ActionSpec(CommandKind.CLOSE, "Ctrl+K"),
    ActionSpec(CommandKind.CALLBACK, "Ctrl+B", "callback"),
    ActionSpec(CommandKind.EXTEND, "Ctrl+E", "extension"),
    ActionSpec(CommandKind.DEFER, "Ctrl+Shift+F", "reason"),
    ActionSpec(CommandKind.RESUME, "Ctrl+Shift+G"),
    ActionSpec(CommandKind.ESCALATE, "Ctrl+U", "note"),
    ActionSpec(CommandKind.ADD_NOTE, "Ctrl+M", "note"),
)


def command_payload(kind: CommandKind, reason: str, department_id: str = "",
                    extension: tuple[float, str] | None = None,
                    callback_result: str = "") -> dict[str, Any]:
    """What ``kind`` sends, from the pane's inputs.  ``reason`` is the reason
    field's stripped text (a note for the commands that take one);
    ``extension`` is (value, unit) for EXTEND."""
    if kind is CommandKind.DISPATCH:
        return {"department_id": department_id}
    if kind is CommandKind.REDISPATCH:
        return {"department_id": department_id, "reason": reason}
    if kind is CommandKind.EXTEND:
        if extension is None:
            raise ValueError("extend needs a value and a unit")
        value, unit = extension
        return {"value": value, "unit": unit, "reason": reason}
    if kind is CommandKind.CALLBACK:
        return {"result": callback_result, "note": reason}
    if kind is CommandKind.ADD_NOTE:
        return {"text": reason}
    if kind is CommandKind.CHECK:
        return {"note": reason} if reason else {}
    return {"reason": reason} if reason else {}


class CaseActions:
    """The QActions and buttons of every case command, plus "Attach file…" and
    "Locate at map centre", owned by ``owner`` (the pane)."""

    def __init__(self, owner: QWidget, trigger: Callable[[CommandKind], object],
                 attach: Callable[[], None], locate: Callable[[], None]) -> None:
        self.by_kind: dict[CommandKind, QAction] = {}
        self.buttons: dict[CommandKind, QToolButton] = {}
        for spec in ACTIONS:
            action = QAction(action_label(spec.kind.value), owner)
            action.setShortcut(QKeySequence(spec.shortcut))
            action.triggered.connect(lambda _checked=False, s=spec: trigger(s.kind))
            owner.addAction(action)
            self.by_kind[spec.kind] = action
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.buttons[spec.kind] = button
        self.attach = QAction(QCoreApplication.translate("CasePane", "Attach file…"), owner)
        self.attach.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.attach.triggered.connect(attach)
        owner.addAction(self.attach)
        self.locate = QAction(QCoreApplication.translate("CasePane", "Locate at map centre"), owner)
        self.locate.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.locate.triggered.connect(locate)
        owner.addAction(self.locate)

    def all(self) -> list[QAction]:
        """Every action with its shortcut, for the main window's menu."""
        return [*self.by_kind.values(), self.attach, self.locate]

    def refresh(self, case_id: str | None, why: Mapping[CommandKind, Any], can_attach: bool) -> None:
        """Enable what the rules allow on ``case_id`` now; ``why[kind]`` is the
        refusal (None: allowed), shown as the disabled action's tooltip."""
        for spec in ACTIONS:
            action = self.by_kind[spec.kind]
            reason = why[spec.kind]
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if case_id is None:
                action.setEnabled(False)
                action.setToolTip(QCoreApplication.translate("CasePane", "Select a case first"))
            elif reason is not None:
                action.setEnabled(False)
                action.setToolTip(reason_text(reason.to_dict()))
            else:
                action.setEnabled(True)
                action.setToolTip(f"{action_label(spec.kind.value)} ({shortcut})")
        self.attach.setEnabled(can_attach)
        locate = why[CommandKind.LOCATE]
        self.locate.setEnabled(case_id is not None and locate is None)
        self.locate.setToolTip(reason_text(locate.to_dict()) if locate and case_id else "")
