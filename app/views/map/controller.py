"""The map's layers as the dispatcher chooses them: basemap, opacity, choropleth, alarms.

``MapLayersController`` sits between the settings, the local store and the
map view.  It opens the chosen basemap (app/runtime/basemaps.py) and hands the
view a ``TileProvider``; it counts the chosen figure per cell
(app/store/figures.py) and shades the cells; it puts vehicles in alarm on the
alarm layer.  Both reads are queries on the background runner's "map" lane
(its own store connection); a change re-reads only what its summary names
(cases for the figure, positions and alarms for the rings).  Problems (a missing or damaged MBTiles file, a tile server
that refuses the key) become one translated sentence on ``message``: the
main window shows it in the status bar and the map keeps working without
the basemap.

Threading: GUI thread.  Tiles load on the provider's workers; the figure
and the alarm rings are read on the "map" lane and shown here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, QStandardPaths, Signal

from app.runtime.background import Background
from app.runtime.basemaps import (
    NONE,
    BasemapChoice,
    BasemapError,
    BasemapOpener,
    MapSettings,
    basemap_choices,
    open_source,
)
from app.services import map_layers as mapdata
from app.store.figures import FIGURES, cell_figure
from app.store.mbtiles import MBTilesError, MBTilesFile
from app.store.replica import ChangeSummary
from app.views.map.tiles import TileProvider, TileSourceError
from core.tiles import Datum
from core.timeutil import now_iso

__all__ = ["MapCanvas", "MapLayersController"]

log = logging.getLogger(__name__)


class MapCanvas(Protocol):
    """What the controller needs of the map view (app/views/map/canvas.py)."""

    def set_basemap(self, basemap, opacity: float = 1.0, attribution: str = "") -> None: ...

    def set_basemap_opacity(self, opacity: float) -> None: ...

    def set_cell_fill(self, values, vmin=None, vmax=None, label: str = "") -> None: ...

    def set_alarms(self, x, y, severity, ids) -> None: ...

    def cell_codes(self) -> list[str]: ...


class MapLayersController(QObject):
    message = Signal(str)  # a translated sentence for the status bar
    changed = Signal()  # the choices, the current basemap or figure changed
    figureShown = Signal()  # a figure read on the map lane was put on the cells (or cleared)
    alarmsShown = Signal()  # the alarm rings read on the map lane were put on the map

    def __init__(
        self,
        view: MapCanvas,
        runner: Background,
        settings: MapSettings | None = None,
        cache_path: Path | None = None,
        workers: int = 2,
        parent: QObject | None = None,
        opener: BasemapOpener = open_source,
    ) -> None:
        """``opener`` opens a basemap; the session's (``ClientServices.open_basemap``)
        gives server tiles the client's TLS trust and timeouts."""
        super().__init__(parent)
        self._open = opener
        self.view = view
        self.runner = runner
        self.settings = settings or MapSettings()
        if cache_path is None:
            base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
            cache_path = Path(base or Path.home() / ".cache" / "griddesk") / "tiles.sqlite"
        self.cache_path = cache_path
        self._workers = workers
        self._provider: TileProvider | None = None
        self._current = NONE
        self._figure = ""
        self._figure_job = 0  # the figure's read under way on the map lane, if any

    # --- choices

    def choices(self) -> list[BasemapChoice]:
        return basemap_choices(self.settings)

    def current(self) -> str:
        return self._current

    def figure(self) -> str:
        return self._figure

    def restore(self) -> None:
        """Show what the settings remember; a basemap that fails is reported and dropped."""
        self.select(self.settings.basemap, remember=False)
        self.set_figure(self.settings.figure if self.settings.figure in FIGURES else "", remember=False)

    def select(self, choice_id: str, remember: bool = True) -> bool:
        """Show a basemap (NONE for none).  False, with a message, if it cannot be shown."""
        choice = next((c for c in self.choices() if c.id == choice_id), None)
        if choice is None:
            choice = self.choices()[0]
            if choice_id != NONE:
                self.message.emit(self.tr("The saved basemap is no longer available"))
        provider = None
        if choice.kind != "none":
            try:
                source = self._open(choice, self.settings, self.cache_path)
            except BasemapError as exc:
                log.warning("basemap %s: %s", choice.id, exc)
                self.message.emit(self._basemap_problem(exc.reason, exc.name, exc))
                self._show(None, NONE)
                if remember:
                    self.settings.basemap = NONE
                self.changed.emit()
                return False
            provider = TileProvider(source, workers=self._workers, parent=self)
            provider.problem.connect(self._tile_problem)
            if choice.kind == "mbtiles" and not getattr(source, "datum_declared", True):
                self.message.emit(
                    self.tr("%1 does not say its datum; it is drawn as GCJ-02").replace("%1", choice.name)
                )
        self._show(provider, choice.id)
        if remember:
            self.settings.basemap = choice.id
        self.changed.emit()
        return True

    def _show(self, provider: TileProvider | None, choice_id: str) -> None:
        old, self._provider = self._provider, provider
        attribution = provider.source.attribution if provider is not None else ""
        if choice_id.startswith("tianditu:"):
            attribution = self.tr("© Tianditu")
        self.view.set_basemap(provider, self.settings.opacity, attribution)
        if old is not None:
            old.close()
            old.deleteLater()
        self._current = choice_id

    def provider(self) -> TileProvider | None:
        return self._provider

    def set_opacity(self, opacity: float) -> None:
        opacity = min(1.0, max(0.0, float(opacity)))
        self.settings.opacity = opacity
        self.view.set_basemap_opacity(opacity)

    def add_mbtiles(self, path: str | Path, datum: Datum | None = None) -> bool:
        """Add an MBTiles file to the choices and show it.  A file that cannot be
        used is refused with a message and nothing changes."""
        path = Path(path)
        try:
            MBTilesFile(path).close()
        except MBTilesError as exc:
            self.message.emit(self._basemap_problem(exc.reason, exc.file, exc))
            return False
        entries = [e for e in self.settings.mbtiles if Path(e["path"]) != path]
        entries.append({"path": str(path), "datum": datum.value if datum else ""})
        self.settings.mbtiles = entries
        return self.select(f"mbtiles:{path}")

    def set_tianditu_key(self, key: str) -> None:
        self.settings.tianditu_key = key
        if self._current.startswith("tianditu:"):
            self.select(self._current)

    # --- choropleth and alarms

    def figure_label(self, key: str) -> str:
        return {
            "open_cases": self.tr("Open cases"),
            "overdue_cases": self.tr("Overdue cases"),
            "cases_this_month": self.tr("Cases this month"),
        }.get(key, "")

    def set_figure(self, key: str, remember: bool = True) -> None:
        """Shade the cells by a figure of app.store.figures.FIGURES, or "" for none."""
        if key and key not in FIGURES:
            raise ValueError(f"unknown cell figure {key!r}")
        self._figure = key
        if remember:
            self.settings.figure = key
        self.refresh_figure()
        self.changed.emit()

    def refresh_figure(self) -> None:
        """Count the chosen figure for the map's cells on the map lane, then shade them."""
        codes = self.view.cell_codes()
        figure = self._figure
        if not figure or not codes:
            self._figure_job = 0  # an answer still on its way is for a figure no longer shown
            self.view.set_cell_fill(None)
            self.figureShown.emit()
            return
        now = now_iso()

        def shown(values: np.ndarray) -> None:
            if self._figure_job != job or self.view.cell_codes() != codes:
                return  # another figure, or new cells (which count again), since
            # Zero is "nothing here": unshaded, so the cells that need attention stand out.
            values[values == 0] = np.nan
            self.view.set_cell_fill(values, vmin=0.0, label=self.figure_label(figure))
            self.figureShown.emit()

        job = self._figure_job = self.runner.query(
            lambda store: cell_figure(store, figure, codes, now), shown, lane="map", key="map-figure",
            title=self.tr("Counting the map's figure"), owner=self)

    def refresh_alarms(self) -> None:
        """Read the vehicles in alarm on the map lane, then ring them on the map."""
        def shown(layer: mapdata.AlarmLayerData) -> None:
            self.view.set_alarms(layer.x, layer.y, layer.severity, layer.ids)
            self.alarmsShown.emit()

        self.runner.query(mapdata.alarm_layer, shown, lane="map", key="map-alarms",
                          title=self.tr("Reading the vehicles in alarm"), owner=self)

    def apply_summary(self, summary: ChangeSummary) -> None:
        """Follow a mutation or a sync round (the main window calls this after its own refresh)."""
        # New cells are counted when the main window has them (its cellsShown).
        if summary.cases_changed and self._figure:
            self.refresh_figure()
        if summary.positions or {"alarm", "alarm_ack"} & summary.entities:
            self.refresh_alarms()

    def close(self) -> None:
        if self._provider is not None:
            self._provider.close()
            self._provider = None

    # --- messages

    def _tile_problem(self, exc: TileSourceError) -> None:
        self.message.emit(self._tile_text(exc))

    def _tile_text(self, exc: TileSourceError) -> str:
        texts = {
            "unreachable": self.tr("Basemap %1: the tile server cannot be reached; showing cached tiles"),
            "not_cached": self.tr("Basemap %1: offline, and this area was never cached"),
            "refused": self.tr("Basemap %1: the tile server refused the request; check the key"),
            "http": self.tr("Basemap %1: the tile server answered with an error"),
            "not_image": self.tr("Basemap %1: the tile server did not send images; check the key and address"),
            "damaged": self.tr("Basemap %1: a tile is damaged and is left out"),
        }
        text = texts.get(exc.reason, self.tr("Basemap %1: tiles cannot be loaded"))
        return text.replace("%1", exc.source)

    def _basemap_problem(self, reason: str, name: str, exc: Exception) -> str:
        texts = {
            "missing": self.tr("Basemap file %1 is missing; the map is shown without it"),
            "not_mbtiles": self.tr("%1 is not an MBTiles file; the map is shown without it"),
            "damaged": self.tr("Basemap file %1 is damaged; the map is shown without it"),
            "format": self.tr("%1 holds tiles GridDesk cannot draw (PNG, JPEG or WebP only)"),
            "empty": self.tr("Basemap file %1 holds no tiles"),
            "datum": self.tr("Basemap file %1 declares an unknown datum"),
            "no_key": self.tr("Tianditu needs a key: click “Tianditu key…” on the map bar"),
            "no_url": self.tr("Tile server %1 has no address in the settings"),
            "no_datum": self.tr("Tile server %1 does not say its datum in the settings"),
        }
        text = texts.get(reason, self.tr("The basemap %1 cannot be shown"))
        return text.replace("%1", name)
