"""Test support: a real server process, a real PostgreSQL database, a small world.

Nothing here fakes GridDesk: the server is `python -m server` on 127.0.0.1,
the databases are real SQLite files and a real PostgreSQL.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("GRIDDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class ServerProcess:
    """``python -m server`` in a child process, on loopback."""

    def __init__(self, db_url: str, api_port: int = 0, jt808_port: int = 0):
        self.db_url = db_url
        self.api_port = api_port
        self.jt808_port = jt808_port
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--db", self.db_url, "--api-port", str(self.api_port),
             "--jt808-port", str(self.jt808_port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    break
                info = json.loads(line)
                if info.get("event") == "ready":
                    self.api_port, self.jt808_port = info["api_port"], info["jt808_port"]
                    return self
            if self.proc.poll() is not None:
                break
        err = self.proc.stderr.read() if self.proc.stderr and self.proc.poll() is not None else ""
        self.kill()
        raise RuntimeError(f"server did not start: {err[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a crash or a pulled plug."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def login(self, username: str = "dispatcher", password: str = "demo", workstation: str = "T1") -> str:
        reply = requests.post(self.url + "/api/login", json={
            "username": username, "password": password, "workstation": workstation}, timeout=10)
        reply.raise_for_status()
        return reply.json()["token"]


def create_pg_database() -> tuple[str, str]:
    """A fresh database on the real PostgreSQL; returns (url, name).
    Raises (never skips) when PostgreSQL is missing: CI must run these."""
    name = f"griddesk_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name


def drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# A small world around Dongcheng: four 100 m cells in a 2×2 block.
DISTRICT = "110101"
BASE_LON, BASE_LAT = 116.4100, 39.9200
DLON, DLAT = 0.00117, 0.0009  # ~100 m


def small_world_rows() -> dict[str, list[dict]]:
    cells = []
    for i, (col, row) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1)), start=1):
        lon0, lat0 = BASE_LON + col * DLON, BASE_LAT + row * DLAT
        ring = [[lon0, lat0], [lon0 + DLON, lat0], [lon0 + DLON, lat0 + DLAT], [lon0, lat0 + DLAT], [lon0, lat0]]
        cells.append({"code": f"{DISTRICT}001001{i:03d}", "community_code": f"{DISTRICT}001001",
                      "street_code": f"{DISTRICT}001", "grade": "A", "area_m2": 10000.0,
                      "department_id": "D-ST001", "center_lon": lon0 + DLON / 2,
                      "center_lat": lat0 + DLAT / 2, "ring": json.dumps(ring)})
    outline = {"type": "MultiPolygon", "coordinates": [[[
        [BASE_LON, BASE_LAT], [BASE_LON + 2 * DLON, BASE_LAT], [BASE_LON + 2 * DLON, BASE_LAT + 2 * DLAT],
        [BASE_LON, BASE_LAT + 2 * DLAT], [BASE_LON, BASE_LAT]]]]}
    return {
        "region": [
            {"code": DISTRICT, "level": "district", "name": "Dongcheng", "parent_code": None,
             "geometry": json.dumps(outline)},
            {"code": f"{DISTRICT}001", "level": "street", "name": "Donghuamen", "parent_code": DISTRICT,
             "geometry": None},
            {"code": f"{DISTRICT}001001", "level": "community", "name": "C1",
             "parent_code": f"{DISTRICT}001", "geometry": None},
        ],
        "department": [
            {"department_id": "D-SAN", "name": "Sanitation", "kind": "sanitation", "street_code": None},
            {"department_id": "D-ROAD", "name": "Roads", "kind": "roads", "street_code": None},
            {"department_id": "D-ST001", "name": "Street office", "kind": "street_office",
             "street_code": f"{DISTRICT}001"},
        ],
        "cell": cells,
        "vehicle": [
            {"vehicle_id": "V001", "plate": "A00001", "kind": "sweeper", "terminal_phone": "013800000001",
             "department_id": "D-SAN"},
            {"vehicle_id": "V002", "plate": "A00002", "kind": "patrol", "terminal_phone": "013800000002",
             "department_id": None},
        ],
    }


def seed_small_world(db_url: str) -> None:
    from core.cases import Role
    from server.storage import ServerStore

    store = ServerStore(db_url)
    for entity, rows in small_world_rows().items():
        store.write_entities(entity, rows)
    store.add_user("dispatcher", "Dispatcher Wang", Role.DISPATCHER, "demo")
    store.add_user("dispatcher2", "Dispatcher Li", Role.DISPATCHER, "demo")
    store.add_user("leader", "Leader Zhang", Role.SHIFT_LEADER, "demo")
    store.add_user("acceptor", "Acceptor Zhao", Role.ACCEPTOR, "demo")
    store.add_user("dept", "Sanitation desk", Role.DEPARTMENT, "demo", department_id="D-SAN")
    store.close()


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


async def until(predicate, timeout: float) -> float:
    """On a running event loop: seconds until predicate() held; fails after timeout."""
    import asyncio

    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def open_window(url: str, store, workstation: str, user: str, password: str = "demo"):
    """A signed-in workstation as the client builds it: session, main window
    shown, sync started.  Returns ``(session, window)``; the caller closes both."""
    from app.session import ClientConfig, ClientSession
    from app.views.main_window import MainWindow

    session = ClientSession(ClientConfig(url, store, workstation))
    await session.sign_in(user, password)
    window = MainWindow(session.services)
    window.show()
    session.start_sync()
    return session, window


async def open_window_on_the_block(url: str, store, user: str, workstation: str):
    """``open_window`` on the small world, once its four cells arrived, the
    map centred on the 2×2 block at street zoom."""
    from core.geo import lonlat_to_mercator

    session, window = await open_window(url, store, workstation, user)
    await until(lambda: len(window.map.cell_codes()) == 4, 15)
    window.map.set_view(*lonlat_to_mercator(BASE_LON + DLON, BASE_LAT + DLAT), 400.0)
    return session, window


def forget_last_window_hooks(qapp) -> None:
    """Windows of earlier tests hooked app.lastWindowClosed to their own
    (closed) loops; closing this test's last window must not call them."""
    import contextlib
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with contextlib.suppress(RuntimeError, TypeError):
            qapp.lastWindowClosed.disconnect()


def register_commands(count: int, operator: str = "dispatcher") -> list[dict]:
    """``count`` register commands for cases in the small world's first cell."""
    from core.cases import Command, CommandKind
    from core.timeutil import now_iso

    return [Command.new(CommandKind.REGISTER, str(uuid.uuid4()), {
        "category": "E0102", "cell_code": "110101001001001", "lon": 116.4105, "lat": 39.9204,
        "description": f"暴露垃圾 {i}", "address": f"东华门大街{i}号"},
        operator=operator, workstation="T1", issued_at=now_iso()).to_dict() for i in range(count)]


def seed_cases(server: ServerProcess, count: int, token: str | None = None) -> None:
    """Register ``count`` cases through the API of a running server."""
    reply = requests.post(server.url + "/api/commands", json={"commands": register_commands(count)},
                          headers={"Authorization": f"Bearer {token or server.login()}"}, timeout=30)
    assert all(r["outcome"] == "accepted" for r in reply.json()["results"]), reply.text


def png_bytes(image) -> bytes:
    """A QImage encoded as PNG, as a tile server or a camera would send it."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buf, "PNG")
    return bytes(data.data())
