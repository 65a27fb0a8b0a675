"""Vehicles at the workstation: tracks, the district at time T, alarms and
their acknowledgement, the vehicles nearest to a case.

Every fix the sync engine receives is kept in ``track_points`` (keyed by the
server's position id, so a page applied twice is harmless), which is how a
track has no hole from this workstation's own outages: the engine follows
the server's position cursor, so after an outage it pages through
everything stored meanwhile, back-fill included, and each fix lands here.

Alarms are the server's rows (the change feed brings them); an operator's
acknowledgement is written to ``alarm_acks`` until the server confirms it,
so the replica only ever holds the server's word and the queue shows "sent,
waiting for the centre" in between.

Threading: a ``VehicleStore`` wraps one ``LocalStore`` and is used on that
store's thread (UI or a worker).  Every mutation is one transaction and
returns a ``ChangeSummary``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.store import tables as t
from app.store.tracks import add_track_points
from core.alarms import AckNoteError, AlarmKind, Severity, ack_note
from core.coords import haversine_m_array, wgs84_to_gcj02_array
from core.geo import lonlat_to_mercator
from core.positions import FixFlag, VehicleKind
from core.problems import CodedError
from core.sla import sla_state
from core.timeutil import CST, from_iso, now_cst, now_iso, to_iso
from core.tracks import Hole, Stop, TrackPoint, Trip, holes, stops_and_trips

if TYPE_CHECKING:
    from app.store.replica import ChangeSummary, LocalStore

STALE_AFTER_S = 120.0  # no fix for 2 minutes: stale
OFFLINE_AFTER_S = 900.0  # 15 minutes: offline
# Speeds a vehicle of each kind makes on city streets when sent somewhere
# (not its working speed: a sweeper drives to a job faster than it sweeps).
TRAVEL_SPEED_KMH = {
    VehicleKind.PATROL.value: 25.0,
    VehicleKind.MUCK_TRUCK.value: 20.0,
    VehicleKind.SWEEPER.value: 15.0,
    VehicleKind.SPRINKLER.value: 15.0,
}
DEFAULT_TRAVEL_SPEED_KMH = 20.0
ROAD_FACTOR = 1.3  # streets are longer than the straight line; a common urban detour ratio
UNTRUSTED = int(FixFlag.INVALID | FixFlag.ZERO | FixFlag.OUTSIDE_CHINA | FixFlag.IMPOSSIBLE_SPEED)

class AlarmAckError(CodedError, ValueError):
    """An acknowledgement that cannot be taken (empty note, unknown alarm);
    ``code`` says which, for the operator."""


@dataclass(frozen=True)
class VehicleState:
    vehicle_id: str
    plate: str
    kind: str
    device_time: str | None
    age_s: float | None
    state: int  # 0 online, 1 stale, 2 offline (no fix at all: offline)
    heading: int
    speed_kmh: float
    lon: float | None  # WGS-84
    lat: float | None
    flags: int
    alarm: str | None  # worst open alarm: "critical" | "major" | "minor" | None


@dataclass(frozen=True)
class Nearest:
    vehicle_id: str
    plate: str
    kind: str
    distance_m: float  # straight line
    eta_s: float  # at the kind's typical city speed, streets ROAD_FACTOR longer
    state: int
    age_s: float


@dataclass(frozen=True)
class TrackSummary:
    vehicle_id: str
    points: list[dict[str, Any]]
    stops: list[Stop]
    trips: list[Trip]
    holes: list[Hole]


@dataclass
class ReplayFrame:
    """The district at time T: vehicle arrays (WGS-84) and open cases (GCJ-02)."""

    at: str
    vehicle_ids: list[str]
    lon: np.ndarray
    lat: np.ndarray
    heading: np.ndarray
    kind: np.ndarray  # index into list(VehicleKind)
    state: np.ndarray  # 0 live, 1 stale at T
    case_ids: list[str]
    case_lon: np.ndarray
    case_lat: np.ndarray
    case_sla: np.ndarray


_KINDS = [k.value for k in VehicleKind]
_SEVERITY_RANK = {Severity.CRITICAL.value: 3, Severity.MAJOR.value: 2, Severity.MINOR.value: 1}


def presence(age_s: float | None) -> int:
    """0 online, 1 stale, 2 offline, from the age of the latest fix (None: never seen)."""
    if age_s is None or age_s > OFFLINE_AFTER_S:
        return 2
    return 1 if age_s > STALE_AFTER_S else 0


def travel_eta_s(distance_m: float, kind: str) -> float:
    speed = TRAVEL_SPEED_KMH.get(kind, DEFAULT_TRAVEL_SPEED_KMH) / 3.6
    return distance_m * ROAD_FACTOR / speed


class VehicleStore:
    def __init__(self, store: LocalStore):
        self.store = store
        self.engine = store.engine

    # ---- tracks ------------------------------------------------------------

    def track_points_after(self, after: int, limit: int = 100_000) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(t.track_points).where(t.track_points.c.position_id > after)
                .order_by(t.track_points.c.position_id).limit(limit)).mappings()]

    def track(self, vehicle_id: str, start: str, end: str) -> list[dict[str, Any]]:
        """One vehicle's fixes with start <= device time <= end, in device-time order."""
        p = t.track_points.c
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(t.track_points).where(p.vehicle_id == vehicle_id, p.device_time >= start,
                                             p.device_time <= end)
                .order_by(p.device_time, p.position_id)).mappings()]

    def track_summary(self, vehicle_id: str, start: str, end: str,
                      max_interval_s: float = 120.0) -> TrackSummary:
        rows = self.track(vehicle_id, start, end)
        points = [TrackPoint(from_iso(r["device_time"]).timestamp(), r["lon"], r["lat"],
                             r["speed_kmh"], r["flags"]) for r in rows]
        stops, trips = stops_and_trips(points)
        return TrackSummary(vehicle_id, rows, stops, trips, holes(points, max_interval_s))

    def add_positions(self, rows: Sequence[dict[str, Any]]) -> ChangeSummary:
        """Fixes fetched for a replay (older than what the live cursor brought)."""
        from app.store.replica import ChangeSummary

        with self.engine.begin() as conn:
            add_track_points(conn, rows)
        return ChangeSummary(entities={"track"} if rows else set())

    def coverage(self) -> tuple[str | None, str | None]:
        """Oldest and newest device time kept here."""
        p = t.track_points.c
        with self.engine.connect() as conn:
            low, high = conn.execute(select(func.min(p.device_time), func.max(p.device_time))).one()
        return low, high

    def window_count(self, start: str, end: str) -> int:
        p = t.track_points.c
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(
                p.device_time >= start, p.device_time <= end)).scalar_one())

    # ---- the live list --------------------------------------------------------

    def vehicle_states(self, now: str | None = None,
                       vehicle_ids: Sequence[str] | None = None) -> list[VehicleState]:
        """Known vehicles (all, or those named), with their last fix (if
        any), ordered by vehicle id."""
        at = from_iso(now) if now else now_cst()
        worst = self.vehicle_alarm_levels()
        v, p = t.vehicles.c, t.vehicle_positions.c
        query = (select(v.vehicle_id, v.plate, v.kind, p.device_time, p.heading, p.speed_kmh,
                        p.lon, p.lat, p.flags)
                 .outerjoin(t.vehicle_positions, p.vehicle_id == v.vehicle_id)
                 .order_by(v.vehicle_id))
        if vehicle_ids is not None:
            query = query.where(v.vehicle_id.in_(list(vehicle_ids)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        out = []
        for r in rows:
            age = (at - from_iso(r["device_time"])).total_seconds() if r["device_time"] else None
            out.append(VehicleState(r["vehicle_id"], r["plate"], r["kind"], r["device_time"], age,
                                    presence(age), r["heading"] or 0, r["speed_kmh"] or 0.0,
                                    r["lon"], r["lat"], r["flags"] or 0,
                                    worst.get(r["vehicle_id"])))
        return out

    def vehicle_ids(self, sort: str = "vehicle_id", descending: bool = False) -> list[str]:
        """Vehicle ids in the order the vehicle list shows them, sorted in SQL."""
        v, p = t.vehicles.c, t.vehicle_positions.c
        column = {"vehicle_id": v.vehicle_id, "plate": v.plate, "kind": v.kind,
                  "device_time": p.device_time, "speed": p.speed_kmh}[sort]
        order = column.desc() if descending else column.asc()
        with self.engine.connect() as conn:
            return list(conn.execute(
                select(v.vehicle_id).outerjoin(t.vehicle_positions, p.vehicle_id == v.vehicle_id)
                .order_by(column.is_(None), order, v.vehicle_id)).scalars())

    def vehicle_rows(self, vehicle_ids: Sequence[str], now: str | None = None
                     ) -> dict[str, VehicleState]:
        return {s.vehicle_id: s for s in self.vehicle_states(now, vehicle_ids)}

    # ---- alarms -------------------------------------------------------------

    def alarms(self, *, waiting_only: bool = True, limit: int = 500) -> list[dict[str, Any]]:
        """The alarm queue, newest first, with this workstation's own
        acknowledgements not yet confirmed (``local_ack``) merged in.
        ``waiting_only``: not acknowledged by the server yet."""
        a, k, v = t.alarms.c, t.alarm_acks.c, t.vehicles.c
        query = (select(t.alarms, v.plate, v.kind.label("vehicle_kind"),
                        k.note.label("local_note"), k.state.label("local_state"),
                        k.at.label("local_at"), k.result.label("local_result"))
                 .outerjoin(t.alarm_acks, k.alarm_id == a.alarm_id)
                 .outerjoin(t.vehicles, v.vehicle_id == a.vehicle_id)
                 .order_by(a.raised_at.desc(), a.alarm_id).limit(limit))
        if waiting_only:
            query = query.where(a.acknowledged_at.is_(None))
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        for row in rows:
            row["detail"] = json.loads(row["detail"]) if row.get("detail") else {}
        return rows

    def alarm(self, alarm_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.alarms).where(t.alarms.c.alarm_id == alarm_id)).mappings().first()
        return dict(row) if row else None

    def waiting_alarm_ids(self) -> set[str]:
        """Alarms nobody has acknowledged, here or anywhere."""
        a, k = t.alarms.c, t.alarm_acks.c
        with self.engine.connect() as conn:
            return set(conn.execute(select(a.alarm_id).outerjoin(t.alarm_acks, k.alarm_id == a.alarm_id)
                                    .where(a.acknowledged_at.is_(None),
                                           or_(k.state.is_(None), k.state == "refused"))).scalars())

    def vehicle_alarm_levels(self) -> dict[str, str]:
        """Worst severity per vehicle over alarms still on or still unacknowledged."""
        a = t.alarms.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(a.vehicle_id, a.severity).where(
                or_(a.acknowledged_at.is_(None), a.ended_at.is_(None)))).all()
        out: dict[str, str] = {}
        for vehicle_id, severity in rows:
            if _SEVERITY_RANK.get(severity, 0) > _SEVERITY_RANK.get(out.get(vehicle_id, ""), 0):
                out[vehicle_id] = severity
        return out

    def acknowledge(self, alarm_id: str, note: str, operator: str, workstation: str,
                    at: str | None = None) -> ChangeSummary:
        """Record that ``operator`` has seen the alarm and what was done; sent
        to the server by the vehicle link.  Raises AlarmAckError and writes
        nothing for an empty note or an alarm this workstation does not know."""
        from app.store.replica import ChangeSummary

        try:
            note = ack_note(note)  # the server holds the same rule (core/alarms.py)
        except AckNoteError as exc:
            raise AlarmAckError(str(exc), exc.code) from exc
        with self.engine.begin() as conn:
            row = conn.execute(select(t.alarms.c.acknowledged_at).where(
                t.alarms.c.alarm_id == alarm_id)).first()
            if row is None:
                raise AlarmAckError(f"no such alarm {alarm_id}", "no_such_alarm")
            if row.acknowledged_at is not None:
                return ChangeSummary()
            stmt = sqlite_insert(t.alarm_acks).values(
                alarm_id=alarm_id, note=note, operator=operator, workstation=workstation,
                at=at or now_iso(), state="pending", result=None)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["alarm_id"],
                set_={c: stmt.excluded[c] for c in ("note", "operator", "workstation", "at",
                                                     "state", "result")}))
        return ChangeSummary(entities={"alarm_ack"})

    def pending_acks(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.alarm_acks).where(
                t.alarm_acks.c.state == "pending").order_by(t.alarm_acks.c.at)).mappings()]

    def record_ack_result(self, alarm_id: str, state: str, result: dict[str, Any]) -> ChangeSummary:
        """The server's answer: ``sent`` (it has the acknowledgement, or
        someone else's) or ``refused`` (with why)."""
        from app.store.replica import ChangeSummary

        if state not in ("sent", "refused"):
            raise ValueError(f"unknown acknowledgement state {state!r}")
        with self.engine.begin() as conn:
            conn.execute(update(t.alarm_acks).where(t.alarm_acks.c.alarm_id == alarm_id).values(
                state=state, result=json.dumps(result, ensure_ascii=False)))
            alarm = result.get("alarm")
            if state == "sent" and isinstance(alarm, dict) and alarm.get("alarm_id") == alarm_id:
                # The feed will bring the same row; applying it now shows the
                # acknowledgement at once.  Full rows, so doing both is harmless.
                _upsert_alarm(conn, alarm)
        return ChangeSummary(entities={"alarm_ack", "alarm"})

    # ---- nearest vehicles -------------------------------------------------------

    def nearest(self, lon_gcj: float, lat_gcj: float, limit: int = 5, now: str | None = None,
                include_offline: bool = False) -> list[Nearest]:
        """Vehicles nearest to a GCJ-02 point (a case), by straight-line
        distance, with a time estimate.  Fixes that cannot be trusted are
        left out; so are offline vehicles unless asked for."""
        states = [s for s in self.vehicle_states(now)
                  if s.lon is not None and s.lat is not None and not s.flags & UNTRUSTED
                  and (include_offline or s.state < 2)]
        if not states:
            return []
        lon = np.array([s.lon for s in states], dtype=float)
        lat = np.array([s.lat for s in states], dtype=float)
        glon, glat = wgs84_to_gcj02_array(lon, lat)
        dist = haversine_m_array(glon, glat, np.full_like(glon, lon_gcj), np.full_like(glat, lat_gcj))
        order = np.argsort(dist, kind="stable")[:limit]
        return [Nearest(states[i].vehicle_id, states[i].plate, states[i].kind, float(dist[i]),
                        travel_eta_s(float(dist[i]), states[i].kind), states[i].state,
                        float(states[i].age_s or 0.0)) for i in order]

    # ---- the district at time T ------------------------------------------------

    def replay_data(self, start: str, end: str, lead_s: float = OFFLINE_AFTER_S) -> ReplayData:
        """Everything a replay of [start, end] needs, loaded once."""
        begin = to_iso(from_iso(start) - timedelta(seconds=lead_s))
        p, v = t.track_points.c, t.vehicles.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(p.vehicle_id, p.device_time, p.lon, p.lat, p.heading, p.flags, v.kind)
                .outerjoin(t.vehicles, v.vehicle_id == p.vehicle_id)
                .where(p.device_time >= begin, p.device_time <= end)
                .order_by(p.vehicle_id, p.device_time, p.position_id)).all()
            cases = conn.execute(
                select(t.cases.c.case_id, t.cases.c.lon, t.cases.c.lat, t.cases.c.deadline,
                       t.cases.c.registered_at, t.cases.c.reported_at, t.cases.c.closed_at,
                       t.cases.c.status, t.cases.c.updated_at)
                .where(or_(t.cases.c.registered_at <= end, t.cases.c.reported_at <= end))).all()
            ended = dict(conn.execute(
                select(t.case_events.c.case_id, func.min(t.case_events.c.at))
                .where(t.case_events.c.kind.in_(("close_case", "cancel_case")))
                .group_by(t.case_events.c.case_id)).all())
        return ReplayData(rows, cases, ended)

    def cases_open_at(self, at: str) -> list[dict[str, Any]]:
        data = self.replay_data(at, at, lead_s=0)
        frame = data.frame(at)
        return [{"case_id": c, "lon": x, "lat": y, "sla": int(s)}
                for c, x, y, s in zip(frame.case_ids, frame.case_lon, frame.case_lat,
                                      frame.case_sla, strict=True)]

    # ---- geofences ------------------------------------------------------------

    def geofences(self, active_only: bool = True) -> list[dict[str, Any]]:
        g = t.geofences.c
        query = select(t.geofences).order_by(g.geofence_id)
        if active_only:
            query = query.where(g.active == 1)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        for row in rows:
            row["geometry"] = json.loads(row["geometry"]) if row.get("geometry") else None
            for key in ("cell_codes", "vehicle_kinds", "vehicle_ids"):
                row[key] = json.loads(row[key] or "[]")
        return rows


