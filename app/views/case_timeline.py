"""A case's timeline and notes: what happened, when, by whom, from which workstation.

``CaseTimeline`` is the table of a case's events (those still in the outbox
marked as waiting for the server); ``CaseNotes`` lists the words operators
wrote (notes, and the note given with a check or a callback) and takes a new
note.  Both are filled from the one list of events the case pane reads;
``event_detail`` words one event's particulars.  Their strings keep the
"CasePane" translation context they had as parts of the pane.

Threading: GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.views.case_times import short_time, span, stamp
from app.views.labels import action_label, callback_label, unit_label

__all__ = ["CaseNotes", "CaseTimeline", "event_detail"]

UserName = Callable[[str], str]  # username -> display name


def event_detail(kind: str, detail: dict[str, Any], departments: Mapping[str, str]) -> str:
    """One timeline line's particulars, in the operator's language."""
    parts: list[str] = []
    if detail.get("department_id"):
        to = departments.get(detail["department_id"], detail["department_id"])
        origin = detail.get("from_department")
        parts.append(f"{departments.get(origin, origin)} → {to}" if origin else f"→ {to}")
    if kind == "extend_case":
        parts.append(f"+{float(detail.get('value', 0)):g} {unit_label(str(detail.get('unit', '')))}")
    if detail.get("deadline"):
        parts.append(QCoreApplication.translate("CasePane", "due %1")
                     .replace("%1", short_time(detail["deadline"])))
    if detail.get("remaining_minutes") is not None and kind in ("return_case", "defer_case"):
        parts.append(QCoreApplication.translate("CasePane", "%1 left")
                     .replace("%1", span(float(detail["remaining_minutes"]) * 60)))
    if detail.get("result"):
        parts.append(callback_label(detail["result"]))
    if detail.get("level"):
        parts.append(QCoreApplication.translate("CasePane", "level %1").replace("%1", str(detail["level"])))
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


class CaseTimeline(QTreeWidget):
    """Time, stage, operator, workstation and particulars of each event, oldest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(5)
        self.setHeaderLabels([
            QCoreApplication.translate("CasePane", "Time"),
            QCoreApplication.translate("CasePane", "Stage"),
            QCoreApplication.translate("CasePane", "Operator"),
            QCoreApplication.translate("CasePane", "Workstation"),
            QCoreApplication.translate("CasePane", "Detail"),
        ])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        for column, width in enumerate((96, 84, 116, 76)):
            self.setColumnWidth(column, width)

    def show_events(self, events: Sequence[dict[str, Any]], user_name: UserName,
                    departments: Mapping[str, str]) -> None:
        self.clear()
        for event in events:
            detail = event_detail(event["kind"], event["detail"], departments)
            if event.get("pending"):
                detail = (detail + "  " if detail else "") \
                    + QCoreApplication.translate("CasePane", "[waiting for server]")
            item = QTreeWidgetItem([stamp(event["at"]), action_label(event["kind"]),
                                    user_name(event["operator"]), event["workstation"], detail])
            item.setToolTip(4, detail)
            self.addTopLevelItem(item)


class CaseNotes(QWidget):
    """The words in a case's events, one line each, and a field for a new note.

    The owner connects ``entry.returnPressed`` to whatever adds the note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notes = QListWidget()
        self.notes.setWordWrap(True)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(QCoreApplication.translate("CasePane", "Add a note and press Enter"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notes, 1)
        layout.addWidget(self.entry)

    def clear(self) -> None:
        self.notes.clear()

    def show_events(self, events: Sequence[dict[str, Any]], user_name: UserName) -> None:
        self.notes.clear()
        for event in events:
            words = event["detail"].get("text") or event["detail"].get("note")
            if words:
                self.notes.addItem(f"{stamp(event['at'])}  {user_name(event['operator'])}: {words}")
