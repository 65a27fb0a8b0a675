"""Vehicle position fixes as the gateway decodes them and the server stores them.

Coordinates are WGS-84 as the terminal sent them; they are stored raw and
converted (core.coords) only where they meet GCJ-02 map data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntFlag, StrEnum
from typing import Any


class VehicleKind(StrEnum):
    SWEEPER = "sweeper"  # 扫路车, ~8 km/h while working
    SPRINKLER = "sprinkler"  # 洒水车, ~15 km/h while working
    MUCK_TRUCK = "muck_truck"  # 渣土车
    PATROL = "patrol"  # 巡查/执法车


class FixFlag(IntFlag):
    """Why a fix must not be drawn as truth.  Flagged fixes are kept."""

    NONE = 0
    INVALID = 1  # status bit 1 (fix valid) off
    ZERO = 2  # (0, 0)
    OUTSIDE_CHINA = 4
    IMPOSSIBLE_SPEED = 8  # implied speed from the previous fix > 200 km/h


@dataclass(frozen=True)
class PositionFix:
    terminal_phone: str
    device_time: str  # ISO, UTC+8, from the terminal's BCD time
    lon: float  # WGS-84 degrees, east positive
    lat: float  # WGS-84 degrees, north positive
    altitude_m: int = 0
    speed_kmh: float = 0.0
    heading: int = 0
    alarm: int = 0
    status: int = 0
    flags: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def in_china(lon: float, lat: float) -> bool:
    """China's bounding box, as used by the GCJ-02 algorithm."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271
