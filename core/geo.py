"""District outlines, Web Mercator, the unit-grid cutter and a cell index.

Pure and numpy-only, shared by the server (cutting the demo district,
locating a reported case) and the client (hit-testing the map).  Nothing
here holds state between calls except ``CellIndex``, which is read-only
after construction and therefore safe to query from any thread.

Coordinates are (lon, lat) in degrees, in whatever datum the district file
uses (GCJ-02 for the shipped files); nothing here shifts datums.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EARTH_RADIUS_M = 6378137.0  # the Web Mercator (EPSG:3857) sphere
# Web Mercator is square at this latitude; beyond it y runs off to infinity.
MERCATOR_MAX_LAT = 85.05112877980659

Ring = np.ndarray  # (N, 2) float64, closed: ring[0] == ring[-1]
Polygon = list[Ring]  # outer ring first, then holes


class GeoJSONError(ValueError):
    """A district file that cannot be used; the message names the problem."""


# ---- Web Mercator -------------------------------------------------------------


def _scalar_or_array(value: np.ndarray, *inputs: Any) -> Any:
    if all(np.ndim(v) == 0 for v in inputs):
        return float(value)
    return value


def lonlat_to_mercator(lon: Any, lat: Any) -> tuple[Any, Any]:
    """Degrees to Web Mercator metres.  Scalars in, floats out; arrays in,
    arrays out.  Latitudes are clamped to Web Mercator's limit (±85.0511°)."""
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.clip(np.asarray(lat, dtype=float), -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT)
    x = EARTH_RADIUS_M * np.radians(lon_a)
    y = EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + np.radians(lat_a) / 2))
    return _scalar_or_array(x, lon, lat), _scalar_or_array(y, lon, lat)


def mercator_to_lonlat(x: Any, y: Any) -> tuple[Any, Any]:
    """Web Mercator metres to degrees; the inverse of ``lonlat_to_mercator``."""
    x_a = np.asarray(x, dtype=float)
    y_a = np.asarray(y, dtype=float)
    lon = np.degrees(x_a / EARTH_RADIUS_M)
    lat = np.degrees(2 * np.arctan(np.exp(y_a / EARTH_RADIUS_M)) - np.pi / 2)
    return _scalar_or_array(lon, x, y), _scalar_or_array(lat, x, y)


# ---- district outlines --------------------------------------------------------


@dataclass(eq=False)
class District:
    """A district outline: ``polygons`` is a list of polygons, each a list of
    closed (N, 2) lon/lat rings, outer ring first, holes after.
    ``geometry`` is the GeoJSON geometry object as read (for storing)."""

    polygons: list[Polygon]
    geometry: dict[str, Any]
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of the outer rings."""
        outers = np.concatenate([poly[0] for poly in self.polygons])
        lo = outers.min(axis=0)
        hi = outers.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    @property
    def center(self) -> tuple[float, float]:
        """Middle of the bounding box, (lon, lat)."""
        min_lon, min_lat, max_lon, max_lat = self.bbox
        return (min_lon + max_lon) / 2, (min_lat + max_lat) / 2

    def local_scale(self) -> float:
        """Ground metres per Web Mercator metre at the district's centre."""
        return math.cos(math.radians(self.center[1]))

    def mercator_polygons(self) -> list[Polygon]:
        result = []
        for poly in self.polygons:
            rings = []
            for ring in poly:
                x, y = lonlat_to_mercator(ring[:, 0], ring[:, 1])
                rings.append(np.column_stack([x, y]))
            result.append(rings)
        return result

    @property
    def area_m2(self) -> float:
        """Ground area, holes subtracted (local-scale approximation, < 0.5%
        off for a district a few tens of kilometres across)."""
        scale = self.local_scale()
        total = 0.0
        for poly in self.mercator_polygons():
            outer, *holes = poly
            total += _ring_area(outer) - sum(_ring_area(h) for h in holes)
        return total * scale * scale


def _ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2


