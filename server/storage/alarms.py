"""Vehicle alarms in the server's store: the persistent alarm queue.

Alarms are rare, precious rows: they go through the change feed (entity
``alarm``), so every workstation gets them and their acknowledgements the
same gap-free way as cases.  A row stays until a person acknowledges it
with a note saying what was done.

Threading: an ``Alarms`` is shared by the API's worker threads and the
gateway's alarm thread; every method runs its own transaction, so all may
be called from any thread.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, insert, select, update

from core.alarms import ACK_NOTE_MAX, AckNoteError, AlarmEvent, ack_note
from core.timeutil import now_iso
from dbschema.migrate import add_missing_indexes
from server.storage import schema as s
from server.storage.errors import INVALID, NOT_FOUND, StorageError
from server.storage.feed import ChangeFeed

ALARM_NOTE_MAX = ACK_NOTE_MAX


class AlarmError(StorageError):
    """An alarm request that cannot be done (no such alarm, empty note)."""


class Alarms:
    def __init__(self, engine: Engine, feed: ChangeFeed):
        self.engine = engine
        self.feed = feed
        self._indexed = False

    def ensure_indexes(self) -> None:
        """Indexes added after a database was first created."""
        if not self._indexed:
            add_missing_indexes(self.engine, [s.alarms])
            self._indexed = True

    def open_conditions(self) -> list[tuple[str, str, str]]:
        """(vehicle, kind, source) of alarms whose condition has not ended."""
        a = s.alarms.c
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(  # type: ignore[misc]
                select(a.vehicle_id, a.kind, a.source).where(a.ended_at.is_(None))).all()]

    def record_events(self, items: Sequence[tuple[AlarmEvent, str, float, float]]
                      ) -> list[dict[str, Any]]:
        """Write raised and ended alarms (event, device time ISO, WGS-84 lon, lat)
        in one feed transaction; returns the rows written."""
        if not items:
            return []
        a = s.alarms.c
        written: list[dict[str, Any]] = []
        received = now_iso()
        with self.feed.writing() as conn:
            for event, device_time, lon, lat in items:
                if event.action == "raise":
                    row = {"alarm_id": str(uuid.uuid4()), "vehicle_id": event.vehicle_id,
                           "kind": event.kind.value, "severity": event.severity.value,
                           "source": event.source, "raised_at": device_time, "received_at": received,
                           "lon": lon, "lat": lat, "position_id": event.fix.position_id,
                           "detail": json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
                           "ended_at": None, "acknowledged_by": None, "acknowledged_at": None,
                           "ack_workstation": None, "ack_note": None, "version": 1}
                    conn.execute(insert(s.alarms).values(**row))
                    written.append(row)
                    continue
                found = conn.execute(select(s.alarms).where(
                    a.vehicle_id == event.vehicle_id, a.kind == event.kind.value,
                    a.source == event.source, a.ended_at.is_(None))).mappings().all()
                for old in found:
                    row = {**old, "ended_at": device_time, "version": old["version"] + 1}
                    conn.execute(update(s.alarms).where(a.alarm_id == old["alarm_id"]).values(
                        ended_at=device_time, version=row["version"]))
                    written.append(row)
            self.feed.record_changes(conn, [("alarm", r["alarm_id"], r) for r in written])
        return written

    def acknowledge(self, alarm_id: str, note: str, user: dict[str, Any],
                    workstation: str, at: str | None = None) -> tuple[dict[str, Any], bool]:
        """A person has seen the alarm and says what was done.  Returns the row
        and whether this call acknowledged it (False: someone already had; the
        row says who, when and from where).  Raises AlarmError and changes
        nothing for an unknown alarm or an empty note."""
        try:
            note = ack_note(note)  # the workstation holds the same rule (core/alarms.py)
        except AckNoteError as exc:
            raise AlarmError(INVALID, exc.code, str(exc), {"max": ALARM_NOTE_MAX}) from exc
        a = s.alarms.c
        with self.feed.writing() as conn:
            old = conn.execute(select(s.alarms).where(a.alarm_id == alarm_id)).mappings().first()
            if old is None:
                raise AlarmError(NOT_FOUND, "no_such_alarm", f"no such alarm {alarm_id}",
                                 {"alarm_id": alarm_id})
            if old["acknowledged_at"] is not None:
                return dict(old), False
            row = {**old, "acknowledged_by": user["username"], "acknowledged_at": at or now_iso(),
                   "ack_workstation": workstation, "ack_note": note, "version": old["version"] + 1}
            conn.execute(update(s.alarms).where(a.alarm_id == alarm_id).values(
                acknowledged_by=row["acknowledged_by"], acknowledged_at=row["acknowledged_at"],
                ack_workstation=workstation, ack_note=note, version=row["version"]))
            self.feed.record_changes(conn, [("alarm", alarm_id, row)])
        return row, True

    def list(self, *, unacknowledged_only: bool = False, limit: int = 1000) -> list[dict[str, Any]]:
        """Newest first."""
        a = s.alarms.c
        query = select(s.alarms).order_by(a.raised_at.desc(), a.alarm_id).limit(max(1, min(limit, 10000)))
        if unacknowledged_only:
            query = query.where(a.acknowledged_at.is_(None))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings().all()]


__all__ = ["ALARM_NOTE_MAX", "AlarmError", "Alarms"]
