"""Vehicles in the main window: the alarm queue and the vehicle list in a
dock, geofences and the chosen vehicle's recent track on the live map, the
replay window, and the link that sends acknowledgements to the centre.

``install(window)`` builds it all from the main window's public parts (its
store, desk, sync driver, map and menus) and returns the
``VehicleFeatures`` that keeps them up to date.  Geofences are drawn here
too (app/views/geofence_dialog.py): the request runs on the vehicle link's
worker, and the fence is drawn when the change feed brings it back.
GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QTabWidget,
)

from app.services import map_layers as mapdata
from app.store.replica import ChangeSummary, LocalStore
from app.store.vehicles import UNTRUSTED, ReplayData, VehicleStore, geofence_overlay, wgs_to_map
from app.sync.live import VehicleDriver
from app.views.alarm_panel import AlarmPanel
from app.views.geofence_dialog import GeofenceDialog
from app.views.labels import error_text, problem_text
from app.views.map.canvas import MapSelection
from app.views.map.drawing import GeofenceDrawing
from app.views.map.track_layer import TrackOverlay
from app.views.replay_panel import ReplayWindow
from app.views.tables import list_table
from app.views.vehicle_list import VehicleListModel
from core.geofence_shapes import GeofenceDraft, Shape
from core.problems import Problem, problem_of
from core.timeutil import now_cst, to_iso

LIVE_TRACK = timedelta(minutes=30)  # how much of the chosen vehicle's way the live map shows
LIST_REFRESH_MS = 1000  # positions stream in; the list need not follow each one


class VehicleFeatures(QObject):
    def __init__(self, window: Any):
        super().__init__(window)
        self.window = window
        self.store: LocalStore = window.store
        self.vehicles = VehicleStore(self.store)
        desk = window.desk
        self._stopped = False
        # The session's live link: started with the sync and stopped by the
        # session; what it writes reaches every view through the change bus.
        self.link_driver: VehicleDriver | None = window.services.vehicles
        if self.link_driver is not None:
            self.link_driver.failed.connect(self._link_failed)
        window.bus.changed.connect(self.apply_summary)
        self.selected_vehicle: str | None = None
        self.replay: ReplayWindow | None = None

        # The dock: alarms first, then the vehicle list.
        self.alarms = AlarmPanel(self.vehicles, desk.operator, desk.workstation)
        self.list_model = VehicleListModel(self.vehicles, self)
        self.list = list_table(self.list_model)
        # The indicator first: enabling sorting sorts by it, and only once.
        self.list.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.list.setSortingEnabled(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.alarms, self.tr("Alarms"))
        self.tabs.addTab(self.list, self.tr("Vehicles"))
        self.dock = QDockWidget(self.tr("Vehicles and alarms"), window)
        self.dock.setObjectName("vehicles")
        self.dock.setWidget(self.tabs)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        # The map is the dispatcher's main view: the list gets a strip, not half the height.
        window.resizeDocks([self.dock], [210], Qt.Orientation.Vertical)
        self._update_tab_title()

        # The live map: geofences and the chosen vehicle's recent way.
        self.overlay = TrackOverlay()
        window.map.view_box().addItem(self.overlay, ignoreBounds=True)
        self.drawing = GeofenceDrawing(window.map, self)
        self.drawing.message.connect(self._drawing_message)
        self.drawing.boxDrawn.connect(self._box_drawn)
        self.drawing.routeDrawn.connect(self._route_drawn)
        self.drawing.cancelled.connect(self._drawing_cancelled)
        self.geofence_dialog: GeofenceDialog | None = None
        self.last_area: MapSelection | None = None  # the latest Shift+drag box
        window.map.areaSelected.connect(self._area_selected)
        self._build_actions()
        self.reload_geofences()

        self.alarms.vehicleRequested.connect(self.select_vehicle)
        self.alarms.acknowledged.connect(self._acknowledged_here)
        window.map.vehicleClicked.connect(self.select_vehicle)
        window.map.hovered.connect(self._hovered)
        window.map.alarmClicked.connect(self.select_vehicle)
        self.list.selectionModel().currentRowChanged.connect(self._list_row_changed)
        window.case_pane.nearest.vehicleRequested.connect(self.select_vehicle)

        self._list_timer = QTimer(self)
        self._list_timer.setSingleShot(True)
        self._list_timer.setInterval(LIST_REFRESH_MS)
        self._list_timer.timeout.connect(self._positions_changed)
        self._clock = QTimer(self)
        self._clock.setInterval(2000)
        self._clock.timeout.connect(self.list_model.tick)
        self._clock.start()

    def _link_failed(self, problem: Problem) -> None:
        self.window.status.showMessage(problem_text(problem), 8000)

    def _build_actions(self) -> None:
        menu = self.window.menuBar().addMenu(self.tr("Ve&hicles"))
        self.replay_action = QAction(self.tr("Replay…"), self.window)
        self.replay_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.replay_action.triggered.connect(self.open_replay)
        menu.addAction(self.replay_action)
        self.window.addAction(self.replay_action)
        self.ack_action = QAction(self.tr("Acknowledge selected alarm…"), self.window)
        self.ack_action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.ack_action.triggered.connect(lambda: self.alarms.acknowledge_selected())
        menu.addAction(self.ack_action)
        self.window.addAction(self.ack_action)
        self.all_geofences_action = QAction(self.tr("Show every approved route"), self.window)
        self.all_geofences_action.setCheckable(True)
        self.all_geofences_action.toggled.connect(lambda _on: self.reload_geofences())
        menu.addAction(self.all_geofences_action)
        menu.addSeparator()
        self.draw_geofence_action = QAction(self.tr("Draw geofence…"), self.window)
        self.draw_geofence_action.setShortcut(QKeySequence("Ctrl+G"))
        self.draw_geofence_action.triggered.connect(lambda: self.draw_geofence())
        menu.addAction(self.draw_geofence_action)
        self.window.addAction(self.draw_geofence_action)
        self.area_geofence_action = QAction(self.tr("Geofence from the selected area…"), self.window)
        self.area_geofence_action.setEnabled(False)
        self.area_geofence_action.triggered.connect(lambda: self.geofence_from_area())
        menu.addAction(self.area_geofence_action)
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())

    # ---- following the store -------------------------------------------------------

    def apply_summary(self, summary: ChangeSummary, _initiator: object = None) -> None:
        entities = summary.entities
        if {"alarm", "alarm_ack"} & entities:
            self.alarms.refresh()
            self._update_tab_title()
            self.list_model.refresh_rows()
        if "geofence" in entities:
            self.reload_geofences()
        if "vehicle" in entities:
            self.list_model.reload()
        if summary.positions and not self._list_timer.isActive():
            self._list_timer.start()

    def _positions_changed(self) -> None:
        self.list_model.refresh_rows()
        if self.selected_vehicle:
            self._show_live_track(self.selected_vehicle)
        self.window.case_pane.nearest.refresh()

    def _acknowledged_here(self, summary: ChangeSummary) -> None:
        self.window.bus.publish(summary, self.alarms)
        if self.link_driver is not None:
            self.link_driver.wake()

    def _update_tab_title(self) -> None:
        waiting = self.alarms.waiting_count()
        self.tabs.setTabText(0, self.tr("Alarms (%1)").replace("%1", str(waiting)) if waiting
                             else self.tr("Alarms"))
        if waiting:
            self.dock.show()

    def reload_geofences(self) -> None:
        """Areas always; a corridor only for the vehicle it binds when that
        vehicle is chosen (thirty routes at once hide the map), or all of
        them when the operator asks."""
        rows = self.vehicles.geofences()
        show_all = self.all_geofences_action.isChecked()
        live = [r for r in rows if r["kind"] != "corridor" or show_all
                or (self.selected_vehicle and self.selected_vehicle in r["vehicle_ids"])]
        data = geofence_overlay(live, self.store)
        self.overlay.set_geofences(data.corridors, data.forbidden, data.parking)
        if self.replay is not None:
            chosen = self.replay.vehicle_box.currentData()
            replayed = [r for r in rows if r["kind"] != "corridor" or show_all
                        or (chosen and chosen in r["vehicle_ids"])]
            data = geofence_overlay(replayed, self.store)
            self.replay.set_geofences(data.corridors, data.forbidden, data.parking)

    # ---- drawing geofences --------------------------------------------------------------

    def draw_geofence(self, mode: str = "box") -> None:
        """Arm the map: the next drag draws the box ("box"), or clicks draw a
        route ("line"); the dialog opens (again) when the shape is done."""
        if self.geofence_dialog is not None and self.geofence_dialog.saving:
            return
        if self.geofence_dialog is not None:
            self.geofence_dialog.hide()
        self.drawing.start(mode)

    def geofence_from_area(self, selection: MapSelection | None = None) -> GeofenceDialog | None:
        """The dialog for a box already selected with Shift+drag."""
        selection = selection or self.last_area
        if selection is None:
            return None
        self.drawing.preview.show_shape(rect=selection.rect)
        dialog = self._dialog()
        dialog.set_box(selection)
        self._show_dialog()
        return dialog

    def _dialog(self) -> GeofenceDialog:
        if self.geofence_dialog is None:
            role = str(self.window.desk.user.get("role", ""))
            dialog = GeofenceDialog(self._save_geofence, role, self.window)
            dialog.drawRequested.connect(self.draw_geofence)
            dialog.saved.connect(self._geofence_saved)
            dialog.failed.connect(self._geofence_failed)
            dialog.draftChanged.connect(self._draft_changed)
            dialog.finished.connect(lambda _result, d=dialog: self._dialog_finished(d))
            self.geofence_dialog = dialog
        return self.geofence_dialog

    def _show_dialog(self) -> None:
        assert self.geofence_dialog is not None
        self.geofence_dialog.show()
        self.geofence_dialog.raise_()
        self.geofence_dialog.activateWindow()

    def _area_selected(self, selection: MapSelection) -> None:
        if self.drawing.mode is None:
            self.last_area = selection
            self.area_geofence_action.setEnabled(True)

    def _box_drawn(self, selection: MapSelection) -> None:
        self.last_area = selection
        self.area_geofence_action.setEnabled(True)
        self._dialog().set_box(selection)
        self._show_dialog()

    def _route_drawn(self, line: np.ndarray) -> None:
        self._dialog().set_route(line)
        self._show_dialog()

    def _drawing_cancelled(self) -> None:
        dialog = self.geofence_dialog
        if dialog is None:
            return
        draft = dialog.draft()
        if draft.rect is None and draft.line is None:
            self.geofence_dialog = None  # nothing was ever drawn: nothing to go back to
            dialog.deleteLater()
        else:
            self._draft_changed(draft)  # the shape drawn before stays on the map
            self._show_dialog()

    def _draft_changed(self, draft: GeofenceDraft) -> None:
        """The map shows what would be saved: the box, the route or the box's centre line."""
        if self.drawing.mode is not None:
            return
        shown = draft.shape in (Shape.RECTANGLE, Shape.CELLS, Shape.CENTRE_LINE)
        self.drawing.preview.show_shape(rect=draft.rect if shown else None, line=draft.route())

    def _drawing_message(self, text: str) -> None:
        if text:
            self.window.status.showMessage(text)
        else:
            self.window.status.clearMessage()

    def _dialog_finished(self, dialog: GeofenceDialog) -> None:
        if self.geofence_dialog is dialog:
            self.drawing.stop()
            self.drawing.preview.clear()
            self.geofence_dialog = None
        if not dialog.saving:
            # While a save is in flight its callbacks still need the dialog;
            # it deletes itself when the answer comes.
            dialog.deleteLater()

    def _save_geofence(self, payload: dict[str, Any], on_done: Callable[[dict[str, Any]], None],
                       on_error: Callable[[str, str], None]) -> None:
        """POST the fence on the vehicle link's worker (the link is used by
        that one thread only); the callbacks run on the GUI thread."""
        if self.link_driver is None:
            on_error("unreachable", self.tr("this workstation has no connection to the centre"))
            return

        def failed(exc: BaseException) -> None:
            # Said by the refusal's code (the server's reason), never its English detail.
            problem = problem_of(exc)
            on_error("unreachable" if problem.code in ("unreachable", "timeout") else "refused",
                     problem_text(problem))

        self.link_driver.worker.submit(self.link_driver.link.save_geofence, payload,
                                       on_done=on_done, on_error=failed)

    def _geofence_failed(self, sentence: str) -> None:
        dialog = self.sender()
        if isinstance(dialog, GeofenceDialog) and not dialog.isVisible():
            self.window.status.showMessage(sentence, 15000)

    def _geofence_saved(self, payload: dict[str, Any]) -> None:
        self.window.status.showMessage(
            self.tr("Geofence “%1” saved by the centre; it appears on the map with the next sync")
            .replace("%1", payload["name"]), 8000)
        if payload["kind"] == "corridor":
            # Corridors are drawn for the chosen vehicle only; show them all so the new one is seen.
            self.all_geofences_action.setChecked(True)
        if self.window.driver is not None:
            self.window.driver.wake()  # the change feed brings the fence back: ask now, not at the next poll

    # ---- one vehicle -------------------------------------------------------------------

    def select_vehicle(self, vehicle_id: str) -> None:
        if not vehicle_id:
            return
        self.selected_vehicle = vehicle_id
        self.window.map.select_vehicle(vehicle_id)
        self.reload_geofences()
        row = self.list_model.row_of(vehicle_id)
        if row >= 0:
            self.list.selectRow(row)
        self._show_live_track(vehicle_id)

    def describe(self, vehicle_id: str) -> str:
        """One line for a vehicle: plate, kind, state and age of its last fix,
        speed, heading and alarm (the live map's tooltip)."""
        row = self.vehicles.vehicle_rows([vehicle_id]).get(vehicle_id)
        if row is None:
            return vehicle_id
        texts = self.list_model.texts
        parts = [row.plate, texts.kind(row.kind), texts.state(row.state)]
        if row.device_time:
            parts += [self.tr("last fix %1 ago").replace("%1", texts.age(row.age_s)),
                      texts.speed(row.speed_kmh), texts.heading(row.heading)]
        if row.alarm:
            parts.append(texts.alarm(row.alarm))
        return " · ".join(parts)

    def _hovered(self, kind: str, ident: str) -> None:
        if kind in ("vehicle", "alarm") and ident:
            self.window.map.graphics_view().viewport().setToolTip(self.describe(ident))

    def _list_row_changed(self, current, _previous) -> None:
        vehicle_id = self.list_model.vehicle_at(current.row()) if current.isValid() else None
        if vehicle_id and vehicle_id != self.selected_vehicle:
            self.select_vehicle(vehicle_id)

    def _show_live_track(self, vehicle_id: str) -> None:
        end = now_cst()
        summary = self.vehicles.track_summary(vehicle_id, to_iso(end - LIVE_TRACK), to_iso(end))
        points = [p for p in summary.points if not p["flags"] & UNTRUSTED]
        if not points:
            self.overlay.set_track(np.zeros((0, 2)))
            return
        x, y = wgs_to_map([p["lon"] for p in points], [p["lat"] for p in points])
        sx, sy = wgs_to_map([s.lon for s in summary.stops], [s.lat for s in summary.stops])
        self.overlay.set_track(np.column_stack([x, y]),
                               np.column_stack([sx, sy]) if summary.stops else np.zeros((0, 2)))

    # ---- replay ----------------------------------------------------------------------

    def open_replay(self) -> ReplayWindow:
        if self.replay is None:
            self.replay = ReplayWindow(self.vehicles, self._load_replay)
            self.replay.vehicle_box.currentIndexChanged.connect(lambda _i: self.reload_geofences())
            outline = mapdata.district_outline(self.store)
            cells = mapdata.cell_layer(self.store)
            self.replay.set_base(outline, cells.rings, cells.codes)
            self.reload_geofences()
        self.replay.set_vehicle_choices([(s.vehicle_id, f"{s.plate} ({s.vehicle_id})")
                                         for s in self.vehicles.vehicle_states()])
        self.replay.show()
        self.replay.raise_()
        return self.replay

    def _load_replay(self, start: str, end: str,
                     done: Callable[[ReplayData | None, str | None], None]) -> None:
        """Fetch the window from the centre (when it answers), then build
        the replay data on a worker from what this workstation has."""
        def build(problem: str | None) -> None:
            # On the replay lane's own store; a failure is said in the replay window.
            self.window.runner.query(lambda store: VehicleStore(store).replay_data(start, end),
                                     lambda data: done(data, problem), lane="replay",
                                     title=self.tr("Replay"), on_failure=lambda exc: done(None, error_text(exc)),
                                     owner=self.replay)

        if self.link_driver is None:
            build(None)
            return

        def fetched(summary: ChangeSummary | None) -> None:
            build(None if summary is not None else
                  self.tr("the centre did not answer: showing what this workstation kept"))

        self.link_driver.fetch_window(start, end, fetched)

    # ---- shutting down ---------------------------------------------------------------

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.drawing.stop()  # the link is the session's: it stops it


def install(window: Any) -> VehicleFeatures:
    return VehicleFeatures(window)


__all__ = ["VehicleFeatures", "install"]
