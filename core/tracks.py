"""Stops, trips and holes in one vehicle's track.

A track is a vehicle's fixes in device-time order.  A **stop** is a stretch
where the vehicle stays within ``stop_radius_m`` of where it halted, below
``moving_kmh``, for at least ``min_stop_s``; a terminal that reports only every few minutes while
parked is still one stop.  A **trip** is the driving between two stops (or
between the track's ends and a stop).  A **hole** is a stretch with no fix
for longer than ``max_interval_s``: what a coverage gap looks like when the
terminal never back-filled it, and what the client must never show for its
own outages.

Fixes flagged as untrustworthy (``core.positions.FixFlag``) are skipped:
they are drawn as doubtful, never counted as distance or stops.  Pure and
thread-safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.positions import FixFlag

STOP_RADIUS_M = 60.0
MIN_STOP_S = 180.0
MOVING_KMH = 3.0
MAX_INTERVAL_S = 120.0
EARTH_RADIUS_M = 6371008.8

_UNTRUSTED = FixFlag.INVALID | FixFlag.ZERO | FixFlag.OUTSIDE_CHINA | FixFlag.IMPOSSIBLE_SPEED


@dataclass(frozen=True)
class TrackPoint:
    t: float  # device time, epoch seconds
    lon: float
    lat: float
    speed_kmh: float = 0.0
    flags: int = 0


@dataclass(frozen=True)
class Stop:
    start: float
    end: float
    lon: float  # mean of the fixes in the stop
    lat: float
    first: int  # indices into the track given
    last: int

    @property
    def duration_s(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Trip:
    start: float
    end: float
    distance_m: float
    max_speed_kmh: float
    first: int
    last: int

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    @property
    def mean_speed_kmh(self) -> float:
        return self.distance_m / self.duration_s * 3.6 if self.duration_s > 0 else 0.0


@dataclass(frozen=True)
class Hole:
    start: float  # device time of the last fix before the hole
    end: float  # and of the first fix after it

    @property
    def duration_s(self) -> float:
        return self.end - self.start


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _check_order(points: Sequence[TrackPoint]) -> None:
    for a, b in zip(points, points[1:], strict=False):
        if b.t < a.t:
            raise ValueError(f"track is not in device-time order at t={b.t}")


def stops_and_trips(points: Sequence[TrackPoint], *, stop_radius_m: float = STOP_RADIUS_M,
                    min_stop_s: float = MIN_STOP_S,
                    moving_kmh: float = MOVING_KMH) -> tuple[list[Stop], list[Trip]]:
    """Stops and the trips between them.  ``points`` must be in device-time
    order (``ValueError`` otherwise); indices in the results refer to it."""
    _check_order(points)
    good = [i for i, p in enumerate(points) if not p.flags & _UNTRUSTED]
    stops: list[Stop] = []
    k = 0
    while k < len(good):
        anchor = points[good[k]]
        j = k
        # Grow the cluster while fixes stay near where the vehicle halted.
        while j + 1 < len(good):
            nxt = points[good[j + 1]]
            if distance_m(anchor.lon, anchor.lat, nxt.lon, nxt.lat) > stop_radius_m:
                break
            j += 1
        # Fixes still rolling in or already pulling away belong to the trips.
        slow = [m for m in range(k, j + 1) if points[good[m]].speed_kmh < moving_kmh]
        if slow and points[good[slow[-1]]].t - points[good[slow[0]]].t >= min_stop_s:
            members = [points[good[m]] for m in range(slow[0], slow[-1] + 1)]
            first, last = good[slow[0]], good[slow[-1]]
            stops.append(Stop(points[first].t, points[last].t,
                              sum(p.lon for p in members) / len(members),
                              sum(p.lat for p in members) / len(members), first, last))
            k = j + 1
        else:
            k += 1
    trips: list[Trip] = []
    bounds: list[tuple[int, int]] = []  # (from index, to index) of the driving stretches
    prev_end = good[0] if good else None
    for stop in stops:
        if prev_end is not None and stop.first > prev_end:
            bounds.append((prev_end, stop.first))
        prev_end = stop.last
    if good and prev_end is not None and good[-1] > prev_end:
        bounds.append((prev_end, good[-1]))
    index_of = {g: n for n, g in enumerate(good)}
    for a, b in bounds:
        stretch = [points[good[n]] for n in range(index_of[a], index_of[b] + 1)]
        dist = sum(distance_m(p.lon, p.lat, q.lon, q.lat)
                   for p, q in zip(stretch, stretch[1:], strict=False))
        if dist <= stop_radius_m:
            continue  # jitter between two stops, not a trip
        trips.append(Trip(points[a].t, points[b].t, dist, max(p.speed_kmh for p in stretch), a, b))
    return stops, trips


def holes(points: Sequence[TrackPoint], max_interval_s: float = MAX_INTERVAL_S) -> list[Hole]:
    """Stretches of more than ``max_interval_s`` without any fix."""
    _check_order(points)
    return [Hole(a.t, b.t) for a, b in zip(points, points[1:], strict=False)
            if b.t - a.t > max_interval_s]


def track_length_m(points: Sequence[TrackPoint]) -> float:
    good = [p for p in points if not p.flags & _UNTRUSTED]
    return sum(distance_m(p.lon, p.lat, q.lon, q.lat) for p, q in zip(good, good[1:], strict=False))


__all__ = ["Hole", "Stop", "TrackPoint", "Trip", "holes", "stops_and_trips", "track_length_m"]
