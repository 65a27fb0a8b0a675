"""The vehicles nearest to the selected case, for the case pane: plate,
kind, straight-line distance and a time estimate at the kind's typical city
speed (streets taken as 1.3 times the straight line; see docs/vehicles.md).

Self-contained: give it the workstation's ``LocalStore`` and call
``show_case(state)`` with the case shown (``None`` clears).  GUI thread
only; reads go through ``app.store.vehicles.VehicleStore``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.store.vehicles import VehicleStore
from app.views.vehicle_list import STATE_COLOURS, VehicleTexts

SHOWN = 5


class NearestVehicles(QWidget):
    vehicleRequested = Signal(str)  # double-click: show this vehicle

    def __init__(self, store: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.vehicles = VehicleStore(store)
        self.texts = VehicleTexts(self)
        self._point: tuple[float, float] | None = None
        self.title = QLabel(self.tr("Nearest vehicles"))
        self.title.setStyleSheet("font-weight: bold;")
        self.list = QTreeWidget()
        self.list.setRootIsDecorated(False)
        self.list.setColumnCount(5)
        self.list.setHeaderLabels([self.tr("Vehicle"), self.tr("Kind"), self.tr("Distance"),
                                   self.tr("About"), self.tr("Last fix")])
        self.list.setMaximumHeight(130)
        for column, width in enumerate((90, 70, 70, 70)):
            self.list.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        self.list.itemDoubleClicked.connect(
            lambda item, _c: self.vehicleRequested.emit(item.data(0, Qt.ItemDataRole.UserRole)))

    def show_case(self, state: Any) -> None:
        """``state``: a ``core.cases.CaseState`` (GCJ-02 lon/lat) or None."""
        self._point = (state.lon, state.lat) if state is not None else None
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        if self._point is None:
            self.title.setText(self.tr("Nearest vehicles"))
            return
        found = self.vehicles.nearest(*self._point, limit=SHOWN)
        if not found:
            self.title.setText(self.tr("Nearest vehicles: none online"))
            return
        self.title.setText(self.tr("Nearest vehicles"))
        for n in found:
            distance = (self.tr("%1 m").replace("%1", f"{n.distance_m:.0f}") if n.distance_m < 1000
                        else self.tr("%1 km").replace("%1", f"{n.distance_m / 1000:.1f}"))
            minutes = max(1, round(n.eta_s / 60))
            item = QTreeWidgetItem([n.plate, self.texts.kind(n.kind), distance,
                                    self.tr("%n min", "", minutes), self.texts.age(n.age_s)])
            item.setData(0, Qt.ItemDataRole.UserRole, n.vehicle_id)
            item.setForeground(4, QColor(STATE_COLOURS[n.state]))
            item.setToolTip(3, self.tr("At the typical city speed of this kind of vehicle; "
                                       "streets taken as 1.3 times the straight line"))
            self.list.addTopLevelItem(item)

    def count(self) -> int:
        return self.list.topLevelItemCount()


__all__ = ["NearestVehicles"]
