"""Writing the demo through ServerStore, in ONE transaction, like the API writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from sqlalchemy.engine import make_url

from core.cases import (
    CaseState,
)
from core.timeutil import from_iso
from server.demo.model import DemoData
from server.storage.store import ServerStore


def existing_content(store: ServerStore) -> dict[str, int]:
    """Rows already present that a demo would collide with."""
    return {table: n for table in ("cells", "regions", "departments", "vehicles", "cases")
            if (n := store.count(table))}


def write(store: ServerStore, data: DemoData) -> None:
    """Write the demo through the store in ONE transaction: a run killed
    part-way leaves the database as it was."""
    by_day: dict[str, list[CaseState]] = defaultdict(list)
    for case in data.cases:
        assert case.registered_at is not None
        by_day[from_iso(case.registered_at).strftime("%Y%m%d")].append(case)
    events = []
    for event in data.events:
        row = event.to_dict()
        row["detail"] = json.dumps(row["detail"], ensure_ascii=False)
        events.append(row)
    with store.writing() as conn:
        for day in sorted(by_day):
            first = store.reserve_case_numbers(conn, day, len(by_day[day]))
            for offset, case in enumerate(by_day[day]):  # already in registration order
                case.number = f"{day}{first + offset:05d}"
        taken = store.usernames(conn)
        users = [store.user_row(u.username, u.display_name, u.role, u.password, u.department_id)
                 for u in data.users if u.username not in taken]
        for entity, rows in (("region", data.regions), ("department", data.departments),
                             ("cell", data.cells), ("vehicle", data.vehicles), ("user", users),
                             ("case", [c.to_dict() for c in data.cases]), ("case_event", events)):
            store.insert_entities(conn, entity, rows)


def ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not parsed.database.startswith("file:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


__all__ = ["ensure_sqlite_folder", "existing_content", "write"]
