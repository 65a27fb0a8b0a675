"""server.demo: the demo district, written through the real store into real SQLite."""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.cases import (
    OPEN_STATUSES,
    CaseEvent,
    CaseState,
    CaseStatus,
    Command,
    CommandKind,
    Role,
    RuleContext,
    apply_command,
)
from core.cellcode import CellCode
from core.geo import CellIndex
from core.positions import VehicleKind
from core.resources import load_categories, resource
from core.timeutil import from_iso
from core.worktime import WorkCalendar
from server import demo
from server.storage import schema as s
from server.storage.store import ServerStore

DONGCHENG = resource("districts", "110101.geojson")
ZHANGGONG = resource("districts", "360702.geojson")
NOW = "2025-06-16T10:00:00+08:00"  # a Monday morning, after the Dragon Boat holiday


def rows(store: ServerStore, table) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'nested' / 'server.db'}"  # the folder is created by the demo
    started = time.perf_counter()
    code = demo.main([str(DONGCHENG), "--db", url, "--now", NOW])
    seconds = time.perf_counter() - started
    assert code == 0
    store = ServerStore(url)
    yield store, url, seconds
    store.close()


@pytest.fixture(scope="module")
def tables(built):
    store = built[0]
    return {name: rows(store, table) for name, table in (
        ("regions", s.regions), ("departments", s.departments), ("cells", s.cells),
        ("vehicles", s.vehicles), ("users", s.users), ("cases", s.cases),
        ("case_events", s.case_events))}


def test_dongcheng_is_cut_into_about_4200_valid_cells(built, tables):
    _store, _url, seconds = built
    cells = tables["cells"]
    assert 4200 * 0.95 <= len(cells) <= 4200 * 1.05
    assert seconds < 30
    for cell in cells:
        code = CellCode.parse(cell["code"])
        assert len(cell["code"]) == 15 and code.district == "110101"
        assert code.street_kind == "street"  # Dongcheng has only 街道
        assert cell["community_code"] == code.community_code
        assert cell["street_code"] == code.street_code
        assert cell["grade"] in ("A", "B", "C")
        assert cell["area_m2"] == pytest.approx(10_000, rel=0.01)
        ring = json.loads(cell["ring"])
        assert len(ring) == 5 and ring[0] == ring[-1]
        lons = [p[0] for p in ring]
        lats = [p[1] for p in ring]
        assert min(lons) < cell["center_lon"] < max(lons) and min(lats) < cell["center_lat"] < max(lats)
    assert Counter(c["grade"] for c in cells).keys() == {"A", "B", "C"}


def test_hierarchy_is_consistent(tables):
    regions = {r["code"]: r for r in tables["regions"]}
    levels = Counter(r["level"] for r in regions.values())
    assert levels["district"] == 1 and levels["street"] == 17
    district = regions["110101"]
    assert district["parent_code"] is None
    assert json.loads(district["geometry"]) == json.loads(DONGCHENG.read_text(encoding="utf-8"))
    streets = {r["name"] for r in regions.values() if r["level"] == "street"}
    assert {"东华门街道", "景山街道", "和平里街道", "永定门外街道", "体育馆路街道"} <= streets
    for region in regions.values():
        assert region["name"]
        if region["level"] == "street":
            assert len(region["code"]) == 9 and region["parent_code"] == "110101"
        elif region["level"] == "community":
            assert len(region["code"]) == 12 and region["parent_code"] == region["code"][:9]
            assert regions[region["parent_code"]]["level"] == "street"
    community_names = [r["name"] for r in regions.values() if r["level"] == "community"]
    assert len(community_names) == len(set(community_names))
    offices = {d["street_code"]: d["department_id"] for d in tables["departments"] if d["kind"] == "street_office"}
    assert set(offices) == {c for c, r in regions.items() if r["level"] == "street"}
    per_community = Counter(c["community_code"] for c in tables["cells"])
    assert set(per_community) == {c for c, r in regions.items() if r["level"] == "community"}
    assert 20 <= len(tables["cells"]) / len(per_community) <= 40
    for cell in tables["cells"]:
        assert regions[cell["community_code"]]["level"] == "community"
        assert regions[cell["street_code"]]["level"] == "street"
        assert cell["department_id"] == offices[cell["street_code"]]
    # streets are contiguous-ish: every street's cells sit close to one another
    by_street = defaultdict(list)
    for cell in tables["cells"]:
        by_street[cell["street_code"]].append((cell["center_lon"], cell["center_lat"]))
    for points in by_street.values():
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        assert max(lons) - min(lons) < 0.06 and max(lats) - min(lats) < 0.06


