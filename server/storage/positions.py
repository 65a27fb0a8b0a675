"""Vehicle positions, alarms and geofences in the server's store.

Positions do not go through the change feed: they have their own cursor,
``position_id``, handed out in commit order (one writer at a time: the
gateway's single store thread, and on PostgreSQL an advisory lock taken for
the transaction so that several gateway processes cannot commit ids out of
order either).  A client that follows "positions after N" therefore never
skips a row, whatever the device time of the fix: late 0x0704 back-fill gets
new ids and reaches every client that follows the cursor.  Ids may have
gaps (a copy that was not stored on PostgreSQL used one up), never go back.

A fix is stored once: (vehicle_id, device_time) is unique, and a copy that
a terminal sends again because our 0x8001 was lost is skipped while the
terminal is still acknowledged (docs/jt808.md, "Duplicates").

Alarms and geofences are rare, precious rows: they go through the change
feed (entities ``alarm`` and ``geofence``), so every workstation gets them
and their acknowledgements the same gap-free way as cases.

Threading: every function takes the shared ``ServerStore`` and opens its
own connection, so all may be called from any thread.  ``PositionEvents``
is thread-safe.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    and_,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)

from core.alarms import ACK_NOTE_MAX, AlarmEvent, Geofence, GeofenceError, ack_note
from core.positions import PositionFix
from core.timeutil import now_iso
from dbschema.migrate import add_missing_indexes
from server.storage import schema as s

if TYPE_CHECKING:
    from server.storage.store import ServerStore

log = logging.getLogger(__name__)

POSITION_PAGE_MAX = 20000
ALARM_NOTE_MAX = ACK_NOTE_MAX
_POSITIONS_LOCK_KEY = 808_0200  # PostgreSQL advisory lock: one positions writer at a time
_RECHECK_S = 0.5


class AlarmError(ValueError):
    """An alarm request that cannot be done (no such alarm, empty note)."""


# ---- waking followers ----------------------------------------------------------


class PositionEvents:
    """Wakes requests waiting for positions after an id.

    ``store_fixes`` calls :meth:`notified` after each commit; waiters also
    re-read the newest id every ``_RECHECK_S``, so fixes written by another
    process (a second gateway on the same PostgreSQL) are seen within half a
    second even though nobody here notified.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.last_id = 0

    def notified(self, last_id: int) -> None:
        with self._cond:
            if last_id > self.last_id:
                self.last_id = last_id
            self._cond.notify_all()

    def wait(self, after: int, timeout: float, current: Callable[[], int]) -> int:
        """Block until the newest position id exceeds ``after`` or ``timeout``
        passes; returns the newest id seen."""
        deadline = time.monotonic() + max(0.0, timeout)
        newest = current()
        with self._cond:
            self.last_id = max(self.last_id, newest)
        while newest <= after:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with self._cond:
                if self.last_id <= after:
                    self._cond.wait(min(remaining, _RECHECK_S))
                newest = self.last_id
            if newest <= after:
                newest = max(newest, current())
        return newest


_events: weakref.WeakKeyDictionary[Any, PositionEvents] = weakref.WeakKeyDictionary()
_events_lock = threading.Lock()
_indexed: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
# Bumped when this process saves a geofence, so its own gateway applies the
# rule at once; other processes notice through geofence_signature().
_geofence_generation: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def geofence_generation(store: ServerStore) -> int:
    with _events_lock:
        return _geofence_generation.get(store, 0)


def events(store: ServerStore) -> PositionEvents:
    with _events_lock:
        found = _events.get(store)
        if found is None:
            found = _events[store] = PositionEvents()
        return found


def ensure_indexes(store: ServerStore) -> None:
    """Indexes added after a database was first created (create_all does
    not add indexes to a table that already exists)."""
    if _indexed.get(store):
        return
    ensure_fix_key(store)
    add_missing_indexes(store.engine, [s.positions, s.alarms])
    _indexed[store] = True


# ---- one row per fix -----------------------------------------------------------

FIX_KEY_INDEX = "ux_positions_vehicle_time"
_PLAIN_FIX_INDEX = "ix_positions_vehicle_time"  # what databases had before the rule
_fix_key_lock = threading.Lock()
_fix_keyed: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()

