"""Bring an existing local store up to the schema: add the columns it lacks.

A workstation keeps its store across upgrades; ``create_all`` creates new
tables but never new columns of existing ones.  Only additions are
automatic.  (The server has its own copy of this: client and server share
no code but core/.)

Threading: call once when the store is opened.
"""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, inspect, text
from sqlalchemy.schema import CreateColumn


def add_missing_columns(engine: Engine, metadata: MetaData) -> list[str]:
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
                                       "server default")
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}'))
                added.append(f"{table.name}.{column.name}")
    return added
