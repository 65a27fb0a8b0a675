"""WGS-84 <-> GCJ-02 against published pairs, and round trips across China."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.coords import (
    LAT_MAX,
    LAT_MIN,
    LON_MAX,
    LON_MIN,
    gcj02_to_wgs84,
    gcj02_to_wgs84_approx,
    gcj02_to_wgs84_array,
    haversine_m,
    haversine_m_array,
    wgs84_to_gcj02,
    wgs84_to_gcj02_array,
)

# (wgs lon, wgs lat, gcj lon, gcj lat): the test vectors published with
# googollee/eviltransform (Shanghai, Shenzhen, Beijing).
EVILTRANSFORM_PAIRS = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
]
# wandergis/coordtransform's documented example at (116.404, 39.915).
COORDTRANSFORM_FORWARD = ((116.404, 39.915), (116.41024449916938, 39.91640428150164))
COORDTRANSFORM_ONE_STEP_INVERSE = ((116.404, 39.915), (116.39775550083061, 39.91359571849836))


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), EVILTRANSFORM_PAIRS)
def test_forward_matches_published_pairs(wlon, wlat, glon, glat):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), EVILTRANSFORM_PAIRS)
def test_exact_inverse_within_half_a_metre_of_published_pairs(wlon, wlat, glon, glat):
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert haversine_m(lon, lat, wlon, wlat) < 0.5
    # and the one-step inverse is the coarse one the domain notes describe
    alon, alat = gcj02_to_wgs84_approx(glon, glat)
    assert 0.05 < haversine_m(alon, alat, wlon, wlat) < 5.0


def test_coordtransform_example():
    (src, expected) = COORDTRANSFORM_FORWARD
    assert wgs84_to_gcj02(*src) == pytest.approx(expected, abs=1e-12)
    (src, expected) = COORDTRANSFORM_ONE_STEP_INVERSE
    assert gcj02_to_wgs84_approx(*src) == pytest.approx(expected, abs=1e-12)


def test_offset_is_in_the_documented_range():
    # Dongcheng: the shift is a few hundred metres, never zero.
    lon, lat = wgs84_to_gcj02(116.41, 39.93)
    assert 100 < haversine_m(116.41, 39.93, lon, lat) < 700


@pytest.mark.parametrize("point", [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (0.0, 0.0)])
def test_identity_outside_china(point):
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point
    assert gcj02_to_wgs84_approx(*point) == point


lons = st.floats(min_value=LON_MIN, max_value=LON_MAX, allow_nan=False)
lats = st.floats(min_value=LAT_MIN, max_value=LAT_MAX, allow_nan=False)


@settings(max_examples=2000, deadline=None)
@given(lons, lats)
def test_round_trip_inside_china_under_half_a_metre(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(glon, glat)
    assert haversine_m(back[0], back[1], lon, lat) < 0.5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(lons, lats), min_size=1, max_size=50))
def test_arrays_agree_with_scalars(points):
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    glon, glat = wgs84_to_gcj02_array(lon, lat)
    for i, (plon, plat) in enumerate(points):
        slon, slat = wgs84_to_gcj02(plon, plat)
        assert glon[i] == pytest.approx(slon, abs=1e-12)
        assert glat[i] == pytest.approx(slat, abs=1e-12)
    wlon, wlat = gcj02_to_wgs84_array(glon, glat)
    dist = haversine_m_array(wlon, wlat, lon, lat)
    assert float(dist.max()) < 0.5


def test_arrays_leave_points_outside_china_alone():
    lon = np.array([2.35, 116.41, -74.0])
    lat = np.array([48.85, 39.93, 40.7])
    glon, glat = wgs84_to_gcj02_array(lon, lat)
    assert (glon[0], glat[0]) == (2.35, 48.85)
    assert (glon[2], glat[2]) == (-74.0, 40.7)
    assert glon[1] != 116.41
    wlon, wlat = gcj02_to_wgs84_array(glon, glat)
    assert (wlon[0], wlat[0]) == (2.35, 48.85)
    assert haversine_m(float(wlon[1]), float(wlat[1]), 116.41, 39.93) < 0.5


def test_array_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        wgs84_to_gcj02_array(np.zeros(3), np.zeros(2))


def test_haversine_known_distances():
    # One degree of latitude on the mean sphere, and Beijing to Shanghai.
    assert haversine_m(116.0, 39.0, 116.0, 40.0) == pytest.approx(
        math.radians(1.0) * 6371008.8, rel=1e-12)
    assert haversine_m(116.4074, 39.9042, 121.4737, 31.2304) == pytest.approx(1_067_000, rel=0.01)
    assert haversine_m(116.4, 39.9, 116.4, 39.9) == 0.0
