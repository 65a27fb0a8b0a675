"""Building a replay window's data (app/store/vehicles.py ``replay_data``)
off the UI thread.

Threading: ``ReplayJobs`` is called from the UI thread; with a ``Worker`` the
work runs on that worker's thread with a store of its own on the same file
(SQLite connections belong to one thread), and the callbacks come back on
the UI thread.  Without one (a window with no session: tests, tools) it
runs in place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.runtime.background import Worker
from app.store.replica import LocalStore
from app.store.vehicles import ReplayData, VehicleStore


class ReplayJobs:
    def __init__(self, store_path: str | Path, worker: Worker | None):
        self.path = Path(store_path)
        self.worker = worker

    def _build(self, start: str, end: str) -> ReplayData:
        local = LocalStore(self.path)
        try:
            return VehicleStore(local).replay_data(start, end)
        finally:
            local.close()

    def load(self, start: str, end: str, on_done: Callable[[ReplayData], None],
             on_error: Callable[[BaseException], None]) -> None:
        if self.worker is None:
            try:
                data = self._build(start, end)
            except Exception as exc:  # handed to the caller, who says what went wrong
                on_error(exc)
                return
            on_done(data)
            return
        self.worker.submit(self._build, start, end, on_done=on_done, on_error=on_error)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.shutdown(wait=False)