# Of the copies of one fix the one with the highest id stays.  SQLite gives
# a new row the highest id + 1, so deleting the newest row would hand its id
# out again, and a client whose cursor is already past it would never see
# the fix that got it; deleting only lower ids cannot do that.
_DELETE_EARLIER_COPIES = (
    "DELETE FROM positions WHERE EXISTS (SELECT 1 FROM positions AS later "
    "WHERE later.vehicle_id = positions.vehicle_id AND later.device_time = positions.device_time "
    "AND later.position_id > positions.position_id)")
_REPOINT_LATEST = (
    "UPDATE vehicle_latest SET position_id = (SELECT max(p.position_id) FROM positions AS p "
    "WHERE p.vehicle_id = vehicle_latest.vehicle_id AND p.device_time = vehicle_latest.device_time) "
    "WHERE NOT EXISTS (SELECT 1 FROM positions AS q WHERE q.position_id = vehicle_latest.position_id) "
    "AND EXISTS (SELECT 1 FROM positions AS r WHERE r.vehicle_id = vehicle_latest.vehicle_id "
    "AND r.device_time = vehicle_latest.device_time)")


def ensure_fix_key(store: ServerStore) -> int:
    """Make (vehicle_id, device_time) unique in a database made before that
    rule: delete the earlier copies of each fix, create the unique index and
    drop the plain one it replaces, in one transaction.  Returns how many
    copies were deleted.  Cheap after the first call for a store; safe to
    run from several processes at once (PostgreSQL: under the positions
    advisory lock, so no writer adds a copy meanwhile; SQLite: under the
    write lock).  Any thread."""
    with _fix_key_lock:
        if _fix_keyed.get(store):
            return 0
        deleted = 0
        names = {i["name"] for i in inspect(store.engine).get_indexes("positions")}
        if FIX_KEY_INDEX not in names:
            with store.engine.begin() as conn:
                if store.is_postgres:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                 {"k": _POSITIONS_LOCK_KEY})
                deleted = int(conn.execute(text(_DELETE_EARLIER_COPIES)).rowcount or 0)
                if deleted:
                    conn.execute(text(_REPOINT_LATEST))
                conn.execute(text(f"CREATE UNIQUE INDEX IF NOT EXISTS {FIX_KEY_INDEX} "
                                  "ON positions (vehicle_id, device_time)"))
                conn.execute(text(f"DROP INDEX IF EXISTS {_PLAIN_FIX_INDEX}"))
            if deleted:
                log.warning("positions: deleted %d stored copies of fixes before making "
                            "(vehicle, device time) unique", deleted)
        _fix_keyed[store] = True
        return deleted


# ---- writing fixes -------------------------------------------------------------

_POSITION_COLUMNS = ("vehicle_id", "device_time", "recv_time", "lon", "lat", "altitude_m",
                     "speed_kmh", "heading", "alarm", "status", "flags")
_LATEST_COLUMNS = tuple(c.name for c in s.vehicle_latest.c)
_LATEST_SET = ", ".join(f"{c} = excluded.{c}" for c in _LATEST_COLUMNS if c != "vehicle_id")


def _sql(store: ServerStore, statement: str) -> str:
    """``statement`` with ``?`` placeholders in the driver's own style."""
    return statement.replace("?", "%s") if store.is_postgres else statement


# A copy of a fix already stored (same vehicle, same device time) is skipped.
_CONFLICT = "ON CONFLICT (vehicle_id, device_time) DO NOTHING"
_INSERT_POSITIONS = (f"INSERT INTO positions ({', '.join(_POSITION_COLUMNS)}) "
                     f"VALUES ({', '.join('?' * len(_POSITION_COLUMNS))}) {_CONFLICT}")
# PostgreSQL: COPY the batch into a temporary table of the session, then one
# INSERT … SELECT skips the copies; RETURNING says which of the ids drawn
# beforehand were used.  COPY costs the gateway a third of the CPU that one
# INSERT from arrays (unnest) did: the driver streams rows, not parameters.
_PG_INCOMING = "positions_incoming"
_PG_CREATE_INCOMING = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_INCOMING} "
                       f"(LIKE positions) ON COMMIT DELETE ROWS")
_PG_ID_COLUMNS = f"position_id, {', '.join(_POSITION_COLUMNS)}"
_PG_COPY_INCOMING = f"COPY {_PG_INCOMING} ({_PG_ID_COLUMNS}) FROM STDIN"
_PG_INSERT_POSITIONS = (f"INSERT INTO positions ({_PG_ID_COLUMNS}) "
                        f"SELECT {_PG_ID_COLUMNS} FROM {_PG_INCOMING} {_CONFLICT} "
                        f"RETURNING position_id")
