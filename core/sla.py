"""SLA state of an open case: normal, due soon, overdue."""

from __future__ import annotations

from enum import IntEnum

from core.timeutil import from_iso

DUE_SOON_S = 3600.0  # under an hour left: due soon


class SlaState(IntEnum):
    NORMAL = 0
    DUE_SOON = 1
    OVERDUE = 2


def seconds_left(deadline: str | None, now: str) -> float | None:
    if not deadline:
        return None
    return (from_iso(deadline) - from_iso(now)).total_seconds()


def sla_state(deadline: str | None, now: str, due_soon_s: float = DUE_SOON_S) -> SlaState:
    left = seconds_left(deadline, now)
    if left is None or left > due_soon_s:
        return SlaState.NORMAL
    return SlaState.DUE_SOON if left > 0 else SlaState.OVERDUE