def test_departments_vehicles_and_users(built, tables):
    store = built[0]
    kinds = {d["kind"] for d in tables["departments"]}
    assert kinds == {"sanitation", "roads", "landscaping", "enforcement", "water", "utilities",
                     "traffic", "housing", "street_office", "environment"}
    vehicles = tables["vehicles"]
    assert len(vehicles) == 120
    assert {v["kind"] for v in vehicles} == {k.value for k in VehicleKind}
    phones = [v["terminal_phone"] for v in vehicles]
    assert len(set(phones)) == 120
    assert all(len(p) == 12 and p.isdigit() and p.startswith("0138") for p in phones)
    assert len({v["plate"] for v in vehicles}) == 120
    assert all(v["plate"].startswith("京") and len(v["plate"]) == 7 for v in vehicles)
    departments = {d["department_id"] for d in tables["departments"]}
    assert all(v["department_id"] is None or v["department_id"] in departments for v in vehicles)
    for username, role in (("dispatcher", "dispatcher"), ("leader", "shift_leader"),
                           ("acceptor", "acceptor"), ("dept", "department")):
        login = store.login(username, "demo", "WS-TEST")
        assert login is not None, username
        assert login[1]["role"] == role
    assert store.login("dispatcher", "wrong", "WS-TEST") is None
    handlers = {u["department_id"] for u in tables["users"] if u["role"] == "department"}
    assert handlers == departments


def test_cases_follow_the_rules(tables):
    cases = tables["cases"]
    now = from_iso(NOW)
    statuses = Counter(c["status"] for c in cases)
    assert statuses["closed"] == 2000
    assert sum(n for st, n in statuses.items() if st != "closed") == 150
    assert {"registered", "dispatched", "handled", "returned"} <= set(statuses)
    assert set(statuses) <= {st.value for st in CaseStatus}
    open_dispatched = [c for c in cases if c["status"] == "dispatched"]
    assert all(c["deadline"] and c["department_id"] for c in open_dispatched)
    overdue = [c for c in open_dispatched if from_iso(c["deadline"]) < now]
    assert 0 < len(overdue) < len(open_dispatched)
    assert all(c["deadline"] is None for c in cases if c["status"] in ("registered", "returned"))
    cells = {c["code"] for c in tables["cells"]}
    numbers = set()
    for case in cases:
        assert case["cell_code"] in cells
        registered = from_iso(case["registered_at"])
        assert now - timedelta(days=61) <= registered <= now
        assert from_iso(case["reported_at"]) <= registered
        assert case["number"] == f"{registered:%Y%m%d}{case['number'][8:]}" and len(case["number"]) == 13
        numbers.add(case["number"])
        if case["status"] == "closed":
            assert from_iso(case["closed_at"]) <= now
            assert from_iso(case["dispatched_at"]) < from_iso(case["closed_at"])
    assert len(numbers) == len(cases)
    # numbers count up through each day in registration order
    by_day = defaultdict(list)
    for case in sorted(cases, key=lambda c: c["registered_at"]):
        by_day[case["number"][:8]].append(int(case["number"][8:]))
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in by_day.values())


def test_case_mix_is_realistic(tables):
    cases = tables["cases"]
    classes = Counter(c["category"][:3] for c in cases)
    total = len(cases)
    assert 0.60 <= classes["E01"] / total <= 0.70
    assert 0.19 <= classes["E04"] / total <= 0.29
    assert 0.015 <= classes["E02"] / total <= 0.05
    assert any(k.startswith("C") for k in classes)
    sources = Counter(c["source"] for c in cases)
    assert 0.50 <= sources["hotline"] / total <= 0.60
    assert 0.39 <= sources["supervisor"] / total <= 0.49
    hours = Counter(from_iso(c["registered_at"]).hour for c in cases if c["status"] == "closed")
    assert sum(n for h, n in hours.items() if 8 <= h <= 18) / 2000 > 0.8


