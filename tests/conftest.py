from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support import (  # noqa: E402
    ServerProcess,
    create_pg_database,
    drop_pg_database,
    forget_last_window_hooks,
    seed_small_world,
)


@pytest.fixture(scope="session", autouse=True)
def no_garbage_collection_on_worker_threads():
    """As the client runs (app/runtime/collector.py): Python's automatic
    cyclic collector is off, so a QObject in a reference cycle is never
    freed on a worker thread (Qt crashed later when its timers fired)."""
    import gc

    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def garbage_collected_on_the_main_thread():
    """What the client's collector timer does, after each test."""
    from app.runtime.collector import collect_due

    yield
    collect_due()


@pytest.fixture
def event_loop(qapp):
    """A qasync loop on the test's QApplication, for tests that run coroutines."""
    import asyncio

    import qasync

    forget_last_window_hooks(qapp)
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    yield loop
    forget_last_window_hooks(qapp)
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def pg_url():
    url, name = create_pg_database()
    yield url
    drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """Every server test runs on both engines."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
    else:
        url, name = create_pg_database()
        yield url
        drop_pg_database(name)


@pytest.fixture
def world_url(db_url):
    seed_small_world(db_url)
    return db_url


@pytest.fixture
def server(world_url):
    proc = ServerProcess(world_url).start()
    yield proc
    proc.stop()


@pytest.fixture
def sqlite_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    seed_small_world(url)
    proc = ServerProcess(url).start()
    yield proc
    proc.stop()
