"""core.geo: district outlines, Web Mercator, the unit-grid cutter, the cell index."""

from __future__ import annotations

import json
import math
import random
import time

import numpy as np
import pytest

from core.geo import (
    EARTH_RADIUS_M,
    CellIndex,
    GeoJSONError,
    cut_cells,
    lonlat_to_mercator,
    mercator_to_lonlat,
    parse_district_geojson,
    partition,
    points_in_polygons,
)
from core.resources import resource

DONGCHENG = resource("districts", "110101.geojson")
ZHANGGONG = resource("districts", "360702.geojson")

SQUARE = [[116.0, 39.0], [116.1, 39.0], [116.1, 39.1], [116.0, 39.1], [116.0, 39.0]]


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance, as an independent check on the cutter's metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def dongcheng():
    return parse_district_geojson(DONGCHENG.read_bytes())


@pytest.fixture(scope="module")
def dongcheng_cells(dongcheng):
    return cut_cells(dongcheng)


@pytest.fixture(scope="module")
def zhanggong_cells():
    district = parse_district_geojson(ZHANGGONG.read_text(encoding="utf-8"))
    started = time.perf_counter()
    cells = cut_cells(district)
    return cells, time.perf_counter() - started


# ---- Web Mercator -------------------------------------------------------------


def test_mercator_known_values():
    x, y = lonlat_to_mercator(180.0, 0.0)
    assert isinstance(x, float) and isinstance(y, float)
    assert x == pytest.approx(20037508.342789244)
    assert y == pytest.approx(0.0, abs=1e-6)
    _, y_top = lonlat_to_mercator(0.0, 85.05112877980659)
    assert y_top == pytest.approx(20037508.342789244, rel=1e-9)
    # Tiananmen, against the equivalent closed form y = R·atanh(sin φ)
    x, y = lonlat_to_mercator(116.391, 39.9075)
    assert x == pytest.approx(6378137.0 * math.radians(116.391), abs=1e-6)
    assert y == pytest.approx(6378137.0 * math.atanh(math.sin(math.radians(39.9075))), abs=1e-6)
    assert y == pytest.approx(4852510, abs=1)


def test_mercator_round_trip_scalars_and_arrays():
    lon = np.array([73.5, 105.0, 116.4, 134.9])
    lat = np.array([3.9, 25.8, 39.9, 53.5])
    x, y = lonlat_to_mercator(lon, lat)
    assert isinstance(x, np.ndarray) and x.shape == (4,)
    back_lon, back_lat = mercator_to_lonlat(x, y)
    np.testing.assert_allclose(back_lon, lon, atol=1e-10)
    np.testing.assert_allclose(back_lat, lat, atol=1e-10)
    grid_lon, grid_lat = np.meshgrid(lon, lat)
    gx, _gy = lonlat_to_mercator(grid_lon, grid_lat)
    assert gx.shape == (4, 4)
    lon1, lat1 = mercator_to_lonlat(*lonlat_to_mercator(114.93, 25.85))
    assert isinstance(lon1, float)
    assert (lon1, lat1) == pytest.approx((114.93, 25.85), abs=1e-12)
    assert lonlat_to_mercator(0.0, 0.0)[0] == 0.0
    assert EARTH_RADIUS_M == 6378137.0


# ---- parsing ----------------------------------------------------------------


def test_parses_every_accepted_shape():
    polygon = {"type": "Polygon", "coordinates": [SQUARE]}
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE]]}
    feature = {"type": "Feature", "properties": {"name": "示例区"}, "geometry": polygon}
    collection = {"type": "FeatureCollection", "features": [feature, {"type": "Feature", "geometry": None}]}
    for doc in (polygon, multi, feature, collection):
        district = parse_district_geojson(json.dumps(doc))
        assert len(district.polygons) == 1
        assert district.polygons[0][0].shape == (5, 2)
        assert district.bbox == (116.0, 39.0, 116.1, 39.1)
    assert parse_district_geojson(json.dumps(feature)).properties["name"] == "示例区"
    assert parse_district_geojson(json.dumps(feature)).geometry == polygon
    # bytes, with a UTF-8 byte-order mark as some GIS tools write it
    assert parse_district_geojson(b"\xef\xbb\xbf" + json.dumps(multi).encode()).geometry == multi


def test_shipped_districts_parse_with_plausible_areas(dongcheng):
    assert dongcheng.area_m2 == pytest.approx(41.8e6, rel=0.02)
    zhanggong = parse_district_geojson(ZHANGGONG.read_bytes())
    assert 5.5e8 < zhanggong.area_m2 < 6.5e8


def _poly(ring):
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _with(point_index: int, value) -> str:
    ring = [list(p) for p in SQUARE]
    ring[point_index] = value
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


