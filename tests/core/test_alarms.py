"""Alarm rules: terminal bits, corridors, forbidden areas, parking limits."""

from __future__ import annotations

import math

import pytest

from core.alarms import (
    ACK_NOTE_MAX,
    TERMINAL_ALARMS,
    AckNoteError,
    AlarmKind,
    AlarmMonitor,
    Geofence,
    GeofenceError,
    GeofenceKind,
    MonitorFix,
    Severity,
    ack_note,
    alarm_bits,
    distance_to_polyline_m,
    point_in_ring,
)
from core.positions import FixFlag

LON0, LAT0 = 116.40, 39.92
M_LON = 1 / (111_195 * math.cos(math.radians(LAT0)))  # degrees per metre east
M_LAT = 1 / 111_195


def at(east_m: float, north_m: float) -> tuple[float, float]:
    return LON0 + east_m * M_LON, LAT0 + north_m * M_LAT


def fix(t: float, east_m: float = 0.0, north_m: float = 0.0, *, vid: str = "V1",
        kind: str = "muck_truck", speed: float = 30.0, bits: int = 0, flags: int = 0) -> MonitorFix:
    lon, lat = at(east_m, north_m)
    return MonitorFix(vid, kind, t, lon, lat, speed, bits, flags)


def square(east0: float, north0: float, side: float) -> tuple[tuple[float, float], ...]:
    return (at(east0, north0), at(east0 + side, north0), at(east0 + side, north0 + side),
            at(east0, north0 + side), at(east0, north0))


def test_distance_to_a_polyline_in_metres():
    line = [at(0, 0), at(1000, 0), at(1000, 1000)]
    assert distance_to_polyline_m(*at(500, 100), line) == pytest.approx(100, abs=0.5)
    assert distance_to_polyline_m(*at(1100, 500), line) == pytest.approx(100, abs=0.5)
    assert distance_to_polyline_m(*at(-300, -400), line) == pytest.approx(500, abs=1)
    with pytest.raises(GeofenceError):
        distance_to_polyline_m(LON0, LAT0, [])


def test_point_in_ring_with_and_without_closing_point():
    ring = square(0, 0, 100)
    assert point_in_ring(*at(50, 50), ring)
    assert point_in_ring(*at(50, 50), ring[:-1])
    assert not point_in_ring(*at(150, 50), ring)


def test_terminal_bits_raise_on_the_rising_edge_and_end_on_the_falling_one():
    mon = AlarmMonitor()
    sos = alarm_bits(AlarmKind.EMERGENCY)
    assert sos == 1 and TERMINAL_ALARMS[0] == (AlarmKind.EMERGENCY, Severity.CRITICAL)
    assert mon.feed(fix(0)) == []
    raised = mon.feed(fix(10, bits=sos | (1 << 4)))  # bit 4 (GNSS fault) is no alarm
    assert [(e.action, e.kind, e.severity) for e in raised] == [
        ("raise", AlarmKind.EMERGENCY, Severity.CRITICAL)]
    assert mon.feed(fix(20, bits=sos)) == []  # still pressed: no second alarm
    ended = mon.feed(fix(30))
    assert [(e.action, e.kind) for e in ended] == [("end", AlarmKind.EMERGENCY)]
    both = mon.feed(fix(40, bits=alarm_bits(AlarmKind.OVERSPEED, AlarmKind.FATIGUE)))
    assert {e.kind for e in both} == {AlarmKind.OVERSPEED, AlarmKind.FATIGUE}


def test_a_late_backfilled_fix_can_only_add_terminal_alarms():
    mon = AlarmMonitor()
    mon.feed(fix(100))
    late = mon.feed(fix(50, bits=alarm_bits(AlarmKind.COLLISION)))
    assert [(e.action, e.kind, e.detail.get("late")) for e in late] == [
        ("raise", AlarmKind.COLLISION, True)]
    # and the next live fix without the bit does not "end" what it never saw live
    assert mon.feed(fix(110)) == []


def test_restored_alarms_are_not_raised_twice():
    mon = AlarmMonitor()
    mon.restore([("V1", AlarmKind.EMERGENCY.value, "bit:0")])
    assert mon.feed(fix(0, bits=1)) == []
    assert [e.action for e in mon.feed(fix(10))] == ["end"]


def test_corridor_exit_with_hysteresis_only_for_the_vehicles_it_covers():
    route = Geofence("G1", GeofenceKind.CORRIDOR, "site A to site B",
                     line=(at(0, 0), at(2000, 0)), width_m=100, vehicle_kinds=frozenset({"muck_truck"}))
    mon = AlarmMonitor([route])
    assert mon.feed(fix(0, 500, 50)) == []
    out = mon.feed(fix(10, 600, 150))
    assert [(e.action, e.kind, e.source) for e in out] == [("raise", AlarmKind.CORRIDOR_EXIT, "G1")]
    assert out[0].detail["distance_m"] == pytest.approx(150, abs=1)
    assert mon.feed(fix(20, 700, 90)) == []  # inside the width but not back by the margin
    assert [e.action for e in mon.feed(fix(30, 800, 60))] == ["end"]
    # a sweeper far from the route is not bound by it
    assert mon.feed(fix(0, 0, 900, vid="S1", kind="sweeper")) == []
    # nor is a truck whose fix cannot be trusted
    assert mon.feed(fix(40, 800, 900, flags=FixFlag.IMPOSSIBLE_SPEED)) == []


