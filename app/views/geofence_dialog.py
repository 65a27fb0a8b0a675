"""The geofence dialog: what a drawn shape is, whom it binds, and sending it to the centre.

``GeofenceDialog`` collects kind, name, shape, minutes or width and the
vehicle kinds into a ``core.geofence_shapes.GeofenceDraft``, refuses a draft
with problems without sending anything, and hands the payload to a ``save``
callable that runs the request on a worker (the owner's business:
app/views/vehicle_features.py) and calls back on the GUI thread.  The centre
is the judge of who may define geofences; its refusal is shown as it came
and changes nothing here.  A saved fence is drawn once the change feed
brings it, like every other geofence.

The rest of the tool lives elsewhere: drawing the box or route on the map
and its preview in app/views/map/drawing.py, the rules (what a draft lacks,
which shape to preselect, the width a box proposes, the payload) in
core/geofence_shapes.py, Qt-free.  This module words them and keeps the form
consistent.

Threading: GUI thread only; the dialog never waits on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
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
from app.views.map.canvas import MapSelection
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
    corridor_width_for_box,
    line_length_m,
    normal_rect,
    preferred_shape,
    rect_size_m,
)
from core.positions import VehicleKind

# Roles the centre lets define geofences (server/api/vehicles.py); only for a hint.
GEOFENCE_ROLES = ("shift_leader", "leader", "admin")
DEFAULT_WIDTH_M = 50
DEFAULT_MINUTES = 30

SaveCallable = Callable[[dict[str, Any], Callable[[dict[str, Any]], None],
                         Callable[[str, str], None]], None]


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
            self.width_spin.setValue(corridor_width_for_box(self._rect))
            self.width_spin.blockSignals(False)
        self._fill_shapes(prefer=self._preferred("box"))
        self._changed()

    def set_route(self, line: np.ndarray) -> None:
        """A route clicked on the map (mercator points)."""
        self._line = clean_line(line)
        self.kind_box.setCurrentIndex(self.kind_box.findData(FenceKind.CORRIDOR.value))
        self._fill_shapes(prefer=self._preferred("route"))
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
        self._fill_shapes(prefer=self._preferred())
        self.draw_button.setText(self.tr("Draw the route on the map") if kind is FenceKind.CORRIDOR
                                 else self.tr("Draw on the map again"))
        self._changed()

    def _preferred(self, just_drawn: str | None = None) -> Shape | None:
        return preferred_shape(self.kind(), self._line is not None, self._rect is not None,
                               just_drawn)

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


__all__ = ["GeofenceDialog"]
