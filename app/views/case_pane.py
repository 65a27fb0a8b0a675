"""The case pane: one case's details, every action on it, its timeline,
notes and attachments.

Every action has a shortcut; actions the rules forbid right now are
disabled, with the reason in the tooltip (``CaseDesk.available``).  Actions
that need words (a reason, a note) take them from the pane's reason field,
so the keyboard flow is: type the reason, press the action's shortcut.
Refusals are shown on the pane's message line, never in a modal box.

GUI thread only; it talks to ``CaseDesk`` and ``AttachmentService`` and never
to SQL or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.runtime.background import Background
from app.services.attachments import AttachmentService
from app.services.desk import CaseDesk
from app.store.replica import ChangeSummary
from app.views.labels import (
    action_label,
    callback_label,
    reason_text,
    source_label,
    status_label,
    transfer_error_text,
    unit_label,
)
from app.views.nearest_vehicles import NearestVehicles
from core.cases import CaseState, CaseStatus, CommandKind, CommandRejected
from core.sla import SlaState, seconds_left, sla_state
from core.timeutil import now_iso

SLA_COLOURS = {SlaState.NORMAL: "#2e7d32", SlaState.DUE_SOON: "#ef6c00", SlaState.OVERDUE: "#c62828"}


def _short_time(iso: str | None) -> str:
    return iso.replace("T", " ")[:16] if iso else ""


def _stamp(iso: str) -> str:
    """A timeline time: month-day hour:minute (the year is the case's)."""
    return iso.replace("T", " ")[5:16]


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = QCoreApplication.translate("CasePane", "%1 d %2 h")
        return text.replace("%1", str(days)).replace("%2", str(hours))
    if hours:
        text = QCoreApplication.translate("CasePane", "%1 h %2 min")
        return text.replace("%1", str(hours)).replace("%2", f"{mins:02d}")
    return QCoreApplication.translate("CasePane", "%1 min").replace("%1", str(mins))


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


class CasePane(QWidget):
    changed = Signal(object)  # ChangeSummary of an action taken here
    locateRequested = Signal(str)  # case_id: place it at the map centre

    def __init__(self, desk: CaseDesk, runner: Background, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.runner = runner  # transfers run on its "attachments" lane
        self.case_id: str | None = None
        self.state: CaseState | None = None
        self.attachments: AttachmentService | None = None
        self._departments: dict[str, str] = {}
        self._users: dict[str, str] = {}
        self._attachment_rows: list[dict[str, Any]] = []

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

        self.actions_by_kind: dict[CommandKind, QAction] = {}
        self.buttons: dict[CommandKind, QToolButton] = {}
        for spec in ACTIONS:
            action = QAction(action_label(spec.kind.value), self)
            action.setShortcut(QKeySequence(spec.shortcut))
            action.triggered.connect(lambda _checked=False, s=spec: self.trigger(s.kind))
            self.addAction(action)
            self.actions_by_kind[spec.kind] = action
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.buttons[spec.kind] = button
        self.attach_action = QAction(self.tr("Attach file…"), self)
        self.attach_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.attach_action.triggered.connect(self.choose_attachment)
        self.addAction(self.attach_action)
        self.locate_action = QAction(self.tr("Locate at map centre"), self)
        self.locate_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.locate_action.triggered.connect(self._locate_clicked)
        self.addAction(self.locate_action)
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

        self.timeline = QTreeWidget()
        self.timeline.setColumnCount(5)
        self.timeline.setHeaderLabels([self.tr("Time"), self.tr("Stage"), self.tr("Operator"),
                                       self.tr("Workstation"), self.tr("Detail")])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setAlternatingRowColors(True)
        for column, width in enumerate((96, 84, 116, 76)):
            self.timeline.setColumnWidth(column, width)
        self.notes = QListWidget()
        self.notes.setWordWrap(True)
        self.note_text = QLineEdit()
        self.note_text.setPlaceholderText(self.tr("Add a note and press Enter"))
        self.note_text.returnPressed.connect(self._add_note_from_tab)
        notes_tab = QWidget()
        notes_layout = QVBoxLayout(notes_tab)
        notes_layout.setContentsMargins(0, 0, 0, 0)
        notes_layout.addWidget(self.notes, 1)
        notes_layout.addWidget(self.note_text)
        self.attachment_list = QListWidget()
        self.attachment_list.itemActivated.connect(lambda _item: self.open_selected_attachment())
        self.attachment_list.currentRowChanged.connect(lambda _row: self._preview_cached())
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(120)
        add_file = QPushButton(self.tr("Attach file… (Ctrl+Shift+A)"))
        add_file.clicked.connect(self.choose_attachment)
        open_file = QPushButton(self.tr("Open"))
        open_file.clicked.connect(self.open_selected_attachment)
        files_tab = QWidget()
        files_layout = QGridLayout(files_tab)
        files_layout.setContentsMargins(0, 0, 0, 0)
        files_layout.addWidget(self.attachment_list, 0, 0, 1, 2)
        files_layout.addWidget(self.preview, 0, 2)
        files_layout.addWidget(add_file, 1, 0)
        files_layout.addWidget(open_file, 1, 1)
        files_layout.setColumnStretch(2, 1)
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
        return [*self.actions_by_kind.values(), self.attach_action, self.locate_action]

    def set_attachments(self, service: AttachmentService | None) -> None:
        self.attachments = service
        self._show_attachments()

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
            self._show_attachments()
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
        self._show_attachments()
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
            f["deadline"].setText(_short_time(state.deadline))
        elif state.remaining_minutes is not None:
            f["deadline"].setText(self.tr("clock stopped, %1 left").replace(
                "%1", _span(state.remaining_minutes * 60)))
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
                hotline += "  " + self.tr("due %1").replace("%1", _short_time(state.due_by))
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
        self.timeline.clear()
        self.notes.clear()
        for event in self.desk.store.case_events(state.case_id):
            detail = self.event_detail(event["kind"], event["detail"])
            if event.get("pending"):
                detail = (detail + "  " if detail else "") + self.tr("[waiting for server]")
            item = QTreeWidgetItem([_stamp(event["at"]), action_label(event["kind"]),
                                    self._user_name(event["operator"]), event["workstation"], detail])
            item.setToolTip(4, detail)
            self.timeline.addTopLevelItem(item)
            words = event["detail"].get("text") or event["detail"].get("note")
            if words:
                self.notes.addItem(f"{_stamp(event['at'])}  {self._user_name(event['operator'])}: {words}")

    def event_detail(self, kind: str, detail: dict[str, Any]) -> str:
        """One timeline line's particulars, in the operator's language."""
        parts: list[str] = []
        if detail.get("department_id"):
            to = self._departments.get(detail["department_id"], detail["department_id"])
            origin = detail.get("from_department")
            parts.append(f"{self._departments.get(origin, origin)} → {to}" if origin else f"→ {to}")
        if kind == "extend_case":
            parts.append(f"+{float(detail.get('value', 0)):g} {unit_label(str(detail.get('unit', '')))}")
        if detail.get("deadline"):
            parts.append(self.tr("due %1").replace("%1", _short_time(detail["deadline"])))
        if detail.get("remaining_minutes") is not None and kind in ("return_case", "defer_case"):
            parts.append(self.tr("%1 left").replace("%1", _span(float(detail["remaining_minutes"]) * 60)))
        if detail.get("result"):
            parts.append(callback_label(detail["result"]))
        if detail.get("level"):
            parts.append(self.tr("level %1").replace("%1", str(detail["level"])))
        if detail.get("ticket_id"):
            parts.append(str(detail["ticket_id"]))
        if detail.get("cell_code") and kind != "register_case":
            parts.append(str(detail["cell_code"]))
        if detail.get("filename"):
            parts.append(str(detail["filename"]))
        for key in ("reason", "text", "note"):
            if detail.get(key):
                parts.append(str(detail[key]))
        return "  ".join(parts)

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
        text = (self.tr("due in %1") if left >= 0 else self.tr("overdue by %1")).replace("%1", _span(left))
        self.countdown.setText(text)
        self.countdown.setStyleSheet(f"font-weight: bold; color: {colour};")

    def _update_actions(self) -> None:
        why = self.desk.available(self.case_id)
        for spec in ACTIONS:
            action = self.actions_by_kind[spec.kind]
            reason = why[spec.kind]
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if self.case_id is None:
                action.setEnabled(False)
                action.setToolTip(self.tr("Select a case first"))
            elif reason is not None:
                action.setEnabled(False)
                action.setToolTip(reason_text(reason.to_dict()))
            else:
                action.setEnabled(True)
                action.setToolTip(f"{action_label(spec.kind.value)} ({shortcut})")
        self.department.setEnabled(self.actions_by_kind[CommandKind.DISPATCH].isEnabled()
                                   or self.actions_by_kind[CommandKind.REDISPATCH].isEnabled())
        self.extension_value.setEnabled(self.actions_by_kind[CommandKind.EXTEND].isEnabled())
        self.extension_unit.setEnabled(self.extension_value.isEnabled())
        self.callback_result.setVisible(bool(self.state and self.state.ticket_id)
                                        or self.actions_by_kind[CommandKind.CALLBACK].isEnabled())
        can_attach = self.case_id is not None and why[CommandKind.ATTACH] is None \
            and self.attachments is not None and self.attachments.online_capable
        self.attach_action.setEnabled(can_attach)
        locate = why[CommandKind.LOCATE]
        self.locate_action.setEnabled(self.case_id is not None and locate is None)
        self.locate_action.setToolTip(reason_text(locate.to_dict()) if locate and self.case_id else "")

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
        payload: dict[str, Any]
        if kind is CommandKind.DISPATCH:
            payload = {"department_id": str(self.department.currentData() or "")}
        elif kind is CommandKind.REDISPATCH:
            payload = {"department_id": str(self.department.currentData() or ""), "reason": reason}
        elif kind is CommandKind.EXTEND:
            assert self.state is not None
            payload = {"value": self.extension_value.value(),
                       "unit": self.desk.extension_unit(self.state, str(self.extension_unit.currentData())),
                       "reason": reason}
        elif kind is CommandKind.CALLBACK:
            payload = {"result": str(self.callback_result.currentData()), "note": reason}
        elif kind is CommandKind.ADD_NOTE:
            payload = {"text": reason}
        elif kind is CommandKind.CHECK:
            payload = {"note": reason} if reason else {}
        else:
            payload = {"reason": reason} if reason else {}
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

    # ---- attachments -----------------------------------------------------------------

    def _show_attachments(self) -> None:
        self.attachment_list.clear()
        self.preview.clear()
        self._attachment_rows = []
        if self.attachments is None or self.case_id is None:
            return
        self._attachment_rows = self.attachments.for_case(self.case_id)
        for meta in self._attachment_rows:
            size = int(meta["size"])
            size_text = f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
            cached = self.attachments.cached(meta) is not None
            text = (f"{meta['filename']}  ·  {size_text}  ·  {self._user_name(meta['uploaded_by'])}  ·  "
                    f"{_short_time(meta['uploaded_at'])}")
            if not cached:
                text += "  " + self.tr("(on the server)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, meta["attachment_id"])
            self.attachment_list.addItem(item)
        self.tabs.setTabText(2, self.tr("Attachments (%1)").replace("%1", str(len(self._attachment_rows))))
        if self._attachment_rows and self.attachment_list.currentRow() < 0:
            self.attachment_list.setCurrentRow(0)

    def _selected_attachment(self) -> dict[str, Any] | None:
        row = self.attachment_list.currentRow()
        return self._attachment_rows[row] if 0 <= row < len(self._attachment_rows) else None

    def _preview_cached(self) -> None:
        meta = self._selected_attachment()
        path = self.attachments.cached(meta) if (self.attachments and meta) else None
        self._show_preview(meta, path)

    def _show_preview(self, meta: dict[str, Any] | None, path: Path | None) -> None:
        if meta is None or path is None or not str(meta["content_type"]).startswith("image/"):
            self.preview.clear()
            return
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            self.preview.setText(self.tr("Cannot show this picture"))
            return
        self.preview.setPixmap(pixmap.scaled(260, 180, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))

    def open_selected_attachment(self) -> None:
        """Fetch the selected file (from the cache, else the server) and show it."""
        meta = self._selected_attachment()
        if meta is None or self.attachments is None:
            return
        case_id, service = self.case_id, self.attachments
        self.say(self.tr("Fetching %1…").replace("%1", str(meta["filename"])))

        def done(path: Path) -> None:
            if self.case_id != case_id:
                return
            self.say(self.tr("%1 is here").replace("%1", str(meta["filename"])))
            self._show_attachments()
            if str(meta["content_type"]).startswith("image/"):
                self._show_preview(meta, path)
            else:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        cached = self.attachments.cached(meta)
        if cached is not None:
            done(cached)
            return
        self.runner.query(lambda: service.fetch_blocking(meta), done, lane="attachments", store=False,
                          title=self.tr("Fetching an attachment"), on_failure=self._transfer_failed,
                          owner=self)

    def choose_attachment(self) -> None:
        if self.case_id is None or not self.attach_action.isEnabled():
            return
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Attach a photo or document"), "",
            self.tr("Photos and documents (*.jpg *.jpeg *.png *.webp *.pdf)"))
        if path:
            self.attach(Path(path))

    def attach(self, path: Path) -> None:
        """Send ``path`` to the server as an attachment of the shown case."""
        if self.case_id is None or self.attachments is None:
            return
        self.say(self.tr("Sending %1…").replace("%1", path.name))

        def done(meta: dict[str, Any]) -> None:
            self.say(self.tr("%1 attached").replace("%1", str(meta.get("filename", path.name))))

        service, case_id = self.attachments, self.case_id
        # Said in the pane (its one failure path): the operator is looking there.
        self.runner.query(lambda: service.upload_blocking(case_id, path), done, lane="attachments", store=False,
                          title=self.tr("Sending an attachment"), on_failure=self._transfer_failed,
                          owner=self)

    def _transfer_failed(self, exc: BaseException) -> None:
        code = getattr(exc, "code", "unreachable")
        self.say(transfer_error_text(str(code), str(getattr(exc, "message", exc))), error=True)
