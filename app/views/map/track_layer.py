"""An overlay for a map's view box: one vehicle's track with its stops, and
the geofences (corridors, forbidden areas, parking areas).

ONE graphics item draws everything in one ``paint()``: the track and the
geofences are cached ``QPainterPath`` s in map coordinates (Web Mercator
metres), drawn with cosmetic pens; stop markers and the "you are here"
marker keep a constant size on screen.  It is added to a
``DistrictMapView`` through its public ``view_box()``.

Threading: GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPainterPathStroker, QPen

TRACK_COLOUR = "#1565c0"
STOP_COLOUR = "#6a1b9a"
CORRIDOR_COLOUR = "#2e7d32"
FORBIDDEN_COLOUR = "#c62828"
PARKING_COLOUR = "#ef6c00"


def _pen(colour: str, width: float, alpha: int = 255, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    c = QColor(colour)
    c.setAlpha(alpha)
    pen = QPen(c, width)
    pen.setCosmetic(True)
    pen.setStyle(style)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _polyline(xy: np.ndarray) -> QPainterPath:
    path = QPainterPath()
    if len(xy) == 0:
        return path
    path.moveTo(float(xy[0, 0]), float(xy[0, 1]))
    for x, y in xy[1:]:
        path.lineTo(float(x), float(y))
    return path


def _as_xy(name: str, xy: object) -> np.ndarray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite (N, 2) mercator coordinates")
    return arr


class TrackOverlay(pg.GraphicsObject):
    """Setters validate their input and raise ValueError without changing anything."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(self.GraphicsItemFlag.ItemIgnoresParentOpacity, True)
        self._track = QPainterPath()
        self._track_points = np.zeros((0, 2))
        self._stops = np.zeros((0, 2))
        self._marker: tuple[float, float] | None = None
        self._corridors = QPainterPath()
        self._corridor_lines = QPainterPath()
        self._forbidden = QPainterPath()
        self._parking = QPainterPath()
        self._rect = QRectF()
        self._track_pen = _pen(TRACK_COLOUR, 3.0, 220)
        self._track_halo = _pen("#ffffff", 6.0, 180)
        self._corridor_pen = _pen(CORRIDOR_COLOUR, 1.5, 230, Qt.PenStyle.DashLine)
        self._corridor_brush = QBrush(QColor(46, 125, 50, 50))
        self._forbidden_pen = _pen(FORBIDDEN_COLOUR, 2.0, 230)
        self._forbidden_brush = QBrush(QColor(198, 40, 40, 40), Qt.BrushStyle.BDiagPattern)
        self._parking_pen = _pen(PARKING_COLOUR, 1.5, 230, Qt.PenStyle.DotLine)
        self.setZValue(2.5)  # over cases and alarms, under the vehicles

    # ---- data ----------------------------------------------------------------

    def set_track(self, xy: object, stops: object = ()) -> None:
        """One vehicle's track (mercator, device-time order) and its stops."""
        track = _as_xy("track", xy) if len(np.asarray(xy)) else np.zeros((0, 2))
        stop_xy = _as_xy("stops", stops) if len(np.asarray(stops)) else np.zeros((0, 2))
        self.prepareGeometryChange()
        self._track_points = track
        self._track = _polyline(track)
        self._stops = stop_xy
        self._update_rect()
        self.update()

    def set_marker(self, x: float | None, y: float | None = None) -> None:
        """Where the tracked vehicle is at the replay time (None hides it)."""
        self._marker = None if x is None or y is None else (float(x), float(y))
        self.update()

    def set_geofences(self, corridors: Sequence[tuple[object, float]],
                      forbidden: Sequence[object], parking: Sequence[object]) -> None:
        """``corridors``: (line xy, half-width in mercator units) pairs;
        ``forbidden`` and ``parking``: rings (xy)."""
        lines = [(_as_xy("corridor", xy), float(w)) for xy, w in corridors]
        bad = [r for r in list(forbidden) + list(parking) if len(np.asarray(r)) < 3]
        if bad:
            raise ValueError("an area ring needs 3+ points")
        areas = [_as_xy("forbidden area", r) for r in forbidden]
        parks = [_as_xy("parking area", r) for r in parking]
        self.prepareGeometryChange()
        self._corridors = QPainterPath()
        self._corridor_lines = QPainterPath()
        for xy, width in lines:
            line = _polyline(xy)
            self._corridor_lines.addPath(line)
            stroker = QPainterPathStroker()
            stroker.setWidth(2 * width)
            stroker.setCapStyle(Qt.PenCapStyle.RoundCap)
            stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            self._corridors.addPath(stroker.createStroke(line))
        self._corridors = self._corridors.simplified()
        self._forbidden = QPainterPath()
        for ring in areas:
            self._forbidden.addPath(_polyline(np.vstack([ring, ring[:1]])))
        self._parking = QPainterPath()
        for ring in parks:
            self._parking.addPath(_polyline(np.vstack([ring, ring[:1]])))
        self._update_rect()
        self.update()

    def clear(self) -> None:
        self.set_track(np.zeros((0, 2)))
        self.set_marker(None)

    @property
    def track_size(self) -> int:
        return len(self._track_points)

    @property
    def stop_count(self) -> int:
        return len(self._stops)

    @property
    def geofence_paths(self) -> tuple[QPainterPath, QPainterPath, QPainterPath]:
        return self._corridors, self._forbidden, self._parking

    # ---- drawing -------------------------------------------------------------

    def _update_rect(self) -> None:
        rect = QRectF()
        for path in (self._track, self._corridors, self._forbidden, self._parking):
            if not path.isEmpty():
                rect = rect.united(path.boundingRect())
        for x, y in self._stops:
            rect = rect.united(QRectF(float(x), float(y), 0.0, 0.0))
        # Generous margin: markers are drawn a few pixels around their point.
        self._rect = rect.adjusted(-500, -500, 500, 500) if not rect.isNull() else QRectF()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, p: QPainter, option, widget=None) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if not self._corridors.isEmpty():
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self._corridor_brush)
            p.drawPath(self._corridors)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(self._corridor_pen)
            p.drawPath(self._corridor_lines)
        if not self._forbidden.isEmpty():
            p.setPen(self._forbidden_pen)
            p.setBrush(self._forbidden_brush)
            p.drawPath(self._forbidden)
        if not self._parking.isEmpty():
            p.setPen(self._parking_pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(self._parking)
        if not self._track.isEmpty():
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(self._track_halo)
            p.drawPath(self._track)
            p.setPen(self._track_pen)
            p.drawPath(self._track)
        t = p.transform()
        p.save()
        try:
            p.resetTransform()
            if len(self._stops):
                p.setPen(_pen("#ffffff", 1.5))
                p.setBrush(QBrush(QColor(STOP_COLOUR)))
                for x, y in self._stops:
                    c = t.map(QPointF(float(x), float(y)))
                    p.drawRect(QRectF(c.x() - 5, c.y() - 5, 10, 10))
            if self._marker is not None:
                c = t.map(QPointF(*self._marker))
                p.setPen(_pen("#ffffff", 2.0))
                p.setBrush(QBrush(QColor(TRACK_COLOUR)))
                p.drawEllipse(c, 7.0, 7.0)
        finally:
            p.restore()


__all__ = ["TrackOverlay"]
