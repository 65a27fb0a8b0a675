"""The dispatcher's main window: map, open-case queue, case pane, status bar.

Built from ONE ``ClientServices`` (app/session.py, the composition root):
every view takes what it needs from it and builds no network client, worker
or store of its own.  Reads come from the UI's own ``LocalStore`` (fast,
paged, sorted in SQL),
the map's cell, case and vehicle layers from the background runner
(app/runtime/background.py: the window shows before the cells arrive); actions go through ``CaseDesk``; sync runs in
the ``SyncDriver``.  Every change reaches the views by the change bus
(app/runtime/bus.py): each view subscribes and refreshes what the summary
names; nothing here fans a change out by hand.  Dialogs are opened
window-modally (``open()``) and continue in their ``accepted`` signal: none
runs an event loop of its own, which would re-enter the qasync loop from
inside a coroutine.  Nothing here does SQL or HTTP.

Threading: GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QWidget,
)

from app.runtime.background import Failure
from app.services import map_layers as mapdata
from app.session import ClientServices
from app.store.changes import ChangeSummary
from app.sync.driver import SyncStatus
from app.views.basemap_panel import install as install_map_layers
from app.views.case_pane import CasePane
from app.views.command_bar import install as install_case_loop
from app.views.evaluation_view import install as install_evaluation
from app.views.labels import error_text, reason_text, role_label
from app.views.map.canvas import DistrictMapView
from app.views.modal import open_modal
from app.views.queue_bar import QueuePanel
from app.views.register_dialog import RegisterDialog
from app.views.status import CentreStatusBar
from app.views.sync_panels import SyncPanels
from app.views.vehicle_features import install as install_vehicles
from core.cases import CommandRejected
from core.timeutil import now_iso


class MainWindow(QMainWindow):
    caseRegistered = Signal(str)  # a case registered from this window (its id)
    casesShown = Signal()  # the map's case layer was updated from the store
    cellsShown = Signal()  # the map's cells were (re)built from the store and handed to the map

    def __init__(self, services: ClientServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        desk = self.desk = services.desk
        self.store = desk.store
        driver = self.driver = services.driver
        # The change bus and the background runner are the session's: every
        # writer publishes on that bus, every view follows it.
        self.bus = services.bus
        self.runner = services.background
        self.dialog: QDialog | None = None  # the in-window dialog open now, if any
        self.setWindowTitle(self.tr("GridDesk — District Command Centre"))
        self.resize(1600, 1000)

        self.map = DistrictMapView()
        # The queue: filter/search bar over the lazy table (app/views/queue_bar.py).
        self.queue_panel = QueuePanel(desk, self.runner, self.bus)  # the queue follows the bus first
        self.queue_model = self.queue_panel.model
        self.queue = self.queue_panel.table
        self.case_pane = CasePane(desk, self.runner)
        self.bus.changed.connect(self.case_pane.follow_change)
        self.bus.changed.connect(self._follow_change)  # after the queue: selection uses its rows
        self._case_layer: mapdata.CaseLayerData | None = None

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.queue_panel)
        right.addWidget(self.case_pane)
        right.setSizes([520, 480])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.map)
        main.addWidget(right)
        main.setSizes([930, 670])
        main.setStretchFactor(0, 1)
        self.setCentralWidget(main)

        self.status = CentreStatusBar()
        self.setStatusBar(self.status)
        self.status.show_user(f"{desk.user.get('display_name', desk.operator)} · "
                              f"{role_label(str(desk.user.get('role')))} · {desk.workstation}")
        # Banner, conflict cards, outbox ledger, sync health (app/views/sync_panels.py).
        self.sync_panels = SyncPanels(self, desk, driver, self.select_case, self.bus)
        self.rejections_dock = self.sync_panels.conflicts_dock
        self._build_actions()
        self.case_loop = install_case_loop(self)  # command bar, attachments, locating reports

        self.queue.selectionModel().currentRowChanged.connect(self._queue_row_changed)
        self.map.mapClicked.connect(self._map_clicked)
        self.map.caseClicked.connect(self.select_case)
        self.status.rejectionsClicked.connect(self.rejections_dock.show)

        self._cells: mapdata.CellLayerData | None = None
        self._cells_job = 0  # the map lane's read of the cells under way, if any
        # The outline now (one row: the view fits to it); the 59k cells from the
        # map lane, so the window, its queue and its cases show meanwhile.
        self.reload_static_layers()
        self.refresh_cases_layer()
        self.refresh_vehicles()
        self.refresh_counts()
        self.map.fit_to_outline()
        self._select_most_urgent()
        self.map_layers = install_map_layers(self)  # basemap, opacity, choropleth, alarms
        self.vehicle_features = install_vehicles(self)  # alarm queue, vehicle list, replay
        # Indicators, charts, exports, duty report (app/views/evaluation_view.py).
        self.evaluation_action = install_evaluation(self, desk, self.runner)
        self.runner.failed.connect(self._show_failure)
        self.runner.progress.connect(self._show_progress)

        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        if driver is not None:
            driver.statusChanged.connect(self._status_changed)

    # ---- building ------------------------------------------------------------

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&Case"))
        for text, shortcut, slot in (
            (self.tr("Find case by number…"), QKeySequence.StandardKey.Find, self._find_case),
            (self.tr("Register case at map centre…"), QKeySequence("Ctrl+N"), self._register_at_centre),
            (self.tr("Sync now"), QKeySequence("F5"), self._sync_now),
        ):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.addAction(action)
        menu.addSeparator()
        menu.addActions(self.case_pane.case_actions)  # every case action, with its shortcut
        menu.addSeparator()
        # Closing the windows (this one, evaluation, replay) ends the client:
        # main.py's run_client then closes the session.
        self.quit_action = QAction(self.tr("&Quit"), self)
        quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
        if QKeySequence("Ctrl+Q") not in quit_keys:  # Ctrl+Q even where the platform binds none (Windows)
            quit_keys.append(QKeySequence("Ctrl+Q"))
        self.quit_action.setShortcuts(quit_keys)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(lambda: QApplication.closeAllWindows())
        menu.addAction(self.quit_action)
        self.addAction(self.quit_action)
        view = self.menuBar().addMenu(self.tr("&View"))
        fit = QAction(self.tr("Whole district"), self)
        fit.setShortcut(QKeySequence("Ctrl+0"))
        fit.triggered.connect(self.map.fit_to_outline)
        view.addAction(fit)
        view.addAction(self.rejections_dock.toggleViewAction())
        view.addAction(self.sync_panels.ledger_dock.toggleViewAction())
        view.addAction(self.sync_panels.health_dock.toggleViewAction())

    # ---- following changes -------------------------------------------------------

    def _follow_change(self, summary: ChangeSummary, _initiator: object) -> None:
        """The window's own part of a change: the map's layers, the
        selection, the counts."""
        if {"cell", "region"} & summary.entities:
            self.reload_static_layers()
        if summary.cases_changed:
            selected = self.case_pane.case_id
            self.refresh_cases_layer(summary)
            if selected is None:
                self._select_most_urgent()
            elif selected:
                self._reselect(selected)
                if summary.touches_case(selected):
                    self.case_pane.show_case(selected)
        if summary.positions:
            self.refresh_vehicles()
        if summary.outbox or summary.cases_changed:
            self.refresh_counts()
        if summary.rejected:
            self.status.showMessage(self.tr("The server rejected %n command(s): see Conflicts", "",
                                            len(summary.rejected)), 10000)

    def _show_failure(self, failure: Failure) -> None:
        """The one place a background failure is shown: translated, the
        error said by its code (its English text is in the log)."""
        what = failure.title or self.tr("Background work")
        text = self.tr("%1 failed: %2").replace("%1", what).replace("%2", error_text(failure.error))
        self.status.showMessage(text, 15000)

    def _show_progress(self, title: str, done: int, total: int) -> None:
        if total > 0 and done < total:
            self.status.showMessage(self.tr("%1: %2 of %3").replace("%1", title).replace(
                "%2", str(done)).replace("%3", str(total)), 3000)
        else:
            self.status.showMessage(self.tr("%1: done").replace("%1", title), 3000)

    def reload_static_layers(self) -> None:
        """The district outline (one row, read here) and the cells, built on
        the map lane (one read, vectorised: app/services/map_layers.py) and
        handed to the map when they arrive."""
        self.map.set_outline(mapdata.district_outline(self.store))
        job = 0

        def arrived(layer: mapdata.CellLayerData) -> None:
            if self._cells_job == job:  # not built here meanwhile (cell_at_point)
                self._show_cells(layer)

        job = self._cells_job = self.runner.query(mapdata.cell_layer, arrived, lane="map", key="map-cells",
                                                  title=self.tr("Reading the grid cells"), owner=self)

    def cells_loaded(self) -> bool:
        """Whether the map has been given the store's cells (the probe in main.py waits for it)."""
        return self._cells is not None

    def _show_cells(self, layer: mapdata.CellLayerData) -> None:
        self._cells_job = 0
        self._cells = layer
        self.map.set_packed_cells(layer.xy, layer.start, layer.codes)
        layers = getattr(self, "map_layers", None)
        if layers is not None:  # new cells clear the choropleth: count it again for them
            layers.controller.refresh_figure()
        self.cellsShown.emit()

    def refresh_cases_layer(self, summary: ChangeSummary | None = None) -> None:
        """Re-read the case points, on the map lane: only the cases
        ``summary`` names, every open case at first or when every case changed."""
        now = now_iso()
        if summary is None or summary.all_cases or self._case_layer is None:
            self.runner.query(lambda store: mapdata.case_layer(store, now), self._show_cases, lane="map",
                              key="map-cases", title=self.tr("Reading the map's cases"), owner=self)
            return
        changed = set(summary.cases)
        self.runner.query(lambda store: mapdata.case_points(store, changed, now),
                          lambda fresh: self._merge_cases(changed, fresh), lane="map",
                          title=self.tr("Reading the map's cases"), owner=self)

    def _show_cases(self, layer: mapdata.CaseLayerData) -> None:
        self._case_layer = layer
        self.map.set_cases(layer.x, layer.y, layer.sla, layer.ids)
        self.casesShown.emit()

    def _merge_cases(self, changed: set[str], fresh: mapdata.CaseLayerData) -> None:
        if self._case_layer is None:  # a full read is on its way and will bring these too
            return
        self._show_cases(mapdata.merge_case_layer(self._case_layer, changed, fresh))

    def refresh_vehicles(self) -> None:
        self.runner.query(mapdata.vehicle_layer, self._show_vehicles, lane="map", key="map-vehicles",
                          title=self.tr("Reading the vehicles"), owner=self)

    def _show_vehicles(self, layer: mapdata.VehicleLayerData) -> None:
        self.map.set_vehicles(layer.x, layer.y, layer.heading, layer.kind, layer.state, layer.ids)

    def refresh_counts(self) -> None:
        self.status.show_counts(self.store.counts())

    def _status_changed(self, status: SyncStatus) -> None:
        self.status.show_status(status)
        self.sync_panels.show_status(status)
        self.refresh_counts()

    def _tick(self) -> None:
        self.queue_model.tick()
        self.status.refresh_clock()
        self.sync_panels.tick()

    # ---- selection -------------------------------------------------------------

    def _select_most_urgent(self) -> None:
        """Start where a dispatcher starts: at the top of the queue."""
        first = self.queue_model.case_id_at(0)
        if first is not None and self.case_pane.case_id is None:
            self.select_case(first)

    def _queue_row_changed(self, current, _previous) -> None:
        case_id = self.queue_model.case_id_at(current.row()) if current.isValid() else None
        self.case_pane.show_case(case_id)
        self.map.select_case(case_id)

    def select_case(self, case_id: str | None) -> None:
        if not case_id:
            return
        if not self._reselect(case_id):
            self.case_pane.show_case(case_id)
        self.map.select_case(case_id)

    def _reselect(self, case_id: str) -> bool:
        row = self.queue_model.row_of(case_id)
        if row < 0:
            return False
        index = self.queue_model.index(row, 0)
        self.queue.selectionModel().setCurrentIndex(
            index, self.queue.selectionModel().SelectionFlag.ClearAndSelect
            | self.queue.selectionModel().SelectionFlag.Rows)
        self.queue.scrollTo(index)
        return True

    # ---- actions ---------------------------------------------------------------

    def _run(self, action) -> ChangeSummary | None:
        """Run a desk command (the desk publishes its summary on the bus)."""
        try:
            return action()
        except CommandRejected as exc:
            # open(), not exec(): no event loop of its own inside the qasync loop.
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Not possible"), reason_text(exc.to_dict()),
                              QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return None

    def _map_clicked(self, x: float, y: float) -> None:
        lon, lat = mapdata.point_to_lonlat(x, y)
        if self.case_loop.locate_here(lon, lat):  # the selected report gets its place
            return
        self.register_at(lon, lat)

    def cell_at_point(self, lon: float, lat: float) -> str | None:
        """The grid cell at a point; None, said in the status bar, outside every cell."""
        if self._cells is None:
            # Asked before the map lane has brought the cells (a click in the
            # first moments): build them here, once, rather than answer wrongly.
            self._show_cells(mapdata.cell_layer(self.store))
        assert self._cells is not None
        cell_code = self._cells.index.cell_at(lon, lat)
        if cell_code is None:
            self.status.showMessage(self.tr("That point is not in any grid cell of the district"), 5000)
        return cell_code

    def registration_dialog(self, cell_code: str) -> RegisterDialog:
        """The dialog that asks what a case in ``cell_code`` is."""
        cell = self.store.cell(cell_code) or {}
        street = self.store.region_names().get(cell.get("street_code", ""), "")
        return RegisterDialog(self.store.categories, cell_code, street, self)

    def open_dialog(self, dialog: QDialog, on_accepted) -> QDialog:
        """Show ``dialog`` window-modally and call ``on_accepted()`` when it
        is accepted.  ``open()`` returns at once: no nested event loop, so
        this is safe from inside a coroutine on the qasync loop."""
        self.dialog = dialog

        def finished(_code: int) -> None:
            if self.dialog is dialog:
                self.dialog = None

        dialog.finished.connect(finished)
        return open_modal(dialog, on_accepted)

    def register_at(self, lon: float, lat: float) -> RegisterDialog | None:
        """Ask what the case at a point is (window-modally); the case is
        registered when the dialog is accepted (``caseRegistered``).  None,
        said in the status bar, outside every cell."""
        cell_code = self.cell_at_point(lon, lat)
        if cell_code is None:
            return None
        dialog = self.registration_dialog(cell_code)

        def accepted() -> None:
            values = dialog.values()
            result: list[str] = []

            def register() -> ChangeSummary:
                case_id, summary = self.desk.register_case(
                    cell_code=cell_code, lon=lon, lat=lat, category=values.category, source=values.source,
                    address=values.address, description=values.description)
                result.append(case_id)
                return summary

            if self._run(register) is not None:
                self.select_case(result[0])
                self.caseRegistered.emit(result[0])

        self.open_dialog(dialog, accepted)
        return dialog

    def _register_at_centre(self) -> None:
        x, y = self.map.view_center()
        self._map_clicked(x, y)

    def _dispatch(self, case_id: str, department_id: str) -> None:
        self._run(lambda: self.desk.dispatch_case(case_id, department_id))

    def _find_case(self) -> None:
        number, ok = QInputDialog.getText(self, self.tr("Find case"), self.tr("Case number (official or provisional):"))
        if not ok or not number.strip():
            return
        case = self.store.find_case(number.strip())
        if case is None:
            self.status.showMessage(self.tr("No case with number %1").replace("%1", number.strip()), 5000)
            return
        self.select_case(case.case_id)

    def _sync_now(self) -> None:
        self.services.wake_sync()
