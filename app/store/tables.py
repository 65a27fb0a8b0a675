"""Tables of the workstation's local SQLite store.

These are the client's own tables: a replica of what the change feed
carries, the outbox of commands not yet settled, and sync state.  They share
no code with the server's schema, only the wire format (core/).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text, text

from core.cases import OPEN_STATUSES

metadata = MetaData()

sync_state = Table(
    "sync_state", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

regions = Table(
    "regions", metadata,
    Column("code", String(15), primary_key=True),
    Column("level", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("parent_code", String(15)),
    Column("geometry", Text),
)

departments = Table(
    "departments", metadata,
    Column("department_id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("street_code", String(15)),
)

cells = Table(
    "cells", metadata,
    Column("code", String(15), primary_key=True),
    Column("community_code", String(15), nullable=False),
    Column("street_code", String(15), nullable=False),
    Column("grade", String(1), nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("department_id", String(32)),
    Column("center_lon", Float, nullable=False),
    Column("center_lat", Float, nullable=False),
    Column("ring", Text, nullable=False),
    Column("valid_from", String(32)),
    Column("valid_to", String(32)),
)

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("department_id", String(32)),
)

vehicles = Table(
    "vehicles", metadata,
    Column("vehicle_id", String(32), primary_key=True),
    Column("plate", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("terminal_phone", String(20), nullable=False),
    Column("department_id", String(32)),
)

# The case as the dispatcher sees it: the server's last word with this
# workstation's pending commands applied on top.  ``server_json`` keeps the
# server's last word alone, so a rejected command can be taken back.
cases = Table(
    "cases", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("number", String(32)),
    Column("provisional_number", String(40)),
    Column("status", String(16), nullable=False),
    Column("category", String(8), nullable=False),
    Column("cell_code", String(15), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("source", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("address", Text, nullable=False),
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
    Column("server_json", Text),
    Column("pending", Integer, nullable=False, default=0),
    # The full case loop (core/cases.py): the same columns as the server's.
    Column("verified_at", String(32)),
    Column("checked_at", String(32)),
    Column("extension_count", Integer, default=0),
    Column("rework_count", Integer, default=0),
    Column("escalation_level", Integer, default=0),
    Column("escalated_at", String(32)),
    Column("paused_at", String(32)),
    Column("remaining_minutes", Float),
    Column("ticket_id", String(64)),
    Column("caller", Text),
    Column("caller_phone", String(32)),
    Column("due_by", String(32)),
    Column("callback_result", String(16)),
    Column("callback_at", String(32)),
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
    Column("pending", Integer, nullable=False, default=0),
)
Index("ix_case_events_case", case_events.c.case_id)
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

# Replicas of the server's alarm queue and geofences (columns as the server's).
alarms = Table(
    "alarms", metadata,
    Column("alarm_id", String(36), primary_key=True),
    Column("vehicle_id", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("source", String(64), nullable=False),
    Column("raised_at", String(32), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("position_id", Integer),
    Column("detail", Text, nullable=False),
    Column("ended_at", String(32)),
    Column("acknowledged_by", String(64)),
    Column("acknowledged_at", String(32)),
    Column("ack_workstation", String(64)),
    Column("ack_note", Text),
    Column("version", Integer, nullable=False),
)
Index("ix_alarms_open", alarms.c.acknowledged_at, alarms.c.raised_at)

geofences = Table(
    "geofences", metadata,
    Column("geofence_id", String(36), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("geometry", Text),
    Column("cell_codes", Text, nullable=False),
    Column("width_m", Float, nullable=False),
    Column("max_minutes", Float, nullable=False),
    Column("vehicle_kinds", Text, nullable=False),
    Column("vehicle_ids", Text, nullable=False),
    Column("active", Integer, nullable=False),
    Column("updated_by", String(64)),
    Column("updated_at", String(32)),
)

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

# entity name in the change feed -> (table, key column)
# A case's photos and documents: the row travels in the change feed, the
# bytes are fetched on demand and cached in a folder next to the store
# (app/services/attachments.py).
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
)
Index("ix_attachments_case", attachments.c.case_id)

# The server's category tree and working-time calendar, as the change feed
# last brought them (core/reference.py); the shipped files until then.
reference = Table(
    "reference", metadata,
    Column("name", String(32), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("data", Text, nullable=False),
)

REPLICATED = {
    "region": (regions, "code"),
    "department": (departments, "department_id"),
    "cell": (cells, "code"),
    "vehicle": (vehicles, "vehicle_id"),
    "user": (users, "username"),
    "case": (cases, "case_id"),
    "case_event": (case_events, "event_id"),
    "attachment": (attachments, "attachment_id"),
    "reference": (reference, "name"),
    "alarm": (alarms, "alarm_id"),
    "geofence": (geofences, "geofence_id"),
}