def parse_district_geojson(data: str | bytes | bytearray) -> District:
    """Read a district outline: a GeoJSON Polygon or MultiPolygon geometry, a
    Feature holding one, or a FeatureCollection (its first feature), in
    lon/lat degrees.  Raises ``GeoJSONError`` naming the first problem."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GeoJSONError(f"not JSON: the file is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    elif isinstance(data, str):
        data = data.lstrip("\ufeff")
    else:
        raise GeoJSONError(f"expected GeoJSON text or bytes, got {type(data).__name__}")
    if not data.strip():
        raise GeoJSONError("not JSON: the file is empty")
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise GeoJSONError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise GeoJSONError("not JSON: nested too deeply") from exc
    return district_from_geojson(doc)


def district_from_geojson(doc: Any) -> District:
    """Like ``parse_district_geojson`` for an already decoded JSON value."""
    properties: dict[str, Any] = {}
    if not isinstance(doc, dict):
        raise GeoJSONError(f"wrong type: expected a GeoJSON object, got a JSON {_json_kind(doc)}")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise GeoJSONError("FeatureCollection has no 'features' list")
        if not features:
            raise GeoJSONError("empty geometry: the FeatureCollection has no features")
        doc = features[0]
        if not isinstance(doc, dict) or doc.get("type") != "Feature":
            raise GeoJSONError("wrong type: the first member of 'features' is not a Feature")
        kind = "Feature"
    if kind == "Feature":
        props = doc.get("properties")
        properties = dict(props) if isinstance(props, dict) else {}
        if "geometry" not in doc:
            raise GeoJSONError("Feature has no 'geometry' member")
        doc = doc["geometry"]
        if doc is None:
            raise GeoJSONError("empty geometry: the Feature's geometry is null")
        if not isinstance(doc, dict):
            raise GeoJSONError(f"wrong type: the Feature's geometry is a JSON {_json_kind(doc)}")
        kind = doc.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        if kind is None:
            raise GeoJSONError("wrong type: the object has no 'type' member")
        raise GeoJSONError(f"wrong type: {kind!r}; a district outline must be a Polygon or MultiPolygon")
    if "coordinates" not in doc:
        raise GeoJSONError(f"missing coordinates: the {kind} has no 'coordinates' member")
    coords = doc["coordinates"]
    if not isinstance(coords, list):
        raise GeoJSONError(f"missing coordinates: the {kind}'s 'coordinates' is a JSON {_json_kind(coords)}, not an array")
    if not coords:
        raise GeoJSONError(f"empty geometry: the {kind} has no coordinates")
    raw_polygons = [coords] if kind == "Polygon" else coords
    polygons: list[Polygon] = []
    for p_index, raw_poly in enumerate(raw_polygons, start=1):
        where = f"polygon {p_index}" if kind == "MultiPolygon" else "polygon"
        if not isinstance(raw_poly, list):
            raise GeoJSONError(f"{where}: expected an array of rings, got a JSON {_json_kind(raw_poly)}")
        if not raw_poly:
            raise GeoJSONError(f"empty geometry: {where} has no rings")
        rings = [_parse_ring(raw_ring, f"{where}, {'outer ring' if r_index == 0 else f'hole {r_index}'}")
                 for r_index, raw_ring in enumerate(raw_poly)]
        polygons.append(rings)
    return District(polygons=polygons, geometry=doc, properties=properties)


def _parse_ring(raw: Any, where: str) -> Ring:
    if not isinstance(raw, list):
        raise GeoJSONError(f"{where}: expected an array of positions, got a JSON {_json_kind(raw)}")
    if raw and not isinstance(raw[0], list):
        raise GeoJSONError(
            f"{where}: expected an array of [lon, lat] positions, got {_short(raw)}; the "
            "coordinates are nested one level too shallow for the geometry's type")
    if raw and raw[0] and isinstance(raw[0][0], list):
        raise GeoJSONError(
            f"{where}: expected an array of [lon, lat] positions, got {_short(raw)}; the "
            "coordinates are nested one level too deep for the geometry's type")
    if len(raw) < 4:
        raise GeoJSONError(
            f"{where} has {len(raw)} position{'s' if len(raw) != 1 else ''}; a ring needs at "
            "least 4 (a triangle plus the first position repeated to close it)")
    points = np.empty((len(raw), 2), dtype=float)
    for i, pos in enumerate(raw):
        if not isinstance(pos, list) or len(pos) < 2:
            raise GeoJSONError(f"{where}, position {i + 1}: expected [lon, lat], got {_short(pos)}")
        for axis in (0, 1):
            value = pos[axis]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise GeoJSONError(f"{where}, position {i + 1}: coordinate {_short(value)} is not a number")
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):
                raise GeoJSONError(f"{where}, position {i + 1}: coordinate {_short(value)} is not finite")
            points[i, axis] = number
        lon, lat = points[i]
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            hint = ""
            if -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0:
                hint = "; are longitude and latitude swapped?"
            elif abs(lon) > 360 or abs(lat) > 360:
                hint = "; the file looks projected (metres), it must be in lon/lat degrees"
            raise GeoJSONError(
                f"{where}, position {i + 1}: ({lon:g}, {lat:g}) is outside the lon/lat range "
                f"(lon -180..180, lat -90..90){hint}")
        if abs(lat) > MERCATOR_MAX_LAT:
            raise GeoJSONError(
                f"{where}, position {i + 1}: latitude {lat:g} is beyond Web Mercator's limit "
                f"(±{MERCATOR_MAX_LAT:.4f})")
    if not np.array_equal(points[0], points[-1]):
        raise GeoJSONError(
            f"{where} is not closed: it starts at ({points[0, 0]:g}, {points[0, 1]:g}) and ends at "
            f"({points[-1, 0]:g}, {points[-1, 1]:g}); GeoJSON rings repeat the first position last")
    if _ring_area(points) <= 1e-14:
        raise GeoJSONError(f"empty geometry: {where} encloses no area (its positions are collinear)")
    return points


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if _json_kind(value) != "number" else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ---- point in polygon ---------------------------------------------------------


def points_in_polygons(x: Any, y: Any, polygons: Sequence[Any]) -> np.ndarray:
    """Which points (x[i], y[i]) lie inside any of ``polygons``.

    ``polygons`` is a list of polygons, each a list of (N, 2) rings (outer
    ring then holes) in the same frame as the points; a single polygon (a
    list of rings) is accepted too.  Even-odd ray casting within a polygon,
    so holes are honoured whatever their winding; union across polygons.
    Returns a bool array of the points' broadcast shape.

    Points are sorted by y once; each edge then only tests the points whose
    y falls within its span (found by binary search), so the cost is about
    points × (edges a horizontal line crosses), not points × edges.
    """
    px, py = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    shape = px.shape
    px = px.ravel()
    py = py.ravel()
    inside = np.zeros(px.size, dtype=bool)
    if px.size == 0 or len(polygons) == 0:
        return inside.reshape(shape)
    if isinstance(polygons[0], np.ndarray) and np.ndim(polygons[0]) == 2:
        polygons = [polygons]
    order = np.argsort(py, kind="stable")
    xs = px[order]
    ys = py[order]
    inside_sorted = np.zeros(px.size, dtype=bool)
    for poly in polygons:
        parity = np.zeros(px.size, dtype=bool)
        for ring in poly:
            _toggle_crossings(np.asarray(ring, dtype=float), xs, ys, parity)
        inside_sorted |= parity
    inside[order] = inside_sorted
    return inside.reshape(shape)


def _toggle_crossings(ring: np.ndarray, xs: np.ndarray, ys: np.ndarray, parity: np.ndarray) -> None:
    if len(ring) and not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    # A ray to +x from (px, py) crosses edge e when lo_e <= py < hi_e and px
    # is left of the edge at that height; the half-open span makes a vertex
    # shared by two edges count once.
    sloped = y1 != y2
    x1, y1, x2, y2 = x1[sloped], y1[sloped], x2[sloped], y2[sloped]
    lo = np.minimum(y1, y2)
    hi = np.maximum(y1, y2)
    start = np.searchsorted(ys, lo, side="left")
    stop = np.searchsorted(ys, hi, side="left")
    slope = (x2 - x1) / (y2 - y1)
    for e in np.flatnonzero(stop > start):
        a, b = start[e], stop[e]
        x_cross = x1[e] + (ys[a:b] - y1[e]) * slope[e]
        parity[a:b] ^= xs[a:b] < x_cross


def _point_in_ring(lon: float, lat: float, ring: Sequence[Sequence[float]]) -> bool:
    inside = False
    n = len(ring)
    x2, y2 = ring[n - 1][0], ring[n - 1][1]
    for i in range(n):
        x1, y1 = x2, y2
        x2, y2 = ring[i][0], ring[i][1]
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


# ---- the unit grid ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellGeometry:
    """One square unit cell: ``ring`` is closed and counter-clockwise, in the
    district's datum (GCJ-02 for the shipped files); ``grid`` is (col, row)
    counted from the district grid's north-west corner."""

    ring: list[tuple[float, float]]
    center: tuple[float, float]
    area_m2: float
    grid: tuple[int, int]


