"""Tables of the central server (SQLAlchemy Core; SQLite or PostgreSQL).

Text ids and ISO-8601 text times keep the schema the same on both engines
and make the change feed's JSON a direct copy of a row.  The replicated
tables are built from their one declaration (dbschema/entities.py), shared
with the workstation's replica; what is declared here beside them is the
server's own (private columns, constraints, defaults, indexes).
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

from dbschema import entities as e
from dbschema.entities import build_table

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

regions = build_table(e.REGION, metadata)
departments = build_table(e.DEPARTMENT, metadata)
cells = build_table(e.CELL, metadata)

# Columns of a replicated table beyond its declaration never leave the server.
users = build_table(e.USER, metadata, extra=[Column("password_hash", Text, nullable=False)])

tokens = Table(
    "tokens", metadata,
    Column("token", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("workstation", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
)

# The gateway finds a vehicle by its terminal's phone number.
vehicles = build_table(e.VEHICLE, metadata, options={"terminal_phone": {"unique": True}})

cases = build_table(e.CASE, metadata, options={
    "number": {"unique": True},
    "description": {"default": ""},
    "address": {"default": ""},
    "ticket_id": {"unique": True},  # one case per 12345 ticket
})
Index("ix_cases_status", cases.c.status)

# The bytes of an attachment stay here; the feed carries the row without them.
attachments = build_table(e.ATTACHMENT, metadata, extra=[Column("data", LargeBinary, nullable=False)])

case_events = build_table(e.CASE_EVENT, metadata)

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

# Vehicle alarms (server/storage/alarms.py); a new one is version 1.
alarms = build_table(e.ALARM, metadata, options={"version": {"default": 1}})
Index("ix_alarms_vehicle", alarms.c.vehicle_id, alarms.c.kind, alarms.c.source)

# A geofence made by hand leaves out what does not apply to its kind.
geofences = build_table(e.GEOFENCE, metadata, options={
    "cell_codes": {"default": "[]"},
    "width_m": {"default": 0.0},
    "max_minutes": {"default": 0.0},
    "vehicle_kinds": {"default": "[]"},
    "vehicle_ids": {"default": "[]"},
    "active": {"default": 1},
})

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
    entity.name: (table, entity.key) for entity, table in (
        (e.REGION, regions),
        (e.DEPARTMENT, departments),
        (e.CELL, cells),
        (e.VEHICLE, vehicles),
        (e.CASE, cases),
        (e.CASE_EVENT, case_events),
        (e.USER, users),
        (e.ALARM, alarms),
        (e.GEOFENCE, geofences),
        (e.ATTACHMENT, attachments),
    )
}
# Columns that never leave the server: whatever a replicated table holds
# beyond its declaration.
PRIVATE_COLUMNS = {
    name: private for name, (table, _key) in ENTITY_TABLES.items()
    if (private := {c.name for c in table.c} - set(e.BY_NAME[name].column_names))
}
# Entities that live only in the change feed (the published reference data).
UNTABLED_ENTITIES = ("reference",)
# Their latest changes, found without scanning the feed (snapshots).
untabled_changes_index = Index(
    "ix_changes_untabled", changes.c.entity, changes.c.entity_id, changes.c.seq,
    sqlite_where=changes.c.entity.in_(UNTABLED_ENTITIES), postgresql_where=changes.c.entity.in_(UNTABLED_ENTITIES))


def feed_columns() -> dict[str, tuple[Table, str, list[str]]]:
    """entity -> (table, key, the columns that travel in the feed, sorted):
    the entity's declared columns."""
    return {entity: (table, key, sorted(e.BY_NAME[entity].column_names))
            for entity, (table, key) in ENTITY_TABLES.items()}
