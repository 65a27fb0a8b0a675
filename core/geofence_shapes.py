"""Geofences drawn on the map, made into what the centre stores.

The map draws in Web Mercator metres **of GCJ-02 coordinates** (cells, the
district outline and geofences are GCJ-02 and go through
``core.geo.lonlat_to_mercator`` unshifted: app/services/map_layers.py, app/store/vehicles.py
``gcj_to_map``).  The centre keeps geofence geometry as GeoJSON in GCJ-02
lon/lat too, and its alarm judge shifts the terminals' WGS-84 fixes to
GCJ-02 before testing them (server/gateway/alarms.py).  So a drawn shape
becomes geometry by the inverse mercator alone: shifting it by
``core.coords`` as well would move the fence 100–700 m off what the shift
leader drew.

A :class:`GeofenceDraft` holds what the dialog collected; ``problems()``
lists what keeps it from being saved (as codes: the client words them in
the operator's language) and ``payload()`` is the body of
``POST /api/geofences``.  Pure: no Qt, no I/O.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from core.geo import EARTH_RADIUS_M, mercator_to_lonlat

COORD_DECIMALS = 7  # 1e-7 degree is about 1 cm: finer is noise from the mouse
MIN_SIDE_M = 5.0  # a box or route shorter than this is a slip of the mouse
SAME_POINT_M = 0.5  # a double click adds its point twice; one is kept
NAME_MAX = 200  # the server's limits (server/api/vehicles.py GeofenceIn)
WIDTH_MAX_M = 10_000.0
MINUTES_MAX = 24 * 60
CELLS_MAX = 5000

Rect = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in mercator metres


class FenceKind(StrEnum):
    FORBIDDEN = "forbidden"
    PARKING = "parking"
    CORRIDOR = "corridor"


class Shape(StrEnum):
    """Where the fence's geometry comes from."""

    RECTANGLE = "rectangle"  # the drawn box as a polygon
    CELLS = "cells"  # the cells whose centre is in the box
    LINE = "line"  # a route clicked point by point
    CENTRE_LINE = "centre_line"  # the box's long axis, for a corridor
    DISTRICT = "district"  # no area: a parking limit that holds everywhere


# Which shapes make sense for which kind, in the order the dialog offers them.
SHAPES: dict[FenceKind, tuple[Shape, ...]] = {
    FenceKind.FORBIDDEN: (Shape.RECTANGLE, Shape.CELLS),
    FenceKind.PARKING: (Shape.RECTANGLE, Shape.CELLS, Shape.DISTRICT),
    FenceKind.CORRIDOR: (Shape.LINE, Shape.CENTRE_LINE),
}


class Problem(StrEnum):
    NO_NAME = "no_name"
    NAME_TOO_LONG = "name_too_long"
    SHAPE_NOT_FOR_KIND = "shape_not_for_kind"
    NO_AREA = "no_area"  # nothing drawn
    AREA_TOO_SMALL = "area_too_small"
    NO_CELLS = "no_cells"
    TOO_MANY_CELLS = "too_many_cells"
    NO_ROUTE = "no_route"
    ROUTE_TOO_SHORT = "route_too_short"
    BAD_WIDTH = "bad_width"
    BAD_MINUTES = "bad_minutes"


