"""The map's static picture: basemap tiles, cell fills, cell outlines, cell codes, boundary.

``StaticScene`` holds everything that does not move and renders any device
rectangle of it with a QPainter.  The map view keeps the result as one
opaque image per zoom level (app/views/map/static_layer.py ``StaticLayer``) and
only blits it while vehicles move; a pan renders just the strip it
uncovers, a tile that arrives re-renders just its square.

Where the time goes, and why it is drawn the way it is (Qt's raster engine,
measured on the 2-core target machine at 1600 × 1000; docs/map.md):

* Cell fills on the lattice are one ``drawImage`` of a picture with a pixel
  per cell, scaled without smoothing: ~0.5 ms for the whole district,
  whatever the number of cells.
* Qt blends a translucent rectangle one pixel wide row by row; a thousand
  grid columns cost 10-50 ms.  Faded outlines are therefore written opaque
  into a scratch image (rows by Qt, columns by numpy slices) and blended
  once with the fade's opacity over their bounding box: ~1 ms.
* Wide antialiased pens go through the path stroker: the district boundary
  with a 9 px glow took 15-40 ms.  Glow and line are drawn as 1-pixel
  antialiased polylines, Qt's fast path: a ring of faint ones for the glow,
  three under a pixel apart for the line (~0.7 ms).
* Basemap tiles are scaled smoothly once per zoom level and kept; later
  renders at that zoom blit them.

Threading: GUI thread only (QPainter, QImage painting, provider calls).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPen,
    QPolygonF,
    QTransform,
)

from app.views.map.geometry import (
    NO_PATH_TILES,
    Lattice,
    PathTiles,
    Rings,
    find_lattice,
    point_in_ring,
    rings_path,
    tile_paths,
)
from app.views.map.spatial import BoxIndex
from core.tiles import Datum, tile_target, tiles_covering, zoom_for_resolution

__all__ = ["CompositeStyle", "StaticScene", "TileImages", "TileKey"]

TileKey = tuple[int, int, int]  # XYZ (z, x, y)


class TileImages(Protocol):
    """What the map needs from a basemap: decoded tiles by XYZ key (see app/views/map/tiles.py)."""

    datum: Datum
    min_zoom: int
    max_zoom: int
    tile_px: int

    def image(self, z: int, x: int, y: int) -> QImage | None: ...

    def request(self, keys: Sequence[TileKey]) -> None: ...


@dataclass(frozen=True)
class CompositeStyle:
    background: str
    cell_line: str
    cell_fill: tuple[str, ...]
    cell_fill_alpha: int
    cell_lod: tuple[tuple[float, int], ...]
    outline: str
    outline_glow_px: float
    outline_glow_alpha: int
    label: str
    label_halo: str
    label_min_px: float
    label_point_size: float


def _premultiplied(color: QColor) -> int:
    a = color.alpha()
    r, g, b = (round(c * a / 255) for c in (color.red(), color.green(), color.blue()))
    return (a << 24) | (r << 16) | (g << 8) | b


def _over(color: QColor, background: QColor) -> int:
    """An opaque ARGB value: translucent ``color`` laid over opaque ``background``."""
    a = color.alphaF()
    r, g, b = (
        round(c * a + d * (1 - a))
        for c, d in zip(
            (color.red(), color.green(), color.blue()),
            (background.red(), background.green(), background.blue()),
            strict=True,
        )
    )
    return 0xFF000000 | (r << 16) | (g << 8) | b


def rect_difference(outer: QRect, inner: QRect) -> list[QRect]:
    """outer minus inner (inner within outer, or empty) as at most four rectangles."""
    inner = inner.intersected(outer)
    if inner.isEmpty():
        return [outer]
    out = []
    if inner.top() > outer.top():
        out.append(QRect(outer.left(), outer.top(), outer.width(), inner.top() - outer.top()))
    if inner.bottom() < outer.bottom():
        out.append(QRect(outer.left(), inner.bottom() + 1, outer.width(), outer.bottom() - inner.bottom()))
    if inner.left() > outer.left():
        out.append(QRect(outer.left(), inner.top(), inner.left() - outer.left(), inner.height()))
    if inner.right() < outer.right():
        out.append(QRect(inner.right() + 1, inner.top(), outer.right() - inner.right(), inner.height()))
    return out


def _wrap_rects(rects: np.ndarray):
    """A C array of QRectF over an (n, 4) float64 array (x, y, w, h): one native call draws them all."""
    return shiboken6.wrapInstance(rects.ctypes.data, QRectF)


@dataclass
class RenderStats:
    """Counters the benchmark and tests read to know what a repaint really did."""

    renders: int = 0  # render() calls
    pixels: int = 0  # device pixels rendered
    tiles_drawn: int = 0
    tiles_missing: int = 0
    labels: int = 0


@dataclass
class _Boundary:
    rings: list[np.ndarray] = field(default_factory=list)  # mercator, closed
    polylines: list[QPolygonF] = field(default_factory=list)
    rect: QRectF | None = None


class StaticScene:
    """The static layers' data and their renderer.  ``version`` changes whenever
    every cached pixel becomes wrong; ``dirty`` collects mercator rectangles that
    changed alone (a tile arrived)."""

    def __init__(self, style: CompositeStyle) -> None:
        self.style = style
        self.version = 0
        self.stats = RenderStats()
        self.dirty: list[QRectF] = []
        self._background = QColor(style.background)
        self._codes: list[str] = []
        self._rings: Rings | None = None
        self._lattice: Lattice | None = None
        self._rest = np.zeros(0, np.int64)  # parts drawn as paths
        self._rest_outline: PathTiles = NO_PATH_TILES
        self._rest_fill: list[tuple[QBrush, PathTiles]] = []
        self._rest_index = BoxIndex(np.zeros((0, 4)))
        self._fill_image: QImage | None = None
        self._fill_array: np.ndarray | None = None  # keeps the image's memory alive
        self._opaque_image: QImage | None = None
        self._opaque_array: np.ndarray | None = None
        self._cell_size_m = 0.0
        self._cells_rect: QRectF | None = None
        self._boundary = _Boundary()
        self._basemap: TileImages | None = None
        self._opacity = 1.0
        self._targets: dict[tuple[TileKey, Datum], QRectF] = {}
        # Tiles scaled to the current zoom's size: about two screenfuls.
        self._scaled: OrderedDict[tuple, QImage] = OrderedDict()
        self._scaled_max = 160
        self._scratch: QImage | None = None
        self._fill_colors = [QColor(c) for c in style.cell_fill]
        for c in self._fill_colors:
            c.setAlpha(style.cell_fill_alpha)
        self._fill_brushes = [QBrush(c) for c in self._fill_colors]
        self._fill_lut = np.array([0] + [_premultiplied(c) for c in self._fill_colors], dtype=np.uint32)
        self._fill_lut_over_background = np.array(
            [self._background.rgb() | 0xFF000000]
            + [_over(c, self._background) for c in self._fill_colors],
            dtype=np.uint32,
        )
        self._line_color = QColor(style.cell_line)
        glow = QColor(style.outline)
        # Eight hairlines overlap into the glow; each carries a share of its opacity.
        glow.setAlpha(max(8, round(style.outline_glow_alpha * 0.7)))
        self._glow_pen = QPen(glow)
        self._glow_pen.setWidthF(1.0)
        self._glow_pen.setCosmetic(True)
        radius = max(1.0, (style.outline_glow_px - 3.0) / 2)
        self._glow_offsets = tuple(
            (radius * math.cos(k * math.pi / 4), radius * math.sin(k * math.pi / 4)) for k in range(8)
        )
        self._line_pen = QPen(QColor(style.outline))
        self._line_pen.setWidthF(1.0)
        self._line_pen.setCosmetic(True)
        self._label_font = QFont()
        self._label_font.setPointSizeF(style.label_point_size)
        self._label_metrics = QFontMetricsF(self._label_font)
        self._label_pen = QPen(QColor(style.label))
        self._label_halo = QPen(QColor(style.label_halo))

    # ------------------------------------------------------------------ data

    @property
    def codes(self) -> list[str]:
        return self._codes

    @property
    def lattice(self) -> Lattice | None:
        return self._lattice

    @property
    def cells_rect(self) -> QRectF | None:
        return self._cells_rect

    @property
    def outline_rect(self) -> QRectF | None:
        return self._boundary.rect

    @property
    def basemap(self) -> TileImages | None:
        return self._basemap

    @property
    def opacity(self) -> float:
        return self._opacity

    def _changed(self) -> None:
        self.version += 1
        self.dirty.clear()

    def set_cells(self, rings: Rings, codes: list[str]) -> None:
        self._rings = rings
        self._codes = codes
        lattice = find_lattice(rings, len(codes))
        self._lattice = lattice
        if lattice is None:
            rest = np.arange(rings.parts)
        else:
            rest = np.flatnonzero(lattice.col[rings.owner] < 0)
        self._rest = rest
        self._rest_outline = tile_paths(rings, rest)
        self._rest_index = BoxIndex(rings.bbox[rest])
        self._rest_fill = []
        self._fill_image = None
        self._fill_array = None
        self._cells_rect = rings.rect()
        if rings.parts:
            b = rings.bbox
            self._cell_size_m = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
        else:
            self._cell_size_m = 0.0
        self._changed()

    def set_fill_classes(self, cls: np.ndarray | None) -> None:
        """cls: class per cell (-1 = unfilled), or None to clear the choropleth."""
        self._rest_fill = []
        self._fill_image = None
        self._fill_array = None
        self._opaque_image = None
        self._opaque_array = None
        if cls is not None and self._rings is not None:
            lat = self._lattice
            if lat is not None:
                on = lat.col >= 0
                arr = np.zeros((lat.nrows, lat.ncols), dtype=np.uint32)
                # Image row 0 is the north edge; lattice row 0 the south.
                arr[lat.nrows - 1 - lat.row[on], lat.col[on]] = self._fill_lut[cls[on] + 1]
                self._fill_array = arr
                self._fill_image = QImage(
                    arr.data, lat.ncols, lat.nrows, lat.ncols * 4,
                    QImage.Format.Format_ARGB32_Premultiplied,
                )
                # The same picture already laid over the background colour, for
                # maps without a basemap: drawing it is a copy, not a blend, and
                # the background needs no fill under it.
                opaque = np.full((lat.nrows, lat.ncols), self._background.rgb() | 0xFF000000, np.uint32)
                filled = self._fill_lut_over_background[cls[on] + 1]
                opaque[lat.nrows - 1 - lat.row[on], lat.col[on]] = filled
                self._opaque_array = opaque
                self._opaque_image = QImage(
                    opaque.data, lat.ncols, lat.nrows, lat.ncols * 4, QImage.Format.Format_RGB32
                )
            part_cls = cls[self._rings.owner[self._rest]]
            for k, brush in enumerate(self._fill_brushes):
                tiles = tile_paths(self._rings, self._rest[part_cls == k])
                if tiles.paths:
                    self._rest_fill.append((brush, tiles))
        self._changed()

    def set_outline(self, rings: Rings) -> None:
        parts = [rings.xy[rings.start[i] : rings.start[i + 1]] for i in range(rings.parts)]
        self._boundary = _Boundary(parts, [_polyline(r) for r in parts], rings.rect())
        self._changed()

    def set_basemap(self, basemap: TileImages | None, opacity: float) -> None:
        self._basemap = basemap
        self._opacity = float(min(1.0, max(0.0, opacity)))
        self._targets.clear()
        self._scaled.clear()
        self._changed()

    def set_opacity(self, opacity: float) -> None:
        opacity = float(min(1.0, max(0.0, opacity)))
        if opacity != self._opacity:
            self._opacity = opacity
            self._changed()

    def tiles_arrived(self, keys: Iterable[TileKey]) -> None:
        """Mark the squares of newly loaded tiles for re-rendering."""
        if self._basemap is None:
            return
        datum = self._basemap.datum
        for key in keys:
            r = self._target(key, datum)
            # A tile also stands in for its descendants while they load.
            self.dirty.append(r)

    def missing_tiles(self, t: QTransform, region: QRectF) -> list[TileKey]:
        """Tiles of the current zoom that the device region shows but the basemap
        has not loaded, nearest the region's centre first."""
        b = self._basemap
        if b is None or self._opacity <= 0:
            return []
        inverse, _ok = t.inverted()
        box = inverse.mapRect(region)
        z = self.tile_zoom(abs(t.m11()))
        slack = 1000.0 if b.datum.shifted_to_gcj02 else 0.0
        x0, y0, x1, y1 = tiles_covering(
            box.left() - slack, box.top() - slack, box.right() + slack, box.bottom() + slack, z
        )
        if (x1 - x0 + 1) * (y1 - y0 + 1) > 1024:
            return []
        centre = box.center()
        found: list[tuple[float, TileKey]] = []
        for ty in range(y0, y1 + 1):
            for tx in range(x0, x1 + 1):
                key = (z, tx, ty)
                target = self._target(key, b.datum)
                if target.intersects(box) and b.image(*key) is None:
                    c = target.center()
                    found.append(((c.x() - centre.x()) ** 2 + (c.y() - centre.y()) ** 2, key))
        found.sort()
        return [k for _, k in found]

    # -------------------------------------------------------------- queries

    def cell_at(self, x: float, y: float) -> int:
        """Index of the cell containing the mercator point, or -1."""
        if self._lattice is not None:
            i = self._lattice.feature_at(x, y)
            if i >= 0:
                return i
        r = self._rings
        if r is None or self._rest.size == 0:
            return -1
        cand = self._rest[self._rest_index.candidates(x, y, x, y)]
        inside: dict[int, int] = {}
        for p in cand.tolist():
            if point_in_ring(x, y, r.xy[r.start[p] : r.start[p + 1]]):
                owner = int(r.owner[p])
                inside[owner] = inside.get(owner, 0) + 1
        # Even-odd over a cell's parts: inside a hole means inside two rings, i.e. outside.
        hits = sorted(o for o, n in inside.items() if n % 2)
        return hits[0] if hits else -1

    def cells_in_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Indices of the cells whose bounding box meets the box, ascending."""
        found: list[np.ndarray] = []
        lat = self._lattice
        if lat is not None:
            c0, r0, c1, r1 = lat.cells_in(xmin, ymin, xmax, ymax)
            if c0 <= c1 and r0 <= r1:
                window = lat.index[r0 : r1 + 1, c0 : c1 + 1]
                found.append(window[window >= 0].astype(np.int64))
        if self._rest.size and self._rings is not None:
            found.append(self._rings.owner[self._rest[self._rest_index.candidates(xmin, ymin, xmax, ymax)]])
        if not found:
            return np.zeros(0, np.int64)
        return np.unique(np.concatenate(found))

    def cell_centres(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Centres of the cells' (first part's) bounding boxes: exact for squares."""
        r = self._rings
        if r is None or cells.size == 0:
            return np.zeros(0), np.zeros(0)
        # Parts are packed in cell order, so owner is sorted.
        b = r.bbox[np.searchsorted(r.owner, cells)]
        return (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2

    def cell_path(self, index: int):
        r = self._rings
        if r is None:
            return None
        return rings_path(r, np.flatnonzero(r.owner == index))

    # ------------------------------------------------------------- rendering

    def lod_alpha(self, px_per_m: float) -> int:
        px = self._cell_size_m * px_per_m
        for min_px, alpha in self.style.cell_lod:
            if px >= min_px:
                return alpha
        return 0

    def render(self, image: QImage, origin: QPointF, t: QTransform, region: QRect) -> None:
        """Draw the static map into ``region`` of ``image``.

        ``t`` maps mercator metres to device pixels of the cache frame; the
        image's pixel (0, 0) is at device point ``origin``; ``region`` is in
        device pixels (whole pixels).  Axis-aligned transforms only.
        """
        if region.isEmpty():
            return
        self.stats.renders += 1
        self.stats.pixels += region.width() * region.height()
        inverse, _ok = t.inverted()
        box = inverse.mapRect(QRectF(region))
        p = QPainter(image)
        try:
            p.translate(-origin.x(), -origin.y())
            p.setClipRect(region)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            basemap = self._basemap is not None and self._opacity > 0
            lattice_fill = None if basemap else self._lattice_fill(t, box)
            if lattice_fill is None:
                p.fillRect(region, self._background)
            else:
                # The opaque choropleth covers its rectangle: fill only around it
                # (its 1-pixel rim too, which the scaled picture may not reach).
                inner = lattice_fill[0].toAlignedRect().adjusted(1, 1, -1, -1)
                for r in rect_difference(region, inner):
                    p.fillRect(r, self._background)
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            if basemap:
                self._draw_basemap(p, t, region, box)
            if lattice_fill is not None:
                assert self._opaque_image is not None
                p.drawImage(lattice_fill[0], self._opaque_image, lattice_fill[1])
            self._draw_fills(p, t, box, lattice=lattice_fill is None)
            self._draw_outlines(p, image, origin, t, region, box)
            self._draw_labels(p, t, box)
            self._draw_boundary(p, t)
        finally:
            p.end()

    # basemap

    def _target(self, key: TileKey, datum: Datum) -> QRectF:
        r = self._targets.get((key, datum))
        if r is None:
            xmin, ymin, xmax, ymax = tile_target(datum, *key)
            r = QRectF(xmin, ymin, xmax - xmin, ymax - ymin)
            if len(self._targets) > 20_000:
                self._targets.clear()
            self._targets[(key, datum)] = r
        return r

    def tile_zoom(self, px_per_m: float) -> int:
        b = self._basemap
        assert b is not None
        return zoom_for_resolution(
            1.0 / px_per_m, min_zoom=b.min_zoom, max_zoom=b.max_zoom, tile_px=b.tile_px
        )

    def _draw_basemap(self, p: QPainter, t: QTransform, region: QRect, box: QRectF) -> None:
        b = self._basemap
        assert b is not None
        px_per_m = abs(t.m11())
        z = self.tile_zoom(px_per_m)
        # GCJ-02's offset is at most ~700 m: look that much further for shifted tiles.
        slack = 1000.0 if b.datum.shifted_to_gcj02 else 0.0
        x0, y0, x1, y1 = tiles_covering(
            box.left() - slack, box.top() - slack, box.right() + slack, box.bottom() + slack, z
        )
        if (x1 - x0 + 1) * (y1 - y0 + 1) > 1024:
            return  # zoomed far out of the source's range: nothing legible to draw
        p.setOpacity(self._opacity)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)  # stand-ins only
        for ty in range(y0, y1 + 1):
            for tx in range(x0, x1 + 1):
                key = (z, tx, ty)
                target = self._target(key, b.datum)
                if not target.intersects(box):
                    continue
                dev = t.mapRect(target)
                img = b.image(*key)
                if img is not None:
                    self._draw_tile(p, key, img, dev)
                    self.stats.tiles_drawn += 1
                    continue
                self.stats.tiles_missing += 1
                self._draw_ancestor(p, b, key, dev)
        p.setOpacity(1.0)

    def _draw_tile(self, p: QPainter, key: TileKey, img: QImage, dev: QRectF) -> None:
        """Draw a tile on its device rectangle, from a copy scaled once per zoom level.

        A view rarely sits at a tile level's exact scale, and a smooth scaled
        blit of a screenful of tiles costs several milliseconds; the copy makes
        every later render at this zoom (pans, new data, resizes) a plain blit.
        Edges are rounded from the tile's exact edges, so neighbours still meet.
        """
        left, top = round(dev.left()), round(dev.top())
        w, h = round(dev.right()) - left, round(dev.bottom()) - top
        if w <= 0 or h <= 0:
            return
        if w == img.width() and h == img.height():
            p.drawImage(left, top, img)
            return
        cache_key = (key, w, h, img.cacheKey())
        scaled = self._scaled.get(cache_key)
        if scaled is None:
            scaled = img.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio,
                                Qt.TransformationMode.SmoothTransformation)
            self._scaled[cache_key] = scaled
            while len(self._scaled) > self._scaled_max:
                self._scaled.pop(next(iter(self._scaled)))
        else:
            self._scaled.move_to_end(cache_key)
        p.drawImage(left, top, scaled)

    @staticmethod
    def _draw_ancestor(p: QPainter, b: TileImages, key: TileKey, dev: QRectF) -> None:
        """While a tile loads, stretch the part of a coarser tile that covers it."""
        z, x, y = key
        for k in range(1, min(z - b.min_zoom, 6) + 1):
            img = b.image(z - k, x >> k, y >> k)
            if img is None:
                continue
            size = img.width() / (1 << k)
            src = QRectF((x - (x >> k << k)) * size, (y - (y >> k << k)) * size, size, size)
            p.drawImage(dev, img, src)
            return

    # cells

    def _lattice_window(self, t: QTransform, box: QRectF) -> tuple[QRectF, QRectF] | None:
        """Device target and source rectangle of the lattice picture's part that meets ``box``."""
        lat = self._lattice
        if lat is None:
            return None
        c0, r0, c1, r1 = lat.cells_in(box.left(), box.top(), box.right(), box.bottom())
        if c0 > c1 or r0 > r1:
            return None
        src = QRectF(c0, lat.nrows - 1 - r1, c1 - c0 + 1, r1 - r0 + 1)
        cells = QRectF(
            lat.x0 + c0 * lat.side_x,
            lat.y0 + r0 * lat.side_y,
            (c1 - c0 + 1) * lat.side_x,
            (r1 - r0 + 1) * lat.side_y,
        )
        return t.mapRect(cells), src

    def _lattice_fill(self, t: QTransform, box: QRectF) -> tuple[QRectF, QRectF] | None:
        """Where the opaque choropleth goes, when there is one to draw."""
        if self._opaque_image is None:
            return None
        return self._lattice_window(t, box)

    def _draw_fills(self, p: QPainter, t: QTransform, box: QRectF, lattice: bool = True) -> None:
        if lattice and self._fill_image is not None:
            window = self._lattice_window(t, box)
            if window is not None:
                p.drawImage(window[0], self._fill_image, window[1])
        if self._rest_fill:
            p.save()
            p.setWorldTransform(t, True)
            p.setPen(Qt.PenStyle.NoPen)
            for brush, tiles in self._rest_fill:
                p.setBrush(brush)
                for path in tiles.visible(box):
                    p.drawPath(path)
            p.restore()

    def _lattice_rects(self, t: QTransform, region: QRect) -> np.ndarray:
        lat = self._lattice
        assert lat is not None
        sx, sy = t.m11(), t.m22()
        dx, dy = t.dx(), t.dy()
        h, v = lat.h_runs, lat.v_runs
        rects = np.empty((len(h) + len(v), 4))
        n = len(h)
        ya = np.floor(sy * (lat.y0 + h[:, 0] * lat.side_y) + dy)
        xa = np.floor(sx * (lat.x0 + h[:, 1] * lat.side_x) + dx)
        xb = np.floor(sx * (lat.x0 + h[:, 2] * lat.side_x) + dx)
        rects[:n, 0] = np.minimum(xa, xb)
        rects[:n, 1] = ya
        rects[:n, 2] = np.abs(xb - xa) + 1
        rects[:n, 3] = 1
        xa = np.floor(sx * (lat.x0 + v[:, 0] * lat.side_x) + dx)
        ya = np.floor(sy * (lat.y0 + v[:, 1] * lat.side_y) + dy)
        yb = np.floor(sy * (lat.y0 + v[:, 2] * lat.side_y) + dy)
        rects[n:, 0] = xa
        rects[n:, 1] = np.minimum(ya, yb)
        rects[n:, 2] = 1
        rects[n:, 3] = np.abs(yb - ya) + 1
        left, top = region.left(), region.top()
        right, bottom = left + region.width(), top + region.height()
        keep = (
            (rects[:, 0] < right)
            & (rects[:, 0] + rects[:, 2] > left)
            & (rects[:, 1] < bottom)
            & (rects[:, 1] + rects[:, 3] > top)
        )
        return np.ascontiguousarray(rects[keep])

    def _draw_outlines(
        self, p: QPainter, image: QImage, origin: QPointF, t: QTransform, region: QRect, box: QRectF
    ) -> None:
        alpha = self.lod_alpha(abs(t.m11()))
        if alpha <= 0 or self._rings is None:
            return
        rects = self._lattice_rects(t, region) if self._lattice is not None else np.zeros((0, 4))
        paths = self._rest_outline.visible(box)
        if not len(rects) and not paths:
            return
        if alpha >= 255:
            self._paint_lines(p, t, rects, paths)
            return
        # Opaque lines into a scratch image, blended once: see the module docstring.
        scratch = self._scratch
        if (
            scratch is None
            or scratch.width() < image.width()
            or scratch.height() < image.height()
            or scratch.devicePixelRatio() != image.devicePixelRatio()
        ):
            # Reused across renders: a fresh 6 MB image costs a millisecond or two in page faults.
            scratch = QImage(
                _round_up(image.width(), 256), _round_up(image.height(), 256),
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            scratch.setDevicePixelRatio(image.devicePixelRatio())
            self._scratch = scratch
        # Clear and blend only where there is ink: zoomed out far enough for
        # faded outlines, the district rarely fills the view.
        ink = self._ink_rect(t, rects, paths).intersected(region)
        if ink.isEmpty():
            return
        local = ink.translated(-round(origin.x()), -round(origin.y()))
        dpr = scratch.devicePixelRatio()
        direct = dpr == 1.0 and origin.x() == round(origin.x()) and origin.y() == round(origin.y())
        # Columns go through numpy (see _write_rects); rows are long spans Qt fills fast.
        column = (rects[:, 2] == 1) & (rects[:, 3] > 1) if direct else np.zeros(len(rects), bool)
        sp = QPainter(scratch)
        try:
            sp.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            sp.fillRect(local, Qt.GlobalColor.transparent)
            sp.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            sp.translate(-origin.x(), -origin.y())
            sp.setClipRect(ink)
            self._paint_lines(sp, t, np.ascontiguousarray(rects[~column]), paths)
        finally:
            sp.end()
        if column.any():
            _write_rects(scratch, rects[column], ink, round(origin.x()), round(origin.y()),
                         self._line_color.rgba())
        p.setOpacity(alpha / 255.0)
        p.drawImage(
            QRectF(ink), scratch,
            QRectF(local.x() * dpr, local.y() * dpr, local.width() * dpr, local.height() * dpr),
        )
        p.setOpacity(1.0)

    def _ink_rect(self, t: QTransform, rects: np.ndarray, paths: list) -> QRect:
        """Device bounds of the outline rectangles and of the path tiles drawn."""
        ink = QRect()
        if len(rects):
            x0, y0 = rects[:, 0].min(), rects[:, 1].min()
            x1, y1 = (rects[:, 0] + rects[:, 2]).max(), (rects[:, 1] + rects[:, 3]).max()
            ink = QRect(int(x0), int(y0), int(x1 - x0) + 1, int(y1 - y0) + 1)
        for path in paths:
            ink = ink.united(t.mapRect(path.boundingRect()).toAlignedRect().adjusted(-1, -1, 1, 1))
        return ink

    def _paint_lines(self, p: QPainter, t: QTransform, rects: np.ndarray, paths: list) -> None:
        if len(rects):
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self._line_color)
            p.drawRects(_wrap_rects(rects), len(rects))  # type: ignore[call-overload]  # a C array
        if paths:
            p.save()
            p.setWorldTransform(t, True)
            pen = QPen(self._line_color)
            pen.setCosmetic(True)
            pen.setWidth(1)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            for path in paths:
                p.drawPath(path)
            p.restore()

    def _draw_labels(self, p: QPainter, t: QTransform, box: QRectF) -> None:
        px = self._cell_size_m * abs(t.m11())
        if px < self.style.label_min_px or not self._codes or self._rings is None:
            return
        cells = self.cells_in_box(box.left(), box.top(), box.right(), box.bottom())
        if cells.size == 0 or cells.size > 3000:
            return
        fm = self._label_metrics
        digit = fm.horizontalAdvance("0")
        fit = int((px - 10) // max(digit, 1.0))
        if fit < 3:
            return
        cx, cy = self.cell_centres(cells)
        dx = t.m11() * cx + t.dx()
        dy = t.m22() * cy + t.dy()
        p.setFont(self._label_font)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        half_h = (fm.ascent() - fm.descent()) / 2
        for i, x, y in zip(cells.tolist(), dx.tolist(), dy.tolist(), strict=True):
            text = self._codes[i]
            if len(text) > fit:
                text = "…" + text[-(fit - 1):]
            w = fm.horizontalAdvance(text)
            pos = QPointF(x - w / 2, y + half_h)
            p.setPen(self._label_halo)
            p.drawText(pos + QPointF(1, 1), text)
            p.setPen(self._label_pen)
            p.drawText(pos, text)
        self.stats.labels += cells.size

    def _draw_boundary(self, p: QPainter, t: QTransform) -> None:
        if not self._boundary.rings:
            return
        polys = self._boundary.polylines
        p.save()
        p.setWorldTransform(t, True)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # Wide antialiased pens go through the path stroker (15-40 ms for this
        # boundary); 1-pixel antialiased lines are Qt's fast path.  So the glow
        # is a ring of faint hairlines around the line and the line itself is
        # three hairlines under a pixel apart: the same look for ~1.5 ms.
        sx, sy = 1.0 / t.m11(), 1.0 / t.m22()
        for pen, offsets in ((self._glow_pen, self._glow_offsets), (self._line_pen, _LINE_OFFSETS)):
            p.setPen(pen)
            for ox, oy in offsets:
                p.save()
                p.translate(ox * sx, oy * sy)
                for poly in polys:
                    p.drawPolyline(poly)
                p.restore()
        p.restore()


_LINE_OFFSETS = ((0.0, 0.0), (0.6, 0.0), (0.0, 0.6))


def _write_rects(image: QImage, rects: np.ndarray, clip: QRect, ox: int, oy: int, argb: int) -> None:
    """Opaque columns one pixel wide written straight into the image's memory.

    Qt fills a rectangle one pixel wide row by row, a few nanoseconds a row;
    the lattice's vertical outlines are hundreds of such columns, about a
    millisecond.  A numpy slice per column does the same in a third of it.
    ``rects`` are device (x, y, w, h); the image's pixel (0, 0) is device
    (ox, oy); only the part inside ``clip`` is written.  Device pixel ratio 1 only.
    """
    stride = image.bytesPerLine() // 4
    pixels = np.frombuffer(image.bits(), np.uint32).reshape(image.height(), stride)
    x0 = np.maximum(rects[:, 0], clip.left()).astype(np.int64) - ox
    y0 = np.maximum(rects[:, 1], clip.top()).astype(np.int64) - oy
    x1 = np.minimum(rects[:, 0] + rects[:, 2], clip.left() + clip.width()).astype(np.int64) - ox
    y1 = np.minimum(rects[:, 1] + rects[:, 3], clip.top() + clip.height()).astype(np.int64) - oy
    keep = (x1 > x0) & (y1 > y0)
    colour = np.uint32(argb)
    for a, b, c, d in zip(x0[keep].tolist(), y0[keep].tolist(), x1[keep].tolist(), y1[keep].tolist(),
                          strict=True):
        pixels[b:d, a:c] = colour


def _round_up(n: int, step: int) -> int:
    return -(-n // step) * step


def _polyline(xy: np.ndarray) -> QPolygonF:
    poly = pg.functions.create_qpolygonf(len(xy))
    pg.functions.ndarray_from_qpolygonf(poly)[:] = xy
    return poly
