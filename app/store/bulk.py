"""Bulk upserts for the change feed's pages, straight to sqlite3's executemany.

An initial download is a million rows; building a SQLAlchemy statement and
a parameter dict per row cost several times what SQLite itself spends.  So
a page's rows go in as tuples through ``exec_driver_sql`` (one
``executemany`` on the transaction's own connection, so the page and its
cursor still commit together).  Statements are built once per table and
column list.  Triggers on the tables (a search index, say) fire as usual.

Threading: called inside a ``LocalStore`` transaction, on that store's thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table


@lru_cache(maxsize=64)
def _upsert_sql(table_name: str, columns: tuple[str, ...], key: str) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return f"INSERT INTO {table_name} ({names}) VALUES ({marks}) ON CONFLICT({key}) {action}"


def upsert_rows(conn: Connection, table: Table, key: str, rows: Sequence[Mapping[str, Any]],
                fixed: Mapping[str, Any] | None = None) -> int:
    """Insert or replace ``rows`` (dicts keyed by column name; unknown keys
    ignored, missing columns NULL) and set the ``fixed`` columns to the same
    value on every row.  Returns the number of rows written."""
    if not rows:
        return 0
    fixed = dict(fixed or {})
    first = rows[0]
    # Columns the server sends, then columns it does not (a server older
    # than this client): those are NULL, like the fixed ones are constant.
    sent = [c.name for c in table.c if c.name not in fixed and c.name in first]
    absent = {c.name: None for c in table.c if c.name not in fixed and c.name not in first}
    tail_map = {**absent, **fixed}
    columns = tuple(sent) + tuple(tail_map)
    tail = tuple(tail_map.values())
    try:
        if len(sent) > 1:
            getter = itemgetter(*sent)
            values = [getter(row) + tail for row in rows]
        else:
            values = [(row[sent[0]],) + tail for row in rows]
    except KeyError:
        values = [tuple(row.get(c) for c in sent) + tail for row in rows]
    conn.exec_driver_sql(_upsert_sql(table.name, columns, key), values)
    return len(values)