MALFORMED = [
    ("not json", "{\"type\": \"Polygon\", ", "not JSON"),
    ("not utf-8", b"\xff\xfe\x00{", "not JSON"),
    ("empty file", "   ", "empty"),
    ("array at top", "[1, 2]", "wrong type"),
    ("point", json.dumps({"type": "Point", "coordinates": [116.0, 39.0]}), "wrong type: 'Point'"),
    ("no type", json.dumps({"coordinates": [SQUARE]}), "no 'type'"),
    ("geometry collection", json.dumps({"type": "GeometryCollection", "geometries": []}), "wrong type"),
    ("missing coordinates", json.dumps({"type": "Polygon"}), "missing coordinates"),
    ("coordinates not array", json.dumps({"type": "Polygon", "coordinates": "x"}), "missing coordinates"),
    ("empty polygon", json.dumps({"type": "Polygon", "coordinates": []}), "empty geometry"),
    ("empty multipolygon", json.dumps({"type": "MultiPolygon", "coordinates": []}), "empty geometry"),
    ("polygon without rings", json.dumps({"type": "MultiPolygon", "coordinates": [[]]}), "no rings"),
    ("null geometry", json.dumps({"type": "Feature", "geometry": None}), "empty geometry"),
    ("feature without geometry", json.dumps({"type": "Feature", "properties": {}}), "no 'geometry'"),
    ("no features", json.dumps({"type": "FeatureCollection", "features": []}), "no features"),
    ("features not a list", json.dumps({"type": "FeatureCollection"}), "'features'"),
    ("three points", _poly(SQUARE[:2] + [SQUARE[0]]), "has 3 positions"),
    ("not closed", _poly(SQUARE[:4] + [[116.05, 39.05]]), "not closed"),
    ("string coordinate", _with(1, ["116.1", 39.0]), "not a number"),
    ("boolean coordinate", _with(1, [True, 39.0]), "not a number"),
    ("null coordinate", _with(2, [116.1, None]), "not a number"),
    ("NaN", _with(1, [float("nan"), 39.0]), "not finite"),
    ("overflow", _poly(SQUARE).replace("116.1, 39.0", "1e999, 39.0"), "not finite"),
    ("lon out of range", _with(1, [200.0, 39.0]), "outside the lon/lat range"),
    ("projected metres", _with(1, [12958000.0, 4825000.0]), "projected"),
    ("swapped axes", _with(1, [39.0, 116.1]), "swapped"),
    ("one number", _with(1, [116.1]), "expected [lon, lat]"),
    ("beyond mercator", _poly([[0, 80], [1, 80], [1, 89], [0, 80]]), "Web Mercator"),
    ("collinear", _poly([[0, 0], [1, 1], [2, 2], [0, 0]]), "no area"),
    ("polygon nested like a line", json.dumps({"type": "Polygon", "coordinates": SQUARE}), "too shallow"),
    ("multipolygon nested like a polygon", json.dumps({"type": "MultiPolygon", "coordinates": [SQUARE]}),
     "too shallow"),
    ("polygon nested like a multipolygon", json.dumps({"type": "Polygon", "coordinates": [[SQUARE]]}),
     "too deep"),
]


@pytest.mark.parametrize(("text", "needle"), [(t, n) for _name, t, n in MALFORMED],
                         ids=[name for name, _t, _n in MALFORMED])
def test_malformed_geojson_is_refused_with_a_clear_message(text, needle):
    with pytest.raises(GeoJSONError) as caught:
        parse_district_geojson(text)
    assert isinstance(caught.value, ValueError)
    assert needle in str(caught.value)


def test_hole_errors_name_the_hole():
    hole = [[116.02, 39.02], [116.03, 39.02], [116.03, 39.03], [116.02, 39.02 + 0.001]]
    with pytest.raises(GeoJSONError, match="polygon, hole 1 is not closed"):
        parse_district_geojson(json.dumps({"type": "Polygon", "coordinates": [SQUARE, hole]}))
    with pytest.raises(GeoJSONError, match="polygon 2, outer ring"):
        parse_district_geojson(json.dumps({"type": "MultiPolygon",
                                           "coordinates": [[SQUARE], [SQUARE[:3]]]}))


# ---- point in polygon ------------------------------------------------------------


def _naive_inside(px: float, py: float, polygons) -> bool:
    for poly in polygons:
        crossings = 0
        for ring in poly:
            for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
                if (y1 > py) != (y2 > py):
                    x_cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
                    if px < x_cross:
                        crossings += 1
        if crossings % 2:
            return True
    return False


