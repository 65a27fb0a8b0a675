"""The district map canvas: grid cells, the district boundary, open cases, live vehicles.

``DistrictMapView`` is a pure view.  It is handed numpy arrays in projected Web
Mercator metres (EPSG:3857; geodetic coordinates are converted once, on import,
elsewhere) and plain Python values, and it reports clicks as Qt signals.  It never
touches the local store or the network.

pyqtgraph supplies the canvas (pan, zoom, no axes).  Each layer is ONE graphics
item that draws all of its features in a single ``paint()``, so the scene holds a
handful of items whether the district has 400 cells or 59,000 and 20 vehicles or
2,000:

* ``_BaseLayer``     the static map: choropleth, cell outlines, district
  boundary; rendered into a pixmap per zoom level and reused while the map
  pans or vehicles move;
* ``_CaseLayer``     open cases as discs coloured by SLA state;
* ``_VehicleLayer``  vehicles as arrows coloured by kind, pointing along their
  heading, dimmed when stale or offline.

Cases and vehicles keep a constant size on screen: positions are mapped to
device pixels with numpy and pre-rendered sprites are blitted in one call.

Threading: every function and method in this module, including the signals'
receivers, runs on the GUI thread only.  Feed it from other threads through
queued signals, never by calling it directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
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
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

__all__ = [
    "SLA_DUE_SOON",
    "SLA_NORMAL",
    "SLA_OVERDUE",
    "STYLE",
    "VEHICLE_LIVE",
    "VEHICLE_OFFLINE",
    "VEHICLE_STALE",
    "DistrictMapView",
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
    outline: str = "#5cc8ff"
    outline_px: float = 2.5
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
    selection: str = "#ffffff"
    overlay_background: str = "#0d141c"
    overlay_alpha: int = 215
    overlay_border: str = "#2c3d4f"
    overlay_text: str = "#d5dee8"
    overlay_muted: str = "#8293a6"
    # Extra device pixels rendered around the view into the cell pixmap, so that
    # panning reuses it instead of re-rendering every frame.
    cache_margin_px: int = 256
    min_view_m: float = 30.0


STYLE = MapStyle()

VEHICLE_LIVE, VEHICLE_STALE, VEHICLE_OFFLINE = 0, 1, 2
SLA_NORMAL, SLA_DUE_SOON, SLA_OVERDUE = 0, 1, 2

_EARTH_RADIUS_M = 6378137.0


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


# ------------------------------------------------------------------------ geometry


@dataclass(frozen=True)
class _Rings:
    """Many rings packed into flat arrays, closed, with the feature each belongs to."""

    xy: np.ndarray  # (M, 2) float64
    connect: np.ndarray  # (M,) int32: 1 = a segment runs to the next vertex
    start: np.ndarray  # (P + 1,) offsets of each part into xy
    owner: np.ndarray  # (P,) feature index of each part
    bbox: np.ndarray  # (P, 4) xmin, ymin, xmax, ymax

    @property
    def parts(self) -> int:
        return len(self.owner)


def _as_ring(obj: object, what: str) -> np.ndarray:
    a = np.asarray(obj, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < 3:
        raise ValueError(f"{what}: a ring must be an N×2 array with N ≥ 3, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what}: ring has non-finite coordinates")
    if not np.array_equal(a[0], a[-1]):
        a = np.vstack([a, a[:1]])
    return a


def _pack_rings(features: Sequence[object], what: str) -> _Rings:
    """Each feature is one (N, 2) ring or a sequence of rings (parts, holes)."""
    parts: list[np.ndarray] = []
    owners: list[int] = []
    for i, feature in enumerate(features):
        rings = [feature] if isinstance(feature, np.ndarray) and feature.ndim == 2 else feature
        try:
            rings = list(rings)  # type: ignore[call-overload]
        except TypeError:
            raise ValueError(f"{what} {i}: expected a ring or a sequence of rings") from None
        if not rings:
            raise ValueError(f"{what} {i}: no rings")
        for ring in rings:
            parts.append(_as_ring(ring, f"{what} {i}"))
            owners.append(i)
    if not parts:
        empty = np.zeros((0, 2))
        return _Rings(
            empty,
            np.zeros(0, np.int32),
            np.zeros(1, np.int64),
            np.zeros(0, np.int64),
            np.zeros((0, 4)),
        )
    lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
    start = np.concatenate([[0], np.cumsum(lengths)])
    xy = np.concatenate(parts)
    connect = np.ones(len(xy), dtype=np.int32)
    connect[start[1:] - 1] = 0
    bbox = np.column_stack(
        [
            np.minimum.reduceat(xy[:, 0], start[:-1]),
            np.minimum.reduceat(xy[:, 1], start[:-1]),
            np.maximum.reduceat(xy[:, 0], start[:-1]),
            np.maximum.reduceat(xy[:, 1], start[:-1]),
        ]
    )
    return _Rings(xy, connect, start, np.asarray(owners, dtype=np.int64), bbox)


def _rings_path(rings: _Rings, part_idx: np.ndarray | None = None) -> QPainterPath:
    if part_idx is None:
        xy, connect = rings.xy, rings.connect
    else:
        idx = _point_indices(rings, part_idx)
        xy, connect = rings.xy[idx], rings.connect[idx]
    if len(xy) == 0:
        return QPainterPath()
    return pg.functions.arrayToQPath(xy[:, 0], xy[:, 1], connect=connect, finiteCheck=False)


def _point_indices(rings: _Rings, part_idx: np.ndarray) -> np.ndarray:
    starts = rings.start[part_idx]
    lengths = rings.start[part_idx + 1] - starts
    offsets = np.cumsum(lengths) - lengths
    return np.arange(lengths.sum()) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)


@dataclass(frozen=True)
class _Tiles:
    """A layer's paths split over a coarse grid, so a paint touches only what it shows."""

    rects: np.ndarray  # (T, 4) xmin, ymin, xmax, ymax
    paths: tuple[QPainterPath, ...]

    def visible(self, r: QRectF) -> list[QPainterPath]:
        if not self.paths:
            return []
        b = self.rects
        hit = (
            (b[:, 2] >= r.left())
            & (b[:, 0] <= r.right())
            & (b[:, 3] >= r.top())
            & (b[:, 1] <= r.bottom())
        )
        return [self.paths[i] for i in np.flatnonzero(hit)]


