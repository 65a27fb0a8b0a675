"""Tables of the workstation's local SQLite store.

These are the client's own tables: a replica of what the change feed
carries, the outbox of commands not yet settled, and sync state.  The
replicated tables are built from their one declaration
(dbschema/entities.py), which the server builds its tables from too; the
columns declared here beside them (``server_json``, ``pending``) and the
other tables are the workstation's own.  No code of the server's.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text, text

from core.cases import OPEN_STATUSES
from dbschema import entities as e
from dbschema.entities import build_table, sqlite_integers

metadata = MetaData()

sync_state = Table(
    "sync_state", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

regions = build_table(e.REGION, metadata, type_map=sqlite_integers)
departments = build_table(e.DEPARTMENT, metadata, type_map=sqlite_integers)
cells = build_table(e.CELL, metadata, type_map=sqlite_integers)
users = build_table(e.USER, metadata, type_map=sqlite_integers)
vehicles = build_table(e.VEHICLE, metadata, type_map=sqlite_integers)

# The case as the dispatcher sees it: the server's last word with this
# workstation's pending commands applied on top.  ``server_json`` keeps the
# server's last word alone, so a rejected command can be taken back.
# The counters of the full case loop are nullable here: a server older than
# them sends rows without them, which the replica stores as NULL.
cases = build_table(
    e.CASE, metadata, type_map=sqlite_integers,
    after={"updated_from": [Column("server_json", Text),
                            Column("pending", Integer, nullable=False, default=0)]},
    options={name: {"nullable": True, "server_default": None, "default": 0}
             for name in ("extension_count", "rework_count", "escalation_level")},
)
Index("ix_cases_status_deadline", cases.c.status, cases.c.deadline)
Index("ix_cases_number", cases.c.number)
Index("ix_cases_provisional", cases.c.provisional_number)

# The case queue (app/services/queue.py) sorts by these keys in SQL.  Nullable columns
# sort through coalesce() so keyset paging never compares with NULL; the
# queries use exactly these expressions, or SQLite would not use the indexes.
QUEUE_SORT_KEYS: dict[str, tuple[str, ...]] = {
    "number": ("coalesce(number, provisional_number, '')",),
    "category": ("category",),
    "address": ("address",),
    "street": ("cell_code",),
    "department": ("coalesce(department_id, '')",),
    "status": ("status", "coalesce(deadline, '9')"),
    "source": ("source",),
    "registered": ("coalesce(registered_at, reported_at, '')",),
    "deadline": ("coalesce(deadline, '9')",),  # no deadline (paused, not dispatched): last
}
# Open cases are what a dispatcher works on, a few percent of a store that
# keeps years of history: per sort key a small partial index over them only,
# carrying every filter column, so a filtered page never reads the table.
QUEUE_OPEN_PREDICATE = "status IN (" + ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES)) + ")"
QUEUE_FILTER_COLUMNS = ("status", "category", "department_id", "source", "cell_code", "deadline",
                        "updated_by")
for _key, _exprs in QUEUE_SORT_KEYS.items():
    _keys = [cases.c[e] if e in cases.c else text(e) for e in _exprs]
    _extra = [cases.c[c] for c in QUEUE_FILTER_COLUMNS if c not in _exprs]
    Index(f"ixq_open_{_key}", *_keys, *_extra, sqlite_where=text(QUEUE_OPEN_PREDICATE))
    # All cases: the sort key plus the status, so "closed, newest first"
    # skips open rows inside the index.  These double as filter indexes.
    Index(f"ixq_all_{_key}", *_keys, *([] if "status" in _exprs else [cases.c.status]))

# Cases per status, kept by triggers on cases (app/store/search.py), so the
# status bar's open count is a sum of a few rows at any size of the store.
case_status_counts = Table(
    "case_status_counts", metadata,
    Column("status", String(16), primary_key=True),
    Column("n", Integer, nullable=False),
)

case_events = build_table(e.CASE_EVENT, metadata, type_map=sqlite_integers,
                          extra=[Column("pending", Integer, nullable=False, default=0)])
# The daily duty report counts what happened on a day (app/services/evaluation.py).
Index("ix_case_events_at", case_events.c.at)

# Commands in the order they were issued.  A command stays here for good:
# pending until the server answers, then accepted or rejected (with reason).
outbox = Table(
    "outbox", metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("command_id", String(36), nullable=False, unique=True),
    Column("case_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending | accepted | rejected
    Column("created_at", String(32), nullable=False),
    Column("resolved_at", String(32)),
    Column("result", Text),
    Column("acknowledged_by", String(64)),  # who has seen a rejection
)
Index("ix_outbox_state", outbox.c.state)
# outbox.state also takes "discarding" (an operator withdrew a pending command;
# the server has not confirmed yet) and "discarded" (it confirmed it never
# applied it).  Nothing leaves the outbox: see app/store/ledger.py.

# Decisions operators took on outbox entries: discard, retry, acknowledge,
# with who, when and why.  Sent to the server's audit; never deleted.
outbox_audit = Table(
    "outbox_audit", metadata,
    Column("audit_id", String(36), primary_key=True),
    Column("command_id", String(36), nullable=False),
    Column("action", String(16), nullable=False),  # discard | retry | acknowledge
    Column("reason", Text, nullable=False),
    Column("operator", String(64), nullable=False),
    Column("workstation", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("new_command_id", String(36)),  # the command a retry queued
    Column("sent_at", String(32)),  # when the server stored it
)
Index("ix_outbox_audit_command", outbox_audit.c.command_id)

vehicle_positions = Table(
    "vehicle_positions", metadata,
    Column("vehicle_id", String(32), primary_key=True),
    Column("position_id", Integer, nullable=False),
    Column("device_time", String(32), nullable=False),
    Column("recv_time", String(32), nullable=False),
    Column("lon", Float, nullable=False),  # WGS-84 as received
    Column("lat", Float, nullable=False),
    Column("speed_kmh", Float, nullable=False),
    Column("heading", Integer, nullable=False),
    Column("alarm", Integer, nullable=False),
    Column("status", Integer, nullable=False),
    Column("flags", Integer, nullable=False),
)

# Every fix this workstation received, keyed by the server's position id, so
# a page fetched twice is harmless and a track has no hole from our own
# outages (app/store/vehicles.py).  Old fixes are pruned; a replay of older times
# asks the server.
track_points = Table(
    "track_points", metadata,
    Column("position_id", Integer, primary_key=True, autoincrement=False),
    Column("vehicle_id", String(32), nullable=False),
    Column("device_time", String(32), nullable=False),
    Column("recv_time", String(32), nullable=False),
    Column("lon", Float, nullable=False),  # WGS-84 as received
    Column("lat", Float, nullable=False),
    Column("altitude_m", Integer, nullable=False, default=0),
    Column("speed_kmh", Float, nullable=False),
    Column("heading", Integer, nullable=False),
    Column("alarm", Integer, nullable=False),
    Column("status", Integer, nullable=False),
    Column("flags", Integer, nullable=False),
)
Index("ix_track_points_vehicle_time", track_points.c.vehicle_id, track_points.c.device_time)
Index("ix_track_points_time", track_points.c.device_time)
Index("ix_track_points_recv", track_points.c.recv_time)  # pruning

# Replicas of the server's alarm queue and geofences.
alarms = build_table(e.ALARM, metadata, type_map=sqlite_integers)

geofences = build_table(e.GEOFENCE, metadata, type_map=sqlite_integers)

# Acknowledgements made here, until the server has them: the alarm replica
# itself only ever holds the server's word.
alarm_acks = Table(
    "alarm_acks", metadata,
    Column("alarm_id", String(36), primary_key=True),
    Column("note", Text, nullable=False),
    Column("operator", String(64), nullable=False),
    Column("workstation", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # pending | sent | refused
    Column("result", Text),  # the server's answer, or why it refused
)

# A case's photos and documents: the row travels in the change feed, the
# bytes are fetched on demand and cached in a folder next to the store
# (app/services/attachments.py).
attachments = build_table(e.ATTACHMENT, metadata, type_map=sqlite_integers)

# The server's category tree and working-time calendar, as the change feed
# last brought them (core/reference.py); the shipped files until then.
reference = Table(
    "reference", metadata,
    Column("name", String(32), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("data", Text, nullable=False),
)

# entity name in the change feed -> (table, key column)
REPLICATED = {
    entity.name: (table, entity.key) for entity, table in (
        (e.REGION, regions),
        (e.DEPARTMENT, departments),
        (e.CELL, cells),
        (e.VEHICLE, vehicles),
        (e.USER, users),
        (e.CASE, cases),
        (e.CASE_EVENT, case_events),
        (e.ATTACHMENT, attachments),
        (e.ALARM, alarms),
        (e.GEOFENCE, geofences),
    )
}
# Only the workstation keeps a table of the reference data: the server has
# it in its change feed alone.
REPLICATED["reference"] = (reference, "name")