def test_points_in_polygons_honours_holes_and_parts():
    outer = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], dtype=float)
    hole = np.array([[3, 3], [3, 7], [7, 7], [7, 3], [3, 3]], dtype=float)  # other winding
    triangle = np.array([[20, 0], [30, 0], [25, 8], [20, 0]], dtype=float)
    polygons = [[outer, hole], [triangle]]
    x = np.array([1.0, 5.0, 11.0, 25.0, 25.0, 9.99, -0.5])
    y = np.array([1.0, 5.0, 5.0, 2.0, 9.0, 9.99, 5.0])
    assert points_in_polygons(x, y, polygons).tolist() == [True, False, False, True, False, True, False]
    rng = np.random.default_rng(3)
    px = rng.uniform(-2, 32, 5000)
    py = rng.uniform(-2, 12, 5000)
    expected = [_naive_inside(a, b, [[r.tolist() for r in p] for p in polygons]) for a, b in zip(px, py, strict=True)]
    assert points_in_polygons(px, py, polygons).tolist() == expected
    grid = points_in_polygons(px.reshape(50, 100), py.reshape(50, 100), polygons)
    assert grid.shape == (50, 100)
    assert grid.ravel().tolist() == expected
    # a single polygon may be passed as its list of rings
    assert points_in_polygons(5.0, 5.0, [outer, hole]).tolist() is False
    assert points_in_polygons(1.0, 1.0, [outer, hole]).tolist() is True
    assert points_in_polygons(np.array([]), np.array([]), polygons).shape == (0,)


def test_points_in_polygons_matches_naive_on_a_real_outline(dongcheng):
    rings = [[r.tolist() for r in p] for p in dongcheng.polygons]
    rng = np.random.default_rng(11)
    lo_lon, lo_lat, hi_lon, hi_lat = dongcheng.bbox
    px = rng.uniform(lo_lon, hi_lon, 1500)
    py = rng.uniform(lo_lat, hi_lat, 1500)
    expected = [_naive_inside(a, b, rings) for a, b in zip(px, py, strict=True)]
    assert points_in_polygons(px, py, dongcheng.polygons).tolist() == expected
    assert 0.3 < np.mean(expected) < 0.9


# ---- cutting cells ---------------------------------------------------------------


def test_dongcheng_cuts_into_about_4200_true_10000_m2_cells(dongcheng, dongcheng_cells):
    cells = dongcheng_cells
    assert 4200 * 0.95 <= len(cells) <= 4200 * 1.05
    assert len(cells) == pytest.approx(dongcheng.area_m2 / 10_000, rel=0.02)
    assert len({c.grid for c in cells}) == len(cells)
    for cell in cells[::97]:
        ring = cell.ring
        assert len(ring) == 5 and ring[0] == ring[-1]
        (w, s), (e, _), (_, n) = ring[0], ring[1], ring[2]
        assert w < e and s < n
        # measured on the ground independently of the projection
        assert haversine_m(w, s, e, s) == pytest.approx(100.0, abs=0.6)
        assert haversine_m(w, s, w, n) == pytest.approx(100.0, abs=0.6)
        assert cell.area_m2 == pytest.approx(10_000, rel=0.01)
        assert w < cell.center[0] < e and s < cell.center[1] < n
    centres = np.array([c.center for c in cells])
    assert points_in_polygons(centres[:, 0], centres[:, 1], dongcheng.polygons).all()


def test_cells_are_ordered_north_to_south_and_tile_without_gaps(dongcheng_cells):
    rows = [c.grid[1] for c in dongcheng_cells]
    assert rows == sorted(rows)
    by_grid = {c.grid: c for c in dongcheng_cells}
    for (col, row), cell in list(by_grid.items())[::53]:
        east = by_grid.get((col + 1, row))
        if east is not None:
            assert east.ring[0][0] == pytest.approx(cell.ring[1][0], abs=1e-7)
        south = by_grid.get((col, row + 1))
        if south is not None:
            assert south.ring[2][1] == pytest.approx(cell.ring[0][1], abs=1e-7)


