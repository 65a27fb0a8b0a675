"""``python -m server.demo DISTRICT.geojson``: fill an empty server database
with a demo district.

The district outline is cut into 万米 unit cells (core.geo), grouped into
streets and communities, and given departments, vehicles, demo users and a
history of cases.  Every case is built by applying real commands through
core.cases.apply_command, so its state, deadline and timeline are exactly
what the case rules produce; official numbers come from the store's daily
counters.  A fixed seed (and ``--now``) makes a run reproducible.

Bad input changes nothing: the outline is validated, and the whole demo is
generated in memory, before the database is touched; a database that
already holds cells is refused.  Exit status 2 for both.

Names, places, templates and mixes live in resources/demo/names.json.
Single-threaded; it writes through ServerStore like the API does.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from core.cases import (
    CaseEvent,
    CaseSource,
    CaseState,
    CaseStatus,
    Command,
    CommandKind,
    Role,
    RuleContext,
    apply_command,
)
from core.categories import Category, CategoryTree, LimitUnit, TimeLimit, Urgency
from core.cellcode import CellCode, CellCodeError
from core.geo import (
    CellGeometry,
    District,
    GeoJSONError,
    cut_cells,
    lonlat_to_mercator,
    parse_district_geojson,
    partition,
)
from core.positions import VehicleKind
from core.resources import load_categories, resource
from core.timeutil import CST, from_iso, now_cst, to_iso
from core.worktime import WorkCalendar
from server.storage.store import ServerStore

EXIT_BAD_INPUT = 2
DEFAULT_DB = "sqlite:///var/server.db"
CELLS_PER_COMMUNITY = 30  # 万米 practice: a community holds a few dozen cells
HISTORY_DAYS = 60
MINUTE = timedelta(minutes=1)


class DemoError(Exception):
    """The demo cannot be built or written; the message says why."""


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 7
    closed: int = 2000
    open: int = 150
    vehicles: int = 120
    now: datetime | None = None  # the moment the history ends; default: now
    cell_size_m: float = 100.0


@dataclass
class DemoUser:
    username: str
    display_name: str
    role: Role
    password: str
    department_id: str | None = None

    @property
    def workstation(self) -> str:
        return f"ws-{self.username}"


@dataclass
class DemoData:
    """Everything the demo writes, as table rows, before any of it is written."""

    district_code: str
    district_name: str
    regions: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)
    users: list[DemoUser] = field(default_factory=list)
    cases: list[CaseState] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)

    def count(self, level: str) -> int:
        return sum(1 for r in self.regions if r["level"] == level)

    def summary(self) -> str:
        closed = sum(1 for c in self.cases if c.status is CaseStatus.CLOSED)
        return (f"demo district {self.district_code} {self.district_name}: {len(self.cells)} cells, "
                f"{self.count('street')} streets, {self.count('community')} communities, "
                f"{len(self.departments)} departments, {len(self.vehicles)} vehicles, "
                f"{len(self.users)} users, {len(self.cases)} cases "
                f"({closed} closed, {len(self.cases) - closed} open)")


# ---- inputs -------------------------------------------------------------------


def load_names(path: str | Path | None = None) -> dict[str, Any]:
    target = Path(path) if path else resource("demo", "names.json")
    try:
        names = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DemoError(f"cannot read the demo names file {target}: {exc}") from exc
    for key in ("departments", "dispatch_overrides", "street_office", "users", "department_user", "districts",
                "default_district", "community_names", "vehicles", "case_mix",
                "address_templates", "return_reasons", "rework_reasons", "descriptions"):
        if key not in names:
            raise DemoError(f"the demo names file {target} has no {key!r} section")
    return names


def check_district_code(code: str) -> str:
    """``code`` if it is a 6-digit GB/T 2260 district code, else DemoError."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise DemoError(f"{code!r} is not a 6-digit district code (GB/T 2260, e.g. 110101)")
    try:
        CellCode.build(code, 1, 1, 1)
    except CellCodeError as exc:
        raise DemoError(f"{code!r} is not a district code: {exc}") from exc
    return code


