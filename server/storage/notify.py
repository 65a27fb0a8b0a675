"""Wake long-polls when the change feed or the position table grows, in this
process and in every other server process on the same database.

Two server processes over one PostgreSQL each serve their own clients; a
client long-polling server A must wake when server B commits a command or
B's gateway stores a fix.  PostgreSQL already knows when any session commits,
so it tells us: statement triggers on ``change_counter`` and ``positions``
``NOTIFY`` a channel, and NOTIFY is delivered only at commit (never for a
rolled-back transaction), to every session that LISTENs — including the
listener of the process that wrote.  Writers need no code of their own: the
demo loader, a gateway-only process or a psql session all wake the clients.

On SQLite there is one process, so the engine's own commits are the signal.

Waiters never trust a wake-up alone: they re-read ``last_seq`` / the newest
position id, and re-check at least every ``RECHECK_S`` so that a notification
lost while the listener reconnects costs a second, not a stuck long-poll.

Threading: ``ChangeNotifier`` is shared by the API's worker threads (which
block in ``wait_for``) and one listener thread of its own (PostgreSQL only).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text

from server.storage.store import ServerStore

log = logging.getLogger("griddesk.notify")

CHANGES_CHANNEL = "griddesk_changes"
POSITIONS_CHANNEL = "griddesk_positions"
RECHECK_S = 1.0
LISTEN_RETRY_S = 1.0

# CREATE OR REPLACE is not safe when two processes run it at the same moment
# ("tuple concurrently updated"); an advisory lock taken for the transaction
# makes server start-up on a shared database one at a time.
_TRIGGER_LOCK_KEY = 808_0808
_TRIGGER_SQL = [
    f"""CREATE OR REPLACE FUNCTION griddesk_notify_changes() RETURNS trigger AS $$
        BEGIN PERFORM pg_notify('{CHANGES_CHANNEL}', ''); RETURN NULL; END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION griddesk_notify_positions() RETURNS trigger AS $$
        BEGIN PERFORM pg_notify('{POSITIONS_CHANNEL}', ''); RETURN NULL; END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER griddesk_changes_notify AFTER UPDATE ON change_counter
        FOR EACH STATEMENT EXECUTE FUNCTION griddesk_notify_changes()""",
    """CREATE OR REPLACE TRIGGER griddesk_positions_notify AFTER INSERT ON positions
        FOR EACH STATEMENT EXECUTE FUNCTION griddesk_notify_positions()""",
]


def install_triggers(store: ServerStore) -> None:
    """Make every commit that grows the feed or the positions NOTIFY (PostgreSQL)."""
    if not store.is_postgres:
        return
    with store.engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _TRIGGER_LOCK_KEY})
        for statement in _TRIGGER_SQL:
            conn.execute(text(statement))


class ChangeNotifier:
    """Lets a request wait until the feed passes a sequence number or the
    position table passes an id.  Started by the first waiter (the API
    starts it up front on PostgreSQL, see server/api/sync_health.py), so a
    process that nobody long-polls need open no listener connection."""

    def __init__(self, store: ServerStore):
        self.store = store
        self._cond = threading.Condition()
        self._generation = 0  # bumped on every hint; waiters wait for it to move
        self._started = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set while the PostgreSQL listener is connected
        self.notifications = 0

    # ---- state ----------------------------------------------------------

    def last_seq(self) -> int:
        return self.store.last_seq()

    def last_position_id(self) -> int:
        return self.store.positions.last_id()

    # ---- waiting --------------------------------------------------------

    def wait_for(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Block the calling (worker) thread until ``ready()`` holds or
        ``timeout`` seconds pass; returns ``ready()``'s last answer."""
        self.start()
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            with self._cond:
                seen = self._generation
            if ready():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._stopping.is_set():
                return False
            with self._cond:
                if self._generation == seen:
                    self._cond.wait(min(remaining, RECHECK_S))

    def wait_for_feed(self, after_seq: int | None, after_position: int | None,
                      timeout: float) -> tuple[int, int]:
        """Wait until the feed passes ``after_seq`` or the positions pass
        ``after_position`` (either may be None: not watched); returns both."""
        latest = {"seq": 0, "position": 0}

        def ready() -> bool:
            latest["seq"] = self.last_seq()
            latest["position"] = self.last_position_id()
            return ((after_seq is not None and latest["seq"] > after_seq)
                    or (after_position is not None and latest["position"] > after_position))

        self.wait_for(ready, timeout)
        return latest["seq"], latest["position"]

    def hint(self) -> None:
        """Something may have changed: let every waiter look again."""
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    # ---- sources of hints -----------------------------------------------

    def start(self) -> None:
        with self._cond:
            if self._started:
                return
            self._started = True
        if self.store.is_postgres:
            install_triggers(self.store)
            self._thread = threading.Thread(target=self._listen, name="pg-listen", daemon=True)
            self._thread.start()
        else:
            self._hook_local_commits()

    def close(self, wait: bool = False) -> None:
        """Stop listening and let every waiter answer now (server shutdown).
        Never blocks unless ``wait``: the listener thread is a daemon and
        notices within ``RECHECK_S``."""
        self._stopping.set()
        self.hint()
        if wait and self._thread is not None:
            self._thread.join(timeout=5)

    def _hook_local_commits(self) -> None:
        # SQLAlchemy's "commit" event fires just before the DBAPI commit, so it
        # only marks the connection; the pool's checkin, after the commit has
        # landed, turns the mark into a hint.  Reads never commit, so readers
        # (the waiters themselves) do not wake each other in a loop.
        engine = self.store.engine

        def committed(conn: Any) -> None:
            conn.info["griddesk_committed"] = True

        def checked_in(_dbapi_conn: Any, record: Any) -> None:
            if record.info.pop("griddesk_committed", False):
                self.hint()

        event.listen(engine, "commit", committed)
        event.listen(engine.pool, "checkin", checked_in)

    def _listen(self) -> None:
        import psycopg

        url = self.store.engine.url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        while not self._stopping.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANGES_CHANNEL}")
                    conn.execute(f"LISTEN {POSITIONS_CHANNEL}")
                    self.listening.set()
                    self.hint()  # anything committed while we were not listening
                    while not self._stopping.is_set():
                        for _note in conn.notifies(timeout=RECHECK_S):
                            self.notifications += 1
                            self.hint()
            except Exception as exc:  # the database restarts; we listen again
                log.warning("LISTEN connection lost (%s); retrying", exc)
            finally:
                self.listening.clear()
            self._stopping.wait(LISTEN_RETRY_S)