def _upsert_alarm(conn: Connection, alarm: dict[str, Any]) -> None:
    names = [c.name for c in t.alarms.c]
    row = {c: alarm.get(c) for c in names}
    stmt = sqlite_insert(t.alarms).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["alarm_id"], set_={c: stmt.excluded[c] for c in names if c != "alarm_id"},
        where=stmt.excluded.version >= t.alarms.c.version))


class ReplayData:
    """Fixes of a time window, per vehicle, ready to answer "where was
    everyone at T" many times a second (binary search per vehicle, linear
    interpolation between two fixes less than ``interpolate_s`` apart).

    Plain data: safe to build on a worker and use on the UI thread.
    """

    def __init__(self, rows: Sequence[Any], cases: Sequence[Any],
                 case_ended: dict[str, str], interpolate_s: float = 120.0):
        self.interpolate_s = interpolate_s
        self.vehicle_ids: list[str] = []
        self._t: list[np.ndarray] = []
        self._lon: list[np.ndarray] = []
        self._lat: list[np.ndarray] = []
        self._heading: list[np.ndarray] = []
        self.kinds: list[int] = []
        self.fixes = 0
        current: str | None = None
        buf: list[tuple[float, float, float, float]] = []
        kind = ""

        def flush() -> None:
            if current is not None and buf:
                arr = np.array(buf, dtype=float)
                self.vehicle_ids.append(current)
                self._t.append(arr[:, 0])
                self._lon.append(arr[:, 1])
                self._lat.append(arr[:, 2])
                self._heading.append(arr[:, 3])
                self.kinds.append(_KINDS.index(kind) if kind in _KINDS else 0)

        for vehicle_id, device_time, lon, lat, heading, flags, vkind in rows:
            if vehicle_id != current:
                flush()
                current, buf, kind = vehicle_id, [], vkind or ""
            if flags & UNTRUSTED:
                continue  # never drawn as truth
            buf.append((from_iso(device_time).timestamp(), lon, lat, heading or 0))
            self.fixes += 1
        flush()
        self._cases = []
        for case_id, lon, lat, deadline, registered, reported, closed, _status, _upd in cases:
            opened = registered or reported
            if not opened:
                continue
            end = min(x for x in (closed, case_ended.get(case_id), "9999") if x)
            self._cases.append((case_id, lon, lat, deadline, from_iso(opened).timestamp(),
                                math.inf if end == "9999" else from_iso(end).timestamp()))

    def span(self) -> tuple[float, float] | None:
        if not self._t:
            return None
        return min(a[0] for a in self._t), max(a[-1] for a in self._t)

    def frame(self, at: str, max_age_s: float = OFFLINE_AFTER_S) -> ReplayFrame:
        ts = from_iso(at).timestamp()
        ids: list[str] = []
        lon: list[float] = []
        lat: list[float] = []
        heading: list[float] = []
        kind: list[int] = []
        state: list[int] = []
        for n, times in enumerate(self._t):
            i = int(np.searchsorted(times, ts, side="right")) - 1
            if i < 0:
                continue
            age = ts - times[i]
            if age > max_age_s:
                continue
            x, y = self._lon[n][i], self._lat[n][i]
            if i + 1 < len(times) and times[i + 1] - times[i] <= self.interpolate_s and age > 0:
                f = age / (times[i + 1] - times[i])
                x += (self._lon[n][i + 1] - x) * f
                y += (self._lat[n][i + 1] - y) * f
            ids.append(self.vehicle_ids[n])
            lon.append(float(x))
            lat.append(float(y))
            heading.append(float(self._heading[n][i]))
            kind.append(self.kinds[n])
            state.append(1 if age > STALE_AFTER_S else 0)
        case_ids, clon, clat, csla = [], [], [], []
        for case_id, x, y, deadline, opened, closed in self._cases:
            if opened <= ts < closed:
                case_ids.append(case_id)
                clon.append(x)
                clat.append(y)
                csla.append(int(sla_state(deadline, at)))
        return ReplayFrame(at, ids, np.array(lon), np.array(lat), np.array(heading),
                           np.array(kind, dtype=int), np.array(state, dtype=int), case_ids,
                           np.array(clon), np.array(clat), np.array(csla, dtype=int))


