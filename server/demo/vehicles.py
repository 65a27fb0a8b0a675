"""The demo fleet: vehicles by kind (shares from the names file), plates
and terminal phones.
"""

from __future__ import annotations

import math
import random
from typing import Any

from core.positions import VehicleKind


def fleet(spec: dict[str, Any], place: dict[str, Any], total: int,
              rng: random.Random) -> list[dict[str, Any]]:
    kinds = spec["kinds"]
    for kind in kinds:
        VehicleKind(kind)  # a typo in the names file fails loudly
    shares = {k: float(v["share"]) for k, v in kinds.items()}
    counts = apportion(shares, total)
    prefixes = place["plate_prefixes"]
    letters = spec["plate_letters"]
    phones = rng.sample(range(10**8), total)
    plates: set[str] = set()
    rows = []
    number = 0
    for kind, count in counts.items():
        for _ in range(count):
            while True:
                body = [rng.choice("0123456789") for _ in range(5)]
                if rng.random() < 0.4:
                    body[0] = rng.choice(letters)
                plate = rng.choice(prefixes) + "".join(body)
                if plate not in plates:
                    plates.add(plate)
                    break
            rows.append({"vehicle_id": f"veh-{number + 1:04d}", "plate": plate, "kind": kind,
                         "terminal_phone": f"{spec['terminal_prefix']}{phones[number]:08d}",
                         "department_id": kinds[kind]["department"]})
            number += 1
    return rows


def apportion(shares: dict[str, float], total: int) -> dict[str, int]:
    """Largest-remainder split of ``total`` by ``shares``."""
    weight = sum(shares.values())
    exact = {k: total * v / weight for k, v in shares.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:total - sum(counts.values())]:
        counts[k] += 1
    return counts


__all__ = ["apportion", "fleet"]
