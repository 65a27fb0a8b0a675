"""Simulated GPS terminals that speak real JT/T 808 over TCP.

``SimulatedTerminal`` is one terminal (connect, register, authenticate,
heartbeat, report; optionally misbehaving: corrupt copies of its frames and
garbage between them); ``Driver`` moves a vehicle between random nearby
cell centres and ``routes.RouteDriver`` along a realistic route (a street
swept back and forth, a muck truck's shuttle between sites, a patrol loop);
``drive`` runs one terminal on the road with coverage gaps, blind-area
buffering, 0x0704 back-fill and reconnection; ``run_fleet`` runs a whole
fleet.  Everything here is asyncio: create and use the objects on one event
loop.  The database is read (and the demo geofences written) once,
synchronously, before the loop starts (``load_district``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import random
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from core.jt808 import (
    Authenticate,
    BatchType,
    Edition,
    FrameError,
    FrameSplitter,
    GeneralReply,
    Header,
    MsgId,
    Register,
    RegisterReply,
    RegisterResult,
    ReplyResult,
    decode_frame,
    decode_general_reply,
    decode_register_reply,
    encode_authenticate,
    encode_batch_positions,
    encode_frame,
    encode_general_reply,
    encode_position,
    encode_register,
    phone_for_edition,
)
from core.positions import PositionFix, VehicleKind
from core.timeutil import CST, now_iso, to_iso
from server.simulator.routes import RouteDriver, move_towards

log = logging.getLogger(__name__)

# Working speeds by kind (km/h): sanitation vehicles crawl while working.
KIND_SPEED_KMH = {
    VehicleKind.SWEEPER.value: 8.0,
    VehicleKind.SPRINKLER.value: 15.0,
    VehicleKind.MUCK_TRUCK.value: 30.0,
    VehicleKind.PATROL.value: 25.0,
}
DEFAULT_SPEED_KMH = 20.0
# Sped-up vehicles stay below the gateway's 200 km/h plausibility limit, so
# the demo draws them as real fixes, not as flagged ones.
MAX_DEMO_SPEED_KMH = 150.0

STATUS_DRIVING = 0b11  # ACC on, fix valid
BATCH_CHUNK = 20  # 0x0704 items per message: keeps the body under 1023 bytes


class TerminalError(RuntimeError):
    """The platform refused or did not answer."""


class SimulatedTerminal:
    """One JT/T 808 terminal over a real TCP connection.

    ``phone`` is the SIM number in any spelling; it goes on the wire as 12
    BCD digits (2013) or 20 (2019).  Requests wait for the platform's reply
    to their serial number, at most ``reply_timeout`` seconds.  Asyncio:
    use from one event loop.
    """

    def __init__(self, phone: str, host: str, port: int, *,
                 edition: Edition = Edition.V2013, plate: str = "",
                 reply_timeout: float = 5.0, imei: str = "860000000000000",
                 misbehave: float = 0.0, rng: random.Random | None = None):
        self.phone = phone
        self.wire_phone = phone_for_edition(phone, edition)
        self.host = host
        self.port = port
        self.edition = edition
        self.plate = plate
        self.imei = imei
        self.reply_timeout = reply_timeout
        self.auth_code: str | None = None
        self.authenticated = False
        self._serial = 0
        self._writer: asyncio.StreamWriter | None = None
        self._read_task: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        # A faulty terminal: this share of its frames is preceded by a copy
        # with a broken check byte, or by line noise.  The real frame still
        # follows, so it keeps working; the gateway must drop the junk.
        self.misbehave = misbehave
        self.junk_sent = 0
        self._rng = rng or random.Random()

    @property
    def connected(self) -> bool:
        return (self._writer is not None and not self._writer.is_closing()
                and self._read_task is not None and not self._read_task.done())

    async def connect(self, timeout: float = 5.0) -> None:
        await self.close()
        reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), timeout)
        self._read_task = asyncio.create_task(self._read_loop(reader))

    async def close(self) -> None:
        self.authenticated = False
        if self._read_task is not None:
            self._read_task.cancel()
            with contextlib.suppress(BaseException):
                await self._read_task
            self._read_task = None
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
            self._writer = None
        self._fail_pending(ConnectionError("connection closed"))

    def _fail_pending(self, exc: BaseException) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(exc)
        self._pending.clear()

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        splitter = FrameSplitter()
        try:
            while True:
                chunk = await reader.read(4096)
                if not chunk:
                    break
                for candidate in splitter.feed(chunk):
                    try:
                        message = decode_frame(candidate)
                    except FrameError as exc:
                        log.warning("terminal %s: bad frame from platform: %s", self.phone, exc)
                        continue
                    self._on_platform_message(message.header, message.body)
        except (ConnectionError, OSError, FrameError) as exc:
            log.debug("terminal %s: read ended: %s", self.phone, exc)
        finally:
            self._fail_pending(ConnectionError("platform closed the connection"))

    def _on_platform_message(self, header: Header, body: bytes) -> None:
        reply: Any
        try:
            if header.msg_id == MsgId.PLATFORM_GENERAL_REPLY:
                reply = decode_general_reply(body)
            elif header.msg_id == MsgId.REGISTER_REPLY:
                reply = decode_register_reply(body)
            else:
                # A platform command this terminal does not implement.
                self._send(MsgId.TERMINAL_GENERAL_REPLY, encode_general_reply(
                    GeneralReply(header.serial, header.msg_id, ReplyResult.NOT_SUPPORTED)))
                return
        except FrameError as exc:
            log.warning("terminal %s: bad reply body: %s", self.phone, exc)
            return
        fut = self._pending.pop(reply.serial, None)
        if fut is not None and not fut.done():
            fut.set_result(reply)

    def _send(self, msg_id: int, body: bytes) -> int:
        if self._writer is None or self._writer.is_closing():
            raise ConnectionError("not connected")
        serial = self._serial
        self._serial = (self._serial + 1) & 0xFFFF
        header = Header(msg_id=msg_id, phone=self.wire_phone, serial=serial, edition=self.edition)
        frame = encode_frame(header, body)
        if self.misbehave and self._rng.random() < self.misbehave:
            self._writer.write(self._junk(frame))
            self.junk_sent += 1
        self._writer.write(frame)
        return serial

    def _junk(self, frame: bytes) -> bytes:
        if self._rng.random() < 0.5:
            # The same frame with its check byte broken (the byte before the
            # closing 0x7E, unless that is an escape pair).
            broken = bytearray(frame)
            if broken[-3] != 0x7D:
                broken[-2] ^= 0x55
                if broken[-2] in (0x7D, 0x7E):
                    broken[-2] ^= 0x01
                return bytes(broken)
        noise = bytes(self._rng.randrange(256) for _ in range(self._rng.randint(3, 40)))
        return b"\x7e" + noise.replace(b"\x7e", b"\x00") + b"\x7e"

    async def request(self, msg_id: int, body: bytes = b"") -> Any:
        """Send a message and wait for the reply to it (GeneralReply or RegisterReply)."""
        if not self.connected:
            raise ConnectionError("not connected")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        serial = self._send(msg_id, body)
        self._pending[serial] = fut
        assert self._writer is not None
        try:
            await self._writer.drain()
            return await asyncio.wait_for(fut, self.reply_timeout)
        except TimeoutError as exc:
            raise TerminalError(f"no reply to 0x{msg_id:04X} within {self.reply_timeout} s") \
                from exc
        finally:
            self._pending.pop(serial, None)

    async def register(self) -> RegisterReply:
        body = encode_register(Register(
            province=11, city=101, maker="GDSIM", model="GD-SIM-1",
            terminal_id=self.wire_phone[-7:], plate_colour=2 if self.plate else 0,
            plate=self.plate), self.edition)
        reply: RegisterReply = await self.request(MsgId.REGISTER, body)
        if reply.result == RegisterResult.SUCCESS:
            self.auth_code = reply.auth_code
        return reply

    async def authenticate(self) -> GeneralReply:
        if self.auth_code is None:
            raise TerminalError("authenticate before register: no auth code")
        body = encode_authenticate(Authenticate(self.auth_code, self.imei, "griddesk-sim 1.0"),
                                   self.edition)
        reply: GeneralReply = await self.request(MsgId.AUTHENTICATE, body)
        self.authenticated = reply.result == ReplyResult.SUCCESS
        return reply

    async def login(self) -> None:
        """Authenticate with the code kept from an earlier registration,
        registering (again) when there is none or the platform refuses it."""
        if self.auth_code is not None and (await self.authenticate()).result == 0:
            return
        reply = await self.register()
        if reply.result != RegisterResult.SUCCESS:
            raise TerminalError(f"registration refused: result {reply.result}")
        if (await self.authenticate()).result != ReplyResult.SUCCESS:
            raise TerminalError("authentication refused right after registration")

    async def heartbeat(self) -> GeneralReply:
        return await self.request(MsgId.HEARTBEAT)

    async def deregister(self) -> GeneralReply:
        return await self.request(MsgId.DEREGISTER)

    async def report(self, fix: PositionFix, **extras: Any) -> GeneralReply:
        return await self.request(MsgId.POSITION, encode_position(fix, **extras))

    async def report_batch(self, fixes: Sequence[PositionFix],
                           batch_type: int = BatchType.BACKFILL) -> GeneralReply:
        body = encode_batch_positions((encode_position(f) for f in fixes), batch_type)
        return await self.request(MsgId.BATCH_POSITIONS, body)


# ---- driving ---------------------------------------------------------------


@dataclass
class Driver:
    """Moves a vehicle in straight lines from one cell centre to a nearby one.

    Centres are WGS-84 (the terminal's datum).  ``speed_kmh`` is what the
    vehicle covers per second of wall time (already sped up).
    """

    lon: np.ndarray
    lat: np.ndarray
    speed_kmh: float
    rng: random.Random = field(default_factory=random.Random)
    neighbours: int = 8
    pos: tuple[float, float] = (0.0, 0.0)
    heading: int = 0
    odometer_km: float = 0.0
    _target: int = 0
    _previous: int = -1

    def __post_init__(self) -> None:
        if len(self.lon) == 0:
            raise ValueError("no cell centres to drive between")
        start = self.rng.randrange(len(self.lon))
        self.pos = (float(self.lon[start]), float(self.lat[start]))
        self._target = start
        self._pick_next(start)

    def _pick_next(self, current: int) -> None:
        if len(self.lon) == 1:
            self._target = current
            return
        # Equirectangular distance is plenty to rank neighbours in a district.
        dx = (self.lon - self.lon[current]) * math.cos(math.radians(float(self.lat[current])))
        dy = self.lat - self.lat[current]
        order = np.argsort(dx * dx + dy * dy)
        nearby = [int(i) for i in order[1:self.neighbours + 1] if int(i) != self._previous]
        self._previous = current
        self._target = self.rng.choice(nearby or [int(order[1])])

    def advance(self, seconds: float) -> tuple[float, float]:
        """Drive for ``seconds``; returns the new (lon, lat)."""
        budget = self.speed_kmh / 3.6 * max(0.0, seconds)
        for _ in range(64):  # a long step may pass several centres
            if budget <= 0:
                break
            target = (float(self.lon[self._target]), float(self.lat[self._target]))
            self.pos, used, heading, reached = move_towards(self.pos, target, budget)
            if heading is not None:
                self.heading = heading
            budget -= used
            self.odometer_km += used / 1000.0
            if reached:
                self._pick_next(self._target)
        return self.pos


def demo_speed_kmh(kind: str, speedup: float) -> float:
    return min(KIND_SPEED_KMH.get(kind, DEFAULT_SPEED_KMH) * speedup, MAX_DEMO_SPEED_KMH)


@dataclass
class DriveStats:
    sent: int = 0
    acked: int = 0
    backfilled: int = 0
    buffered: int = 0
    connects: int = 0
    failures: int = 0
    gaps: int = 0  # coverage gaps entered
    junk: int = 0  # corrupt frames and noise sent by a misbehaving terminal


@dataclass(frozen=True)
class DeviceClock:
    """The terminals' own clock, when it should run faster than the wall:
    ``scale`` device seconds pass per wall second, from ``start`` (epoch
    seconds of device time) at ``origin`` (``time.monotonic()``).

    With a clock, ``drive`` reports on a fixed schedule: every ``interval``
    wall seconds, every ``interval * scale`` device seconds, each fix
    stamped with its scheduled device time and the vehicle moved that far.
    A terminal held up (a slow reply) catches up by reporting at once, so
    its device times stay evenly spaced: at scale 100 a two-second outage
    is three minutes of driving with no hole of the terminal's making.
    Immutable: share one among a fleet.
    """

    scale: float = 1.0
    start: float = field(default_factory=time.time)
    origin: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ValueError("the clock's scale must be positive")

    def at(self, wall: float) -> float:
        """Device epoch seconds at ``wall`` (``time.monotonic()``)."""
        return self.start + (wall - self.origin) * self.scale


def device_iso(epoch: float) -> str:
    """A device time as the terminal's BCD carries it: whole seconds, UTC+8."""
    return to_iso(datetime.fromtimestamp(math.floor(epoch), CST))


class CoverageGaps:
    """When a terminal has no signal (a tunnel, an underground car park, a
    dead spot): gaps start at random, ``per_minute`` on average, and last
    ``min_s``-``max_s`` seconds.  Used by one task on its event loop."""

    def __init__(self, rng: random.Random, per_minute: float = 0.05,
                 min_s: float = 20.0, max_s: float = 90.0):
        self.rng = rng
        self.per_minute = per_minute
        self.min_s = min_s
        self.max_s = max_s
        self._until = 0.0
        self._checked: float | None = None

    def blind(self, now: float) -> bool:
        """True while in a gap (``now`` from the loop's monotonic clock)."""
        dt = 0.0 if self._checked is None else now - self._checked
        self._checked = now
        if now < self._until:
            return True
        if self.per_minute > 0 and self.rng.random() < self.per_minute * dt / 60.0:
            self._until = now + self.rng.uniform(self.min_s, self.max_s)
            return True
        return False


async def drive(terminal: SimulatedTerminal, driver: Any, stop: asyncio.Event, *,
                interval: float = 2.0, heartbeat_every: int = 10,
                max_backoff: float = 30.0, buffer_limit: int = 2000,
                stats: DriveStats | None = None,
                gaps: CoverageGaps | None = None,
                clock: DeviceClock | None = None) -> DriveStats:
    """Report a fix every ``interval`` seconds until ``stop`` is set.

    ``driver`` is a ``Driver`` or a ``routes.RouteDriver``.  Fixes that
    cannot be delivered (a coverage gap, no connection, a failure reply) are
    kept, like a real terminal's blind-area buffer, and sent as 0x0704
    back-fill after the next login.  Reconnects with exponential backoff
    and jitter.

    Without ``clock`` a fix carries the wall time and the vehicle moves as
    far as the wall clock says.  With one, device time runs ``clock.scale``
    times as fast (see ``DeviceClock``): coverage gaps are then counted in
    device seconds too, backoff and reply timeouts still in wall seconds.
    """
    stats = stats or DriveStats()
    loop = asyncio.get_running_loop()
    backlog: deque[PositionFix] = deque(maxlen=buffer_limit)
    backoff = 0.5
    next_attempt = 0.0
    last_move = loop.time()
    ticks = 0
    rng = driver.rng
    blind = False
    # The schedule on a device clock: tick k is due at wall t0 + k * interval
    # and stamped dev0 + k * step (a whole second to start from, so that
    # whole-second steps stay whole after the BCD's truncation).
    t0 = time.monotonic()
    dev0 = math.floor(clock.at(t0)) if clock is not None else 0.0
    step = interval * clock.scale if clock is not None else 0.0
    tick = 0
    try:
        while not stop.is_set():
            now = loop.time()
            if clock is None:
                lon, lat = driver.advance(now - last_move)
                last_move = now
                device_time, gap_clock = now_iso(), now
            else:
                lon, lat = driver.advance(step if tick else 0.0)
                device_time, gap_clock = device_iso(dev0 + tick * step), tick * step
            tick += 1
            speed = getattr(driver, "current_speed_kmh", driver.speed_kmh)
            fix = PositionFix(
                terminal_phone=terminal.phone, device_time=device_time, lon=round(lon, 6),
                lat=round(lat, 6), altitude_m=45, speed_kmh=round(speed, 1),
                heading=driver.heading, alarm=getattr(driver, "alarm_bits", 0),
                status=STATUS_DRIVING if speed > 0 else STATUS_DRIVING & ~1)
            if gaps is not None and gaps.blind(gap_clock):
                if not blind:
                    stats.gaps += 1
                    blind = True
                    await terminal.close()  # no signal, no connection
                backlog.append(fix)
                stats.buffered = len(backlog)
                await _pause(stop, interval, None if clock is None else t0 + tick * interval)
                continue
            blind = False
            if not terminal.authenticated and now >= next_attempt:
                try:
                    await terminal.connect()
                    await terminal.login()
                    stats.connects += 1
                    backoff = 0.5
                except (OSError, ConnectionError, TerminalError, TimeoutError) as exc:
                    stats.failures += 1
                    await terminal.close()
                    next_attempt = loop.time() + backoff * (0.5 + rng.random())
                    log.info("terminal %s: cannot log in (%s); retry in %.1f s",
                             terminal.phone, str(exc) or type(exc).__name__, backoff)
                    backoff = min(backoff * 2, max_backoff)
            if terminal.authenticated:
                try:
                    await _send_backlog(terminal, backlog, stats)
                    reply = await terminal.report(
                        fix, mileage_km=round(driver.odometer_km, 1),
                        signal=rng.randint(18, 31), satellites=rng.randint(7, 14))
                    stats.sent += 1
                    if reply.result == ReplyResult.SUCCESS:
                        stats.acked += 1
                    else:
                        backlog.append(fix)
                    ticks += 1
                    if heartbeat_every and ticks % heartbeat_every == 0:
                        await terminal.heartbeat()
                except (OSError, ConnectionError, TerminalError, TimeoutError) as exc:
                    log.info("terminal %s: connection lost (%s)", terminal.phone, exc)
                    backlog.append(fix)
                    await terminal.close()
                    next_attempt = loop.time() + backoff * (0.5 + rng.random())
            else:
                backlog.append(fix)
            stats.buffered = len(backlog)
            stats.junk = terminal.junk_sent
            await _pause(stop, interval, None if clock is None else t0 + tick * interval)
    finally:
        await terminal.close()
    return stats


async def _pause(stop: asyncio.Event, interval: float, until: float | None = None) -> None:
    """Wait ``interval`` seconds, or until ``time.monotonic()`` reaches
    ``until`` (at once if it has), or less if ``stop`` is set."""
    if until is not None:
        interval = until - time.monotonic()
        if interval <= 0:
            await asyncio.sleep(0)  # behind schedule: let the others run, then go on
            return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), interval)


