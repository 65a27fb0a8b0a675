"""Bring an existing database up to a schema: add the columns and indexes it lacks.

``metadata.create_all`` creates missing tables (with their indexes) but
never touches existing ones, so a database made by an older release would
fail on the first query of a new column, and go without a new index.  Only additions are automatic; anything else (a changed
type, a dropped column) needs a deliberate migration.

Threading: call once when the database is opened, before it is shared.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, MetaData, Table, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateColumn


def add_missing_columns(engine: Engine, metadata: MetaData) -> list[str]:
    """ALTER TABLE … ADD COLUMN for every column of ``metadata`` missing in
    the database; returns "table.column" for each one added."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    added: list[str] = []
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable and column.server_default is None:
                    raise RuntimeError(f"cannot add {table.name}.{column.name}: NOT NULL without a "
                                       "server default needs a hand-written migration")
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}'))
                added.append(f"{table.name}.{column.name}")
    return added


def add_missing_indexes(engine: Engine, tables: Iterable[Table]) -> list[str]:
    """CREATE INDEX for every index of ``tables`` missing in the database;
    returns the names of those created.  Several processes may open one
    database at once: an index another one made meanwhile is not an error."""
    created: list[str] = []
    for table in tables:
        for index in table.indexes:
            try:
                with engine.begin() as conn:
                    if engine.dialect.has_index(conn, table.name, str(index.name)):
                        continue
                    index.create(conn)
                created.append(str(index.name))
            except DBAPIError:
                with engine.connect() as conn:
                    if not engine.dialect.has_index(conn, table.name, str(index.name)):
                        raise
    return created
