"""A million cases for the queue benchmark, written fast into a client store.

The store must already hold a district (cells, departments, users), e.g.
after a first sync from ``python -m server.demo``.  Cases are drawn like the
demo's (resources/demo/names.json: category mix, sources, addresses and
descriptions) over seven years of history; about 4% are still open, as in a
centre that closes most cases within days.  Deadlines are an approximation
(working hours counted as three wall-clock hours, working days as 1.4
days): the benchmark measures the queue, not the calendar.

Rows go in with one ``executemany`` per batch on the raw SQLite connection,
so the store's own triggers (the search index) run exactly as they do when
the sync engine applies a page.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from core.categories import LimitUnit
from core.resources import load_categories, resource
from core.timeutil import CST, to_iso

OPEN_DECAY_S = 100 * 86400  # open with probability exp(-age / 100 days): about 4% open
CANCELLED_SHARE = 0.01
YEARS = 7

_CASE_COLUMNS = ("case_id", "number", "provisional_number", "status", "category", "cell_code", "lon",
                 "lat", "source", "description", "address", "department_id", "reported_at",
                 "registered_at", "dispatched_at", "deadline", "handled_at", "closed_at", "version",
                 "updated_by", "updated_at", "updated_from", "server_json", "pending")


def _limit_hours(value: float, unit: LimitUnit) -> float:
    if unit is LimitUnit.HOURS:
        return value
    if unit is LimitUnit.WORK_HOURS:
        return value * 3
    return value * 24 * 1.4


def fill_cases(store_path: str | Path, count: int, *, seed: int = 7, now: datetime | None = None,
               batch: int = 20000) -> int:
    """Insert ``count`` synthetic cases; returns how many were written."""
    rng = random.Random(seed)
    names = json.loads(resource("demo", "names.json").read_text(encoding="utf-8"))
    categories = load_categories()
    mix = names["case_mix"]
    now = (now or datetime.now(CST)).replace(microsecond=0)
    conn = sqlite3.connect(str(store_path))
    try:
        cells = conn.execute("SELECT code, center_lon, center_lat, department_id FROM cells").fetchall()
        depts = [r[0] for r in conn.execute("SELECT department_id FROM departments")]
        users = [r[0] for r in conn.execute("SELECT username FROM users")] or ["dispatcher"]
        if not cells or not depts:
            raise ValueError(f"{store_path} holds no district yet: sync it first")
        communities = {r[0]: r[1] for r in conn.execute(
            "SELECT code, name FROM regions WHERE level = 'community'")}
        district = conn.execute("SELECT code FROM regions WHERE level = 'district'").fetchone()
        place = names["districts"].get(district[0] if district else "", names["default_district"])
        roads = list(place["roads"])

        keys, weights = [], []
        boost = mix.get("subclass_weights", {})
        for class_key, share in mix["classes"].items():
            members = [c for c in categories.subclasses.values() if c.class_key == class_key]
            total = sum(float(boost.get(c.key, 1.0)) for c in members)
            for c in members:
                keys.append(c.key)
                weights.append(float(share) * float(boost.get(c.key, 1.0)) / total)
        sources = list(mix["sources"])
        source_w = [float(v) for v in mix["sources"].values()]
        open_status = list(mix["open_status_shares"])
        open_w = [float(v) for v in mix["open_status_shares"].values()]
        key_cum, source_cum, open_cum = (list(accumulate(w)) for w in (weights, source_w, open_w))
        texts = names["descriptions"]
        templates = names["address_templates"]
        span_s = YEARS * 365 * 86400
        daily: dict[str, int] = {}
        columns = ", ".join(_CASE_COLUMNS)
        marks = ", ".join("?" for _ in _CASE_COLUMNS)
        sql = f"INSERT INTO cases ({columns}) VALUES ({marks})"
        written = 0
        # Oldest first, as a store filled by the change feed over the years
        # holds them: rowid order follows time, so recent (open) cases sit together.
        ages = sorted((rng.uniform(300, span_s) for _ in range(count)), reverse=True)
        while written < count:
            rows = []
            for age in ages[written:written + batch]:
                roll = rng.random()
                is_open = roll < math.exp(-age / OPEN_DECAY_S)
                registered = (now - timedelta(seconds=age)).replace(microsecond=0)
                key = rng.choices(keys, cum_weights=key_cum)[0]
                category = categories[key]
                code, lon, lat, cell_dept = cells[rng.randrange(len(cells))]
                road, road2 = rng.sample(roads, 2)
                address = rng.choice(templates).format(
                    road=road, road2=road2, number=rng.randint(1, 300),
                    community=communities.get(code[:12], ""))
                options = texts.get(category.key) or texts.get(category.class_key) or texts["default"]
                description = rng.choice(options).format(address=address, category=category.name,
                                                         n=rng.randint(2, 12))
                day = registered.strftime("%Y%m%d")
                daily[day] = daily.get(day, 0) + 1
                number = f"{day}{daily[day]:05d}"
                source = rng.choices(sources, cum_weights=source_cum)[0]
                status = "closed"
                department = None
                dispatched = deadline = handled = closed = None
                limit_h = _limit_hours(category.limit.value, category.limit.unit)
                if is_open:
                    status = rng.choices(open_status, cum_weights=open_cum)[0]
                elif roll > 1 - CANCELLED_SHARE:
                    status = "cancelled"
                if status not in ("registered", "cancelled"):
                    department = cell_dept if category.department_kind == "street_office" and cell_dept \
                        else depts[rng.randrange(len(depts))]
                    dispatched = registered + timedelta(minutes=rng.uniform(2, 30))
                    deadline = dispatched + timedelta(hours=limit_h)
                    if status in ("handled", "closed"):
                        late = rng.random() < float(mix["late_share"])
                        handled = dispatched + timedelta(hours=limit_h * rng.uniform(1.05, 2.0) if late
                                                         else limit_h * rng.uniform(0.1, 0.95))
                    if status == "closed" and handled is not None:
                        closed = handled + timedelta(minutes=rng.uniform(20, 150))
                updated = closed or handled or dispatched or registered
                row: dict[str, Any] = {
                    "case_id": f"{rng.getrandbits(128):032x}",
                    "number": number, "provisional_number": None, "status": status,
                    "category": key, "cell_code": code,
                    "lon": round(lon + rng.uniform(-0.0004, 0.0004), 6),
                    "lat": round(lat + rng.uniform(-0.0004, 0.0004), 6),
                    "source": source, "description": description, "address": address,
                    "department_id": department,
                    "reported_at": to_iso(registered - timedelta(minutes=rng.uniform(2, 30))),
                    "registered_at": to_iso(registered),
                    "dispatched_at": to_iso(dispatched) if dispatched else None,
                    "deadline": to_iso(deadline) if deadline else None,
                    "handled_at": to_iso(handled) if handled else None,
                    "closed_at": to_iso(closed) if closed else None,
                    "version": 1 + sum(x is not None for x in (dispatched, handled, closed)),
                    "updated_by": users[rng.randrange(len(users))],
                    "updated_at": to_iso(updated), "updated_from": f"WS{rng.randint(1, 12):02d}",
                    "pending": 0,
                }
                # As the sync engine stores a case with nothing pending: the
                # row itself is the server's last word, server_json stays NULL.
                row["server_json"] = None
                rows.append(tuple(row[c] for c in _CASE_COLUMNS))
            with conn:
                conn.executemany(sql, rows)
            written += len(rows)
        return written
    finally:
        conn.close()

