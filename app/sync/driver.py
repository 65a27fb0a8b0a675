"""Drives the sync engine from the qasync event loop and reports to the UI.

Threading: a ``SyncDriver`` lives on the UI thread.  Its loop is a coroutine
on the qasync loop; each round of network and database work runs on the
sync worker's thread, and the driver's signals are emitted on the UI thread.
A second worker only long-polls the server ("anything new after N?") so
that changes made elsewhere, and live positions, start a round at once
instead of at the next tick; it touches no store.

Offline is a normal state: a failed round is retried with jittered
exponential backoff (capped, so the centre is back in step seconds after
the server is), and the status says since when the server has been
unreachable and when the next try is.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.runtime.background import Worker
from app.sync.engine import ProtocolError, SyncEngine, SyncReport
from core.problems import Problem, ProblemError
from core.timeutil import now_cst, now_iso, to_iso

ONLINE_INTERVAL_S = 1.0  # polling when the server offers no long-poll
IDLE_MAX_S = 10.0  # with the long-poll: a round at least this often anyway
MIN_ROUND_GAP_S = 0.5  # positions arrive all the time; rounds need not
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 4.0  # short: the centre must be back in step seconds after the server is


def backoff_delay(failures: int, rng: random.Random | None = None) -> float:
    """Seconds before retry number ``failures``: exponential, capped, and
    jittered so a restarted server is not hit by every workstation at once."""
    base = min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** min(max(failures, 1), 6))
    return base * (rng or random).uniform(0.6, 1.0)


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    since: str  # when the current online/offline state began
    last_sync: str | None  # last fully successful round
    error: Problem | None  # translated by code in the views (app/views/labels.py problem_text)
    signed_in: bool
    next_retry_at: str | None = None  # when offline: the next attempt
    next_retry_in_s: float | None = None
    failures: int = 0  # failed rounds in a row
    auth_failed: bool = False  # the server refused this operator's password: sign in again
    offline_user: bool = False  # signed in against this workstation's verifier only
    pending: int | None = None  # commands waiting for the server
    indexing: bool = False  # after a first download: the queue's indexes are still being built


class SyncDriver(QObject):
    statusChanged = Signal(object)  # SyncStatus
    storeChanged = Signal(object)  # ChangeSummary
    healthChanged = Signal(object)  # app.sync.health.HealthFacts
    integrityChecked = Signal(object)  # app.store.integrity.IntegrityReport, or an Exception
    signInDone = Signal(object)  # None, or the Problem: why the server refused

    def __init__(self, engine: SyncEngine, parent: QObject | None = None):
        super().__init__(parent)
        self.engine = engine
        self.worker = Worker("sync")
        self.watch_worker = Worker("sync-watch")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._watch: asyncio.Future[Any] | None = None
        self._watch_supported = True
        self._stopping = False
        self._online: bool | None = None
        self._since = now_iso()
        self._last_sync: str | None = None
        self._failures = 0
        self.rounds = 0
        self._retry_deadline: float | None = None
        self.status = SyncStatus(False, self._since, None, None, False)

    def start(self, username: str | None = None, password: str | None = None) -> None:
        if username is not None and password is not None:
            self.engine.remember(username, password)
        self._task = asyncio.get_event_loop().create_task(self._run())

    def wake(self) -> None:
        """Sync now (a command was queued, or the operator asked)."""
        self._wake.set()

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.engine.cancel_watch()  # a long-poll in flight ends now, not in 20 s
        if self._watch is not None and not self._watch.done():
            self._watch.cancel()  # its answer is not wanted: no task is left pending at exit
        self.watch_worker.shutdown(wait=False)  # and the UI thread never waits for it
        await self.worker.run(self.engine.close)
        self.worker.shutdown()

    # ---- the loop -------------------------------------------------------------

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            self._wake.clear()
            started = loop.time()
            report = await self.worker.run(self.engine.sync_once)
            self.rounds += 1
            ok = report.online and report.error is None
            if ok:
                self._failures = 0
                self._publish(report, None)
                await self._idle(report, started)
            else:
                self._failures += 1
                delay = backoff_delay(self._failures)
                self._publish(report, delay)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)

    async def _idle(self, report: SyncReport, started: float) -> None:
        """Wait for a reason to run the next round: a local command (wake),
        news from the long-poll, or the idle tick."""
        loop = asyncio.get_running_loop()
        if not self._watch_supported:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), ONLINE_INTERVAL_S)
            return
        if self._watch is None or self._watch.done():
            self._watch = asyncio.ensure_future(self.watch_worker.run(
                self.engine.watch, report.cursor, report.position_cursor))
            # Its failure only means "look now"; one left over at stop is no error.
            self._watch.add_done_callback(lambda f: f.cancelled() or f.exception())
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            done, _ = await asyncio.wait({waker, self._watch}, timeout=IDLE_MAX_S,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            waker.cancel()
        if self._watch in done:
            watch, self._watch = self._watch, None
            error = watch.exception()
            if isinstance(error, ProtocolError) and error.params.get("status") == 404:
                self._watch_supported = False  # an older server: poll instead
            # News (or a broken long-poll, which the round will diagnose);
            # keep rounds apart while positions stream in.
            rest = MIN_ROUND_GAP_S - (loop.time() - started)
            if rest > 0 and not self._wake.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), rest)

    def _publish(self, report: SyncReport, retry_in: float | None) -> None:
        if report.summary:
            self.storeChanged.emit(report.summary)
        if report.online != self._online:
            self._online = report.online
            self._since = report.at
        if report.online and report.error is None:
            self._last_sync = report.at
        retry_at = None if retry_in is None else to_iso(now_cst() + timedelta(seconds=retry_in))
        self.status = SyncStatus(
            report.online, self._since, self._last_sync, report.error, self.engine.user is not None,
            next_retry_at=retry_at, next_retry_in_s=retry_in, failures=self._failures,
            auth_failed=report.auth_failed, offline_user=self.engine.offline_user,
            pending=report.pending, indexing=report.indexing)
        self._retry_deadline = time.monotonic() + retry_in if retry_in is not None else None
        self.statusChanged.emit(self.status)

    def seconds_to_retry(self) -> float | None:
        """For the banner's countdown (UI thread)."""
        deadline = self._retry_deadline
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    # ---- requests from the panels (UI thread) -------------------------------------

    def request_health(self) -> None:
        """Emit ``healthChanged`` with fresh facts (read on the sync worker)."""
        self.worker.submit(self.engine.health_facts, on_done=self.healthChanged.emit,
                           on_error=lambda _exc: None)

    def request_sign_in(self, password: str) -> None:
        """The server refused the stored password: try the one typed now.
        Emits ``signInDone`` with None, or with the reason it failed; pending
        commands go out only once the server accepts it."""
        username = str((self.engine.user or {}).get("username", ""))

        def done(_user: Any) -> None:
            self.signInDone.emit(None)
            self.wake()

        def failed(exc: BaseException) -> None:
            self.signInDone.emit(exc.problem if isinstance(exc, ProblemError)
                                 else Problem("unexpected", f"{type(exc).__name__}: {exc}"))

        self.worker.submit(self.engine.login, username, password, on_done=done, on_error=failed)

    def request_integrity_check(self) -> None:
        """Catch up and compare with the server; emits ``integrityChecked``
        with the report, or with the exception if it could not be done."""
        self.worker.submit(self.engine.check_integrity, on_done=self.integrityChecked.emit,
                           on_error=self.integrityChecked.emit)