def district_code_from_path(path: str | Path) -> str:
    """The district code a district file is named after (110101.geojson)."""
    name = Path(path).name
    try:
        return check_district_code(name.split(".")[0])
    except DemoError as exc:
        raise DemoError(f"{name}: the file must be named after its district code "
                        f"(e.g. 110101.geojson), or pass --district: {exc}") from exc


def read_district(path: str | Path) -> District:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DemoError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return parse_district_geojson(raw)
    except GeoJSONError as exc:
        raise DemoError(f"{path}: malformed district outline: {exc}") from exc


# ---- generation ---------------------------------------------------------------


def generate(district: District, code: str, names: dict[str, Any], categories: CategoryTree,
             calendar: WorkCalendar, options: DemoOptions) -> DemoData:
    """Build the whole demo in memory.  Pure apart from reading the clock
    when ``options.now`` is None."""
    if min(options.closed, options.open, options.vehicles) < 0:
        raise DemoError("counts of cases and vehicles cannot be negative")
    place = dict(names["default_district"])
    place.update(names["districts"].get(code, {}))
    if code not in names["districts"] and district.properties.get("name"):
        place["name"] = str(district.properties["name"])
    rng = random.Random(options.seed)
    now = _now(options)
    data = DemoData(district_code=code, district_name=str(place["name"]))

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

    data.vehicles = _vehicles(names["vehicles"], place, options.vehicles, rng)
    data.users = _users(names, data.departments)
    factory = _CaseFactory(names, categories, calendar, data, geoms, grades, cell_code_of,
                           community_name, place, rng, now)
    data.cases, data.events = factory.build(options.closed, options.open)
    return data


def _now(options: DemoOptions) -> datetime:
    moment = options.now or now_cst()
    if moment.tzinfo is None:
        raise DemoError("--now must carry a time zone, e.g. 2025-06-16T10:00:00+08:00")
    return moment.astimezone(CST).replace(microsecond=0)


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


def _vehicles(spec: dict[str, Any], place: dict[str, Any], total: int,
              rng: random.Random) -> list[dict[str, Any]]:
    kinds = spec["kinds"]
    for kind in kinds:
        VehicleKind(kind)  # a typo in the names file fails loudly
    shares = {k: float(v["share"]) for k, v in kinds.items()}
    counts = _apportion(shares, total)
    prefixes = place["plate_prefixes"]
    letters = spec["plate_letters"]
    phones = rng.sample(range(10**8), total)
    plates: set[str] = set()
    rows = []
    number = 0
    for kind, count in counts.items():
        for _ in range(count):
            while True:
                body = [rng.choice("0123456789") for _ in range(5)]
                if rng.random() < 0.4:
                    body[0] = rng.choice(letters)
                plate = rng.choice(prefixes) + "".join(body)
                if plate not in plates:
                    plates.add(plate)
                    break
            rows.append({"vehicle_id": f"veh-{number + 1:04d}", "plate": plate, "kind": kind,
                         "terminal_phone": f"{spec['terminal_prefix']}{phones[number]:08d}",
                         "department_id": kinds[kind]["department"]})
            number += 1
    return rows


def _apportion(shares: dict[str, float], total: int) -> dict[str, int]:
    """Largest-remainder split of ``total`` by ``shares``."""
    weight = sum(shares.values())
    exact = {k: total * v / weight for k, v in shares.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:total - sum(counts.values())]:
        counts[k] += 1
    return counts


def _users(names: dict[str, Any], departments: list[dict[str, Any]]) -> list[DemoUser]:
    users = [DemoUser(u["username"], u["display_name"], Role(u["role"]), u["password"],
                      u.get("department")) for u in names["users"]]
    staffed = {u.department_id for u in users if u.role is Role.DEPARTMENT}
    template = names["department_user"]
    for dept in departments:
        if dept["department_id"] in staffed:
            continue
        users.append(DemoUser(template["username"].format(id=dept["department_id"]),
                              template["display_name"].format(department=dept["name"]),
                              Role.DEPARTMENT, template["password"], dept["department_id"]))
    return users


