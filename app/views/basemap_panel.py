"""The map's layer bar: basemap source and opacity, and what the cells are shaded by.

A toolbar over the main window.  It shows the choices of a
``MapLayersController`` (app/views/map/controller.py) and passes the dispatcher's
picks back to it; the controller does the work (files, settings, counting),
so this view does no SQL and no HTTP.  ``install`` builds the controller and
the bar for a main window and routes the controller's messages to the status
bar.

Threading: GUI thread only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSlider,
    QToolBar,
    QToolButton,
    QWidget,
)

from app.runtime.basemaps import BasemapChoice
from app.store.figures import FIGURES
from app.store.replica import ChangeSummary
from app.views.map.controller import MapLayersController
from core.tiles import Datum

__all__ = ["MapLayersBar", "install"]


class MapLayersBar(QToolBar):
    def __init__(self, controller: MapLayersController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("map_layers")
        self.setWindowTitle(self.tr("Map layers"))
        self.setMovable(False)

        self.addWidget(QLabel(self.tr("Basemap") + " "))
        self.source = QComboBox()
        self.source.setMinimumContentsLength(14)
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.addWidget(self.source)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setFixedWidth(110)
        self.opacity.setToolTip(self.tr("Basemap opacity"))
        self.addWidget(QLabel(" " + self.tr("Opacity") + " "))
        self.addWidget(self.opacity)
        self.add_file = QToolButton()
        self.add_file.setText(self.tr("Add MBTiles…"))
        self.add_file.setToolTip(self.tr("Add an offline basemap file (MBTiles)"))
        self.addWidget(self.add_file)
        self.key = QToolButton()
        self.key.setText(self.tr("Tianditu key…"))
        self.addWidget(self.key)
        self.addSeparator()
        self.addWidget(QLabel(self.tr("Shade cells by") + " "))
        self.figure = QComboBox()
        self.addWidget(self.figure)

        self._filling = False
        self.reload()
        self.source.currentIndexChanged.connect(self._source_picked)
        self.opacity.valueChanged.connect(lambda v: self.controller.set_opacity(v / 100.0))
        self.figure.currentIndexChanged.connect(self._figure_picked)
        self.add_file.clicked.connect(self._add_file)
        self.key.clicked.connect(self._ask_key)
        controller.changed.connect(self.reload)

    def _choice_text(self, choice: BasemapChoice) -> str:
        if choice.kind == "none":
            return self.tr("None")
        if choice.kind == "tianditu":
            return self.tr("Tianditu vector") if choice.detail == "vector" else self.tr("Tianditu imagery")
        return choice.name

    def reload(self) -> None:
        """Refill the menus from the controller (choices, current basemap, figure, opacity)."""
        self._filling = True
        try:
            self.source.clear()
            for choice in self.controller.choices():
                self.source.addItem(self._choice_text(choice), choice.id)
            self.source.setCurrentIndex(max(0, self.source.findData(self.controller.current())))
            self.opacity.setValue(round(self.controller.settings.opacity * 100))
            self.figure.clear()
            self.figure.addItem(self.tr("Nothing"), "")
            for key in FIGURES:
                self.figure.addItem(self.controller.figure_label(key), key)
            self.figure.setCurrentIndex(max(0, self.figure.findData(self.controller.figure())))
        finally:
            self._filling = False

    def _source_picked(self, index: int) -> None:
        if not self._filling and index >= 0:
            self.controller.select(self.source.itemData(index))

    def _figure_picked(self, index: int) -> None:
        if not self._filling and index >= 0:
            self.controller.set_figure(self.figure.itemData(index))

    def _add_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Add an offline basemap"), str(Path.home()),
            self.tr("MBTiles files (*.mbtiles);;All files (*)"),
        )
        if not path:
            return
        options = [self.tr("As the file says (GCJ-02 if it does not)"), self.tr("WGS-84 / CGCS2000 (Tianditu, GPS)"),
                   self.tr("GCJ-02 (AMap, Tencent)")]
        picked, ok = QInputDialog.getItem(
            self, self.tr("Datum of the tiles"),
            self.tr("Which datum are the tiles drawn in? A wrong answer shifts the map by 100–700 m."),
            options, 0, False,
        )
        if not ok:
            return
        datum = {1: Datum.WGS84, 2: Datum.GCJ02}.get(options.index(picked))
        self.controller.add_mbtiles(path, datum)

    def _ask_key(self) -> None:
        key, ok = QInputDialog.getText(
            self, self.tr("Tianditu key"),
            self.tr("Your Tianditu key (console.tianditu.gov.cn), kept in this workstation's settings:"),
            QLineEdit.EchoMode.Normal, self.controller.settings.tianditu_key,
        )
        if ok:
            self.controller.set_tianditu_key(key)

    def apply_summary(self, summary: ChangeSummary, _initiator: object = None) -> None:
        """Subscribed to the change bus: the choropleth and the alarm rings follow it."""
        self.controller.apply_summary(summary)


def install(window: QMainWindow) -> MapLayersBar:
    """Give a main window (with ``map``, ``store`` and ``status``) its map layer bar."""
    controller = MapLayersController(window.map, window.runner, parent=window,  # type: ignore[attr-defined]
                                     opener=window.services.open_basemap)  # type: ignore[attr-defined]
    controller.message.connect(lambda text: window.status.showMessage(text, 10000))  # type: ignore[attr-defined]
    bar = MapLayersBar(controller, window)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    controller.restore()
    controller.refresh_alarms()
    window.bus.changed.connect(bar.apply_summary)  # type: ignore[attr-defined]
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(controller.close)
    return bar