def test_cut_cells_is_deterministic_and_validates_size(dongcheng, dongcheng_cells):
    again = cut_cells(dongcheng)
    assert [c.ring for c in again] == [c.ring for c in dongcheng_cells]
    assert 900 < len(cut_cells(dongcheng, 200.0)) * 4 / len(dongcheng_cells) * 1000 < 1100
    for bad in (0, -5, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            cut_cells(dongcheng, bad)
    with pytest.raises(ValueError, match="too many"):
        cut_cells(dongcheng, 1.0)


def test_zhanggong_cuts_into_about_59000_cells_quickly(zhanggong_cells):
    cells, seconds = zhanggong_cells
    assert 59_000 * 0.95 <= len(cells) <= 59_000 * 1.05
    assert seconds < 3.0
    assert all(c.area_m2 == pytest.approx(10_000, rel=0.01) for c in cells[::1000])


# ---- the cell index ----------------------------------------------------------------


def test_cell_index_finds_each_cell_and_nothing_outside(dongcheng_cells):
    index = CellIndex((f"c{i}", c.ring) for i, c in enumerate(dongcheng_cells))
    assert len(index) == len(dongcheng_cells)
    rng = random.Random(5)
    for i, cell in enumerate(dongcheng_cells):
        (w, s), (e, _), (_, n) = cell.ring[0], cell.ring[1], cell.ring[2]
        lon = w + (e - w) * rng.uniform(0.01, 0.99)
        lat = s + (n - s) * rng.uniform(0.01, 0.99)
        assert index.cell_at(lon, lat) == f"c{i}"
    assert index.cell_at(0.0, 0.0) is None
    assert index.cell_at(float("nan"), 39.9) is None
    assert "c0" in index and "nope" not in index
    # a point on the edge two cells share belongs to exactly one of them
    a = dongcheng_cells[100]
    edge_lon, edge_lat = a.ring[1][0], (a.ring[1][1] + a.ring[2][1]) / 2
    assert index.cell_at(edge_lon, edge_lat) is not None


def test_cell_index_box_query_matches_brute_force(dongcheng_cells):
    pairs = [(f"c{i}", [list(p) for p in c.ring]) for i, c in enumerate(dongcheng_cells)]
    index = CellIndex(pairs)
    boxes = np.array([[min(p[0] for p in r), min(p[1] for p in r), max(p[0] for p in r), max(p[1] for p in r)]
                      for _code, r in pairs])
    rng = random.Random(9)
    for size in (0.0005, 0.003, 0.02, 0.2):
        for _ in range(5):
            lon = rng.uniform(116.37, 116.46)
            lat = rng.uniform(39.85, 39.98)
            box = (lon, lat, lon + size, lat + size * 0.8)
            hit = ((boxes[:, 0] <= box[2]) & (boxes[:, 2] >= box[0])
                   & (boxes[:, 1] <= box[3]) & (boxes[:, 3] >= box[1]))
            expected = [pairs[i][0] for i in np.flatnonzero(hit)]
            assert index.cells_in_box(*box) == expected
    assert index.cells_in_box(0, 0, 1, 1) == []
    with pytest.raises(ValueError):
        index.cells_in_box(116.5, 39.9, 116.4, 40.0)
    empty = CellIndex([])
    assert empty.cell_at(116.4, 39.9) is None and empty.cells_in_box(0, 0, 200, 90) == []


def test_cell_index_is_fast_for_zhanggong(zhanggong_cells):
    cells, _seconds = zhanggong_cells
    pairs = [(str(i), c.ring) for i, c in enumerate(cells)]
    started = time.perf_counter()
    index = CellIndex(pairs)
    assert time.perf_counter() - started < 1.0
    sample = cells[::59]
    started = time.perf_counter()
    found = [index.cell_at(*c.center) for c in sample]
    per_lookup = (time.perf_counter() - started) / len(sample)
    assert found == [str(i) for i in range(0, len(cells), 59)]
    assert per_lookup < 1e-3
    lon, lat = cells[len(cells) // 2].center
    started = time.perf_counter()
    view = index.cells_in_box(lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02)
    assert time.perf_counter() - started < 0.05
    assert 1000 < len(view) < 25000


# ---- partition -------------------------------------------------------------------


def test_partition_is_deterministic_and_uses_every_label():
    rng = np.random.default_rng(0)
    points = np.concatenate([rng.normal(c, 1.0, (200, 2)) for c in ((0, 0), (50, 0), (0, 50), (50, 50))])
    labels = partition(points, 4, seed=7)
    assert labels.tolist() == partition(points, 4, seed=7).tolist()
    assert sorted(set(labels.tolist())) == [0, 1, 2, 3]
    # the four blobs are recovered whole, numbered in reading order
    blobs = [set(labels[i * 200:(i + 1) * 200].tolist()) for i in range(4)]
    assert all(len(b) == 1 for b in blobs)
    assert [b.pop() for b in blobs] == [2, 3, 0, 1]
    many = partition(points, 40, seed=1)
    assert len(set(many.tolist())) == 40
    assert sorted(partition(points[:5], 5, seed=1).tolist()) == [0, 1, 2, 3, 4]


def test_partition_grows_from_given_centres_and_rejects_bad_input():
    points = np.array([[0, 0], [1, 0], [10, 10], [11, 10], [20, 0]], dtype=float)
    labels = partition(points, 3, init=[[20, 1], [0, 1], [10, 11]])
    assert labels.tolist() == [1, 1, 2, 2, 0]
    with pytest.raises(ValueError):
        partition(points, 6)
    with pytest.raises(ValueError):
        partition(points, 0)
    with pytest.raises(ValueError):
        partition(points[:, :1], 2)
    with pytest.raises(ValueError):
        partition(points, 2, init=[[0, 0]])
    # identical points still give every cluster a member
    same = np.zeros((10, 2))
    assert len(set(partition(same, 4, seed=2).tolist())) == 4
