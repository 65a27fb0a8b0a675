"""The sync engine: push the outbox, pull the change feed, fetch positions.

Its neighbours: the HTTP, the token and the one re-sign-in are
``ServerClient``'s (app/net/client.py); the first download from a snapshot
is app/sync/snapshot.py; the offline verifier app/sync/credentials.py; the
shape of the server's replies app/sync/replies.py.

Threading: blocking.  A ``SyncEngine`` is used from ONE worker thread (the
driver's single-thread executor) and opens its own ``LocalStore`` there; it
never touches Qt.  The one exception is ``watch``, which the driver runs on
a second worker: it only long-polls (through the client, which gives each
thread its own HTTP session) and touches no store.  Helper threads come
from app/runtime/background.py: a prefetch worker fetches and decodes the
next page of a bulk download, and the index build after it runs on a
daemon thread with a store connection of its own.  A reply that does not
have the expected shape raises ``ProtocolError`` before anything is
written, so a malformed reply changes nothing.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.net.client import AuthError, NetworkError, ProtocolError, ServerClient, ServerError
from app.runtime.background import Worker, in_daemon
from app.store import bulk_load
from app.store.ledger import OutboxLedger
from app.store.replica import ChangeSummary, LocalStore
from app.sync import replies
from app.sync.credentials import OfflineVerifier
from app.sync.health import HealthFacts
from app.sync.snapshot import download_snapshot
from core.problems import Problem
from core.timeutil import now_iso

PAGE_SIZE = 20000  # the server's largest page: a million-row download in 50 requests
MAX_PAGES_PER_SYNC = 100  # keep one round bounded (2,000,000 changes); the next one goes on
PUSH_BATCH = 500
POSITION_PAGE = 20000
MAX_POSITION_PAGES = 50
CLOCK_EVERY_S = 30.0

# Offline: a refused, timed-out or cut connection (ServerClient wraps them all).
NETWORK_ERRORS = (NetworkError,)

__all__ = ["NETWORK_ERRORS", "AuthError", "NetworkError", "ProtocolError", "SyncEngine", "SyncReport"]


@dataclass
class SyncReport:
    online: bool
    error: Problem | None = None  # why the round failed; the views translate it by code
    auth_failed: bool = False  # the server refused the stored credentials: sign in again
    pushed: int = 0
    pulled: int = 0
    positions: int = 0
    server_time: str | None = None
    summary: ChangeSummary = field(default_factory=ChangeSummary)
    at: str = field(default_factory=now_iso)
    # where the replica stands after the round (for the health panel and the watcher)
    cursor: int | None = None
    position_cursor: int | None = None
    server_last_seq: int | None = None
    pending: int | None = None
    indexing: bool = False  # the indexes set aside for a first download are being built


class SyncEngine:
    def __init__(self, store_path: str | Path, server: ServerClient | str, workstation: str | None = None):
        """``server``: the session's ``ServerClient``, or a URL for an engine
        with a client of its own (tools, benchmarks, tests)."""
        self.store_path = Path(store_path)
        if isinstance(server, ServerClient):
            self.client, self._owns_client = server, False
        else:
            self.client, self._owns_client = ServerClient(server, workstation or "WS"), True
        self.workstation = self.client.workstation
        self._store: LocalStore | None = None
        self._prefetch: Worker | None = None
        self._indexing: Future[None] | None = None
        self.user: dict[str, Any] | None = None
        self.offline_user = False  # signed in against the local verifier only
        self.last_pull_at: str | None = None
        self.last_push_at: str | None = None
        self.server_last_seq: int | None = None
        self.clock_skew_s: float | None = None
        self.clock_rtt_ms: float | None = None
        self._clock_checked = 0.0

    @property
    def store(self) -> LocalStore:
        if self._store is None:
            self._store = LocalStore(self.store_path)
        return self._store

    @property
    def ledger(self) -> OutboxLedger:
        return OutboxLedger(self.store)

    @property
    def verifier(self) -> OfflineVerifier:
        return OfflineVerifier(self.store)

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.shutdown(wait=True)
        if self._owns_client:
            self.client.close()
        if self._store is not None:
            self._store.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.client.call(method, path, **kwargs)

    # ---- signing in -----------------------------------------------------------

    def login(self, username: str, password: str) -> dict[str, Any]:
        user = self.client.login(username, password)
        self.user = user
        self.offline_user = False
        # Lets this operator unlock the workstation during an outage.
        self.verifier.remember(username, password, user)
        return user

    def offline_login(self, username: str, password: str) -> dict[str, Any] | None:
        """Sign in without the server: only an operator who signed in here
        before, with the same password.  Commands still go to the server,
        which checks them (and the password) when it is back."""
        user = self.verifier.check(username, password)
        if user is None:
            return None
        self.client.remember(username, password)
        self.user = user
        self.offline_user = True
        return dict(user)

    def remember(self, username: str, password: str) -> None:
        """Sign in as this operator at the next round."""
        self.client.remember(username, password)

    def known_operators(self) -> list[dict[str, Any]]:
        return self.verifier.known_operators()

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/api/health")

    # ---- one round ----------------------------------------------------------

    def sync_once(self) -> SyncReport:
        """Push, pull and fetch positions once.  Never raises for network
        trouble: the report says offline and why."""
        report = SyncReport(online=False)
        try:
            if not self._ensure_signed_in(report):
                return report
            self._push(report)
            self._push_audit()
            self._pull(report)
            self._fetch_positions(report)
            self._check_clock()
            report.online = True
        except NetworkError as exc:
            report.error = exc.problem
        except AuthError as exc:
            report.online = True
            report.auth_failed = True
            report.error = Problem("sign_in_refused", str(exc), {"user": self._operator()})
            self.client.forget_token()
            # The password was changed (or revoked) centrally: it must no
            # longer unlock this workstation offline either.
            self.verifier.revoke(self._operator())
        except ProtocolError as exc:
            report.online = True  # reachable, but something is wrong: say it
            report.error = exc.problem
        self._finish(report)
        return report

    def push_now(self) -> SyncReport:
        """Push the outbox only (the benchmark and the ledger's "send now")."""
        report = SyncReport(online=False)
        try:
            if self._ensure_signed_in(report):
                self._push(report)
                report.online = True
        except NetworkError as exc:
            report.error = exc.problem
        except (ProtocolError, AuthError) as exc:
            report.online = True
            report.error = exc.problem
        self._finish(report)
        return report

    def _operator(self) -> str:
        return self.client.operator or "?"

    def _ensure_signed_in(self, report: SyncReport) -> bool:
        if not self.client.can_sign_in:
            report.error = Problem("not_signed_in", "not signed in")
            return False
        if not self.client.signed_in:
            # After an offline sign-in this is where the server checks the
            # password; a refusal raises AuthError and nothing is pushed.
            self.user = self.client.sign_in()
            self.offline_user = False
        return True

    def _finish(self, report: SyncReport) -> None:
        try:
            report.cursor = self.store.cursor()
            report.position_cursor = self.store.position_cursor()
            report.pending = self.store.counts().waiting
        except Exception:  # the report must still go out; the store error shows next round
            pass
        report.server_last_seq = self.server_last_seq
        report.indexing = self._indexing is not None and not self._indexing.done()

    def _withdraw(self, report: SyncReport) -> None:
        """Ask the server to withdraw commands an operator discarded."""
        while True:
            asked = self.ledger.discarding(PUSH_BATCH)
            if not asked:
                return
            body = self._call("POST", "/api/sync/withdraw", json={"commands": asked})
            results = replies.check_results("POST /api/sync/withdraw", body, {a["command_id"] for a in asked},
                                            ("withdrawn", "accepted", "rejected"))
            report.summary.merge(self.ledger.record_withdrawals(results))
            if len(asked) < PUSH_BATCH:
                return

    def _push(self, report: SyncReport) -> None:
        self._withdraw(report)
        while True:
            pending = self.store.pending_commands(PUSH_BATCH)
            if not pending:
                return
            body = self._call("POST", "/api/commands",
                              json={"commands": [e.command.to_dict() for e in pending]})
            results = replies.check_results("POST /api/commands", body,
                                            {e.command.command_id for e in pending},
                                            ("accepted", "rejected", "withdrawn"))
            # "withdrawn": an operator here discarded it and the server knows;
            # only a copy in flight at that moment can get this answer.
            withdrawn = [r for r in results if r["outcome"] == "withdrawn"]
            if withdrawn:
                report.summary.merge(self.ledger.record_withdrawals(withdrawn))
            report.summary.merge(self.store.record_results(
                [r for r in results if r["outcome"] != "withdrawn"]))
            report.pushed += len(results)
            report.server_time = body.get("server_time")
            self.last_push_at = now_iso()
            self.store.set_state("last_push_at", self.last_push_at)
            if len(pending) < PUSH_BATCH:
                return

    def _push_audit(self) -> None:
        records = self.ledger.unsent_audit()
        if not records:
            return
        try:
            body = self._call("POST", "/api/sync/audit", json={"records": records})
        except ProtocolError:
            return  # a server without the audit endpoint: kept here, sent to a newer one
        if not isinstance(body.get("stored"), int):
            raise ProtocolError("bad_reply", "audit reply lacks stored", request="POST /api/sync/audit")
        self.ledger.mark_audit_sent([r["audit_id"] for r in records])

    def _load_snapshot(self, report: SyncReport) -> int:
        """A new workstation's first download (app/sync/snapshot.py); returns
        the feed position to follow from (0 from a server without snapshots)."""
        seq, copied, summary = download_snapshot(self.client, self.store)
        report.summary.merge(summary)
        report.pulled += copied
        return seq

    def _get_page(self, after: int, limit: int | None = None) -> dict[str, Any]:
        body = self._call("GET", "/api/changes", params={"after": after, "limit": limit or PAGE_SIZE})
        return replies.check_change_page(body, after)

    def _pull(self, report: SyncReport) -> None:
        after = self.store.cursor()
        upcoming: Future[dict[str, Any]] | None = None
        bulk = bulk_load.active(self.store)
        if bulk and bulk_load.indexing(self.store):
            self._start_indexing()  # loaded before a restart: only the indexes remain
        elif bulk:
            bulk_load.begin(self.store)  # resuming a load after a restart
        if after == 0:
            probe = self._get_page(0, limit=1)
            if bulk_load.should_begin(self.store, 0, probe["last_seq"]):
                if not bulk:
                    bulk_load.begin(self.store)
                    bulk = True
                after = self._load_snapshot(report)
        caught_up = False
        try:
            for _ in range(MAX_PAGES_PER_SYNC):
                body = upcoming.result() if upcoming is not None else self._get_page(after)
                upcoming = None
                changes = body["changes"]
                report.server_time = body.get("server_time")
                self.server_last_seq = body["last_seq"]
                if not changes:
                    caught_up = True
                    break
                if not bulk and bulk_load.should_begin(self.store, after, body["last_seq"]):
                    bulk_load.begin(self.store)
                    bulk = True
                new_cursor = changes[-1]["seq"]
                if body.get("more"):
                    # A bulk download: fetch and decode the next page while
                    # this one goes into SQLite (the client gives the
                    # prefetch thread its own HTTP session).
                    upcoming = self._prefetcher().call(self._get_page, new_cursor)
                report.summary.merge(self.store.apply_change_page(changes, new_cursor))
                report.pulled += len(changes)
                after = new_cursor
                if not body.get("more"):
                    caught_up = True
                    break
        finally:
            if upcoming is not None:
                upcoming.cancel()
                with contextlib.suppress(Exception):  # an unused prefetch's failure does not matter
                    upcoming.result()
        if bulk and caught_up:
            bulk_load.mark_indexing(self.store)
            self._start_indexing()
        self.last_pull_at = now_iso()
        if report.pulled:
            self.store.set_state("last_pull_at", self.last_pull_at)

    def _start_indexing(self) -> None:
        """Build the indexes and the search index set aside for a bulk load
        (app/store/bulk_load.py), on a thread and a store connection of their
        own: the replica is complete and in use meanwhile."""
        if self._indexing is not None and not self._indexing.done():
            return

        def build() -> None:
            store = LocalStore(self.store_path)
            try:
                bulk_load.finish(store)
            finally:
                store.close()

        self._indexing = in_daemon(build, "store-indexing")

    def wait_for_indexing(self, timeout: float | None = None) -> bool:
        """Block until a background index build has ended; True if none runs."""
        if self._indexing is not None:
            with contextlib.suppress(TimeoutError):
                self._indexing.exception(timeout)  # a failed build has ended too
            return self._indexing.done()
        return True

    def _prefetcher(self) -> Worker:
        if self._prefetch is None:
            self._prefetch = Worker("sync-prefetch")
        return self._prefetch

    def _fetch_positions(self, report: SyncReport) -> None:
        cursor = self.store.position_cursor()
        if cursor is None:
            body = self._call("GET", "/api/positions/latest")
            self._apply_positions(report, body.get("vehicles"), body.get("cursor"))
            return
        for _ in range(MAX_POSITION_PAGES):
            body = self._call("GET", "/api/positions", params={"after": cursor, "limit": POSITION_PAGE})
            cursor = self._apply_positions(report, body.get("positions"), body.get("cursor"))
            if not body.get("more"):
                return

    def _apply_positions(self, report: SyncReport, rows: Any, new_cursor: Any) -> int:
        replies.check_positions(rows, new_cursor)
        report.summary.merge(self.store.apply_positions(rows, new_cursor))
        report.positions += len(rows)
        return int(new_cursor)

    # ---- watching, clock, health -------------------------------------------

    def watch(self, after_seq: int | None, after_position: int | None,
              timeout: float | None = None) -> dict[str, Any]:
        """Long-poll until the server has changes after ``after_seq`` or
        positions after ``after_position``.  Runs on the driver's watch
        worker: no store access; ``cancel_watch`` (any thread) cuts it, so
        closing the window never waits for a long-poll.  Raises on any
        failure, which the driver takes as "do a round now" (the round
        re-signs in or goes offline)."""
        params: dict[str, Any] = {}
        if after_seq is not None:
            params["after"] = after_seq
        if after_position is not None:
            params["positions_after"] = after_position
        return replies.check_wait(self.client.long_poll("/api/sync/wait", params, timeout))

    def cancel_watch(self) -> None:
        """Cut a long-poll in flight, and refuse new ones (any thread)."""
        self.client.cancel_long_polls()

    def _check_clock(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._clock_checked < CLOCK_EVERY_S:
            return
        sent = time.time()
        try:
            body = self._call("GET", "/api/sync/clock")
        except ProtocolError:
            self._clock_checked = time.monotonic()  # an older server: skew unknown, sync goes on
            return
        received = time.time()
        epoch_ms = body.get("epoch_ms")
        if not isinstance(epoch_ms, int | float):
            raise ProtocolError("bad_reply", "clock reply lacks epoch_ms", request="GET /api/sync/clock")
        # The server read its clock about halfway through the round trip.
        self.clock_skew_s = epoch_ms / 1000.0 - (sent + received) / 2
        self.clock_rtt_ms = (received - sent) * 1000.0
        self._clock_checked = time.monotonic()

    def health_facts(self) -> HealthFacts:
        counts = self.store.counts()
        return HealthFacts(
            last_pull_at=self.last_pull_at or self.store.get_state("last_pull_at"),
            last_push_at=self.last_push_at or self.store.get_state("last_push_at"),
            cursor=self.store.cursor(), server_last_seq=self.server_last_seq,
            position_cursor=self.store.position_cursor(), queue_depth=counts.waiting,
            rejected_open=counts.rejected, clock_skew_s=self.clock_skew_s,
            clock_rtt_ms=self.clock_rtt_ms)

    def check_integrity(self, attempts: int = 3):
        """Catch up, then compare row counts and checksums per table with the
        server's at the same feed position (see app/store/integrity.py)."""
        from app.store.integrity import IntegrityReport, compare

        report: IntegrityReport | None = None
        for _ in range(attempts):
            round_report = self.sync_once()
            if round_report.error:
                problem = round_report.error
                kind: type[ServerError] = ProtocolError if round_report.online else NetworkError
                raise kind(problem.code, problem.message, **problem.params)
            server = self._call("GET", "/api/sync/integrity", read_s=self.client.timeouts.report_read_s)
            report = compare(self.store, server)
            if report.comparable:
                return report
        return report
