"""The alarm queue: every vehicle alarm waits here until a person
acknowledges it with a note; a sound plays when a new one arrives.

The rows are the server's (the change feed brings them to every
workstation); an acknowledgement made here shows as "sent" until the
centre confirms it.  GUI thread only; reads and writes go through
``app.store.vehicles.VehicleStore``, never SQL here.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.store.vehicles import AlarmAckError, VehicleStore
from app.views.labels import error_text
from app.views.modal import open_modal
from app.views.tables import list_table

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex
SEVERITY_COLOURS = {"critical": "#c62828", "major": "#ef6c00", "minor": "#f9a825"}


def _short(iso: str | None) -> str:
    return iso.replace("T", " ")[5:19] if iso else ""


class AlarmTexts(QObject):
    """Operator-facing names of alarm kinds, severities and states."""

    def kind(self, kind: str) -> str:
        return {
            "emergency": self.tr("Emergency button"),
            "overspeed": self.tr("Overspeed"),
            "fatigue": self.tr("Fatigue driving"),
            "danger_warning": self.tr("Danger warning"),
            "driving_overtime": self.tr("Driving time exceeded"),
            "terminal_parking": self.tr("Parked too long (terminal)"),
            "terminal_area": self.tr("Area in/out (terminal)"),
            "terminal_route": self.tr("Route in/out (terminal)"),
            "route_deviation": self.tr("Route deviation (terminal)"),
            "stolen": self.tr("Vehicle stolen"),
            "illegal_ignition": self.tr("Illegal ignition"),
            "illegal_displacement": self.tr("Illegal displacement"),
            "collision": self.tr("Collision"),
            "illegal_door": self.tr("Door opened illegally"),
            "corridor_exit": self.tr("Left its approved route"),
            "forbidden_area": self.tr("Entered a forbidden area"),
            "parking_overtime": self.tr("Parked longer than allowed"),
        }.get(kind, kind)

    def severity(self, severity: str) -> str:
        return {"critical": self.tr("Critical"), "major": self.tr("Major"),
                "minor": self.tr("Minor")}.get(severity, severity)

    def detail(self, row: dict[str, Any]) -> str:
        d = row.get("detail") or {}
        parts = []
        if d.get("name"):
            parts.append(str(d["name"]))
        if "distance_m" in d:
            parts.append(self.tr("%1 m off the route").replace("%1", f"{d['distance_m']:.0f}"))
        if "minutes" in d:
            parts.append(self.tr("parked %1 min (limit %2)").replace("%1", f"{d['minutes']:.0f}")
                         .replace("%2", f"{d.get('max_minutes', 0):.0f}"))
        if d.get("late"):
            parts.append(self.tr("reported late (back-filled)"))
        return " · ".join(parts)

    def state(self, row: dict[str, Any]) -> str:
        if row.get("acknowledged_at"):
            return self.tr("Acknowledged by %1 at %2: %3").replace(
                "%1", str(row.get("acknowledged_by") or "")).replace(
                "%2", _short(row.get("acknowledged_at"))).replace("%3", str(row.get("ack_note") or ""))
        if row.get("local_state") == "pending":
            return self.tr("Acknowledged here, sending to the centre…")
        if row.get("local_state") == "sent":
            return self.tr("Acknowledged, waiting for the centre's confirmation")
        if row.get("local_state") == "refused":
            return self.tr("The centre refused the acknowledgement: %1").replace(
                "%1", str(row.get("local_result") or ""))
        return self.tr("Waiting for a person") if row.get("ended_at") else \
            self.tr("Waiting for a person · still on")


class AlarmModel(QAbstractTableModel):
    """The waiting alarms (at most a few hundred, newest first): a plain list."""

    COLUMNS = ("severity", "raised", "vehicle", "kind", "detail", "state")

    def __init__(self, vehicles: VehicleStore, parent: QObject | None = None):
        super().__init__(parent)
        self.vehicles = vehicles
        self.texts = AlarmTexts(self)
        self.rows: list[dict[str, Any]] = []
        self.waiting_only = True

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = self.vehicles.alarms(waiting_only=self.waiting_only)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return (self.tr("Level"), self.tr("Raised"), self.tr("Vehicle"), self.tr("Alarm"),
                self.tr("Detail"), self.tr("State"))[section]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "severity":
                return self.texts.severity(row["severity"])
            if column == "raised":
                return _short(row["raised_at"])
            if column == "vehicle":
                return row.get("plate") or row["vehicle_id"]
            if column == "kind":
                return self.texts.kind(row["kind"])
            if column == "detail":
                return self.texts.detail(row)
            return self.texts.state(row)
        if role == Qt.ItemDataRole.ForegroundRole and column == "severity":
            return QColor(SEVERITY_COLOURS.get(row["severity"], "#333333"))
        if role == Qt.ItemDataRole.UserRole:
            return row["alarm_id"]
        return None

    def row_of(self, alarm_id: str) -> int:
        for n, row in enumerate(self.rows):
            if row["alarm_id"] == alarm_id:
                return n
        return -1


class AlarmSound:
    """A short sound for a new alarm.  QtMultimedia is not part of
    PySide6-Essentials; without it (or without any audio device) the
    desktop's beep is used, and a machine with no sound at all stays quiet
    without error."""

    def __init__(self) -> None:
        self.played = 0
        self._effect: Any = None
        try:  # pragma: no cover - depends on the installed PySide6 add-ons
            from PySide6.QtMultimedia import QSoundEffect  # type: ignore[attr-defined]

            self._effect = QSoundEffect()
        except Exception:
            self._effect = None

    def play(self) -> None:
        self.played += 1
        try:
            if self._effect is not None and self._effect.source().isValid():
                self._effect.play()
            else:
                QApplication.beep()
        except Exception as exc:  # no audio must never break the alarm queue
            log.debug("alarm sound failed: %s", exc)


class AckDialog(QDialog):
    """Asks what was done; refuses an empty note."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Acknowledge alarm"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(title))
        layout.addWidget(QLabel(self.tr("What was done? (required)")))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(self.tr("e.g. called the driver; the route was closed"))
        layout.addWidget(self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.note.textChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.note.toPlainText().strip()))

    def text(self) -> str:
        return self.note.toPlainText().strip()


