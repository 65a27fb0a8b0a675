"""The replicated entities, declared once for the workstation and the server.

Every row the change feed and the snapshot carry belongs to one of these
entities: its name in the feed, its table, its columns (type, nullability,
key) and the indexes both sides keep.  The server's tables
(server/storage/schema.py) and the workstation's replica
(app/models/tables.py) are built from this one declaration with
``build_table``; each side adds only what is its own and never travels:
the server's private columns (a password hash, an attachment's bytes), the
replica's local state (``server_json``, ``pending``), side-specific
constraints, defaults and indexes.  The columns declared here are exactly
the ones that travel (``Entity.column_names``).

The entities whose rows have no table on the server (the published
reference data, which lives in the feed only) are not declared here.

Generic SQLAlchemy types only: no Qt, no domain rules, no code of either side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.types import TypeEngine


@dataclass(frozen=True)
class Field:
    """One declared column."""

    name: str
    type: TypeEngine[Any]
    nullable: bool = True
    primary_key: bool = False
    default: Any = None  # SQLAlchemy-side default of an INSERT that omits the column
    server_default: str | None = None  # DDL default: what ADD COLUMN fills old rows with


@dataclass(frozen=True)
class Entity:
    """A replicated entity: its feed name, table, columns and shared indexes."""

    name: str
    table: str
    fields: tuple[Field, ...]
    indexes: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"entity {self.name}: a column is declared twice")
        if [f.primary_key for f in self.fields].count(True) != 1:
            raise ValueError(f"entity {self.name}: exactly one key column")
        for index_name, columns in self.indexes:
            if not set(columns) <= set(names):
                raise ValueError(f"entity {self.name}: index {index_name} names an undeclared column")

    @property
    def key(self) -> str:
        return next(f.name for f in self.fields if f.primary_key)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"entity {self.name} has no column {name}")


def _key(name: str, type_: TypeEngine[Any]) -> Field:
    return Field(name, type_, nullable=False, primary_key=True)


def _req(name: str, type_: TypeEngine[Any], **kw: Any) -> Field:
    return Field(name, type_, nullable=False, **kw)


def _opt(name: str, type_: TypeEngine[Any]) -> Field:
    return Field(name, type_)


# Text ids and ISO-8601 text times (String(32)) keep the schema the same on
# SQLite and PostgreSQL and make the feed's JSON a direct copy of a row.

REGION = Entity("region", "regions", (
    _key("code", String(15)),  # 6 district, 9 street, 12 community
    _req("level", String(16)),  # district | street | community
    _req("name", Text()),
    _opt("parent_code", String(15)),
    _opt("geometry", Text()),  # GeoJSON geometry (GCJ-02), district outline only
))

DEPARTMENT = Entity("department", "departments", (
    _key("department_id", String(32)),
    _req("name", Text()),
    _req("kind", String(32)),  # sanitation, roads, ..., street_office
    _opt("street_code", String(15)),  # street offices answer for their street
))

CELL = Entity("cell", "cells", (
    _key("code", String(15)),
    _req("community_code", String(15)),
    _req("street_code", String(15)),
    _req("grade", String(1)),  # A core streets, B residential, C suburban
    _req("area_m2", Float()),
    _opt("department_id", String(32)),  # responsible department or person
    _req("center_lon", Float()),  # GCJ-02
    _req("center_lat", Float()),
    _req("ring", Text()),  # JSON [[lon, lat], ...] closed ring, GCJ-02
    _opt("valid_from", String(32)),
    _opt("valid_to", String(32)),
))

USER = Entity("user", "users", (
    _key("username", String(64)),
    _req("display_name", Text()),
    _req("role", String(32)),
    _opt("department_id", String(32)),
))

VEHICLE = Entity("vehicle", "vehicles", (
    _key("vehicle_id", String(32)),
    _req("plate", Text()),
    _req("kind", String(32)),
    _req("terminal_phone", String(20)),
    _opt("department_id", String(32)),
))

CASE = Entity("case", "cases", (
    _key("case_id", String(36)),
    _opt("number", String(32)),
    _opt("provisional_number", String(40)),
    _req("status", String(16)),
    _req("category", String(8)),
    _req("cell_code", String(15)),
    _req("lon", Float()),
    _req("lat", Float()),
    _req("source", String(16)),
    _req("description", Text()),
    _req("address", Text()),
    _opt("department_id", String(32)),
    _opt("reported_at", String(32)),
    _opt("registered_at", String(32)),
    _opt("dispatched_at", String(32)),
    _opt("deadline", String(32)),
    _opt("handled_at", String(32)),
    _opt("closed_at", String(32)),
    _req("version", Integer()),
    _opt("updated_by", String(64)),
    _opt("updated_at", String(32)),
    _opt("updated_from", String(64)),
    # The full case loop (core/cases.py, docs/case-loop.md).
    _opt("verified_at", String(32)),
    _opt("checked_at", String(32)),
    _req("extension_count", Integer(), server_default="0"),
    _req("rework_count", Integer(), server_default="0"),
    _req("escalation_level", Integer(), server_default="0"),
    _opt("escalated_at", String(32)),
    _opt("paused_at", String(32)),  # returned or deferred: the clock stopped here
    _opt("remaining_minutes", Float()),  # ... with this much of the limit left
    _opt("ticket_id", String(64)),  # the 12345 ticket this case answers
    _opt("caller", Text()),
    _opt("caller_phone", String(32)),
    _opt("due_by", String(32)),  # the ticket's own time limit
    _opt("callback_result", String(16)),
    _opt("callback_at", String(32)),
))

# Photos and documents of a case: the row travels, the bytes stay on the
# server and are fetched on demand.
ATTACHMENT = Entity("attachment", "attachments", (
    _key("attachment_id", String(36)),
    _req("case_id", String(36)),
    _req("filename", Text()),
    _req("content_type", String(64)),
    _req("size", Integer()),
    _req("sha256", String(64)),
    _req("uploaded_by", String(64)),
    _req("uploaded_from", String(64)),
    _req("uploaded_at", String(32)),
), indexes=(("ix_attachments_case", ("case_id",)),))

CASE_EVENT = Entity("case_event", "case_events", (
    _key("event_id", String(36)),
    _req("case_id", String(36)),
    _req("kind", String(32)),
    _req("operator", String(64)),
    _req("workstation", String(64)),
    _req("at", String(32)),
    _req("detail", Text()),
    _req("version", Integer(), default=0),
), indexes=(("ix_case_events_case", ("case_id",)),))

# Vehicle alarms: the terminal's alarm bits and the platform's geofences.  A
# row stays until a person acknowledges it with a note; who, when, from
# where and the note are kept on the row.
ALARM = Entity("alarm", "alarms", (
    _key("alarm_id", String(36)),
    _req("vehicle_id", String(32)),
    _req("kind", String(32)),  # core.alarms.AlarmKind
    _req("severity", String(16)),
    _req("source", String(64)),  # geofence id, or "bit:N"
    _req("raised_at", String(32)),  # device time of the fix
    _req("received_at", String(32)),
    _req("lon", Float()),  # WGS-84, as the fix
    _req("lat", Float()),
    _opt("position_id", BigInteger()),
    _req("detail", Text()),  # JSON
    _opt("ended_at", String(32)),  # device time the condition stopped
    _opt("acknowledged_by", String(64)),
    _opt("acknowledged_at", String(32)),
    _opt("ack_workstation", String(64)),
    _opt("ack_note", Text()),
    _req("version", Integer()),
), indexes=(("ix_alarms_open", ("acknowledged_at", "raised_at")),))

GEOFENCE = Entity("geofence", "geofences", (
    _key("geofence_id", String(36)),
    _req("name", Text()),
    _req("kind", String(16)),  # corridor | forbidden | parking
    _opt("geometry", Text()),  # GeoJSON (GCJ-02): LineString, Polygon, MultiPolygon
    _req("cell_codes", Text()),  # JSON: areas made of cells
    _req("width_m", Float()),  # corridor half-width
    _req("max_minutes", Float()),  # parking limit
    _req("vehicle_kinds", Text()),  # JSON: who it binds
    _req("vehicle_ids", Text()),
    _req("active", Integer()),
    _opt("updated_by", String(64)),
    _opt("updated_at", String(32)),
))

ENTITIES: tuple[Entity, ...] = (REGION, DEPARTMENT, CELL, USER, VEHICLE, CASE, ATTACHMENT,
                                CASE_EVENT, ALARM, GEOFENCE)
BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}

# What one side may set on a declared column.  Nullability may only be
# loosened: a side that refused a NULL the declaration allows would refuse
# rows the other side sends.
_OPTIONS = {"unique", "default", "server_default", "nullable"}


def build_table(entity: Entity, metadata: MetaData, *,
                options: Mapping[str, Mapping[str, Any]] | None = None,
                after: Mapping[str, Sequence[Column[Any]]] | None = None,
                extra: Sequence[Column[Any]] = (),
                type_map: Callable[[TypeEngine[Any]], TypeEngine[Any]] | None = None) -> Table:
    """The table of ``entity`` in ``metadata``: the declared columns and
    indexes, plus what is the calling side's own.

    ``options``: per declared column, side-specific ``unique``, ``default``,
    ``server_default`` or a looser ``nullable=True``.  ``after``: the side's
    own columns, placed after the declared column named (so a table keeps
    its column order); ``extra``: the side's own columns, placed last.
    ``type_map``: how this side stores a declared type (the replica's
    SQLite keeps 64-bit integers as INTEGER)."""
    options = dict(options or {})
    after = dict(after or {})
    declared = set(entity.column_names)
    for name in [*options, *after]:
        if name not in declared:
            raise ValueError(f"{entity.name}: no declared column {name}")
    own = [c for cs in after.values() for c in cs] + list(extra)
    for column in own:
        if column.name in declared:
            raise ValueError(f"{entity.name}.{column.name} is declared: set options, do not redeclare")
    columns: list[Column[Any]] = []
    for f in entity.fields:
        opts = dict(options.get(f.name, {}))
        unknown = set(opts) - _OPTIONS
        if unknown:
            raise ValueError(f"{entity.name}.{f.name}: options {sorted(unknown)} are not side-specific")
        if opts.get("nullable", True) is not True:
            raise ValueError(f"{entity.name}.{f.name}: a side may only loosen nullability")
        kw: dict[str, Any] = {"nullable": f.nullable, "default": f.default,
                              "server_default": f.server_default}
        kw.update(opts)
        type_ = type_map(f.type) if type_map else f.type
        columns.append(Column(f.name, type_, primary_key=f.primary_key, **kw))
        columns.extend(after.get(f.name, ()))
    table = Table(entity.table, metadata, *columns, *extra)
    for index_name, names in entity.indexes:
        Index(index_name, *[table.c[n] for n in names])
    return table


def sqlite_integers(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """SQLite's INTEGER holds 64 bits: a store that is only ever SQLite
    declares BIGINT columns as INTEGER."""
    return Integer() if isinstance(type_, BigInteger) else type_
