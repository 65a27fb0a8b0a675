"""The outage drill: "stop the client's network for 10 minutes while vehicles
drive: after reconnect their tracks have no hole", on the wall clock.

    python -m tests.e2e.outage_drill --minutes 10      (or: make outage-drill MINUTES=10)

Starts a real server (``python -m server`` on a fresh SQLite file, or the
local PostgreSQL with ``--postgres``), a fleet of simulated terminals that
report every ``--interval`` seconds over real JT/T 808, and a real client
(``SyncEngine`` on its own SQLite store) that reaches the server only
through a TCP proxy on loopback.  It cuts the proxy for ``--minutes`` of
real time while the fleet drives, restores it, lets the client catch up and
prints the evidence: per vehicle the fixes reported during the cut, whether
the client's track equals the server's, and the largest gap between two
consecutive fixes across the cut.  Exit status 0 when every vehicle's track
is whole, 1 when one has a hole.

The rig here (``CuttableProxy``, ``Fleet``, ``run_outage``) is also what
tests/e2e/test_live_vehicles.py uses, with the terminals' clock running 200
times as fast: ten minutes of driving in a few seconds of a test.

Threading: the fleet drives on an event loop in a thread of its own; the
proxy pumps on threads of its own; everything else runs on the caller's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, ROOT / "tests"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import numpy as np  # noqa: E402
import requests  # noqa: E402

from app.store.replica import LocalStore  # noqa: E402
from app.store.vehicles import VehicleStore  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402
from core.timeutil import CST, from_iso, to_iso  # noqa: E402
from server.simulator import DeviceClock, Driver, DriveStats, SimulatedTerminal, drive  # noqa: E402
from server.storage import ServerStore  # noqa: E402
from support import ServerProcess, seed_small_world, wait_until  # noqa: E402

# The small world's four cell centres (WGS-84 near enough for driving).
_LON = np.array([116.4106, 116.4118, 116.4106, 116.4118])
_LAT = np.array([39.9205, 39.9205, 39.9214, 39.9214])
_KINDS = ("sweeper", "patrol", "muck_truck", "sprinkler")


class CuttableProxy:
    """A TCP proxy on loopback: the fake network between client and server."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = 0
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()


class Fleet:
    """Simulated terminals driving in a thread of their own, over real TCP.
    With ``clock`` they report on its schedule (see ``DeviceClock``)."""

    def __init__(self, port: int, phones: list[str], interval: float = 0.1,
                 clock: DeviceClock | None = None):
        self.stop_event: asyncio.Event | None = None
        self.loop = asyncio.new_event_loop()
        self.stats = [DriveStats() for _ in phones]
        self.thread = threading.Thread(target=self._run, args=(port, phones, interval, clock),
                                       daemon=True)
        self.thread.start()

    def _run(self, port: int, phones: list[str], interval: float,
             clock: DeviceClock | None) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.stop_event = asyncio.Event()
            await asyncio.gather(*(
                drive(SimulatedTerminal(p, "127.0.0.1", port, reply_timeout=2.0),
                      Driver(_LON, _LAT, speed_kmh=30.0), self.stop_event, interval=interval,
                      stats=s, heartbeat_every=0, clock=clock)
                for p, s in zip(phones, self.stats, strict=True)))

        self.loop.run_until_complete(main())

    def stop(self) -> None:
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(15)


def fleet_vehicles(count: int) -> list[dict[str, Any]]:
    """Vehicles V003... beyond the small world's two, with their terminals."""
    return [{"vehicle_id": f"V{n:03d}", "plate": f"A{n:05d}", "kind": _KINDS[n % len(_KINDS)],
             "terminal_phone": f"0138{n:08d}", "department_id": None} for n in range(3, count + 1)]


def phones(count: int) -> dict[str, str]:
    """vehicle id -> terminal number for V001..V<count> (the small world's numbering)."""
    return {f"V{n:03d}": f"0138{n:08d}" for n in range(1, count + 1)}


