"""Cell and outline geometry as the map draws it: packed rings, the cell lattice, path tiles.

Everything is in Web Mercator metres.  ``pack_rings`` flattens many rings
into a few arrays once, when data arrives.  ``find_lattice`` then recognises
the cells that are squares of one regular grid, which is what the 万米
cutter (``core.geo.cut_cells``) makes: those are drawn as one small image
(a pixel per cell) scaled to the view, and their outlines as merged
horizontal and vertical runs, so drawing them costs the same whether the
district has 1,000 cells or 60,000.  Any other cell (an irregular polygon
from a real city's grid survey, a cell with a hole) goes into ``PathTiles``:
QPainterPaths split over a coarse grid so a paint touches only what it shows.

Pure data after construction; build on any thread, draw on the GUI thread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath

__all__ = [
    "NO_PATH_TILES",
    "Lattice",
    "PathTiles",
    "Rings",
    "find_lattice",
    "pack_flat",
    "pack_rings",
    "point_in_ring",
    "rings_path",
    "tile_paths",
]


@dataclass(frozen=True)
class Rings:
    """Many rings packed into flat arrays, closed, with the feature each belongs to."""

    xy: np.ndarray  # (M, 2) float64
    connect: np.ndarray  # (M,) int32: 1 = a segment runs to the next vertex
    start: np.ndarray  # (P + 1,) offsets of each part into xy
    owner: np.ndarray  # (P,) feature index of each part
    bbox: np.ndarray  # (P, 4) xmin, ymin, xmax, ymax

    @property
    def parts(self) -> int:
        return len(self.owner)

    def rect(self) -> QRectF | None:
        if self.parts == 0:
            return None
        b = self.bbox
        return bbox_rect(b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def bbox_rect(xmin: float, ymin: float, xmax: float, ymax: float) -> QRectF:
    return QRectF(float(xmin), float(ymin), float(xmax - xmin), float(ymax - ymin))


def as_ring(obj: object, what: str) -> np.ndarray:
    a = np.asarray(obj, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < 3:
        raise ValueError(f"{what}: a ring must be an N×2 array with N ≥ 3, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{what}: ring has non-finite coordinates")
    if not np.array_equal(a[0], a[-1]):
        a = np.vstack([a, a[:1]])
    return a


def pack_rings(features: Sequence[object], what: str) -> Rings:
    """Each feature is one (N, 2) ring or a sequence of rings (parts, holes).

    Raises ValueError naming the first bad feature; builds nothing until all are good.
    """
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
            parts.append(as_ring(ring, f"{what} {i}"))
            owners.append(i)
    if not parts:
        return Rings(
            np.zeros((0, 2)),
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
    first = start[:-1]
    bbox = np.column_stack(
        [
            np.minimum.reduceat(xy[:, 0], first),
            np.minimum.reduceat(xy[:, 1], first),
            np.maximum.reduceat(xy[:, 0], first),
            np.maximum.reduceat(xy[:, 1], first),
        ]
    )
    return Rings(xy, connect, start, np.asarray(owners, dtype=np.int64), bbox)


def pack_flat(xy: np.ndarray, start: np.ndarray, what: str) -> Rings:
    """``pack_rings`` for one ring per feature given packed already: ring i is
    ``xy[start[i]:start[i + 1]]``.  The same ``Rings`` and the same errors as
    ``pack_rings`` of those rings, without a Python step per ring (59k cells
    in milliseconds)."""
    xy = np.asarray(xy, dtype=np.float64)
    start = np.asarray(start, dtype=np.int64)
    if start.ndim != 1 or len(start) < 1 or start[0] != 0 or (np.diff(start) < 0).any():
        raise ValueError(f"{what}s: offsets must start at 0 and never decrease")
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != start[-1]:
        raise ValueError(f"{what}s: expected a ({int(start[-1])}, 2) array of points, got shape {xy.shape}")
    n = len(start) - 1
    if n == 0:
        return pack_rings([], what)
    lengths = np.diff(start)
    # The first bad ring is named, as pack_rings would (shape before values).
    short = np.flatnonzero(lengths < 3)
    finite = np.isfinite(xy).all(axis=1)
    bad = np.repeat(np.arange(n), lengths)[~finite] if not finite.all() else short[:0]
    i_short = int(short[0]) if len(short) else n
    i_bad = int(bad[0]) if len(bad) else n
    if i_short < n and i_short <= i_bad:
        raise ValueError(f"{what} {i_short}: a ring must be an N×2 array with N ≥ 3, "
                         f"got shape ({int(lengths[i_short])}, 2)")
    if i_bad < n:
        raise ValueError(f"{what} {i_bad}: ring has non-finite coordinates")
    first, last = start[:-1], start[1:] - 1
    open_ = np.flatnonzero((xy[first] != xy[last]).any(axis=1))
    if len(open_):  # closed as as_ring closes them: the first point again at the end
        xy = np.insert(xy, start[1:][open_], xy[first[open_]], axis=0)
        lengths = lengths.copy()
        lengths[open_] += 1
        start = np.concatenate([[0], np.cumsum(lengths)])
        first = start[:-1]
    connect = np.ones(len(xy), dtype=np.int32)
    connect[start[1:] - 1] = 0
    bbox = np.column_stack(
        [
            np.minimum.reduceat(xy[:, 0], first),
            np.minimum.reduceat(xy[:, 1], first),
            np.maximum.reduceat(xy[:, 0], first),
            np.maximum.reduceat(xy[:, 1], first),
        ]
    )
    return Rings(xy, connect, start, np.arange(n, dtype=np.int64), bbox)


def _point_indices(rings: Rings, part_idx: np.ndarray) -> np.ndarray:
    starts = rings.start[part_idx]
    lengths = rings.start[part_idx + 1] - starts
    offsets = np.cumsum(lengths) - lengths
    return np.arange(lengths.sum()) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)


def rings_path(rings: Rings, part_idx: np.ndarray | None = None) -> QPainterPath:
    if part_idx is None:
        xy, connect = rings.xy, rings.connect
    else:
        idx = _point_indices(rings, part_idx)
        xy, connect = rings.xy[idx], rings.connect[idx]
    if len(xy) == 0:
        return QPainterPath()
    return pg.functions.arrayToQPath(xy[:, 0], xy[:, 1], connect=connect, finiteCheck=False)


def point_in_ring(px: float, py: float, ring: np.ndarray) -> bool:
    """Even-odd ray casting; the ring is closed (last vertex repeats the first)."""
    x0, y0 = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    crosses = (y0 > py) != (y1 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(crosses & (px < xs)) % 2)


# ------------------------------------------------------------------- path tiles


@dataclass(frozen=True)
class PathTiles:
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


NO_PATH_TILES = PathTiles(np.zeros((0, 4)), ())


def tile_paths(rings: Rings, parts: np.ndarray, per_tile: int = 64, max_side: int = 32) -> PathTiles:
    if parts.size == 0:
        return NO_PATH_TILES
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
        rings_path(rings, parts[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    )
    return PathTiles(rects, paths)


# ---------------------------------------------------------------------- lattice


@dataclass(frozen=True)
class Lattice:
    """Cells that are squares of one regular grid, as a raster of cell indices.

    Lattice cell (col, row) covers x0 + col·side_x … x0 + (col+1)·side_x and
    y0 + row·side_y … (mercator y grows north; row 0 is the southernmost).
    """

    x0: float
    y0: float
    side_x: float
    side_y: float
    index: np.ndarray  # (nrows, ncols) int32: feature index, -1 where no cell
    col: np.ndarray  # (F,) int64: lattice column of each feature, -1 if not on the lattice
    row: np.ndarray  # (F,) int64
    h_runs: np.ndarray  # (K, 3) int32: row boundary j (0..nrows), first col, end col (exclusive)
    v_runs: np.ndarray  # (L, 3) int32: col boundary i (0..ncols), first row, end row (exclusive)

    @property
    def nrows(self) -> int:
        return int(self.index.shape[0])

    @property
    def ncols(self) -> int:
        return int(self.index.shape[1])

    def rect(self) -> QRectF:
        return QRectF(self.x0, self.y0, self.ncols * self.side_x, self.nrows * self.side_y)

    def feature_at(self, x: float, y: float) -> int:
        """Feature index of the lattice cell containing the point, or -1."""
        c = math.floor((x - self.x0) / self.side_x)
        r = math.floor((y - self.y0) / self.side_y)
        if 0 <= r < self.nrows and 0 <= c < self.ncols:
            return int(self.index[r, c])
        return -1

    def cells_in(self, xmin: float, ymin: float, xmax: float, ymax: float) -> tuple[int, int, int, int]:
        """Inclusive (c0, r0, c1, r1) of the lattice cells meeting a box; c0 > c1 when none."""
        c0 = max(0, math.floor((xmin - self.x0) / self.side_x))
        c1 = min(self.ncols - 1, math.floor((xmax - self.x0) / self.side_x))
        r0 = max(0, math.floor((ymin - self.y0) / self.side_y))
        r1 = min(self.nrows - 1, math.floor((ymax - self.y0) / self.side_y))
        return c0, r0, c1, r1


# A lattice larger than this (cells of the bounding grid) is not worth a raster.
MAX_LATTICE_CELLS = 16_000_000
# Corners within this fraction of a side of the grid count as on it: cells
# travel as lon/lat rounded to 1e-7°, about a centimetre in a 100 m side.
_SNAP = 1e-3


def _runs(mask: np.ndarray) -> np.ndarray:
    """Maximal runs of True along axis 1 of a 2-D mask: (line, start, end) rows."""
    lines, n = mask.shape
    padded = np.zeros((lines, n + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    sl, ss = np.nonzero(d == 1)
    el, ee = np.nonzero(d == -1)
    # np.nonzero walks row-major, so starts and ends pair up in order.
    return np.column_stack([sl, ss, ee]).astype(np.int32)


def find_lattice(rings: Rings, features: int) -> Lattice | None:
    """The regular grid most cells sit on, or None when fewer than half do.

    A feature is on the lattice when it is one axis-aligned rectangle of the
    common size whose corners fall on the grid; features that are not (or
    that would land on a square already taken) are left for ``PathTiles``.
    """
    if features == 0 or rings.parts == 0:
        return None
    lengths = rings.start[1:] - rings.start[:-1]
    parts_per_feature = np.bincount(rings.owner, minlength=features)
    cand = np.flatnonzero((lengths == 5) & (parts_per_feature[rings.owner] == 1))
    if cand.size < max(1, features // 2):
        return None
    pts = rings.xy[rings.start[cand][:, None] + np.arange(4)]  # (m, 4, 2)
    b = rings.bbox[cand]
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    side_x, side_y = float(np.median(w)), float(np.median(h))
    if not (side_x > 0 and side_y > 0):
        return None
    tol_x, tol_y = _SNAP * side_x, _SNAP * side_y
    on_x = (np.abs(pts[:, :, 0] - b[:, None, 0]) < tol_x) | (np.abs(pts[:, :, 0] - b[:, None, 2]) < tol_x)
    on_y = (np.abs(pts[:, :, 1] - b[:, None, 1]) < tol_y) | (np.abs(pts[:, :, 1] - b[:, None, 3]) < tol_y)
    # Four distinct corners: each vertex is a corner and the four are the four corners.
    corner = (pts[:, :, 0] > (b[:, None, 0] + b[:, None, 2]) / 2).astype(np.int64) * 2 + (
        pts[:, :, 1] > (b[:, None, 1] + b[:, None, 3]) / 2
    )
    distinct = np.sort(corner, axis=1)
    four = (distinct == np.arange(4)).all(axis=1)
    ok = (
        on_x.all(axis=1)
        & on_y.all(axis=1)
        & four
        & (np.abs(w - side_x) < tol_x)
        & (np.abs(h - side_y) < tol_y)
    )
    cand, b = cand[ok], b[ok]
    if cand.size < max(1, features // 2):
        return None
    x0, y0 = float(b[:, 0].min()), float(b[:, 1].min())
    colf = (b[:, 0] - x0) / side_x
    rowf = (b[:, 1] - y0) / side_y
    col = np.rint(colf).astype(np.int64)
    row = np.rint(rowf).astype(np.int64)
    # Refine the pitch over the whole extent, so hundreds of columns do not
    # accumulate the rounding of one cell's width.
    if col.max() > 0:
        side_x = float((b[:, 0].max() - x0) / col.max()) if col.max() else side_x
    if row.max() > 0:
        side_y = float((b[:, 1].max() - y0) / row.max()) if row.max() else side_y
    on_grid = (np.abs((b[:, 0] - x0) - col * side_x) < tol_x) & (
        np.abs((b[:, 1] - y0) - row * side_y) < tol_y
    )
    cand, col, row = cand[on_grid], col[on_grid], row[on_grid]
    ncols, nrows = int(col.max()) + 1, int(row.max()) + 1
    if cand.size < max(1, features // 2) or ncols * nrows > MAX_LATTICE_CELLS:
        return None
    index = np.full((nrows, ncols), -1, dtype=np.int32)
    owner = rings.owner[cand]
    # Two features on one square: the first keeps it, the other is drawn as a path.
    flat = row * ncols + col
    _, first = np.unique(flat, return_index=True)
    keep = np.zeros(cand.size, dtype=bool)
    keep[first] = True
    index[row[keep], col[keep]] = owner[keep]
    fcol = np.full(features, -1, dtype=np.int64)
    frow = np.full(features, -1, dtype=np.int64)
    fcol[owner[keep]] = col[keep]
    frow[owner[keep]] = row[keep]
    present = index >= 0
    # Horizontal edges lie on row boundaries 0..nrows; an edge exists where a
    # cell is on either side.  Vertical edges likewise on column boundaries.
    padded = np.zeros((nrows + 2, ncols), dtype=bool)
    padded[1:-1] = present
    h_runs = _runs(padded[:-1] | padded[1:])
    padded = np.zeros((nrows, ncols + 2), dtype=bool)
    padded[:, 1:-1] = present
    v_runs = _runs((padded[:, :-1] | padded[:, 1:]).T)
    return Lattice(x0, y0, side_x, side_y, index, fcol, frow, h_runs, v_runs)
