"""The one declaration of each replicated entity, and both sides built from it.

A replicated column that one side carries and the other lacks, or carries
with another type, a stricter nullability or another key, breaks the feed,
the snapshot or the integrity check only when such a row travels.  These
tests find the drift where it starts: in the tables both sides build, and
in the databases a real workstation store and a real server create.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
)
from sqlalchemy.types import TypeEngine

from app.store import tables as t
from app.store.replica import LocalStore
from dbschema import entities as e
from dbschema.entities import Entity, Field, build_table, sqlite_integers
from server.storage import ServerStore
from server.storage import schema as s

ROOT = Path(__file__).resolve().parents[2]


def _kind(type_: TypeEngine) -> tuple[str, int | None]:
    """What a column holds, as far as a replicated value is concerned: 64-bit
    integers are integers, a string's length matters (PostgreSQL checks it)."""
    if isinstance(type_, Integer):  # BigInteger too
        return ("integer", None)
    if isinstance(type_, String) and not isinstance(type_, Text):
        return ("string", type_.length)
    affinity = type_._type_affinity or type(type_)
    return (affinity.__name__.lower(), None)


def drift(entity: Entity, client: Table, server: Table) -> list[str]:
    """Every way the two tables of ``entity`` disagree with its declaration
    or with each other, as readable lines; empty when they agree."""
    problems = []
    for side, table in (("client", client), ("server", server)):
        if table.name != entity.table:
            problems.append(f"{side}: table {table.name}, declared {entity.table}")
        if [c.name for c in table.primary_key] != [entity.key]:
            problems.append(f"{side}: key {[c.name for c in table.primary_key]}, declared {entity.key}")
        for f in entity.fields:
            if f.name not in table.c:
                problems.append(f"{side}: lacks {entity.table}.{f.name}")
                continue
            column = table.c[f.name]
            if _kind(column.type) != _kind(f.type):
                problems.append(f"{side}: {entity.table}.{f.name} is {column.type}, declared {f.type}")
            if f.nullable and not column.nullable:
                problems.append(f"{side}: {entity.table}.{f.name} refuses NULL, declared nullable")
        for index_name, names in entity.indexes:
            present = {i.name: [c.name for c in i.columns] for i in table.indexes}
            if present.get(index_name) != list(names):
                problems.append(f"{side}: index {index_name} on {list(names)} missing")
    # The server sends what it holds: it must hold no NULL the declaration forbids.
    for f in entity.fields:
        if f.name in server.c and server.c[f.name].nullable != f.nullable:
            problems.append(f"server: {entity.table}.{f.name} nullable={server.c[f.name].nullable}, "
                            f"declared {f.nullable}")
    # A column both sides carry but the declaration does not name would
    # travel nowhere (the feed sends the declared columns only).
    shared = {c.name for c in client.c} & {c.name for c in server.c}
    for name in sorted(shared - set(entity.column_names)):
        problems.append(f"both sides carry {entity.table}.{name}, which is not declared")
    return problems


@pytest.mark.parametrize("entity", e.ENTITIES, ids=lambda x: x.name)
def test_client_and_server_tables_carry_every_declared_column(entity):
    client, client_key = t.REPLICATED[entity.name]
    server, server_key = s.ENTITY_TABLES[entity.name]
    assert client_key == server_key == entity.key
    assert drift(entity, client, server) == []


def test_both_sides_replicate_exactly_the_declared_entities():
    declared = {x.name for x in e.ENTITIES}
    assert set(s.ENTITY_TABLES) == declared
    # The reference data has a table on the workstation only: the server
    # keeps it in its change feed (schema.UNTABLED_ENTITIES).
    assert set(t.REPLICATED) - declared == set(s.UNTABLED_ENTITIES) == {"reference"}


def test_the_feed_and_the_snapshot_carry_the_declared_columns_and_no_private_one():
    for entity, (table, key, columns) in s.feed_columns().items():
        declared = e.BY_NAME[entity]
        assert key == declared.key
        assert columns == sorted(declared.column_names)
        assert not set(columns) & s.PRIVATE_COLUMNS.get(entity, set())
        assert set(columns) | s.PRIVATE_COLUMNS.get(entity, set()) == {c.name for c in table.c}
    # The server's secrets are private, and the workstation has no place for them.
    assert {"user": {"password_hash"}, "attachment": {"data"}} == s.PRIVATE_COLUMNS
    for entity, private in s.PRIVATE_COLUMNS.items():
        assert not private & {c.name for c in t.REPLICATED[entity][0].c}


