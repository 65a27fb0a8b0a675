"""Every fix a workstation has seen, kept for a day: the vehicles' tracks.

A leaf of the store: the replica's position pages and the vehicle store
both write here, inside the caller's transaction.

Threading: called inside a ``LocalStore`` transaction, on that store's thread.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete

from app.store import tables as t
from core.timeutil import now_cst, to_iso

TRACK_RETENTION = timedelta(hours=24)
_PRUNE_EVERY_S = 600.0
_TRACK_COLUMNS = [c.name for c in t.track_points.c]
_INSERT_TRACK = (f"INSERT OR IGNORE INTO track_points ({', '.join(_TRACK_COLUMNS)}) "
                 f"VALUES ({', '.join(':' + c for c in _TRACK_COLUMNS)})")
_last_prune = 0.0


def add_track_points(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Keep every fix of a position page (inside the caller's transaction).
    Rows without a position id (not from the server's cursor) are skipped."""
    global _last_prune
    params = [{c: row.get(c, 0) if c == "altitude_m" else row.get(c) for c in _TRACK_COLUMNS}
              for row in rows if row.get("position_id") is not None]
    if params:
        conn.exec_driver_sql(_INSERT_TRACK, params)
    if time.monotonic() - _last_prune > _PRUNE_EVERY_S:
        _last_prune = time.monotonic()
        # By arrival, not device time: a terminal with a wrong clock must not
        # have its fixes thrown away the moment they arrive.
        cutoff = to_iso(now_cst() - TRACK_RETENTION)
        conn.execute(delete(t.track_points).where(t.track_points.c.recv_time < cutoff))
