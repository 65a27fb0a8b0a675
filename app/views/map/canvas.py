"""The district map canvas: basemap, grid cells, boundary, cases, alarms, live vehicles.

``DistrictMapView`` is a pure view.  It is handed numpy arrays in projected Web
Mercator metres (EPSG:3857) of GCJ-02 coordinates (geodetic coordinates are
converted once, on import, elsewhere), plain Python values and a basemap
object that hands out decoded tiles (app/views/map/tiles.py), and it reports clicks,
hovers and box selections as Qt signals.  It never touches the local store or
the network.

pyqtgraph supplies the canvas (pan, zoom, no axes).  Each layer is ONE graphics
item that draws all of its features in a single ``paint()``, so the scene holds
a handful of items whether the district has 400 cells or 60,000 and 20
vehicles or 5,000:

* ``_StaticLayer``   basemap tiles, choropleth, cell outlines, cell codes at
  close zoom, district boundary (app/views/map/composite.py draws them), kept as
  one opaque image per zoom level; a pan renders only the strip it uncovers;
* ``_CaseLayer``     open cases as discs coloured by SLA state;
* ``_AlarmLayer``    alarms as rings coloured by severity;
* ``_VehicleLayer``  vehicles as arrows coloured by kind, pointing along their
  heading, dimmed when stale or offline.

Markers keep a constant size on screen: positions are mapped to device
pixels with numpy and pre-rendered sprites are blitted in one native call.
Hit-testing (hover, click, Shift+drag box selection) goes through spatial
indexes (app/views/map/spatial.py), built lazily after the points change.

Threading: every function and method in this module, including the signals'
receivers, runs on the GUI thread only.  Feed it from other threads through
queued signals, never by calling it directly.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QGraphicsItem, QRubberBand, QVBoxLayout, QWidget

from app.views.map.composite import CompositeStyle, StaticScene, TileImages, rect_difference
from app.views.map.geometry import bbox_rect, pack_rings
from app.views.map.spatial import PointIndex

__all__ = [
    "ALARM_CRITICAL",
    "ALARM_MAJOR",
    "ALARM_MINOR",
    "SLA_DUE_SOON",
    "SLA_NORMAL",
    "SLA_OVERDUE",
    "STYLE",
    "VEHICLE_LIVE",
    "VEHICLE_OFFLINE",
    "VEHICLE_STALE",
    "DistrictMapView",
    "MapSelection",
    "MapStyle",
]


# --------------------------------------------------------------------------- style


@dataclass(frozen=True)
class MapStyle:
    """Every colour and size the map draws with.  Sizes are device pixels."""

    background: str = "#0d141c"
    cell_line: str = "#34495f"
    cell_selected: str = "#f8fafc"
    # Sequential ramp, low to high; drawn under the outlines with cell_fill_alpha.
    cell_fill: tuple[str, ...] = ("#173a55", "#1f5872", "#24768a", "#3a9591", "#6cb38a", "#b8cf6a")
    cell_fill_alpha: int = 170
    # (minimum on-screen cell size in px, outline alpha): thousands of outlines a
    # pixel or two apart read as a solid block, so they fade out as the map zooms out.
    cell_lod: tuple[tuple[float, int], ...] = ((7.0, 255), (4.0, 170), (2.0, 90))
    # Cell codes are written in cells at least this wide on screen.
    label_min_px: float = 56.0
    label_point_size: float = 8.0
    label: str = "#c3d0dd"
    label_halo: str = "#0d141c"
    outline: str = "#5cc8ff"
    outline_glow_px: float = 9.0
    outline_glow_alpha: int = 55
    # Order of kind_index; matches core.positions.VehicleKind.
    vehicle_kinds: tuple[str, ...] = ("sweeper", "sprinkler", "muck_truck", "patrol")
    vehicle_colors: tuple[str, ...] = ("#2dd4bf", "#60a5fa", "#e879f9", "#f8fafc")
    vehicle_stale_alpha: int = 115
    vehicle_offline: str = "#6b7785"
    vehicle_offline_alpha: int = 160
    vehicle_edge: str = "#04080c"
    vehicle_length_px: float = 17.0
    vehicle_width_px: float = 12.0
    vehicle_hit_px: float = 10.0
    # Indexed by sla_index: normal, due soon, overdue.
    case_colors: tuple[str, ...] = ("#22c55e", "#f59e0b", "#ef4444")
    case_px: float = 10.0
    case_edge: str = "#04080c"
    case_hit_px: float = 8.0
    # Indexed by alarm severity: minor, major, critical.
    alarm_colors: tuple[str, ...] = ("#facc15", "#fb923c", "#ff2d55")
    alarm_px: float = 26.0
    alarm_hit_px: float = 13.0
    selection: str = "#ffffff"
    overlay_background: str = "#0d141c"
    overlay_alpha: int = 215
    overlay_border: str = "#2c3d4f"
    overlay_text: str = "#d5dee8"
    overlay_muted: str = "#8293a6"
    # Device pixels rendered beyond the view when a pan uncovers new ground,
    # so the next few mouse moves of a drag reuse the picture.
    cache_margin_px: int = 64
    min_view_m: float = 30.0

    def composite(self) -> CompositeStyle:
        return CompositeStyle(
            background=self.background,
            cell_line=self.cell_line,
            cell_fill=self.cell_fill,
            cell_fill_alpha=self.cell_fill_alpha,
            cell_lod=self.cell_lod,
            outline=self.outline,
            outline_glow_px=self.outline_glow_px,
            outline_glow_alpha=self.outline_glow_alpha,
            label=self.label,
            label_halo=self.label_halo,
            label_min_px=self.label_min_px,
            label_point_size=self.label_point_size,
        )


STYLE = MapStyle()

VEHICLE_LIVE, VEHICLE_STALE, VEHICLE_OFFLINE = 0, 1, 2
SLA_NORMAL, SLA_DUE_SOON, SLA_OVERDUE = 0, 1, 2
ALARM_MINOR, ALARM_MAJOR, ALARM_CRITICAL = 0, 1, 2

_EARTH_RADIUS_M = 6378137.0


@dataclass(frozen=True)
class MapSelection:
    """What a Shift+drag box selected; rect is (xmin, ymin, xmax, ymax) in mercator metres."""

    rect: tuple[float, float, float, float]
    vehicles: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)


def _color(hex_rgb: str, alpha: int = 255) -> QColor:
    c = QColor(hex_rgb)
    c.setAlpha(alpha)
    return c


def _cosmetic_pen(
    color: QColor, width: float, cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap
) -> QPen:
    pen = QPen(color)
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setCapStyle(cap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _polygon(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF filled straight from an (N, 2) float array, without a Python loop."""
    poly = pg.functions.create_qpolygonf(len(xy))
    if len(xy):
        pg.functions.ndarray_from_qpolygonf(poly)[:] = xy
    return poly