def test_the_check_finds_drift():
    """The checker above is what guards the real tables: it must see each
    kind of disagreement in a pair built to disagree."""
    entity = Entity("thing", "things", (
        Field("thing_id", String(36), nullable=False, primary_key=True),
        Field("name", Text(), nullable=False),
        Field("size", Integer()),
        Field("note", Text()),
    ), indexes=(("ix_things_name", ("name",)),))
    client = Table("things", MetaData(),
                   Column("thing_id", String(36), primary_key=True),
                   Column("name", Float, nullable=False),  # wrong type
                   Column("size", Integer, nullable=False),  # refuses a NULL the server sends
                   Column("extra", Text))
    server = build_table(entity, MetaData(), extra=[Column("extra", Text)])
    problems = drift(entity, client, server)
    assert "client: lacks things.note" in problems
    assert "client: things.name is FLOAT, declared TEXT" in problems
    assert "client: things.size refuses NULL, declared nullable" in problems
    assert "client: index ix_things_name on ['name'] missing" in problems
    assert "both sides carry things.extra, which is not declared" in problems
    assert not [p for p in problems if p.startswith("server:")]
    assert drift(entity, build_table(entity, MetaData()), server) == []


def test_a_side_adds_only_what_is_its_own():
    entity = e.VEHICLE
    with pytest.raises(ValueError, match="do not redeclare"):
        build_table(entity, MetaData(), extra=[Column("plate", Text)])
    with pytest.raises(ValueError, match="only loosen"):
        build_table(entity, MetaData(), options={"department_id": {"nullable": False}})
    with pytest.raises(ValueError, match="no declared column"):
        build_table(entity, MetaData(), options={"colour": {"unique": True}})
    with pytest.raises(ValueError, match="not side-specific"):
        build_table(entity, MetaData(), options={"plate": {"type_": Integer}})
    with pytest.raises(ValueError, match="declared twice"):
        Entity("x", "xs", (Field("a", Text(), primary_key=True), Field("a", Text())))
    with pytest.raises(ValueError, match="exactly one key"):
        Entity("x", "xs", (Field("a", Text()), Field("b", Text())))
    with pytest.raises(ValueError, match="undeclared column"):
        Entity("x", "xs", (Field("a", Text(), primary_key=True),), indexes=(("ix", ("b",)),))


def test_a_placed_column_keeps_the_table_order():
    table = build_table(e.CASE_EVENT, MetaData(), after={"at": [Column("mine", Text)]})
    names = [c.name for c in table.c]
    assert names.index("mine") == names.index("at") + 1
    assert [n for n in names if n != "mine"] == list(e.CASE_EVENT.column_names)


def test_sqlite_keeps_64_bit_integers_as_integer():
    assert isinstance(sqlite_integers(BigInteger()), Integer)
    assert not isinstance(sqlite_integers(BigInteger()), BigInteger)
    text = Text()
    assert sqlite_integers(text) is text


def _reflected(engine) -> dict[str, dict[str, dict]]:
    inspector = inspect(engine)
    return {name: {c["name"]: c for c in inspector.get_columns(name)} for name in inspector.get_table_names()}


def test_real_databases_of_both_sides_agree_on_every_declared_column(tmp_path, db_url):
    """What the tables promise, checked in what a real store and a real
    server create: every declared column in both, the same kind of value,
    and the workstation takes every NULL the server may send."""
    store = LocalStore(tmp_path / "replica.db")
    server = ServerStore(db_url)
    try:
        client_db = _reflected(store.engine)
        server_db = _reflected(server.engine)
    finally:
        store.close()
        server.close()
    for entity in e.ENTITIES:
        for f in entity.fields:
            here = client_db[entity.table][f.name]
            there = server_db[entity.table][f.name]
            assert _kind(here["type"]) == _kind(there["type"]) == _kind(f.type), (entity.name, f.name)
            assert there["nullable"] == f.nullable, (entity.name, f.name)
            assert here["nullable"] or not there["nullable"], (entity.name, f.name)


def test_the_declaration_belongs_to_neither_side():
    import ast

    source = (ROOT / "dbschema" / "entities.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "collections", "dataclasses", "typing", "sqlalchemy"}

