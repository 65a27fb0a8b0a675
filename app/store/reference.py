"""The workstation's copy of the server's reference data (category tree,
working-time calendar), as the change feed brings it.

The rules a workstation applies for its optimistic effects must be the
server's rules, so the server's categories and calendar win over the files
shipped with the client as soon as the feed has brought them.  A reference
change that does not validate is not stored; the previous one stays in use
and ``sync_state`` keeps the error for the status bar.

Threading: functions take the caller's connection and run inside its
transaction; call them from the thread that owns the ``LocalStore``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.store import tables as t
from core.categories import CategoryTree
from core.reference import BadReference, ReferenceItem
from core.worktime import WorkCalendar

ERROR_KEY = "reference_error"


def apply_reference_rows(conn: Connection, rows: dict[str, dict[str, Any]]) -> list[str]:
    """Store the valid reference changes of a page; returns their names."""
    applied = []
    for name, row in rows.items():
        try:
            item = ReferenceItem.from_change(row)
        except BadReference as exc:
            _set(conn, ERROR_KEY, str(exc))
            continue
        stmt = sqlite_insert(t.reference).values(name=item.name, version=item.version,
                                                 data=json.dumps(item.data, ensure_ascii=False))
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={
            "version": stmt.excluded.version, "data": stmt.excluded.data}))
        applied.append(name)
    return applied


def load_reference(conn: Connection) -> tuple[CategoryTree | None, WorkCalendar | None, dict[str, str]]:
    """The stored tree and calendar (None where the feed brought none yet)."""
    rows = {r.name: r for r in conn.execute(select(t.reference))}
    versions = {name: row.version for name, row in rows.items()}
    tree = calendar = None
    if "categories" in rows:
        tree = CategoryTree.from_dict(json.loads(rows["categories"].data))
    if "calendar" in rows:
        calendar = WorkCalendar.from_dict(json.loads(rows["calendar"].data))
    return tree, calendar, versions


def _set(conn: Connection, key: str, value: str) -> None:
    stmt = sqlite_insert(t.sync_state).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