class DraftError(ValueError):
    """A draft that cannot be saved; ``problems`` says why."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(", ".join(p.value for p in problems))
        self.problems = list(problems)


# ---- geometry ------------------------------------------------------------------


def ground_scale(y: float) -> float:
    """Ground metres per mercator metre at mercator ``y`` (Web Mercator
    stretches distances by 1/cos(latitude))."""
    return math.cos(2 * math.atan(math.exp(y / EARTH_RADIUS_M)) - math.pi / 2)


def normal_rect(rect: Sequence[float]) -> Rect:
    """(xmin, ymin, xmax, ymax) whatever corner the drag started from; ValueError
    if it is not four finite numbers."""
    if len(rect) != 4 or not all(math.isfinite(float(v)) for v in rect):
        raise ValueError(f"a rectangle is four finite numbers, got {rect!r}")
    x0, y0, x1, y1 = (float(v) for v in rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def rect_size_m(rect: Sequence[float]) -> tuple[float, float]:
    """Width and height of a mercator box in ground metres (at its middle)."""
    xmin, ymin, xmax, ymax = normal_rect(rect)
    k = ground_scale((ymin + ymax) / 2)
    return (xmax - xmin) * k, (ymax - ymin) * k


def _lonlat(xy: np.ndarray) -> list[list[float]]:
    lon, lat = mercator_to_lonlat(xy[:, 0], xy[:, 1])
    return [[round(float(a), COORD_DECIMALS), round(float(b), COORD_DECIMALS)]
            for a, b in zip(np.atleast_1d(lon), np.atleast_1d(lat), strict=True)]


def rect_ring(rect: Sequence[float]) -> list[list[float]]:
    """The box as a closed GCJ-02 lon/lat ring, counter-clockwise (GeoJSON's
    outer-ring order)."""
    xmin, ymin, xmax, ymax = normal_rect(rect)
    corners = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax], [xmin, ymin]])
    return _lonlat(corners)


def rect_polygon(rect: Sequence[float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [rect_ring(rect)]}


def rect_centre_line(rect: Sequence[float]) -> np.ndarray:
    """The box's long axis through its middle, end to end (mercator, 2×2): the
    route of a corridor drawn as a box along a road."""
    xmin, ymin, xmax, ymax = normal_rect(rect)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    if xmax - xmin >= ymax - ymin:
        return np.array([[xmin, cy], [xmax, cy]])
    return np.array([[cx, ymin], [cx, ymax]])


def rect_half_width_m(rect: Sequence[float]) -> float:
    """Half the box's short side in ground metres: the corridor a box along a
    road stands for."""
    return min(rect_size_m(rect)) / 2


def corridor_width_for_box(rect: Sequence[float]) -> int:
    """The corridor width (whole metres, at least 1) the dialog proposes for a
    drawn box, until the operator types one: a box drawn along a road stands
    for that much corridor."""
    return max(1, round(rect_half_width_m(rect)))


def preferred_shape(
    kind: FenceKind, has_line: bool, has_rect: bool, just_drawn: str | None = None
) -> Shape | None:
    """The shape the dialog preselects (None: keep the operator's choice).

    ``just_drawn`` is "box" or "route" when the map has just handed one over,
    None when the kind changed.  A clicked route is what a corridor follows;
    a box drawn for a corridor stands for its long centre line unless a
    route was clicked already; a box drawn for an area is the area itself.
    """
    if just_drawn == "route":
        return Shape.LINE
    if kind is FenceKind.CORRIDOR:
        if just_drawn == "box":
            return None if has_line else Shape.CENTRE_LINE
        return Shape.LINE if has_line or not has_rect else Shape.CENTRE_LINE
    return Shape.RECTANGLE if just_drawn == "box" else None


def clean_line(points: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Mercator points as an (N, 2) array without repeated neighbours (a double
    click, a click on the last point).  ValueError on non-finite input."""
    arr = np.asarray(points, dtype=float).reshape(-1, 2) if len(points) else np.zeros((0, 2))
    if not np.all(np.isfinite(arr)):
        raise ValueError("a route point is not a finite number")
    if len(arr) < 2:
        return arr
    keep = [0]
    for i in range(1, len(arr)):
        last = arr[keep[-1]]
        k = ground_scale((last[1] + arr[i, 1]) / 2)
        if math.hypot(*(arr[i] - last)) * k > SAME_POINT_M:
            keep.append(i)
    return arr[keep]


def line_length_m(points: Sequence[Sequence[float]] | np.ndarray) -> float:
    """Ground length of a mercator polyline, each segment scaled at its middle."""
    arr = np.asarray(points, dtype=float).reshape(-1, 2) if len(points) else np.zeros((0, 2))
    if len(arr) < 2:
        return 0.0
    d = np.hypot(np.diff(arr[:, 0]), np.diff(arr[:, 1]))
    mid = (arr[1:, 1] + arr[:-1, 1]) / 2
    lat = 2 * np.arctan(np.exp(mid / EARTH_RADIUS_M)) - np.pi / 2
    return float(np.sum(d * np.cos(lat)))


def line_string(points: Sequence[Sequence[float]] | np.ndarray) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": _lonlat(clean_line(points))}


# ---- the draft ---------------------------------------------------------------------


@dataclass
class GeofenceDraft:
    """What the dialog collected.  ``rect`` and ``line`` are mercator metres
    as the map hands them; ``cells`` the codes of the cells selected with
    the box.  ``geofence_id`` is made once per draft, so saving it again
    after a timeout replaces the fence instead of adding a second one."""

    name: str = ""
    kind: FenceKind = FenceKind.FORBIDDEN
    shape: Shape = Shape.RECTANGLE
    rect: Rect | None = None
    cells: list[str] = field(default_factory=list)
    line: np.ndarray | None = None
    width_m: float = 0.0  # corridor half-width: how far from the route is still on it
    max_minutes: float = 0.0
    vehicle_kinds: list[str] = field(default_factory=list)
    vehicle_ids: list[str] = field(default_factory=list)
    geofence_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def route(self) -> np.ndarray | None:
        """The corridor's line (mercator), from the clicks or the box."""
        if self.shape is Shape.LINE:
            return clean_line(self.line) if self.line is not None else None
        if self.shape is Shape.CENTRE_LINE and self.rect is not None:
            return rect_centre_line(self.rect)
        return None

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        name = self.name.strip()
        if not name:
            out.append(Problem.NO_NAME)
        elif len(name) > NAME_MAX:
            out.append(Problem.NAME_TOO_LONG)
        kind = FenceKind(self.kind)
        shape = Shape(self.shape)
        if shape not in SHAPES[kind]:
            out.append(Problem.SHAPE_NOT_FOR_KIND)
        elif shape is Shape.RECTANGLE:
            if self.rect is None:
                out.append(Problem.NO_AREA)
            elif min(rect_size_m(self.rect)) < MIN_SIDE_M:
                out.append(Problem.AREA_TOO_SMALL)
        elif shape is Shape.CELLS:
            if not self.cells:
                out.append(Problem.NO_CELLS)
            elif len(self.cells) > CELLS_MAX:
                out.append(Problem.TOO_MANY_CELLS)
        elif shape in (Shape.LINE, Shape.CENTRE_LINE):
            route = self.route()
            if route is None or len(route) < 2:
                out.append(Problem.NO_ROUTE)
            elif line_length_m(route) < MIN_SIDE_M:
                out.append(Problem.ROUTE_TOO_SHORT)
        if kind is FenceKind.CORRIDOR and not (0 < self.width_m <= WIDTH_MAX_M):
            out.append(Problem.BAD_WIDTH)
        if kind is FenceKind.PARKING and not (0 < self.max_minutes <= MINUTES_MAX):
            out.append(Problem.BAD_MINUTES)
        return out

    def payload(self) -> dict[str, Any]:
        """The body of ``POST /api/geofences``; DraftError if it has problems."""
        problems = self.problems()
        if problems:
            raise DraftError(problems)
        kind = FenceKind(self.kind)
        geometry: dict[str, Any] | None = None
        cells: list[str] = []
        if self.shape is Shape.RECTANGLE:
            assert self.rect is not None
            geometry = rect_polygon(self.rect)
        elif self.shape is Shape.CELLS:
            cells = list(dict.fromkeys(self.cells))
        elif self.shape in (Shape.LINE, Shape.CENTRE_LINE):
            route = self.route()
            assert route is not None
            geometry = line_string(route)
        return {
            "geofence_id": self.geofence_id,
            "name": self.name.strip(),
            "kind": kind.value,
            "geometry": geometry,
            "cell_codes": cells,
            "width_m": float(self.width_m) if kind is FenceKind.CORRIDOR else 0.0,
            "max_minutes": float(self.max_minutes) if kind is FenceKind.PARKING else 0.0,
            "vehicle_kinds": list(dict.fromkeys(self.vehicle_kinds)),
            "vehicle_ids": list(dict.fromkeys(self.vehicle_ids)),
            "active": True,
        }


__all__ = [
    "CELLS_MAX", "MIN_SIDE_M", "NAME_MAX", "SHAPES", "DraftError", "FenceKind", "GeofenceDraft", "Problem",
    "Rect", "Shape", "clean_line", "ground_scale", "line_length_m", "line_string", "normal_rect",
    "rect_centre_line", "rect_half_width_m", "rect_polygon", "rect_ring", "rect_size_m",
]
