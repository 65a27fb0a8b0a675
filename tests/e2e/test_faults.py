"""Offline-first, proven under faults.

Three workstations (``fault_client.py`` processes: real ``SyncEngine`` and
``CaseDesk`` on their own SQLite stores) work against one real server
process on the real PostgreSQL, through a TCP proxy that this test can cut
and slow.  For a bounded time the test SIGKILLs workstations and the server
at random moments (at least 50 kills), cuts every connection, takes the
network down and adds delay.  Then it heals everything, lets each
workstation catch up, and proves:

- every command any workstation issued reached the server exactly once and
  has one final answer, the same on both sides: accepted, rejected (and
  still shown as a conflict), or withdrawn by a recorded discard;
- the server's own books agree (a case's version is the number of its
  accepted commands; every accepted command has exactly one timeline event);
- every replica equals the server, table by table (rows and checksums).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from app.store.integrity import compare
from app.store.ledger import OutboxLedger
from app.store.replica import LocalStore
from app.sync.engine import SyncEngine
from support import ServerProcess, create_pg_database, drop_pg_database, seed_small_world

ROOT = Path(__file__).resolve().parents[2]
CLIENT = Path(__file__).with_name("fault_client.py")
CHAOS_MIN_S = 30.0
CHAOS_MAX_S = 90.0
KILLS_NEEDED = 50
SERVER_KILLS_NEEDED = 4
SERVER_KILL_EVERY_S = 8.0
WORKSTATIONS = [("WS1", "dispatcher"), ("WS2", "dispatcher2"), ("WS3", "leader")]


class FaultProxy:
    """A TCP proxy on loopback between the workstations and the server: a
    fake network that can be cut (every connection dropped mid-stream),
    taken down (new connections closed at once) and slowed (a delay before
    every chunk it forwards)."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.delay_s = 0.0
        self.down = False
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._stopping = False
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
                upstream.settimeout(None)
            except OSError:
                client.close()  # the server is down: the workstation sees a refused/closed connection
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                if self.delay_s:
                    time.sleep(self.delay_s)
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        """Drop every live connection, mid-request or mid-reply."""
        with self._lock:
            live = list(self._sockets)
        for sock in live:
            self._close(sock)
        self.cuts += 1

    def close(self) -> None:
        self._stopping = True
        self._listener.close()
        self.cut()


