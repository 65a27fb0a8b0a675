"""``python -m benchmarks sync``: the sync path at city-district scale.

Against a real server process (SQLite file, as one district runs) over real
HTTP on loopback:

- ``initial_download_rows_per_s``: 1,000,000 cases and 59,000 cells (plus
  the district's regions, departments, vehicles, users) pulled into an empty
  workstation store by the real ``SyncEngine``, end to end: the server's
  snapshot file built and sent over HTTP, copied into SQLite, the feed
  after it applied, the cursor committed (the replica complete and in use).
- ``download_and_indexes_s``: from the same start until the queue's sort
  indexes and the search index, built in the background after the
  download, are all in place.
- ``raw_executemany_rows_per_s``: the same rows (read back from that store)
  written into an empty store with plain ``sqlite3`` ``executemany``, in the
  same run: what row-by-row writing from Python costs, which the
  download avoids (it copies with ``INSERT … SELECT`` inside SQLite).
- ``push_1000_commands_s``: 1,000 commands queued offline (dispatches and
  notes on open cases) pushed and acknowledged; median of 3 batches.
- ``outage_8h_catch_up_s``: 200 vehicles reporting every 30 s for 8 hours
  (192,000 fixes) while the workstation was away; time until its position
  cursor has caught up with the server.

``--cases N`` / ``--cells N`` shrink the world for a quick look; ``--keep DIR``
keeps (and reuses) the generated server database.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import emit

ROOT = Path(__file__).resolve().parent.parent
NAME = "sync"
DISTRICT = "110101"
STATUS_MIX = (("closed", 0.86), ("dispatched", 0.06), ("registered", 0.04), ("handled", 0.03),
              ("returned", 0.01))
DESCRIPTIONS = ("路边暴露垃圾未清运", "井盖缺失存在安全隐患", "占道经营影响通行", "小广告张贴",
                "绿地缺株死株", "道路破损坑洼", "施工围挡破损", "共享单车乱停放")
STREETS = ("东华门街道", "景山街道", "交道口街道", "安定门街道", "北新桥街道", "东四街道")


def _cells(count: int) -> list[dict[str, Any]]:
    rows = []
    per_street, per_community = 1000, 100
    lon0, lat0, step = 116.30, 39.80, 0.0012
    side = int(count ** 0.5) + 1
    for i in range(count):
        street, rest = divmod(i, per_street)
        community, cell = divmod(rest, per_community)
        col, row = i % side, i // side
        x, y = lon0 + col * step, lat0 + row * step * 0.77
        ring = [[round(x, 6), round(y, 6)], [round(x + step, 6), round(y, 6)],
                [round(x + step, 6), round(y + step * 0.77, 6)], [round(x, 6), round(y + step * 0.77, 6)],
                [round(x, 6), round(y, 6)]]
        code = f"{DISTRICT}{street + 1:03d}{community + 1:03d}{cell + 1:03d}"
        rows.append({"code": code, "community_code": code[:12], "street_code": code[:9],
                     "grade": "ABC"[i % 3], "area_m2": 10000.0 + (i % 97), "department_id": "D-ST",
                     "center_lon": round(x + step / 2, 6), "center_lat": round(y + step * 0.385, 6),
                     "ring": json.dumps(ring), "valid_from": "2024-01-01T00:00:00+08:00", "valid_to": None})
    return rows


def _cases(count: int, cells: list[dict[str, Any]], categories: list[str], rng: random.Random):
    from core.timeutil import CST, to_iso

    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]
    t0 = datetime(2025, 1, 1, 8, 0, tzinfo=CST)
    per_day: dict[str, int] = {}
    for i in range(count):
        cell = cells[rng.randrange(len(cells))]
        status = rng.choices(statuses, weights)[0]
        at = t0 + timedelta(minutes=i * 0.5)
        day = at.strftime("%Y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        registered = to_iso(at)
        dispatched = to_iso(at + timedelta(minutes=20)) if status != "registered" else None
        closed = to_iso(at + timedelta(days=1)) if status == "closed" else None
        handled = to_iso(at + timedelta(hours=20)) if status in ("closed", "handled") else None
        version = {"registered": 1, "dispatched": 2, "returned": 3, "handled": 3, "closed": 4}[status]
        yield {
            "case_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "number": f"{day}{per_day[day]:05d}",
            "provisional_number": f"WS{i % 9 + 1:02d}-{day}-{per_day[day]:04d}" if i % 7 == 0 else None,
            "status": status, "category": categories[i % len(categories)], "cell_code": cell["code"],
            "lon": cell["center_lon"], "lat": cell["center_lat"], "source": "supervisor",
            "description": DESCRIPTIONS[i % len(DESCRIPTIONS)], "address": f"{STREETS[i % len(STREETS)]}{i % 300}号",
            "department_id": "D-SAN" if status != "registered" else None,
            "reported_at": registered, "registered_at": registered, "dispatched_at": dispatched,
            "deadline": to_iso(at + timedelta(days=2)) if dispatched else None,
            "handled_at": handled, "closed_at": closed, "version": version,
            "updated_by": "dispatcher", "updated_at": closed or handled or dispatched or registered,
            "updated_from": f"WS{i % 9 + 1:02d}",
        }


def build_world(url: str, n_cases: int, n_cells: int, n_vehicles: int) -> None:
    from core.cases import Role
    from core.resources import load_categories
    from server.storage import ServerStore

    rng = random.Random(808)
    store = ServerStore(url)
    categories = sorted(k for k, c in load_categories().subclasses.items() if c.kind.value == "event")
    cells = _cells(n_cells)
    with store.writing() as conn:
        store.insert_entities(conn, "region", [
            {"code": DISTRICT, "level": "district", "name": "东城区", "parent_code": None, "geometry": None}])
        store.insert_entities(conn, "department", [
            {"department_id": "D-SAN", "name": "环卫中心", "kind": "sanitation", "street_code": None},
            {"department_id": "D-ROAD", "name": "道路养护", "kind": "roads", "street_code": None},
            {"department_id": "D-ST", "name": "街道办", "kind": "street_office", "street_code": None}])
        store.insert_entities(conn, "vehicle", [
            {"vehicle_id": f"V{i:04d}", "plate": f"京A{i:05d}", "kind": "sweeper",
             "terminal_phone": f"0139{i:08d}", "department_id": "D-SAN"} for i in range(n_vehicles)])
        store.insert_entities(conn, "user", [store.user_row("dispatcher", "王派遣", Role.DISPATCHER, "demo")])
        store.insert_entities(conn, "cell", cells, chunk=20000)
        batch: list[dict[str, Any]] = []
        for case in _cases(n_cases, cells, categories, rng):
            batch.append(case)
            if len(batch) == 20000:
                store.insert_entities(conn, "case", batch, chunk=20000)
                batch = []
        if batch:
            store.insert_entities(conn, "case", batch, chunk=20000)
    store.close()


def _replicated_rows(store_path: Path) -> tuple[dict[str, list[str]], dict[str, list[tuple]]]:
    """The rows of the replicated tables as the download left them."""
    from app.store import tables as t

    conn = sqlite3.connect(store_path)
    columns, rows = {}, {}
    for table, _key in t.REPLICATED.values():
        names = [c.name for c in table.c]
        columns[table.name] = names
        rows[table.name] = conn.execute(f"SELECT {', '.join(names)} FROM {table.name}").fetchall()
    conn.close()
    return columns, rows


def raw_executemany_rate(directory: Path, columns: dict[str, list[str]], rows: dict[str, list[tuple]]) -> float:
    """Plain sqlite3: the same rows into an empty store with the same schema and
    pragmas as the download's load phase (app/store/bulk_load.py: the case
    tables' secondary indexes and triggers dropped), one transaction per
    20,000 rows like the download's pages.  Neither this nor the download's
    rate includes building those indexes (``download_and_indexes_s`` does)."""
    from app.store import bulk_load
    from app.store.replica import LocalStore

    path = directory / "raw.db"
    store = LocalStore(path)
    bulk_load.begin(store)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    total = sum(len(r) for r in rows.values())
    start = time.perf_counter()
    for table, names in columns.items():
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        data = rows[table]
        for offset in range(0, len(data), 20000):
            conn.execute("BEGIN")
            conn.executemany(sql, data[offset:offset + 20000])
            conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return total / elapsed


def _catch_up(engine) -> int:
    """Sync rounds until the replica's cursor is the feed's last seq as the
    server reported it in that round; the rows pulled."""
    pulled = 0
    while True:
        report = engine.sync_once()
        if report.error:
            raise RuntimeError(report.error)
        pulled += report.pulled
        if report.server_last_seq is not None and report.cursor == report.server_last_seq:
            return pulled


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks sync")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--cells", type=int, default=59_000)
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="keep the server database here (and reuse it)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))
    from app.store.replica import LocalStore
    from app.sync.engine import SyncEngine
    from support import ServerProcess

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        keep = args.keep or tmp
        keep.mkdir(parents=True, exist_ok=True)
        server_db = keep / f"server-{args.cases}-{args.cells}-{args.vehicles}.db"
        url = f"sqlite:///{server_db}"
        if not server_db.exists():
            t0 = time.perf_counter()
            build_world(url, args.cases, args.cells, args.vehicles)
            print(f"# built the server database in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        server = ServerProcess(url).start()
        try:
            # ---- initial download -------------------------------------------
            client_path = tmp / "client.db"
            engine = SyncEngine(client_path, server.url, "BENCH")
            engine.login("dispatcher", "demo")
            start = time.perf_counter()
            pulled = _catch_up(engine)
            elapsed = time.perf_counter() - start
            emit(NAME, "initial_download_rows_per_s", pulled / elapsed, "rows/s")
            # The replica is complete and queryable here; the queue's sort
            # indexes and the search index are then built in the background
            # (app/store/bulk_load.py).  How long that takes is a figure too.
            if not engine.wait_for_indexing(timeout=600):
                raise RuntimeError("the background index build did not end")
            indexed = time.perf_counter() - start
            emit(NAME, "download_and_indexes_s", indexed, "s")
            print(f"# {pulled} rows in {elapsed:.1f} s; indexes and search index built in the "
                  f"background {indexed - elapsed:.1f} s after", file=sys.stderr)

            columns, rows = _replicated_rows(client_path)
            emit(NAME, "raw_executemany_rows_per_s", raw_executemany_rate(tmp, columns, rows), "rows/s")
            del rows

            # ---- 1,000 queued commands ----------------------------------------
            store = LocalStore(client_path)
            samples = [_push_batch(engine, store, batch) for batch in range(3)]
            emit(NAME, "push_1000_commands_s", statistics.median(samples), "s")

            # ---- an 8-hour outage with 200 vehicles ------------------------------
            emit(NAME, "outage_8h_catch_up_s", _outage(engine, store, url, args.vehicles), "s")
            store.close()
            engine.close()
        finally:
            server.stop()
    return 0


def _push_batch(engine, store, batch: int) -> float:
    from sqlalchemy import select

    from app.services.desk import CaseDesk
    from app.store import tables as t

    user = engine.user or {}
    desk = CaseDesk(store, "BENCH", user)
    with store.engine.connect() as conn:
        registered = list(conn.execute(select(t.cases.c.case_id).where(
            t.cases.c.status.in_(["registered", "returned"])).order_by(t.cases.c.case_id)
            .offset(batch * 500).limit(500)).scalars())
    for case_id in registered:
        desk.dispatch_case(case_id, "D-ROAD")
        desk.add_note(case_id, f"benchmark note {batch}")
    assert store.counts().waiting == 2 * len(registered) == 1000, store.counts()
    start = time.perf_counter()
    report = engine.push_now()
    elapsed = time.perf_counter() - start
    if report.error or store.counts().waiting:
        raise RuntimeError(f"push failed: {report.error}")
    engine.sync_once()  # take the changes they made, off the clock
    return elapsed


def _outage(engine, store, url: str, vehicles: int) -> float:
    from core.positions import PositionFix
    from core.timeutil import from_iso, now_cst, to_iso
    from server.storage import ServerStore

    server = ServerStore(url)
    start_at = now_cst() - timedelta(hours=8)
    # A kept database holds an earlier run's fixes in this window, and the
    # same vehicle at the same device time is one fix, stored once (a
    # retry): this run's eight hours then lie before everything stored.
    # The catch-up follows ids, not device times, so the figure is the same.
    with server.engine.connect() as conn:
        earliest = conn.exec_driver_sql("SELECT min(device_time) FROM positions").scalar()
    if earliest is not None and from_iso(earliest) < start_at + timedelta(hours=8):
        start_at = min(start_at, from_iso(earliest)) - timedelta(hours=8, seconds=30)
    engine.sync_once()  # position cursor at the server's present
    rng = random.Random(7)
    total = 0
    for tick in range(8 * 120):  # one fix per vehicle every 30 s
        at = to_iso(start_at + timedelta(seconds=30 * tick))
        fixes = [(f"V{v:04d}", PositionFix(f"0139{v:08d}", at, 116.35 + rng.random() * 0.1,
                                           39.85 + rng.random() * 0.1, 40, 8.0, rng.randrange(360), 0, 3, 0))
                 for v in range(vehicles)]
        total += len(server.store_fixes(fixes))
    if total != 8 * 120 * vehicles:
        raise RuntimeError(f"only {total} of {8 * 120 * vehicles} fixes were stored")
    last = server.positions.last_id()
    server.close()
    start = time.perf_counter()
    while (store.position_cursor() or 0) < last:
        report = engine.sync_once()
        if report.error:
            raise RuntimeError(report.error)
    elapsed = time.perf_counter() - start
    print(f"# {total} fixes caught up in {elapsed:.2f} s", file=sys.stderr)
    return elapsed
