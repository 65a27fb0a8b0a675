"""The startup benchmark's probe (main.py --exit-when-usable) on a small world.

A real server process, a workstation store synced from it by the real
SyncEngine, and the real client started as a fresh process through the
benchmark's own ``start_client``: the JSON line arrives with sane values.
No timing goals are asserted here; ``python -m benchmarks startup`` measures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from app.net.client import Timeouts
from app.sync.engine import SyncEngine
from benchmarks.startup import client_env, start_client
from support import seed_cases

ROOT = Path(__file__).resolve().parents[2]


def _synced_store(server, path: Path) -> Path:
    engine = SyncEngine(path, server.url, "WS1")
    engine.login("dispatcher", "demo")
    while engine.sync_once().pulled:
        pass
    engine.close()
    return path


def test_probe_reports_when_the_window_is_usable_and_the_client_exits(sqlite_server, tmp_path):
    seed_cases(sqlite_server, 3)
    store = _synced_store(sqlite_server, tmp_path / "c.db")
    before = time.time()
    report = start_client(sqlite_server.url, store, client_env(tmp_path / "pycache"), timeout=60)
    assert report["queue_rows"] == 3  # the three open cases, first page in the queue
    assert report["cells_drawn"] == 4  # the small world's cells, drawn before "usable"
    assert before < report["usable_at"] < time.time()
    assert 0 < report["cold_start_ms"] < 60_000
    assert 30 < report["rss_mb"] < 4000  # Qt and the app loaded, not a stray figure
    assert 0 < report["cpu_s"] * 1000 < 60_000
    # Closing right after the first sync round must not wait out the long-poll
    # it may just have started (a cancel before its socket existed did).
    assert report["exit_s"] < Timeouts().long_poll_s / 2, report


def test_probe_needs_credentials_and_a_good_password(sqlite_server, tmp_path):
    env = client_env(tmp_path / "pycache")
    base = [sys.executable, "main.py", "--server", sqlite_server.url, "--store", str(tmp_path / "c.db"),
            "--exit-when-usable", "--screenshot-timeout", "30"]
    out = subprocess.run(base, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert out.returncode == 2 and "--user and --password" in out.stderr
    assert "usable_at" not in out.stdout
    out = subprocess.run(base + ["--user", "dispatcher", "--password", "wrong"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=90)
    assert out.returncode == 1 and "sign-in failed" in out.stderr
    assert "usable_at" not in out.stdout
