"""A small district with a few hundred varied cases, written into a real
client store through its change-feed path (``LocalStore.apply_change_page``),
and a plain-Python reference of what the queue must show for it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.store.replica import LocalStore
from core.timeutil import CST, to_iso

DISTRICT = "110101"
STREETS = ("110101001", "110101002")
CELLS = ("110101001001001", "110101001001002", "110101002001001", "110101002001002")
STATUSES = ("registered", "dispatched", "handled", "closed", "closed", "closed", "cancelled",
            "returned", "deferred", "checked", "dispatched", "closed", "reported")
CATEGORIES = ("E0102", "E0104", "C0101", "E0201", "E0401", "E0113")
DEPARTMENTS = ("D-SAN", "D-ROAD", "D-ST001")
SOURCES = ("hotline", "supervisor", "public", "video")
ROADS = ("王府井大街", "东四北大街", "雍和宫大街", "南池子大街", "鑫源路")
TEXTS = ("暴露垃圾约{n}袋，未及时清运", "垃圾桶满溢，周边散落垃圾", "井盖丢失，存在安全隐患",
         "墙面张贴小广告{n}张", "占道经营，影响通行", "路面有油污和泥土")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=CST)


def _rows_for_world() -> dict[str, list[dict[str, Any]]]:
    ring = json.dumps([[116.40, 39.91], [116.401, 39.91], [116.401, 39.911], [116.40, 39.911], [116.40, 39.91]])
    regions = [{"code": DISTRICT, "level": "district", "name": "东城区", "parent_code": None, "geometry": None}]
    for i, street in enumerate(STREETS):
        regions.append({"code": street, "level": "street", "name": ("东华门街道", "景山街道")[i],
                        "parent_code": DISTRICT, "geometry": None})
        regions.append({"code": street + "001", "level": "community", "name": f"社区{i}",
                        "parent_code": street, "geometry": None})
    cells = [{"code": c, "community_code": c[:12], "street_code": c[:9], "grade": "A", "area_m2": 10000.0,
              "department_id": "D-ST001", "center_lon": 116.4005, "center_lat": 39.9105, "ring": ring}
             for c in CELLS]
    departments = [{"department_id": "D-SAN", "name": "环卫中心", "kind": "sanitation", "street_code": None},
                   {"department_id": "D-ROAD", "name": "市政管理所", "kind": "roads", "street_code": None},
                   {"department_id": "D-ST001", "name": "东华门街道办事处", "kind": "street_office",
                    "street_code": STREETS[0]}]
    users = [{"username": "dispatcher", "display_name": "派遣员 王丽", "role": "dispatcher", "department_id": None},
             {"username": "dispatcher2", "display_name": "派遣员 李", "role": "dispatcher", "department_id": None},
             {"username": "dept", "display_name": "环卫", "role": "department", "department_id": "D-SAN"}]
    return {"region": regions, "department": departments, "cell": cells, "user": users}


def make_cases(count: int, now: datetime = NOW) -> list[dict[str, Any]]:
    cases = []
    for i in range(count):
        status = STATUSES[i % len(STATUSES)]
        registered = now - timedelta(hours=3 * i + (i % 7))
        day = registered.strftime("%Y%m%d")
        road = ROADS[i % len(ROADS)]
        address = f"{road}{i % 40 + 1}号" if i % 4 else f"{road}与{ROADS[(i + 2) % len(ROADS)]}交叉口"
        description = address + TEXTS[i % len(TEXTS)].format(n=i % 9 + 2)
        department = None if status in ("registered", "reported", "cancelled") else DEPARTMENTS[i % 3]
        deadline = None
        if department and status not in ("deferred", "returned"):
            # overdue, due within the hour, or later: every SLA state appears
            deadline = to_iso(now + timedelta(minutes=(-600, 30, 900, -20, 4000)[i % 5]))
        provisional = f"WS{i % 3 + 1:02d}-{day}-{i:04d}" if i % 6 == 0 else None
        number = None if (provisional and i % 12 == 0) else f"{day}{i:05d}"
        cases.append({
            "case_id": f"00000000-0000-4000-8000-{i:012d}", "number": number,
            "provisional_number": provisional, "status": status, "category": CATEGORIES[i % len(CATEGORIES)],
            "cell_code": CELLS[i % len(CELLS)], "lon": 116.4005, "lat": 39.9105,
            "source": SOURCES[i % len(SOURCES)], "description": description, "address": address,
            "department_id": department, "reported_at": to_iso(registered - timedelta(minutes=10)),
            "registered_at": None if status == "reported" else to_iso(registered),
            "dispatched_at": to_iso(registered + timedelta(minutes=8)) if department else None,
            "deadline": deadline, "handled_at": None,
            "closed_at": to_iso(registered + timedelta(hours=2)) if status == "closed" else None,
            "version": 3, "updated_by": ("dispatcher", "dispatcher2", "dept")[i % 3],
            "updated_at": to_iso(registered), "updated_from": "WS01",
            "paused_at": to_iso(registered) if status in ("deferred", "returned") else None,
        })
    return cases


def build_store(path: Path, count: int = 390, now: datetime = NOW) -> tuple[LocalStore, list[dict[str, Any]]]:
    """A client store holding the world, fed through the change feed's path."""
    store = LocalStore(path)
    seq = 0
    changes = []
    for entity, rows in _rows_for_world().items():
        key = {"region": "code", "department": "department_id", "cell": "code", "user": "username"}[entity]
        for row in rows:
            seq += 1
            changes.append({"seq": seq, "entity": entity, "id": row[key], "data": row})
    store.apply_change_page(changes, seq)
    cases = make_cases(count, now)
    for start in range(0, len(cases), 100):
        page = []
        for case in cases[start:start + 100]:
            seq += 1
            page.append({"seq": seq, "entity": "case", "id": case["case_id"], "data": case})
        store.apply_change_page(page, seq)
    return store, cases


