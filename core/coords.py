"""WGS-84 <-> GCJ-02 and great-circle distance.

GPS terminals report WGS-84; maps published in China (AMap, Tencent) and the
district boundary files are GCJ-02, an obfuscated datum 100-700 m away.  The
forward transform is the public algorithm (Krasovsky ellipsoid, polynomials
in (lng - 105, lat - 35)); it is the identity outside China's bounding box
(``core.positions.in_china``).  There is no closed-form inverse: the exact
inverse solves ``w + offset(w) = g`` by fixed-point iteration, which converges
because the offset changes by well under 1 % of any step in ``w``.

All functions are pure and thread-safe.  Scalar functions take and return
``(lon, lat)`` in degrees, longitude first, like GeoJSON.
"""

from __future__ import annotations

import math

import numpy as np

from core.positions import in_china

# Krasovsky 1940, as the published algorithm uses it (not WGS-84's ellipsoid).
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323

# Bounding box of the shift; kept identical to core.positions.in_china.
LON_MIN, LON_MAX = 72.004, 137.8347
LAT_MIN, LAT_MAX = 0.8293, 55.8271

EARTH_RADIUS_M = 6371008.8  # IUGG mean radius

# The largest GCJ-02 offset is under 0.015 degrees; a GCJ point further than
# this from the box cannot come from a shifted WGS point.
_INVERSE_MARGIN_DEG = 0.05
_INVERSE_TOLERANCE_DEG = 1e-10  # about 1 cm
_INVERSE_MAX_ITERATIONS = 30
# A solution this close to the box's edge counts as inside: the iteration's
# rounding must not decide which side of the edge a WGS point was on.
_EDGE_SLACK_DEG = 1e-7

_PI = math.pi


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * _PI) + 20.0 * math.sin(2.0 * x * _PI)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * _PI) + 40.0 * math.sin(y / 3.0 * _PI)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * _PI) + 320.0 * math.sin(y * _PI / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * _PI) + 20.0 * math.sin(2.0 * x * _PI)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * _PI) + 40.0 * math.sin(x / 3.0 * _PI)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * _PI) + 300.0 * math.sin(x / 30.0 * _PI)) * 2.0 / 3.0
    return ret


def _offset(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 shift (dlon, dlat) in degrees at a WGS-84 point, ignoring the box."""
    x, y = lon - 105.0, lat - 35.0
    dlat = _offset_lat(x, y)
    dlon = _offset_lon(x, y)
    rad_lat = lat / 180.0 * _PI
    magic = 1.0 - KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * _PI)
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * _PI)
    return dlon, dlat


def _in_box(lon: float, lat: float, margin: float) -> bool:
    return (LON_MIN - margin <= lon <= LON_MAX + margin
            and LAT_MIN - margin <= lat <= LAT_MAX + margin)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 -> GCJ-02; the identity outside China's bounding box."""
    if not in_china(lon, lat):
        return lon, lat
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84_approx(lon: float, lat: float) -> tuple[float, float]:
    """One-step inverse: subtracts the offset taken at the GCJ point; 1-2 m off."""
    if not in_china(lon, lat):
        return lon, lat
    dlon, dlat = _offset(lon, lat)
    return lon - dlon, lat - dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Iterative inverse of :func:`wgs84_to_gcj02`, error well under 0.5 m.

    Solves ``w + offset(w) = g`` with the box ignored (the offset is smooth),
    then applies the box: a solution inside it is the answer; otherwise the
    point was never shifted and the GCJ point is itself WGS-84.
    """
    if not _in_box(lon, lat, _INVERSE_MARGIN_DEG):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _ in range(_INVERSE_MAX_ITERATIONS):
        dlon, dlat = _offset(w_lon, w_lat)
        n_lon, n_lat = lon - dlon, lat - dlat
        done = (abs(n_lon - w_lon) < _INVERSE_TOLERANCE_DEG
                and abs(n_lat - w_lat) < _INVERSE_TOLERANCE_DEG)
        w_lon, w_lat = n_lon, n_lat
        if done:
            break
    if _in_box(w_lon, w_lat, _EDGE_SLACK_DEG) or in_china(lon, lat):
        # A GCJ point inside the box always had its shift applied, even when
        # the solution lands a metre outside the edge (no exact preimage).
        return w_lon, w_lat
    return lon, lat


# ---- vectorised ----------------------------------------------------------


def _offset_array(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * _PI) + 20.0 * np.sin(2.0 * x * _PI)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * np.sin(y * _PI) + 40.0 * np.sin(y / 3.0 * _PI)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * _PI) + 320.0 * np.sin(y * _PI / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * np.sin(x * _PI) + 40.0 * np.sin(x / 3.0 * _PI)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * _PI) + 300.0 * np.sin(x / 30.0 * _PI)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * _PI
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * _PI)
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * _PI)
    return dlon, dlat


def _in_box_array(lon: np.ndarray, lat: np.ndarray, margin: float = 0.0) -> np.ndarray:
    return ((lon >= LON_MIN - margin) & (lon <= LON_MAX + margin)
            & (lat >= LAT_MIN - margin) & (lat <= LAT_MAX + margin))


def _as_arrays(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    if lon_a.shape != lat_a.shape:
        raise ValueError(f"lon and lat differ in shape: {lon_a.shape} vs {lat_a.shape}")
    return lon_a, lat_a


def wgs84_to_gcj02_array(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`wgs84_to_gcj02`; returns new float64 arrays."""
    lon_a, lat_a = _as_arrays(lon, lat)
    dlon, dlat = _offset_array(lon_a, lat_a)
    inside = _in_box_array(lon_a, lat_a)
    return np.where(inside, lon_a + dlon, lon_a), np.where(inside, lat_a + dlat, lat_a)


def gcj02_to_wgs84_array(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`gcj02_to_wgs84` (same iteration, same box rule)."""
    g_lon, g_lat = _as_arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        dlon, dlat = _offset_array(w_lon, w_lat)
        n_lon, n_lat = g_lon - dlon, g_lat - dlat
        change = max(float(np.max(np.abs(n_lon - w_lon), initial=0.0)),
                     float(np.max(np.abs(n_lat - w_lat), initial=0.0)))
        w_lon, w_lat = n_lon, n_lat
        if change < _INVERSE_TOLERANCE_DEG:
            break
    near = _in_box_array(g_lon, g_lat, _INVERSE_MARGIN_DEG)
    shifted = near & (_in_box_array(w_lon, w_lat, _EDGE_SLACK_DEG) | _in_box_array(g_lon, g_lat))
    return np.where(shifted, w_lon, g_lon), np.where(shifted, w_lat, g_lat)


# ---- distance ------------------------------------------------------------


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres on a sphere of the mean Earth radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2.0) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def haversine_m_array(lon1: np.ndarray, lat1: np.ndarray,
                      lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Vectorised :func:`haversine_m` (arguments broadcast)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