MAX_GRID_CELLS = 5_000_000  # candidate squares; ~500 km × 1,000 km of 100 m cells


def cut_cells(district: District, cell_size_m: float = 100.0) -> list[CellGeometry]:
    """Cut the district into square cells of ``cell_size_m`` ground metres a
    side, keeping each square whose centre lies inside the district.  Cells
    come in row order (north to south), west to east within a row."""
    if not (isinstance(cell_size_m, int | float) and math.isfinite(cell_size_m) and cell_size_m > 0):
        raise ValueError(f"cell size must be a positive number of metres, not {cell_size_m!r}")
    # Web Mercator stretches lengths by 1/cos(latitude): a 100-unit square at
    # Beijing (39.9°N) is only 77 m on the ground, 5,900 m² instead of the
    # 万米 10,000 m², and the district would get 1.7 times too many cells.
    # Scaling the grid by cos(latitude of the district's centre) makes cells
    # true 100 m squares on the ground while staying square on the map; over
    # the few tenths of a degree a district spans the scale drifts < 0.5%.
    scale = district.local_scale()
    side = cell_size_m / scale
    min_lon, min_lat, max_lon, max_lat = district.bbox
    mx0, my0 = lonlat_to_mercator(min_lon, min_lat)
    mx1, my1 = lonlat_to_mercator(max_lon, max_lat)
    # Anchoring the grid on multiples of the side makes the same outline and
    # size give the same squares every time.
    col0 = math.floor(mx0 / side)
    row_top = math.ceil(my1 / side)
    ncols = math.ceil(mx1 / side) - col0
    nrows = row_top - math.floor(my0 / side)
    if ncols * nrows > MAX_GRID_CELLS:
        raise ValueError(
            f"{ncols} × {nrows} candidate cells of {cell_size_m:g} m: too many; use larger cells")
    centre_x = (col0 + np.arange(ncols) + 0.5) * side
    centre_y = (row_top - np.arange(nrows) - 0.5) * side
    grid_x, grid_y = np.meshgrid(centre_x, centre_y)
    inside = points_in_polygons(grid_x, grid_y, district.mercator_polygons())
    rows, cols = np.nonzero(inside)

    west, north = mercator_to_lonlat((col0 + cols) * side, (row_top - rows) * side)
    east, south = mercator_to_lonlat((col0 + cols + 1) * side, (row_top - rows - 1) * side)
    c_lon, c_lat = mercator_to_lonlat(grid_x[rows, cols], grid_y[rows, cols])
    ground_side = cell_size_m * np.cos(np.radians(c_lat)) / scale
    areas = np.round(ground_side * ground_side, 1).tolist()
    west_l, east_l = np.round(west, 7).tolist(), np.round(east, 7).tolist()
    north_l, south_l = np.round(north, 7).tolist(), np.round(south, 7).tolist()
    c_lon_l, c_lat_l = np.round(c_lon, 7).tolist(), np.round(c_lat, 7).tolist()
    cols_l, rows_l = cols.tolist(), rows.tolist()
    return [
        CellGeometry(
            ring=[(w, s), (e, s), (e, n), (w, n), (w, s)],
            center=(cx, cy),
            area_m2=a,
            grid=(c, r),
        )
        for w, e, n, s, cx, cy, a, c, r in zip(
            west_l, east_l, north_l, south_l, c_lon_l, c_lat_l, areas, cols_l, rows_l, strict=True)
    ]


