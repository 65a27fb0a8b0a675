"""The district map canvas: basemap, grid cells, boundary, cases, alarms, live vehicles.

``DistrictMapView`` is a pure view.  It is handed numpy arrays in projected Web
Mercator metres (EPSG:3857) of GCJ-02 coordinates (geodetic coordinates are
converted once, on import, elsewhere), plain Python values and a basemap
object that hands out decoded tiles (app/views/map/tiles.py), and it reports clicks,
hovers and box selections as Qt signals.  It never touches the local store or
the network.

This module is the widget itself: the view box (pan, zoom, clicks, box
drags), input validation, hit-testing and the signals.  What it draws lives
beside it, one thing per file:

* style.py         every colour, pen and size (``MapStyle``, ``STYLE``);
* static_layer.py  ``StaticLayer``: basemap tiles, choropleth, cell outlines,
  cell codes at close zoom and the district boundary (composite.py draws
  them), kept as one opaque image per zoom level;
* point_layers.py  ``CaseLayer``, ``AlarmLayer``, ``VehicleLayer``: one item
  each over numpy arrays, sprites from sprites.py;
* overlays.py      legend, scale bar, basemap credit, the selection box;
* drawing.py       the geofence tool's box and route drawing, on top of
  ``set_drawing`` and the ``pointPicked``/``areaSelected`` signals.

pyqtgraph supplies the canvas (pan, zoom, no axes).  Each layer is ONE graphics
item that draws all of its features in a single ``paint()``, so the scene holds
a handful of items whether the district has 400 cells or 60,000 and 20
vehicles or 5,000.  Hit-testing (hover, click, Shift+drag box selection) goes
through spatial indexes (app/views/map/spatial.py), built lazily after the
points change.

Threading: every function and method in this module, including the signals'
receivers, runs on the GUI thread only.  Feed it from other threads through
queued signals, never by calling it directly.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.views.map.composite import StaticScene, TileImages
from app.views.map.geometry import Rings, pack_flat, pack_rings
from app.views.map.overlays import (
    Attribution,
    SelectionBand,
    _Legend,
    _ScaleBar,
    ground_metres_per_mercator_metre,
)
from app.views.map.point_layers import AlarmLayer, CaseLayer, PointLayer, VehicleLayer
from app.views.map.static_layer import StaticLayer
from app.views.map.style import (
    ALARM_CRITICAL,
    ALARM_MINOR,
    SLA_NORMAL,
    SLA_OVERDUE,
    STYLE,
    VEHICLE_LIVE,
    VEHICLE_OFFLINE,
    MapStyle,
)

__all__ = ["DistrictMapView", "MapSelection"]


@dataclass(frozen=True)
class MapSelection:
    """What a Shift+drag box selected; rect is (xmin, ymin, xmax, ymax) in mercator metres."""

    rect: tuple[float, float, float, float]
    vehicles: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)


class _MapViewBox(pg.ViewBox):
    """A ViewBox that reports left clicks and turns Shift+drag into a box selection
    (a plain drag too while ``drawing`` is "box")."""

    def __init__(self, on_click, on_box) -> None:
        super().__init__(lockAspect=True, enableMenu=False, invertY=False)
        self._on_click = on_click
        self._on_box = on_box  # (scene start, scene end, finished) -> None
        self._boxing = False
        self.drawing: str | None = None  # see DistrictMapView.set_drawing
        # Modifiers held when the button went down: the drag is decided by them,
        # even if Shift is let go (or not reported) while the mouse moves.
        self.press_modifiers = Qt.KeyboardModifier.NoModifier

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and not ev.double():
            ev.accept()
            self._on_click(ev.scenePos())
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.isStart():
            held = ev.modifiers() | self.press_modifiers
            self._boxing = ev.button() == Qt.MouseButton.LeftButton and (
                bool(held & Qt.KeyboardModifier.ShiftModifier) or self.drawing == "box"
            )
        if self._boxing:
            ev.accept()
            self._on_box(ev.buttonDownScenePos(), ev.scenePos(), ev.isFinish())
            if ev.isFinish():
                self._boxing = False
        else:
            super().mouseDragEvent(ev, axis)


def _as_1d(name: str, values: object, n: int | None, dtype: type) -> np.ndarray:
    try:
        a: np.ndarray = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: {exc}") from None
    if a.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {a.shape}")
    if n is not None and a.size != n:
        raise ValueError(f"{name}: expected {n} values, got {a.size}")
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        raise ValueError(f"{name}: non-finite values")
    return a


def _as_index(name: str, values: object, n: int, lo: int, hi: int) -> np.ndarray:
    """A 1-D int64 array of n values, each in [lo, hi]."""
    a = _as_1d(name, values, n, np.int64)
    if n and (a.min() < lo or a.max() > hi):
        raise ValueError(f"{name} out of range")
    return a


def _as_ids(name: str, ids: Sequence[object], current: list[str], n: int) -> list[str]:
    # The same ids as last time (a position update) keep the same list, which
    # spares converting and comparing thousands of strings on the hot path.
    out = current if ids is current else [str(i) for i in ids]
    if len(out) != n:
        raise ValueError(f"{name}: expected {n} ids, got {len(out)}")
    return out


class DistrictMapView(QWidget):
    """The district map: basemap, cells, boundary, cases, alarms and vehicles, in Web Mercator metres.

    A pure view: it is given arrays, plain values and a basemap object, and
    reports clicks; it never reads the store or the network.  Setters validate
    their input and raise ValueError without changing anything when it is
    malformed.

    Threading: GUI thread only, for every method and signal.

    Signals:
        mapClicked(x, y)        left click on the map away from any marker
        caseClicked(case_id)    left click within STYLE.case_hit_px of a case
        vehicleClicked(id)      left click within STYLE.vehicle_hit_px of a vehicle
        alarmClicked(id)        left click on an alarm ring with no vehicle or case under it
        hovered(kind, id)       the marker or cell under the pointer changed
                                (kind "case", "vehicle", "alarm", "cell" or "")
        areaSelected(MapSelection)  Shift+drag drew a box
        pointPicked(x, y)       left click while drawing (set_drawing), instead of the above
    Selection is not changed by clicks: the owner decides and calls
    select_case()/select_vehicle()/select_cell(), so the map and lists agree.
    """

    mapClicked = Signal(float, float)
    caseClicked = Signal(str)
    vehicleClicked = Signal(str)
    alarmClicked = Signal(str)
    hovered = Signal(str, str)
    areaSelected = Signal(object)
    pointPicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None, style: MapStyle = STYLE) -> None:
        super().__init__(parent)
        self._style = style
        self._view = pg.GraphicsView(self, background=None)
        self._view.setFrameShape(pg.GraphicsView.Shape.NoFrame)
        # The static layer paints the background; a cached background would be
        # one more full-view blit per frame (and a reallocation per resize).
        self._view.setCacheMode(pg.GraphicsView.CacheModeFlag.CacheNone)
        self._vb = _MapViewBox(self._on_scene_click, self._on_box)
        self._vb.disableAutoRange()
        self._vb.setLimits(minXRange=style.min_view_m, minYRange=style.min_view_m)
        self._view.setCentralItem(self._vb)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)

        self._scene = StaticScene(style.composite())
        self._static = StaticLayer(self._scene, style)
        self._cases = CaseLayer(style)
        self._alarms = AlarmLayer(style)
        self._vehicles = VehicleLayer(style)
        for z, layer in enumerate((self._static, self._cases, self._alarms, self._vehicles)):
            layer.setZValue(z)
            self._vb.addItem(layer, ignoreBounds=True)

        self._legend = _Legend(self, style)
        self._scale = _ScaleBar(self, style)
        self._attribution = Attribution(self, style)
        self._legend.adjustSize()
        self._band = SelectionBand(self._view.viewport())

        self._fitted = False
        self._selected_case: str | None = None
        self._selected_vehicle: str | None = None
        self._selected_alarm: str | None = None
        self._hover: tuple[str, str] = ("", "")
        self._basemap_signal = None
        self._code_index: dict[str, int] = {}

        self._vb.sigTransformChanged.connect(self._on_transform_changed)
        self._view.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._view.viewport().installEventFilter(self)

    # --- static layers

    def set_outline(self, rings: Sequence[np.ndarray]) -> None:
        """District boundary: a list of N×2 rings in mercator metres.  Fits the view the first time."""
        packed = pack_rings([[r] for r in rings], "outline ring")
        self._scene.set_outline(packed)
        self._static.data_changed()
        if not self._fitted:
            self.fit_to_outline()

    def set_cells(
        self, rings: Sequence[np.ndarray | Sequence[np.ndarray]], codes: Sequence[str]
    ) -> None:
        """Cells: one N×2 ring (or a list of rings, for parts and holes) per code.

        Clears the choropleth and the cell selection.  If no outline has been
        set and the view was never fitted, fits to the cells.
        """
        codes = [str(c) for c in codes]
        if len(codes) != len(rings):
            raise ValueError(f"set_cells: {len(rings)} cells but {len(codes)} codes")
        if len(set(codes)) != len(codes):
            raise ValueError("set_cells: duplicate cell codes")
        self._show_cells(pack_rings(rings, "cell"), codes)

    def set_packed_cells(self, xy: np.ndarray, start: np.ndarray, codes: Sequence[str]) -> None:
        """Cells given packed, one ring each: ring i is ``xy[start[i]:start[i + 1]]``
        (app/services/map_layers.py ``CellLayerData``).  Otherwise ``set_cells``:
        the same picture, the same checks, without a Python step per ring."""
        codes = [str(c) for c in codes]
        if len(codes) != len(start) - 1:
            raise ValueError(f"set_cells: {len(start) - 1} cells but {len(codes)} codes")
        if len(set(codes)) != len(codes):
            raise ValueError("set_cells: duplicate cell codes")
        self._show_cells(pack_flat(xy, start, "cell"), codes)

    def _show_cells(self, packed: Rings, codes: list[str]) -> None:
        self._scene.set_cells(packed, codes)
        self._code_index = {c: i for i, c in enumerate(codes)}
        self._static.select_path(None)
        self._static.data_changed()
        self._legend.set_fill(None)
        if not self._fitted and self._scene.outline_rect is None:
            self.fit_to_outline()

    def set_cell_fill(
        self,
        values: np.ndarray | None,
        vmin: float | None = None,
        vmax: float | None = None,
        label: str = "",
    ) -> None:
        """Choropleth: one figure per cell (NaN = no fill), or None to clear.

        Values are cut into len(STYLE.cell_fill) equal classes between vmin and
        vmax (default: the finite minimum and maximum).  label, already
        translated by the caller, heads the ramp in the legend.
        """
        if values is None:
            self._scene.set_fill_classes(None)
            self._static.update()
            self._legend.set_fill(None)
            return
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        if v.size != len(self._scene.codes):
            raise ValueError(f"set_cell_fill: {len(self._scene.codes)} cells but {v.size} values")
        finite = np.isfinite(v)
        data_lo = float(np.min(v[finite])) if finite.any() else 0.0
        data_hi = float(np.max(v[finite])) if finite.any() else 0.0
        lo = float(vmin) if vmin is not None else data_lo
        hi = float(vmax) if vmax is not None else max(data_hi, lo)
        k = len(self._style.cell_fill)
        if hi > lo:
            cls = np.clip(
                np.floor((np.where(finite, v, lo) - lo) / (hi - lo) * k), 0, k - 1
            ).astype(np.int64)
        else:
            cls = np.full(v.size, k // 2, dtype=np.int64)
        cls[~finite] = -1
        self._scene.set_fill_classes(cls)
        self._static.update()
        self._legend.set_fill((label, lo, hi))
        self._place_overlays()

    def select_cell(self, code: str | None) -> bool:
        """Outline one cell (None clears).  Returns False if the code is unknown."""
        i = self._code_index.get(code) if code is not None else None
        self._static.select_path(self._scene.cell_path(i) if i is not None else None)
        return i is not None

    def cell_codes(self) -> list[str]:
        """The cells' codes in the order set_cells() got them (set_cell_fill's order)."""
        return self._scene.codes

    def cell_at(self, x: float, y: float) -> str | None:
        """Code of the cell containing the mercator point, or None."""
        i = self._scene.cell_at(x, y)
        return self._scene.codes[i] if i >= 0 else None

    def set_basemap(self, basemap: TileImages | None, opacity: float = 1.0, attribution: str = "") -> None:
        """Draw a basemap under the cells, or None for none.

        ``basemap`` hands out decoded tiles (app/views/map/tiles.py TileProvider);
        if it has a ``tilesLoaded`` signal the map redraws the squares of
        tiles as they arrive.  ``attribution`` is shown bottom right.
        """
        if not (0.0 <= opacity <= 1.0):
            raise ValueError(f"set_basemap: opacity {opacity!r} is outside 0..1")
        if self._basemap_signal is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._basemap_signal.disconnect(self._tiles_loaded)
            self._basemap_signal = None
        self._scene.set_basemap(basemap, opacity)
        signal = getattr(basemap, "tilesLoaded", None)
        if signal is not None:
            signal.connect(self._tiles_loaded)
            self._basemap_signal = signal
        self._attribution.set_text(attribution if basemap is not None else "")
        self._static.data_changed()
        self._place_overlays()

    def set_basemap_opacity(self, opacity: float) -> None:
        if not (0.0 <= opacity <= 1.0):
            raise ValueError(f"set_basemap_opacity: {opacity!r} is outside 0..1")
        self._scene.set_opacity(opacity)
        self._static.update()

    def basemap(self) -> TileImages | None:
        return self._scene.basemap

    def _tiles_loaded(self, keys) -> None:
        self._scene.tiles_arrived(keys)
        self._static.update()

    # --- moving layers

    def set_vehicles(
        self,
        x: np.ndarray,
        y: np.ndarray,
        heading_deg: np.ndarray,
        kind_index: np.ndarray,
        state_index: np.ndarray,
        ids: Sequence[str],
    ) -> None:
        """Replace all vehicles.  Cheap enough to call several times a second.

        heading_deg: clockwise from north.  kind_index: into STYLE.vehicle_kinds.
        state_index: VEHICLE_LIVE, VEHICLE_STALE or VEHICLE_OFFLINE.  Passing the
        list given last time as ids (same object) skips re-reading them.
        """
        xs = _as_1d("x", x, None, np.float64)
        n = xs.size
        ys = _as_1d("y", y, n, np.float64)
        hs = _as_1d("heading_deg", heading_deg, n, np.float64)
        kinds = _as_index("kind_index", kind_index, n, 0, len(self._style.vehicle_kinds) - 1)
        states = _as_index("state_index", state_index, n, VEHICLE_LIVE, VEHICLE_OFFLINE)
        names = _as_ids("ids", ids, self._vehicles.ids, n)
        self._vehicles.set_vehicles(xs, ys, hs, kinds, states, names, self._selected_vehicle)

    def select_vehicle(self, vehicle_id: str | None) -> None:
        """Ring one vehicle (None clears); the ring follows it across updates."""
        self._selected_vehicle = vehicle_id
        self._vehicles.select(vehicle_id)

    def set_cases(
        self, x: np.ndarray, y: np.ndarray, sla_index: np.ndarray, ids: Sequence[str]
    ) -> None:
        """Replace all open-case markers.  sla_index: SLA_NORMAL, SLA_DUE_SOON or SLA_OVERDUE."""
        xs = _as_1d("x", x, None, np.float64)
        n = xs.size
        ys = _as_1d("y", y, n, np.float64)
        sla = _as_index("sla_index", sla_index, n, SLA_NORMAL, SLA_OVERDUE)
        names = _as_ids("ids", ids, self._cases.ids, n)
        self._cases.set_cases(xs, ys, sla, names, self._selected_case)

    def select_case(self, case_id: str | None) -> None:
        """Ring one case (None clears); kept across set_cases() while the id is present."""
        self._selected_case = case_id
        self._cases.select(case_id)

    def set_alarms(
        self, x: np.ndarray, y: np.ndarray, severity: np.ndarray, ids: Sequence[str]
    ) -> None:
        """Replace all alarm rings.  severity: ALARM_MINOR, ALARM_MAJOR or ALARM_CRITICAL."""
        xs = _as_1d("x", x, None, np.float64)
        n = xs.size
        ys = _as_1d("y", y, n, np.float64)
        sev = _as_index("severity", severity, n, ALARM_MINOR, ALARM_CRITICAL)
        names = _as_ids("ids", ids, self._alarms.ids, n)
        self._alarms.set_alarms(xs, ys, sev, names, self._selected_alarm)

    def select_alarm(self, alarm_id: str | None) -> None:
        self._selected_alarm = alarm_id
        self._alarms.select(alarm_id)

    # --- view

    def fit_to_outline(self) -> None:
        """Show the whole district (or all cells if there is no outline yet)."""
        rect = self._scene.outline_rect or self._scene.cells_rect
        if rect is None:
            return
        self._vb.setRange(rect=rect, padding=0.04)
        self._fitted = True

    def set_view(self, center_x: float, center_y: float, width_m: float) -> None:
        """Centre the map on a mercator point with width_m metres across the view."""
        if not (math.isfinite(center_x) and math.isfinite(center_y) and width_m > 0):
            raise ValueError("set_view: centre must be finite and width positive")
        w, h = self._vb.width(), self._vb.height()
        height_m = width_m * (h / w if w > 0 and h > 0 else 0.7)
        self._vb.setRange(
            xRange=(center_x - width_m / 2, center_x + width_m / 2),
            yRange=(center_y - height_m / 2, center_y + height_m / 2),
            padding=0,
        )
        self._fitted = True

    def view_rect(self) -> QRectF:
        """The mercator rectangle currently shown."""
        return self._vb.viewRect()

    def view_center(self) -> tuple[float, float]:
        """The mercator point at the centre of the view."""
        centre = self._vb.viewRect().center()
        return centre.x(), centre.y()

    def vehicle_count(self) -> int:
        return len(self._vehicles.ids)

    def map_to_viewport(self, x: float, y: float) -> QPointF:
        """Mercator metres → pixel position in graphics_view().viewport()."""
        scene = self._vb.mapViewToScene(QPointF(x, y))
        return QPointF(self._view.mapFromScene(scene))

    def map_from_viewport(self, pos: QPointF) -> tuple[float, float]:
        """Pixel position in graphics_view().viewport() → mercator metres."""
        p = self._vb.mapSceneToView(self._view.mapToScene(pos.toPoint()))
        return p.x(), p.y()

    def graphics_view(self) -> pg.GraphicsView:
        return self._view

    def view_box(self) -> pg.ViewBox:
        return self._vb

    def set_legend_visible(self, visible: bool) -> None:
        self._legend.setVisible(visible)

    def invalidate(self) -> None:
        """Forget the cached static picture; the next paint renders the whole view.

        What a data change does to the cache, without changing data: for
        benchmarks and tests that must measure a real full repaint.
        """
        self._static.drop_cache()

    def full_renders(self) -> int:
        """How many times the whole view's static picture has been rendered."""
        return self._static.full_renders

    def rendered_cells(self) -> int:
        """How many cells the scene held when the whole view's static picture
        was last rendered (0 before the cells have been drawn once)."""
        return self._static.rendered_cells

    def render_stats(self):
        """Counters of the static renderer (app/views/map/composite.py RenderStats)."""
        return self._scene.stats

    # --- internals

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress:
            self._vb.press_modifiers = event.modifiers()
        return False

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._place_overlays()

    def _place_overlays(self) -> None:
        margin = 12
        self._legend.adjustSize()
        self._legend.move(self.width() - self._legend.width() - margin, margin)
        self._scale.move(margin, self.height() - self._scale.height() - margin)
        self._attribution.adjustSize()
        self._attribution.move(
            self.width() - self._attribution.width() - 4,
            self.height() - self._attribution.height() - 4,
        )
        for overlay in (self._legend, self._scale, self._attribution):
            overlay.raise_()

    def _pixel_size(self) -> tuple[float, float] | None:
        """Metres per device pixel, or None before the view has been laid out."""
        if self._vb.pixelVectors()[0] is None:
            return None
        return self._vb.viewPixelSize()

    def _on_transform_changed(self) -> None:
        size = self._pixel_size()
        if size is None:
            return
        pw = size[0]
        centre = self._vb.viewRect().center().y()
        self._scale.set_metres_per_pixel(pw * ground_metres_per_mercator_metre(centre))

    def _hit(self, scene_pos: QPointF) -> tuple[str, str] | None:
        size = self._pixel_size()
        if size is None:
            return None
        pw, ph = size
        p = self._vb.mapSceneToView(scene_pos)
        s = self._style
        best: tuple[float, str, str] | None = None
        # Vehicles and cases before alarms: a ring is big and sits under its vehicle.
        for kind, layer, radius in (
            ("case", self._cases, s.case_hit_px),
            ("vehicle", self._vehicles, s.vehicle_hit_px),
        ):
            if not layer.ids:
                continue
            hit = layer.index().nearest(p.x(), p.y(), radius * pw, radius * ph)
            if hit is not None and (best is None or hit[1] * radius < best[0]):
                best = (hit[1] * radius, kind, layer.ids[hit[0]])
        if best is None and self._alarms.ids:
            hit = self._alarms.index().nearest(p.x(), p.y(), s.alarm_hit_px * pw, s.alarm_hit_px * ph)
            if hit is not None:
                best = (0.0, "alarm", self._alarms.ids[hit[0]])
        return (best[1], best[2]) if best is not None else None

    def set_drawing(self, mode: str | None) -> None:
        """Arm the map for drawing: "box" makes a plain left drag select a box
        (as Shift+drag does), "line" leaves drags panning; in both a left click
        emits pointPicked instead of opening what is under it.  None disarms."""
        if mode not in (None, "box", "line"):
            raise ValueError(f"unknown drawing mode {mode!r}")
        self._vb.drawing = mode
        vp = self._view.viewport()
        if mode is None:
            vp.unsetCursor()
        else:
            vp.setCursor(Qt.CursorShape.CrossCursor)

    @property
    def drawing(self) -> str | None:
        return self._vb.drawing

    def _on_scene_click(self, scene_pos: QPointF) -> None:
        if self._vb.drawing is not None:
            # A click while drawing is a point of the shape, never "register a case here".
            p = self._vb.mapSceneToView(scene_pos)
            self.pointPicked.emit(p.x(), p.y())
            return
        hit = self._hit(scene_pos)
        if hit is None:
            p = self._vb.mapSceneToView(scene_pos)
            self.mapClicked.emit(p.x(), p.y())
        elif hit[0] == "case":
            self.caseClicked.emit(hit[1])
        elif hit[0] == "vehicle":
            self.vehicleClicked.emit(hit[1])
        else:
            self.alarmClicked.emit(hit[1])

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self._hit(scene_pos)
        pointer = hit is not None
        if hit is None and self._scene.codes:
            size = self._pixel_size()
            # Cells are named on hover only where they are big enough to point at.
            if size is not None and self._scene.lod_alpha(1.0 / size[0]) > 0:
                p = self._vb.mapSceneToView(scene_pos)
                code = self.cell_at(p.x(), p.y())
                if code is not None:
                    hit = ("cell", code)
        current = hit or ("", "")
        if current != self._hover:
            self._hover = current
            vp = self._view.viewport()
            if self._vb.drawing is not None:
                pass  # the drawing crosshair stays
            elif pointer:
                vp.setCursor(Qt.CursorShape.PointingHandCursor)
            else:
                vp.unsetCursor()
            vp.setToolTip(current[1])
            self.hovered.emit(*current)

    def _on_box(self, start: QPointF, end: QPointF, finished: bool) -> None:
        a = QPoint(self._view.mapFromScene(start))
        b = QPoint(self._view.mapFromScene(end))
        self._band.follow(QRect(a, b), finished)
        if not finished:
            return
        p0, p1 = self._vb.mapSceneToView(start), self._vb.mapSceneToView(end)
        xmin, xmax = sorted((p0.x(), p1.x()))
        ymin, ymax = sorted((p0.y(), p1.y()))
        self.areaSelected.emit(self.select_box(xmin, ymin, xmax, ymax))

    def select_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> MapSelection:
        """What lies in a mercator box: vehicles, cases, alarms (points inside) and
        cells (those whose centre is inside).  Does not change any selection."""

        def inside(layer: PointLayer) -> list[str]:
            return [layer.ids[i] for i in layer.index().in_box(xmin, ymin, xmax, ymax).tolist()]

        cells = self._scene.cells_in_box(xmin, ymin, xmax, ymax)
        cx, cy = self._scene.cell_centres(cells)
        keep = (cx >= xmin) & (cx <= xmax) & (cy >= ymin) & (cy <= ymax)
        codes = [self._scene.codes[i] for i in cells[keep].tolist()]
        return MapSelection(
            (xmin, ymin, xmax, ymax),
            vehicles=inside(self._vehicles),
            cases=inside(self._cases),
            alarms=inside(self._alarms),
            cells=codes,
        )