Step = tuple[CommandKind, datetime, DemoUser, dict[str, Any]]


class _CaseFactory:
    """Plans each case's history and plays it through the case rules."""

    def __init__(self, names: dict[str, Any], categories: CategoryTree, calendar: WorkCalendar,
                 data: DemoData, geoms: list[CellGeometry], grades: list[str],
                 cell_codes: list[str], community_name: dict[str, str], place: dict[str, Any],
                 rng: random.Random, now: datetime):
        self.names = names
        self.mix = names["case_mix"]
        self.categories = categories
        self.calendar = calendar
        self.rng = rng
        self.now = now
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.geoms = geoms
        self.cell_codes = cell_codes
        self.community_name = community_name
        self.roads = list(place["roads"])
        weight = {"A": 3.0, "B": 2.0, "C": 1.0}
        self.cell_cum = list(np.cumsum([weight[g] for g in grades]))
        self.users = {u.username: u for u in data.users}
        self.handler = {u.department_id: u for u in data.users if u.role is Role.DEPARTMENT}
        self.desk = {role: next(u for u in data.users if u.role is role)
                     for role in (Role.ACCEPTOR, Role.DISPATCHER, Role.SHIFT_LEADER)}
        dept_ids = {d["department_id"] for d in data.departments}
        cell_set = set(cell_codes)
        self.ctx = {role: RuleContext(role=role, categories=categories, calendar=calendar,
                                      department_exists=dept_ids.__contains__,
                                      cell_exists=cell_set.__contains__)
                    for role in Role}
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        for dept in data.departments:
            if dept["street_code"] is None:
                self.by_kind[dept["kind"]].append(dept["department_id"])
        self.office_of_street = {d["street_code"]: d["department_id"] for d in data.departments
                                 if d["street_code"]}
        self.all_departments = sorted(dept_ids)
        self._category_table()
        sources = self.mix["sources"]
        self.sources = [CaseSource(k) for k in sources]
        self.source_weights = [float(v) for v in sources.values()]
        hours = self.mix["hour_weights"]
        self.hours = [int(h) for h in hours]
        self.hour_weights = [float(w) for w in hours.values()]

    def _category_table(self) -> None:
        classes = self.mix["classes"]
        boost = self.mix.get("subclass_weights", {})
        for key in list(classes) + list(boost):
            if key not in self.categories.classes and key not in self.categories:
                raise DemoError(f"the demo case mix names category {key!r}, which does not exist")
        self.category_keys: list[str] = []
        weights: list[float] = []
        for class_key, share in classes.items():
            members = [c for c in self.categories.subclasses.values() if c.class_key == class_key]
            total = sum(float(boost.get(c.key, 1.0)) for c in members)
            for c in members:
                self.category_keys.append(c.key)
                weights.append(float(share) * float(boost.get(c.key, 1.0)) / total)
        if not self.category_keys:
            raise DemoError("the demo case mix selects no categories")
        self.category_cum = list(np.cumsum(weights))

    # -- random pieces ---------------------------------------------------------

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _minutes(self, lo: float, hi: float) -> timedelta:
        return timedelta(seconds=round(self.rng.uniform(lo, hi) * 60))

    def _pick_cell(self) -> int:
        return self.rng.choices(range(len(self.geoms)), cum_weights=self.cell_cum)[0]

    def _pick_category(self) -> Category:
        key = self.rng.choices(self.category_keys, cum_weights=self.category_cum)[0]
        return self.categories[key]

    def _office_moment(self) -> datetime:
        """A registration time in the history window, in office-ish hours."""
        days = HISTORY_DAYS
        weekend = float(self.mix["weekend_weight"])
        for _ in range(1000):
            day = self.start.date() + timedelta(days=self.rng.randrange(days + 1))
            if not self.calendar.is_workday(day) and self.rng.random() > weekend:
                continue
            hour = self.rng.choices(self.hours, weights=self.hour_weights)[0]
            moment = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60),
                              self.rng.randrange(60), tzinfo=CST)
            if self.start <= moment <= self.now:
                return moment
        return self.start

    def _department_for(self, category: Category, cell_index: int) -> str:
        override = self.names["dispatch_overrides"].get(category.key)
        if override:
            return str(override)
        if category.department_kind == "street_office":
            return self.office_of_street[self.cell_codes[cell_index][:9]]
        choices = self.by_kind.get(category.department_kind)
        if not choices:
            raise DemoError(f"no demo department of kind {category.department_kind!r} "
                            f"handles {category.key} {category.name}")
        return choices[0]

    def _register_payload(self, category: Category, cell_index: int, source: CaseSource,
                          reported: datetime) -> dict[str, Any]:
        geom = self.geoms[cell_index]
        (west, south), _, (east, north) = geom.ring[0], geom.ring[1], geom.ring[2]
        # Inside the square with a margin, so the point maps back to its cell.
        lon = round(west + (east - west) * self.rng.uniform(0.05, 0.95), 6)
        lat = round(south + (north - south) * self.rng.uniform(0.05, 0.95), 6)
        code = self.cell_codes[cell_index]
        road, road2 = self.rng.sample(self.roads, 2)
        address = self.rng.choice(self.names["address_templates"]).format(
            road=road, road2=road2, number=self.rng.randint(1, 300),
            community=self.community_name[code[:12]])
        texts = self.names["descriptions"]
        options = texts.get(category.key) or texts.get(category.class_key) or texts["default"]
        description = self.rng.choice(options).format(
            address=address, category=category.name, n=self.rng.randint(2, 12))
        return {"category": category.key, "cell_code": code, "lon": lon, "lat": lat,
                "source": source.value, "description": description, "address": address,
                "reported_at": to_iso(reported)}

    # -- histories ---------------------------------------------------------------

    def build(self, closed: int, open_: int) -> tuple[list[CaseState], list[CaseEvent]]:
        shares = self.mix["open_status_shares"]
        open_counts = _apportion({k: float(v) for k, v in shares.items()}, open_)
        plans: list[str] = ["closed"] * closed
        for status, count in open_counts.items():
            plans += [status] * count
        cases: list[CaseState] = []
        events: list[CaseEvent] = []
        overdue_share = float(self.mix["overdue_share"])
        for plan in plans:
            if plan == "dispatched" and self.rng.random() < overdue_share:
                plan = "overdue"
            state, timeline = self._make_case(plan)
            cases.append(state)
            events.extend(timeline)
        order = sorted(range(len(cases)), key=lambda i: (cases[i].registered_at, cases[i].case_id))
        return [cases[i] for i in order], sorted(events, key=lambda e: (e.at, e.case_id, e.kind))

    def _make_case(self, plan: str) -> tuple[CaseState, list[CaseEvent]]:
        category = self._pick_category()
        if plan == "overdue" and category.limit.value > 10 and category.limit.unit is LimitUnit.WORK_DAYS:
            plan = "dispatched"  # a month-long limit cannot be overdue in a recent history
        cell = self._pick_cell()
        source = self.rng.choices(self.sources, weights=self.source_weights)[0]
        self._source = source  # hotline cases close by their callback
        right = self._department_for(category, cell)
        planner: Callable[[Category, str], list[Step] | None] = getattr(self, f"_plan_{plan}")
        case_id = self._uuid()
        for _attempt in range(60):
            steps = planner(category, right)
            if steps is None:
                continue
            first = steps[0][1]
            reported = first - (self._minutes(5, 60) if source is CaseSource.HOTLINE
                                else self._minutes(2, 25))
            steps[0] = (CommandKind.REGISTER, first, steps[0][2],
                        self._register_payload(category, cell, source, reported))
            state, timeline = self._play(case_id, steps)
            if plan == "overdue" and not (state.deadline and from_iso(state.deadline) < self.now):
                continue
            if plan == "dispatched" and not (state.deadline and from_iso(state.deadline) > self.now):
                continue
            return state, timeline
        raise DemoError(f"could not plan a {plan} case of {category.key} before {to_iso(self.now)}")

    def _play(self, case_id: str, steps: list[Step]) -> tuple[CaseState, list[CaseEvent]]:
        state: CaseState | None = None
        timeline: list[CaseEvent] = []
        for kind, at, user, payload in steps:
            command = Command(self._uuid(), kind, case_id, payload, user.username, user.workstation,
                              to_iso(at), state.version if state else 0)
            ctx = self.ctx[user.role]
            if user.role is Role.DEPARTMENT:  # a department acts on its own cases
                ctx = dataclasses.replace(ctx, user_department=user.department_id)
            state, event = apply_command(state, command, ctx)
            timeline.append(event)
        assert state is not None
        return state, timeline

    def _wrong_department(self, right: str) -> str:
        return self.rng.choice([d for d in self.all_departments if d != right])

    def _handling_time(self, start: datetime, limit: TimeLimit, fraction: float) -> datetime:
        moment = self.calendar.deadline(start, TimeLimit(limit.value * fraction, limit.unit))
        return max(moment.replace(microsecond=0), start + MINUTE)

    def _lead(self, category: Category) -> timedelta:
        """Registration to dispatch: within 10 minutes for urgent cases,
        30 otherwise (the Taiyuan stage limits)."""
        return self._minutes(2, 9) if category.urgency is not Urgency.NORMAL else self._minutes(3, 25)

    def _dispatch_steps(self, t0: datetime, category: Category, right: str, misdispatch: bool,
                        lead: timedelta | None = None) -> tuple[list[Step], datetime]:
        """Register, then dispatch (possibly to the wrong department first,
        which returns it).  Returns the steps and the final dispatch time."""
        acceptor, dispatcher = self.desk[Role.ACCEPTOR], self.desk[Role.DISPATCHER]
        t = t0 + (lead if lead is not None else self._lead(category))
        steps: list[Step] = [(CommandKind.REGISTER, t0, acceptor, {})]
        if misdispatch:
            wrong = self._wrong_department(right)
            steps.append((CommandKind.DISPATCH, t, dispatcher, {"department_id": wrong}))
            t += self._minutes(20, 180)
            steps.append((CommandKind.RETURN, t, self.handler[wrong],
                          {"reason": self.rng.choice(self.names["return_reasons"])}))
            t += self._minutes(10, 60)
        steps.append((CommandKind.DISPATCH, t, dispatcher, {"department_id": right}))
        return steps, t

    def _plan_closed(self, category: Category, right: str) -> list[Step] | None:
        t0 = self._office_moment()
        misdispatch = self.rng.random() < float(self.mix["misdispatch_share"])
        steps, dispatched = self._dispatch_steps(t0, category, right, misdispatch)
        late = self.rng.random() < float(self.mix["late_share"])
        fraction = self.rng.uniform(1.05, 2.0) if late else self.rng.uniform(0.1, 0.95)
        handled = self._handling_time(dispatched, category.limit, fraction)
        handler, dispatcher = self.handler[right], self.desk[Role.DISPATCHER]
        steps.append((CommandKind.REPORT_HANDLED, handled, handler, {}))
        t = handled
        if self.rng.random() < float(self.mix["rework_share"]):
            t += self._minutes(30, 240)
            steps.append((CommandKind.REWORK, t, dispatcher,
                          {"reason": self.rng.choice(self.names["rework_reasons"])}))
            t = self._handling_time(t, category.limit, self.rng.uniform(0.1, 0.5))
            steps.append((CommandKind.REPORT_HANDLED, t, handler, {}))
        t += self._minutes(20, 120)  # the supervisor's on-site check, recorded at the desk
        steps.append((CommandKind.CHECK, t, dispatcher, {}))
        t += self._minutes(5, 60)
        if self._source is CaseSource.HOTLINE:
            steps.append((CommandKind.CALLBACK, t, self.desk[Role.ACCEPTOR], {"result": "satisfied"}))
        else:
            steps.append((CommandKind.CLOSE, t, self.desk[Role.SHIFT_LEADER], {}))
        return steps if t <= self.now - MINUTE else None

    def _plan_registered(self, category: Category, right: str) -> list[Step] | None:
        return [(CommandKind.REGISTER, self.now - self._minutes(5, 240), self.desk[Role.ACCEPTOR], {})]

    def _recent_dispatch(self, category: Category, right: str,
                         back: timedelta) -> tuple[list[Step], datetime] | None:
        """Register and dispatch so that the dispatch lies ``back`` before now."""
        dispatched = self.now - back
        lead = self._lead(category)
        steps, at = self._dispatch_steps(dispatched - lead, category, right, False, lead)
        return (steps, at) if at < self.now else None

    def _plan_dispatched(self, category: Category, right: str) -> list[Step] | None:
        # Shrink the look-back until the deadline is still ahead: a 2-hour
        # urgent case must have been dispatched within the last 2 hours.
        limit_minutes = 3 * 24 * 60.0
        for _ in range(30):
            back = self._minutes(5, limit_minutes)
            deadline = self.calendar.deadline((self.now - back).replace(microsecond=0), category.limit)
            if deadline > self.now:
                break
            limit_minutes = max(6.0, limit_minutes * 0.6)
        planned = self._recent_dispatch(category, right, back)
        if planned is None:
            return None
        steps, dispatched = planned
        if self.rng.random() < 0.15 and self.now - dispatched > 20 * MINUTE:
            # handled once, sent back by the check, now being redone
            span = (self.now - dispatched).total_seconds() / 60
            handled = dispatched + self._minutes(span * 0.2, span * 0.5)
            rework = handled + self._minutes(span * 0.1, span * 0.4)
            steps += [(CommandKind.REPORT_HANDLED, handled, self.handler[right], {}),
                      (CommandKind.REWORK, rework, self.desk[Role.DISPATCHER],
                       {"reason": self.rng.choice(self.names["rework_reasons"])})]
        return steps

    def _plan_overdue(self, category: Category, right: str) -> list[Step] | None:
        planned = self._recent_dispatch(category, right, self._minutes(4 * 60, 20 * 24 * 60))
        return planned[0] if planned else None

    def _plan_handled(self, category: Category, right: str) -> list[Step] | None:
        planned = self._recent_dispatch(category, right, self._minutes(60, 4 * 24 * 60))
        if planned is None:
            return None
        steps, dispatched = planned
        span = (self.now - dispatched).total_seconds() / 60
        handled = dispatched + self._minutes(max(1.0, span * 0.2), span * 0.95)
        steps.append((CommandKind.REPORT_HANDLED, handled, self.handler[right], {}))
        return steps

    def _plan_returned(self, category: Category, right: str) -> list[Step] | None:
        dispatched = self.now - self._minutes(30, 2 * 24 * 60)
        t0 = dispatched - self._lead(category)
        wrong = self._wrong_department(right)
        span = (self.now - dispatched).total_seconds() / 60
        returned = dispatched + self._minutes(max(1.0, span * 0.1), span * 0.9)
        return [(CommandKind.REGISTER, t0, self.desk[Role.ACCEPTOR], {}),
                (CommandKind.DISPATCH, dispatched, self.desk[Role.DISPATCHER], {"department_id": wrong}),
                (CommandKind.RETURN, returned, self.handler[wrong],
                 {"reason": self.rng.choice(self.names["return_reasons"])})]


