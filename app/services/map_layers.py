"""Turns the local store into what the map draws: numpy arrays in Web Mercator.

Geodetic coordinates are converted once, here, at the edge: cells and
cases are GCJ-02 (the district's datum), vehicle fixes are WGS-84 and are
shifted to GCJ-02 before projecting, so everything lines up.

Threading: the thread of the store given.  The main window reads the case
cell, case and vehicle layers as queries on the background runner's "map"
lane (its own store connection) and gets plain arrays back; a change
re-reads only the cases it names (``case_points`` + ``merge_case_layer``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from app.store.replica import LocalStore
from app.store.vehicles import OFFLINE_AFTER_S, STALE_AFTER_S, VehicleStore, wgs_to_map
from core.coords import wgs84_to_gcj02_array
from core.geo import CellIndex, lonlat_to_mercator, mercator_to_lonlat
from core.positions import FixFlag, VehicleKind
from core.sla import sla_state
from core.timeutil import from_iso, now_cst

VEHICLE_KINDS = [k.value for k in VehicleKind]


@dataclass
class CellLayerData:
    """Every cell's ring, packed: ring i is ``xy[start[i]:start[i + 1]]``."""

    codes: list[str]
    xy: np.ndarray  # (M, 2) mercator metres, the rings one after another
    start: np.ndarray  # (len(codes) + 1,) offsets of each ring into xy
    index: CellIndex  # point lookup, in lon/lat

    @property
    def rings(self) -> list[np.ndarray]:
        """One (N, 2) mercator array per cell (views into ``xy``)."""
        return [self.xy[a:b] for a, b in zip(self.start[:-1].tolist(), self.start[1:].tolist(), strict=True)]


@dataclass
class VehicleLayerData:
    ids: list[str]
    x: np.ndarray
    y: np.ndarray
    heading: np.ndarray
    kind: np.ndarray  # index into VEHICLE_KINDS
    state: np.ndarray  # 0 online, 1 stale, 2 offline


@dataclass
class AlarmLayerData:
    ids: list[str]  # vehicle ids
    x: np.ndarray
    y: np.ndarray
    severity: np.ndarray  # 0 minor, 1 major, 2 critical (app.views.map.canvas ALARM_*)


@dataclass
class CaseLayerData:
    ids: list[str]
    x: np.ndarray
    y: np.ndarray
    sla: np.ndarray


def _ring_to_mercator(ring: list[list[float]]) -> np.ndarray:
    arr = np.asarray(ring, dtype=float)
    x, y = lonlat_to_mercator(arr[:, 0], arr[:, 1])
    return np.column_stack([x, y])


def district_outline(store: LocalStore) -> list[np.ndarray]:
    district = store.district()
    if not district or not district.get("geometry"):
        return []
    geometry = json.loads(district["geometry"])
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [_ring_to_mercator(ring) for polygon in polygons for ring in polygon]


