"""Drives the sync engine from the qasync event loop and reports to the UI.

Threading: a ``SyncDriver`` lives on the UI thread.  Its loop is a coroutine
on the qasync loop; each round of network and database work runs on the
sync worker's thread, and the driver's signals are emitted on the UI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from app.background import Worker
from app.sync.engine import SyncEngine, SyncReport
from core.timeutil import now_iso

ONLINE_INTERVAL_S = 1.0
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 4.0  # short: the centre must be back in step seconds after the server is


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    since: str  # when the current online/offline state began
    last_sync: str | None  # last fully successful round
    error: str | None
    signed_in: bool


class SyncDriver(QObject):
    statusChanged = Signal(object)  # SyncStatus
    storeChanged = Signal(object)  # ChangeSummary

    def __init__(self, engine: SyncEngine, parent: QObject | None = None):
        super().__init__(parent)
        self.engine = engine
        self.worker = Worker("sync")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._online: bool | None = None
        self._since = now_iso()
        self._last_sync: str | None = None
        self._failures = 0
        self.status = SyncStatus(False, self._since, None, None, False)

    def start(self, username: str | None = None, password: str | None = None) -> None:
        if username is not None and password is not None:
            self.engine._credentials = (username, password)
        self._task = asyncio.get_event_loop().create_task(self._run())

    def wake(self) -> None:
        """Sync now (a command was queued)."""
        self._wake.set()

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.worker.run(self.engine.close)
        self.worker.shutdown()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            report = await self.worker.run(self.engine.sync_once)
            self._publish(report)
            if report.online and report.error is None:
                self._failures = 0
                delay = ONLINE_INTERVAL_S
            else:
                self._failures += 1
                # Jittered exponential backoff, so a restarted server is not
                # hit by every workstation in the same instant.
                delay = min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** min(self._failures, 6))
                delay *= random.uniform(0.6, 1.0)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def _publish(self, report: SyncReport) -> None:
        if report.summary:
            self.storeChanged.emit(report.summary)
        if report.online != self._online:
            self._online = report.online
            self._since = report.at
        if report.online and report.error is None:
            self._last_sync = report.at
        self.status = SyncStatus(report.online, self._since, self._last_sync, report.error,
                                 self.engine.user is not None)
        self.statusChanged.emit(self.status)
