"""The demo district's cells: the outline cut into 万米 unit cells (core.geo),
grouped into streets and communities (GB/T 30428 codes), graded by distance
from the urban centre, each street with its office.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from core.cellcode import CellCode
from core.geo import (
    CellGeometry,
    District,
    cut_cells,
    lonlat_to_mercator,
    partition,
)
from core.timeutil import CST, to_iso
from server.demo.model import CELLS_PER_COMMUNITY, HISTORY_DAYS, DemoData, DemoError, DemoOptions


def lay_out(district: District, code: str, names: dict[str, Any], place: dict[str, Any],
            data: DemoData, options: DemoOptions, rng: random.Random, now: datetime
            ) -> tuple[list[CellGeometry], list[str], list[str], dict[str, str]]:
    """Cut the district into 万米 cells, group them into streets and
    communities, and give each street its office (a department).  Fills
    ``data.regions``, ``data.departments`` and ``data.cells``; returns the
    cell geometries, their grades, their codes (in geometry order) and the
    community names by code, which the cases are placed with."""
    geoms = cut_cells(district, options.cell_size_m)
    if not geoms:
        raise DemoError("the district outline is too small to hold a single cell")
    centres = np.array([g.center for g in geoms])
    mx, my = lonlat_to_mercator(centres[:, 0], centres[:, 1])
    points = np.column_stack([mx, my])
    urban = place.get("centre") or list(district.center)
    ux, uy = lonlat_to_mercator(float(urban[0]), float(urban[1]))
    distance = np.hypot(points[:, 0] - ux, points[:, 1] - uy)

    streets, street_of_cell = _streets(place, points, distance, options.seed)
    data.regions.append({"code": code, "level": "district", "name": data.district_name,
                         "parent_code": None,
                         "geometry": json.dumps(district.geometry, ensure_ascii=False,
                                                separators=(",", ":"))})
    office_name = names["street_office"]["name"]
    for street in streets:
        street["code"] = code + street["number"]
        data.regions.append({"code": street["code"], "level": "street", "name": street["name"],
                             "parent_code": code, "geometry": None})
    for dept in names["departments"]:
        data.departments.append({"department_id": dept["id"],
                                 "name": dept["name"].format(district=data.district_name),
                                 "kind": dept["kind"], "street_code": None})
    for street in streets:
        street["office"] = names["street_office"]["id"].format(code=street["code"])
        template = office_name.get(street["kind"], office_name["street"])
        data.departments.append({"department_id": street["office"],
                                 "name": template.format(street=street["name"]),
                                 "kind": names["street_office"]["kind"],
                                 "street_code": street["code"]})

    grades = _grades(distance, place.get("grade_shares") or [0.2, 0.4, 0.4])
    community_names = _community_names(names["community_names"], rng)
    valid_from = to_iso(datetime.combine(now.date() - timedelta(days=HISTORY_DAYS + 30),
                                         datetime.min.time(), CST))
    cell_street: list[dict[str, Any]] = [streets[0]] * len(geoms)
    cell_code_of: list[str] = [""] * len(geoms)
    for s_index, street in enumerate(streets):
        members = np.flatnonzero(street_of_cell == s_index)
        k = max(1, min(len(members), round(len(members) / CELLS_PER_COMMUNITY)))
        if k > 999:
            raise DemoError(f"{street['name']} would need {k} communities; codes allow 999")
        labels = partition(points[members], k, options.seed + s_index + 1)
        for c_index in range(k):
            in_community = members[labels == c_index]  # row order: north to south
            if len(in_community) > 999:
                raise DemoError(f"a community of {street['name']} would hold {len(in_community)} "
                                "cells; codes allow 999")
            community_code = CellCode.build(code, int(street["number"]), c_index + 1, 1).community_code
            data.regions.append({"code": community_code, "level": "community",
                                 "name": next(community_names), "parent_code": street["code"],
                                 "geometry": None})
            for seq, i in enumerate(in_community.tolist(), start=1):
                cell_code = str(CellCode.build(code, int(street["number"]), c_index + 1, seq))
                cell_street[i] = street
                cell_code_of[i] = cell_code
    community_name = {r["code"]: r["name"] for r in data.regions if r["level"] == "community"}
    for i, geom in enumerate(geoms):
        cell_code = cell_code_of[i]
        data.cells.append({
            "code": cell_code, "community_code": cell_code[:12], "street_code": cell_code[:9],
            "grade": grades[i], "area_m2": geom.area_m2, "department_id": cell_street[i]["office"],
            "center_lon": geom.center[0], "center_lat": geom.center[1],
            "ring": json.dumps(geom.ring, separators=(",", ":")),
            "valid_from": valid_from, "valid_to": None,
        })
    data.cells.sort(key=lambda r: r["code"])
    return geoms, grades, cell_code_of, community_name


def _streets(place: dict[str, Any], points: np.ndarray, distance: np.ndarray,
             seed: int) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Street records (name, kind, 3-digit number) and each cell's street index."""
    listed = [dict(item) for item in place["streets"]]
    if not listed:
        raise DemoError("the names file lists no streets for this district")
    listed = listed[:len(points)]
    counters = {"street": 0, "town": 100}
    for item in listed:
        kind = item.get("kind", "street")
        if kind not in counters:
            raise DemoError(f"street {item['name']}: kind must be street or town, not {kind!r}")
        counters[kind] += 1
        item["kind"] = kind
        item["number"] = f"{counters[kind]:03d}"
    k = len(listed)
    if all("anchor" in item for item in listed):
        # Growing each street from where it really is keeps the demo map
        # recognisable to people who know the district.
        anchors = np.array([item["anchor"] for item in listed], dtype=float)
        ax, ay = lonlat_to_mercator(anchors[:, 0], anchors[:, 1])
        labels = partition(points, k, seed, init=np.column_stack([ax, ay]))
        return listed, labels
    labels = partition(points, k, seed)
    # Without anchors, the old town's 街道 take the clusters nearest the urban
    # centre and the 镇 the outer ones, which is how districts are shaped.
    mean_distance = np.array([distance[labels == i].mean() for i in range(k)])
    by_centrality = np.argsort(mean_distance, kind="stable")
    ordered = sorted(range(k), key=lambda i: (listed[i]["kind"] != "street", i))
    name_of_cluster = np.empty(k, dtype=np.int64)
    for cluster, name_index in zip(by_centrality.tolist(), ordered, strict=True):
        name_of_cluster[cluster] = name_index
    return listed, name_of_cluster[labels]


def _grades(distance: np.ndarray, shares: Sequence[float]) -> list[str]:
    a, b = float(shares[0]), float(shares[0]) + float(shares[1])
    rank = np.empty(len(distance))
    rank[np.argsort(distance, kind="stable")] = (np.arange(len(distance)) + 0.5) / len(distance)
    return np.where(rank < a, "A", np.where(rank < b, "B", "C")).tolist()


def _community_names(parts: dict[str, Any], rng: random.Random) -> Iterator[str]:
    combos = [d + f + sec for d in parts["directions"] for f in parts["first"] for sec in parts["second"]]
    rng.shuffle(combos)
    suffix = parts["suffix"]
    round_no = 1
    while True:
        for combo in combos:
            yield combo + suffix + (str(round_no) if round_no > 1 else "")
        round_no += 1


__all__ = ["lay_out"]
