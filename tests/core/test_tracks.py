"""Stops, trips and holes in a track."""

from __future__ import annotations

import math

import pytest

from core.positions import FixFlag
from core.tracks import TrackPoint, holes, stops_and_trips, track_length_m

LON0, LAT0 = 116.40, 39.92
M_LON = 1 / (111_195 * math.cos(math.radians(LAT0)))


def east(t: float, metres: float, speed: float = 30.0, flags: int = 0) -> TrackPoint:
    return TrackPoint(t, LON0 + metres * M_LON, LAT0, speed, flags)


def drive(t0: float, x0: float, x1: float, speed_kmh: float, every_s: float = 10.0) -> list[TrackPoint]:
    v = speed_kmh / 3.6
    n = int(abs(x1 - x0) / v / every_s)
    return [east(t0 + i * every_s, x0 + i * every_s * v, speed_kmh) for i in range(1, n + 1)]


def park(t0: float, x: float, seconds: float, every_s: float = 60.0) -> list[TrackPoint]:
    return [east(t0 + i * every_s, x + (3 if i % 2 else 0), 0.0) for i in range(int(seconds / every_s) + 1)]


def test_a_day_of_a_muck_truck_is_stops_and_trips():
    track = park(0, 0, 600)  # loading at the site, 10 min
    t = track[-1].t
    track += drive(t, 0, 3000, 30.0)  # 3 km at 30 km/h = 6 min
    t = track[-1].t
    track += park(t + 10, 3000, 900)  # dumping, 15 min
    t = track[-1].t
    track += [east(t + 10 * i, 3000 - 83.3 * i, 30.0) for i in range(1, 37)]
    stops, trips = stops_and_trips(track)
    assert len(stops) == 2
    assert stops[0].duration_s == pytest.approx(600)
    assert stops[1].duration_s == pytest.approx(900)
    assert len(trips) == 2
    assert trips[0].distance_m == pytest.approx(3000, rel=0.05)
    assert trips[0].mean_speed_kmh == pytest.approx(30, rel=0.1)
    assert trips[0].first == stops[0].last and trips[0].last == stops[1].first
    assert trips[1].first == stops[1].last and trips[1].last == len(track) - 1


def test_a_sweeper_crawling_is_not_stopped():
    track = drive(0, 0, 1500, 8.0)  # 8 km/h for 11 minutes
    stops, trips = stops_and_trips(track)
    assert stops == [] and len(trips) == 1
    assert trips[0].max_speed_kmh == 8.0


def test_a_terminal_reporting_rarely_while_parked_is_one_stop():
    track = drive(0, 0, 500, 20) + park(200, 500, 3600, every_s=600) + drive(4000, 500, 1000, 20)
    stops, _trips = stops_and_trips(track)
    assert len(stops) == 1 and stops[0].duration_s == pytest.approx(3600)


def test_untrusted_fixes_are_neither_distance_nor_stops():
    track = drive(0, 0, 1000, 30.0)
    jump = east(track[5].t + 1, 50_000, 30.0, FixFlag.IMPOSSIBLE_SPEED)
    with_jump = track[:6] + [jump] + [TrackPoint(p.t + 2, p.lon, p.lat, p.speed_kmh) for p in track[6:]]
    assert track_length_m(with_jump) == pytest.approx(track_length_m(track), rel=0.01)
    zero = TrackPoint(with_jump[-1].t + 10, 0.0, 0.0, 0.0, FixFlag.ZERO | FixFlag.OUTSIDE_CHINA)
    stops, trips = stops_and_trips(with_jump + [zero])
    assert stops == [] and len(trips) == 1


def test_holes_are_gaps_without_fixes():
    track = drive(0, 0, 1000, 30.0) + drive(1000, 1000, 2000, 30.0)
    found = holes(track, max_interval_s=60)
    assert len(found) == 1 and found[0].start == drive(0, 0, 1000, 30.0)[-1].t
    assert found[0].end == 1010
    assert holes(track[:5]) == []


def test_out_of_order_tracks_are_refused():
    with pytest.raises(ValueError, match="device-time order"):
        stops_and_trips([east(10, 0), east(5, 10)])
    with pytest.raises(ValueError):
        holes([east(10, 0), east(5, 10)])


def test_empty_track():
    assert stops_and_trips([]) == ([], [])
    assert holes([]) == [] and track_length_m([]) == 0