# ---- writing --------------------------------------------------------------------


def existing_content(store: ServerStore) -> dict[str, int]:
    """Rows already present that a demo would collide with."""
    return {table: n for table in ("cells", "regions", "departments", "vehicles", "cases")
            if (n := store.count(table))}


def write(store: ServerStore, data: DemoData) -> None:
    """Write the demo through the store in ONE transaction: a run killed
    part-way leaves the database as it was."""
    by_day: dict[str, list[CaseState]] = defaultdict(list)
    for case in data.cases:
        assert case.registered_at is not None
        by_day[from_iso(case.registered_at).strftime("%Y%m%d")].append(case)
    events = []
    for event in data.events:
        row = event.to_dict()
        row["detail"] = json.dumps(row["detail"], ensure_ascii=False)
        events.append(row)
    with store.writing() as conn:
        for day in sorted(by_day):
            first = store.reserve_case_numbers(conn, day, len(by_day[day]))
            for offset, case in enumerate(by_day[day]):  # already in registration order
                case.number = f"{day}{first + offset:05d}"
        taken = store.usernames(conn)
        users = [store.user_row(u.username, u.display_name, u.role, u.password, u.department_id)
                 for u in data.users if u.username not in taken]
        for entity, rows in (("region", data.regions), ("department", data.departments),
                             ("cell", data.cells), ("vehicle", data.vehicles), ("user", users),
                             ("case", [c.to_dict() for c in data.cases]), ("case_event", events)):
            store.insert_entities(conn, entity, rows)


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not parsed.database.startswith("file:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def run(geojson: str | Path, db_url: str = DEFAULT_DB, options: DemoOptions | None = None, *,
        district_code: str | None = None, names_path: str | Path | None = None) -> DemoData:
    """Validate, generate, then write.  Raises DemoError and writes nothing
    when the outline is malformed or the database already holds a district."""
    options = options or DemoOptions()
    code = check_district_code(district_code) if district_code else district_code_from_path(geojson)
    district = read_district(geojson)
    names = load_names(names_path)
    categories = load_categories()
    calendar = WorkCalendar()
    data = generate(district, code, names, categories, calendar, options)
    try:
        _ensure_sqlite_folder(db_url)
    except OSError as exc:
        raise DemoError(f"cannot create the database folder for {db_url}: {exc}") from exc
    try:
        store = ServerStore(db_url, categories=categories, calendar=calendar)
    except SQLAlchemyError as exc:
        raise DemoError(f"cannot open the database {db_url}: {exc}") from exc
    try:
        present = existing_content(store)
        if present:
            listing = ", ".join(f"{n} {table}" for table, n in present.items())
            raise DemoError(f"{db_url} already holds a district ({listing}); the demo only fills "
                            "an empty database, nothing was written")
        write(store, data)
    finally:
        store.close()
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.demo",
                                     description="Fill an empty GridDesk server database with a demo district.")
    parser.add_argument("geojson", help="district outline, GeoJSON in lon/lat (GCJ-02), named CODE.geojson")
    parser.add_argument("--db", default=DEFAULT_DB, help=f"SQLAlchemy URL (default {DEFAULT_DB})")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--closed", type=int, default=2000, help="closed cases in the history")
    parser.add_argument("--open", type=int, default=150, help="open cases")
    parser.add_argument("--vehicles", type=int, default=120)
    parser.add_argument("--district", help="6-digit district code, if the file is not named after it")
    parser.add_argument("--now", help="end of the history, ISO 8601 with offset (default: now)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        now = from_iso(args.now) if args.now else None
    except ValueError as exc:
        print(f"server.demo: error: --now: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = DemoOptions(seed=args.seed, closed=args.closed, open=args.open,
                          vehicles=args.vehicles, now=now)
    try:
        data = run(args.geojson, args.db, options, district_code=args.district)
    except DemoError as exc:
        print(f"server.demo: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{data.summary()} in {time.perf_counter() - started:.1f} s -> {args.db}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
