"""Vehicle alarms: the terminal's own alarm bits and the platform's geofences.

Pure rules, no I/O.  The server feeds every stored fix of a vehicle, in
device-time order, to one :class:`AlarmMonitor`; it answers with
:class:`AlarmEvent` s: an alarm is *raised* when its condition starts and
*ended* when it stops.  What happens to an alarm afterwards (the persistent
queue, acknowledgement by a person with a note) is the store's business;
what makes a note acceptable is :func:`ack_note`, the one rule the
workstation (before it queues an acknowledgement) and the server (before
it records one) both apply.

Rules:

- **Terminal alarm bits** (JT/T 808 0x0200 alarm DWORD): raised on the fix
  where a bit turns on, ended where it turns off.  Only the bits in
  :data:`TERMINAL_ALARMS` are alarms; the rest are device faults or
  reserved bits that a command centre does not queue.
- **Corridor** (a muck truck's approved route): a polyline and a half-width
  in metres; raised when a vehicle the corridor applies to is further than
  the half-width from the line, ended when it is back within
  ``CORRIDOR_HYSTERESIS`` of it (so GPS jitter at the edge does not raise a
  storm of alarms).
- **Forbidden area** (rings drawn on the map or the outlines of cells):
  raised on entering, ended on leaving.
- **Parking limit**: a vehicle that stays within ``PARKING_RADIUS_M`` of one
  spot at under ``PARKING_SPEED_KMH`` for longer than ``max_minutes``
  (optionally only inside an area) raises an alarm, ended when it moves off.

Geofence geometry is GCJ-02 (it is drawn on the district map), so the
monitor takes GCJ-02 coordinates; the caller shifts the terminal's WGS-84
fixes with ``core.coords.wgs84_to_gcj02`` first.  Fixes flagged as not
trustworthy (``core.positions.FixFlag``) are used for the terminal bits but
never for geometry, and a fix older than the newest one already seen for its
vehicle (late back-fill) only counts for the terminal bits that were not
seen live.  Not thread-safe: one owner at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.positions import FixFlag
from core.problems import CodedError

EARTH_RADIUS_M = 6371008.8
PARKING_SPEED_KMH = 3.0
PARKING_RADIUS_M = 60.0
CORRIDOR_HYSTERESIS = 0.8  # back inside at 80 % of the half-width ends the alarm

_UNTRUSTED = FixFlag.INVALID | FixFlag.ZERO | FixFlag.OUTSIDE_CHINA | FixFlag.IMPOSSIBLE_SPEED


class Severity(StrEnum):
    CRITICAL = "critical"  # a person may be in danger: the emergency button, a collision
    MAJOR = "major"  # a violation to act on now
    MINOR = "minor"


class AlarmKind(StrEnum):
    EMERGENCY = "emergency"
    OVERSPEED = "overspeed"
    FATIGUE = "fatigue"
    DANGER_WARNING = "danger_warning"
    DRIVING_OVERTIME = "driving_overtime"
    TERMINAL_PARKING = "terminal_parking"  # the terminal's own overtime-parking bit
    TERMINAL_AREA = "terminal_area"  # the terminal's own area in/out bit
    TERMINAL_ROUTE = "terminal_route"
    ROUTE_DEVIATION = "route_deviation"
    STOLEN = "stolen"
    ILLEGAL_IGNITION = "illegal_ignition"
    ILLEGAL_DISPLACEMENT = "illegal_displacement"
    COLLISION = "collision"
    ILLEGAL_DOOR = "illegal_door"
    # the platform's geofences
    CORRIDOR_EXIT = "corridor_exit"
    FORBIDDEN_AREA = "forbidden_area"
    PARKING_OVERTIME = "parking_overtime"


# alarm DWORD bit -> (kind, severity), per JT/T 808-2013/2019 table 24.
TERMINAL_ALARMS: dict[int, tuple[AlarmKind, Severity]] = {
    0: (AlarmKind.EMERGENCY, Severity.CRITICAL),
    1: (AlarmKind.OVERSPEED, Severity.MAJOR),
    2: (AlarmKind.FATIGUE, Severity.MAJOR),
    3: (AlarmKind.DANGER_WARNING, Severity.MAJOR),
    18: (AlarmKind.DRIVING_OVERTIME, Severity.MINOR),
    19: (AlarmKind.TERMINAL_PARKING, Severity.MINOR),
    20: (AlarmKind.TERMINAL_AREA, Severity.MINOR),
    21: (AlarmKind.TERMINAL_ROUTE, Severity.MINOR),
    23: (AlarmKind.ROUTE_DEVIATION, Severity.MAJOR),
    26: (AlarmKind.STOLEN, Severity.CRITICAL),
    27: (AlarmKind.ILLEGAL_IGNITION, Severity.MAJOR),
    28: (AlarmKind.ILLEGAL_DISPLACEMENT, Severity.MAJOR),
    29: (AlarmKind.COLLISION, Severity.CRITICAL),
    31: (AlarmKind.ILLEGAL_DOOR, Severity.MAJOR),
}
TERMINAL_ALARM_MASK = sum(1 << bit for bit in TERMINAL_ALARMS)

GEOFENCE_SEVERITY = {
    AlarmKind.CORRIDOR_EXIT: Severity.MAJOR,
    AlarmKind.FORBIDDEN_AREA: Severity.MAJOR,
    AlarmKind.PARKING_OVERTIME: Severity.MINOR,
}


class GeofenceKind(StrEnum):
    CORRIDOR = "corridor"
    FORBIDDEN = "forbidden"
    PARKING = "parking"


class GeofenceError(CodedError, ValueError):
    """A geofence definition that cannot be used; ``code`` (with ``params``)
    says what is wrong, for the operator; the message is English, for logs."""

    default_code = "bad_geofence"


# ---- geometry in local metres ------------------------------------------------


def _local_xy(lon: float, lat: float, lon0: float, lat0: float) -> tuple[float, float]:
    """Equirectangular metres around (lon0, lat0): under 0.1 % off across a district."""
    k = math.pi / 180.0 * EARTH_RADIUS_M
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def distance_to_polyline_m(lon: float, lat: float, line: Sequence[tuple[float, float]]) -> float:
    """Shortest distance in metres from a point to a polyline (both lon/lat degrees)."""
    if not line:
        raise GeofenceError("empty polyline")
    px, py = 0.0, 0.0
    pts = [_local_xy(x, y, lon, lat) for x, y in line]
    if len(pts) == 1:
        return math.hypot(pts[0][0] - px, pts[0][1] - py)
    best = math.inf
    for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / seg2))
        best = min(best, math.hypot(ax + t * dx - px, ay + t * dy - py))
    return best


def point_in_ring(lon: float, lat: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Even-odd rule; the ring may or may not repeat its first point."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _bbox(points: Iterable[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


# ---- geofences -----------------------------------------------------------------


@dataclass(frozen=True)
class Geofence:
    """One rule.  ``rings`` (areas) and ``line`` (corridors) are GCJ-02
    (lon, lat).  Empty ``vehicle_kinds`` and ``vehicle_ids`` mean every
    vehicle; otherwise a vehicle is covered if either names it."""

    geofence_id: str
    kind: GeofenceKind
    name: str = ""
    rings: tuple[tuple[tuple[float, float], ...], ...] = ()
    line: tuple[tuple[float, float], ...] = ()
    width_m: float = 0.0  # corridor half-width
    max_minutes: float = 0.0  # parking limit
    vehicle_kinds: frozenset[str] = frozenset()
    vehicle_ids: frozenset[str] = frozenset()
    bbox: tuple[float, float, float, float] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind is GeofenceKind.CORRIDOR:
            if len(self.line) < 2:
                raise GeofenceError(f"corridor {self.geofence_id}: needs a line of 2+ points", "corridor_needs_line")
            if not self.width_m > 0:
                raise GeofenceError(f"corridor {self.geofence_id}: half-width must be positive", "corridor_width")
        elif self.kind is GeofenceKind.FORBIDDEN:
            if not self.rings:
                raise GeofenceError(f"forbidden area {self.geofence_id}: needs an area", "area_needed")
        elif self.kind is GeofenceKind.PARKING and not self.max_minutes > 0:
            raise GeofenceError(f"parking limit {self.geofence_id}: minutes must be positive", "parking_minutes")
        for ring in self.rings:
            if len(ring) < 3:
                raise GeofenceError(f"geofence {self.geofence_id}: a ring needs 3+ points", "ring_too_small")
        for lon, lat in [p for ring in self.rings for p in ring] + list(self.line):
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
                    and -90 <= lat <= 90):
                raise GeofenceError(f"geofence {self.geofence_id}: bad point ({lon}, {lat})", "bad_point",
                                    lon=lon, lat=lat)
        if self.rings:
            object.__setattr__(self, "bbox", _bbox(p for ring in self.rings for p in ring))

    def applies_to(self, vehicle_id: str, vehicle_kind: str) -> bool:
        if not self.vehicle_kinds and not self.vehicle_ids:
            return True
        return vehicle_id in self.vehicle_ids or vehicle_kind in self.vehicle_kinds

    def contains(self, lon: float, lat: float) -> bool:
        """Inside the area (even-odd over all rings, so a ring inside another is a hole)."""
        if self.bbox is None:
            return False
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        return sum(point_in_ring(lon, lat, ring) for ring in self.rings) % 2 == 1

    @classmethod
    def from_dict(cls, data: dict[str, Any], cell_rings: dict[str, Any] | None = None) -> Geofence:
        """From a stored row: ``geometry`` is GeoJSON (LineString, Polygon or
        MultiPolygon) or None, ``cell_codes`` a list of cells whose outlines
        make (part of) the area, looked up in ``cell_rings``."""
        try:
            kind = GeofenceKind(data["kind"])
        except (KeyError, ValueError) as exc:
            raise GeofenceError(f"unknown geofence kind {data.get('kind')!r}", "bad_geofence_kind",
                                kind=str(data.get("kind"))) from exc
        geometry = data.get("geometry") or None
        rings: list[tuple[tuple[float, float], ...]] = []
        line: tuple[tuple[float, float], ...] = ()
        if geometry is not None:
            gtype = geometry.get("type") if isinstance(geometry, dict) else None
            coords: Any = geometry.get("coordinates") if isinstance(geometry, dict) else None
            try:
                if gtype == "LineString":
                    line = tuple((float(x), float(y)) for x, y in coords)
                elif gtype == "Polygon":
                    rings += [tuple((float(x), float(y)) for x, y in ring) for ring in coords]
                elif gtype == "MultiPolygon":
                    rings += [tuple((float(x), float(y)) for x, y in ring)
                              for polygon in coords for ring in polygon]
                else:
                    raise GeofenceError(f"geometry type {gtype!r} is not a line or an area", "bad_geometry")
            except (TypeError, ValueError) as exc:
                if isinstance(exc, GeofenceError):
                    raise
                raise GeofenceError(f"malformed {gtype} coordinates", "bad_geometry") from exc
        for code in data.get("cell_codes") or []:
            ring = (cell_rings or {}).get(code)
            if ring is None:
                raise GeofenceError(f"no such cell {code}", "no_such_cell", cell_code=code)
            rings.append(tuple((float(x), float(y)) for x, y in ring))
        if kind is GeofenceKind.CORRIDOR and rings:
            raise GeofenceError("a corridor is a line, not an area", "corridor_is_line")
        if kind is not GeofenceKind.CORRIDOR and line:
            raise GeofenceError(f"a {kind.value} rule needs an area, not a line", "area_needed")
        return cls(
            geofence_id=str(data["geofence_id"]), kind=kind, name=str(data.get("name") or ""),
            rings=tuple(rings), line=line, width_m=float(data.get("width_m") or 0.0),
            max_minutes=float(data.get("max_minutes") or 0.0),
            vehicle_kinds=frozenset(data.get("vehicle_kinds") or ()),
            vehicle_ids=frozenset(data.get("vehicle_ids") or ()),
        )


# ---- the monitor ---------------------------------------------------------------


@dataclass(frozen=True)
class MonitorFix:
    """What the monitor needs of one fix.  ``lon``/``lat`` are GCJ-02."""

    vehicle_id: str
    vehicle_kind: str
    t: float  # device time, epoch seconds
    lon: float
    lat: float
    speed_kmh: float = 0.0
    alarm_bits: int = 0
    flags: int = 0
    position_id: int | None = None


@dataclass(frozen=True)
class AlarmEvent:
    """``action`` is "raise" or "end".  ``key`` identifies the condition:
    (vehicle, kind, geofence id or terminal bit as text)."""

    action: str
    vehicle_id: str
    kind: AlarmKind
    severity: Severity
    source: str  # geofence id, or "bit:N"
    fix: MonitorFix
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.vehicle_id, self.kind.value, self.source)


@dataclass
class _VehicleState:
    last_t: float = -math.inf
    bits: int = 0
    active: set[tuple[str, str]] = field(default_factory=set)  # (kind, source)
    park_lon: float | None = None
    park_lat: float | None = None
    park_since: float = 0.0


class AlarmMonitor:
    def __init__(self, geofences: Iterable[Geofence] = (), *,
                 parking_speed_kmh: float = PARKING_SPEED_KMH,
                 parking_radius_m: float = PARKING_RADIUS_M):
        self.parking_speed_kmh = parking_speed_kmh
        self.parking_radius_m = parking_radius_m
        self._vehicles: dict[str, _VehicleState] = {}
        self.geofences: tuple[Geofence, ...] = ()
        # (vehicle, kind) -> the rules that bind it: a city has a corridor per
        # muck truck, and each fix must not walk through all of them.
        self._rules: dict[tuple[str, str], tuple[list[Geofence], list[Geofence]]] = {}
        self.set_geofences(geofences)

    def set_geofences(self, geofences: Iterable[Geofence]) -> list[AlarmEvent]:
        """Replace the rules.  Alarms of rules that are gone are not ended
        here (nothing was observed); the caller may end them."""
        self.geofences = tuple(geofences)
        self._rules.clear()
        return []

    def _rules_for(self, vehicle_id: str, vehicle_kind: str) -> tuple[list[Geofence], list[Geofence]]:
        """(corridor and forbidden-area rules, parking rules) binding a vehicle."""
        key = (vehicle_id, vehicle_kind)
        found = self._rules.get(key)
        if found is None:
            mine = [g for g in self.geofences if g.applies_to(vehicle_id, vehicle_kind)]
            found = self._rules[key] = ([g for g in mine if g.kind is not GeofenceKind.PARKING],
                                        [g for g in mine if g.kind is GeofenceKind.PARKING])
        return found

    def restore(self, active: Iterable[tuple[str, str, str]]) -> None:
        """Mark (vehicle, kind, source) conditions as already raised, e.g. the
        open alarms in the database after a restart, so they are not raised twice."""
        for vehicle_id, kind, source in active:
            state = self._vehicles.setdefault(vehicle_id, _VehicleState())
            state.active.add((kind, source))
            if source.startswith("bit:"):
                state.bits |= 1 << int(source[4:])

    def binds(self, vehicle_id: str, vehicle_kind: str) -> bool:
        """Whether any geofence rule applies to this vehicle."""
        areas, parking = self._rules_for(vehicle_id, vehicle_kind)
        return bool(areas or parking)

    def has_active(self, vehicle_id: str) -> bool:
        state = self._vehicles.get(vehicle_id)
        return bool(state and (state.active or state.bits))

    def active(self, vehicle_id: str) -> set[tuple[str, str]]:
        state = self._vehicles.get(vehicle_id)
        return set(state.active) if state else set()

    def feed(self, fix: MonitorFix) -> list[AlarmEvent]:
        state = self._vehicles.setdefault(fix.vehicle_id, _VehicleState())
        events: list[AlarmEvent] = []
        late = fix.t < state.last_t
        self._terminal_bits(state, fix, events, late)
        if late:
            # A back-filled fix from before what we already judged: the
            # geometry rules have moved on, so it can only add terminal alarms.
            return events
        state.last_t = fix.t
        if fix.flags & _UNTRUSTED:
            return events
        areas, parking = self._rules_for(fix.vehicle_id, fix.vehicle_kind)
        for fence in areas:
            if fence.kind is GeofenceKind.CORRIDOR:
                self._corridor(state, fence, fix, events)
            elif fence.kind is GeofenceKind.FORBIDDEN:
                inside = fence.contains(fix.lon, fix.lat)
                self._edge(state, AlarmKind.FORBIDDEN_AREA, fence.geofence_id, inside, fix, events,
                           {"name": fence.name})
        self._parking(state, fix, events, parking)
        return events

    # ---- rules -------------------------------------------------------------

    def _edge(self, state: _VehicleState, kind: AlarmKind, source: str, on: bool,
              fix: MonitorFix, events: list[AlarmEvent], detail: dict[str, Any],
              severity: Severity | None = None) -> None:
        key = (kind.value, source)
        sev = severity or GEOFENCE_SEVERITY.get(kind, Severity.MAJOR)
        if on and key not in state.active:
            state.active.add(key)
            events.append(AlarmEvent("raise", fix.vehicle_id, kind, sev, source, fix, detail))
        elif not on and key in state.active:
            state.active.discard(key)
            events.append(AlarmEvent("end", fix.vehicle_id, kind, sev, source, fix, detail))

    def _terminal_bits(self, state: _VehicleState, fix: MonitorFix, events: list[AlarmEvent],
                       late: bool) -> None:
        bits = fix.alarm_bits & TERMINAL_ALARM_MASK
        if late:
            # Only what the live fixes never showed: a raise whose end we will
            # never see from here, so it stays raised until a person looks.
            fresh = bits & ~state.bits
            for bit, (kind, severity) in TERMINAL_ALARMS.items():
                key = (kind.value, f"bit:{bit}")
                if fresh >> bit & 1 and key not in state.active:
                    events.append(AlarmEvent("raise", fix.vehicle_id, kind, severity, f"bit:{bit}",
                                             fix, {"bit": bit, "late": True}))
            return
        changed = bits ^ state.bits
        state.bits = bits
        if not changed:
            return
        for bit, (kind, severity) in TERMINAL_ALARMS.items():
            if changed >> bit & 1:
                self._edge(state, kind, f"bit:{bit}", bool(bits >> bit & 1), fix, events,
                           {"bit": bit}, severity)

    def _corridor(self, state: _VehicleState, fence: Geofence, fix: MonitorFix,
                  events: list[AlarmEvent]) -> None:
        distance = distance_to_polyline_m(fix.lon, fix.lat, fence.line)
        key = (AlarmKind.CORRIDOR_EXIT.value, fence.geofence_id)
        limit = fence.width_m * (CORRIDOR_HYSTERESIS if key in state.active else 1.0)
        self._edge(state, AlarmKind.CORRIDOR_EXIT, fence.geofence_id, distance > limit, fix, events,
                   {"name": fence.name, "distance_m": round(distance, 1), "width_m": fence.width_m})

    def _parking(self, state: _VehicleState, fix: MonitorFix, events: list[AlarmEvent],
                 rules: list[Geofence]) -> None:
        moving = fix.speed_kmh >= self.parking_speed_kmh
        if state.park_lon is not None and state.park_lat is not None and not moving:
            lon0, lat0 = state.park_lon, state.park_lat
            x, y = _local_xy(fix.lon, fix.lat, lon0, lat0)
            moving = math.hypot(x, y) > self.parking_radius_m
        if moving or state.park_lon is None:
            state.park_lon = None if moving else fix.lon
            state.park_lat = None if moving else fix.lat
            state.park_since = fix.t
        parked_min = (fix.t - state.park_since) / 60.0 if state.park_lon is not None else 0.0
        for fence in rules:
            inside = fence.contains(fix.lon, fix.lat) if fence.rings else True
            over = state.park_lon is not None and inside and parked_min > fence.max_minutes
            self._edge(state, AlarmKind.PARKING_OVERTIME, fence.geofence_id, over, fix, events,
                       {"name": fence.name, "minutes": round(parked_min, 1),
                        "max_minutes": fence.max_minutes})


def alarm_bits(*kinds: AlarmKind) -> int:
    """The alarm DWORD a terminal sets for these kinds (the simulator's and tests' helper)."""
    value = 0
    for bit, (kind, _severity) in TERMINAL_ALARMS.items():
        if kind in kinds:
            value |= 1 << bit
    return value


# ---- acknowledgement -------------------------------------------------------------

ACK_NOTE_MAX = 1000  # characters, after trimming


class AckNoteError(ValueError):
    """A note an acknowledgement cannot be taken with; ``code`` says why
    (``empty_note``, ``note_too_long``) for the side that words it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def ack_note(note: str | None) -> str:
    """The note to keep with an acknowledgement: what was done, trimmed, not
    empty and at most ``ACK_NOTE_MAX`` characters.  Raises ``AckNoteError``;
    the workstation and the server hold the same rule, so an acknowledgement
    one of them takes the other takes too."""
    kept = (note or "").strip()
    if not kept:
        raise AckNoteError("empty_note", "an acknowledgement needs a note saying what was done")
    if len(kept) > ACK_NOTE_MAX:
        raise AckNoteError("note_too_long", f"the note is longer than {ACK_NOTE_MAX} characters")
    return kept


__all__ = [
    "ACK_NOTE_MAX", "AckNoteError", "AlarmEvent", "AlarmKind", "AlarmMonitor", "Geofence",
    "GeofenceError", "GeofenceKind", "MonitorFix", "Severity", "TERMINAL_ALARMS", "ack_note",
    "alarm_bits", "distance_to_polyline_m", "point_in_ring",
]