class AlarmPanel(QWidget):
    """``vehicleRequested(vehicle_id)``: show this vehicle (map, track)."""

    vehicleRequested = Signal(str)
    acknowledged = Signal(object)  # ChangeSummary of an acknowledgement made here

    def __init__(self, vehicles: VehicleStore, operator: str, workstation: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.vehicles = vehicles
        self.operator = operator
        self.workstation = workstation
        self.ack_dialog: AckDialog | None = None  # the last note dialog opened (window-modal)
        self.model = AlarmModel(vehicles, self)
        self.sound = AlarmSound()
        self._known: set[str] | None = None
        self._waiting = 0
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.table = list_table(self.model, (52, 100, 90, 150, 160))
        self.ack_button = QPushButton(self.tr("Acknowledge…"))
        self.show_button = QPushButton(self.tr("Show vehicle"))
        self.history = QCheckBox(self.tr("Show acknowledged"))
        self.message = QLabel()
        self.message.setStyleSheet("color: #c62828;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.history)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.show_button.clicked.connect(self._show_selected)
        self.table.doubleClicked.connect(lambda _i: self._show_selected())
        self.history.toggled.connect(self._history_toggled)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.refresh()

    # ---- refreshing ---------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the queue; play the sound if alarms arrived that this
        session has not seen (including, at start, ones raised while the
        workstation was closed)."""
        selected = self.selected_alarm_id()
        self.model.reload()
        waiting = self.vehicles.waiting_alarm_ids()
        self._waiting = len(waiting)
        fresh = waiting - (self._known or set())
        self._known = (self._known or set()) | waiting
        if fresh:
            self.sound.play()
        self.title.setText(self.tr("%n alarm(s) waiting for a person", "", len(waiting)))
        self.title.setStyleSheet("font-weight: bold; color: %s;" % ("#c62828" if waiting else "#1b7f3b"))
        if selected:
            self.select(selected)
        self._update_buttons()

    def waiting_count(self) -> int:
        """As of the last refresh, like the title (no query of its own)."""
        return self._waiting

    def _history_toggled(self, on: bool) -> None:
        self.model.waiting_only = not on
        self.refresh()

    # ---- selection and actions ------------------------------------------------------

    def selected_alarm_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.data(rows[0], Qt.ItemDataRole.UserRole) if rows else None

    def select(self, alarm_id: str) -> bool:
        row = self.model.row_of(alarm_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        return True

    def _selected_row(self) -> dict[str, Any] | None:
        alarm_id = self.selected_alarm_id()
        row = self.model.row_of(alarm_id) if alarm_id else -1
        return self.model.rows[row] if row >= 0 else None

    def _update_buttons(self) -> None:
        row = self._selected_row()
        can_ack = row is not None and not row.get("acknowledged_at") and row.get("local_state") in (
            None, "refused")
        self.ack_button.setEnabled(can_ack)
        self.show_button.setEnabled(row is not None)

    def _show_selected(self) -> None:
        row = self._selected_row()
        if row is not None:
            self.vehicleRequested.emit(row["vehicle_id"])

    def acknowledge_selected(self, note: str | None = None) -> bool:
        """Queue the acknowledgement of the selected alarm with ``note``;
        without one, ask for it window-modally (``ack_dialog``) and queue it
        when the dialog is accepted (False now: nothing queued yet)."""
        row = self._selected_row()
        if row is None:
            return False
        if note is None:
            dialog = AckDialog(f"{row.get('plate') or row['vehicle_id']} · "
                               f"{self.model.texts.kind(row['kind'])} · {_short(row['raised_at'])}", self)
            def accepted() -> None:
                self._acknowledge(row, dialog.text())

            self.ack_dialog = open_modal(dialog, accepted)
            return False
        return self._acknowledge(row, note)

    def _acknowledge(self, row: dict, note: str) -> bool:
        try:
            summary = self.vehicles.acknowledge(row["alarm_id"], note, self.operator, self.workstation)
        except AlarmAckError as exc:
            self.message.setText(self.tr("Not acknowledged: %1").replace("%1", error_text(exc)))
            return False
        self.message.clear()
        self.refresh()
        self.acknowledged.emit(summary)
        return True


__all__ = ["AckDialog", "AlarmModel", "AlarmPanel", "AlarmSound", "AlarmTexts"]
