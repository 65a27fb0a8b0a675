"""The walking skeleton's sync path: a client pulling the demo district's
change feed from a real server process into an empty local store.

Figures: ``initial_pull_rows_per_s`` (end to end: HTTP, decoding, SQLite) and
``command_round_trip_ms`` (one command queued, pushed and acknowledged).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import demo_server, emit


def run(argv: list[str]) -> int:
    from app.services.desk import CaseDesk
    from app.store.replica import LocalStore
    from app.sync.engine import SyncEngine

    with tempfile.TemporaryDirectory() as tmp, demo_server() as server:
        rates = []
        for i in range(3):
            path = Path(tmp) / f"client{i}.db"
            engine = SyncEngine(path, server.url, f"B{i}")
            engine.login("dispatcher", "demo")
            start = time.perf_counter()
            pulled = 0
            while True:
                report = engine.sync_once()
                pulled += report.pulled
                if report.pulled == 0:
                    break
            rates.append(pulled / (time.perf_counter() - start))
            engine.close()
        emit("feed", "initial_pull_rows_per_s", statistics.median(rates), "rows/s")

        store = LocalStore(Path(tmp) / "client0.db")
        engine = SyncEngine(Path(tmp) / "client0.db", server.url, "B0")
        user = engine.login("dispatcher", "demo")
        desk = CaseDesk(store, "B0", user)
        cell = store.cell_rings()[0][0]
        c = store.cell(cell)
        assert c is not None
        samples = []
        for _ in range(20):
            start = time.perf_counter()
            desk.register_case(category="E0102", cell_code=cell, lon=c["center_lon"], lat=c["center_lat"])
            engine.sync_once()
            samples.append((time.perf_counter() - start) * 1000)
        emit("feed", "command_round_trip_ms", statistics.median(samples), "ms")
        engine.close()
        store.close()
    return 0
