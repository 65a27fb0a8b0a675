"""The vehicle list: every vehicle with the age of its last fix, online /
stale / offline, heading, kind, speed and alarm state.

The model holds vehicle ids in the order SQL sorted them and fetches the
rows it shows by id (``app.store.vehicles.VehicleStore``); ages are re-rendered
by ``tick()`` without a query.  GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.store.vehicles import VehicleState, VehicleStore, presence
from app.views.labels import vehicle_kind_label
from core.timeutil import from_iso, now_cst

_Index = QModelIndex | QPersistentModelIndex
_ARROWS = ("↑", "↗", "→", "↘", "↓", "↙", "←", "↖")
STATE_COLOURS = ("#1b7f3b", "#b26a00", "#777777")
ALARM_COLOURS = {"critical": "#c62828", "major": "#ef6c00", "minor": "#f9a825"}


class VehicleTexts(QObject):
    def age(self, seconds: float | None) -> str:
        if seconds is None:
            return "—"
        seconds = max(0.0, seconds)
        if seconds < 60:
            return self.tr("%1 s").replace("%1", f"{seconds:.0f}")
        if seconds < 3600:
            return self.tr("%1 min").replace("%1", f"{seconds // 60:.0f}")
        if seconds < 86400:
            return self.tr("%1 h %2 min").replace("%1", f"{seconds // 3600:.0f}").replace(
                "%2", f"{seconds % 3600 // 60:02.0f}")
        return self.tr("%1 d").replace("%1", f"{seconds // 86400:.0f}")

    def speed(self, kmh: float) -> str:
        return self.tr("%1 km/h").replace("%1", f"{kmh:.0f}")

    def kind(self, kind: str) -> str:
        return vehicle_kind_label(kind)

    def state(self, state: int) -> str:
        return (self.tr("Online"), self.tr("Stale"), self.tr("Offline"))[state]

    def alarm(self, severity: str | None) -> str:
        return {"critical": self.tr("Critical alarm"), "major": self.tr("Alarm"),
                "minor": self.tr("Minor alarm")}.get(severity or "", "")

    def heading(self, degrees: int) -> str:
        sector = int(((degrees % 360) + 22.5) // 45) % 8
        names = (self.tr("N"), self.tr("NE"), self.tr("E"), self.tr("SE"), self.tr("S"),
                 self.tr("SW"), self.tr("W"), self.tr("NW"))
        return f"{_ARROWS[sector]} {names[sector]} {degrees % 360}°"


class VehicleListModel(QAbstractTableModel):
    COLUMNS = ("plate", "kind", "state", "age", "heading", "speed", "alarm")
    _SORTS = {0: "plate", 1: "kind", 3: "device_time", 5: "speed"}

    def __init__(self, vehicles: VehicleStore, parent: QObject | None = None):
        super().__init__(parent)
        self.vehicles = vehicles
        self.texts = VehicleTexts(self)
        self.ids: list[str] = []
        self._rows: dict[str, VehicleState] = {}
        self._sort = ("vehicle_id", False)
        self.reload()

    def reload(self) -> None:
        """Re-read the ids (sorted in SQL) and the rows."""
        self.beginResetModel()
        self.ids = self.vehicles.vehicle_ids(*self._sort)
        self._rows = self.vehicles.vehicle_rows(self.ids)
        self.endResetModel()

    def refresh_rows(self) -> None:
        """New fixes or alarms: same vehicles, new values."""
        ids = self.vehicles.vehicle_ids(*self._sort)
        if ids != self.ids:
            self.reload()
            return
        self._rows = self.vehicles.vehicle_rows(self.ids)
        if self.ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.ids) - 1, len(self.COLUMNS) - 1))

    def tick(self) -> None:
        """Ages move on by themselves."""
        if self.ids:
            self.dataChanged.emit(self.index(0, 2), self.index(len(self.ids) - 1, 3))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self._SORTS.get(column)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == "device_time":
            descending = not descending  # youngest fix first = ascending age
        self._sort = (key, descending)
        self.reload()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return (self.tr("Plate"), self.tr("Kind"), self.tr("State"), self.tr("Last fix"),
                self.tr("Heading"), self.tr("Speed"), self.tr("Alarm"))[section]

    def vehicle_at(self, row: int) -> str | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None

    def row_of(self, vehicle_id: str) -> int:
        try:
            return self.ids.index(vehicle_id)
        except ValueError:
            return -1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.ids):
            return None
        vehicle_id = self.ids[index.row()]
        row = self._rows.get(vehicle_id)
        if row is None:
            return None
        column = self.COLUMNS[index.column()]
        age = None
        if row.device_time:
            age = (now_cst() - from_iso(row.device_time)).total_seconds()
        state = presence(age)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "plate":
                return row.plate
            if column == "kind":
                return self.texts.kind(row.kind)
            if column == "state":
                return self.texts.state(state)
            if column == "age":
                return self.texts.age(age)
            if column == "heading":
                return self.texts.heading(row.heading) if row.device_time else ""
            if column == "speed":
                return self.texts.speed(row.speed_kmh) if row.device_time else ""
            return self.texts.alarm(row.alarm)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "state":
                return QColor(STATE_COLOURS[state])
            if column == "alarm" and row.alarm:
                return QColor(ALARM_COLOURS.get(row.alarm, "#333333"))
        if role == Qt.ItemDataRole.UserRole:
            return vehicle_id
        if role == Qt.ItemDataRole.ToolTipRole and column == "age":
            return row.device_time or ""
        return None


__all__ = ["VehicleListModel", "VehicleTexts"]
