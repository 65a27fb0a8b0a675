"""Reference data (the category tree, the working-time calendar) in the
change feed.

When the API starts it publishes its files into the change feed if they
changed since last time, so every workstation receives them in order with
the cases.

Threading: any thread; each method runs its own transaction.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update

from core.reference import NAMES, load_file
from server.storage import schema as s
from server.storage.feed import ChangeFeed


class Reference:
    def __init__(self, engine: Engine, feed: ChangeFeed):
        self.engine = engine
        self.feed = feed

    def publish(self) -> list[str]:
        """Put the categories and the calendar in the change feed when their
        files changed since they were last published (also on a fresh
        database); returns the names published.  Safe with several server
        processes: the change lock serialises them and the second sees the
        version already recorded."""
        items = [load_file(name) for name in NAMES]
        published = []
        with self.feed.writing() as conn:
            for item in items:
                key = f"reference:{item.name}"
                current = conn.execute(select(s.meta.c.value).where(s.meta.c.key == key)).scalar_one_or_none()
                if current == item.version:
                    continue
                if current is None:
                    conn.execute(insert(s.meta).values(key=key, value=item.version))
                else:
                    conn.execute(update(s.meta).where(s.meta.c.key == key).values(value=item.version))
                self.feed.record_changes(conn, [("reference", item.name, item.to_change())])
                published.append(item.name)
        return published

    def versions(self) -> dict[str, str | None]:
        """The version last published of each reference file (None: never)."""
        with self.engine.connect() as conn:
            return {name: conn.execute(select(s.meta.c.value).where(
                s.meta.c.key == f"reference:{name}")).scalar_one_or_none() for name in NAMES}


__all__ = ["Reference"]
