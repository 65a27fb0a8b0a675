"""What a mutation of the local store changed, and the store's plain result types.

Every writer (a desk command, a sync round, a live-position batch) returns a
``ChangeSummary``; the change bus carries it to the views, which refresh only
what it names (Anki's ``OpChanges``).  A leaf module: it imports nothing of
the client, so every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.cases import Command
from core.problems import CodedError


class StoreError(CodedError):
    """The local store cannot do what was asked (bad data, wrong state);
    ``code`` says what, for the operator."""

    default_code = "store_error"



@dataclass
class ChangeSummary:
    """What one mutation changed."""

    cases: set[str] = field(default_factory=set)
    # Cases changed that are too many to name (a snapshot's million): read
    # every case as changed.
    all_cases: bool = False
    entities: set[str] = field(default_factory=set)  # entity kinds touched (cell, vehicle, ...)
    outbox: bool = False
    accepted: list[str] = field(default_factory=list)  # command ids
    rejected: list[str] = field(default_factory=list)
    positions: int = 0

    def merge(self, other: ChangeSummary) -> ChangeSummary:
        self.cases |= other.cases
        self.all_cases = self.all_cases or other.all_cases
        self.entities |= other.entities
        self.outbox = self.outbox or other.outbox
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.positions += other.positions
        return self

    def __bool__(self) -> bool:
        return bool(self.cases_changed or self.entities or self.outbox or self.positions)

    @property
    def cases_changed(self) -> bool:
        return self.all_cases or bool(self.cases)

    def touches_case(self, case_id: str) -> bool:
        return self.all_cases or case_id in self.cases


@dataclass(frozen=True)
class OutboxEntry:
    position: int
    command: Command
    state: str
    created_at: str
    resolved_at: str | None
    result: dict[str, Any] | None


@dataclass(frozen=True)
class QueueCounts:
    open: int
    overdue: int
    waiting: int  # commands not yet accepted by the server
    rejected: int  # rejections nobody has acknowledged