async def _send_backlog(terminal: SimulatedTerminal, backlog: deque[PositionFix],
                        stats: DriveStats) -> None:
    while backlog:
        chunk = [backlog[i] for i in range(min(BATCH_CHUNK, len(backlog)))]
        reply = await terminal.report_batch(chunk, BatchType.BACKFILL)
        if reply.result != ReplyResult.SUCCESS:
            return  # keep them; try again after the next report
        for _ in chunk:
            backlog.popleft()
        stats.backfilled += len(chunk)


# ---- the fleet -------------------------------------------------------------


@dataclass(frozen=True)
class FleetVehicle:
    vehicle_id: str
    kind: str
    terminal_phone: str
    plate: str = ""


@dataclass
class District:
    """What the fleet drives on, read from the server database."""

    vehicles: list[FleetVehicle]
    cell_codes: list[str]
    gcj_lon: np.ndarray  # cell centres, GCJ-02
    gcj_lat: np.ndarray


def load_district(db_url: str, limit: int | None = None) -> District:
    """Vehicles and cell centres (GCJ-02) from the server database.

    Blocking: call before the event loop starts or in an executor."""
    from sqlalchemy import create_engine, select

    from server.storage import schema as s

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            query = select(s.vehicles.c.vehicle_id, s.vehicles.c.kind,
                           s.vehicles.c.terminal_phone, s.vehicles.c.plate
                           ).order_by(s.vehicles.c.vehicle_id)
            if limit is not None:
                query = query.limit(limit)
            vehicles = [FleetVehicle(r.vehicle_id, r.kind, r.terminal_phone, r.plate)
                        for r in conn.execute(query)]
            cells = conn.execute(select(s.cells.c.code, s.cells.c.center_lon, s.cells.c.center_lat)
                                 .order_by(s.cells.c.code)).all()
    finally:
        engine.dispose()
    return District(vehicles, [c[0] for c in cells],
                    np.array([c[1] for c in cells], dtype=np.float64),
                    np.array([c[2] for c in cells], dtype=np.float64))


