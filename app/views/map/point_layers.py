"""The point layers: open cases, alarm rings and vehicles, each ONE item over numpy arrays.

* ``CaseLayer``     open cases as discs coloured by SLA state;
* ``AlarmLayer``    alarms as rings coloured by severity, under the vehicles;
* ``VehicleLayer``  vehicles as arrows coloured by kind, pointing along their
  heading, dimmed when stale or offline.

Markers keep a constant size on screen: positions are mapped to device
pixels with numpy and sprites from a ``SpriteAtlas`` are blitted in one call.
An update swaps arrays and bakes the drawing order once; each layer's
``index()`` (app/views/map/spatial.py) is rebuilt lazily on the first
hit-test after the points changed, never on the update path.

Threading: GUI thread only.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from app.views.map.layer import Layer, device_xy, inside, sticky_rect
from app.views.map.spatial import PointIndex
from app.views.map.sprites import SpriteAtlas
from app.views.map.style import (
    ARROW,
    VEHICLE_OFFLINE,
    VEHICLE_STALE,
    MapStyle,
    color,
    cosmetic_pen,
    polygon,
)

__all__ = ["AlarmLayer", "CaseLayer", "PointLayer", "VehicleLayer"]


def _draw_ring(p: QPainter, centre: QPointF, radius: float, halo: QPen, pen: QPen) -> None:
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for q in (halo, pen):
        p.setPen(q)
        p.drawEllipse(centre, radius, radius)


class PointLayer(Layer):
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
        self._atlas: SpriteAtlas | None = None
        self._ring_halo = cosmetic_pen(color(style.case_edge, 220), 5.0)
        self._ring = cosmetic_pen(QColor(style.selection), 2.0)
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
        self._set_data_rect(sticky_rect(self._data_rect, x, y))
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
        dx, dy = device_xy(t, self._ox, self._oy)
        show = inside(dx, dy, self._visible_device_rect(t, self._cull_px))
        p.save()
        try:
            p.resetTransform()
            self._atlas.draw(p, dx[show], dy[show], self._osprite[show])
            if 0 <= self._selected < self.x.size:
                sx, sy = device_xy(t, self.x[self._selected : self._selected + 1],
                                    self.y[self._selected : self._selected + 1])
                _draw_ring(p, QPointF(sx[0], sy[0]), self._ring_radius, self._ring_halo, self._ring)
        finally:
            p.restore()


class CaseLayer(PointLayer):
    def __init__(self, style: MapStyle) -> None:
        super().__init__(style.case_px + 8, style.case_px / 2 + 6.0, style)
        edge = cosmetic_pen(color(style.case_edge, 230), 1.5)
        brushes = [QBrush(QColor(c)) for c in style.case_colors]
        r = style.case_px / 2

        def sprite(p: QPainter, i: int) -> None:
            p.setPen(edge)
            p.setBrush(brushes[i])
            p.drawEllipse(QPointF(0, 0), r, r)

        self._atlas = SpriteAtlas(math.ceil(style.case_px + 4), len(brushes), sprite)

    def set_cases(
        self, x: np.ndarray, y: np.ndarray, sla: np.ndarray, ids: list[str], selected: str | None
    ) -> None:
        # Worst state drawn last, so an overdue case is never hidden under a normal one.
        self._set_points(x, y, sla, np.argsort(sla, kind="stable"), ids, selected)

    @property
    def sla(self) -> np.ndarray:
        return self._sprite


class AlarmLayer(PointLayer):
    """Alarms as rings under the vehicles: a vehicle in alarm stands out at any zoom."""

    def __init__(self, style: MapStyle) -> None:
        super().__init__(style.alarm_px + 8, style.alarm_px / 2 + 5.0, style)
        r = style.alarm_px / 2

        def sprite(p: QPainter, i: int) -> None:
            colour = QColor(style.alarm_colors[i])
            glow = QColor(colour)
            glow.setAlpha(70)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(cosmetic_pen(glow, 6.0))
            p.drawEllipse(QPointF(0, 0), r - 3, r - 3)
            p.setPen(cosmetic_pen(colour, 2.5))
            p.drawEllipse(QPointF(0, 0), r - 3, r - 3)

        self._atlas = SpriteAtlas(math.ceil(style.alarm_px + 6), len(style.alarm_colors), sprite)

    def set_alarms(
        self, x: np.ndarray, y: np.ndarray, severity: np.ndarray, ids: list[str], selected: str | None
    ) -> None:
        self._set_points(x, y, severity, np.argsort(severity, kind="stable"), ids, selected)


# Arrow pointing north in device pixels (y down), in units of (width, length).


_HEADING_STEPS = 72  # sprites per colour: 5° apart, finer than the eye can tell on a 17 px arrow


class VehicleLayer(PointLayer):
    """Arrows of constant screen size, blitted from a sprite atlas on every paint.

    An update is an array swap and update(): the static map is one blit and
    the geometry only changes when a vehicle leaves the (generous) bounds.
    """

    def __init__(self, style: MapStyle) -> None:
        super().__init__(style.vehicle_length_px + 8, style.vehicle_length_px * 0.5 + 5.0, style)
        self._n_kinds = len(style.vehicle_kinds)
        # Colour groups in drawing order: offline (one grey), stale kinds, live kinds on top.
        brushes = [QBrush(color(style.vehicle_offline, style.vehicle_offline_alpha))]
        brushes += [QBrush(color(c, style.vehicle_stale_alpha)) for c in style.vehicle_colors]
        brushes += [QBrush(QColor(c)) for c in style.vehicle_colors]
        edge = cosmetic_pen(color(style.vehicle_edge, 220), 1.2)
        arrow = polygon(ARROW * [style.vehicle_width_px, style.vehicle_length_px])

        def sprite(p: QPainter, i: int) -> None:
            group, step = divmod(i, _HEADING_STEPS)
            p.rotate(step * 360.0 / _HEADING_STEPS)
            p.setPen(edge)
            p.setBrush(brushes[group])
            p.drawPolygon(arrow)

        cell = math.ceil(math.hypot(style.vehicle_width_px, style.vehicle_length_px) + 4)
        self._atlas = SpriteAtlas(cell, len(brushes) * _HEADING_STEPS, sprite)

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
