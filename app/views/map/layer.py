"""The base of the map's graphics items, and the numpy helpers they share.

``Layer`` is a pyqtgraph item whose bounds are a data rectangle plus a
margin in device pixels (markers and thick pens reach past their points),
recomputed when the zoom changes.  ``device_xy`` maps mercator points to
device pixels in one numpy expression; ``sticky_rect`` gives bounds that
only grow, so moving points rarely change the scene's geometry; ``inside``
culls device points to a rectangle before drawing.

Threading: GUI thread only.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QTransform

from app.views.map.geometry import bbox_rect

__all__ = ["Layer", "device_xy", "inside", "sticky_rect"]


def device_xy(t: QTransform, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return t.m11() * x + t.m21() * y + t.dx(), t.m12() * x + t.m22() * y + t.dy()


def sticky_rect(current: QRectF | None, x: np.ndarray, y: np.ndarray) -> QRectF | None:
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


def inside(dx: np.ndarray, dy: np.ndarray, rect: QRectF | None) -> np.ndarray:
    """Boolean mask of device points inside rect; culls before building fragments."""
    if rect is None:
        return np.ones(dx.size, dtype=bool)
    return (dx >= rect.left()) & (dx <= rect.right()) & (dy >= rect.top()) & (dy <= rect.bottom())


class Layer(pg.GraphicsObject):
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