def iso_at(epoch_s: float) -> str:
    return to_iso(datetime.fromtimestamp(epoch_s, CST))


# ---- map coordinates (Web Mercator of GCJ-02, as the map draws) ---------------------


def wgs_to_map(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Terminal WGS-84 degrees to the map's mercator metres (shifted to GCJ-02 first)."""
    glon, glat = wgs84_to_gcj02_array(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    x, y = lonlat_to_mercator(glon, glat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def gcj_to_map(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = lonlat_to_mercator(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


@dataclass
class GeofenceOverlay:
    """Geofences ready for app.views.map.track_layer (mercator)."""

    corridors: list[tuple[np.ndarray, float]]  # (line xy, half-width in mercator units)
    forbidden: list[np.ndarray]
    parking: list[np.ndarray]


def geofence_overlay(rows: Sequence[dict[str, Any]], store: LocalStore) -> GeofenceOverlay:
    """From ``VehicleStore.geofences()`` rows; areas made of cells use the
    cells' outlines.  A rule this workstation cannot draw (a cell it does
    not have yet) is left out."""
    out = GeofenceOverlay([], [], [])
    for row in rows:
        geometry = row.get("geometry") or {}
        rings: list[list[list[float]]] = []
        if geometry.get("type") == "Polygon":
            rings = list(geometry["coordinates"])
        elif geometry.get("type") == "MultiPolygon":
            rings = [r for polygon in geometry["coordinates"] for r in polygon]
        for code in row.get("cell_codes") or []:
            cell = store.cell(code)
            if cell is not None:
                rings.append(json.loads(cell["ring"]))
        xy_rings = []
        for ring in rings:
            arr = np.asarray(ring, dtype=float)
            if arr.ndim == 2 and len(arr) >= 3:
                x, y = gcj_to_map(arr[:, 0], arr[:, 1])
                xy_rings.append(np.column_stack([x, y]))
        if row["kind"] == "corridor" and geometry.get("type") == "LineString":
            arr = np.asarray(geometry["coordinates"], dtype=float)
            x, y = gcj_to_map(arr[:, 0], arr[:, 1])
            # Mercator stretches distances by 1/cos(latitude).
            scale = 1.0 / math.cos(math.radians(float(arr[:, 1].mean())))
            out.corridors.append((np.column_stack([x, y]), float(row["width_m"]) * scale))
        elif row["kind"] == "forbidden":
            out.forbidden += xy_rings
        elif row["kind"] == "parking":
            out.parking += xy_rings
    return out


def alarm_kind_known(kind: str) -> bool:
    return kind in {k.value for k in AlarmKind}


__all__ = [
    "AlarmAckError", "GeofenceOverlay", "Nearest", "ReplayData", "ReplayFrame", "TrackSummary",
    "VehicleState", "VehicleStore", "add_track_points", "gcj_to_map", "geofence_overlay", "iso_at",
    "presence", "travel_eta_s", "wgs_to_map",
]
