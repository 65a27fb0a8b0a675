"""The geofence tool's drawing on the map: a box or a route, and its preview.

* ``GeofenceDrawing`` arms a ``DistrictMapView`` for one shape (through its
  public ``set_drawing``, ``areaSelected`` and ``pointPicked``).  A **box**:
  while armed, a plain left drag (or Shift+drag, as always) draws it; the
  ``MapSelection`` it reports carries the cells whose centre is inside, for
  a fence made of cells.  A **route** (a corridor): each left click adds a
  point, drags still pan, Backspace takes the last point back, Enter
  finishes, Esc cancels.  While armed a click never reaches the main
  window's "register a case here".
* ``DrawingPreview`` shows the shape on the map while it is drawn and while
  the geofence dialog (app/views/geofence_dialog.py) is open.

Threading: GUI thread only.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QApplication, QWidget

from app.views.map.canvas import DistrictMapView, MapSelection
from core.geofence_shapes import Rect, clean_line, normal_rect

__all__ = ["PREVIEW_COLOUR", "DrawingPreview", "GeofenceDrawing"]

PREVIEW_COLOUR = "#fde047"


def _pen(colour: str, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(colour), width)
    pen.setCosmetic(True)
    pen.setStyle(style)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


class DrawingPreview(pg.GraphicsObject):
    """The shape being drawn: a box, a route with its points and the rubber
    segment to the pointer.  Mercator metres, cosmetic pens."""

    def __init__(self) -> None:
        super().__init__()
        self._rect: Rect | None = None
        self._line = np.zeros((0, 2))
        self._rubber: tuple[float, float] | None = None
        self._bounds = QRectF()
        self._halo = _pen("#0d141c", 5.0)
        self._pen = _pen(PREVIEW_COLOUR, 2.0, Qt.PenStyle.DashLine)
        self._route_pen = _pen(PREVIEW_COLOUR, 2.5)
        self.setZValue(4)  # over everything: it is what the operator is working on

    def show_shape(self, rect: Rect | None = None, line: np.ndarray | None = None,
                   rubber: tuple[float, float] | None = None) -> None:
        self.prepareGeometryChange()
        self._rect = normal_rect(rect) if rect is not None else None
        self._line = np.asarray(line, dtype=float).reshape(-1, 2) if line is not None \
            else np.zeros((0, 2))
        self._rubber = rubber
        pts = list(self._line)
        if self._rect is not None:
            pts += [np.array(self._rect[:2]), np.array(self._rect[2:])]
        if rubber is not None:
            pts.append(np.array(rubber))
        if pts:
            arr = np.array(pts)
            x0, y0 = arr.min(axis=0)
            x1, y1 = arr.max(axis=0)
            # Generous margin: vertices and pens are drawn a few pixels around their points.
            self._bounds = QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0)).adjusted(
                -200, -200, 200, 200)
        else:
            self._bounds = QRectF()
        self.update()

    def clear(self) -> None:
        self.show_shape()

    @property
    def shape_state(self) -> tuple[Rect | None, int, bool]:
        """(box, route points, rubber segment shown): for tests."""
        return self._rect, len(self._line), self._rubber is not None

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p: QPainter, option, widget=None) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self._rect is not None:
            x0, y0, x1, y1 = self._rect
            r = QRectF(x0, y0, x1 - x0, y1 - y0)
            p.setPen(self._halo)
            p.drawRect(r)
            p.setPen(self._pen)
            p.drawRect(r)
        if len(self._line):
            path = QPainterPath(QPointF(*self._line[0]))
            for x, y in self._line[1:]:
                path.lineTo(float(x), float(y))
            for pen in (self._halo, self._route_pen):
                p.setPen(pen)
                p.drawPath(path)
            if self._rubber is not None:
                p.setPen(self._pen)
                p.drawLine(QPointF(*self._line[-1]), QPointF(*self._rubber))
            t = p.transform()
            p.save()
            try:
                p.resetTransform()
                p.setPen(_pen("#0d141c", 1.5))
                p.setBrush(QColor(PREVIEW_COLOUR))
                for x, y in self._line:
                    p.drawEllipse(t.map(QPointF(float(x), float(y))), 4.0, 4.0)
            finally:
                p.restore()


class GeofenceDrawing(QObject):
    """Arms the map for one box or one route at a time.

    ``boxDrawn(MapSelection)`` and ``routeDrawn(ndarray)`` report the shape,
    ``cancelled()`` an Esc.  Keys are caught application-wide while armed,
    but only those aimed at the map's own window, so the operator need not
    click into the map first.  ``message(text)`` tells the status bar what
    to do next ("" when done).
    """

    boxDrawn = Signal(object)
    routeDrawn = Signal(object)
    cancelled = Signal()
    message = Signal(str)

    def __init__(self, view: DistrictMapView, parent: QObject | None = None):
        super().__init__(parent)
        self.view = view
        self.preview = DrawingPreview()
        view.view_box().addItem(self.preview, ignoreBounds=True)
        self.mode: str | None = None
        self.points: list[tuple[float, float]] = []
        view.areaSelected.connect(self._box)
        view.pointPicked.connect(self._point)
        view.graphics_view().scene().sigMouseMoved.connect(self._moved)

    def start(self, mode: str) -> None:
        """Arm for "box" or "line"; an earlier unfinished shape is dropped."""
        if mode not in ("box", "line"):
            raise ValueError(f"unknown shape {mode!r}")
        app = QApplication.instance()
        if self.mode is None and app is not None:
            app.installEventFilter(self)
        self.mode = mode
        self.points = []
        self.preview.clear()
        self.view.set_drawing(mode)
        self.message.emit(self._hint())

    def stop(self) -> None:
        if self.mode is None:
            return
        self.mode = None
        self.points = []
        self.view.set_drawing(None)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.message.emit("")

    def finish(self) -> bool:
        """Enter: the route so far, if it has two distinct points."""
        if self.mode != "line":
            return False
        line = clean_line(self.points)
        if len(line) < 2:
            self.message.emit(self.tr("Click at least two points of the route, then press Enter"))
            return False
        self.stop()
        self.preview.show_shape(line=line)
        self.routeDrawn.emit(line)
        return True

    def cancel(self) -> None:
        if self.mode is None:
            return
        self.stop()
        self.preview.clear()
        self.cancelled.emit()

    def undo_point(self) -> None:
        if self.mode == "line" and self.points:
            self.points.pop()
            self._show_route()
            self.message.emit(self._hint())

    def _hint(self) -> str:
        if self.mode == "box":
            return self.tr("Drag a box over the area on the map · Esc cancels")
        return self.tr("Click the route's points on the map (%1 so far) · Backspace takes one back · "
                       "Enter finishes · Esc cancels").replace("%1", str(len(self.points)))

    def _box(self, selection: MapSelection) -> None:
        if self.mode != "box":
            return
        self.stop()
        self.preview.show_shape(rect=selection.rect)
        self.boxDrawn.emit(selection)

    def _point(self, x: float, y: float) -> None:
        if self.mode != "line":
            return
        self.points.append((x, y))
        self._show_route()
        self.message.emit(self._hint())

    def _show_route(self, rubber: tuple[float, float] | None = None) -> None:
        self.preview.show_shape(line=np.array(self.points) if self.points else None,
                                rubber=rubber if self.points else None)

    def _moved(self, scene_pos: QPointF) -> None:
        if self.mode == "line" and self.points:
            p = self.view.view_box().mapSceneToView(scene_pos)
            self._show_route((p.x(), p.y()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.mode is None or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(event, QKeyEvent) or not isinstance(watched, QWidget) \
                or watched.window() is not self.view.window():
            return False
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancel()
            return True
        if self.mode == "line" and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            return True
        if self.mode == "line" and key == Qt.Key.Key_Backspace:
            self.undo_point()
            return True
        return False
