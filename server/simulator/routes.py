"""Realistic ways for the simulated fleet to drive, built from the district's cells.

- **Sweepers and sprinklers** work a street: a chain of neighbouring cells
  in one direction, swept back and forth at working speed (8 and 15 km/h).
- **Muck trucks** shuttle between two sites (a building site and a
  disposal site at least ``MIN_SITE_DISTANCE_M`` apart) along an approved
  route, loading and dumping for a few minutes at each end.  The route is
  also their corridor geofence (``demo_geofences``).  Now and then a truck
  takes a shortcut off its route, or waits somewhere far too long.
- **Patrol cars** drive a loop through the cells of their beat.

Routes are built in GCJ-02 (the cells' datum) and driven in WGS-84 (what a
terminal reports).  Pure computation; ``RouteDriver`` is plain state, used
by one asyncio task.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.alarms import AlarmKind, alarm_bits
from core.coords import gcj02_to_wgs84, haversine_m

MIN_SITE_DISTANCE_M = 1500.0
CORRIDOR_HALF_WIDTH_M = 80.0
SITE_DWELL_S = (180.0, 420.0)  # loading / dumping
LONG_WAIT_S = 25 * 60.0  # a truck parked far too long (the parking rule is 15 min)
PARKING_LIMIT_MIN = 15.0
SOS_CHANCE_PER_FIX = 1 / 20000  # a driver presses the emergency button, rarely


@dataclass
class Route:
    """A polyline in GCJ-02 degrees and how to drive it."""

    kind: str  # "shuttle" (muck truck), "sweep" (back and forth), "loop" (patrol)
    points: list[tuple[float, float]]
    name: str = ""


def _local(lon: np.ndarray, lat: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    k = 111_195.0
    return (lon - lon.mean()) * k * math.cos(math.radians(lat0)), (lat - lat.mean()) * k


class CellGrid:
    """Cell centres (GCJ-02) with the neighbour queries the routes need."""

    def __init__(self, lon: np.ndarray, lat: np.ndarray):
        if len(lon) == 0:
            raise ValueError("no cell centres to build routes on")
        self.lon = np.asarray(lon, dtype=float)
        self.lat = np.asarray(lat, dtype=float)
        self.x, self.y = _local(self.lon, self.lat, float(self.lat.mean()))

    def __len__(self) -> int:
        return len(self.lon)

    def point(self, i: int) -> tuple[float, float]:
        return float(self.lon[i]), float(self.lat[i])

    def nearest(self, i: int, k: int = 8) -> list[int]:
        d = (self.x - self.x[i]) ** 2 + (self.y - self.y[i]) ** 2
        return [int(j) for j in np.argsort(d)[1:k + 1]]

    def distance(self, i: int, j: int) -> float:
        return float(math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j]))

    def step_towards(self, i: int, target: int, visited: set[int]) -> int | None:
        """The neighbour of ``i`` that gets closest to ``target``."""
        best, best_d = None, self.distance(i, target)
        for j in self.nearest(i, 12):
            if j in visited:
                continue
            d = self.distance(j, target)
            if d < best_d:
                best, best_d = j, d
        return best

    def path(self, a: int, b: int) -> list[int]:
        """A chain of neighbouring cells from a to b (greedy; streets are close enough)."""
        chain, visited = [a], {a}
        while chain[-1] != b and len(chain) < 400:
            nxt = self.step_towards(chain[-1], b, visited)
            if nxt is None:
                break
            chain.append(nxt)
            visited.add(nxt)
        return chain

    def street(self, start: int, length: int, rng: random.Random) -> list[int]:
        """Cells in a roughly straight line from ``start``: a street to sweep."""
        angle = rng.choice((0.0, math.pi / 2, math.pi, 3 * math.pi / 2))
        chain, visited = [start], {start}
        for _ in range(length - 1):
            here = chain[-1]
            best, best_score = None, -math.inf
            for j in self.nearest(here, 8):
                if j in visited:
                    continue
                dx, dy = self.x[j] - self.x[here], self.y[j] - self.y[here]
                d = math.hypot(dx, dy)
                if d == 0:
                    continue
                score = (dx * math.cos(angle) + dy * math.sin(angle)) / d - d / 1000.0
                if score > best_score:
                    best, best_score = j, score
            if best is None or best_score < 0.5:
                break
            chain.append(best)
            visited.add(best)
        return chain

    def loop(self, centre: int, size: int) -> list[int]:
        """Cells around ``centre`` in angular order: a patrol beat."""
        members = [centre, *self.nearest(centre, size * 3)]
        cx, cy = self.x[members].mean(), self.y[members].mean()
        far = sorted(members, key=lambda j: -math.hypot(self.x[j] - cx, self.y[j] - cy))[:size]
        return sorted(far, key=lambda j: math.atan2(self.y[j] - cy, self.x[j] - cx))


def build_routes(kinds: list[str], grid: CellGrid, seed: int | None = None) -> list[Route]:
    """One route per vehicle (in the order of ``kinds``)."""
    rng = random.Random(seed)
    routes = []
    n = len(grid)
    for index, kind in enumerate(kinds):
        start = rng.randrange(n)
        if kind == "muck_truck" and n > 2:
            far = [j for j in range(n) if grid.distance(start, j) >= MIN_SITE_DISTANCE_M]
            end = rng.choice(far) if far else int(np.argmax([grid.distance(start, j) for j in range(n)]))
            cells = grid.path(start, end)
            routes.append(Route("shuttle", [grid.point(c) for c in cells], f"route {index + 1}"))
        elif kind == "patrol" and n > 3:
            cells = grid.loop(start, min(8, n - 1))
            routes.append(Route("loop", [grid.point(c) for c in cells], f"beat {index + 1}"))
        else:
            cells = grid.street(start, 12 if kind == "sprinkler" else 8, rng)
            if len(cells) < 2:
                cells = [start, *grid.nearest(start, 1)] if n > 1 else [start, start]
            routes.append(Route("sweep", [grid.point(c) for c in cells], f"street {index + 1}"))
    return routes


def to_wgs(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [gcj02_to_wgs84(lon, lat) for lon, lat in points]


def _bearing(lon1: float, lat1: float, lon2: float, lat2: float) -> int:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dl)
    return int(round(math.degrees(math.atan2(y, x)))) % 360


def move_towards(pos: tuple[float, float], target: tuple[float, float], budget_m: float
                 ) -> tuple[tuple[float, float], float, int | None, bool]:
    """One leg of a drive, shared by ``RouteDriver`` and ``server.simulator.Driver``:
    from ``pos`` towards ``target`` (lon, lat) by at most ``budget_m`` metres.
    Returns the new position, the metres driven, the heading (None when
    already there: no direction to face) and whether the target was reached."""
    dist = haversine_m(pos[0], pos[1], target[0], target[1])
    heading = _bearing(pos[0], pos[1], target[0], target[1]) if dist > 0.01 else None
    if dist <= budget_m:
        return target, dist, heading, True
    f = budget_m / dist
    return ((pos[0] + (target[0] - pos[0]) * f, pos[1] + (target[1] - pos[1]) * f),
            budget_m, heading, False)


@dataclass
class RouteDriver:
    """Drives a ``Route`` (given in WGS-84) at ``speed_kmh`` of wall time.

    Same face as ``server.simulator.Driver`` (``advance``, ``pos``,
    ``heading``, ``odometer_km``) plus ``current_speed_kmh`` (0 while
    parked) and ``alarm_bits`` (the emergency button, when pressed).
    ``misconduct`` (0–1): how often a muck truck leaves its route or waits
    too long.
    """

    route: Route
    speed_kmh: float
    rng: random.Random = field(default_factory=random.Random)
    misconduct: float = 0.1
    time_scale: float = 1.0  # dwell times shrink with the simulation's speed-up
    pos: tuple[float, float] = (0.0, 0.0)
    heading: int = 0
    odometer_km: float = 0.0
    current_speed_kmh: float = 0.0
    alarm_bits: int = 0
    _points: list[tuple[float, float]] = field(default_factory=list)
    _i: int = 0
    _direction: int = 1
    _dwell: float = 0.0
    _detour: tuple[float, float] | None = None
    _sos_left: int = 0

    def __post_init__(self) -> None:
        if len(self.route.points) < 2:
            raise ValueError("a route needs two points")
        self._points = list(self.route.points)
        self.pos = self._points[0]
        self._i = 1
        if self.route.kind == "shuttle":
            self._dwell = self._dwell_time()

    def _dwell_time(self) -> float:
        return self.rng.uniform(*SITE_DWELL_S) / self.time_scale

    def _next_target(self) -> tuple[float, float]:
        return self._detour or self._points[self._i]

    def _arrived(self) -> None:
        if self._detour is not None:
            self._detour = None
            return
        last = len(self._points) - 1
        if self.route.kind == "loop":
            self._i = (self._i + 1) % len(self._points)
            return
        if (self._direction > 0 and self._i == last) or (self._direction < 0 and self._i == 0):
            self._direction = -self._direction
            if self.route.kind == "shuttle":
                self._dwell = self._dwell_time()  # loading or dumping at a site
        self._i += self._direction
        if self.route.kind == "shuttle" and self.rng.random() < self.misconduct / 4:
            self._start_misconduct()

    def _start_misconduct(self) -> None:
        if self.rng.random() < 0.5:
            # A shortcut: a few hundred metres off the approved route.
            t = self._points[self._i]
            angle = self.rng.uniform(0, 2 * math.pi)
            off = self.rng.uniform(250, 400) / 111_195.0
            self._detour = (t[0] + off * math.cos(angle) / math.cos(math.radians(t[1])),
                            t[1] + off * math.sin(angle))
        else:
            # Waiting somewhere, engine off.  Not scaled: the parking rule
            # judges device time, which runs at the real pace.
            self._dwell = LONG_WAIT_S

    def advance(self, seconds: float) -> tuple[float, float]:
        seconds = max(0.0, seconds)
        if self._sos_left:
            self._sos_left -= 1
        elif self.rng.random() < SOS_CHANCE_PER_FIX:
            self._sos_left = 3
        self.alarm_bits = alarm_bits(AlarmKind.EMERGENCY) if self._sos_left else 0
        if self._dwell > 0:
            used = min(self._dwell, seconds)
            self._dwell -= used
            seconds -= used
            if seconds <= 0:
                self.current_speed_kmh = 0.0
                return self.pos
        budget = self.speed_kmh / 3.6 * seconds
        for _ in range(64):
            if budget <= 0:
                break
            self.pos, used, heading, reached = move_towards(self.pos, self._next_target(), budget)
            if heading is not None:
                self.heading = heading
            budget -= used
            self.odometer_km += used / 1000.0
            if reached:
                self._arrived()
                if self._dwell > 0:
                    break
        self.current_speed_kmh = self.speed_kmh if self._dwell <= 0 else 0.0
        return self.pos


def demo_geofences(vehicles: list[Any], routes: list[Route], grid: CellGrid,
                   cell_codes: list[str], seed: int | None = None) -> list[dict[str, Any]]:
    """The rules a district would set for this fleet: each muck truck's
    approved route as its corridor, a forbidden area (a school's cells) for
    muck trucks, and a parking limit for muck trucks."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for vehicle, route in zip(vehicles, routes, strict=True):
        if vehicle.kind != "muck_truck" or route.kind != "shuttle":
            continue
        out.append({"geofence_id": f"demo-corridor-{vehicle.vehicle_id}",
                    "name": f"{vehicle.plate} {route.name}", "kind": "corridor",
                    "geometry": {"type": "LineString", "coordinates": [list(p) for p in route.points]},
                    "width_m": CORRIDOR_HALF_WIDTH_M, "vehicle_ids": [vehicle.vehicle_id]})
    if len(grid) > 5 and cell_codes:
        # A school away from every approved route: an honest truck never
        # has to cross it.
        route_xy = [(float(lon), float(lat)) for r in routes if r.kind == "shuttle"
                    for lon, lat in r.points]
        if route_xy:
            rl = np.array([p[0] for p in route_xy])
            rb = np.array([p[1] for p in route_xy])
            k = 111_195.0 * math.cos(math.radians(float(grid.lat.mean())))
            clearance = np.array([np.min(np.hypot((rl - grid.lon[j]) * k, (rb - grid.lat[j]) * 111_195.0))
                                  for j in range(len(grid))])
            candidates = [int(j) for j in np.argsort(-clearance)[:max(1, len(grid) // 20)]]
            school = rng.choice(candidates)
        else:
            school = rng.randrange(len(grid))
        codes = [cell_codes[school], *(cell_codes[j] for j in grid.nearest(school, 3))]
        out.append({"geofence_id": "demo-forbidden-school", "name": "school zone",
                    "kind": "forbidden", "cell_codes": codes, "vehicle_kinds": ["muck_truck"]})
    out.append({"geofence_id": "demo-parking-muck", "name": "muck trucks: no long stops",
                "kind": "parking", "max_minutes": PARKING_LIMIT_MIN, "vehicle_kinds": ["muck_truck"]})
    return out


__all__ = ["CellGrid", "Route", "RouteDriver", "build_routes", "demo_geofences", "move_towards", "to_wgs"]
