"""What the sync health panel shows: plain values, safe to hand from the
sync worker to the UI thread."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HealthFacts:
    """Where this workstation's replica stands, as of the last round."""

    last_pull_at: str | None
    last_push_at: str | None
    cursor: int
    server_last_seq: int | None  # the feed's head when we last asked
    position_cursor: int | None
    queue_depth: int  # commands not yet answered
    rejected_open: int  # rejections nobody has handled
    clock_skew_s: float | None  # server clock minus ours
    clock_rtt_ms: float | None

    @property
    def behind(self) -> int | None:
        """Changes the server has that this workstation has not pulled yet."""
        return None if self.server_last_seq is None else max(0, self.server_last_seq - self.cursor)
