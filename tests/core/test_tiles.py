"""Tile math: XYZ/TMS rows, mercator bounds, zoom for a resolution, URL templates, datums."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.coords import wgs84_to_gcj02
from core.tiles import (
    ORIGIN_SHIFT_M,
    Datum,
    TileError,
    corner_shift,
    expand_template,
    lonlat_to_mercator,
    lonlat_to_tile_pixel,
    mercator_to_lonlat,
    mercator_to_tile,
    resolution,
    tile_bounds,
    tile_target,
    tiles_covering,
    xyz_to_tms_row,
    zoom_for_resolution,
)


def test_zoom_zero_is_the_whole_mercator_square():
    assert tile_bounds(0, 0, 0) == pytest.approx((-ORIGIN_SHIFT_M, -ORIGIN_SHIFT_M, ORIGIN_SHIFT_M, ORIGIN_SHIFT_M))
    assert resolution(0) == pytest.approx(156543.03392804097)  # the well-known z0 resolution


def test_known_tile_of_tiananmen():
    # OpenStreetMap's tile 10/843/388 holds Tiananmen (116.3975, 39.9087).
    tx, ty = mercator_to_tile(*lonlat_to_mercator(116.3975, 39.9087), 10)
    assert (int(tx), int(ty)) == (843, 388)
    xmin, ymin, xmax, ymax = tile_bounds(10, 843, 388)
    lon0, lat0 = mercator_to_lonlat(xmin, ymax)
    lon1, lat1 = mercator_to_lonlat(xmax, ymin)
    assert lon0 < 116.3975 < lon1 and lat1 < 39.9087 < lat0


def test_tms_rows_grow_north_and_the_flip_is_its_own_inverse():
    assert xyz_to_tms_row(0, 0) == 0
    assert xyz_to_tms_row(3, 0) == 7 and xyz_to_tms_row(3, 7) == 0
    for z in (1, 5, 12):
        for y in (0, 1, (1 << z) - 1):
            assert xyz_to_tms_row(z, xyz_to_tms_row(z, y)) == y


@given(st.floats(-179.9, 179.9), st.floats(-85.0, 85.0), st.integers(0, 20))
@settings(max_examples=200, deadline=None)
def test_a_point_lies_in_the_tile_that_contains_it(lon, lat, z):
    mx, my = lonlat_to_mercator(lon, lat)
    tx, ty = mercator_to_tile(mx, my, z)
    x, y = min(int(tx), (1 << z) - 1), min(int(ty), (1 << z) - 1)
    xmin, ymin, xmax, ymax = tile_bounds(z, x, y)
    eps = 1e-6 * resolution(z)
    assert xmin - eps <= mx <= xmax + eps and ymin - eps <= my <= ymax + eps
    gx, gy = lonlat_to_tile_pixel(lon, lat, z)
    assert gx == pytest.approx(tx * 256) and gy == pytest.approx(ty * 256)


def test_zoom_for_resolution_picks_sharp_enough_tiles_and_clamps():
    # A view at exactly a level's resolution uses that level.
    for z in (3, 12, 17):
        assert zoom_for_resolution(resolution(z)) == z
    # Between levels: the finer one once the coarser would be stretched more than ~1.4×.
    assert zoom_for_resolution(resolution(12) * 0.8) == 12
    assert zoom_for_resolution(resolution(12) * 0.6) == 13
    assert zoom_for_resolution(0.01, max_zoom=18) == 18
    assert zoom_for_resolution(1e7, min_zoom=1) == 1
    for bad in (0.0, -3.0, math.inf, math.nan):
        with pytest.raises(TileError):
            zoom_for_resolution(bad)


def test_tiles_covering_a_box():
    xmin, ymin, xmax, ymax = tile_bounds(12, 3300, 1700)
    assert tiles_covering(xmin + 1, ymin + 1, xmax - 1, ymax - 1, 12) == (3300, 1700, 3300, 1700)
    # Exactly on the edges: only the tile itself, not its neighbours.
    assert tiles_covering(xmin, ymin, xmax, ymax, 12) == (3300, 1700, 3300, 1700)
    assert tiles_covering(xmin - 1, ymin - 1, xmax + 1, ymax + 1, 12) == (3299, 1699, 3301, 1701)
    # Clipped to the world.
    assert tiles_covering(-1e9, -1e9, 1e9, 1e9, 2) == (0, 0, 3, 3)
    with pytest.raises(TileError):
        tiles_covering(10, 0, 0, 10, 3)


def test_url_templates():
    assert expand_template("https://a/{z}/{x}/{y}.png", 12, 3300, 1700) == "https://a/12/3300/1700.png"
    assert expand_template("https://a/{z}/{x}/{-y}.png", 3, 1, 0) == "https://a/3/1/7.png"
    # A tile always goes to the same host, so caches along the way see it once.
    url1 = expand_template("https://t{s}.example/{z}/{x}/{y}", 9, 10, 20, "01234567")
    assert url1 == expand_template("https://t{s}.example/{z}/{x}/{y}", 9, 10, 20, "01234567")
    assert url1.startswith("https://t6.")  # (10 + 20) % 8
    for bad in ("https://a/{x}/{y}", "https://a/{z}/{y}", "https://a/{z}/{x}"):
        with pytest.raises(TileError):
            expand_template(bad, 1, 0, 0)
    with pytest.raises(TileError):
        expand_template("https://t{s}.a/{z}/{x}/{y}", 1, 0, 0)  # {s} without subdomains
    with pytest.raises(TileError):
        expand_template("https://a/{z}/{x}/{y}", 2, 4, 0)  # no such tile at zoom 2
    with pytest.raises(TileError):
        expand_template("https://a/{z}/{x}/{y}", 30, 0, 0)


def test_datum_names():
    assert Datum.parse("WGS-84") is Datum.WGS84
    assert Datum.parse("EPSG:4326") is Datum.WGS84
    assert Datum.parse("cgcs2000") is Datum.CGCS2000
    assert Datum.parse("GCJ-02") is Datum.GCJ02
    assert Datum.GCJ02.shifted_to_gcj02 is False
    assert Datum.WGS84.shifted_to_gcj02 and Datum.CGCS2000.shifted_to_gcj02
    with pytest.raises(TileError, match="unknown datum"):
        Datum.parse("bd09")


def test_gcj02_tiles_do_not_move():
    assert tile_target(Datum.GCJ02, 14, 13300, 7000) == tile_bounds(14, 13300, 7000)
    assert corner_shift(Datum.GCJ02, 14, 13300, 7000) == (0.0, 0.0)


def test_wgs84_tiles_move_by_the_gcj02_offset():
    # Zhanggong: the GCJ-02 offset there is several hundred metres.
    lon, lat = 114.9353, 25.8311
    z = 16
    tx, ty = mercator_to_tile(*lonlat_to_mercator(lon, lat), z)
    x, y = int(tx), int(ty)
    moved = tile_target(Datum.WGS84, z, x, y)
    still = tile_bounds(z, x, y)
    glon, glat = wgs84_to_gcj02(lon, lat)
    gx, gy = lonlat_to_mercator(glon, glat)
    px, py = lonlat_to_mercator(lon, lat)
    dx, dy = moved[0] - still[0], moved[3] - still[3]
    assert math.hypot(dx, dy) > 300
    assert dx == pytest.approx(gx - px, abs=1.0) and dy == pytest.approx(gy - py, abs=1.0)


def test_shifted_neighbours_share_their_edges():
    z, x, y = 15, 26840, 14010
    a = tile_target(Datum.WGS84, z, x, y)
    right = tile_target(Datum.WGS84, z, x + 1, y)
    below = tile_target(Datum.WGS84, z, x, y + 1)
    assert a[2] == right[0]  # no seam, no overlap
    assert a[1] == below[3]


def test_shifted_tiles_land_within_a_pixel_everywhere_in_china():
    """The claim in tile_target's docstring, measured: sample points of sample
    tiles across China, at every zoom, against the exact per-point shift."""
    rng = np.random.default_rng(5)
    worst = 0.0
    for _ in range(400):
        z = int(rng.integers(4, 20))
        lon, lat = rng.uniform(74, 134), rng.uniform(18, 53)
        tx, ty = mercator_to_tile(*lonlat_to_mercator(lon, lat), z)
        x, y = int(tx), int(ty)
        target = tile_target(Datum.WGS84, z, x, y)
        xmin, ymin, xmax, ymax = tile_bounds(z, x, y)
        for fx in (0.0, 0.3, 0.5, 0.8, 1.0):
            for fy in (0.0, 0.5, 1.0):
                px, py = xmin + fx * (xmax - xmin), ymin + fy * (ymax - ymin)
                plon, plat = mercator_to_lonlat(px, py)
                gx, gy = lonlat_to_mercator(*wgs84_to_gcj02(plon, plat))
                qx = target[0] + fx * (target[2] - target[0])
                qy = target[1] + fy * (target[3] - target[1])
                worst = max(worst, math.hypot(gx - qx, gy - qy) / resolution(z))
    assert worst < 1.0, f"a shifted tile is {worst:.2f} of its pixels off"