def ensure_geofences(db_url: str, geofences: list[dict[str, Any]]) -> int:
    """Write the demo's rules into the server's database where missing (by
    id); returns how many were added.  Blocking."""
    from server.storage import ServerStore

    store = ServerStore(db_url)
    try:
        have = {r["geofence_id"] for r in store.geofences.rows(active_only=False)}
        added = 0
        for fence in geofences:
            if fence["geofence_id"] not in have:
                store.geofences.save(fence, "simulator")
                added += 1
        return added
    finally:
        store.close()


def approved_routes(db_url: str) -> dict[str, list[tuple[float, float]]]:
    """vehicle id -> its corridor's line (GCJ-02), for vehicles bound by
    exactly one active corridor: a truck drives the route it was approved
    for, the one the alarm judge holds it to.  Blocking."""
    from server.storage import ServerStore

    store = ServerStore(db_url)
    try:
        rows = [r for r in store.geofences.rows() if r["kind"] == "corridor" and r["geometry"]]
    finally:
        store.close()
    found: dict[str, list[list[tuple[float, float]]]] = {}
    for row in rows:
        geometry = json.loads(row["geometry"])
        if geometry.get("type") != "LineString":
            continue
        line = [(float(x), float(y)) for x, y in geometry["coordinates"]]
        for vehicle_id in json.loads(row["vehicle_ids"] or "[]"):
            found.setdefault(vehicle_id, []).append(line)
    return {v: lines[0] for v, lines in found.items() if len(lines) == 1 and len(lines[0]) >= 2}


