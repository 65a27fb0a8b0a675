"""Replay: the whole district, vehicles and cases together, at any time T of
a window, on a timeline played at 1×–60×; and one vehicle's track with its
stops and trips.

The window has its own ``DistrictMapView`` (so the live map keeps running)
with a ``TrackOverlay`` for the chosen vehicle.  It is handed a ``loader``
that fetches the window's fixes (from the centre when online, else what
this workstation kept) and builds ``app.store.vehicles.ReplayData`` off the UI
thread; a frame is then a binary search per vehicle, cheap enough for ten
frames a second.  GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import numpy as np
from PySide6.QtCore import QDateTime, Qt, QTimer, QTimeZone, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.store.vehicles import (
    UNTRUSTED,
    ReplayData,
    TrackSummary,
    VehicleStore,
    gcj_to_map,
    iso_at,
    wgs_to_map,
)
from app.views.map.canvas import DistrictMapView
from app.views.map.track_layer import TrackOverlay
from app.views.vehicle_list import VehicleTexts
from core.timeutil import CST, from_iso, now_cst, to_iso

SPEEDS = (1, 2, 5, 10, 30, 60)
FRAME_MS = 100
Loader = Callable[[str, str, Callable[[ReplayData | None, str | None], None]], None]


# District time (UTC+8), whatever the workstation's own zone: the operators,
# the cases and the terminals all speak it.
_DISTRICT_ZONE = QTimeZone.fromSecondsAheadOfUtc(8 * 3600)


def _qt_time(iso: str) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(from_iso(iso).timestamp()), _DISTRICT_ZONE)


def _iso(qt: QDateTime) -> str:
    return iso_at(float(qt.toSecsSinceEpoch()))


class ReplayWindow(QWidget):
    closed = Signal()

    def __init__(self, vehicles: VehicleStore, loader: Loader, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("Replay — district at any time"))
        self.resize(1300, 850)
        self.vehicles = vehicles
        self.loader = loader
        self.texts = VehicleTexts(self)
        self.data: ReplayData | None = None
        self.summary: TrackSummary | None = None
        self.start_iso = ""
        self.end_iso = ""
        self._playing = False
        self._carry = 0.0

        now = now_cst().replace(second=0)
        self.start_edit = QDateTimeEdit(_qt_time(to_iso(now - timedelta(hours=1))))
        self.end_edit = QDateTimeEdit(_qt_time(to_iso(now)))
        for edit in (self.start_edit, self.end_edit):
            edit.setTimeZone(_DISTRICT_ZONE)
            edit.setDateTime(edit.dateTime())  # shown in district time from the start
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        self.load_button = QPushButton(self.tr("Load"))
        self.info = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("From")))
        top.addWidget(self.start_edit)
        top.addWidget(QLabel(self.tr("to")))
        top.addWidget(self.end_edit)
        top.addWidget(self.load_button)
        top.addWidget(self.info, 1)

        self.map = DistrictMapView()
        self.map.set_legend_visible(False)
        self.overlay = TrackOverlay()
        self.map.view_box().addItem(self.overlay, ignoreBounds=True)

        self.vehicle_box = QComboBox()
        self.vehicle_box.addItem(self.tr("Whole district"), "")
        self.track_table = QTableWidget(0, 4)
        self.track_table.setHorizontalHeaderLabels([self.tr("What"), self.tr("From"), self.tr("To"),
                                                    self.tr("Detail")])
        self.track_table.verticalHeader().setVisible(False)
        self.track_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.track_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.track_table.horizontalHeader().setStretchLastSection(True)
        self.track_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.track_info = QLabel()
        self.track_info.setWordWrap(True)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(QLabel(self.tr("Vehicle")))
        side_layout.addWidget(self.vehicle_box)
        side_layout.addWidget(self.track_info)
        side_layout.addWidget(self.track_table, 1)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.time_label = QLabel("—")
        self.time_label.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setEnabled(False)
        self.speed_box = QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed}×", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(10))
        bottom = QHBoxLayout()
        bottom.addWidget(self.play_button)
        bottom.addWidget(self.speed_box)
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.time_label)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.map)
        split.addWidget(side)
        split.setSizes([950, 350])
        split.setStretchFactor(0, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._advance)
        self.load_button.clicked.connect(self.load)
        self.play_button.clicked.connect(self.toggle_play)
        self.slider.valueChanged.connect(lambda _v: self.draw_frame())
        self.vehicle_box.currentIndexChanged.connect(lambda _i: self._vehicle_changed())
        self.track_table.cellDoubleClicked.connect(self._jump_to_row)

    # ---- base map and vehicles ------------------------------------------------------

    def set_base(self, outline: Sequence[np.ndarray], cell_rings: Sequence[np.ndarray],
                 cell_codes: Sequence[str]) -> None:
        self.map.set_outline(outline)
        self.map.set_cells(cell_rings, cell_codes)
        self.map.fit_to_outline()

    def set_vehicle_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """(vehicle_id, label) pairs for the track chooser."""
        current = self.vehicle_box.currentData()
        self.vehicle_box.blockSignals(True)
        self.vehicle_box.clear()
        self.vehicle_box.addItem(self.tr("Whole district"), "")
        for vehicle_id, label in choices:
            self.vehicle_box.addItem(label, vehicle_id)
        self.vehicle_box.setCurrentIndex(max(0, self.vehicle_box.findData(current)))
        self.vehicle_box.blockSignals(False)

    def set_geofences(self, corridors, forbidden, parking) -> None:
        self.overlay.set_geofences(corridors, forbidden, parking)

    # ---- loading --------------------------------------------------------------------

    def set_window(self, start: str, end: str) -> None:
        self.start_edit.setDateTime(_qt_time(start))
        self.end_edit.setDateTime(_qt_time(end))

    def load(self) -> None:
        start, end = _iso(self.start_edit.dateTime()), _iso(self.end_edit.dateTime())
        if from_iso(end) <= from_iso(start):
            self.info.setText(self.tr("The end must be after the start"))
            return
        if from_iso(end) - from_iso(start) > timedelta(days=1):
            self.info.setText(self.tr("Replay at most one day at a time"))
            return
        self.stop()
        self.start_iso, self.end_iso = start, end
        self.load_button.setEnabled(False)
        self.info.setText(self.tr("Loading…"))
        self.loader(start, end, self._loaded)

    def _loaded(self, data: ReplayData | None, problem: str | None) -> None:
        self.load_button.setEnabled(True)
        if data is None:
            self.info.setText(self.tr("Could not load: %1").replace("%1", problem or ""))
            return
        self.data = data
        seconds = int((from_iso(self.end_iso) - from_iso(self.start_iso)).total_seconds())
        self.slider.blockSignals(True)
        self.slider.setRange(0, seconds)
        self.slider.setValue(0)
        self.slider.setPageStep(max(1, seconds // 20))
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self.play_button.setEnabled(True)
        text = self.tr("%1 fixes of %2 vehicles").replace("%1", f"{data.fixes:,}").replace(
            "%2", str(len(data.vehicle_ids)))
        if problem:
            text += " · " + problem
        self.info.setText(text)
        self._vehicle_changed()
        self.draw_frame()

    # ---- time -------------------------------------------------------------------------

    def current_iso(self) -> str:
        if not self.start_iso:
            return ""
        return iso_at(from_iso(self.start_iso).timestamp() + self.slider.value())

    def seek(self, iso: str) -> None:
        if self.start_iso:
            self.slider.setValue(int(from_iso(iso).timestamp() - from_iso(self.start_iso).timestamp()))

    def speed(self) -> int:
        return int(self.speed_box.currentData())

    def toggle_play(self) -> None:
        if self._playing:
            self.stop()
        else:
            self.play()

    def play(self) -> None:
        if self.data is None:
            return
        if self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)
        self._playing = True
        self._carry = 0.0
        self.play_button.setText(self.tr("Pause"))
        self.timer.start()

    def stop(self) -> None:
        self._playing = False
        self.timer.stop()
        self.play_button.setText(self.tr("Play"))

    def _advance(self) -> None:
        self._carry += self.speed() * FRAME_MS / 1000.0
        step = int(self._carry)
        self._carry -= step
        if step:
            value = min(self.slider.maximum(), self.slider.value() + step)
            self.slider.setValue(value)
            if value >= self.slider.maximum():
                self.stop()

    # ---- drawing --------------------------------------------------------------------------

    def draw_frame(self) -> None:
        if self.data is None:
            return
        at = self.current_iso()
        frame = self.data.frame(at)
        x, y = wgs_to_map(frame.lon, frame.lat)
        self.map.set_vehicles(x, y, frame.heading, frame.kind, frame.state, frame.vehicle_ids)
        cx, cy = gcj_to_map(frame.case_lon, frame.case_lat)
        self.map.set_cases(cx, cy, frame.case_sla, frame.case_ids)
        self.time_label.setText(from_iso(at).astimezone(CST).strftime("%Y-%m-%d %H:%M:%S"))
        chosen = self.vehicle_box.currentData()
        if chosen and chosen in frame.vehicle_ids:
            i = frame.vehicle_ids.index(chosen)
            self.overlay.set_marker(float(x[i]), float(y[i]))
        else:
            self.overlay.set_marker(None)
        self.frame = frame

    def _vehicle_changed(self) -> None:
        chosen = self.vehicle_box.currentData()
        self.map.select_vehicle(chosen or None)
        self.track_table.setRowCount(0)
        if not chosen or not self.start_iso:
            self.summary = None
            self.overlay.set_track(np.zeros((0, 2)))
            self.track_info.clear()
            self.draw_frame()
            return
        summary = self.vehicles.track_summary(chosen, self.start_iso, self.end_iso)
        self.summary = summary
        good = [p for p in summary.points if not p["flags"] & UNTRUSTED]
        if good:
            tx, ty = wgs_to_map([p["lon"] for p in good], [p["lat"] for p in good])
            sx, sy = wgs_to_map([s.lon for s in summary.stops], [s.lat for s in summary.stops])
            self.overlay.set_track(np.column_stack([tx, ty]),
                                   np.column_stack([sx, sy]) if summary.stops else np.zeros((0, 2)))
        else:
            self.overlay.set_track(np.zeros((0, 2)))
        rows: list[tuple[str, float, float, str]] = []
        for stop in summary.stops:
            rows.append((self.tr("Stop"), stop.start, stop.end,
                         self.tr("%n min", "", max(1, round(stop.duration_s / 60)))))
        for trip in summary.trips:
            rows.append((self.tr("Trip"), trip.start, trip.end,
                         self.tr("%1 km, top %2 km/h").replace("%1", f"{trip.distance_m / 1000:.1f}")
                         .replace("%2", f"{trip.max_speed_kmh:.0f}")))
        for hole in summary.holes:
            rows.append((self.tr("No signal"), hole.start, hole.end,
                         self.tr("%n min", "", max(1, round(hole.duration_s / 60)))))
        rows.sort(key=lambda r: r[1])
        self.track_table.setRowCount(len(rows))
        for n, (what, start, end, detail) in enumerate(rows):
            for column, text in enumerate((what, iso_at(start)[11:19], iso_at(end)[11:19], detail)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, iso_at(start))
                self.track_table.setItem(n, column, item)
        self.track_info.setText(self.tr("%1 fixes · %2 stops · %3 trips").replace(
            "%1", str(len(summary.points))).replace("%2", str(len(summary.stops))).replace(
            "%3", str(len(summary.trips))))
        self.draw_frame()

    def _jump_to_row(self, row: int, _column: int) -> None:
        item = self.track_table.item(row, 0)
        if item is not None:
            self.seek(item.data(Qt.ItemDataRole.UserRole))

    def closeEvent(self, event) -> None:
        self.stop()
        self.closed.emit()
        super().closeEvent(event)


__all__ = ["ReplayWindow", "SPEEDS"]
