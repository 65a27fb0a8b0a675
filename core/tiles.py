"""Tile math for basemaps: XYZ and TMS tiles in Web Mercator, zoom levels, datums.

Pure and thread-safe.  The map draws in Web Mercator metres (EPSG:3857) of
GCJ-02 coordinates, the datum of the district files.  A tile set declares its
own datum; :func:`tile_target` says where one of its tiles lands in that
frame.

Conventions:

* XYZ ("Google", "slippy map"): zoom z has 2**z × 2**z tiles, x grows east
  from -180°, y grows **south** from the top (≈85.05°N).  Tianditu's ``w``
  tile matrix set and every XYZ server use it.
* TMS (and the ``tiles`` table of MBTiles): same tiles, but the row grows
  **north**: ``tms_y = 2**z - 1 - xyz_y``.
"""

from __future__ import annotations

import math
from enum import StrEnum

from core.coords import wgs84_to_gcj02

EARTH_RADIUS_M = 6378137.0  # the Web Mercator sphere
ORIGIN_SHIFT_M = math.pi * EARTH_RADIUS_M  # half the world's width in mercator metres
WORLD_M = 2.0 * ORIGIN_SHIFT_M
TILE_PX = 256
MAX_ZOOM = 24


class TileError(ValueError):
    """A tile address or template that cannot be used; the message says why."""


class Datum(StrEnum):
    """The geodetic datum a tile set (or any coordinate) is drawn in."""

    WGS84 = "wgs84"
    # China's official datum; within a few centimetres of WGS-84, far below a pixel.
    CGCS2000 = "cgcs2000"
    # The obfuscated datum of maps published in China (AMap, Tencent) and of
    # the district files; 100-700 m from WGS-84.
    GCJ02 = "gcj02"

    @classmethod
    def parse(cls, text: object) -> Datum:
        """``wgs84``/``WGS-84``/``EPSG:4326``, ``cgcs2000``/``EPSG:4490``, ``gcj02``/``GCJ-02``."""
        key = str(text).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
        aliases = {
            "wgs84": cls.WGS84, "epsg4326": cls.WGS84, "epsg:4326": cls.WGS84,
            "cgcs2000": cls.CGCS2000, "epsg4490": cls.CGCS2000, "epsg:4490": cls.CGCS2000,
            "gcj02": cls.GCJ02, "gcj": cls.GCJ02, "mars": cls.GCJ02,
        }
        try:
            return aliases[key]
        except KeyError:
            raise TileError(f"unknown datum {text!r}: use wgs84, cgcs2000 or gcj02") from None

    @property
    def shifted_to_gcj02(self) -> bool:
        """True when data in this datum must be moved to line up with GCJ-02 data."""
        return self is not Datum.GCJ02


def check_tile(z: int, x: int, y: int) -> None:
    """Raise TileError unless (z, x, y) names an XYZ tile."""
    if not (isinstance(z, int) and 0 <= z <= MAX_ZOOM):
        raise TileError(f"zoom {z!r} is outside 0..{MAX_ZOOM}")
    n = 1 << z
    if not (isinstance(x, int) and isinstance(y, int) and 0 <= x < n and 0 <= y < n):
        raise TileError(f"tile ({x}, {y}) does not exist at zoom {z} (0..{n - 1})")


def xyz_to_tms_row(z: int, y: int) -> int:
    """XYZ row (south-growing) ⇄ TMS row (north-growing); the map is its own inverse."""
    return (1 << z) - 1 - y


tms_to_xyz_row = xyz_to_tms_row


def resolution(z: float, tile_px: int = TILE_PX) -> float:
    """Mercator metres per tile pixel at zoom z (at the equator; same everywhere in mercator)."""
    return WORLD_M / (tile_px * 2.0**z)


def zoom_for_resolution(
    metres_per_px: float, min_zoom: int = 0, max_zoom: int = MAX_ZOOM, tile_px: int = TILE_PX
) -> int:
    """The tile zoom to draw a view of metres_per_px mercator metres per device pixel.

    The coarsest level whose tiles are no blurrier than about 1.4× upscaling
    (so text on the basemap stays legible), clamped to the source's range:
    beyond max_zoom the deepest tiles are stretched.
    """
    if not (metres_per_px > 0 and math.isfinite(metres_per_px)):
        raise TileError(f"resolution must be a positive number, not {metres_per_px!r}")
    exact = math.log2(WORLD_M / (tile_px * metres_per_px))
    z = math.ceil(exact - 0.5)
    return max(min_zoom, min(max_zoom, z))


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in mercator metres of XYZ tile (z, x, y), in the tile set's datum."""
    size = WORLD_M / (1 << z)
    # Each edge from its own grid line, so neighbours share edges to the last bit.
    return (
        -ORIGIN_SHIFT_M + x * size,
        ORIGIN_SHIFT_M - (y + 1) * size,
        -ORIGIN_SHIFT_M + (x + 1) * size,
        ORIGIN_SHIFT_M - y * size,
    )


def mercator_to_tile(mx: float, my: float, z: int) -> tuple[float, float]:
    """Fractional XYZ tile coordinates of a mercator point (x east, y south)."""
    n = 1 << z
    return (mx + ORIGIN_SHIFT_M) / WORLD_M * n, (ORIGIN_SHIFT_M - my) / WORLD_M * n


