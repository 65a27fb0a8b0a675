"""Moving a vehicle between cell centres: ``Driver`` (wander between random
nearby centres) and the demo's working speeds.  ``routes.RouteDriver``
drives realistic routes instead.

Threading: plain objects, used by one task on its event loop.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from core.positions import VehicleKind
from server.simulator.routes import move_towards

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



__all__ = ["DEFAULT_SPEED_KMH", "KIND_SPEED_KMH", "MAX_DEMO_SPEED_KMH", "Driver", "demo_speed_kmh"]