def cell_layer(store: LocalStore) -> CellLayerData:
    """The cells as the map draws them and the index that finds a point's cell.

    Vectorised (59k cells): one read, every ring's points in one flat array,
    one mercator conversion over all of it, bounding boxes by ``reduceat``;
    the same numbers, bit for bit, as converting ring by ring."""
    pairs = store.cell_rings()
    codes = [code for code, _ring in pairs]
    rings = [ring for _code, ring in pairs]
    lengths = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    if (lengths == 0).any():
        raise ValueError(f"cell {codes[int(np.argmax(lengths == 0))]}: its ring has no points")
    start = np.zeros(len(rings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=start[1:])
    lonlat = _flat_points(rings, int(start[-1]))
    x, y = lonlat_to_mercator(lonlat[:, 0], lonlat[:, 1])
    xy = np.column_stack([x, y]) if len(lonlat) else np.zeros((0, 2))
    if rings:
        first = start[:-1]
        bboxes = np.column_stack([np.minimum.reduceat(lonlat[:, 0], first), np.minimum.reduceat(lonlat[:, 1], first),
                                  np.maximum.reduceat(lonlat[:, 0], first), np.maximum.reduceat(lonlat[:, 1], first)])
    else:
        bboxes = np.zeros((0, 4))
    # The index keeps each ring as a view into ``lonlat``, not as the parsed
    # lists: 360k small lists kept alive would be walked by every collection of
    # Python's cyclic collector on the UI thread (73 ms at the first, at startup).
    # (An (N, 2) array indexes like a sequence of points, which is all the index asks.)
    views = cast(list[Sequence[Sequence[float]]],
                 [lonlat[a:b] for a, b in zip(start[:-1].tolist(), start[1:].tolist(), strict=True)])
    return CellLayerData(codes, xy, start, CellIndex(zip(codes, views, strict=True), bboxes=bboxes))


def _flat_points(rings: list[list[list[float]]], total: int) -> np.ndarray:
    """Every ring's points, one after another, as a (total, 2) lon/lat array."""
    flat = np.fromiter(itertools.chain.from_iterable(itertools.chain.from_iterable(rings)), dtype=float)
    if flat.size == 2 * total:
        return flat.reshape(total, 2)
    # Not two numbers a point (a third coordinate): the slow, exact way.
    return np.concatenate([np.asarray(ring, dtype=float)[:, :2] for ring in rings])


def vehicle_layer(store: LocalStore) -> VehicleLayerData:
    rows = [r for r in store.vehicles_with_positions() if not (r["flags"] or 0) & (FixFlag.ZERO | FixFlag.OUTSIDE_CHINA)]
    if not rows:
        empty = np.zeros(0)
        return VehicleLayerData([], empty, empty, empty, empty.astype(int), empty.astype(int))
    lon = np.array([r["lon"] for r in rows], dtype=float)
    lat = np.array([r["lat"] for r in rows], dtype=float)
    glon, glat = wgs84_to_gcj02_array(lon, lat)
    x, y = lonlat_to_mercator(glon, glat)
    now = now_cst()
    ages = np.array([(now - from_iso(r["device_time"])).total_seconds() for r in rows])
    state = np.where(ages > OFFLINE_AFTER_S, 2, np.where(ages > STALE_AFTER_S, 1, 0))
    kinds = np.array([VEHICLE_KINDS.index(r["kind"]) if r["kind"] in VEHICLE_KINDS else 0 for r in rows])
    return VehicleLayerData([r["vehicle_id"] for r in rows], np.asarray(x), np.asarray(y),
                            np.array([r["heading"] or 0 for r in rows], dtype=float), kinds, state)


# JT/T 808 alarm DWORD bit 0: the driver pressed the emergency button.
_EMERGENCY_BIT = 0x1


def alarm_layer(store: LocalStore) -> AlarmLayerData:
    """Vehicles whose latest fix carries terminal alarm bits, at that fix.

    Emergency (bit 0) is critical, any other bit major.  Fixes that must not
    be drawn as truth (zero, outside China) are left out like on the vehicle
    layer.
    """
    # Also every vehicle with an alarm in the queue (app/store/vehicles.py) that is
    # still on or that nobody has acknowledged yet, at its worst severity.
    queued = VehicleStore(store).vehicle_alarm_levels()
    rows = [r for r in store.vehicles_with_positions()
            if (r.get("alarm") or r["vehicle_id"] in queued)
            and not (r["flags"] or 0) & (FixFlag.ZERO | FixFlag.OUTSIDE_CHINA)]
    if not rows:
        empty = np.zeros(0)
        return AlarmLayerData([], empty, empty, empty.astype(int))
    x, y = wgs_to_map([r["lon"] for r in rows], [r["lat"] for r in rows])
    levels = {"minor": 0, "major": 1, "critical": 2}
    severity = np.array([max(2 if int(r["alarm"] or 0) & _EMERGENCY_BIT else 1 if r["alarm"] else 0,
                             levels.get(queued.get(r["vehicle_id"], ""), 0)) for r in rows], dtype=int)
    return AlarmLayerData([r["vehicle_id"] for r in rows], x, y, severity)


def case_layer(store: LocalStore, now: str) -> CaseLayerData:
    """Every open, located case."""
    return _case_layer(store.open_case_points(), now)


def case_points(store: LocalStore, case_ids: set[str], now: str) -> CaseLayerData:
    """The named cases that are open and located (the others are gone from the map)."""
    return _case_layer(store.open_case_points(case_ids), now)


def merge_case_layer(current: CaseLayerData, changed: set[str], fresh: CaseLayerData) -> CaseLayerData:
    """``current`` with the ``changed`` cases replaced by ``fresh`` (the
    points of those of them still open and located)."""
    keep = np.fromiter((case_id not in changed for case_id in current.ids), dtype=bool, count=len(current.ids))
    ids = [case_id for case_id, kept in zip(current.ids, keep, strict=True) if kept] + fresh.ids
    return CaseLayerData(ids, np.concatenate([current.x[keep], fresh.x]), np.concatenate([current.y[keep], fresh.y]),
                         np.concatenate([current.sla[keep], fresh.sla]).astype(int))


def _case_layer(rows: list[dict], now: str) -> CaseLayerData:
    if not rows:
        empty = np.zeros(0)
        return CaseLayerData([], empty, empty, empty.astype(int))
    x, y = lonlat_to_mercator(np.array([r["lon"] for r in rows]), np.array([r["lat"] for r in rows]))
    sla = np.array([sla_state(r["deadline"], now) for r in rows], dtype=int)
    return CaseLayerData([r["case_id"] for r in rows], np.asarray(x), np.asarray(y), sla)


def point_to_lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = mercator_to_lonlat(x, y)
    return float(lon), float(lat)