# ---- the reference: what the queue must show, computed in plain Python -------------

OPEN = {"reported", "verified", "registered", "dispatched", "returned", "handled", "checked", "deferred"}


def sort_key(case: dict[str, Any], sort: str) -> tuple[Any, ...]:
    return {
        "number": (case["number"] or case["provisional_number"] or "",),
        "category": (case["category"],),
        "address": (case["address"],),
        "street": (case["cell_code"],),
        "department": (case["department_id"] or "",),
        "status": (case["status"], case["deadline"] or "9"),
        "source": (case["source"],),
        "registered": (case["registered_at"] or case["reported_at"] or "",),
        "deadline": (case["deadline"] or "9",),
    }[sort]


def search_text(case: dict[str, Any]) -> str:
    text = "\x1f".join([case["number"] or "", case["provisional_number"] or "", case["address"],
                        case["description"]]) + "\x1f\x1f"
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def expected(cases: list[dict[str, Any]], rowids: dict[str, int], *, status: str = "open",
             category: str | None = None, department: str | None = None, street: str | None = None,
             source: str | None = None, overdue: bool = False, mine_user: str | None = None,
             text: str = "", sort: str = "deadline", descending: bool = False, now: str = "") -> list[int]:
    out = []
    for case in cases:
        if (status == "open" or overdue) and case["status"] not in OPEN:
            continue
        if status not in ("open", "all") and case["status"] != status:
            continue
        if category and not case["category"].startswith(category):
            continue
        if department and (case["department_id"] or "") != department:
            continue
        if street and not case["cell_code"].startswith(street):
            continue
        if source and case["source"] != source:
            continue
        if overdue and not (case["deadline"] and case["deadline"] < now):
            continue
        if mine_user and case["updated_by"] != mine_user:
            continue
        if text and text not in search_text(case):
            continue
        out.append(case)
    out.sort(key=lambda c: (sort_key(c, sort), rowids[c["case_id"]]), reverse=descending)
    return [rowids[c["case_id"]] for c in out]


def rowids_of(store: LocalStore) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {r[1]: int(r[0]) for r in conn.exec_driver_sql("SELECT rowid, case_id FROM cases")}