# DBAPI connections whose session has the temporary table (it lives as long
# as the session; created once per connection, not per batch).
_pg_incoming_ready: weakref.WeakSet[Any] = weakref.WeakSet()
# The newer fix by device time wins; a late back-filled fix leaves it alone.
_UPSERT_LATEST = (f"INSERT INTO vehicle_latest ({', '.join(_LATEST_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_LATEST_COLUMNS))}) "
                  f"ON CONFLICT (vehicle_id) DO UPDATE SET {_LATEST_SET} "
                  f"WHERE excluded.device_time >= vehicle_latest.device_time")


def store_fixes(store: ServerStore, fixes: Sequence[tuple[str, PositionFix]]) -> list[int]:
    """Store (vehicle_id, fix) pairs in one transaction and move each
    vehicle's latest position when a fix is newer by device time.

    Returns the indexes (ascending) of the fixes stored.  The others were
    copies: their vehicle already has a fix at that device time, stored
    earlier or earlier in ``fixes``; the first copy is the one kept.

    Plain driver ``executemany``: at 10,000 fixes a second, building a
    SQLAlchemy parameter set per row cost more than SQLite's own work."""
    if not fixes:
        return []
    ensure_fix_key(store)
    recv = now_iso()
    rows = [(vid, f.device_time, recv, f.lon, f.lat, f.altitude_m, f.speed_kmh, f.heading,
             f.alarm, f.status, f.flags) for vid, f in fixes]
    stored: list[tuple[int, int]] = []  # (index in rows, position_id)
    with store.engine.begin() as conn:
        if store.is_postgres:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _POSITIONS_LOCK_KEY})
            # Ids drawn while holding the lock, in the order the fixes came.
            ids = list(conn.execute(text(
                "SELECT nextval(pg_get_serial_sequence('positions', 'position_id')) "
                "FROM generate_series(1, :n)"), {"n": len(rows)}).scalars())
            ids.sort()
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cur:
                if raw not in _pg_incoming_ready:
                    cur.execute(_PG_CREATE_INCOMING)
                with cur.copy(_PG_COPY_INCOMING) as copy:
                    for pid, row in zip(ids, rows, strict=True):
                        copy.write_row((pid, *row))
                cur.execute(_PG_INSERT_POSITIONS)
                used = {int(r[0]) for r in cur.fetchall()}
            stored = [(i, pid) for i, pid in enumerate(ids) if pid in used]
        else:
            inserted = int(conn.exec_driver_sql(_INSERT_POSITIONS, rows).rowcount)
            if inserted:
                # The transaction holds SQLite's write lock from the first
                # insert, so the stored rows got consecutive ids ending at
                # the last one.
                last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
                first = last - inserted + 1
                if inserted == len(rows):
                    stored = list(enumerate(range(first, last + 1)))
                else:
                    stored = _match_ids(rows, conn.exec_driver_sql(
                        "SELECT position_id, vehicle_id, device_time FROM positions "
                        "WHERE position_id >= ?", (first,)).all())
        newest: dict[str, tuple[Any, ...]] = {}
        for index, pid in stored:
            row = rows[index]
            current = newest.get(row[0])
            if current is None or row[1] >= current[2]:
                # vehicle_latest column order: vehicle_id, position_id, device_time, ...
                newest[row[0]] = (row[0], pid, row[1], row[2], row[3], row[4], row[6], row[7],
                                  row[8], row[9], row[10])
        if newest:
            conn.exec_driver_sql(_sql(store, _UPSERT_LATEST), list(newest.values()))
    if store.is_postgres:
        # Only now: a rolled-back transaction takes the CREATE with it.
        _pg_incoming_ready.add(raw)
    if stored:
        events(store).notified(max(pid for _i, pid in stored))
    return [index for index, _pid in stored]


def _match_ids(rows: Sequence[tuple[Any, ...]], got: Iterable[Any]) -> list[tuple[int, int]]:
    """(index in rows, id) for the rows just stored, found by their key: of
    several copies in ``rows`` the first was stored, the others conflicted."""
    first_copy: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        first_copy.setdefault((row[0], row[1]), index)
    return sorted((first_copy[(vid, when)], int(pid)) for pid, vid, when in got)


# ---- reading fixes -------------------------------------------------------------


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(query).mappings().all()]


def last_position_id(store: ServerStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(s.positions.c.position_id), 0)))
                   .scalar_one())