# ---- spatial index ------------------------------------------------------------


class CellIndex:
    """Point and box lookup over cell rings.

    Rings are bucketed on a uniform grid about twice the typical cell size,
    so a point lookup reads one bucket (a handful of cells) and tests them
    exactly.  Read-only after construction: safe to query from any thread.
    """

    # A box covering more buckets than this is answered by one vectorised
    # pass over all bounding boxes, which is cheaper than visiting buckets.
    _BOX_BUCKET_LIMIT = 512

    def __init__(self, cells: Iterable[tuple[str, Sequence[Sequence[float]]]], *,
                 bboxes: np.ndarray | None = None):
        """``bboxes``: each ring's (min_lon, min_lat, max_lon, max_lat), when the
        caller has them from its own flat array already (the map's cell layer):
        computing them again is most of the build."""
        pairs = list(cells)
        self._codes = [str(code) for code, _ring in pairs]
        self._rings = [ring for _code, ring in pairs]
        self._position = {code: i for i, code in enumerate(self._codes)}
        n = len(pairs)
        if n == 0:
            self._bbox = np.empty((0, 4))
            self._buckets: dict[int, np.ndarray] = {}
            self._size = 1.0
            self._origin = (0.0, 0.0)
            self._dims = (0, 0)
            return
        if bboxes is None:
            self._bbox = _ring_bboxes(self._rings)
        else:
            self._bbox = np.asarray(bboxes, dtype=float)
            if self._bbox.shape != (n, 4):
                raise ValueError(f"bboxes: expected shape ({n}, 4), got {self._bbox.shape}")
        extent = np.maximum(self._bbox[:, 2] - self._bbox[:, 0], self._bbox[:, 3] - self._bbox[:, 1])
        size = 2.0 * float(np.median(extent))
        min_x, min_y = float(self._bbox[:, 0].min()), float(self._bbox[:, 1].min())
        span = max(float(self._bbox[:, 2].max()) - min_x, float(self._bbox[:, 3].max()) - min_y)
        # Keep the bucket grid bounded when a few huge rings or a degenerate
        # median would make it absurdly fine.
        size = max(size, span / 4096, 1e-9)
        self._size = size
        self._origin = (min_x, min_y)
        bx0 = np.floor((self._bbox[:, 0] - min_x) / size).astype(np.int64)
        by0 = np.floor((self._bbox[:, 1] - min_y) / size).astype(np.int64)
        bx1 = np.floor((self._bbox[:, 2] - min_x) / size).astype(np.int64)
        by1 = np.floor((self._bbox[:, 3] - min_y) / size).astype(np.int64)
        self._dims = (int(bx1.max()) + 1, int(by1.max()) + 1)
        nx, ny = bx1 - bx0 + 1, by1 - by0 + 1
        counts = nx * ny
        owner = np.repeat(np.arange(n), counts)
        local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        keys = (bx0[owner] + local % nx[owner]) * self._dims[1] + by0[owner] + local // nx[owner]
        order = np.argsort(keys, kind="stable")
        keys, owner = keys[order], owner[order]
        unique, starts = np.unique(keys, return_index=True)
        groups = np.split(owner, starts[1:])
        self._buckets = dict(zip(unique.tolist(), groups, strict=True))

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, code: object) -> bool:
        return code in self._position

    def ring(self, code: str) -> Sequence[Sequence[float]]:
        return self._rings[self._position[code]]

    def _bucket_of(self, lon: float, lat: float) -> tuple[int, int]:
        return (math.floor((lon - self._origin[0]) / self._size),
                math.floor((lat - self._origin[1]) / self._size))

    def cell_at(self, lon: float, lat: float) -> str | None:
        """The code of the cell containing (lon, lat), or None.  A point on
        the edge two cells share belongs to exactly one of them."""
        if not self._codes or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        bx, by = self._bucket_of(lon, lat)
        if not (0 <= bx < self._dims[0] and 0 <= by < self._dims[1]):
            return None
        candidates = self._buckets.get(bx * self._dims[1] + by)
        if candidates is None:
            return None
        for i in candidates.tolist():
            b = self._bbox[i]
            if b[0] <= lon <= b[2] and b[1] <= lat <= b[3] and _point_in_ring(lon, lat, self._rings[i]):
                return self._codes[i]
        return None

    def cells_in_box(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[str]:
        """Codes of the cells whose bounding box meets the box (what a map
        view must draw), in the order the cells were given."""
        if min_lon > max_lon or min_lat > max_lat:
            raise ValueError(f"empty box: ({min_lon}, {min_lat}) is not below-left of ({max_lon}, {max_lat})")
        if not self._codes:
            return []
        bx0, by0 = self._bucket_of(min_lon, min_lat)
        bx1, by1 = self._bucket_of(max_lon, max_lat)
        bx0, by0 = max(bx0, 0), max(by0, 0)
        bx1, by1 = min(bx1, self._dims[0] - 1), min(by1, self._dims[1] - 1)
        if bx0 > bx1 or by0 > by1:
            return []
        if (bx1 - bx0 + 1) * (by1 - by0 + 1) > self._BOX_BUCKET_LIMIT:
            candidates = np.arange(len(self._codes))
        else:
            found = [self._buckets[key] for key in (
                bx * self._dims[1] + by for bx in range(bx0, bx1 + 1) for by in range(by0, by1 + 1))
                if key in self._buckets]
            if not found:
                return []
            candidates = np.unique(np.concatenate(found))
        b = self._bbox[candidates]
        hit = (b[:, 0] <= max_lon) & (b[:, 2] >= min_lon) & (b[:, 1] <= max_lat) & (b[:, 3] >= min_lat)
        return [self._codes[i] for i in candidates[hit].tolist()]


def _ring_bboxes(rings: list[Sequence[Sequence[float]]]) -> np.ndarray:
    lengths = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    if (lengths == 0).any():
        raise ValueError("a cell ring has no points")
    total = int(lengths.sum())
    try:
        flat = np.fromiter(itertools.chain.from_iterable(itertools.chain.from_iterable(rings)),
                           dtype=float, count=2 * total)
    except ValueError:
        flat = None  # points with a third coordinate: take the slow, exact path
    if flat is not None:
        points = flat.reshape(total, 2)
    else:
        points = np.concatenate([np.asarray(r, dtype=float)[:, :2] for r in rings])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return np.column_stack([
        np.minimum.reduceat(points[:, 0], starts), np.minimum.reduceat(points[:, 1], starts),
        np.maximum.reduceat(points[:, 0], starts), np.maximum.reduceat(points[:, 1], starts),
    ])


# ---- grouping -----------------------------------------------------------------


def partition(points: Any, k: int, seed: int = 0, *, init: Any = None,
              max_iter: int = 100) -> np.ndarray:
    """Group (N, 2) points into ``k`` compact clusters with k-means.

    Deterministic for a given seed.  Pass points in a metric frame (degrees
    of longitude are shorter than degrees of latitude).  With ``init`` (k
    starting centres) cluster i grows from init[i]; without it, centres
    start k-means++ style and labels are numbered in reading order of the
    cluster centres (bands about one cluster high, north to south, west to
    east within a band), so neighbouring codes sit near each other.
    Every label in 0..k-1 is used.
    """
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be an (N, 2) array, not shape {pts.shape}")
    n = len(pts)
    if not 1 <= k <= n:
        raise ValueError(f"cannot make {k} groups of {n} points")
    rng = np.random.default_rng(seed)
    origin = pts.mean(axis=0)
    pts = pts - origin
    if init is not None:
        centres = np.array(init, dtype=float)
        if centres.shape != (k, 2):
            raise ValueError(f"init must hold {k} (x, y) centres, not shape {centres.shape}")
        centres = centres - origin
    else:
        centres = _kmeans_plus_plus(pts, k, rng)
    labels = np.full(n, -1, dtype=np.int64)
    for _ in range(max_iter):
        dist = _squared_distances(pts, centres)
        new_labels = np.argmin(dist, axis=1)
        counts = np.bincount(new_labels, minlength=k)
        while (counts == 0).any():
            # Give an empty cluster the point worst served by its centre,
            # never the last point of a cluster (n >= k, so one exists).
            served = dist[np.arange(n), new_labels]
            served[counts[new_labels] <= 1] = -1.0
            worst = int(np.argmax(served))
            new_labels[worst] = int(np.flatnonzero(counts == 0)[0])
            counts = np.bincount(new_labels, minlength=k)
        moved = int(np.count_nonzero(new_labels != labels))
        labels = new_labels
        # The last iterations only trade a few boundary points between
        # neighbours; stopping there changes nothing anyone would notice.
        if moved <= n // 1000:
            break
        sums = np.zeros((k, 2))
        np.add.at(sums, labels, pts)
        centres = sums / counts[:, None]
    if init is None:
        # Reading order: bands about one cluster high, west to east in each.
        span = pts.max(axis=0) - pts.min(axis=0)
        band = max(math.sqrt(max(span[0], 1e-12) * max(span[1], 1e-12) / k), 1e-12)
        rows = np.floor((pts[:, 1].max() - centres[:, 1]) / band)
        order = np.lexsort((centres[:, 0], rows))
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k)
        labels = rank[labels]
    return labels


def _squared_distances(pts: np.ndarray, centres: np.ndarray) -> np.ndarray:
    # |p|² - 2 p·c + |c|² as one matrix product: several times faster than
    # materialising every difference.  Callers centre the points first, so
    # the cancellation costs no meaningful precision.
    dist = (pts * pts).sum(axis=1)[:, None] - 2.0 * (pts @ centres.T) + (centres * centres).sum(axis=1)[None, :]
    return np.maximum(dist, 0.0)


def _kmeans_plus_plus(pts: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = np.empty((k, 2))
    centres[0] = pts[rng.integers(len(pts))]
    nearest = ((pts - centres[0]) ** 2).sum(axis=1)
    for i in range(1, k):
        total = nearest.sum()
        if total <= 0:
            choice = int(rng.integers(len(pts)))
        else:
            drawn = int(np.searchsorted(np.cumsum(nearest), rng.random() * total, side="right"))
            choice = min(drawn, len(pts) - 1)
        centres[i] = pts[choice]
        nearest = np.minimum(nearest, ((pts - centres[i]) ** 2).sum(axis=1))
    return centres
