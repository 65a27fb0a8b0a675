"""The whole fleet: one terminal per vehicle, driven together until a time
passes or a stop is asked for.

Threading: asyncio; ``run_fleet`` runs every terminal as a task on the
caller's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.jt808 import Edition
from server.simulator.drive import CoverageGaps, DeviceClock, DriveStats, drive
from server.simulator.driver import Driver, demo_speed_kmh
from server.simulator.routes import RouteDriver
from server.simulator.terminal import SimulatedTerminal

log = logging.getLogger("server.simulator")


@dataclass(frozen=True)
class FleetVehicle:
    vehicle_id: str
    kind: str
    terminal_phone: str
    plate: str = ""




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


__all__ = ["FleetVehicle", "edition_for", "run_fleet"]