def positions_after(store: ServerStore, after: int, limit: int = 5000) -> list[dict[str, Any]]:
    """Fixes with id > ``after`` in id order: the live cursor."""
    limit = max(1, min(int(limit), POSITION_PAGE_MAX))
    with store.engine.connect() as conn:
        return _rows(conn, select(s.positions).where(s.positions.c.position_id > after)
                     .order_by(s.positions.c.position_id).limit(limit))


def wait_for_positions(store: ServerStore, after: int, timeout: float) -> int:
    """Block this (worker) thread until a fix with id > ``after`` exists or
    ``timeout`` passes; returns the newest id."""
    return events(store).wait(after, timeout, lambda: last_position_id(store))


def latest_positions(store: ServerStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return _rows(conn, select(s.vehicle_latest))


def track(store: ServerStore, vehicle_id: str, start: str, end: str,
          limit: int = POSITION_PAGE_MAX) -> list[dict[str, Any]]:
    """One vehicle's fixes with start <= device time <= end, in device-time order."""
    p = s.positions.c
    with store.engine.connect() as conn:
        return _rows(conn, select(s.positions).where(
            p.vehicle_id == vehicle_id, p.device_time >= start, p.device_time <= end)
            .order_by(p.device_time, p.position_id).limit(max(1, min(limit, POSITION_PAGE_MAX))))


def window(store: ServerStore, start: str, end: str, after_id: int = 0,
           limit: int = POSITION_PAGE_MAX) -> list[dict[str, Any]]:
    """Every vehicle's fixes with start <= device time <= end, paged by id
    (pass the last id seen as ``after_id``): what a replay downloads."""
    p = s.positions.c
    with store.engine.connect() as conn:
        return _rows(conn, select(s.positions).where(
            p.device_time >= start, p.device_time <= end, p.position_id > after_id)
            .order_by(p.position_id).limit(max(1, min(limit, POSITION_PAGE_MAX))))


def snapshot(store: ServerStore, at: str, since: str) -> list[dict[str, Any]]:
    """Each vehicle's last fix with since <= device time <= at: the district at time T."""
    p = s.positions.c
    last = (select(p.vehicle_id, func.max(p.device_time).label("t"))
            .where(p.device_time >= since, p.device_time <= at)
            .group_by(p.vehicle_id).subquery())
    with store.engine.connect() as conn:
        rows = _rows(conn, select(s.positions).join(
            last, and_(p.vehicle_id == last.c.vehicle_id, p.device_time == last.c.t))
            .order_by(p.vehicle_id, p.position_id))
    by_vehicle: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_vehicle[row["vehicle_id"]] = row  # same device time twice: the later arrival
    return list(by_vehicle.values())


# ---- alarms --------------------------------------------------------------------


def open_conditions(store: ServerStore) -> list[tuple[str, str, str]]:
    """(vehicle, kind, source) of alarms whose condition has not ended."""
    a = s.alarms.c
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(a.vehicle_id, a.kind, a.source).where(a.ended_at.is_(None))).all()]


def record_alarm_events(store: ServerStore, items: Sequence[tuple[AlarmEvent, str, float, float]]
                        ) -> list[dict[str, Any]]:
    """Write raised and ended alarms (event, device time ISO, WGS-84 lon, lat)
    in one feed transaction; returns the rows written."""
    if not items:
        return []
    a = s.alarms.c
    written: list[dict[str, Any]] = []
    received = now_iso()
    with store.writing() as conn:
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
        store.record_changes(conn, [("alarm", r["alarm_id"], r) for r in written])
    return written


def acknowledge_alarm(store: ServerStore, alarm_id: str, note: str, user: dict[str, Any],
                      workstation: str, at: str | None = None) -> tuple[dict[str, Any], bool]:
    """A person has seen the alarm and says what was done.  Returns the row
    and whether this call acknowledged it (False: someone already had; the
    row says who, when and from where).  Raises AlarmError and changes
    nothing for an unknown alarm or an empty note."""
    note = ack_note(note, AlarmError)
    a = s.alarms.c
    with store.writing() as conn:
        old = conn.execute(select(s.alarms).where(a.alarm_id == alarm_id)).mappings().first()
        if old is None:
            raise AlarmError(f"no such alarm {alarm_id}")
        if old["acknowledged_at"] is not None:
            return dict(old), False
        row = {**old, "acknowledged_by": user["username"], "acknowledged_at": at or now_iso(),
               "ack_workstation": workstation, "ack_note": note, "version": old["version"] + 1}
        conn.execute(update(s.alarms).where(a.alarm_id == alarm_id).values(
            acknowledged_by=row["acknowledged_by"], acknowledged_at=row["acknowledged_at"],
            ack_workstation=workstation, ack_note=note, version=row["version"]))
        store.record_changes(conn, [("alarm", alarm_id, row)])
    return row, True


