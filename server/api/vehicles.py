"""Vehicle endpoints: the live position stream, tracks, replay, alarms, geofences.

- ``GET /api/positions/stream?after=N&wait=S``: like ``/api/positions`` but
  a long-poll: with nothing after ``N`` it waits up to ``S`` seconds for the
  gateway to store a fix.
- ``GET /api/vehicles/{id}/track?start=&end=``: one vehicle's fixes in
  device-time order, with its stops and trips (core/tracks.py).
- ``GET /api/replay/window?start=&end=&after_id=``: every fix in a time
  window, paged by id; ``GET /api/replay/snapshot?at=``: each vehicle's
  last fix at time T.
- ``GET /api/alarms``, ``POST /api/alarms/{id}/ack``: the persistent alarm
  queue; an acknowledgement needs a note and is kept with who, when and
  from which workstation, and reaches every workstation by the change feed.
- ``GET/POST /api/geofences``: corridors, forbidden areas, parking limits.
- ``GET /api/vehicles/terminals``, ``GET /api/cells/centres``: the fleet
  and the points it drives between, for the simulator (server/simulator/).

Threading: plain ``def`` endpoints, run in the API's worker threads; a
long-poll blocks one of them for at most ``WAIT_MAX_S``.
"""

# No "from __future__ import annotations": FastAPI reads the annotations.

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from core.alarms import GeofenceError
from core.cases import Role
from core.positions import FixFlag
from core.timeutil import CST, from_iso, now_iso, to_iso
from core.tracks import TrackPoint, holes, stops_and_trips
from server.api.sync_health import WAIT_MAX_S
from server.storage import ServerStore
from server.storage.alarms import ALARM_NOTE_MAX
from server.storage.errors import FORBIDDEN, INVALID, StorageError
from server.storage.positions import POSITION_PAGE_MAX

TRACK_SPAN_MAX = timedelta(days=7)
SNAPSHOT_MAX_AGE_S = 900.0  # a vehicle silent longer than this is not drawn at T
GEOFENCE_ROLES = {Role.SHIFT_LEADER.value, Role.LEADER.value, Role.ADMIN.value}


class PositionStream(BaseModel):
    positions: list[dict[str, Any]]
    cursor: int
    more: bool
    server_time: str


class AckRequest(BaseModel):
    note: str = Field(min_length=1, max_length=ALARM_NOTE_MAX)
    acknowledged_at: str | None = Field(
        default=None, description="when the operator acted (ISO with zone); default: now")


class AckResult(BaseModel):
    alarm: dict[str, Any]
    acknowledged: bool = Field(description="false: someone had already acknowledged it")
    server_time: str


class GeofenceIn(BaseModel):
    geofence_id: str | None = Field(default=None, max_length=36)
    name: str = Field(min_length=1, max_length=200)
    kind: str
    geometry: dict[str, Any] | None = None
    cell_codes: list[str] = Field(default_factory=list, max_length=5000)
    width_m: float = Field(default=0.0, ge=0, le=10_000)
    max_minutes: float = Field(default=0.0, ge=0, le=24 * 60)
    vehicle_kinds: list[str] = Field(default_factory=list, max_length=50)
    vehicle_ids: list[str] = Field(default_factory=list, max_length=10_000)
    active: bool = True


def _time(value: str, name: str) -> str:
    """The canonical ISO text (sorts as the database compares), or 422."""
    try:
        return to_iso(from_iso(value))
    except (ValueError, TypeError) as exc:
        raise HTTPException(422, f"{name} must be an ISO time with a zone, got {value!r}") from exc


def _span(start: str, end: str) -> tuple[str, str]:
    a, b = _time(start, "start"), _time(end, "end")
    if from_iso(b) < from_iso(a):
        raise HTTPException(422, "end is before start")
    if from_iso(b) - from_iso(a) > TRACK_SPAN_MAX:
        raise HTTPException(422, f"a window is at most {TRACK_SPAN_MAX.days} days")
    return a, b


