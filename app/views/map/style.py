"""The map's style: every colour, pen width and marker size it draws with.

``MapStyle`` is declared once here and handed to every layer and overlay;
``STYLE`` is the default.  The small pen and colour helpers live here too,
so that every part of the map builds its pens the same way (cosmetic, so a
width is in device pixels whatever the zoom).  The ``VEHICLE_*``, ``SLA_*``
and ``ALARM_*`` numbers are the indexes the canvas's setters take.

Threading: the helpers build Qt paint objects; call them on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen, QPolygonF

from app.views.map.composite import CompositeStyle

__all__ = [
    "ALARM_CRITICAL",
    "ALARM_MAJOR",
    "ALARM_MINOR",
    "ARROW",
    "SLA_DUE_SOON",
    "SLA_NORMAL",
    "SLA_OVERDUE",
    "STYLE",
    "VEHICLE_LIVE",
    "VEHICLE_OFFLINE",
    "VEHICLE_STALE",
    "MapStyle",
    "color",
    "cosmetic_pen",
    "polygon",
]


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
    # Cell codes are written in cells at least this wide on screen.
    label_min_px: float = 56.0
    label_point_size: float = 8.0
    label: str = "#c3d0dd"
    label_halo: str = "#0d141c"
    outline: str = "#5cc8ff"
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
    # Indexed by alarm severity: minor, major, critical.
    alarm_colors: tuple[str, ...] = ("#facc15", "#fb923c", "#ff2d55")
    alarm_px: float = 26.0
    alarm_hit_px: float = 13.0
    selection: str = "#ffffff"
    overlay_background: str = "#0d141c"
    overlay_alpha: int = 215
    overlay_border: str = "#2c3d4f"
    overlay_text: str = "#d5dee8"
    overlay_muted: str = "#8293a6"
    # Device pixels rendered beyond the view when a pan uncovers new ground,
    # so the next few mouse moves of a drag reuse the picture.
    cache_margin_px: int = 64
    min_view_m: float = 30.0

    def composite(self) -> CompositeStyle:
        return CompositeStyle(
            background=self.background,
            cell_line=self.cell_line,
            cell_fill=self.cell_fill,
            cell_fill_alpha=self.cell_fill_alpha,
            cell_lod=self.cell_lod,
            outline=self.outline,
            outline_glow_px=self.outline_glow_px,
            outline_glow_alpha=self.outline_glow_alpha,
            label=self.label,
            label_halo=self.label_halo,
            label_min_px=self.label_min_px,
            label_point_size=self.label_point_size,
        )


STYLE = MapStyle()

VEHICLE_LIVE, VEHICLE_STALE, VEHICLE_OFFLINE = 0, 1, 2
SLA_NORMAL, SLA_DUE_SOON, SLA_OVERDUE = 0, 1, 2
ALARM_MINOR, ALARM_MAJOR, ALARM_CRITICAL = 0, 1, 2


def color(hex_rgb: str, alpha: int = 255) -> QColor:
    c = QColor(hex_rgb)
    c.setAlpha(alpha)
    return c


def cosmetic_pen(
    color: QColor, width: float, cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap
) -> QPen:
    pen = QPen(color)
    pen.setWidthF(width)
    pen.setCosmetic(True)
    pen.setCapStyle(cap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def polygon(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF filled straight from an (N, 2) float array, without a Python loop."""
    poly = pg.functions.create_qpolygonf(len(xy))
    if len(xy):
        pg.functions.ndarray_from_qpolygonf(poly)[:] = xy
    return poly


ARROW = np.array([[0.0, -0.55], [0.5, 0.45], [0.0, 0.2], [-0.5, 0.45]])