class Workstation:
    def __init__(self, name: str, user: str, store: Path, url: str, seed: int, stop_file: Path):
        self.name, self.user, self.store, self.url, self.seed = name, user, store, url, seed
        self.stop_file = stop_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.proc = subprocess.Popen(
            [sys.executable, str(CLIENT), "--store", str(self.store), "--server", self.url,
             "--workstation", self.name, "--user", self.user, "--seed", str(self.seed),
             "--stop-file", str(self.stop_file)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def check_alive(self) -> None:
        """A workstation that died by itself (not by our SIGKILL) is a bug."""
        if self.proc is not None and self.proc.poll() is not None and self.proc.returncode != -signal.SIGKILL:
            err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{err[-3000:]}")


def server_rows(pg_url: str) -> tuple[dict[str, dict], dict[str, dict], dict[str, int]]:
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        commands = {r.command_id: {"outcome": r.outcome, "result": json.loads(r.result), "case_id": r.case_id}
                    for r in conn.execute(text("SELECT command_id, outcome, result, case_id FROM commands"))}
        cases = {r.case_id: {"version": r.version} for r in conn.execute(text("SELECT case_id, version FROM cases"))}
        events = {}
        for r in conn.execute(text("SELECT event_id, count(*) AS n FROM case_events GROUP BY event_id")):
            events[r.event_id] = r.n
    engine.dispose()
    return commands, cases, events


@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_nothing_is_lost_under_kills_cuts_and_delays(tmp_path):
    pg_url, pg_name = create_pg_database()
    server: ServerProcess | None = None
    proxy: FaultProxy | None = None
    stations: list[Workstation] = []
    try:
        seed_small_world(pg_url)
        server = ServerProcess(pg_url).start()
        proxy = FaultProxy(server.api_port)
        stop_file = tmp_path / "stop"
        stations = [Workstation(name, user, tmp_path / f"{name}.db", proxy.url, seed, stop_file)
                    for seed, (name, user) in enumerate(WORKSTATIONS, start=1)]
        for station in stations:
            station.start()

        rng = random.Random(int(os.environ.get("GRIDDESK_FAULT_SEED", "6")))
        kills = {"client": 0, "server": 0}
        started = last_server_kill = time.monotonic()
        while True:
            elapsed = time.monotonic() - started
            if elapsed > CHAOS_MAX_S or (elapsed > CHAOS_MIN_S and sum(kills.values()) >= KILLS_NEEDED
                                         and kills["server"] >= SERVER_KILLS_NEEDED):
                break
            # The sleeps in this loop are the fault schedule itself (random
            # pauses, outage and slow-network lengths), not waits for a result.
            time.sleep(rng.uniform(0.1, 0.5))
            for station in stations:
                station.check_alive()
            roll = rng.random()
            if time.monotonic() - last_server_kill > SERVER_KILL_EVERY_S:
                roll = 0.8  # the server crashes now and then, whatever the dice say
            if roll < 0.75:
                station = rng.choice(stations)
                station.kill()
                kills["client"] += 1
                time.sleep(rng.uniform(0.0, 0.2))
                station.start()
            elif roll < 0.83:
                server.kill()
                kills["server"] += 1
                last_server_kill = time.monotonic()
                proxy.cut()
                time.sleep(rng.uniform(0.1, 0.8))  # an outage: workstations work offline meanwhile
                server.start()  # the same ports and database: a restart
            elif roll < 0.90:
                proxy.cut()
            elif roll < 0.95:
                proxy.down = True
                proxy.cut()
                time.sleep(rng.uniform(0.3, 1.0))
                proxy.down = False
            else:
                proxy.delay_s = rng.uniform(0.05, 0.3)
                time.sleep(rng.uniform(0.3, 1.0))
                proxy.delay_s = 0.0
        assert sum(kills.values()) >= KILLS_NEEDED, kills
        assert kills["server"] >= SERVER_KILLS_NEEDED, kills

        # Heal: the last faults are kills too, then every workstation catches up
        # in-process against the server (the same engine code, no proxy).
        stop_file.write_text("stop")
        for station in stations:
            station.kill()
        proxy.delay_s, proxy.down = 0.0, False
        token = server.login()
        engines = []
        for station in stations:  # first everyone sends what they hold...
            engine = SyncEngine(station.store, server.url, station.name)
            engine.login(station.user, "demo")
            engines.append(engine)
            for _ in range(20):
                report = engine.sync_once()
                assert report.error is None, report.error
                if report.pending == 0 and not OutboxLedger(engine.store).discarding():
                    break
        for engine in engines:  # ...then everyone pulls what the others sent
            report = engine.sync_once()
            assert report.error is None and report.pending == 0, report.error
            assert report.cursor == engine.server_last_seq
            engine.close()

        # ---- every command exactly once, with one final answer on both sides ----
        commands, cases, events = server_rows(pg_url)
        issued: dict[str, dict] = {}
        for station in stations:
            store = LocalStore(station.store)
            with store.engine.connect() as conn:
                rows = conn.execute(text("SELECT command_id, state, result, acknowledged_by FROM outbox")).all()
            for command_id, state, result, acknowledged_by in rows:
                assert command_id not in issued, f"{command_id} issued twice"
                issued[command_id] = {"state": state, "result": json.loads(result) if result else None,
                                      "acknowledged_by": acknowledged_by, "station": station.name}
            ledger = OutboxLedger(store)
            open_cards = {e.command_id for e in ledger.open_conflicts(limit=100000)}
            mine = {cid for cid, v in issued.items() if v["station"] == station.name}
            rejected_here = {cid for cid in mine if issued[cid]["state"] == "rejected"
                             and not issued[cid]["acknowledged_by"]}
            assert open_cards == rejected_here  # every rejection still shown as a conflict card
            assert store.counts().rejected == len(rejected_here)
            store.close()
        assert issued, "the workstations issued no commands"
        assert set(issued) == set(commands), (
            f"issued but not on the server: {len(set(issued) - set(commands))}; "
            f"on the server but issued by nobody: {len(set(commands) - set(issued))}")
        outcome_of_state = {"accepted": "accepted", "rejected": "rejected", "discarded": "withdrawn"}
        for command_id, local in issued.items():
            server_side = commands[command_id]
            assert local["state"] in outcome_of_state, (command_id, local["state"])
            assert server_side["outcome"] == outcome_of_state[local["state"]], (command_id, local, server_side)
            local_result = {k: v for k, v in (local["result"] or {}).items() if k != "discard_too_late"}
            assert local_result == server_side["result"], (command_id, local_result, server_side["result"])
            if local["state"] == "rejected" and not local["result"].get("discard_too_late"):
                assert local["acknowledged_by"] is None  # nobody handled it: still visible

        # ---- the server's books agree with its command ledger ----
        accepted = [c for c in commands.values() if c["outcome"] == "accepted"]
        per_case: dict[str, int] = {}
        for c in accepted:
            per_case[c["case_id"]] = per_case.get(c["case_id"], 0) + 1
        assert {cid: v["version"] for cid, v in cases.items()} == per_case
        accepted_ids = {cid for cid, c in commands.items() if c["outcome"] == "accepted"}
        assert set(events) == accepted_ids and set(events.values()) == {1}

        # ---- every replica equals the server ----
        integrity = requests.get(server.url + "/api/sync/integrity", headers={"Authorization": f"Bearer {token}"},
                                 timeout=30).json()
        for station in stations:
            store = LocalStore(station.store)
            report = compare(store, integrity)
            store.close()
            assert report.comparable, (station.name, report.server_seq, report.local_seq)
            different = [c for c in report.tables if not c.equal]
            assert not different, (station.name, different)

        outcomes = {s: sum(1 for v in issued.values() if v["state"] == s) for s in outcome_of_state}
        print(f"kills {kills}, proxy cuts {proxy.cuts}, commands {len(issued)}: {outcomes}, "
              f"cases {len(cases)}, restarts {[s.starts for s in stations]}")
        assert outcomes["accepted"] > 0 and outcomes["rejected"] > 0
    finally:
        for station in stations:
            if station.proc is not None and station.proc.poll() is None:
                station.proc.kill()
                station.proc.wait(timeout=10)
        if proxy is not None:
            proxy.close()
        if server is not None:
            server.kill()
        drop_pg_database(pg_name)
