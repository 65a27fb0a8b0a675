"""The case pane: one case's details, every action on it, its timeline,
notes and attachments.

Every action has a shortcut; actions the rules forbid right now are
disabled, with the reason in the tooltip (``CaseDesk.available``).  Actions
that need words (a reason, a note) take them from the pane's reason field,
so the keyboard flow is: type the reason, press the action's shortcut.
Refusals are shown on the pane's message line, never in a modal box.

The pane is put together from its parts, one thing per file:
case_actions.py (the QActions with their shortcuts, what each command
sends), case_timeline.py (the timeline and notes tabs),
case_attachments.py (the attachments tab), case_times.py (how times are
written); nearest_vehicles.py is the fourth tab.  This module holds the
case's header and fields, the inputs the actions read, and what happens
when an action is taken.

Threading: GUI thread only; it talks to ``CaseDesk`` and ``AttachmentService``
and never to SQL or HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.runtime.background import Background
from app.services.attachments import AttachmentService
from app.services.desk import CaseDesk
from app.store.replica import ChangeSummary
from app.views.case_actions import ACTIONS, CaseActions, command_payload
from app.views.case_attachments import CaseAttachments
from app.views.case_timeline import CaseNotes, CaseTimeline, event_detail
from app.views.case_times import short_time, span
from app.views.labels import (
    action_label,
    callback_label,
    reason_text,
    source_label,
    status_label,
    unit_label,
)
from app.views.nearest_vehicles import NearestVehicles
from core.cases import CaseState, CaseStatus, CommandKind, CommandRejected
from core.sla import SlaState, seconds_left, sla_state
from core.timeutil import now_iso

SLA_COLOURS = {SlaState.NORMAL: "#2e7d32", SlaState.DUE_SOON: "#ef6c00", SlaState.OVERDUE: "#c62828"}


class CasePane(QWidget):
    changed = Signal(object)  # ChangeSummary of an action taken here
    locateRequested = Signal(str)  # case_id: place it at the map centre

    def __init__(self, desk: CaseDesk, runner: Background, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner  # the attachments tab runs its transfers on it
        self.desk = desk
        self.case_id: str | None = None
        self.state: CaseState | None = None
        self.attachments: AttachmentService | None = None
        self._departments: dict[str, str] = {}
        self._users: dict[str, str] = {}

        self.title = QLabel(self.tr("No case selected"))
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.countdown = QLabel()
        self.countdown.setStyleSheet("font-weight: bold;")
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.countdown)

        self.fields: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        layout_fields = (
            ("status", self.tr("Status")), ("category", self.tr("Category")),
            ("department", self.tr("Department")), ("deadline", self.tr("Deadline")),
            ("cell", self.tr("Cell")), ("source", self.tr("Source")),
            ("numbers", self.tr("Numbers")), ("counters", self.tr("Extensions / rework")),
            ("address", self.tr("Address")), ("hotline", self.tr("Hotline")),
            ("description", self.tr("Description")),
        )
        for i, (key, label) in enumerate(layout_fields):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            row, col = divmod(i, 2)
            if key == "description":
                grid.addWidget(QLabel(label), row, 0)
                grid.addWidget(value, row, 1, 1, 3)
            else:
                grid.addWidget(QLabel(label), row, col * 2)
                grid.addWidget(value, row, col * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        # Inputs the actions read.
        self.department = QComboBox()
        self.department.setMinimumWidth(150)
        self.suggestion = QLabel()
        self.suggestion.setStyleSheet("color: #555;")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Reason or note for the next action"))
        self.reason.setClearButtonEnabled(True)
        self.extension_value = QDoubleSpinBox()
        self.extension_value.setRange(0.5, 240)
        self.extension_value.setSingleStep(0.5)
        self.extension_value.setValue(2)
        self.extension_unit = QComboBox()
        for unit in ("work_hours", "work_days", "hours"):
            self.extension_unit.addItem(unit_label(unit), unit)
        self.callback_result = QComboBox()
        for result in ("satisfied", "unsatisfied", "unreachable"):
            self.callback_result.addItem(callback_label(result), result)

        self.command_actions = CaseActions(self, self.trigger, self.choose_attachment, self._locate_clicked)
        self.actions_by_kind = self.command_actions.by_kind
        self.buttons = self.command_actions.buttons
        self.attach_action = self.command_actions.attach
        self.locate_action = self.command_actions.locate
        self.dispatch_button = self.buttons[CommandKind.DISPATCH]
        self.close_button = self.buttons[CommandKind.CLOSE]

        dispatch_row = QHBoxLayout()
        dispatch_row.addWidget(self.department, 1)
        dispatch_row.addWidget(self.buttons[CommandKind.DISPATCH])
        dispatch_row.addWidget(self.buttons[CommandKind.REDISPATCH])
        dispatch_row.addWidget(self.suggestion, 1)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.reason, 3)
        reason_row.addWidget(self.extension_value)
        reason_row.addWidget(self.extension_unit)
        reason_row.addWidget(self.callback_result)
        buttons = QGridLayout()
        buttons.setSpacing(3)
        others = [s.kind for s in ACTIONS if s.kind not in (CommandKind.DISPATCH, CommandKind.REDISPATCH)]
        for i, kind in enumerate(others):
            buttons.addWidget(self.buttons[kind], i // 8, i % 8)
        self.message = QLabel()
        self.message.setWordWrap(True)

        self.timeline = CaseTimeline()
        notes_tab = CaseNotes()
        self.notes_tab = notes_tab
        self.notes = notes_tab.notes
        self.note_text = notes_tab.entry
        self.note_text.returnPressed.connect(self._add_note_from_tab)
        files_tab = CaseAttachments(self._user_name, self.say, runner)
        files_tab.attachRequested.connect(self.choose_attachment)
        files_tab.countChanged.connect(self._attachment_count)
        self.files = files_tab
        self.attachment_list = files_tab.attachment_list
        self.preview = files_tab.preview
        self.tabs = QTabWidget()
        self.tabs.addTab(self.timeline, self.tr("Timeline"))
        self.tabs.addTab(notes_tab, self.tr("Notes"))
        self.tabs.addTab(files_tab, self.tr("Attachments"))

        # The pane scrolls rather than squeezing the queue above it.
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(head)
        layout.addLayout(grid)
        layout.addLayout(dispatch_row)
        layout.addLayout(reason_row)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.nearest = NearestVehicles(desk.store)  # app/views/nearest_vehicles.py
        # In a tab of its own, so that the queue above the pane keeps its rows.
        self.tabs.addTab(self.nearest, self.tr("Nearest vehicles"))
        layout.addWidget(self.tabs, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._show_countdown)
        self._clock.start()
        self.reload_departments()
        self.show_case(None)

    # ---- what the main window calls -------------------------------------------------

    @property
    def case_actions(self) -> list[QAction]:
        """Every action with its shortcut, for the main window's menu."""
        return self.command_actions.all()

    def set_attachments(self, service: AttachmentService | None) -> None:
        self.attachments = service
        self.files.set_service(service)

    def follow_change(self, summary: ChangeSummary, _initiator: object = None) -> None:
        """Subscribed to the change bus: the department list follows the feed
        (the shown case is re-read by the main window, which owns the selection)."""
        if "department" in summary.entities:
            self.reload_departments()

    def reload_departments(self) -> None:
        current = self.department.currentData()
        self.department.clear()
        self._departments = {}
        for dept in self.desk.store.departments():
            self._departments[dept["department_id"]] = dept["name"]
            self.department.addItem(dept["name"], dept["department_id"])
        if current:
            self.department.setCurrentIndex(max(0, self.department.findData(current)))

    def show_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        state = self.desk.store.case(case_id) if case_id else None
        self.state = state
        self.nearest.show_case(state)
        if state is None:
            self.case_id = None
            self.title.setText(self.tr("No case selected"))
            for value in self.fields.values():
                value.clear()
            self.timeline.clear()
            self.notes.clear()
            self.suggestion.clear()
            self.files.show_case(None)
            self._show_countdown()
            self._update_actions()
            return
        pending = self.desk.store.case_pending(state.case_id)
        title = state.display_number
        if pending:
            title += "  " + self.tr("(%n command(s) waiting for the server)", "", pending)
        self.title.setText(title)
        self._show_fields(state)
        suggested = self.desk.store.suggested_department(state.category, state.cell_code)
        if suggested and state.status in (CaseStatus.REGISTERED, CaseStatus.RETURNED) \
                and suggested != state.department_id:
            self.department.setCurrentIndex(max(0, self.department.findData(suggested)))
        elif state.department_id:
            self.department.setCurrentIndex(max(0, self.department.findData(state.department_id)))
        self.suggestion.setText(self.tr("Suggested: %1").replace(
            "%1", self._departments.get(suggested, suggested)) if suggested else "")
        self._show_timeline(state)
        self.files.show_case(self.case_id)
        self._show_countdown()
        self._update_actions()

    # ---- showing -----------------------------------------------------------------------

    def _show_fields(self, state: CaseState) -> None:
        category = self.desk.store.categories.get(state.category)
        f = self.fields
        f["status"].setText(status_label(state.status.value))
        if category:
            f["category"].setText(f"{category.name} ({category.code}) · "
                                  f"{category.limit.value:g} {unit_label(category.limit.unit.value)}")
        else:
            f["category"].setText(state.category or self.tr("not classified yet"))
        f["cell"].setText(state.cell_code or self.tr("not located yet"))
        f["address"].setText(state.address)
        f["description"].setText(state.description)
        f["source"].setText(source_label(state.source.value))
        f["department"].setText(self._departments.get(state.department_id or "", state.department_id or ""))
        if state.deadline:
            f["deadline"].setText(short_time(state.deadline))
        elif state.remaining_minutes is not None:
            f["deadline"].setText(self.tr("clock stopped, %1 left").replace(
                "%1", span(state.remaining_minutes * 60)))
        else:
            f["deadline"].setText("")
        f["numbers"].setText(" / ".join(n for n in (state.number, state.provisional_number) if n))
        counters = self.tr("%1 extension(s), %2 rework(s)").replace("%1", str(state.extension_count)) \
            .replace("%2", str(state.rework_count))
        if state.escalation_level:
            counters += "  " + self.tr("escalated ×%1").replace("%1", str(state.escalation_level))
        f["counters"].setText(counters)
        if state.ticket_id:
            hotline = f"{state.ticket_id} · {state.caller or ''} {state.caller_phone or ''}".strip()
            if state.due_by:
                hotline += "  " + self.tr("due %1").replace("%1", short_time(state.due_by))
            if state.callback_result:
                hotline += "  " + callback_label(state.callback_result)
            f["hotline"].setText(hotline)
        else:
            f["hotline"].setText("")

    def _user_name(self, username: str) -> str:
        if username not in self._users:
            user = self.desk.store.user(username)
            self._users[username] = str(user["display_name"]) if user else username
        return self._users[username]

    def _show_timeline(self, state: CaseState) -> None:
        # One read of the events fills both tabs.
        events = list(self.desk.store.case_events(state.case_id))
        self.timeline.show_events(events, self._user_name, self._departments)
        self.notes_tab.show_events(events, self._user_name)

    def event_detail(self, kind: str, detail: dict[str, Any]) -> str:
        """One timeline line's particulars, in the operator's language."""
        return event_detail(kind, detail, self._departments)

    def _show_countdown(self) -> None:
        state = self.state
        if state is None or state.status not in (CaseStatus.DISPATCHED, CaseStatus.HANDLED,
                                                 CaseStatus.CHECKED, CaseStatus.RETURNED,
                                                 CaseStatus.DEFERRED):
            self.countdown.clear()
            return
        if not state.deadline:
            if state.remaining_minutes is not None:
                self.countdown.setText(self.tr("clock stopped"))
                self.countdown.setStyleSheet("font-weight: bold; color: #555;")
            return
        now = now_iso()
        left = seconds_left(state.deadline, now) or 0.0
        colour = SLA_COLOURS[sla_state(state.deadline, now)]
        text = (self.tr("due in %1") if left >= 0 else self.tr("overdue by %1")).replace("%1", span(left))
        self.countdown.setText(text)
        self.countdown.setStyleSheet(f"font-weight: bold; color: {colour};")

    def _update_actions(self) -> None:
        why = self.desk.available(self.case_id)
        can_attach = self.case_id is not None and why[CommandKind.ATTACH] is None \
            and self.attachments is not None and self.attachments.online_capable
        self.command_actions.refresh(self.case_id, why, can_attach)
        self.department.setEnabled(self.actions_by_kind[CommandKind.DISPATCH].isEnabled()
                                   or self.actions_by_kind[CommandKind.REDISPATCH].isEnabled())
        self.extension_value.setEnabled(self.actions_by_kind[CommandKind.EXTEND].isEnabled())
        self.extension_unit.setEnabled(self.extension_value.isEnabled())
        self.callback_result.setVisible(bool(self.state and self.state.ticket_id)
                                        or self.actions_by_kind[CommandKind.CALLBACK].isEnabled())

    # ---- doing -----------------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")

    def trigger(self, kind: CommandKind) -> ChangeSummary | None:
        """Do ``kind`` on the shown case with the pane's inputs."""
        if self.case_id is None:
            self.say(self.tr("Select a case first"), error=True)
            return None
        case_id = self.case_id
        reason = self.reason.text().strip()
        extension = None
        if kind is CommandKind.EXTEND:
            assert self.state is not None
            extension = (self.extension_value.value(),
                         self.desk.extension_unit(self.state, str(self.extension_unit.currentData())))
        payload = command_payload(kind, reason, str(self.department.currentData() or ""),
                                  extension, str(self.callback_result.currentData()))
        try:
            summary = self.desk.act(kind, case_id, payload)
        except CommandRejected as exc:
            self.say(reason_text(exc.to_dict()), error=True)
            if exc.code in ("reason_required", "empty_note"):
                self.reason.setFocus()
            return None
        self.reason.clear()
        self.say(self.tr("%1: done").replace("%1", action_label(kind.value)))
        self.changed.emit(summary)
        self.show_case(case_id)
        return summary

    def _add_note_from_tab(self) -> None:
        text = self.note_text.text().strip()
        if not text or self.case_id is None:
            return
        try:
            summary = self.desk.add_note(self.case_id, text)
        except CommandRejected as exc:
            self.say(reason_text(exc.to_dict()), error=True)
            return
        self.note_text.clear()
        self.changed.emit(summary)
        self.show_case(self.case_id)

    def _locate_clicked(self) -> None:
        if self.case_id:
            self.locateRequested.emit(self.case_id)

    # ---- attachments (app/views/case_attachments.py) ------------------------------------

    def _attachment_count(self, count: int) -> None:
        self.tabs.setTabText(self.tabs.indexOf(self.files),
                             self.tr("Attachments (%1)").replace("%1", str(count)))

    def open_selected_attachment(self) -> None:
        """Fetch the selected file (from the cache, else the server) and show it."""
        self.files.open_selected()

    def choose_attachment(self) -> None:
        if self.case_id is None or not self.attach_action.isEnabled():
            return
        self.files.choose(self)

    def attach(self, path: Path) -> None:
        """Send ``path`` to the server as an attachment of the shown case."""
        self.files.attach(path)
