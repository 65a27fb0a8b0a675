"""Geofences in the server's store: corridors, forbidden areas, parking limits.

A geofence is checked as a rule (core.alarms.Geofence) before anything is
written, and goes through the change feed (entity ``geofence``) so every
workstation has it.  The gateway's alarm judge reloads the rules when
``signature()`` changes (another process saved one) or at once when
``generation`` moves (this process saved one).

Threading: a ``Geofences`` is shared by the API's worker threads and the
gateway's alarm thread; every method runs its own transaction and the
generation counter is guarded by a lock, so all may be called from any thread.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from core.alarms import Geofence, GeofenceError
from core.timeutil import now_iso
from server.storage import schema as s
from server.storage.feed import ChangeFeed

_JSON_LIST_COLUMNS = ("cell_codes", "vehicle_kinds", "vehicle_ids")


def _cell_rings(conn: Connection, codes: Iterable[str]) -> dict[str, Any]:
    codes = list(codes)
    if not codes:
        return {}
    return {r.code: json.loads(r.ring) for r in conn.execute(
        select(s.cells.c.code, s.cells.c.ring).where(s.cells.c.code.in_(codes)))}


def geofence_from_row(row: dict[str, Any], cell_rings: dict[str, Any]) -> Geofence:
    data = dict(row)
    data["geometry"] = json.loads(row["geometry"]) if row.get("geometry") else None
    for key in _JSON_LIST_COLUMNS:
        value = row.get(key)
        data[key] = json.loads(value) if isinstance(value, str) else (value or [])
    return Geofence.from_dict(data, cell_rings)


class Geofences:
    def __init__(self, engine: Engine, feed: ChangeFeed):
        self.engine = engine
        self.feed = feed
        self._lock = threading.Lock()
        self._generation = 0

    @property
    def generation(self) -> int:
        """Bumped when this process saves a geofence, so its own gateway
        applies the rule at once; other processes notice through ``signature()``."""
        with self._lock:
            return self._generation

    def save(self, data: dict[str, Any], username: str) -> dict[str, Any]:
        """Create or replace a geofence.  It is checked (core.alarms.Geofence)
        before anything is written; GeofenceError says what is wrong."""
        geofence_id = str(data.get("geofence_id") or uuid.uuid4())
        name = str(data.get("name") or "").strip()
        if not name:
            raise GeofenceError("a geofence needs a name", "geofence_name")
        row: dict[str, Any] = {"geofence_id": geofence_id, "name": name, "kind": data.get("kind"),
               "geometry": json.dumps(data["geometry"]) if data.get("geometry") else None,
               "width_m": float(data.get("width_m") or 0.0),
               "max_minutes": float(data.get("max_minutes") or 0.0),
               "active": 1 if data.get("active", True) else 0,
               "updated_by": username, "updated_at": now_iso()}
        for key in _JSON_LIST_COLUMNS:
            value = data.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise GeofenceError(f"{key} must be a list of strings", "bad_geofence", field=key)
            row[key] = json.dumps(value)
        with self.feed.writing() as conn:
            geofence_from_row(row, _cell_rings(conn, json.loads(str(row["cell_codes"]))))  # validates
            exists = conn.execute(select(s.geofences.c.geofence_id).where(
                s.geofences.c.geofence_id == geofence_id)).first() is not None
            if exists:
                conn.execute(update(s.geofences).where(s.geofences.c.geofence_id == geofence_id)
                             .values(**row))
            else:
                conn.execute(insert(s.geofences).values(**row))
            self.feed.record_changes(conn, [("geofence", geofence_id, row)])
        with self._lock:
            self._generation += 1
        return row

    def rows(self, active_only: bool = True) -> list[dict[str, Any]]:
        query = select(s.geofences).order_by(s.geofences.c.geofence_id)
        if active_only:
            query = query.where(s.geofences.c.active == 1)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings().all()]

    def load(self) -> list[Geofence]:
        """The active geofences as rules.  A stored row that no longer makes a
        valid rule (its cell was deleted) is skipped, not fatal."""
        rows = self.rows()
        codes = {c for r in rows for c in json.loads(r["cell_codes"] or "[]")}
        with self.engine.connect() as conn:
            rings = _cell_rings(conn, codes)
        out = []
        for row in rows:
            try:
                out.append(geofence_from_row(row, rings))
            except GeofenceError:
                continue
        return out

    def signature(self) -> tuple[int, str]:
        """Changes whenever a geofence is added or edited: (count, newest update)."""
        g = s.geofences.c
        with self.engine.connect() as conn:
            count, newest = conn.execute(select(func.count(), func.max(g.updated_at))).one()
        return int(count), str(newest or "")


__all__ = ["Geofences", "geofence_from_row"]
