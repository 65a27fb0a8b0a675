"""The case pane: one case's details, its timeline, and the actions on it.

Actions the rules forbid right now are disabled, with the reason in the
tooltip.  GUI thread only; it talks to ``CaseDesk`` and never to SQL or HTTP.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.desk import CaseDesk
from app.views.labels import action_label, reason_text, source_label, status_label
from core.cases import CommandKind


def _short_time(iso: str | None) -> str:
    return iso.replace("T", " ")[:16] if iso else ""


class CasePane(QWidget):
    dispatchRequested = Signal(str, str)  # case_id, department_id
    closeRequested = Signal(str)

    def __init__(self, desk: CaseDesk, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.case_id: str | None = None
        self.title = QLabel(self.tr("No case selected"))
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label in (("status", self.tr("Status")), ("category", self.tr("Category")),
                           ("cell", self.tr("Cell")), ("address", self.tr("Address")),
                           ("description", self.tr("Description")), ("source", self.tr("Source")),
                           ("department", self.tr("Department")), ("deadline", self.tr("Deadline")),
                           ("numbers", self.tr("Numbers"))):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(label, value)
        self.department = QComboBox()
        self.department.setMinimumWidth(160)
        self.dispatch_button = QPushButton(self.tr("Dispatch (Ctrl+D)"))
        self.close_button = QPushButton(self.tr("Close case (Ctrl+K)"))
        actions = QHBoxLayout()
        actions.addWidget(self.department, 1)
        actions.addWidget(self.dispatch_button)
        actions.addWidget(self.close_button)
        self.timeline = QListWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(QLabel(self.tr("Timeline")))
        layout.addWidget(self.timeline, 1)
        self.dispatch_button.clicked.connect(self._dispatch_clicked)
        self.close_button.clicked.connect(self._close_clicked)
        self._departments: dict[str, str] = {}
        self.reload_departments()
        self.show_case(None)

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
        if state is None:
            self.case_id = None
            self.title.setText(self.tr("No case selected"))
            for value in self.fields.values():
                value.clear()
            self.timeline.clear()
            self._update_actions()
            return
        pending = self.desk.store.case_pending(state.case_id)
        title = state.display_number
        if pending:
            title += "  " + self.tr("(%n command(s) waiting for the server)", "", pending)
        self.title.setText(title)
        category = self.desk.store.categories.get(state.category)
        self.fields["status"].setText(status_label(state.status.value))
        self.fields["category"].setText(f"{category.name} ({category.code})" if category else state.category)
        self.fields["cell"].setText(state.cell_code)
        self.fields["address"].setText(state.address)
        self.fields["description"].setText(state.description)
        self.fields["source"].setText(source_label(state.source.value))
        self.fields["department"].setText(self._departments.get(state.department_id or "", ""))
        self.fields["deadline"].setText(_short_time(state.deadline))
        numbers = [n for n in (state.number, state.provisional_number) if n]
        self.fields["numbers"].setText(" / ".join(numbers))
        suggested = self.desk.store.suggested_department(state.category, state.cell_code)
        if suggested and state.department_id is None:
            self.department.setCurrentIndex(max(0, self.department.findData(suggested)))
        elif state.department_id:
            self.department.setCurrentIndex(max(0, self.department.findData(state.department_id)))
        self.timeline.clear()
        for event in self.desk.store.case_events(state.case_id):
            text = f"{_short_time(event['at'])}  {action_label(event['kind'])}  {event['operator']} @ {event['workstation']}"
            detail = event["detail"]
            if detail.get("department_id"):
                text += "  → " + self._departments.get(detail["department_id"], detail["department_id"])
            if detail.get("text"):
                text += "  " + detail["text"]
            if event.get("pending"):
                text += "  " + self.tr("[waiting for server]")
            self.timeline.addItem(text)
        self._update_actions()

    def _update_actions(self) -> None:
        for button, kind in ((self.dispatch_button, CommandKind.DISPATCH),
                             (self.close_button, CommandKind.CLOSE)):
            if self.case_id is None:
                button.setEnabled(False)
                button.setToolTip(self.tr("Select a case first"))
                continue
            why = self.desk.why_not(kind, self.case_id)
            button.setEnabled(why is None)
            button.setToolTip(reason_text(why.to_dict()) if why else "")
        self.department.setEnabled(self.dispatch_button.isEnabled())

    def _dispatch_clicked(self) -> None:
        if self.case_id and self.department.currentData():
            self.dispatchRequested.emit(self.case_id, self.department.currentData())

    def _close_clicked(self) -> None:
        if self.case_id:
            self.closeRequested.emit(self.case_id)
