"""Uniform-grid spatial indexes for the map's hit-testing: points and boxes.

Numpy only.  Each index is a snapshot built in one pass (argsort of bucket
keys) and read-only afterwards, so it is safe to query from any thread; the
map rebuilds a point index lazily, on the first hover or click after the
points changed, never on the update path.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["BoxIndex", "PointIndex"]


def _grid_size(xmin: float, ymin: float, xmax: float, ymax: float, n: int, per_bucket: float) -> float:
    area = max((xmax - xmin) * (ymax - ymin), 1e-9)
    size = math.sqrt(area * per_bucket / max(n, 1))
    span = max(xmax - xmin, ymax - ymin, 1e-9)
    # At most 4,096 buckets a side: a few far-flung points must not make the grid absurdly fine.
    return max(size, span / 4096, 1e-9)


def _bucket_span(grid: PointIndex | BoxIndex, xmin: float, ymin: float, xmax: float,
                 ymax: float) -> tuple[int, int, int, int] | None:
    """The bucket columns and rows a query box covers, clipped to the grid;
    None when the box misses it (or the grid is empty)."""
    if grid._nx == 0 or xmin > xmax or ymin > ymax:
        return None
    s = grid._size
    bx0 = max(0, math.floor((xmin - grid._x0) / s))
    bx1 = min(grid._nx - 1, math.floor((xmax - grid._x0) / s))
    by0 = max(0, math.floor((ymin - grid._y0) / s))
    by1 = min(grid._ny - 1, math.floor((ymax - grid._y0) / s))
    if bx0 > bx1 or by0 > by1:
        return None
    return bx0, bx1, by0, by1


def _bucket_positions(grid: PointIndex | BoxIndex, span: tuple[int, int, int, int]) -> np.ndarray:
    """Positions in the grid's sorted keys that fall in the bucket span."""
    bx0, bx1, by0, by1 = span
    # Each column of buckets is one contiguous run of the sorted keys.
    cols = np.arange(bx0, bx1 + 1, dtype=np.int64) * grid._ny
    lo = np.searchsorted(grid._keys, cols + by0, side="left")
    hi = np.searchsorted(grid._keys, cols + by1, side="right")
    counts = hi - lo
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)


class PointIndex:
    """Points bucketed on a uniform grid; nearest-within-radius and box queries."""

    def __init__(self, x: np.ndarray, y: np.ndarray, per_bucket: float = 4.0) -> None:
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        n = self.x.size
        if n == 0:
            self._size = 1.0
            self._x0 = self._y0 = 0.0
            self._ny = 1
            self._nx = 0
            self._keys = np.zeros(0, np.int64)
            self._order = np.zeros(0, np.int64)
            return
        xmin, xmax = float(self.x.min()), float(self.x.max())
        ymin, ymax = float(self.y.min()), float(self.y.max())
        self._size = _grid_size(xmin, ymin, xmax, ymax, n, per_bucket)
        self._x0, self._y0 = xmin, ymin
        bx = np.floor((self.x - xmin) / self._size).astype(np.int64)
        by = np.floor((self.y - ymin) / self._size).astype(np.int64)
        self._nx = int(bx.max()) + 1
        self._ny = int(by.max()) + 1
        keys = bx * self._ny + by
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]

    def __len__(self) -> int:
        return self.x.size

    def in_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Indices of the points inside the closed box, ascending."""
        span = _bucket_span(self, xmin, ymin, xmax, ymax)
        if span is None:
            return np.zeros(0, np.int64)
        cand = self._order[_bucket_positions(self, span)]
        px, py = self.x[cand], self.y[cand]
        hit = cand[(px >= xmin) & (px <= xmax) & (py >= ymin) & (py <= ymax)]
        hit.sort()
        return hit

    def nearest(self, x: float, y: float, rx: float, ry: float) -> tuple[int, float] | None:
        """The point nearest (x, y) inside the ellipse of half-axes rx, ry, and its
        normalised distance (1.0 = on the ellipse); None if there is none.

        The map passes a radius in pixels times metres per pixel on each axis.
        """
        if rx <= 0 or ry <= 0:
            return None
        cand = self.in_box(x - rx, y - ry, x + rx, y + ry)
        if cand.size == 0:
            return None
        d2 = ((self.x[cand] - x) / rx) ** 2 + ((self.y[cand] - y) / ry) ** 2
        k = int(np.argmin(d2))
        if d2[k] > 1.0:
            return None
        return int(cand[k]), math.sqrt(float(d2[k]))


class BoxIndex:
    """Axis-aligned boxes (xmin, ymin, xmax, ymax) bucketed on a uniform grid."""

    # A query covering more buckets than this scans all boxes in one vectorised pass instead.
    _SCAN_LIMIT = 1024

    def __init__(self, boxes: np.ndarray) -> None:
        b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        self.boxes = b
        n = len(b)
        if n == 0:
            self._size = 1.0
            self._x0 = self._y0 = 0.0
            self._nx = self._ny = 0
            self._keys = np.zeros(0, np.int64)
            self._owner = np.zeros(0, np.int64)
            return
        extent = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
        xmin, ymin = float(b[:, 0].min()), float(b[:, 1].min())
        xmax, ymax = float(b[:, 2].max()), float(b[:, 3].max())
        size = max(2.0 * float(np.median(extent)), _grid_size(xmin, ymin, xmax, ymax, n, 1.0))
        self._size = size
        self._x0, self._y0 = xmin, ymin
        bx0 = np.floor((b[:, 0] - xmin) / size).astype(np.int64)
        by0 = np.floor((b[:, 1] - ymin) / size).astype(np.int64)
        bx1 = np.floor((b[:, 2] - xmin) / size).astype(np.int64)
        by1 = np.floor((b[:, 3] - ymin) / size).astype(np.int64)
        self._nx, self._ny = int(bx1.max()) + 1, int(by1.max()) + 1
        nx, ny = bx1 - bx0 + 1, by1 - by0 + 1
        counts = nx * ny
        owner = np.repeat(np.arange(n), counts)
        local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        keys = (bx0[owner] + local % nx[owner]) * self._ny + by0[owner] + local // nx[owner]
        order = np.argsort(keys, kind="stable")
        self._keys, self._owner = keys[order], owner[order]

    def __len__(self) -> int:
        return len(self.boxes)

    def candidates(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Indices of the boxes meeting the query box, ascending."""
        span = _bucket_span(self, xmin, ymin, xmax, ymax)
        if span is None:
            return np.zeros(0, np.int64)
        bx0, bx1, by0, by1 = span
        if (bx1 - bx0 + 1) * (by1 - by0 + 1) > self._SCAN_LIMIT:
            cand = np.arange(len(self.boxes))
        else:
            cand = np.unique(self._owner[_bucket_positions(self, span)])
        b = self.boxes[cand]
        hit = (b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin)
        return cand[hit]
