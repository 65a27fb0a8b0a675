"""The JT/T 808 gateway under load, and how fast a fix reaches a workstation.

Figures:

- ``positions_stored_per_s``: 0x0200 reports stored per second (committed
  in the server's database and acknowledged) while 2,000 terminals stay
  connected at once and each keeps up to 8 reports in flight.  The server
  is a real ``python -m server`` process on a SQLite file (the default
  engine; pass ``--db postgres`` for the local PostgreSQL); the terminals
  run in a second process.  Measured from the gateway's own counter over a
  window after every terminal has logged in, median of 3 windows.
- ``fix_to_map_p99_ms``: with terminals sending 500 fixes/s in total, the
  99th percentile of the time from a terminal writing its 0x0200 frame to
  the workstation's sync driver announcing the new positions (the signal
  the main window redraws the vehicle layer on; the fix is committed in the
  client's SQLite store by then).  The client is the real ``SyncEngine`` and
  ``SyncDriver`` on a qasync loop.  Each fix carries a serial number in its
  altitude field, so every fix is matched with its own send time.

Options: ``--terminals N`` (2,000), ``--seconds S`` per throughput window
(5), ``--rate R`` fixes/s for the latency run (500), ``--latency-seconds``
(20), ``--db sqlite|postgres``, ``--only throughput|latency``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import emit

ROOT = Path(__file__).resolve().parent.parent
NAME = "gateway"
PHONE_PREFIX = "0147"
BASE_LON, BASE_LAT = 116.40, 39.92  # WGS-84, Dongcheng


def _phone(i: int) -> str:
    return f"{PHONE_PREFIX}{i:08d}"


def _prepare_db(url: str, terminals: int) -> None:
    """Vehicles, a user, and the rules a city would have: an approved
    route for every muck truck (along the way the benchmark drives it), a
    forbidden area and a parking limit, so alarm judging is part of the load."""
    from core.cases import Role
    from core.coords import wgs84_to_gcj02
    from server.storage import ServerStore

    store = ServerStore(url)
    kinds = ("sweeper", "sprinkler", "muck_truck", "patrol")
    store.write_entities("vehicle", [
        {"vehicle_id": f"B{i:05d}", "plate": f"京B{i:05d}", "kind": kinds[i % 4],
         "terminal_phone": _phone(i), "department_id": None} for i in range(terminals)])
    store.add_user("dispatcher", "Bench", Role.DISPATCHER, "demo")
    for i in range(2, terminals, 4):
        lon, lat = BASE_LON + (i % 100) * 1e-3, BASE_LAT + (i // 100) * 1e-3
        a, b = wgs84_to_gcj02(lon - 0.01, lat), wgs84_to_gcj02(lon + 0.02, lat)
        store.geofences.save({"geofence_id": f"route-{i}", "name": f"route {i}",
                                  "kind": "corridor", "width_m": 80, "vehicle_ids": [f"B{i:05d}"],
                                  "geometry": {"type": "LineString", "coordinates": [a, b]}}, "bench")
    store.geofences.save({"geofence_id": "school", "name": "school", "kind": "forbidden",
                              "vehicle_kinds": ["muck_truck"], "geometry": {
                                  "type": "Polygon", "coordinates": [[[116.30, 39.80], [116.31, 39.80],
                                                                      [116.31, 39.81], [116.30, 39.80]]]}},
                      "bench")
    store.geofences.save({"geofence_id": "parking", "name": "no long stops", "kind": "parking",
                              "max_minutes": 15, "vehicle_kinds": ["muck_truck"]}, "bench")
    store.close()


# ---- the terminals (run in a child process: python -m benchmarks.gateway load ...) ----


_TIME_AT = 12 + 22  # the BCD time: after the 2013 header, alarm ... heading


@functools.lru_cache(maxsize=4096)
def _later_bcd(bcd: bytes, seconds: int) -> bytes:
    moment = datetime.strptime(bcd.hex(), "%y%m%d%H%M%S") + timedelta(seconds=seconds)
    return bytes.fromhex(moment.strftime("%y%m%d%H%M%S"))


def _later(frame: bytes, seconds: int) -> bytes:
    """The same 0x0200 frame, ``seconds`` later in device time.  The gateway
    stores one fix per vehicle and device second: the frame itself sent again
    would be a copy, acknowledged but not stored, and not what is measured.
    Patching the time costs a fraction of encoding the fix anew."""
    raw = bytearray(frame[1:-1].replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d"))
    old = bytes(raw[_TIME_AT:_TIME_AT + 6])
    new = _later_bcd(old, seconds)
    raw[_TIME_AT:_TIME_AT + 6] = new
    for a, b in zip(old, new, strict=True):
        raw[-1] ^= a ^ b
    return b"\x7e" + bytes(raw).replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02") + b"\x7e"


def _frames(i: int, count: int, serial0: int, start_s: int) -> list[bytes]:
    from datetime import datetime

    from core.jt808 import MsgId, encode_message, encode_position
    from core.positions import PositionFix
    from core.timeutil import CST

    out = []
    for k in range(count):
        when = datetime.fromtimestamp(start_s + k, CST).isoformat()
        fix = PositionFix(_phone(i), when, BASE_LON + (i % 100) * 1e-3 + k * 1e-5,
                          BASE_LAT + (i // 100) * 1e-3, altitude_m=k % 65536, speed_kmh=20.0,
                          heading=90, status=0b11)
        out.append(encode_message(MsgId.POSITION, _phone(i), (serial0 + k) & 0xFFFF,
                                  encode_position(fix)))
    return out


class _Terminal(asyncio.Protocol):
    """A terminal that logs in, then keeps ``window`` reports in flight
    (``rate`` None) or sends at a fixed rate, logging each send time."""

    def __init__(self, index: int, frames: list[bytes], window: int, done: asyncio.Event,
                 counters: dict[str, int], log: list[tuple[int, int, float]] | None):
        self.index = index
        self.frames = frames
        self.window = window
        self.done = done
        self.counters = counters
        self.log = log
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.logged_in = asyncio.get_running_loop().create_future()
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()
        self.streaming = False
        self.paced = False  # the paced run writes frames itself; replies send nothing
        self.in_flight = 0
        self.sent = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.streaming:
            # Each reply is one frame: two 0x7E.
            acked = data.count(0x7E) // 2
            self.in_flight -= acked
            self.counters["acked"] += acked
            self._pump()
            return
        self.buffer += data
        while True:
            start = self.buffer.find(b"\x7e")
            end = self.buffer.find(b"\x7e", start + 1)
            if start < 0 or end < 0:
                return
            frame, self.buffer = self.buffer[start:end + 1], self.buffer[end + 1:]
            self.replies.put_nowait(frame)

    def connection_lost(self, exc: Exception | None) -> None:
        self.counters["lost"] += 1

    def _pump(self) -> None:
        assert self.transport is not None
        while not self.paced and self.in_flight < self.window and not self.done.is_set():
            k = self.sent % len(self.frames)
            if k == 0 and self.sent:
                self.frames = [_later(f, len(self.frames)) for f in self.frames]
            self.transport.write(self.frames[k])
            self.sent += 1
            self.in_flight += 1

    async def login(self) -> None:
        from core.jt808 import (
            Authenticate,
            MsgId,
            Register,
            decode_frame,
            decode_register_reply,
            encode_authenticate,
            encode_message,
            encode_register,
        )

        assert self.transport is not None
        phone = _phone(self.index)
        self.transport.write(encode_message(MsgId.REGISTER, phone, 0, encode_register(
            Register(11, 101, "BENCH", "LOAD", f"{self.index:07d}", 1, f"B{self.index:05d}"))))
        reply = decode_register_reply(decode_frame(await self.replies.get()).body)
        if reply.result != 0:
            raise RuntimeError(f"terminal {phone}: register refused ({reply.result})")
        self.transport.write(encode_message(MsgId.AUTHENTICATE, phone, 1,
                                            encode_authenticate(Authenticate(reply.auth_code))))
        body = decode_frame(await self.replies.get()).body
        if body[-1] != 0:
            raise RuntimeError(f"terminal {phone}: authentication refused")


async def _load(port: int, terminals: int, window: int, rate: float | None, seconds: float,
                out: Path) -> None:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    counters = {"acked": 0, "lost": 0}
    log: list[tuple[int, int, float]] = []
    start_s = int(time.time()) - 3600
    protos: list[_Terminal] = []
    sem = asyncio.Semaphore(200)  # logins in waves, like terminals after a power cut

    async def connect(i: int) -> None:
        async with sem:
            frames = _frames(i, 64 if rate is None else 1, 2, start_s)
            _transport, proto = await loop.create_connection(
                lambda: _Terminal(i, frames, window, done, counters, log), "127.0.0.1", port)
            await proto.login()
            protos.append(proto)

    await asyncio.gather(*(connect(i) for i in range(terminals)))
    print(json.dumps({"event": "logged_in", "terminals": len(protos)}), flush=True)
    if rate is None:
        for proto in protos:
            proto.streaming = True
            proto._pump()
        await asyncio.sleep(seconds)
    else:
        await _paced(protos, rate, seconds, start_s, log)
    done.set()
    await asyncio.sleep(1.0)
    out.write_text(json.dumps({"counters": counters, "log": log}))
    for proto in protos:
        if proto.transport is not None:
            proto.transport.close()


async def _paced(protos: list[_Terminal], rate: float, seconds: float, start_s: int,
                 log: list[tuple[int, int, float]]) -> None:
    """Round-robin over the terminals at ``rate`` fixes/s; each fix's
    altitude is its serial number, so the client can say which fix it got."""
    from datetime import datetime

    from core.jt808 import MsgId, encode_message, encode_position
    from core.positions import PositionFix
    from core.timeutil import CST

    for proto in protos:
        proto.streaming = True
        proto.paced = True
    interval = 1.0 / rate
    n = int(rate * seconds)
    t0 = time.perf_counter()
    for k in range(n):
        target = t0 + k * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        proto = protos[k % len(protos)]
        serial = k // len(protos) + 1
        when = datetime.fromtimestamp(start_s + 3600 + serial, CST).isoformat()
        fix = PositionFix(_phone(proto.index), when, BASE_LON + (proto.index % 100) * 1e-3,
                          BASE_LAT + serial * 1e-5, altitude_m=serial % 65536, speed_kmh=20.0,
                          status=0b11)
        assert proto.transport is not None
        proto.transport.write(encode_message(MsgId.POSITION, _phone(proto.index), serial & 0xFFFF,
                                             encode_position(fix)))
        log.append((proto.index, serial, time.time()))


def _load_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--terminals", type=int, required=True)
    p.add_argument("--window", type=int, default=8)
    p.add_argument("--rate", type=float, default=None)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)
    asyncio.run(_load(a.port, a.terminals, a.window, a.rate, a.seconds, a.out))
    return 0


# ---- the measurements ---------------------------------------------------------


def _stats(server: Any, token: str) -> dict[str, Any]:
    import requests

    return requests.get(server.url + "/api/gateway/stats", timeout=30,
                        headers={"Authorization": f"Bearer {token}"}).json()


def _spawn_load(port: int, terminals: int, seconds: float, out: Path, rate: float | None = None
                ) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "benchmarks.gateway", "load", "--port", str(port),
           "--terminals", str(terminals), "--seconds", str(seconds), "--out", str(out)]
    if rate is not None:
        cmd += ["--rate", str(rate)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def _wait_logged_in(proc: subprocess.Popen[str], timeout: float = 180.0) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the load generator stopped before logging in")
        if json.loads(line).get("event") == "logged_in":
            return
    raise RuntimeError("the terminals did not log in in time")


def throughput(server: Any, terminals: int, seconds: float, tmp: Path) -> None:
    token = server.login()
    windows = 3
    # Runs until stopped: the windows below decide how long we measure.
    proc = _spawn_load(server.jt808_port, terminals, 3600, tmp / "load.json")
    _wait_logged_in(proc)
    time.sleep(seconds)  # warm up: queues and caches fill
    rates = []
    open_conns = []
    for _ in range(windows):
        a = _stats(server, token)
        t_a = time.monotonic()
        time.sleep(seconds)
        b = _stats(server, token)
        rates.append((b["positions_stored"] - a["positions_stored"]) / (time.monotonic() - t_a))
        open_conns.append(b["connections_open"])
    final = _stats(server, token)
    proc.terminate()
    proc.wait(timeout=60)
    emit(NAME, "positions_stored_per_s", statistics.median(rates), "positions/s")
    emit(NAME, "concurrent_terminals", min(open_conns), "connections")
    emit(NAME, "store_errors", final["store_errors"], "errors")
    # Each report is a fresh fix: a copy would be acknowledged, not stored.
    emit(NAME, "positions_duplicate", final.get("positions_duplicate", 0), "fixes")
    emit(NAME, "alarm_batches_dropped", final.get("alarm_batches_dropped", 0), "batches")


def latency(server: Any, rate: float, seconds: float, tmp: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QCoreApplication

    from app.store.replica import LocalStore
    from app.sync.driver import SyncDriver
    from app.sync.engine import SyncEngine

    app = QCoreApplication.instance() or QCoreApplication([])
    store_path = tmp / "client.db"
    engine = SyncEngine(store_path, server.url, "BENCH")
    engine.login("dispatcher", "demo")
    engine.sync_once()  # the replica and the position cursor, before the clock starts
    driver = SyncDriver(engine)
    reader = LocalStore(store_path)
    seen: dict[tuple[str, int], float] = {}
    state = {"after": engine.store.position_cursor() or 0}

    def announced(summary: Any) -> None:
        if not summary.positions:
            return
        now = time.time()
        for row in _track_rows_after(reader, state["after"]):
            state["after"] = max(state["after"], row["position_id"])
            seen.setdefault((row["vehicle_id"], row["altitude_m"]), now)

    driver.storeChanged.connect(announced)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    terminals = max(1, int(rate // 2))  # at 500 fixes/s: 250 terminals, a fix every 0.5 s each

    async def run() -> dict[str, Any]:
        driver.start()
        proc = _spawn_load(server.jt808_port, terminals, seconds, tmp / "paced.json", rate=rate)
        while proc.poll() is None:
            await asyncio.sleep(0.2)
        await asyncio.sleep(3.0)  # the last fixes arrive
        await driver.stop()
        return json.loads((tmp / "paced.json").read_text())

    with loop:
        result = loop.run_until_complete(run())
    reader.close()
    delays = []
    missing = 0
    for index, serial, sent in result["log"]:
        got = seen.get((f"B{index:05d}", serial % 65536))
        if got is None:
            missing += 1
        else:
            delays.append((got - sent) * 1000.0)
    delays.sort()
    if not delays:
        raise RuntimeError("no fix reached the client")
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    emit(NAME, "fix_to_map_p99_ms", p99, "ms")
    emit(NAME, "fix_to_map_median_ms", statistics.median(delays), "ms")
    emit(NAME, "fix_to_map_fixes", len(delays), "fixes")
    emit(NAME, "fix_to_map_missing", missing, "fixes")


def _track_rows_after(store: Any, after: int) -> list[dict[str, Any]]:
    from app.store.vehicles import VehicleStore

    return VehicleStore(store).track_points_after(after)


def run(argv: list[str]) -> int:
    if argv and argv[0] == "load":
        return _load_main(argv[1:])
    p = argparse.ArgumentParser(prog="python -m benchmarks gateway")
    p.add_argument("--terminals", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--rate", type=float, default=500.0)
    p.add_argument("--latency-seconds", type=float, default=20.0)
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--only", choices=("throughput", "latency"), default=None)
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))
    import resource

    from support import ServerProcess, create_pg_database, drop_pg_database

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 65536)), hard))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pg_name = None
        if args.db == "postgres":
            url, pg_name = create_pg_database()
        else:
            url = f"sqlite:///{tmp / 'server.db'}"
        try:
            _prepare_db(url, max(args.terminals, int(args.rate)))
            emit(NAME, "engine_is_postgres", 1 if args.db == "postgres" else 0, "bool")
            server = ServerProcess(url).start()
            try:
                if args.only in (None, "throughput"):
                    throughput(server, args.terminals, args.seconds, tmp)
                if args.only in (None, "latency"):
                    latency(server, args.rate, args.latency_seconds, tmp)
            finally:
                server.stop()
        finally:
            if pg_name:
                drop_pg_database(pg_name)
    return 0


if __name__ == "__main__":
    sys.exit(_load_main(sys.argv[2:]) if sys.argv[1:2] == ["load"] else run(sys.argv[1:]))