def test_replaying_each_history_reproduces_the_stored_case(tables):
    categories = load_categories()
    calendar = WorkCalendar()
    roles = {u["username"]: Role(u["role"]) for u in tables["users"]}
    user_department = {u["username"]: u["department_id"] for u in tables["users"]}
    departments = {d["department_id"] for d in tables["departments"]}
    cells = {c["code"] for c in tables["cells"]}
    contexts = {role: RuleContext(role, categories, calendar, departments.__contains__, cells.__contains__)
                for role in Role}
    events = defaultdict(list)
    for event in tables["case_events"]:
        events[event["case_id"]].append(event)
    assert set(events) == {c["case_id"] for c in tables["cases"]}
    kinds_seen = Counter()
    for row in tables["cases"]:
        stored = CaseState.from_dict(row)
        history = sorted(events[row["case_id"]], key=lambda e: e["version"])
        assert [e["at"] for e in history] == sorted({e["at"] for e in history})  # strictly ordered
        assert history[0]["kind"] == CommandKind.REGISTER.value
        state = None
        for event in history:
            detail = json.loads(event["detail"])
            kind = CommandKind(event["kind"])
            kinds_seen[kind] += 1
            if kind is CommandKind.REGISTER:
                payload = {"category": detail["category"], "cell_code": detail["cell_code"],
                           "lon": stored.lon, "lat": stored.lat, "source": stored.source.value,
                           "description": stored.description, "address": stored.address,
                           "reported_at": stored.reported_at}
            elif kind is CommandKind.DISPATCH:
                payload = {"department_id": detail["department_id"]}
            elif kind is CommandKind.CALLBACK:
                payload = {"result": detail["result"]}
            elif "reason" in detail:
                payload = {"reason": detail["reason"]}
            else:
                payload = {}
            command = Command(event["event_id"], kind, row["case_id"], payload, event["operator"],
                              event["workstation"], event["at"], state.version if state else 0)
            ctx = contexts[roles[event["operator"]]]
            ctx = dataclasses.replace(ctx, user_department=user_department[event["operator"]])
            state, replayed = apply_command(state, command, ctx)
            assert replayed == CaseEvent(event["event_id"], row["case_id"], event["kind"],
                                         event["operator"], event["workstation"], event["at"], detail,
                                         event["version"])
            if kind is CommandKind.REGISTER:
                state.number = stored.number  # the server, not the rules, numbers cases
        assert state == stored
        if stored.status in OPEN_STATUSES or stored.status is CaseStatus.CLOSED:
            assert state.version == len(history)
        first_dispatch = next((e for e in history if e["kind"] == "dispatch_case"), None)
        if first_dispatch is not None:
            # 立案 to 派遣 within 30 minutes, 10 for urgent cases
            gap = from_iso(first_dispatch["at"]) - from_iso(history[0]["at"])
            urgent = categories[stored.category].urgency.value != "normal"
            assert gap <= timedelta(minutes=10 if urgent else 30)
    assert {CommandKind.RETURN, CommandKind.REWORK, CommandKind.REPORT_HANDLED, CommandKind.CHECK,
            CommandKind.CLOSE, CommandKind.CALLBACK} <= set(kinds_seen)


def test_case_locations_fall_in_their_cells(tables):
    index = CellIndex((c["code"], json.loads(c["ring"])) for c in tables["cells"])
    for case in tables["cases"]:
        assert index.cell_at(case["lon"], case["lat"]) == case["cell_code"]


def test_change_feed_carries_everything(built, tables):
    store = built[0]
    changes = []
    after = 0
    while True:
        page, last = store.changes_after(after, limit=5000)
        if not page:
            break
        changes.extend(page)
        after = page[-1].seq
    assert [c.seq for c in changes] == list(range(1, last + 1))
    by_entity = defaultdict(dict)
    for change in changes:
        by_entity[change.entity][change.entity_id] = change.data
    for entity, table_name in (("region", "regions"), ("department", "departments"), ("cell", "cells"),
                               ("vehicle", "vehicles"), ("case", "cases"), ("case_event", "case_events"),
                               ("user", "users")):
        table, key = s.ENTITY_TABLES[entity]
        stored = {r[key]: r for r in tables[table_name]}
        assert set(by_entity[entity]) == set(stored), entity
        for entity_id, data in list(by_entity[entity].items())[::50]:
            expected = {k: v for k, v in stored[entity_id].items() if k not in s.PRIVATE_COLUMNS.get(entity, ())}
            assert data == expected
    assert all("password_hash" not in d for d in by_entity["user"].values())


def test_a_second_run_on_a_populated_database_is_refused(built, capsys):
    store, url, _seconds = built
    before = store.last_seq()
    counts = {t: store.count(t) for t in ("cells", "regions", "cases", "users", "number_counters")}
    code = demo.main([str(DONGCHENG), "--db", url, "--now", NOW])
    assert code == 2
    err = capsys.readouterr().err
    assert "already holds" in err and "cells" in err
    assert store.last_seq() == before
    assert {t: store.count(t) for t in counts} == counts