def test_forbidden_area_from_cells_raises_on_entry_and_ends_on_exit():
    rings = {"110101001001001": [list(p) for p in square(0, 0, 100)]}
    fence = Geofence.from_dict({"geofence_id": "F1", "kind": "forbidden", "name": "school",
                                "cell_codes": ["110101001001001"], "vehicle_ids": ["V1"]}, rings)
    mon = AlarmMonitor([fence])
    assert mon.feed(fix(0, -50, 50)) == []
    assert [e.action for e in mon.feed(fix(10, 50, 50))] == ["raise"]
    assert mon.feed(fix(20, 60, 50)) == []
    assert [e.action for e in mon.feed(fix(30, 150, 50))] == ["end"]
    assert mon.feed(fix(40, 50, 50, vid="V2")) == []  # another truck may pass


def test_a_ring_inside_a_ring_is_a_hole():
    fence = Geofence("F", GeofenceKind.FORBIDDEN, rings=(square(0, 0, 300), square(100, 100, 100)))
    assert fence.contains(*at(50, 50))
    assert not fence.contains(*at(150, 150))


def test_parking_longer_than_the_limit():
    rule = Geofence("P1", GeofenceKind.PARKING, "no long stops", max_minutes=10,
                    vehicle_kinds=frozenset({"muck_truck"}))
    mon = AlarmMonitor([rule])
    events = []
    for minute in range(0, 15):
        # parked, with GPS jitter of a few metres
        events += mon.feed(fix(minute * 60, 5 * (minute % 2), 0, speed=0.0))
    raised = [e for e in events if e.action == "raise"]
    assert len(raised) == 1 and raised[0].kind is AlarmKind.PARKING_OVERTIME
    assert raised[0].fix.t == 11 * 60  # the first fix over 10 minutes
    assert [e.action for e in mon.feed(fix(16 * 60, 500, 0, speed=20.0))] == ["end"]
    # moving slowly but steadily is not parking
    mon2 = AlarmMonitor([rule])
    assert not any(mon2.feed(fix(m * 60, m * 100, 0, speed=6.0)) for m in range(30))


def test_parking_limit_inside_an_area_only():
    rule = Geofence("P2", GeofenceKind.PARKING, max_minutes=5, rings=(square(0, 0, 200),))
    mon = AlarmMonitor([rule])
    outside = [e for m in range(10) for e in mon.feed(fix(m * 60, 500, 500, speed=0))]
    assert outside == []
    mon2 = AlarmMonitor([rule])
    inside = [e for m in range(10) for e in mon2.feed(fix(m * 60, 100, 100, speed=0))]
    assert [e.action for e in inside] == ["raise"]


@pytest.mark.parametrize("data, message", [
    ({"geofence_id": "X", "kind": "corridor", "geometry": {"type": "LineString",
                                                           "coordinates": [[116.4, 39.9]]},
      "width_m": 50}, r"2\+ points"),
    ({"geofence_id": "X", "kind": "corridor", "geometry": {"type": "LineString",
                                                           "coordinates": [[116.4, 39.9], [116.5, 39.9]]},
      "width_m": 0}, "half-width"),
    ({"geofence_id": "X", "kind": "forbidden"}, "needs an area"),
    ({"geofence_id": "X", "kind": "parking", "max_minutes": 0}, "minutes"),
    ({"geofence_id": "X", "kind": "teleport"}, "unknown geofence kind"),
    ({"geofence_id": "X", "kind": "forbidden", "geometry": {"type": "Point", "coordinates": [1, 2]}},
     "not a line or an area"),
    ({"geofence_id": "X", "kind": "forbidden", "geometry": {"type": "Polygon", "coordinates": "x"}},
     "malformed"),
    ({"geofence_id": "X", "kind": "forbidden", "cell_codes": ["999"]}, "no such cell"),
    ({"geofence_id": "X", "kind": "forbidden", "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, float("nan")]]]}}, "bad point"),
])
def test_bad_geofences_are_refused_with_a_reason(data, message):
    with pytest.raises(GeofenceError, match=message):
        Geofence.from_dict(data, {})


# ---- acknowledgement notes (the one rule of app/vehicles.py and server/storage/positions.py)


def test_an_ack_note_is_kept_trimmed():
    assert ack_note("  cleared the road \n") == "cleared the road"
    assert ack_note("已处理") == "已处理"
    assert ack_note("x" * ACK_NOTE_MAX) == "x" * ACK_NOTE_MAX
    # The limit counts the note kept, not the blanks around it.
    assert ack_note("  " + "x" * ACK_NOTE_MAX + "  ") == "x" * ACK_NOTE_MAX


@pytest.mark.parametrize("note", ["", "   ", "\n\t", None])
def test_an_ack_needs_a_note(note):
    with pytest.raises(AckNoteError, match="needs a note"):
        ack_note(note)


def test_an_ack_note_has_a_length_limit():
    with pytest.raises(AckNoteError, match=f"longer than {ACK_NOTE_MAX}"):
        ack_note("x" * (ACK_NOTE_MAX + 1))


def test_a_refused_note_says_why_by_code():
    with pytest.raises(AckNoteError) as empty:
        ack_note(" ")
    assert empty.value.code == "empty_note"
    with pytest.raises(AckNoteError) as long:
        ack_note("x" * (ACK_NOTE_MAX + 1))
    assert long.value.code == "note_too_long"
