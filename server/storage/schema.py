"""Tables of the central server (SQLAlchemy Core; SQLite or PostgreSQL).

Text ids and ISO-8601 text times keep the schema the same on both engines
and make the change feed's JSON a direct copy of a row.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row: the last number of the global, gap-free change sequence.  Every
# transaction that records changes updates this row first, which serialises
# writers, so sequence numbers are handed out in commit order with no gaps.
change_counter = Table(
    "change_counter", metadata,
    Column("id", Integer, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

changes = Table(
    "changes", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("data", Text, nullable=False),
)

regions = Table(
    "regions", metadata,
    Column("code", String(15), primary_key=True),  # 6 district, 9 street, 12 community
    Column("level", String(16), nullable=False),  # district | street | community
    Column("name", Text, nullable=False),
    Column("parent_code", String(15)),
    Column("geometry", Text),  # GeoJSON geometry (GCJ-02), district outline only
)

departments = Table(
    "departments", metadata,
    Column("department_id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),  # sanitation, roads, ..., street_office
    Column("street_code", String(15)),  # street offices answer for their street
)

cells = Table(
    "cells", metadata,
    Column("code", String(15), primary_key=True),
    Column("community_code", String(15), nullable=False),
    Column("street_code", String(15), nullable=False),
    Column("grade", String(1), nullable=False),  # A core streets, B residential, C suburban
    Column("area_m2", Float, nullable=False),
    Column("department_id", String(32)),  # responsible department or person
    Column("center_lon", Float, nullable=False),  # GCJ-02
    Column("center_lat", Float, nullable=False),
    Column("ring", Text, nullable=False),  # JSON [[lon, lat], ...] closed ring, GCJ-02
    Column("valid_from", String(32)),
    Column("valid_to", String(32)),
)

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("department_id", String(32)),
    Column("password_hash", Text, nullable=False),
)

tokens = Table(
    "tokens", metadata,
    Column("token", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("workstation", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
)

vehicles = Table(
    "vehicles", metadata,
    Column("vehicle_id", String(32), primary_key=True),
    Column("plate", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("terminal_phone", String(20), nullable=False, unique=True),
    Column("department_id", String(32)),
)

cases = Table(
    "cases", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("number", String(32), unique=True),
    Column("provisional_number", String(40)),
    Column("status", String(16), nullable=False),
    Column("category", String(8), nullable=False),
    Column("cell_code", String(15), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("source", String(16), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("address", Text, nullable=False, default=""),
    Column("department_id", String(32)),
    Column("reported_at", String(32)),
    Column("registered_at", String(32)),
    Column("dispatched_at", String(32)),
    Column("deadline", String(32)),
    Column("handled_at", String(32)),
    Column("closed_at", String(32)),
    Column("version", Integer, nullable=False),
    Column("updated_by", String(64)),
    Column("updated_at", String(32)),
    Column("updated_from", String(64)),
    # The full case loop (core/cases.py, docs/case-loop.md).
    Column("verified_at", String(32)),
    Column("checked_at", String(32)),
    Column("extension_count", Integer, nullable=False, server_default="0"),
    Column("rework_count", Integer, nullable=False, server_default="0"),
    Column("escalation_level", Integer, nullable=False, server_default="0"),
    Column("escalated_at", String(32)),
    Column("paused_at", String(32)),  # returned or deferred: the clock stopped here
    Column("remaining_minutes", Float),  # ... with this much of the limit left
    Column("ticket_id", String(64), unique=True),  # the 12345 ticket this case answers
    Column("caller", Text),
    Column("caller_phone", String(32)),
    Column("due_by", String(32)),  # the ticket's own time limit
    Column("callback_result", String(16)),
    Column("callback_at", String(32)),
)
Index("ix_cases_status", cases.c.status)

# Photos and documents of a case.  The bytes stay on the server and are
# fetched on demand; the change feed carries the row without them.
attachments = Table(
    "attachments", metadata,
    Column("attachment_id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_by", String(64), nullable=False),
    Column("uploaded_from", String(64), nullable=False),
    Column("uploaded_at", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
Index("ix_attachments_case", attachments.c.case_id)

case_events = Table(
    "case_events", metadata,
    Column("event_id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("operator", String(64), nullable=False),
    Column("workstation", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("version", Integer, nullable=False, default=0),
)
Index("ix_case_events_case", case_events.c.case_id)

# Every command ever received, accepted or rejected: the idempotency ledger.
commands = Table(
    "commands", metadata,
    Column("command_id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("operator", String(64), nullable=False),
    Column("workstation", String(64), nullable=False),
    Column("issued_at", String(32), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),  # accepted | rejected
    Column("result", Text, nullable=False),  # JSON reply sent to the workstation
)

number_counters = Table(
    "number_counters", metadata,
    Column("day", String(8), primary_key=True),
    Column("last", Integer, nullable=False),
)

terminals = Table(
    "terminals", metadata,
    Column("phone", String(20), primary_key=True),
    Column("vehicle_id", String(32)),
    Column("auth_code", String(64), nullable=False),
    Column("registered_at", String(32), nullable=False),
)

positions = Table(
    "positions", metadata,
    Column("position_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("vehicle_id", String(32), nullable=False),
    Column("device_time", String(32), nullable=False),
    Column("recv_time", String(32), nullable=False),
    Column("lon", Float, nullable=False),  # WGS-84, raw
    Column("lat", Float, nullable=False),
    Column("altitude_m", Integer, nullable=False),
    Column("speed_kmh", Float, nullable=False),
    Column("heading", Integer, nullable=False),
    Column("alarm", BigInteger, nullable=False),
    Column("status", BigInteger, nullable=False),
    Column("flags", Integer, nullable=False),
)
# One row per vehicle and device second: a terminal that missed our 0x8001
# sends the same fix again (0x0200 retry, a whole 0x0704 batch re-sent), and
# the store keeps the first copy only (docs/jt808.md, "Duplicates").  The
# index also serves a vehicle's track.  Older databases have a plain index,
# ix_positions_vehicle_time, instead: positions.ensure_fix_key replaces it.
Index("ux_positions_vehicle_time", positions.c.vehicle_id, positions.c.device_time, unique=True)
# Whole-district replay reads every vehicle's fixes in a time window.
Index("ix_positions_time", positions.c.device_time)

vehicle_latest = Table(
    "vehicle_latest", metadata,
    Column("vehicle_id", String(32), primary_key=True),
    Column("position_id", BigInteger, nullable=False),
    Column("device_time", String(32), nullable=False),
    Column("recv_time", String(32), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("speed_kmh", Float, nullable=False),
    Column("heading", Integer, nullable=False),
    Column("alarm", BigInteger, nullable=False),
    Column("status", BigInteger, nullable=False),
    Column("flags", Integer, nullable=False),
)

# Vehicle alarms: the terminal's alarm bits and the platform's geofences
# (server/storage/alarms.py).  A row stays until a person acknowledges
# it with a note; who, when, from where and the note are kept on the row.
alarms = Table(
    "alarms", metadata,
    Column("alarm_id", String(36), primary_key=True),
    Column("vehicle_id", String(32), nullable=False),
    Column("kind", String(32), nullable=False),  # core.alarms.AlarmKind
    Column("severity", String(16), nullable=False),
    Column("source", String(64), nullable=False),  # geofence id, or "bit:N"
    Column("raised_at", String(32), nullable=False),  # device time of the fix
    Column("received_at", String(32), nullable=False),
    Column("lon", Float, nullable=False),  # WGS-84, as the fix
    Column("lat", Float, nullable=False),
    Column("position_id", BigInteger),
    Column("detail", Text, nullable=False),  # JSON
    Column("ended_at", String(32)),  # device time the condition stopped
    Column("acknowledged_by", String(64)),
    Column("acknowledged_at", String(32)),
    Column("ack_workstation", String(64)),
    Column("ack_note", Text),
    Column("version", Integer, nullable=False, default=1),
)
Index("ix_alarms_open", alarms.c.acknowledged_at, alarms.c.raised_at)
Index("ix_alarms_vehicle", alarms.c.vehicle_id, alarms.c.kind, alarms.c.source)

geofences = Table(
    "geofences", metadata,
    Column("geofence_id", String(36), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # corridor | forbidden | parking
    Column("geometry", Text),  # GeoJSON (GCJ-02): LineString, Polygon, MultiPolygon
    Column("cell_codes", Text, nullable=False, default="[]"),  # JSON: areas made of cells
    Column("width_m", Float, nullable=False, default=0.0),  # corridor half-width
    Column("max_minutes", Float, nullable=False, default=0.0),  # parking limit
    Column("vehicle_kinds", Text, nullable=False, default="[]"),  # JSON: who it binds
    Column("vehicle_ids", Text, nullable=False, default="[]"),
    Column("active", Integer, nullable=False, default=1),
    Column("updated_by", String(64)),
    Column("updated_at", String(32)),
)

# What operators decided about their workstation's commands
# (server/storage/audit.py).  Kept apart from the change feed: it is a record
# of people's decisions, not replicated state.
workstation_audit = Table(
    "workstation_audit", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("command_id", String(36), nullable=False),
    Column("action", String(16), nullable=False),  # discard | retry | acknowledge
    Column("reason", Text, nullable=False),
    Column("operator", String(64), nullable=False),
    Column("workstation", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("new_command_id", String(36)),
    Column("command", Text),  # the command's JSON, so a discarded one can be read later
    Column("received_at", String(32), nullable=False),
    Column("received_from", String(64), nullable=False),  # the signed-in user who sent it
)

# Which rows of which table travel in the change feed, keyed how.
ENTITY_TABLES = {
    "region": (regions, "code"),
    "department": (departments, "department_id"),
    "cell": (cells, "code"),
    "vehicle": (vehicles, "vehicle_id"),
    "case": (cases, "case_id"),
    "case_event": (case_events, "event_id"),
    "user": (users, "username"),
    "alarm": (alarms, "alarm_id"),
    "geofence": (geofences, "geofence_id"),
    "attachment": (attachments, "attachment_id"),
}
# Columns that never leave the server.
PRIVATE_COLUMNS = {"user": {"password_hash"}, "attachment": {"data"}}
# Entities that live only in the change feed (the published reference data).
UNTABLED_ENTITIES = ("reference",)
# Their latest changes, found without scanning the feed (snapshots).
untabled_changes_index = Index(
    "ix_changes_untabled", changes.c.entity, changes.c.entity_id, changes.c.seq,
    sqlite_where=changes.c.entity.in_(UNTABLED_ENTITIES), postgresql_where=changes.c.entity.in_(UNTABLED_ENTITIES))


def feed_columns() -> dict[str, tuple[Table, str, list[str]]]:
    """entity -> (table, key, the columns that travel in the feed, sorted)."""
    out = {}
    for entity, (table, key) in ENTITY_TABLES.items():
        private = PRIVATE_COLUMNS.get(entity, set())
        out[entity] = (table, key, sorted(c.name for c in table.c if c.name not in private))
    return out