def track_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Stops, trips and holes of a track given in device-time order."""
    points = [TrackPoint(from_iso(r["device_time"]).timestamp(), r["lon"], r["lat"],
                         r["speed_kmh"], r["flags"]) for r in rows]
    stops, trips = stops_and_trips(points)

    def iso(t: float) -> str:
        return to_iso(datetime.fromtimestamp(t, CST))

    return {
        "stops": [{"start": iso(x.start), "end": iso(x.end), "lon": x.lon, "lat": x.lat,
                   "duration_s": x.duration_s} for x in stops],
        "trips": [{"start": iso(x.start), "end": iso(x.end), "distance_m": round(x.distance_m, 1),
                   "duration_s": x.duration_s, "max_speed_kmh": x.max_speed_kmh,
                   "mean_speed_kmh": round(x.mean_speed_kmh, 1)} for x in trips],
        "holes": [{"start": iso(h.start), "end": iso(h.end), "duration_s": h.duration_s}
                  for h in holes(points)],
    }


def vehicles_router(store: ServerStore, current_user: Callable[..., dict[str, Any]]) -> APIRouter:
    store.ensure_indexes()
    router = APIRouter()
    User = Annotated[dict[str, Any], Depends(current_user)]

    @router.get("/api/vehicles/terminals")
    def vehicle_terminals(user: User, limit: Annotated[int | None, Query(ge=1, le=100_000)] = None
                          ) -> dict[str, Any]:
        """Every vehicle with its terminal's phone, by vehicle id (at most
        ``limit``): what a fleet of terminals (the simulator) drives.  The
        same rows reach every workstation in the change feed."""
        return {"vehicles": store.fleet(limit), "server_time": now_iso()}

    @router.get("/api/cells/centres")
    def cell_centres(user: User) -> dict[str, Any]:
        """``[code, centre lon, centre lat]`` (GCJ-02) of every cell, by code:
        the points a simulated fleet drives between, without the rings."""
        return {"cells": store.cell_centres(), "server_time": now_iso()}

    @router.get("/api/positions/stream", response_model=PositionStream)
    def stream(user: User, after: Annotated[int, Query(ge=0)] = 0,
               limit: Annotated[int, Query(ge=1, le=POSITION_PAGE_MAX)] = 5000,
               wait: Annotated[float, Query(ge=0, le=WAIT_MAX_S)] = 0) -> PositionStream:
        rows = store.positions.after(after, limit)
        if not rows and wait > 0 and store.positions.wait(after, wait) > after:
            rows = store.positions.after(after, limit)
        cursor = rows[-1]["position_id"] if rows else after
        return PositionStream(positions=rows, cursor=cursor, more=len(rows) >= limit,
                              server_time=now_iso())

    @router.get("/api/vehicles/{vehicle_id}/track")
    def vehicle_track(user: User, vehicle_id: str, start: str, end: str) -> dict[str, Any]:
        a, b = _span(start, end)
        rows = store.positions.track(vehicle_id, a, b)
        return {"vehicle_id": vehicle_id, "positions": rows,
                **track_summary([r for r in rows if not r["flags"] & FixFlag.OUTSIDE_CHINA]),
                "truncated": len(rows) >= POSITION_PAGE_MAX, "server_time": now_iso()}

    @router.get("/api/replay/window")
    def replay_window(user: User, start: str, end: str,
                      after_id: Annotated[int, Query(ge=0)] = 0,
                      limit: Annotated[int, Query(ge=1, le=POSITION_PAGE_MAX)] = 20000
                      ) -> dict[str, Any]:
        a, b = _span(start, end)
        rows = store.positions.window(a, b, after_id, limit)
        return {"positions": rows, "cursor": rows[-1]["position_id"] if rows else after_id,
                "more": len(rows) >= limit, "server_time": now_iso()}

    @router.get("/api/replay/snapshot")
    def replay_snapshot(user: User, at: str,
                        max_age_s: Annotated[float, Query(gt=0, le=86400)] = SNAPSHOT_MAX_AGE_S
                        ) -> dict[str, Any]:
        t = _time(at, "at")
        since = to_iso(from_iso(t) - timedelta(seconds=max_age_s))
        return {"at": t, "vehicles": store.positions.snapshot(t, since), "server_time": now_iso()}

    @router.get("/api/alarms")
    def list_alarms(user: User, unacknowledged: bool = False,
                    limit: Annotated[int, Query(ge=1, le=10000)] = 1000) -> dict[str, Any]:
        return {"alarms": store.alarms.list(unacknowledged_only=unacknowledged, limit=limit),
                "server_time": now_iso()}

    @router.post("/api/alarms/{alarm_id}/ack", response_model=AckResult)
    def acknowledge(user: User, alarm_id: str, body: AckRequest) -> AckResult:
        at = _time(body.acknowledged_at, "acknowledged_at") if body.acknowledged_at else None
        # An unknown alarm or an empty note is a StorageError: 404 or 422 (errors.py).
        row, done = store.alarms.acknowledge(alarm_id, body.note, user,
                                             str(user.get("workstation") or ""), at)
        return AckResult(alarm=row, acknowledged=done, server_time=now_iso())

    @router.get("/api/geofences")
    def list_geofences(user: User, active_only: bool = False) -> dict[str, Any]:
        return {"geofences": store.geofences.rows(active_only), "server_time": now_iso()}

    @router.post("/api/geofences")
    def save_geofence(user: User, body: GeofenceIn) -> dict[str, Any]:
        # Refusals carry a reason code (errors.py's shape) the workstation translates.
        if user["role"] not in GEOFENCE_ROLES:
            raise StorageError(FORBIDDEN, "role_forbidden", f"a {user['role']} may not define geofences",
                               {"role": user["role"], "action": "define_geofence"})
        try:
            row = store.geofences.save(body.model_dump(), user["username"])
        except GeofenceError as exc:
            raise StorageError(INVALID, exc.code, str(exc), exc.params) from exc
        return {"geofence": row, "server_time": now_iso()}

    return router


__all__ = ["WAIT_MAX_S", "track_summary", "vehicles_router"]