def alarms(store: ServerStore, *, unacknowledged_only: bool = False,
           limit: int = 1000) -> list[dict[str, Any]]:
    a = s.alarms.c
    query = select(s.alarms).order_by(a.raised_at.desc(), a.alarm_id).limit(max(1, min(limit, 10000)))
    if unacknowledged_only:
        query = query.where(a.acknowledged_at.is_(None))
    with store.engine.connect() as conn:
        return _rows(conn, query)


# ---- geofences -----------------------------------------------------------------

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


def save_geofence(store: ServerStore, data: dict[str, Any], username: str) -> dict[str, Any]:
    """Create or replace a geofence.  It is checked (core.alarms.Geofence)
    before anything is written; GeofenceError says what is wrong."""
    geofence_id = str(data.get("geofence_id") or uuid.uuid4())
    name = str(data.get("name") or "").strip()
    if not name:
        raise GeofenceError("a geofence needs a name")
    row: dict[str, Any] = {"geofence_id": geofence_id, "name": name, "kind": data.get("kind"),
           "geometry": json.dumps(data["geometry"]) if data.get("geometry") else None,
           "width_m": float(data.get("width_m") or 0.0),
           "max_minutes": float(data.get("max_minutes") or 0.0),
           "active": 1 if data.get("active", True) else 0,
           "updated_by": username, "updated_at": now_iso()}
    for key in _JSON_LIST_COLUMNS:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise GeofenceError(f"{key} must be a list of strings")
        row[key] = json.dumps(value)
    with store.writing() as conn:
        geofence_from_row(row, _cell_rings(conn, json.loads(str(row["cell_codes"]))))  # validates
        exists = conn.execute(select(s.geofences.c.geofence_id).where(
            s.geofences.c.geofence_id == geofence_id)).first() is not None
        if exists:
            conn.execute(update(s.geofences).where(s.geofences.c.geofence_id == geofence_id)
                         .values(**row))
        else:
            conn.execute(insert(s.geofences).values(**row))
        store.record_changes(conn, [("geofence", geofence_id, row)])
    with _events_lock:
        _geofence_generation[store] = _geofence_generation.get(store, 0) + 1
    return row


def geofence_rows(store: ServerStore, active_only: bool = True) -> list[dict[str, Any]]:
    query = select(s.geofences).order_by(s.geofences.c.geofence_id)
    if active_only:
        query = query.where(s.geofences.c.active == 1)
    with store.engine.connect() as conn:
        return _rows(conn, query)


def load_geofences(store: ServerStore) -> list[Geofence]:
    """The active geofences as rules.  A stored row that no longer makes a
    valid rule (its cell was deleted) is skipped, not fatal."""
    rows = geofence_rows(store)
    codes = {c for r in rows for c in json.loads(r["cell_codes"] or "[]")}
    with store.engine.connect() as conn:
        rings = _cell_rings(conn, codes)
    out = []
    for row in rows:
        try:
            out.append(geofence_from_row(row, rings))
        except GeofenceError:
            continue
    return out


def geofence_signature(store: ServerStore) -> tuple[int, str]:
    """Changes whenever a geofence is added or edited: (count, newest update)."""
    g = s.geofences.c
    with store.engine.connect() as conn:
        count, newest = conn.execute(select(func.count(), func.max(g.updated_at))).one()
    return int(count), str(newest or "")


def vehicle_kinds(store: ServerStore) -> dict[str, str]:
    with store.engine.connect() as conn:
        return dict(conn.execute(select(s.vehicles.c.vehicle_id, s.vehicles.c.kind)).all())


__all__ = [
    "FIX_KEY_INDEX", "AlarmError", "PositionEvents", "acknowledge_alarm", "alarms",
    "ensure_fix_key", "ensure_indexes", "events",
    "geofence_generation", "geofence_rows", "geofence_signature", "last_position_id", "latest_positions",
    "load_geofences", "open_conditions", "positions_after", "record_alarm_events",
    "save_geofence", "snapshot", "store_fixes", "track", "vehicle_kinds", "wait_for_positions",
    "window",
]