_NO_TILES = _Tiles(np.zeros((0, 4)), ())


def _tile(rings: _Rings, parts: np.ndarray, per_tile: int = 64, max_side: int = 32) -> _Tiles:
    if parts.size == 0:
        return _NO_TILES
    bb = rings.bbox[parts]
    cx = (bb[:, 0] + bb[:, 2]) / 2
    cy = (bb[:, 1] + bb[:, 3]) / 2
    side = int(min(max_side, max(1, math.ceil(math.sqrt(parts.size / per_tile)))))
    spanx = max(float(cx.max() - cx.min()), 1e-9)
    spany = max(float(cy.max() - cy.min()), 1e-9)
    tx = np.minimum(((cx - cx.min()) / spanx * side).astype(np.int64), side - 1)
    ty = np.minimum(((cy - cy.min()) / spany * side).astype(np.int64), side - 1)
    tile = ty * side + tx
    order = np.argsort(tile, kind="stable")
    tile = tile[order]
    parts = parts[order]
    bb = bb[order]
    first = np.flatnonzero(np.r_[True, tile[1:] != tile[:-1]])
    bounds = np.r_[first, len(parts)]
    rects = np.column_stack(
        [
            np.minimum.reduceat(bb[:, 0], first),
            np.minimum.reduceat(bb[:, 1], first),
            np.maximum.reduceat(bb[:, 2], first),
            np.maximum.reduceat(bb[:, 3], first),
        ]
    )
    paths = tuple(
        _rings_path(rings, parts[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    )
    return _Tiles(rects, paths)


def _bbox_rect(xmin: float, ymin: float, xmax: float, ymax: float) -> QRectF:
    return QRectF(QPointF(xmin, ymin), QPointF(xmax, ymax))


def _rings_rect(rings: _Rings) -> QRectF | None:
    if rings.parts == 0:
        return None
    b = rings.bbox
    return _bbox_rect(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def _point_in_ring(px: float, py: float, ring: np.ndarray) -> bool:
    """Even-odd ray casting; the ring is closed (last vertex repeats the first)."""
    x0, y0 = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    crosses = (y0 > py) != (y1 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(crosses & (px < xs)) % 2)


def _nearest_within(
    xs: np.ndarray, ys: np.ndarray, x: float, y: float, pw: float, ph: float, radius_px: float
) -> tuple[int, float] | None:
    """Index and pixel distance of the nearest point within radius_px of (x, y).

    A brute-force numpy scan rather than a spatial index: it costs about a
    millisecond for 100,000 points and runs only on clicks and (rate-limited)
    hovers, while an index would have to be rebuilt on every vehicle update,
    which is the hot path.
    """
    if xs.size == 0 or pw <= 0 or ph <= 0:
        return None
    d2 = ((xs - x) / pw) ** 2 + ((ys - y) / ph) ** 2
    i = int(np.argmin(d2))
    if d2[i] > radius_px * radius_px:
        return None
    return i, math.sqrt(float(d2[i]))


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
    need = _bbox_rect(xmin, ymin, xmax, ymax)
    if current is not None and current.contains(need):
        return current
    if current is not None:
        need = need.united(current)
    slack = max(need.width(), need.height(), 200.0) * 0.25
    return need.adjusted(-slack, -slack, slack, slack)


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


@dataclass
class _PixmapCache:
    key: tuple
    pixmap: QPixmap
    area: QRectF  # device rectangle the pixmap covers, under translation (dx, dy)
    dx: float
    dy: float


class _BaseLayer(_Layer):
    """The static map: choropleth, cell outlines and district boundary, cached as a pixmap.

    The pixmap covers the view plus a margin, per zoom level.  Panning within
    the margin, and every repaint caused by the moving layers (vehicles update
    several times a second), is then one blit.  Only a zoom, a pan past the
    margin or new data re-render, and a re-render draws only the tiles that
    meet the cached area.  The selected cell is drawn live on top.
    """

    def __init__(self, style: MapStyle) -> None:
        super().__init__(pad_px=style.outline_glow_px)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self._style = style
        self._rings: _Rings | None = None
        self._codes: list[str] = []
        self._index: dict[str, int] = {}
        self._cells_rect: QRectF | None = None
        self._outline_rect: QRectF | None = None
        self._outline = QPainterPath()
        self._outline_tiles = _NO_TILES
        self._fill_tiles: list[tuple[QBrush, _Tiles]] = []
        self._cell_size_m = 0.0
        self._version = 0
        self._cache: _PixmapCache | None = None
        self._selected: QPainterPath | None = None
        self._lod_pens = [
            (px, _cosmetic_pen(_color(style.cell_line, a), 1.0, Qt.PenCapStyle.FlatCap))
            for px, a in style.cell_lod
        ]
        self._fill_brushes = [QBrush(_color(c, style.cell_fill_alpha)) for c in style.cell_fill]
        self._glow_pen = _cosmetic_pen(
            _color(style.outline, style.outline_glow_alpha), style.outline_glow_px
        )
        self._outline_pen = _cosmetic_pen(QColor(style.outline), style.outline_px)
        self._selected_halo = _cosmetic_pen(_color(style.background, 200), 5.0)
        self._selected_pen = _cosmetic_pen(QColor(style.cell_selected), 2.0)

    # data

    @property
    def codes(self) -> list[str]:
        return self._codes

    @property
    def cells_rect(self) -> QRectF | None:
        return self._cells_rect

    @property
    def outline_rect(self) -> QRectF | None:
        return self._outline_rect

    def set_outline(self, rings: _Rings) -> None:
        self._outline = _rings_path(rings)
        self._outline_rect = _rings_rect(rings)
        self._update_rect()
        self._invalidate()

    def set_cells(self, rings: _Rings, codes: list[str]) -> None:
        self._rings = rings
        self._codes = codes
        self._index = {c: i for i, c in enumerate(codes)}
        self._outline_tiles = _tile(rings, np.arange(rings.parts))
        self._fill_tiles = []
        self._selected = None
        self._cells_rect = _rings_rect(rings)
        if rings.parts:
            b = rings.bbox
            self._cell_size_m = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
        else:
            self._cell_size_m = 0.0
        self._update_rect()
        self._invalidate()

    def set_fill_classes(self, cls: np.ndarray | None) -> None:
        """cls: class per cell (-1 = unfilled), or None to clear the choropleth."""
        self._fill_tiles = []
        if cls is not None and self._rings is not None:
            part_cls = cls[self._rings.owner]
            for k, brush in enumerate(self._fill_brushes):
                tiles = _tile(self._rings, np.flatnonzero(part_cls == k))
                if tiles.paths:
                    self._fill_tiles.append((brush, tiles))
        self._invalidate()

    def select(self, code: str | None) -> bool:
        i = self._index.get(code) if code is not None else None
        if i is None or self._rings is None:
            self._selected = None
        else:
            self._selected = _rings_path(self._rings, np.flatnonzero(self._rings.owner == i))
        self.update()
        return i is not None

    def cell_at(self, x: float, y: float) -> str | None:
        r = self._rings
        if r is None or r.parts == 0:
            return None
        b = r.bbox
        cand = np.flatnonzero((b[:, 0] <= x) & (x <= b[:, 2]) & (b[:, 1] <= y) & (y <= b[:, 3]))
        inside: dict[int, int] = {}
        for p in cand:
            if _point_in_ring(x, y, r.xy[r.start[p] : r.start[p + 1]]):
                owner = int(r.owner[p])
                inside[owner] = inside.get(owner, 0) + 1
        # Even-odd over a cell's parts: inside a hole means inside two rings, i.e. outside.
        hits = [o for o, n in inside.items() if n % 2]
        return self._codes[hits[0]] if hits else None

    def _update_rect(self) -> None:
        rects = [r for r in (self._cells_rect, self._outline_rect) if r is not None]
        rect = None
        for r in rects:
            rect = r if rect is None else rect.united(r)
        self._set_data_rect(rect)

    def _invalidate(self) -> None:
        self._version += 1
        self._cache = None
        self.update()

    # drawing

    def _lod_pen(self, t: QTransform) -> QPen | None:
        px = self._cell_size_m * math.hypot(t.m11(), t.m12())
        for min_px, pen in self._lod_pens:
            if px >= min_px:
                return pen
        return None

    def _draw(self, p: QPainter, t: QTransform, item_rect: QRectF) -> None:
        # Aliased: thousands of hairlines, and crisp 1 px lines read better than smeared ones.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if self._fill_tiles:
            p.setPen(Qt.PenStyle.NoPen)
            for brush, tiles in self._fill_tiles:
                p.setBrush(brush)
                for path in tiles.visible(item_rect):
                    p.drawPath(path)
        pen = self._lod_pen(t)
        if pen is not None:
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            for path in self._outline_tiles.visible(item_rect):
                p.drawPath(path)
        if not self._outline.isEmpty():
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(self._glow_pen)
            p.drawPath(self._outline)
            p.setPen(self._outline_pen)
            p.drawPath(self._outline)

    def paint(self, p: QPainter, option, widget=None) -> None:
        if self._data_rect is None:
            return
        t = p.transform()
        visible = self._visible_device_rect(t, 0.0)
        if widget is None or visible is None or t.isRotating():
            # Export or an unusual transform: draw straight, limited to what is exposed.
            self._draw(p, t, option.exposedRect)
        else:
            self._blit(p, t, visible)
        if self._selected is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(self._selected_halo)
            p.drawPath(self._selected)
            p.setPen(self._selected_pen)
            p.drawPath(self._selected)

    def _blit(self, p: QPainter, t: QTransform, visible: QRectF) -> None:
        dpr = p.device().devicePixelRatioF()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), dpr, self._version)
        c = self._cache
        placed = QRectF()
        if c is not None and c.key == key:
            placed = c.area.translated(t.dx() - c.dx, t.dy() - c.dy)
            if not placed.contains(visible.adjusted(1, 1, -1, -1)):
                c = None
        else:
            c = None
        if c is None:
            c = self._cache = self._render(t, visible, dpr, key)
            placed = c.area
        p.save()
        try:
            p.resetTransform()
            p.drawPixmap(placed.topLeft(), c.pixmap)
        finally:
            p.restore()

    def _render(self, t: QTransform, visible: QRectF, dpr: float, key: tuple) -> _PixmapCache:
        m = self._style.cache_margin_px
        left, top = math.floor(visible.left() - m), math.floor(visible.top() - m)
        width = math.ceil(visible.right() + m) - left
        height = math.ceil(visible.bottom() + m) - top
        area = QRectF(left, top, width, height)
        pixmap = QPixmap(max(1, math.ceil(width * dpr)), max(1, math.ceil(height * dpr)))
        pixmap.setDevicePixelRatio(dpr)
        pixmap.fill(Qt.GlobalColor.transparent)
        inverse, ok = t.inverted()
        item_rect = inverse.mapRect(area) if ok else self.boundingRect()
        cp = QPainter(pixmap)
        try:
            cp.setTransform(t * QTransform.fromTranslate(-left, -top))
            self._draw(cp, t, item_rect)
        finally:
            cp.end()
        return _PixmapCache(key, pixmap, area, t.dx(), t.dy())


class _SpriteAtlas:
    """Pre-rendered antialiased markers in one pixmap, drawn with drawPixmapFragments.

    Filling thousands of small antialiased polygons through QPainterPath grows
    worse than linearly (2,000 arrows took ~75 ms); blitting pre-rendered
    sprites is one native call for all of them (~1 ms for 2,000).
    """

    def __init__(self, cell_px: int, count: int, draw_sprite) -> None:
        self._cell = cell_px
        self._count = count
        self._cols = max(1, min(count, 64))
        self._draw_sprite = draw_sprite  # (QPainter centred on the sprite, index) -> None
        self._pixmap: QPixmap | None = None
        self._dpr = 0.0
        self._frag = np.zeros((0, 10))

    def pixmap(self, dpr: float) -> QPixmap:
        if self._pixmap is None or dpr != self._dpr:
            side = math.ceil(self._cell * dpr)
            rows = math.ceil(self._count / self._cols)
            image = QImage(
                self._cols * side, rows * side, QImage.Format.Format_ARGB32_Premultiplied
            )
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
            self._pixmap = QPixmap.fromImage(image)
            self._dpr = dpr
        return self._pixmap

    def draw(self, p: QPainter, dx: np.ndarray, dy: np.ndarray, sprite: np.ndarray) -> None:
        """Draw sprite[i] centred on device point (dx[i], dy[i]); the painter is in device pixels."""
        n = dx.size
        if n == 0:
            return
        dpr = p.device().devicePixelRatioF()
        pixmap = self.pixmap(dpr)
        side = math.ceil(self._cell * dpr)
        if self._frag.shape[0] < n:
            self._frag = np.empty((max(n, 2 * self._frag.shape[0]), 10))
        # QPainter::PixmapFragment: x, y, sourceLeft, sourceTop, width, height,
        # scaleX, scaleY, rotation, opacity; (x, y) is the centre of the target.
        f = self._frag[:n]
        f[:, 0] = dx
        f[:, 1] = dy
        f[:, 2] = (sprite % self._cols) * side
        f[:, 3] = (sprite // self._cols) * side
        f[:, 4:6] = side
        f[:, 6:10] = (1.0 / dpr, 1.0 / dpr, 0.0, 1.0)
        fragments = shiboken6.wrapInstance(f.ctypes.data, QPainter.PixmapFragment)
        p.drawPixmapFragments(fragments, n, pixmap)  # type: ignore[arg-type]  # a C array, as Qt wants


class _CaseLayer(_Layer):
    def __init__(self, style: MapStyle) -> None:
        super().__init__(pad_px=style.case_px + 8)
        self._style = style
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.sla = np.zeros(0, np.int64)
        self.ids: list[str] = []
        self._selected = -1
        self._order = np.zeros(0, np.int64)
        edge = _cosmetic_pen(_color(style.case_edge, 230), 1.5)
        brushes = [QBrush(QColor(c)) for c in style.case_colors]
        r = style.case_px / 2

        def sprite(p: QPainter, i: int) -> None:
            p.setPen(edge)
            p.setBrush(brushes[i])
            p.drawEllipse(QPointF(0, 0), r, r)

        self._atlas = _SpriteAtlas(math.ceil(style.case_px + 4), len(brushes), sprite)
        self._ring_halo = _cosmetic_pen(_color(style.case_edge, 220), 5.0)
        self._ring = _cosmetic_pen(QColor(style.selection), 2.0)
        self._ring_radius = r + 6.0

    def set_cases(
        self, x: np.ndarray, y: np.ndarray, sla: np.ndarray, ids: list[str], selected: str | None
    ) -> None:
        self.x, self.y, self.sla, self.ids = x, y, sla, ids
        # Worst state drawn last, so an overdue case is never hidden under a normal one.
        self._order = np.argsort(sla, kind="stable")
        self._set_data_rect(_sticky_rect(self._data_rect, x, y))
        self.select(selected)

    def select(self, case_id: str | None) -> None:
        try:
            self._selected = self.ids.index(case_id) if case_id is not None else -1
        except ValueError:
            self._selected = -1
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        if self.x.size == 0:
            return
        t = p.transform()
        dx, dy = _device_xy(t, self.x, self.y)
        show = self._order[
            _inside(
                dx[self._order],
                dy[self._order],
                self._visible_device_rect(t, 2 * self._style.case_px),
            )
        ]
        p.save()
        try:
            p.resetTransform()
            self._atlas.draw(p, dx[show], dy[show], self.sla[show])
            if 0 <= self._selected < dx.size:
                _draw_ring(
                    p,
                    QPointF(dx[self._selected], dy[self._selected]),
                    self._ring_radius,
                    self._ring_halo,
                    self._ring,
                )
        finally:
            p.restore()


# Arrow pointing north in device pixels (y down), in units of (width, length).
_ARROW = np.array([[0.0, -0.55], [0.5, 0.45], [0.0, 0.2], [-0.5, 0.45]])
_HEADING_STEPS = 72  # sprites per colour: 5° apart, finer than the eye can tell on a 17 px arrow


class _VehicleLayer(_Layer):
    """Arrows of constant screen size, blitted from a sprite atlas on every paint.

    An update is an array swap and update(): the base map is one pixmap blit
    and the geometry only changes when a vehicle leaves the (generous) bounds.
    """

    def __init__(self, style: MapStyle) -> None:
        super().__init__(pad_px=style.vehicle_length_px + 8)
        self._style = style
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.ids: list[str] = []
        self._sprite = np.zeros(0, np.int64)
        self._order = np.zeros(0, np.int64)
        self._selected = -1
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
        self._ring_halo = _cosmetic_pen(_color(style.case_edge, 220), 5.0)
        self._ring = _cosmetic_pen(QColor(style.selection), 2.0)
        self._ring_radius = style.vehicle_length_px * 0.5 + 5.0

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
        self.x, self.y, self.ids = x, y, ids
        self._sprite = group * _HEADING_STEPS + step
        self._order = np.argsort(group, kind="stable")
        self._set_data_rect(_sticky_rect(self._data_rect, x, y))
        self.select(selected)

    def select(self, vehicle_id: str | None) -> None:
        try:
            self._selected = self.ids.index(vehicle_id) if vehicle_id is not None else -1
        except ValueError:
            self._selected = -1
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        if self.x.size == 0:
            return
        t = p.transform()
        dx, dy = _device_xy(t, self.x, self.y)
        margin = 2 * self._style.vehicle_length_px
        show = self._order[
            _inside(dx[self._order], dy[self._order], self._visible_device_rect(t, margin))
        ]
        p.save()
        try:
            p.resetTransform()
            self._atlas.draw(p, dx[show], dy[show], self._sprite[show])
            if 0 <= self._selected < dx.size:
                _draw_ring(
                    p,
                    QPointF(dx[self._selected], dy[self._selected]),
                    self._ring_radius,
                    self._ring_halo,
                    self._ring,
                )
        finally:
            p.restore()


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


class _MapViewBox(pg.ViewBox):
    """A ViewBox that reports left clicks instead of ignoring them."""

    def __init__(self, on_click) -> None:
        super().__init__(lockAspect=True, enableMenu=False, invertY=False)
        self._on_click = on_click

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and not ev.double():
            ev.accept()
            self._on_click(ev.scenePos())
        else:
            super().mouseClickEvent(ev)


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

    def _panel(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._panel_pen)
        p.setBrush(self._panel_brush)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

    def changeEvent(self, ev: QEvent) -> None:
        if ev.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange):
            self.updateGeometry()
            self.adjustSize()
            self.update()
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

    def set_fill(self, fill: tuple[str, float, float] | None) -> None:
        self._fill = fill
        self.adjustSize()
        self.update()

    def _rows(self) -> list[tuple[str, str, int]]:
        """(kind of glyph, text, colour index): headings have glyph ''."""
        rows = [("", self.tr("Vehicles"), -1)]
        kinds = [self.tr("Sweeper"), self.tr("Sprinkler"), self.tr("Muck truck"), self.tr("Patrol")]
        rows += [("arrow", text, i) for i, text in enumerate(kinds[: len(self._kind_brushes)])]
        rows.append(("dim", self.tr("Stale / offline"), -1))
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

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        try:
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
        finally:
            p.end()

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
            self.update()

    def _bar(self) -> tuple[float, float]:
        """A round length (1, 2 or 5 × 10^k metres) close to _TARGET_PX, and its width in px."""
        raw = self._metres_per_px * self._TARGET_PX
        exp = 10 ** math.floor(math.log10(raw))
        nice = max((m * exp for m in (1, 2, 5, 10) if m * exp <= raw), default=exp)
        return nice, nice / self._metres_per_px

    def paintEvent(self, ev) -> None:
        if self._metres_per_px <= 0 or not math.isfinite(self._metres_per_px):
            return
        metres, px = self._bar()
        if metres >= 1000:
            label = self.tr("%1 km").replace("%1", f"{metres / 1000:g}")
        else:
            label = self.tr("%1 m").replace("%1", f"{metres:g}")
        p = QPainter(self)
        try:
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
        finally:
            p.end()


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


def _as_ids(name: str, ids: Sequence[object], n: int) -> list[str]:
    out = [str(i) for i in ids]
    if len(out) != n:
        raise ValueError(f"{name}: expected {n} ids, got {len(out)}")
    return out


class DistrictMapView(QWidget):
    """The district map: cells, boundary, open cases and vehicles, in Web Mercator metres.

    A pure view: it is given arrays and plain values and reports clicks; it
    never reads the store or the network.  Setters validate their input and
    raise ValueError without changing anything when it is malformed.

    Threading: GUI thread only, for every method and signal.

    Signals:
        mapClicked(x, y)        left click on the map away from any marker
        caseClicked(case_id)    left click within STYLE.case_hit_px of a case
        vehicleClicked(id)      left click within STYLE.vehicle_hit_px of a vehicle
    Selection is not changed by clicks: the owner decides and calls
    select_case()/select_vehicle()/select_cell(), so the map and lists agree.
    """

    mapClicked = Signal(float, float)
    caseClicked = Signal(str)
    vehicleClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, style: MapStyle = STYLE) -> None:
        super().__init__(parent)
        self._style = style
        self._view = pg.GraphicsView(self, background=style.background)
        self._view.setFrameShape(pg.GraphicsView.Shape.NoFrame)
        self._vb = _MapViewBox(self._on_scene_click)
        self._vb.disableAutoRange()
        self._vb.setLimits(minXRange=style.min_view_m, minYRange=style.min_view_m)
        self._view.setCentralItem(self._vb)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)

        self._base = _BaseLayer(style)
        self._cases = _CaseLayer(style)
        self._vehicles = _VehicleLayer(style)
        for z, layer in enumerate((self._base, self._cases, self._vehicles)):
            layer.setZValue(z)
            self._vb.addItem(layer, ignoreBounds=True)

        self._legend = _Legend(self, style)
        self._scale = _ScaleBar(self, style)
        self._legend.adjustSize()

        self._fitted = False
        self._selected_case: str | None = None
        self._selected_vehicle: str | None = None
        self._hover_pointer = False

        self._vb.sigTransformChanged.connect(self._on_transform_changed)
        self._view.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # --- layers

    def set_outline(self, rings: Sequence[np.ndarray]) -> None:
        """District boundary: a list of N×2 rings in mercator metres.  Fits the view the first time."""
        packed = _pack_rings([[r] for r in rings], "outline ring")
        self._base.set_outline(packed)
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
        packed = _pack_rings(rings, "cell")
        self._base.set_cells(packed, codes)
        self._legend.set_fill(None)
        if not self._fitted and self._base.outline_rect is None:
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
            self._base.set_fill_classes(None)
            self._legend.set_fill(None)
            return
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        if v.size != len(self._base.codes):
            raise ValueError(f"set_cell_fill: {len(self._base.codes)} cells but {v.size} values")
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
        self._base.set_fill_classes(cls)
        self._legend.set_fill((label, lo, hi))
        self._place_overlays()

    def select_cell(self, code: str | None) -> bool:
        """Outline one cell (None clears).  Returns False if the code is unknown."""
        return self._base.select(code)

    def cell_at(self, x: float, y: float) -> str | None:
        """Code of the cell containing the mercator point, or None."""
        return self._base.cell_at(x, y)

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
        state_index: VEHICLE_LIVE, VEHICLE_STALE or VEHICLE_OFFLINE.
        """
        xs = _as_1d("x", x, None, np.float64)
        n = xs.size
        ys = _as_1d("y", y, n, np.float64)
        hs = _as_1d("heading_deg", heading_deg, n, np.float64)
        kinds = _as_1d("kind_index", kind_index, n, np.int64)
        states = _as_1d("state_index", state_index, n, np.int64)
        if n and (kinds.min() < 0 or kinds.max() >= len(self._style.vehicle_kinds)):
            raise ValueError("kind_index out of range")
        if n and (states.min() < VEHICLE_LIVE or states.max() > VEHICLE_OFFLINE):
            raise ValueError("state_index out of range")
        names = _as_ids("ids", ids, n)
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
        sla = _as_1d("sla_index", sla_index, n, np.int64)
        if n and (sla.min() < SLA_NORMAL or sla.max() > SLA_OVERDUE):
            raise ValueError("sla_index out of range")
        names = _as_ids("ids", ids, n)
        self._cases.set_cases(xs, ys, sla, names, self._selected_case)

    def select_case(self, case_id: str | None) -> None:
        """Ring one case (None clears); kept across set_cases() while the id is present."""
        self._selected_case = case_id
        self._cases.select(case_id)

    # --- view

    def fit_to_outline(self) -> None:
        """Show the whole district (or all cells if there is no outline yet)."""
        rect = self._base.outline_rect or self._base.cells_rect
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

    # --- internals

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._place_overlays()

    def _place_overlays(self) -> None:
        margin = 12
        self._legend.adjustSize()
        self._legend.move(self.width() - self._legend.width() - margin, margin)
        self._scale.move(margin, self.height() - self._scale.height() - margin)
        self._legend.raise_()
        self._scale.raise_()

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
        case = _nearest_within(self._cases.x, self._cases.y, p.x(), p.y(), pw, ph, s.case_hit_px)
        veh = _nearest_within(
            self._vehicles.x, self._vehicles.y, p.x(), p.y(), pw, ph, s.vehicle_hit_px
        )
        if case is not None and (veh is None or case[1] <= veh[1]):
            return "case", self._cases.ids[case[0]]
        if veh is not None:
            return "vehicle", self._vehicles.ids[veh[0]]
        return None

    def _on_scene_click(self, scene_pos: QPointF) -> None:
        hit = self._hit(scene_pos)
        if hit is None:
            p = self._vb.mapSceneToView(scene_pos)
            self.mapClicked.emit(p.x(), p.y())
        elif hit[0] == "case":
            self.caseClicked.emit(hit[1])
        else:
            self.vehicleClicked.emit(hit[1])

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        pointer = self._hit(scene_pos) is not None
        if pointer != self._hover_pointer:
            self._hover_pointer = pointer
            vp = self._view.viewport()
            if pointer:
                vp.setCursor(Qt.CursorShape.PointingHandCursor)
            else:
                vp.unsetCursor()
