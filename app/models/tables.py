"""Tables of the workstation's local SQLite store.

These are the client's own tables: a replica of what the change feed
carries, the outbox of commands not yet settled, and sync state.  They share
no code with the server's schema, only the wire format (core/).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text

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
)
Index("ix_cases_status_deadline", cases.c.status, cases.c.deadline)
Index("ix_cases_number", cases.c.number)
Index("ix_cases_provisional", cases.c.provisional_number)

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

# entity name in the change feed -> (table, key column)
REPLICATED = {
    "region": (regions, "code"),
    "department": (departments, "department_id"),
    "cell": (cells, "code"),
    "vehicle": (vehicles, "vehicle_id"),
    "user": (users, "username"),
    "case": (cases, "case_id"),
    "case_event": (case_events, "event_id"),
}
