"""Drawn geofences: map mercator to the centre's GCJ-02 GeoJSON, no datum
shift on the way, and the draft's checks before anything is sent."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.alarms import AlarmKind, AlarmMonitor, Geofence, MonitorFix, distance_to_polyline_m
from core.coords import gcj02_to_wgs84, haversine_m, wgs84_to_gcj02
from core.geo import lonlat_to_mercator
from core.geofence_shapes import (
    CELLS_MAX,
    SHAPES,
    DraftError,
    FenceKind,
    GeofenceDraft,
    Problem,
    Shape,
    clean_line,
    corridor_width_for_box,
    ground_scale,
    line_length_m,
    line_string,
    normal_rect,
    preferred_shape,
    rect_centre_line,
    rect_half_width_m,
    rect_polygon,
    rect_ring,
    rect_size_m,
)

# One 100 m cell of the test world (tests/support.py), GCJ-02 like every cell.
CELL_LON, CELL_LAT, DLON, DLAT = 116.4100, 39.9200, 0.00117, 0.0009


def merc(lon: float, lat: float) -> tuple[float, float]:
    x, y = lonlat_to_mercator(lon, lat)
    return float(x), float(y)


def cell_rect() -> tuple[float, float, float, float]:
    """The cell as the map draws it: its GCJ-02 corners through mercator, unshifted."""
    x0, y0 = merc(CELL_LON, CELL_LAT)
    x1, y1 = merc(CELL_LON + DLON, CELL_LAT + DLAT)
    return x0, y0, x1, y1


def test_a_box_drawn_over_a_cell_is_that_cells_gcj02_outline():
    ring = rect_ring(cell_rect())
    expected = [[CELL_LON, CELL_LAT], [CELL_LON + DLON, CELL_LAT], [CELL_LON + DLON, CELL_LAT + DLAT],
                [CELL_LON, CELL_LAT + DLAT], [CELL_LON, CELL_LAT]]
    # 1e-7° is the rounding; a WGS-84 shift would be ~6e-3° here.
    assert np.allclose(ring, expected, atol=1.5e-7, rtol=0)
    assert ring[0] == ring[-1]
    # counter-clockwise: positive shoelace area
    xs, ys = np.array(ring).T
    assert float(np.sum(xs[:-1] * ys[1:] - xs[1:] * ys[:-1])) > 0


def test_the_box_may_be_dragged_from_any_corner():
    x0, y0, x1, y1 = cell_rect()
    assert normal_rect((x1, y1, x0, y0)) == (x0, y0, x1, y1)
    assert rect_ring((x1, y0, x0, y1)) == rect_ring((x0, y0, x1, y1))
    with pytest.raises(ValueError):
        normal_rect((0.0, 0.0, math.nan, 1.0))


def test_sizes_are_ground_metres_not_mercator_metres():
    w, h = rect_size_m(cell_rect())
    # 0.00117° of longitude and 0.0009° of latitude at 39.92°N
    assert w == pytest.approx(haversine_m(CELL_LON, CELL_LAT + DLAT / 2, CELL_LON + DLON, CELL_LAT + DLAT / 2),
                              rel=2e-3)
    assert h == pytest.approx(haversine_m(CELL_LON, CELL_LAT, CELL_LON, CELL_LAT + DLAT), rel=2e-3)
    assert ground_scale(merc(0.0, 40.0)[1]) == pytest.approx(math.cos(math.radians(40.0)), rel=1e-9)
    assert ground_scale(0.0) == pytest.approx(1.0)


def test_a_forbidden_box_judges_fixes_as_the_gateway_does():
    """The server parses the payload with core.alarms and judges WGS-84 fixes
    shifted to GCJ-02: a truck in the middle of the drawn cell is inside."""
    draft = GeofenceDraft(name="工地 A", kind=FenceKind.FORBIDDEN, shape=Shape.RECTANGLE,
                          rect=cell_rect(), vehicle_kinds=["muck_truck"])
    body = draft.payload()
    assert body["geometry"] == rect_polygon(cell_rect()) and body["cell_codes"] == []
    assert body["kind"] == "forbidden" and body["vehicle_kinds"] == ["muck_truck"]
    assert body["name"] == "工地 A" and body["geofence_id"] == draft.geofence_id
    fence = Geofence.from_dict(body)
    centre = (CELL_LON + DLON / 2, CELL_LAT + DLAT / 2)
    wgs = gcj02_to_wgs84(*centre)  # what the terminal reports there
    assert fence.contains(*wgs84_to_gcj02(*wgs))
    # ...and a truck standing where the WGS numbers would be on the map is ~500 m away: outside.
    assert not fence.contains(*wgs)
    monitor = AlarmMonitor([fence])
    inside = wgs84_to_gcj02(*wgs)
    events = monitor.feed(MonitorFix("V9", "muck_truck", 1000.0, *inside, speed_kmh=20.0))
    assert [(e.action, e.kind) for e in events] == [("raise", AlarmKind.FORBIDDEN_AREA)]
    assert monitor.feed(MonitorFix("V8", "sweeper", 1000.0, *inside)) == []  # not its kind


def test_cells_go_by_code_and_once():
    draft = GeofenceDraft(name="cells", kind=FenceKind.FORBIDDEN, shape=Shape.CELLS,
                          cells=["110101001001001", "110101001001002", "110101001001001"])
    body = draft.payload()
    assert body["geometry"] is None and body["cell_codes"] == ["110101001001001", "110101001001002"]
    ring = rect_ring(cell_rect())
    fence = Geofence.from_dict(body, {"110101001001001": ring, "110101001001002": ring})
    assert len(fence.rings) == 2


def test_a_parking_limit_may_hold_district_wide():
    body = GeofenceDraft(name="p", kind=FenceKind.PARKING, shape=Shape.DISTRICT,
                         max_minutes=20).payload()
    assert body["geometry"] is None and body["cell_codes"] == [] and body["max_minutes"] == 20.0
    assert Geofence.from_dict(body).max_minutes == 20.0
    boxed = GeofenceDraft(name="p", kind=FenceKind.PARKING, shape=Shape.RECTANGLE, rect=cell_rect(),
                          max_minutes=15, width_m=99).payload()
    assert boxed["width_m"] == 0.0 and boxed["geometry"]["type"] == "Polygon"


def test_a_corridor_from_clicked_points():
    pts = [merc(116.4100, 39.9200), merc(116.4100, 39.9200), merc(116.4130, 39.9200),
           merc(116.4130, 39.9230)]
    draft = GeofenceDraft(name="route", kind=FenceKind.CORRIDOR, shape=Shape.LINE,
                          line=np.array(pts), width_m=40, vehicle_kinds=["muck_truck"])
    body = draft.payload()
    coords = body["geometry"]["coordinates"]
    assert body["geometry"]["type"] == "LineString" and len(coords) == 3  # the double click is one point
    assert np.allclose(coords, [[116.41, 39.92], [116.413, 39.92], [116.413, 39.923]], atol=1.5e-7)
    assert body["width_m"] == 40.0 and body["max_minutes"] == 0.0
    fence = Geofence.from_dict(body)
    assert distance_to_polyline_m(116.4115, 39.9203, fence.line) == pytest.approx(33.4, abs=1.0)
    assert distance_to_polyline_m(116.4115, 39.9210, fence.line) > fence.width_m


def test_a_corridor_from_a_box_runs_along_its_long_side():
    x0, y0, x1, y1 = 0.0, 0.0, 1000.0, 200.0
    assert rect_centre_line((x0, y0, x1, y1)).tolist() == [[0.0, 100.0], [1000.0, 100.0]]
    assert rect_centre_line((0.0, 0.0, 200.0, 1000.0)).tolist() == [[100.0, 0.0], [100.0, 1000.0]]
    x0, y0 = merc(116.41, 39.92)
    x1, y1 = merc(116.42, 39.9209)  # ~850 m east, ~100 m north
    assert rect_half_width_m((x0, y0, x1, y1)) == pytest.approx(50.0, rel=0.01)
    draft = GeofenceDraft(name="c", kind=FenceKind.CORRIDOR, shape=Shape.CENTRE_LINE,
                          rect=(x0, y0, x1, y1), width_m=50)
    coords = draft.payload()["geometry"]["coordinates"]
    assert len(coords) == 2 and coords[0][0] == pytest.approx(116.41, abs=1e-7)
    assert coords[1][0] == pytest.approx(116.42, abs=1e-7)
    assert coords[0][1] == pytest.approx(39.92045, abs=1e-5)


def test_lines_are_measured_on_the_ground():
    a, b = merc(116.41, 39.92), merc(116.43, 39.93)
    assert line_length_m([a, b]) == pytest.approx(haversine_m(116.41, 39.92, 116.43, 39.93), rel=2e-3)
    assert line_length_m([a]) == 0.0 and line_length_m([]) == 0.0
    assert len(clean_line([a, a, a])) == 1
    assert line_string([a, b])["coordinates"][1] == [116.43, 39.93]
    with pytest.raises(ValueError):
        clean_line([(0.0, math.inf), (1.0, 1.0)])


@settings(max_examples=200, deadline=None)
@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0), st.floats(5.0, 5000.0), st.floats(5.0, 5000.0))
def test_any_box_in_china_comes_back_to_the_same_corners(lon, lat, w, h):
    x0, y0 = merc(lon, lat)
    rect = (x0, y0, x0 + w, y0 + h)
    ring = np.array(rect_ring(rect))
    x, y = lonlat_to_mercator(ring[:, 0], ring[:, 1])
    corners = np.array([[rect[0], rect[1]], [rect[2], rect[1]], [rect[2], rect[3]], [rect[0], rect[3]],
                        [rect[0], rect[1]]])
    assert np.max(np.abs(np.column_stack([x, y]) - corners)) < 0.02  # 1e-7° rounding: ~1 cm


@pytest.mark.parametrize(("draft", "expected"), [
    (GeofenceDraft(name="  ", rect=cell_rect()), [Problem.NO_NAME]),
    (GeofenceDraft(name="x" * 201, rect=cell_rect()), [Problem.NAME_TOO_LONG]),
    (GeofenceDraft(name="a"), [Problem.NO_AREA]),
    (GeofenceDraft(name="a", rect=(0.0, 0.0, 100.0, 3.0)), [Problem.AREA_TOO_SMALL]),
    (GeofenceDraft(name="a", shape=Shape.CELLS), [Problem.NO_CELLS]),
    (GeofenceDraft(name="a", shape=Shape.CELLS, cells=[str(i) for i in range(CELLS_MAX + 1)]),
     [Problem.TOO_MANY_CELLS]),
    (GeofenceDraft(name="a", shape=Shape.LINE), [Problem.SHAPE_NOT_FOR_KIND]),
    (GeofenceDraft(name="a", kind=FenceKind.PARKING, rect=cell_rect(), max_minutes=0),
     [Problem.BAD_MINUTES]),
    (GeofenceDraft(name="a", kind=FenceKind.PARKING, rect=cell_rect(), max_minutes=24 * 60 + 1),
     [Problem.BAD_MINUTES]),
    (GeofenceDraft(name="", kind=FenceKind.PARKING, shape=Shape.DISTRICT, max_minutes=-5),
     [Problem.NO_NAME, Problem.BAD_MINUTES]),
    (GeofenceDraft(name="a", kind=FenceKind.CORRIDOR, shape=Shape.LINE, width_m=30), [Problem.NO_ROUTE]),
    (GeofenceDraft(name="a", kind=FenceKind.CORRIDOR, shape=Shape.LINE, width_m=30,
                   line=np.array([[0.0, 0.0], [2.0, 0.0]])), [Problem.ROUTE_TOO_SHORT]),
    (GeofenceDraft(name="a", kind=FenceKind.CORRIDOR, shape=Shape.CENTRE_LINE, rect=cell_rect()),
     [Problem.BAD_WIDTH]),
    (GeofenceDraft(name="a", kind=FenceKind.CORRIDOR, shape=Shape.RECTANGLE, rect=cell_rect(),
                   width_m=30), [Problem.SHAPE_NOT_FOR_KIND]),
])
def test_what_keeps_a_draft_from_being_saved(draft, expected):
    assert draft.problems() == expected
    with pytest.raises(DraftError) as err:
        draft.payload()
    assert err.value.problems == expected


def test_each_draft_has_its_own_id_and_keeps_it():
    a, b = GeofenceDraft(name="a", rect=cell_rect()), GeofenceDraft(name="a", rect=cell_rect())
    assert a.geofence_id != b.geofence_id
    assert a.payload()["geofence_id"] == a.payload()["geofence_id"] == a.geofence_id


def test_the_shape_preselected_follows_what_was_drawn_last():
    corridor, forbidden, parking = FenceKind.CORRIDOR, FenceKind.FORBIDDEN, FenceKind.PARKING
    # A route clicked is what a corridor follows, whatever was there before.
    assert preferred_shape(corridor, has_line=True, has_rect=True, just_drawn="route") is Shape.LINE
    # A box for a corridor stands for its centre line, unless a route was clicked already.
    assert preferred_shape(corridor, False, True, "box") is Shape.CENTRE_LINE
    assert preferred_shape(corridor, True, True, "box") is None
    # A box for an area is the area; for a parking limit too.
    assert preferred_shape(forbidden, False, True, "box") is Shape.RECTANGLE
    assert preferred_shape(parking, True, True, "box") is Shape.RECTANGLE
    # Switching to corridor: the route if any (or nothing drawn yet), else the box's axis.
    assert preferred_shape(corridor, True, True) is Shape.LINE
    assert preferred_shape(corridor, False, False) is Shape.LINE
    assert preferred_shape(corridor, False, True) is Shape.CENTRE_LINE
    # Switching to an area kind keeps the operator's choice.
    assert preferred_shape(forbidden, True, True) is None
    # Every preselection is one the kind offers.
    for kind in FenceKind:
        for line in (False, True):
            for rect in (False, True):
                for drawn in (None, "box", "route"):
                    shape = preferred_shape(kind, line, rect, drawn)
                    if drawn != "route":
                        assert shape is None or shape in SHAPES[kind]


def test_a_box_proposes_half_its_short_side_as_the_corridor_width():
    x, y = lonlat_to_mercator(114.93, 25.85)
    long_thin = (x, y, x + 400.0, y + 60.0)  # mercator metres; ground is a little shorter
    width = corridor_width_for_box(long_thin)
    assert width == round(rect_half_width_m(long_thin)) and 20 <= width <= 30
    assert corridor_width_for_box((x, y, x + 0.4, y + 0.4)) == 1  # never 0: the form refuses 0