def _ground_metres_per_mercator_metre(y: float) -> float:
    """Web Mercator stretches distances by 1/cos(latitude); the scale bar undoes it."""
    lat = math.atan(math.sinh(y / _EARTH_RADIUS_M))
    return math.cos(lat)


def _device_xy(t: QTransform, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return t.m11() * x + t.m21() * y + t.dx(), t.m12() * x + t.m22() * y + t.dy()


def _sticky_rect(current: QRectF | None, x: np.ndarray, y: np.ndarray) -> QRectF | None:
    """Bounds that only grow, with slack, so moving points rarely change geometry.

    prepareGeometryChange() makes the scene re-index and repaint the union of the
    old and new bounds; doing it on every vehicle update would be wasted work.
    """
    if x.size == 0:
        return current
    xmin, xmax, ymin, ymax = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    need = bbox_rect(xmin, ymin, xmax, ymax)
    if current is not None and current.contains(need):
        return current
    if current is not None:
        need = need.united(current)
    slack = max(need.width(), need.height(), 200.0) * 0.25
    return need.adjusted(-slack, -slack, slack, slack)


def _inside(dx: np.ndarray, dy: np.ndarray, rect: QRectF | None) -> np.ndarray:
    """Boolean mask of device points inside rect; culls before building fragments."""
    if rect is None:
        return np.ones(dx.size, dtype=bool)
    return (dx >= rect.left()) & (dx <= rect.right()) & (dy >= rect.top()) & (dy <= rect.bottom())


def _draw_ring(p: QPainter, centre: QPointF, radius: float, halo: QPen, pen: QPen) -> None:
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for q in (halo, pen):
        p.setPen(q)
        p.drawEllipse(centre, radius, radius)


# -------------------------------------------------------------------------- layers


class _Layer(pg.GraphicsObject):
    """Bounds = data rectangle plus a margin in device pixels (markers, thick pens)."""

    def __init__(self, pad_px: float) -> None:
        super().__init__()
        self._pad_px = pad_px
        self._data_rect: QRectF | None = None
        self._bounds: QRectF | None = None

    def _set_data_rect(self, rect: QRectF | None) -> None:
        if rect == self._data_rect:
            return
        self.prepareGeometryChange()
        self._data_rect = rect
        self._bounds = None

    def viewTransformChanged(self) -> None:
        super().viewTransformChanged()
        # The pixel margin is a different number of metres at every zoom.
        self.prepareGeometryChange()
        self._bounds = None

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            if self._data_rect is None:
                self._bounds = QRectF()
            else:
                pw = ph = 0.0
                pv, ov = self.pixelVectors()
                if pv is not None and ov is not None:
                    pw, ph = pv.length(), ov.length()
                m = self._pad_px
                self._bounds = self._data_rect.adjusted(-m * pw, -m * ph, m * pw, m * ph)
        return self._bounds

    def _visible_device_rect(self, t: QTransform, margin: float) -> QRectF | None:
        view = self.viewRect()
        if view is None:
            return None
        return t.mapRect(view).adjusted(-margin, -margin, margin, margin)


# ---------------------------------------------------------------- static layer


_WORLD = QRectF(-2.0e7, -2.0e7, 4.0e7, 4.0e7)  # Web Mercator's square, with room


@dataclass
class _Cache:
    """The static picture for one zoom level: ``image`` covers device rectangle
    ``area`` of the frame where the view's translation was (dx, dy)."""

    key: tuple
    image: QImage
    area: QRect
    dx: float
    dy: float


class _StaticLayer(_Layer):
    """Basemap, choropleth, outlines, codes and boundary, kept as one opaque image per zoom.

    A repaint while vehicles move is one blit.  A pan blits what it can and
    renders only the uncovered strip (plus ``cache_margin_px``); a tile that
    arrives re-renders only its square; a zoom, a resize past the picture or
    new data renders the view afresh.  The selected cell is drawn live on top.
    """

    def __init__(self, scene: StaticScene, style: MapStyle) -> None:
        super().__init__(pad_px=style.outline_glow_px)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.scene_data = scene
        self._style = style
        self._cache: _Cache | None = None
        self._spare: QImage | None = None
        self._selected: QPainterPath | None = None
        self._selected_halo = _cosmetic_pen(_color(style.background, 200), 5.0)
        self._selected_pen = _cosmetic_pen(QColor(style.cell_selected), 2.0)
        self.full_renders = 0  # whole-view renders, for tests and the benchmark
        self._update_rect()

    def data_changed(self) -> None:
        self._update_rect()
        self.update()

    def _update_rect(self) -> None:
        # The layer paints the background too, so the view needs no brush of its
        # own (one full-view fill less per frame): it covers the whole world.
        self._set_data_rect(_WORLD)

    def select_path(self, path: QPainterPath | None) -> None:
        self._selected = path
        self.update()

    def drop_cache(self) -> None:
        """Forget the picture: the next paint renders the whole view (benchmarks, tests)."""
        if self._cache is not None:
            self._spare = self._cache.image
        self._cache = None
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        if self._data_rect is None:
            return
        t = p.transform()
        view = self.viewRect()
        if widget is None or view is None or t.isRotating() or t.m12() or t.m21():
            self._paint_direct(p, t, option.exposedRect)
        else:
            self._blit(p, t, t.mapRect(view))
        if self._selected is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(self._selected_halo)
            p.drawPath(self._selected)
            p.setPen(self._selected_pen)
            p.drawPath(self._selected)

    def _paint_direct(self, p: QPainter, t: QTransform, exposed: QRectF) -> None:
        """Export or an unusual transform: render the exposed part into a temporary image."""
        dev = t.mapRect(exposed).toAlignedRect()
        if dev.isEmpty() or dev.width() * dev.height() > 40_000_000:
            return
        image = QImage(dev.size(), QImage.Format.Format_ARGB32_Premultiplied)
        self.scene_data.render(image, QPointF(dev.topLeft()), t, dev)
        p.save()
        try:
            p.resetTransform()
            p.drawImage(dev.topLeft(), image)
        finally:
            p.restore()

    def _blit(self, p: QPainter, t: QTransform, visible: QRectF) -> None:
        s = self.scene_data
        dpr = p.device().devicePixelRatioF()
        key = (t.m11(), t.m22(), dpr, s.version)
        c = self._cache
        if c is None or c.key != key:
            area = visible.toAlignedRect()
            image = self._image(area.size(), dpr, c)
            frame = QTransform(t.m11(), 0.0, 0.0, t.m22(), t.dx(), t.dy())
            s.render(image, QPointF(area.topLeft()), frame, area)
            c = self._cache = _Cache(key, image, area, t.dx(), t.dy())
            s.dirty.clear()
            self.full_renders += 1
        in_frame = visible.translated(c.dx - t.dx(), c.dy - t.dy())
        need = in_frame.toAlignedRect()
        if not c.area.contains(need):
            self._extend(c, need, dpr)
        if s.dirty:
            self._flush_dirty(c)
        p.save()
        try:
            p.resetTransform()
            p.drawImage(
                QPointF(c.area.left() + t.dx() - c.dx, c.area.top() + t.dy() - c.dy),
                c.image,
                QRectF(0, 0, c.area.width() * dpr, c.area.height() * dpr),
            )
        finally:
            p.restore()
        basemap = s.basemap
        if basemap is not None:
            basemap.request(s.missing_tiles(self._frame(c), in_frame))

    @staticmethod
    def _frame(c: _Cache) -> QTransform:
        return QTransform(c.key[0], 0.0, 0.0, c.key[1], c.dx, c.dy)

    def _extend(self, c: _Cache, need: QRect, dpr: float) -> None:
        """Scroll the picture: keep what overlaps, render only the new ground."""
        m = self._style.cache_margin_px
        area = need.adjusted(-m, -m, m, m)
        image = self._image(area.size(), dpr, None)
        keep = area.intersected(c.area)
        if not keep.isEmpty():
            q = QPainter(image)
            try:
                q.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                q.drawImage(
                    QPointF(c.area.topLeft() - area.topLeft()),
                    c.image,
                    QRectF(0, 0, c.area.width() * dpr, c.area.height() * dpr),
                )
            finally:
                q.end()
        frame = self._frame(c)
        for strip in rect_difference(area, keep):
            self.scene_data.render(image, QPointF(area.topLeft()), frame, strip)
        self._spare = c.image
        c.image, c.area = image, area

    def _image(self, size: QSize, dpr: float, retiring: _Cache | None) -> QImage:
        """An image for a picture of ``size`` device pixels, reusing a big enough
        spare one: a fresh 6 MB image costs a millisecond or two in page faults."""
        w, h = math.ceil(size.width() * dpr), math.ceil(size.height() * dpr)
        for image in (self._spare, retiring.image if retiring is not None else None):
            if (
                image is not None
                and image.width() >= w
                and image.height() >= h
                and image.devicePixelRatio() == dpr
            ):
                if image is self._spare:
                    self._spare = retiring.image if retiring is not None else None
                return image
        if retiring is not None:
            self._spare = retiring.image
        # Opaque: blitting it onto the window is a copy, not a blend.
        image = QImage(w + 128, h + 128, QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(dpr)
        return image

    def _flush_dirty(self, c: _Cache) -> None:
        s = self.scene_data
        frame = self._frame(c)
        dirty, s.dirty = s.dirty, []
        # Tiles arrive in batches of neighbours: one render of their bounds costs
        # less than one per tile (each render strokes the boundary again).
        union = QRect()
        for r in dirty:
            union = union.united(frame.mapRect(r).toAlignedRect())
        dev = union.intersected(c.area)
        if not dev.isEmpty():
            s.render(c.image, QPointF(c.area.topLeft()), frame, dev)


# ---------------------------------------------------------------- point layers


class _SpriteAtlas:
    """Pre-rendered antialiased markers in one image, drawn with drawPixmapFragments.

    Filling thousands of small antialiased polygons through QPainterPath grows
    worse than linearly (2,000 arrows took ~75 ms); blitting pre-rendered
    sprites is one native call for all of them.  Each sprite is cropped to its
    own ink, so a blit blends only the pixels the marker covers (an arrow
    turned 45° needs a wider box than one pointing north).
    """

    def __init__(self, cell_px: int, count: int, draw_sprite: Callable[[QPainter, int], None]) -> None:
        self._cell = cell_px
        self._count = count
        self._cols = max(1, min(count, 64))
        self._draw_sprite = draw_sprite  # (QPainter centred on the sprite, index) -> None
        self._pixmap: QPixmap | None = None
        self._dpr = 0.0
        self._crop = np.zeros((count, 6))  # source left, top, w, h; centre offset x, y (device px)
        self._frag = np.zeros((0, 10))

    def _build(self, dpr: float) -> None:
        side = math.ceil(self._cell * dpr)
        rows = math.ceil(self._count / self._cols)
        image = QImage(self._cols * side, rows * side, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for i in range(self._count):
                p.save()
                p.translate((i % self._cols + 0.5) * side, (i // self._cols + 0.5) * side)
                p.scale(dpr, dpr)
                self._draw_sprite(p, i)
                p.restore()
        finally:
            p.end()
        alpha = (
            np.frombuffer(image.constBits(), np.uint32, count=image.width() * image.height())
            .reshape(image.height(), image.width())
            >> 24
        )
        for i in range(self._count):
            left, top = (i % self._cols) * side, (i // self._cols) * side
            ink = alpha[top : top + side, left : left + side] > 0
            rows_any, cols_any = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
            if rows_any.size == 0:
                self._crop[i] = (left, top, 1, 1, 0, 0)
                continue
            x0, x1 = int(cols_any[0]), int(cols_any[-1]) + 1
            y0, y1 = int(rows_any[0]), int(rows_any[-1]) + 1
            self._crop[i] = (
                left + x0,
                top + y0,
                x1 - x0,
                y1 - y0,
                ((x0 + x1) / 2 - side / 2) / dpr,
                ((y0 + y1) / 2 - side / 2) / dpr,
            )
        self._pixmap = QPixmap.fromImage(image)
        self._dpr = dpr

    def draw(self, p: QPainter, dx: np.ndarray, dy: np.ndarray, sprite: np.ndarray) -> None:
        """Draw sprite[i] centred on device point (dx[i], dy[i]); the painter is in device pixels."""
        n = dx.size
        if n == 0:
            return
        dpr = p.device().devicePixelRatioF()
        if self._pixmap is None or dpr != self._dpr:
            self._build(dpr)
        if self._frag.shape[0] < n:
            self._frag = np.empty((max(n, 2 * self._frag.shape[0]), 10))
        crop = self._crop[sprite]
        # QPainter::PixmapFragment: x, y, sourceLeft, sourceTop, width, height,
        # scaleX, scaleY, rotation, opacity; (x, y) is the centre of the target.
        f = self._frag[:n]
        f[:, 0] = dx + crop[:, 4]
        f[:, 1] = dy + crop[:, 5]
        f[:, 2:6] = crop[:, :4]
        f[:, 6:10] = (1.0 / dpr, 1.0 / dpr, 0.0, 1.0)
        fragments = shiboken6.wrapInstance(f.ctypes.data, QPainter.PixmapFragment)
        p.drawPixmapFragments(fragments, n, self._pixmap)  # type: ignore[arg-type]  # a C array, as Qt wants


class _PointLayer(_Layer):
    """Markers of constant screen size at mercator points, one sprite each, with one selection ring."""

    def __init__(self, pad_px: float, ring_radius: float, style: MapStyle) -> None:
        super().__init__(pad_px=pad_px)
        self._style = style
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.ids: list[str] = []
        self._sprite = np.zeros(0, np.int64)
        self._order = np.zeros(0, np.int64)
        self._ox = self._oy = np.zeros(0)
        self._osprite = np.zeros(0, np.int64)
        self._selected = -1
        self._index: PointIndex | None = None
        self._atlas: _SpriteAtlas | None = None
        self._ring_halo = _cosmetic_pen(_color(style.case_edge, 220), 5.0)
        self._ring = _cosmetic_pen(QColor(style.selection), 2.0)
        self._ring_radius = ring_radius
        self._cull_px = pad_px

    def _set_points(
        self, x: np.ndarray, y: np.ndarray, sprite: np.ndarray, order: np.ndarray, ids: list[str],
        selected: str | None,
    ) -> None:
        self.x, self.y = x, y
        if ids != self.ids:
            self.ids = ids
        self._sprite, self._order = sprite, order
        # Drawing order baked in once per update, not gathered again on every paint.
        self._ox, self._oy, self._osprite = x[order], y[order], sprite[order]
        self._index = None
        self._set_data_rect(_sticky_rect(self._data_rect, x, y))
        self.select(selected)

    def select(self, item_id: str | None) -> None:
        try:
            self._selected = self.ids.index(item_id) if item_id is not None else -1
        except ValueError:
            self._selected = -1
        self.update()

    def index(self) -> PointIndex:
        if self._index is None or len(self._index) != self.x.size:
            self._index = PointIndex(self.x, self.y)
        return self._index

    def paint(self, p: QPainter, option, widget=None) -> None:
        if self.x.size == 0 or self._atlas is None:
            return
        t = p.transform()
        dx, dy = _device_xy(t, self._ox, self._oy)
        show = _inside(dx, dy, self._visible_device_rect(t, self._cull_px))
        p.save()
        try:
            p.resetTransform()
            self._atlas.draw(p, dx[show], dy[show], self._osprite[show])
            if 0 <= self._selected < self.x.size:
                sx, sy = _device_xy(t, self.x[self._selected : self._selected + 1],
                                    self.y[self._selected : self._selected + 1])
                _draw_ring(p, QPointF(sx[0], sy[0]), self._ring_radius, self._ring_halo, self._ring)
        finally:
            p.restore()


class _CaseLayer(_PointLayer):
    def __init__(self, style: MapStyle) -> None:
        super().__init__(style.case_px + 8, style.case_px / 2 + 6.0, style)
        edge = _cosmetic_pen(_color(style.case_edge, 230), 1.5)
        brushes = [QBrush(QColor(c)) for c in style.case_colors]
        r = style.case_px / 2

        def sprite(p: QPainter, i: int) -> None:
            p.setPen(edge)
            p.setBrush(brushes[i])
            p.drawEllipse(QPointF(0, 0), r, r)

        self._atlas = _SpriteAtlas(math.ceil(style.case_px + 4), len(brushes), sprite)

    def set_cases(
        self, x: np.ndarray, y: np.ndarray, sla: np.ndarray, ids: list[str], selected: str | None
    ) -> None:
        # Worst state drawn last, so an overdue case is never hidden under a normal one.
        self._set_points(x, y, sla, np.argsort(sla, kind="stable"), ids, selected)

    @property
    def sla(self) -> np.ndarray:
        return self._sprite


class _AlarmLayer(_PointLayer):
    """Alarms as rings under the vehicles: a vehicle in alarm stands out at any zoom."""

    def __init__(self, style: MapStyle) -> None:
        super().__init__(style.alarm_px + 8, style.alarm_px / 2 + 5.0, style)
        r = style.alarm_px / 2

        def sprite(p: QPainter, i: int) -> None:
            colour = QColor(style.alarm_colors[i])
            glow = QColor(colour)
            glow.setAlpha(70)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(_cosmetic_pen(glow, 6.0))
            p.drawEllipse(QPointF(0, 0), r - 3, r - 3)
            p.setPen(_cosmetic_pen(colour, 2.5))
            p.drawEllipse(QPointF(0, 0), r - 3, r - 3)

        self._atlas = _SpriteAtlas(math.ceil(style.alarm_px + 6), len(style.alarm_colors), sprite)

    def set_alarms(
        self, x: np.ndarray, y: np.ndarray, severity: np.ndarray, ids: list[str], selected: str | None
    ) -> None:
        self._set_points(x, y, severity, np.argsort(severity, kind="stable"), ids, selected)


# Arrow pointing north in device pixels (y down), in units of (width, length).
_ARROW = np.array([[0.0, -0.55], [0.5, 0.45], [0.0, 0.2], [-0.5, 0.45]])
_HEADING_STEPS = 72  # sprites per colour: 5° apart, finer than the eye can tell on a 17 px arrow


class _VehicleLayer(_PointLayer):
    """Arrows of constant screen size, blitted from a sprite atlas on every paint.

    An update is an array swap and update(): the static map is one blit and
    the geometry only changes when a vehicle leaves the (generous) bounds.
    """

    def __init__(self, style: MapStyle) -> None:
        super().__init__(style.vehicle_length_px + 8, style.vehicle_length_px * 0.5 + 5.0, style)
        self._n_kinds = len(style.vehicle_kinds)
        # Colour groups in drawing order: offline (one grey), stale kinds, live kinds on top.
        brushes = [QBrush(_color(style.vehicle_offline, style.vehicle_offline_alpha))]
        brushes += [QBrush(_color(c, style.vehicle_stale_alpha)) for c in style.vehicle_colors]
        brushes += [QBrush(QColor(c)) for c in style.vehicle_colors]
        edge = _cosmetic_pen(_color(style.vehicle_edge, 220), 1.2)
        arrow = _polygon(_ARROW * [style.vehicle_width_px, style.vehicle_length_px])

        def sprite(p: QPainter, i: int) -> None:
            group, step = divmod(i, _HEADING_STEPS)
            p.rotate(step * 360.0 / _HEADING_STEPS)
            p.setPen(edge)
            p.setBrush(brushes[group])
            p.drawPolygon(arrow)

        cell = math.ceil(math.hypot(style.vehicle_width_px, style.vehicle_length_px) + 4)
        self._atlas = _SpriteAtlas(cell, len(brushes) * _HEADING_STEPS, sprite)

    def set_vehicles(
        self,
        x: np.ndarray,
        y: np.ndarray,
        heading_deg: np.ndarray,
        kind: np.ndarray,
        state: np.ndarray,
        ids: list[str],
        selected: str | None,
    ) -> None:
        group = np.where(
            state == VEHICLE_OFFLINE,
            0,
            np.where(state == VEHICLE_STALE, 1 + kind, 1 + self._n_kinds + kind),
        )
        step = (
            np.rint(np.mod(heading_deg, 360.0) * (_HEADING_STEPS / 360.0)).astype(np.int64)
            % _HEADING_STEPS
        )
        self._set_points(
            x, y, group * _HEADING_STEPS + step, np.argsort(group, kind="stable"), ids, selected
        )


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


# ------------------------------------------------------------------------ overlays


class _Overlay(QWidget):
    """A small panel drawn over the map; mouse events fall through to the map."""

    def __init__(self, parent: QWidget, style: MapStyle) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._style = style
        self._panel_brush = QBrush(_color(style.overlay_background, style.overlay_alpha))
        self._panel_pen = QPen(QColor(style.overlay_border))
        self._text_pen = QPen(QColor(style.overlay_text))
        self._muted_pen = QPen(QColor(style.overlay_muted))

        self._picture: QPixmap | None = None

    def _panel(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._panel_pen)
        p.setBrush(self._panel_brush)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

    def _refresh(self) -> None:
        self._picture = None
        self.update()

    def _draw(self, p: QPainter) -> None:
        raise NotImplementedError

    def paintEvent(self, ev) -> None:
        # The panel is translucent, so it is repainted whenever the map under it
        # is (vehicles move several times a second): draw it once, then blit.
        dpr = self.devicePixelRatioF()
        size = self.size() * dpr
        if self._picture is None or self._picture.size() != size:
            picture = QPixmap(size)
            picture.setDevicePixelRatio(dpr)
            picture.fill(Qt.GlobalColor.transparent)
            q = QPainter(picture)
            try:
                self._draw(q)
            finally:
                q.end()
            self._picture = picture
        p = QPainter(self)
        try:
            p.drawPixmap(0, 0, self._picture)
        finally:
            p.end()

    def changeEvent(self, ev: QEvent) -> None:
        if ev.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange):
            self.updateGeometry()
            self.adjustSize()
            self._refresh()
        super().changeEvent(ev)


class _Legend(_Overlay):
    _PAD = 10
    _GLYPH = 22

    def __init__(self, parent: QWidget, style: MapStyle) -> None:
        super().__init__(parent, style)
        self._fill: tuple[str, float, float] | None = None
        self._kind_brushes = [QBrush(QColor(c)) for c in style.vehicle_colors]
        self._dim_brush = QBrush(_color(style.vehicle_offline, style.vehicle_offline_alpha))
        self._arrow_pen = _cosmetic_pen(_color(style.vehicle_edge, 220), 1.2)
        self._case_edge = _cosmetic_pen(_color(style.case_edge, 230), style.case_px + 3.0)
        self._case_pens = [_cosmetic_pen(QColor(c), style.case_px) for c in style.case_colors]
        self._ramp = [QBrush(QColor(c)) for c in style.cell_fill]
        arrow = _ARROW * [style.vehicle_width_px * 0.8, style.vehicle_length_px * 0.8]
        self._arrow = _polygon(arrow)
        self._alarm_pen = _cosmetic_pen(QColor(style.alarm_colors[-1]), 2.0)

    def set_fill(self, fill: tuple[str, float, float] | None) -> None:
        self._fill = fill
        self.adjustSize()
        self._refresh()

    def _rows(self) -> list[tuple[str, str, int]]:
        """(kind of glyph, text, colour index): headings have glyph ''."""
        rows = [("", self.tr("Vehicles"), -1)]
        kinds = [self.tr("Sweeper"), self.tr("Sprinkler"), self.tr("Muck truck"), self.tr("Patrol")]
        rows += [("arrow", text, i) for i, text in enumerate(kinds[: len(self._kind_brushes)])]
        rows.append(("dim", self.tr("Stale / offline"), -1))
        rows.append(("alarm", self.tr("Alarm"), -1))
        rows.append(("", self.tr("Cases"), -1))
        cases = [self.tr("On time"), self.tr("Due soon"), self.tr("Overdue")]
        rows += [("case", text, i) for i, text in enumerate(cases)]
        if self._fill is not None:
            if self._fill[0]:
                rows.append(("", self._fill[0], -1))
            rows.append(("ramp", "", -1))
        return rows

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        width = max((fm.horizontalAdvance(text) for _, text, _ in self._rows()), default=0)
        width = max(width + self._GLYPH, 150)
        return QSize(width + 2 * self._PAD, len(self._rows()) * self._row() + 2 * self._PAD - 4)

    def _row(self) -> int:
        # Follows the font: the shipped CJK font is taller than Latin UI fonts.
        return max(19, self.fontMetrics().height() + 4)

    def _draw(self, p: QPainter) -> None:
        self._panel(p)
        fm = self.fontMetrics()
        row = self._row()
        y = self._PAD
        for glyph, text, i in self._rows():
            mid = y + row / 2
            gx = self._PAD + self._GLYPH / 2 - 3
            if glyph in ("arrow", "dim"):
                p.save()
                p.translate(gx, mid)
                p.rotate(45)
                p.setPen(self._arrow_pen)
                p.setBrush(self._kind_brushes[i] if glyph == "arrow" else self._dim_brush)
                p.drawPolygon(self._arrow)
                p.restore()
            elif glyph == "alarm":
                p.setPen(self._alarm_pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(gx, mid), 7.0, 7.0)
            elif glyph == "case":
                p.setPen(self._case_edge)
                p.drawPoint(QPointF(gx, mid))
                p.setPen(self._case_pens[i])
                p.drawPoint(QPointF(gx, mid))
            elif glyph == "ramp" and self._fill is not None:
                self._paint_ramp(p, y, row, fm)
            if glyph != "ramp":
                x = self._PAD + (self._GLYPH if glyph else 0)
                p.setPen(self._text_pen if glyph else self._muted_pen)
                p.drawText(QPointF(x, mid + (fm.ascent() - fm.descent()) / 2), text)
            y += row

    def _paint_ramp(self, p: QPainter, y: float, row: int, fm) -> None:
        assert self._fill is not None
        _, lo, hi = self._fill
        lo_text, hi_text = f"{lo:.3g}", f"{hi:.3g}"
        x0 = self._PAD + fm.horizontalAdvance(lo_text) + 4
        x1 = self.width() - self._PAD - fm.horizontalAdvance(hi_text) - 4
        step = (x1 - x0) / len(self._ramp)
        p.setPen(Qt.PenStyle.NoPen)
        for k, brush in enumerate(self._ramp):
            p.setBrush(brush)
            p.drawRect(QRectF(x0 + k * step, y + 4, step + 0.5, row - 8))
        base = y + row / 2 + (fm.ascent() - fm.descent()) / 2
        p.setPen(self._text_pen)
        p.drawText(QPointF(self._PAD, base), lo_text)
        p.drawText(QPointF(x1 + 4, base), hi_text)


class _ScaleBar(_Overlay):
    _TARGET_PX = 110

    def __init__(self, parent: QWidget, style: MapStyle) -> None:
        super().__init__(parent, style)
        self._bar_pen = _cosmetic_pen(QColor(style.overlay_text), 2.0, Qt.PenCapStyle.FlatCap)
        self._metres_per_px = 0.0
        self.setFixedSize(self._TARGET_PX * 2 + 20, 40)

    def set_metres_per_pixel(self, metres: float) -> None:
        if metres != self._metres_per_px:
            self._metres_per_px = metres
            self._refresh()

    def _bar(self) -> tuple[float, float]:
        """A round length (1, 2 or 5 × 10^k metres) close to _TARGET_PX, and its width in px."""
        raw = self._metres_per_px * self._TARGET_PX
        exp = 10 ** math.floor(math.log10(raw))
        nice = max((m * exp for m in (1, 2, 5, 10) if m * exp <= raw), default=exp)
        return nice, nice / self._metres_per_px

    def _draw(self, p: QPainter) -> None:
        if self._metres_per_px <= 0 or not math.isfinite(self._metres_per_px):
            return
        metres, px = self._bar()
        if metres >= 1000:
            label = self.tr("%1 km").replace("%1", f"{metres / 1000:g}")
        else:
            label = self.tr("%1 m").replace("%1", f"{metres:g}")
        fm = self.fontMetrics()
        width = int(px + fm.horizontalAdvance(label) + 30)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._panel_pen)
        p.setBrush(self._panel_brush)
        p.drawRoundedRect(QRectF(0.5, 0.5, width - 1, self.height() - 1), 6, 6)
        base = self.height() - 12
        p.setPen(self._bar_pen)
        p.drawLine(QPointF(10, base), QPointF(10 + px, base))
        p.drawLine(QPointF(10, base - 6), QPointF(10, base + 1))
        p.drawLine(QPointF(10 + px, base - 6), QPointF(10 + px, base + 1))
        p.setPen(self._text_pen)
        p.drawText(QPointF(18 + px, base + (fm.ascent() - fm.descent()) / 2 - 2), label)




class _Attribution(_Overlay):
    """The basemap's credit line, bottom right, as its licence asks."""

    def __init__(self, parent: QWidget, style: MapStyle) -> None:
        super().__init__(parent, style)
        self._text = ""
        self.hide()

    def set_text(self, text: str) -> None:
        self._text = text
        self.setVisible(bool(text))
        self.adjustSize()
        self._refresh()

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance(self._text) + 12, fm.height() + 6)

    def _draw(self, p: QPainter) -> None:
        self._panel(p)
        fm = self.fontMetrics()
        p.setPen(self._muted_pen)
        p.drawText(QPointF(6, 3 + fm.ascent()), self._text)


# ---------------------------------------------------------------------------- view


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
        self._static = _StaticLayer(self._scene, style)
        self._cases = _CaseLayer(style)
        self._alarms = _AlarmLayer(style)
        self._vehicles = _VehicleLayer(style)
        for z, layer in enumerate((self._static, self._cases, self._alarms, self._vehicles)):
            layer.setZValue(z)
            self._vb.addItem(layer, ignoreBounds=True)

        self._legend = _Legend(self, style)
        self._scale = _ScaleBar(self, style)
        self._attribution = _Attribution(self, style)
        self._legend.adjustSize()
        self._band = QRubberBand(QRubberBand.Shape.Rectangle, self._view.viewport())

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
        packed = pack_rings(rings, "cell")
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
        self._scale.set_metres_per_pixel(pw * _ground_metres_per_mercator_metre(centre))

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
        self._band.setGeometry(QRect(a, b).normalized())
        self._band.setVisible(not finished)
        if not finished:
            return
        p0, p1 = self._vb.mapSceneToView(start), self._vb.mapSceneToView(end)
        xmin, xmax = sorted((p0.x(), p1.x()))
        ymin, ymax = sorted((p0.y(), p1.y()))
        self.areaSelected.emit(self.select_box(xmin, ymin, xmax, ymax))

    def select_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> MapSelection:
        """What lies in a mercator box: vehicles, cases, alarms (points inside) and
        cells (those whose centre is inside).  Does not change any selection."""

        def inside(layer: _PointLayer) -> list[str]:
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