class ServerView:
    """What the server itself holds, asked directly, never through the proxy."""

    def __init__(self, server: ServerProcess):
        self.url = server.url
        self.headers = {"Authorization": f"Bearer {server.login()}"}

    def _get(self, path: str, **params: Any) -> Any:
        reply = requests.get(self.url + path, params=params, headers=self.headers, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def newest(self) -> dict[str, str]:
        """vehicle id -> device time of its newest fix."""
        return {v["vehicle_id"]: v["device_time"] for v in self._get("/api/positions/latest")["vehicles"]}

    def last_id(self) -> int:
        return int(self._get("/api/positions/latest")["cursor"])

    def track(self, vehicle_id: str, start: str, end: str) -> list[dict[str, Any]]:
        return list(self._get(f"/api/vehicles/{vehicle_id}/track", start=start, end=end)["positions"])


@dataclass
class Outage:
    """What happened around one cut of the client's network."""

    cut_at: dict[str, str]  # vehicle -> the server's newest device time when the network went
    up_at: dict[str, str]  # ... and when it came back
    offline_rounds: int  # sync rounds during the cut; every one found the server unreachable
    online_rounds: int  # ... that reached it anyway (must be 0)
    client_newest_before: dict[str, str]  # the client's newest fix per vehicle before catching up
    server_tracks: dict[str, list[dict[str, Any]]]  # device-time order, the cut and either side
    client_tracks: dict[str, list[dict[str, Any]]]
    wall_s: float  # how long the cut lasted on the wall clock

    def across_cut(self, vehicle_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The fixes from the one at the cut to the one at reconnection."""
        a, b = self.cut_at[vehicle_id], self.up_at[vehicle_id]
        return [r for r in rows if a <= r["device_time"] <= b]

    def evidence(self) -> dict[str, dict[str, Any]]:
        """Per vehicle: device seconds driven during the cut, fixes reported
        in it, whether the client holds exactly the server's fixes, and the
        largest gap between consecutive fixes of the client's track across it."""
        out = {}
        for vid in sorted(self.cut_at):
            mine = self.across_cut(vid, self.client_tracks[vid])
            theirs = self.across_cut(vid, self.server_tracks[vid])
            times = [from_iso(r["device_time"]).timestamp() for r in mine]
            out[vid] = {
                "driven_s": (from_iso(self.up_at[vid]) - from_iso(self.cut_at[vid])).total_seconds(),
                "fixes_during_cut": len(theirs),
                "client_equals_server": _key(self.client_tracks[vid]) == _key(self.server_tracks[vid]),
                "max_gap_s": max((b - a for a, b in zip(times, times[1:], strict=False)), default=None),
            }
        return out


def _key(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["position_id"], r["device_time"], r["lon"], r["lat"]) for r in rows]


def run_outage(server: ServerProcess, client_db: Path, vehicle_phones: dict[str, str], *,
               interval: float, clock: DeviceClock | None,
               cut_until: Callable[[dict[str, str], dict[str, str], float], bool],
               max_cut_s: float, progress: Callable[[str], None] = lambda _line: None,
               poll_s: float = 0.2) -> Outage:
    """Drive the fleet, cut the client's network until ``cut_until(cut_at,
    newest, wall seconds)`` says so (at most ``max_cut_s``), restore it, let
    the client catch up and collect both sides' tracks.  Raises
    ``RuntimeError`` when the fleet or the client does not get going."""
    view = ServerView(server)
    proxy = CuttableProxy(server.api_port)
    engine = SyncEngine(client_db, f"http://127.0.0.1:{proxy.port}", "WS-DRILL")
    store = LocalStore(client_db)
    fleet: Fleet | None = None
    try:
        engine.login("dispatcher", "demo")
        # The client follows before the first fix: it should hold every one.
        if engine.sync_once().error is not None:
            raise RuntimeError("the client cannot reach the server")
        fleet = Fleet(server.jt808_port, list(vehicle_phones.values()), interval, clock)
        if not wait_until(lambda: all(s.acked >= 3 for s in fleet.stats), 30):
            raise RuntimeError("the fleet did not get going")
        if not wait_until(lambda: engine.sync_once().error is None, 10):
            raise RuntimeError("the client lost the server before the cut")
        first = view.newest()
        proxy.cut()
        cut_at = view.newest()  # after the cut: the client cannot have anything newer
        started = time.monotonic()
        progress("the fleet is driving; the client's network is cut")
        offline = online = 0
        newest = cut_at
        next_note = started + 30.0
        while True:
            elapsed = time.monotonic() - started
            newest = view.newest()
            if cut_until(cut_at, newest, elapsed) or elapsed > max_cut_s:
                break
            if engine.sync_once().online:
                online += 1
            else:
                offline += 1
            if time.monotonic() >= next_note:
                next_note += 30.0
                driven = min((from_iso(newest[v]) - from_iso(cut_at[v])).total_seconds()
                             for v in cut_at)
                progress(f"cut for {elapsed:5.0f} s: every vehicle drove >= {driven:.0f} s "
                         f"of device time the client cannot see")
            time.sleep(poll_s)
        wall_s = time.monotonic() - started
        # Both sides' tracks from before the first fix to after the last.
        start = to_iso(from_iso(min(first.values())) - timedelta(hours=1))
        client_newest = _client_newest(VehicleStore(store), list(cut_at), start)
        proxy.up()
        up_at = view.newest()
        if not wait_until(lambda: engine.sync_once().error is None, 30):
            raise RuntimeError("the client did not reconnect")
        fleet.stop()
        last = view.last_id()
        if not wait_until(lambda: engine.sync_once().error is None
                          and (store.position_cursor() or 0) >= last, 60):
            raise RuntimeError("the client did not catch up")
        vehicles = VehicleStore(store)
        end = to_iso(from_iso(max(view.newest().values())) + timedelta(seconds=1))
        return Outage(
            cut_at=cut_at, up_at=up_at, offline_rounds=offline, online_rounds=online,
            client_newest_before=client_newest,
            server_tracks={v: view.track(v, start, end) for v in vehicle_phones},
            client_tracks={v: vehicles.track(v, start, end) for v in vehicle_phones},
            wall_s=wall_s)
    finally:
        if fleet is not None:
            fleet.stop()
        engine.close()
        store.close()
        proxy.cut()


def _client_newest(vehicles: VehicleStore, vehicle_ids: list[str], start: str) -> dict[str, str]:
    out = {}
    for vid in vehicle_ids:
        rows = vehicles.track(vid, start, "2100-01-01T00:00:00+08:00")
        out[vid] = rows[-1]["device_time"] if rows else ""
    return out


# ---- the drill -----------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.e2e.outage_drill", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10.0,
                   help="how long the client's network stays cut, in real minutes (10)")
    p.add_argument("--vehicles", type=int, default=6, help="vehicles driving (6)")
    p.add_argument("--interval", type=float, default=10.0,
                   help="seconds between a terminal's reports (10)")
    p.add_argument("--postgres", action="store_true",
                   help="the server on a fresh database of the local PostgreSQL, not SQLite")
    args = p.parse_args(argv)
    if args.minutes <= 0 or args.vehicles < 2 or args.interval < 1:
        p.error("--minutes must be positive, --vehicles at least 2, --interval at least 1 s")

    def say(line: str) -> None:
        print(f"{datetime.now(CST):%H:%M:%S} {line}", flush=True)

    with tempfile.TemporaryDirectory(prefix="griddesk-drill-") as tmp_name:
        tmp = Path(tmp_name)
        pg_name = None
        if args.postgres:
            from support import create_pg_database

            url, pg_name = create_pg_database()
        else:
            url = f"sqlite:///{tmp / 'server.db'}"
        try:
            seed_small_world(url)
            store = ServerStore(url)
            store.write_entities("vehicle", fleet_vehicles(args.vehicles))
            store.close()
            server = ServerProcess(url).start()
            say(f"server on {server.url}, gateway on port {server.jt808_port}; "
                f"{args.vehicles} vehicles report every {args.interval:g} s; the client's "
                f"network will be cut for {args.minutes:g} min once they all report")
            try:
                cut_s = args.minutes * 60.0
                # A clock at the wall's pace: reports on the terminals' schedule.
                outage = run_outage(
                    server, tmp / "client.db", phones(args.vehicles), interval=args.interval,
                    clock=DeviceClock(1.0), max_cut_s=cut_s + 60.0, progress=say, poll_s=1.0,
                    cut_until=lambda _cut, _newest, elapsed: elapsed >= cut_s)
            finally:
                server.stop()
        finally:
            if pg_name is not None:
                from support import drop_pg_database

                drop_pg_database(pg_name)
    evidence = outage.evidence()
    say(f"network back after {outage.wall_s:.0f} s; {outage.offline_rounds} sync rounds "
        f"during the cut, {outage.online_rounds} of them reached the server")
    whole = outage.online_rounds == 0
    for vid, e in evidence.items():
        ok = (e["client_equals_server"] and e["max_gap_s"] is not None
              and e["max_gap_s"] <= args.interval
              and e["driven_s"] >= cut_s - 2 * args.interval
              and outage.client_newest_before[vid] <= outage.cut_at[vid])
        whole = whole and ok
        say(f"{vid}: {e['driven_s']:5.0f} s driven during the cut, {e['fixes_during_cut']:3d} "
            f"fixes from the cut to the reconnection; client track = server track: {e['client_equals_server']}; largest gap "
            f"{e['max_gap_s']} s (reporting interval {args.interval:g} s): "
            f"{'no hole' if ok else 'HOLE'}")
    print(json.dumps({"minutes": args.minutes, "interval_s": args.interval, "whole": whole,
                      "vehicles": evidence}), flush=True)
    return 0 if whole else 1


if __name__ == "__main__":
    sys.exit(main())