def edition_for(index: int) -> Edition:
    """Mostly 2013 terminals, every fifth a 2019 one, as in a mixed fleet."""
    return Edition.V2019 if index % 5 == 4 else Edition.V2013


async def run_fleet(vehicles: Iterable[FleetVehicle], lon: np.ndarray, lat: np.ndarray, *,
                    host: str, port: int, interval: float = 2.0, speedup: float = 10.0,
                    seconds: float | None = None, seed: int | None = None,
                    stop: asyncio.Event | None = None, routes: Sequence[Any] | None = None,
                    misbehaving: Iterable[int] = (), gaps_per_minute: float = 0.0,
                    misconduct: float = 0.1, clock: DeviceClock | None = None
                    ) -> dict[str, DriveStats]:
    """Drive every vehicle until ``seconds`` pass or ``stop`` is set.

    Without ``routes`` a vehicle wanders between nearby cell centres
    (``lon``/``lat``, WGS-84); with them (``routes.Route`` in WGS-84, one
    per vehicle) it drives its route.  ``misbehaving``: indexes of
    terminals that send junk; ``gaps_per_minute``: how often a terminal
    loses coverage (and back-fills afterwards); ``clock``: one device clock
    for the whole fleet when device time should run faster than the wall.
    """
    stop = stop or asyncio.Event()
    master = random.Random(seed)
    results: dict[str, DriveStats] = {}
    faulty = set(misbehaving)
    tasks = []

    async def one(index: int, vehicle: FleetVehicle) -> None:
        rng = random.Random(master.random())
        # Spread the logins so a thousand terminals do not knock at once.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.random() * min(interval, 2.0))
        terminal = SimulatedTerminal(vehicle.terminal_phone, host, port,
                                     edition=edition_for(index), plate=vehicle.plate,
                                     misbehave=0.05 if index in faulty else 0.0, rng=rng)
        driver: Any
        if routes is not None:
            driver = RouteDriver(routes[index], demo_speed_kmh(vehicle.kind, speedup), rng=rng,
                                 misconduct=misconduct, time_scale=speedup)
        else:
            driver = Driver(lon, lat, demo_speed_kmh(vehicle.kind, speedup), rng=rng)
        gaps = CoverageGaps(rng, gaps_per_minute) if gaps_per_minute > 0 else None
        await drive(terminal, driver, stop, interval=interval, stats=results[vehicle.vehicle_id],
                    gaps=gaps, clock=clock)

    for index, vehicle in enumerate(vehicles):
        results[vehicle.vehicle_id] = DriveStats()
        tasks.append(asyncio.create_task(one(index, vehicle), name=f"sim-{vehicle.vehicle_id}"))
    if seconds is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        stop.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for vehicle_id, outcome in zip(results, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            log.error("terminal of %s failed: %r", vehicle_id, outcome)
    return results


__all__ = [
    "CoverageGaps", "DeviceClock", "District", "DriveStats", "Driver", "FleetVehicle", "SimulatedTerminal",
    "TerminalError", "approved_routes", "demo_speed_kmh", "device_iso", "drive", "edition_for", "ensure_geofences",
    "load_district", "run_fleet",
]