def tiles_covering(
    xmin: float, ymin: float, xmax: float, ymax: float, z: int
) -> tuple[int, int, int, int]:
    """Inclusive XYZ range (x0, y0, x1, y1) of the tiles meeting a mercator box, clipped to the world."""
    if not (xmin <= xmax and ymin <= ymax):
        raise TileError("empty box")
    n = 1 << z
    fx0, fy0 = mercator_to_tile(xmin, ymax, z)
    fx1, fy1 = mercator_to_tile(xmax, ymin, z)
    x0 = max(0, min(n - 1, math.floor(fx0)))
    y0 = max(0, min(n - 1, math.floor(fy0)))
    x1 = max(0, min(n - 1, math.ceil(fx1) - 1))
    y1 = max(0, min(n - 1, math.ceil(fy1) - 1))
    return x0, y0, max(x0, x1), max(y0, y1)


def lonlat_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(-85.05112877980659, min(85.05112877980659, lat))
    return (
        EARTH_RADIUS_M * math.radians(lon),
        EARTH_RADIUS_M * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)),
    )


def mercator_to_lonlat(mx: float, my: float) -> tuple[float, float]:
    return (
        math.degrees(mx / EARTH_RADIUS_M),
        math.degrees(2 * math.atan(math.exp(my / EARTH_RADIUS_M)) - math.pi / 2),
    )


def lonlat_to_tile_pixel(lon: float, lat: float, z: int, tile_px: int = TILE_PX) -> tuple[float, float]:
    """Global pixel position of a point at zoom z: tile (x, y) = divmod by tile_px."""
    tx, ty = mercator_to_tile(*lonlat_to_mercator(lon, lat), z)
    return tx * tile_px, ty * tile_px


def corner_shift(datum: Datum, z: int, x: int, y: int) -> tuple[float, float]:
    """Mercator (dx, dy) that moves the tile-grid corner (x, y) of zoom z from ``datum`` to GCJ-02.

    The corner is the north-west corner of XYZ tile (x, y); x and y may be
    2**z (the east and south edges of the world).
    """
    if not datum.shifted_to_gcj02:
        return 0.0, 0.0
    size = WORLD_M / (1 << z)
    cx, cy = -ORIGIN_SHIFT_M + x * size, ORIGIN_SHIFT_M - y * size
    lon, lat = mercator_to_lonlat(cx, cy)
    glon, glat = wgs84_to_gcj02(lon, lat)
    gx, gy = lonlat_to_mercator(glon, glat)
    return gx - cx, gy - cy


def tile_target(datum: Datum, z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Where XYZ tile (z, x, y) of a ``datum`` tile set lands on the map's GCJ-02 frame.

    (xmin, ymin, xmax, ymax) in mercator metres.  A GCJ-02 tile lands on its
    own bounds.  A WGS-84 or CGCS2000 tile is moved by the GCJ-02 offset: each
    edge by the mean of the offsets at its two corners, so neighbouring tiles
    share their edges exactly (no seams) and the tile is stretched by the
    change of the offset across it.  The offset is smooth (its steepest
    term, 20·sin(6π·Δlon), has a period of a third of a degree), so what is
    left is the offset's curvature within one tile: well under one of the
    tile's own pixels at any zoom (tests/core/test_tiles.py measures it).
    """
    xmin, ymin, xmax, ymax = tile_bounds(z, x, y)
    if not datum.shifted_to_gcj02:
        return xmin, ymin, xmax, ymax
    nw = corner_shift(datum, z, x, y)
    ne = corner_shift(datum, z, x + 1, y)
    sw = corner_shift(datum, z, x, y + 1)
    se = corner_shift(datum, z, x + 1, y + 1)
    return (
        xmin + (nw[0] + sw[0]) / 2,
        ymin + (sw[1] + se[1]) / 2,
        xmax + (ne[0] + se[0]) / 2,
        ymax + (nw[1] + ne[1]) / 2,
    )


def expand_template(template: str, z: int, x: int, y: int, subdomains: str = "") -> str:
    """Fill an XYZ/WMTS URL template.

    Placeholders: ``{z}``, ``{x}``, ``{y}`` (XYZ row), ``{-y}`` (TMS row),
    ``{s}`` (one of ``subdomains``, chosen by the tile so a tile always comes
    from the same host and caches well).  Tianditu's KVP form uses
    ``TILEMATRIX={z}&TILEROW={y}&TILECOL={x}``.
    """
    check_tile(z, x, y)
    if "{z}" not in template or "{x}" not in template or ("{y}" not in template and "{-y}" not in template):
        raise TileError(f"tile URL template needs {{z}}, {{x}} and {{y}} (or {{-y}}): {template!r}")
    if "{s}" in template and not subdomains:
        raise TileError("tile URL template uses {s} but no subdomains are given")
    out = template.replace("{z}", str(z)).replace("{x}", str(x))
    out = out.replace("{-y}", str(xyz_to_tms_row(z, y))).replace("{y}", str(y))
    if subdomains:
        out = out.replace("{s}", subdomains[(x + y) % len(subdomains)])
    return out
