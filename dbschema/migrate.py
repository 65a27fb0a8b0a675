"""Bring an existing database up to a schema: add the columns it lacks.

``metadata.create_all`` creates missing tables but never touches existing
ones, so a database made by an older release would fail on the first query
of a new column.  Only additions are automatic; anything else (a changed
type, a dropped column) needs a deliberate migration.

Threading: call once when the database is opened, before it is shared.
"""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, inspect, text
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
