"""Drawing a geofence on the live map and sending it to the centre.

Three parts, all on the GUI thread:

* ``GeofenceDrawing`` arms a ``DistrictMapView`` for one shape.  A **box**:
  while armed, a plain left drag (or Shift+drag, as always) draws it.  A
  **route** (a corridor): each left click adds a point, drags still pan,
  Backspace takes the last point back, Enter finishes, Esc cancels.  While
  armed a click never reaches the main window's "register a case here".
* ``DrawingPreview`` shows the shape on the map while it is drawn and while
  the dialog is open.
* ``GeofenceDialog`` collects kind, name, shape, minutes or width and the
  vehicle kinds into a ``core.geofence_shapes.GeofenceDraft``, refuses a
  draft with problems without sending anything, and hands the payload to
  a ``save`` callable that runs the request on a worker (the owner's
  business: app/views/vehicle_features.py) and calls back on the GUI thread.
  The centre is the judge of who may define geofences; its refusal is shown
  as it came and changes nothing here.  A saved fence is drawn once the
  change feed brings it, like every other geofence.

Threading: GUI thread only; the dialog never waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.views.labels import role_label, vehicle_kind_label
from app.views.map.canvas import DistrictMapView, MapSelection
from core.geofence_shapes import (
    CELLS_MAX,
    MIN_SIDE_M,
    NAME_MAX,
    SHAPES,
    FenceKind,
    GeofenceDraft,
    Problem,
    Rect,
    Shape,
    clean_line,
    line_length_m,
    normal_rect,
    rect_half_width_m,
    rect_size_m,
)
from core.positions import VehicleKind

# Roles the centre lets define geofences (server/api/vehicles.py); only for a hint.
GEOFENCE_ROLES = ("shift_leader", "leader", "admin")
DEFAULT_WIDTH_M = 50
DEFAULT_MINUTES = 30
PREVIEW_COLOUR = "#fde047"

SaveCallable = Callable[[dict[str, Any], Callable[[dict[str, Any]], None],
                         Callable[[str, str], None]], None]


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


class GeofenceDialog(QDialog):
    """Kind, name, shape and the vehicles bound, for one new geofence.

    Not modal: the operator goes back to the map to draw again
    (``drawRequested(mode)``, "box" or "line"; the owner arms the map and
    calls ``set_box``/``set_route``).  ``save(payload, on_done, on_error)``
    must return at once and call back on the GUI thread: ``on_done(reply)``
    when the centre stored it, ``on_error(kind, text)`` with kind "refused"
    (the centre said no, ``text`` is its reason) or "unreachable".
    ``saved(payload)`` is emitted after the centre stored the fence,
    ``failed(text)`` with the sentence shown when it did not (the owner
    repeats it if the dialog was closed meanwhile), ``draftChanged(GeofenceDraft)``
    whenever what would be saved changes.
    """

    drawRequested = Signal(str)
    saved = Signal(object)
    failed = Signal(str)
    draftChanged = Signal(object)

    def __init__(self, save: SaveCallable, role: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("New geofence"))
        self._save = save
        self._rect: Rect | None = None
        self._cells: list[str] = []
        self._line: np.ndarray | None = None
        self._draft = GeofenceDraft()
        self._width_touched = False
        self.saving = False
        self.requests = 0  # how many saves were sent to the centre (tests)

        self.kind_box = QComboBox()
        for kind, text in ((FenceKind.FORBIDDEN, self.tr("Forbidden area: alarm on entering")),
                           (FenceKind.PARKING, self.tr("Parking limit: alarm after N minutes parked")),
                           (FenceKind.CORRIDOR, self.tr("Route corridor: alarm on leaving the route"))):
            self.kind_box.addItem(text, kind.value)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(NAME_MAX)
        self.name_edit.setPlaceholderText(self.tr("e.g. Building site on Dongsi North Street"))
        self.shape_box = QComboBox()
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setRange(0, 24 * 60)
        self.minutes_spin.setValue(DEFAULT_MINUTES)
        self.minutes_spin.setSuffix(self.tr(" min"))
        self.width_spin = QSpinBox()
        self.width_spin.setRange(0, 10_000)
        self.width_spin.setValue(DEFAULT_WIDTH_M)
        self.width_spin.setSuffix(self.tr(" m"))
        self.width_spin.setToolTip(self.tr("How far from the route a vehicle may be before the alarm"))
        self.kind_checks: dict[str, QCheckBox] = {}
        kinds_row = QHBoxLayout()
        for vehicle_kind in VehicleKind:
            box = QCheckBox(vehicle_kind_label(vehicle_kind.value))
            box.setChecked(vehicle_kind is VehicleKind.MUCK_TRUCK)
            self.kind_checks[vehicle_kind.value] = box
            kinds_row.addWidget(box)
        kinds_row.addStretch(1)
        kinds = QWidget()
        kinds.setLayout(kinds_row)
        kinds_row.setContentsMargins(0, 0, 0, 0)
        self.every_vehicle = QLabel(self.tr("None ticked: every vehicle"))
        self.every_vehicle.setObjectName("hint")

        form = QFormLayout()
        form.addRow(self.tr("Kind"), self.kind_box)
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Covers"), self.shape_box)
        form.addRow(self.tr("Longest stay"), self.minutes_spin)
        form.addRow(self.tr("Allowed distance from the route"), self.width_spin)
        form.addRow(self.tr("Applies to"), kinds)
        form.addRow("", self.every_vehicle)
        self._form = form

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.role_hint = QLabel()
        self.role_hint.setWordWrap(True)
        self.role_hint.setStyleSheet("color: #b45309;")
        if role and role not in GEOFENCE_ROLES:
            self.role_hint.setText(self.tr(
                "Only a shift leader, leader or administrator may define geofences: "
                "the centre will refuse a %1.").replace("%1", role_label(role)))
        self.role_hint.setVisible(bool(self.role_hint.text()))
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828; font-weight: bold;")
        self.problem.hide()

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(self.tr("Save to the centre"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(self.tr("Cancel"))
        self.draw_button = QPushButton(self.tr("Draw on the map again"))
        self.buttons.addButton(self.draw_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.draw_button.clicked.connect(self._draw_again)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.role_hint)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.shape_box.currentIndexChanged.connect(lambda _i: self._changed())
        self.name_edit.textChanged.connect(lambda _t: self._changed())
        self.minutes_spin.valueChanged.connect(lambda _v: self._changed())
        self.width_spin.valueChanged.connect(self._width_edited)
        for box in self.kind_checks.values():
            box.toggled.connect(lambda _on: self._changed())
        self._kind_changed()

    # ---- what was drawn ----------------------------------------------------------

    def set_box(self, selection: MapSelection) -> None:
        """A box from the map (the drawn one, or an earlier Shift+drag)."""
        self._rect = normal_rect(selection.rect)
        self._cells = list(selection.cells)
        if not self._width_touched:
            # A box drawn along a road stands for that much corridor.
            self.width_spin.blockSignals(True)
            self.width_spin.setValue(max(1, round(rect_half_width_m(self._rect))))
            self.width_spin.blockSignals(False)
        if self.kind() is FenceKind.CORRIDOR:
            self._fill_shapes(prefer=None if self._line is not None else Shape.CENTRE_LINE)
        else:
            self._fill_shapes(prefer=Shape.RECTANGLE)
        self._changed()

    def set_route(self, line: np.ndarray) -> None:
        """A route clicked on the map (mercator points)."""
        self._line = clean_line(line)
        self.kind_box.setCurrentIndex(self.kind_box.findData(FenceKind.CORRIDOR.value))
        self._fill_shapes(prefer=Shape.LINE)
        self._changed()

    # ---- reading the form -----------------------------------------------------------

    def kind(self) -> FenceKind:
        return FenceKind(self.kind_box.currentData())

    def shape(self) -> Shape:
        data = self.shape_box.currentData()
        return Shape(data) if data else SHAPES[self.kind()][0]

    def draft(self) -> GeofenceDraft:
        """What would be saved now (the same id for the dialog's life)."""
        d = self._draft
        d.name = self.name_edit.text()
        d.kind = self.kind()
        d.shape = self.shape()
        d.rect = self._rect
        d.cells = list(self._cells)
        d.line = self._line
        d.width_m = float(self.width_spin.value())
        d.max_minutes = float(self.minutes_spin.value())
        d.vehicle_kinds = [k for k, box in self.kind_checks.items() if box.isChecked()]
        return d

    def problem_text(self, problem: Problem) -> str:
        return {
            Problem.NO_NAME: self.tr("Give the geofence a name."),
            Problem.NAME_TOO_LONG: self.tr("The name is too long (at most %1 characters).")
            .replace("%1", str(NAME_MAX)),
            Problem.SHAPE_NOT_FOR_KIND: self.tr("Choose what the geofence covers."),
            Problem.NO_AREA: self.tr("Draw the area on the map first (Draw on the map again)."),
            Problem.AREA_TOO_SMALL: self.tr("The drawn area is too small: each side must be at least %1 m.")
            .replace("%1", f"{MIN_SIDE_M:g}"),
            Problem.NO_CELLS: self.tr("No cell has its centre inside the drawn box: "
                                      "draw a bigger box or use the rectangle itself."),
            Problem.TOO_MANY_CELLS: self.tr("More than %1 cells: use the rectangle itself.")
            .replace("%1", str(CELLS_MAX)),
            Problem.NO_ROUTE: self.tr("Draw the route first: Draw the route on the map, click "
                                      "its points, then press Enter."),
            Problem.ROUTE_TOO_SHORT: self.tr("The route is shorter than %1 m.")
            .replace("%1", f"{MIN_SIDE_M:g}"),
            Problem.BAD_WIDTH: self.tr("The allowed distance from the route must be more than 0 m."),
            Problem.BAD_MINUTES: self.tr("The longest stay must be more than 0 minutes."),
        }[problem]

    # ---- saving --------------------------------------------------------------------------

    def submit(self) -> None:
        """Save: refused here with every problem listed (nothing is sent), or
        sent once; the dialog stays open until the centre answers."""
        if self.saving:
            return
        draft = self.draft()
        problems = draft.problems()
        if problems:
            self._show_problem("\n".join(self.problem_text(p) for p in problems))
            return
        payload = draft.payload()
        self.saving = True
        self.requests += 1
        self._set_busy(True)
        self._show_problem("")
        self.summary.setText(self.tr("Saving to the centre…"))
        self._save(payload, lambda reply: self._saved(payload, reply), self._failed)

    def _saved(self, payload: dict[str, Any], _reply: dict[str, Any]) -> None:
        self.saving = False
        self._set_busy(False)
        self.saved.emit(payload)
        if self.isVisible():
            self.accept()
        else:
            self.deleteLater()  # closed while the centre was answering

    def _failed(self, kind: str, text: str) -> None:
        self.saving = False
        self._set_busy(False)
        self._update_summary()
        if kind == "refused":
            sentence = self.tr("The centre refused the geofence: %1. Nothing was saved.") \
                .replace("%1", text)
        else:
            sentence = self.tr("The centre cannot be reached (%1). Nothing was saved; "
                               "try again when it answers.").replace("%1", text)
        self._show_problem(sentence)
        self.failed.emit(sentence)
        if not self.isVisible():
            self.deleteLater()  # closed while the centre was answering: the owner said it

    def _set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.draw_button.setEnabled(not busy)

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    # ---- keeping the form consistent -------------------------------------------------------

    def _kind_changed(self, _index: int = 0) -> None:
        kind = self.kind()
        self._form.setRowVisible(self.minutes_spin, kind is FenceKind.PARKING)
        self._form.setRowVisible(self.width_spin, kind is FenceKind.CORRIDOR)
        if kind is FenceKind.CORRIDOR:
            # A clicked route if there is one, else the drawn box's long axis.
            prefer = Shape.LINE if self._line is not None or self._rect is None \
                else Shape.CENTRE_LINE
            self._fill_shapes(prefer=prefer)
        else:
            self._fill_shapes()
        self.draw_button.setText(self.tr("Draw the route on the map") if kind is FenceKind.CORRIDOR
                                 else self.tr("Draw on the map again"))
        self._changed()

    def _fill_shapes(self, prefer: Shape | None = None) -> None:
        current = self.shape_box.currentData()
        self.shape_box.blockSignals(True)
        self.shape_box.clear()
        for shape in SHAPES[self.kind()]:
            self.shape_box.addItem(self._shape_text(shape), shape.value)
        for wanted in (prefer.value if prefer else None, current):
            index = self.shape_box.findData(wanted) if wanted else -1
            if index >= 0:
                self.shape_box.setCurrentIndex(index)
                break
        self.shape_box.blockSignals(False)

    def _shape_text(self, shape: Shape) -> str:
        if shape is Shape.RECTANGLE:
            if self._rect is None:
                return self.tr("The drawn rectangle (none yet)")
            w, h = rect_size_m(self._rect)
            return self.tr("The drawn rectangle (%1 × %2 m)").replace("%1", f"{w:.0f}") \
                .replace("%2", f"{h:.0f}")
        if shape is Shape.CELLS:
            return self.tr("The cells in the rectangle (%1)").replace("%1", str(len(self._cells)))
        if shape is Shape.DISTRICT:
            return self.tr("The whole district")
        if shape is Shape.LINE:
            if self._line is None:
                return self.tr("The clicked route (none yet)")
            return self.tr("The clicked route (%1 points, %2 m)").replace("%1", str(len(self._line))) \
                .replace("%2", f"{line_length_m(self._line):.0f}")
        if self._rect is None:
            return self.tr("The rectangle's long centre line (none yet)")
        length = max(rect_size_m(self._rect))
        return self.tr("The rectangle's long centre line (%1 m)").replace("%1", f"{length:.0f}")

    def _width_edited(self, _value: int) -> None:
        self._width_touched = True
        self._changed()

    def _changed(self) -> None:
        if self.problem.isVisible() and not self.saving:
            self._show_problem("")
        self._update_summary()
        self.draftChanged.emit(self.draft())

    def _update_summary(self) -> None:
        if self.saving:
            return
        if self._rect is None and self._line is None:
            self.summary.setText(self.tr("Nothing drawn yet: use the button below to draw on the map."))
        else:
            self.summary.setText(self.tr("Drawn on the map (yellow). Choose what it is and whom it "
                                         "binds, then save it to the centre."))

    def _draw_again(self) -> None:
        self.drawRequested.emit("line" if self.kind() is FenceKind.CORRIDOR else "box")


__all__ = ["DrawingPreview", "GeofenceDialog", "GeofenceDrawing"]
