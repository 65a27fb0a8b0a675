"""``python -m benchmarks queue``: the case queue at a million cases.

A workstation store holding the Dongcheng demo district (synced from a real
server process) plus 1,000,000 generated cases (benchmarks/queue_data.py:
seven years, about 4% open) is built once in a subprocess and kept in
var/bench/ (``--fresh`` rebuilds it, ``--cases N`` changes the size).  Then,
with the real queue panel (bar, lazy model, QTableView) shown offscreen in
this process at its size in the main window, counting in the background on
the qasync loop as the client does:

- ``filter_first_rows_ms``: a filter or sort change until the first rows are
  painted (model query, reset, viewport repaint), median over a dispatcher's
  sequence of changes (docs/queue.md lists them), three rounds.
- ``search_3char_ms``: a three-character Chinese search over all cases
  (status "all", newest first), first rows painted; median over terms.
- ``search_1char_ms``: the same for one-character searches.
- ``status_counts_ms``: ``LocalStore.counts()`` (open, overdue, waiting,
  rejected), median.
- ``client_rss_mb``: resident memory of this process with the panel up,
  after all of the above.

Per-step timings and the plan each query took go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import inspect
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import demo_server, emit, median_ms

ROOT = Path(__file__).resolve().parent.parent
NAME = "queue"
CACHE = ROOT / "var" / "bench"
ROUNDS = 3
# The queue's place in the main window as it opens (1600 x 1000: the queue
# takes 670 x 520 above the case pane), about 20 rows of 7 columns in view.
PANEL_SIZE = (670, 520)
SEARCH_3 = ("垃圾桶", "小广告", "雍和宫", "井盖丢", "油烟直", "乱涂乱")
SEARCH_1 = ("井", "桶", "鑫", "沙", "焚", "号")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _spec(cases: int) -> str:
    from app.store import search, tables
    from benchmarks import queue_data

    # What shapes the store, not all of tables.py (others edit it daily).
    text = repr((tables.QUEUE_SORT_KEYS, tables.QUEUE_OPEN_PREDICATE, tables.QUEUE_FILTER_COLUMNS,
                 [c.name for c in tables.cases.c], sorted(str(i.name) for i in tables.cases.indexes),
                 search.SEARCH_VERSION, inspect.getsource(queue_data), cases))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def build(path: Path, cases: int) -> None:
    """The store: the demo district through a real sync, then ``cases``
    generated cases.  The queue's indexes and the search index are dropped
    during the fill and rebuilt after it (faster than row by row)."""
    from app.store import search, tables
    from app.store.replica import LocalStore
    from app.sync.engine import SyncEngine
    from benchmarks.queue_data import fill_cases

    with demo_server() as server:
        engine = SyncEngine(path, server.url, "BENCH")
        engine.login("dispatcher", "demo")
        while engine.sync_once().pulled:
            pass
        engine.close()
    store = LocalStore(path)
    with store.engine.begin() as conn:
        for index in tables.cases.indexes:
            if index.name and index.name.startswith("ixq_"):
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        for kind, name in search._OBJECTS:
            conn.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {name}")
    store.close()
    start = time.perf_counter()
    written = fill_cases(path, cases)
    _log(f"queue: {written} cases generated in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    store = LocalStore(path)  # re-creates the indexes and the search index
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    _log(f"queue: indexes and search index built in {time.perf_counter() - start:.0f} s")


def _store_path(cases: int, fresh: bool) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"queue-{cases}-{_spec(cases)}.db"
    if fresh or not path.exists():
        for old in CACHE.glob(f"queue-{cases}-*.db*"):
            old.unlink()
        partial = path.with_suffix(".building")
        if partial.exists():
            partial.unlink()
        _log(f"queue: building {path.name} (minutes, once; kept for later runs)")
        subprocess.run([sys.executable, "-m", "benchmarks.queue", "--build", str(partial),
                        "--cases", str(cases)], check=True, cwd=ROOT)
        for suffix in ("-wal", "-shm"):  # checkpointed and empty by now
            side = Path(str(partial) + suffix)
            if side.exists():
                shutil.move(str(side), str(path) + suffix)
        shutil.move(str(partial), str(path))
    return path


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(path: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.runtime.i18n import load_cjk_font

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([])
    load_cjk_font(app)
    # As in the client: the qasync loop drives the queue's background counts.
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_measure(app, path))


async def _measure(app, path: Path) -> None:
    from app.runtime.background import Background
    from app.services.desk import CaseDesk
    from app.services.queue import QueueQuery
    from app.store.replica import LocalStore
    from app.views.queue_bar import QueuePanel

    store = LocalStore(path)
    user = store.user("dispatcher") or {"username": "dispatcher", "role": "dispatcher"}
    runner = Background(path)
    panel = QueuePanel(CaseDesk(store, "BENCH", user), runner)
    panel.resize(*PANEL_SIZE)
    panel.show()
    await asyncio.sleep(0.2)  # shown and painted once
    model, view = panel.model, panel.table
    options = panel.service.filter_options()
    street = options.streets[3][0]
    big_dept = "sanitation" if any(d[0] == "sanitation" for d in options.departments) else options.departments[0][0]
    count_ms: list[float] = []

    async def counted() -> None:
        for _ in range(6000):
            if model.count is not None:
                return
            await asyncio.sleep(0.005)

    async def painted(query) -> float:
        """Time to the first rows painted (model query and reset, the
        table's layout and a synchronous repaint: processEvents() cannot be
        called from inside the qasync loop); then wait, at a dispatcher's
        pace, for the background count before the next change."""
        start = time.perf_counter()
        model.set_query(query)
        view.doItemsLayout()
        view.viewport().repaint()
        elapsed = (time.perf_counter() - start) * 1000
        await counted()
        count_ms.append((time.perf_counter() - start) * 1000)
        return elapsed

    base = QueueQuery()
    steps: list[tuple[str, QueueQuery]] = [
        ("open, by deadline", base),
        ("open + department", QueueQuery(department=big_dept)),
        ("open + street", QueueQuery(street=street)),
        ("open + category class E01", QueueQuery(category="E01")),
        ("open + source supervisor", QueueQuery(source="supervisor")),
        ("open + overdue", QueueQuery(overdue=True)),
        ("open + mine", QueueQuery(mine=True)),
        ("open, by category desc", QueueQuery(sort="category", descending=True)),
        ("open, by address", QueueQuery(sort="address")),
        ("open + department, by registered", QueueQuery(department=big_dept, sort="registered")),
        ("all, newest first", QueueQuery(status="all", sort="registered", descending=True)),
        ("closed, by number desc", QueueQuery(status="closed", sort="number", descending=True)),
        ("closed + department water, newest first",
         QueueQuery(status="closed", department="water", sort="registered", descending=True)),
        ("all + street, by department", QueueQuery(status="all", street=street, sort="department")),
        ("cancelled, by deadline", QueueQuery(status="cancelled")),
        ("all + video source, by category", QueueQuery(status="all", source="video", sort="category")),
    ]
    samples: dict[str, list[float]] = {label: [] for label, _ in steps}
    plans: dict[str, str] = {}
    for _ in range(ROUNDS):
        for label, query in steps:
            samples[label].append(await painted(query))
            plans[label] = model.last_plan
    for label, _ in steps:
        _log(f"queue: {statistics.median(samples[label]):8.2f} ms  {label}  [{plans[label]}]")
    _log(f"queue: background counts took {statistics.median(count_ms):.0f} ms (median), "
         f"{max(count_ms):.0f} ms at most")
    everything = [x for xs in samples.values() for x in xs]
    emit(NAME, "filter_first_rows_ms", statistics.median(everything), "ms")

    async def search_figure(terms: tuple[str, ...], figure: str) -> None:
        times = []
        for term in terms:
            query = QueueQuery(status="all", sort="registered", descending=True, text=term)
            row = [await painted(query) for _ in range(ROUNDS)]
            _log(f"queue: {statistics.median(row):8.2f} ms  search {term!r}  [{model.last_plan}; "
                 f"{model.count} found, counted in {count_ms[-1]:.0f} ms]")
            times += row
            await painted(base)
        emit(NAME, figure, statistics.median(times), "ms")

    await search_figure(SEARCH_3, "search_3char_ms")
    await search_figure(SEARCH_1, "search_1char_ms")
    emit(NAME, "status_counts_ms", median_ms(store.counts, repeat=25), "ms")
    # Scroll a few thousand rows down, as a dispatcher would, before the memory figure.
    model.set_query(QueueQuery(status="all", sort="registered", descending=True))
    for _ in range(20):
        view.scrollToBottom()
        await asyncio.sleep(0.02)
    _log(f"queue: {model.rowCount()} rows loaded after scrolling")
    emit(NAME, "client_rss_mb", _rss_mb(), "MB")
    panel.close()
    runner.close()
    store.close()



def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks queue")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached store")
    args = parser.parse_args(argv)
    if args.cases < 1000:
        parser.error("--cases must be at least 1000")
    measure(_store_path(args.cases, args.fresh))
    return 0


def _build_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.queue")
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--cases", type=int, required=True)
    args = parser.parse_args(argv)
    build(args.build, args.cases)
    return 0


if __name__ == "__main__":
    sys.exit(_build_main(sys.argv[1:]))
