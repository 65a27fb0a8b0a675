"""One terminal on the road: ``drive`` reports a fix every interval, with
coverage gaps (``CoverageGaps``), blind-area buffering, 0x0704 back-fill
and reconnection, optionally on a device clock that runs faster than the
wall (``DeviceClock``).

Threading: asyncio; ``drive`` runs as one task on the terminal's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.jt808 import BatchType, ReplyResult
from core.positions import PositionFix
from core.timeutil import CST, now_iso, to_iso
from server.simulator.terminal import SimulatedTerminal, TerminalError

log = logging.getLogger("server.simulator")

STATUS_DRIVING = 0b11  # ACC on, fix valid
BATCH_CHUNK = 20  # 0x0704 items per message: keeps the body under 1023 bytes


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



__all__ = ["BATCH_CHUNK", "STATUS_DRIVING", "CoverageGaps", "DeviceClock", "DriveStats", "device_iso", "drive"]