MALFORMED = {
    "not json": ("{\"type\": \"MultiPolygon\", \"coordinates\": [[[", "not JSON"),
    "wrong type": (json.dumps({"type": "LineString", "coordinates": [[116.4, 39.9], [116.5, 39.9]]}),
                   "wrong type"),
    "missing coordinates": (json.dumps({"type": "MultiPolygon"}), "missing coordinates"),
    "short ring": (json.dumps({"type": "Polygon", "coordinates": [[[116.4, 39.9], [116.5, 39.9],
                                                                   [116.4, 39.9]]]}), "needs at least 4"),
    "open ring": (json.dumps({"type": "Polygon", "coordinates": [[[116.4, 39.9], [116.5, 39.9],
                                                                  [116.5, 40.0], [116.4, 40.0]]]}),
                  "not closed"),
    "text coordinate": (json.dumps({"type": "Polygon", "coordinates": [[[116.4, 39.9], ["116.5", 39.9],
                                                                        [116.5, 40.0], [116.4, 39.9]]]}),
                        "not a number"),
    "infinite coordinate": ('{"type": "Polygon", "coordinates": [[[116.4, 39.9], [Infinity, 39.9],'
                            ' [116.5, 40.0], [116.4, 39.9]]]}', "not finite"),
    "out of range": (json.dumps({"type": "Polygon", "coordinates": [[[116.4, 39.9], [516.5, 39.9],
                                                                     [116.5, 40.0], [116.4, 39.9]]]}),
                     "outside the lon/lat range"),
    "empty geometry": (json.dumps({"type": "FeatureCollection", "features": []}), "empty geometry"),
}


@pytest.mark.parametrize("variant", sorted(MALFORMED))
def test_malformed_outline_imports_nothing(tmp_path, capsys, variant):
    text, needle = MALFORMED[variant]
    path = tmp_path / "110101.geojson"
    path.write_text(text, encoding="utf-8")
    fresh = tmp_path / "fresh" / "server.db"
    assert demo.main([str(path), "--db", f"sqlite:///{fresh}", "--now", NOW]) == 2
    err = capsys.readouterr().err
    assert "malformed district outline" in err and needle in err
    assert not fresh.exists() and not fresh.parent.exists()
    # an existing, empty database stays empty
    existing = f"sqlite:///{tmp_path / 'existing.db'}"
    ServerStore(existing).close()
    assert demo.main([str(path), "--db", existing, "--now", NOW]) == 2
    store = ServerStore(existing)
    try:
        assert store.last_seq() == 0
        assert all(store.count(t) == 0 for t in ("regions", "cells", "cases", "users", "number_counters"))
    finally:
        store.close()


def test_file_must_be_named_after_its_district(tmp_path, capsys):
    path = tmp_path / "dongcheng.geojson"
    path.write_bytes(DONGCHENG.read_bytes())
    target = tmp_path / "server.db"
    assert demo.main([str(path), "--db", f"sqlite:///{target}"]) == 2
    assert "district code" in capsys.readouterr().err
    assert not target.exists()
    assert demo.main([str(tmp_path / "missing.geojson"), "--db", f"sqlite:///{target}"]) == 2
    assert demo.main([str(DONGCHENG), "--db", f"sqlite:///{target}", "--now", "2025-06-16T10:00"]) == 2
    assert not target.exists()


def test_runs_are_reproducible(tmp_path):
    dumps = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        assert demo.main([str(DONGCHENG), "--db", url, "--now", NOW, "--closed", "60", "--open", "20",
                          "--vehicles", "10", "--seed", "3"]) == 0
        store = ServerStore(url)
        try:
            dumps.append([sorted(map(repr, (sorted(r.items()) for r in rows(store, t))))
                          for t in (s.cases, s.case_events, s.cells, s.regions, s.vehicles)])
            assert store.count("cases") == 80 and store.count("vehicles") == 10
        finally:
            store.close()
    assert dumps[0] == dumps[1]


@pytest.mark.timeout(120)
def test_zhanggong_full_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'zg.db'}"
    started = time.perf_counter()
    assert demo.main([str(ZHANGGONG), "--db", url, "--now", NOW]) == 0
    assert time.perf_counter() - started < 30
    store = ServerStore(url)
    try:
        assert 59_000 * 0.95 <= store.count("cells") <= 59_000 * 1.05
        regions = rows(store, s.regions)
        streets = [r for r in regions if r["level"] == "street"]
        assert len(streets) == 11
        towns = [r for r in streets if r["code"][6] == "1"]
        assert {r["name"] for r in towns} >= {"沙石镇", "水西镇", "沙河镇"}
        assert all(r["name"].endswith("镇") for r in towns)
        assert all(r["name"].endswith("街道") for r in streets if r["code"][6] == "0")
        with store.engine.connect() as conn:
            codes = conn.execute(select(s.cells.c.code)).scalars().all()
        assert all(CellCode.parse(c).district == "360702" for c in codes)
        assert store.count("cases") == 2150
        assert store.last_seq() == sum(store.count(t) for t in (
            "regions", "departments", "cells", "vehicles", "users", "cases", "case_events"))
    finally:
        store.close()
