"""What the demo builds, before any of it is written: options, users, the data.

Plain values; single-threaded like the rest of the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.cases import (
    CaseEvent,
    CaseState,
    CaseStatus,
    Role,
)

EXIT_BAD_INPUT = 2
DEFAULT_DB = "sqlite:///var/server.db"
CELLS_PER_COMMUNITY = 30  # 万米 practice: a community holds a few dozen cells
HISTORY_DAYS = 60
MINUTE = timedelta(minutes=1)


class DemoError(Exception):
    """The demo cannot be built or written; the message says why."""


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 7
    closed: int = 2000
    open: int = 150
    vehicles: int = 120
    now: datetime | None = None  # the moment the history ends; default: now
    cell_size_m: float = 100.0


@dataclass
class DemoUser:
    username: str
    display_name: str
    role: Role
    password: str
    department_id: str | None = None

    @property
    def workstation(self) -> str:
        return f"ws-{self.username}"


@dataclass
class DemoData:
    """Everything the demo writes, as table rows, before any of it is written."""

    district_code: str
    district_name: str
    regions: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)
    users: list[DemoUser] = field(default_factory=list)
    cases: list[CaseState] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)

    def count(self, level: str) -> int:
        return sum(1 for r in self.regions if r["level"] == level)

    def summary(self) -> str:
        closed = sum(1 for c in self.cases if c.status is CaseStatus.CLOSED)
        return (f"demo district {self.district_code} {self.district_name}: {len(self.cells)} cells, "
                f"{self.count('street')} streets, {self.count('community')} communities, "
                f"{len(self.departments)} departments, {len(self.vehicles)} vehicles, "
                f"{len(self.users)} users, {len(self.cases)} cases "
                f"({closed} closed, {len(self.cases) - closed} open)")


__all__ = ["CELLS_PER_COMMUNITY", "DEFAULT_DB", "DemoData", "DemoError", "DemoOptions", "DemoUser", "EXIT_BAD_INPUT", "HISTORY_DAYS", "MINUTE"]
