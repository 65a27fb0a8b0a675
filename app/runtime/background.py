"""The one way GridDesk runs work off the UI thread.

A ``Worker`` owns one thread, so work submitted to it runs in order (the
sync engine relies on that: its SQLite connection and HTTP session live on
that thread).  Results come back to the UI thread through the qasync event
loop, which is Qt's own: a coroutine awaiting ``Worker.run`` resumes on the
UI thread, and ``submit`` callbacks are called there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Worker:
    def __init__(self, name: str):
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on this worker's thread; await it from the UI thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def submit(self, fn: Callable[..., T], *args: Any, on_done: Callable[[T], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> asyncio.Task[Any]:
        """Fire and forget from the UI thread; callbacks run on the UI thread."""

        async def job() -> None:
            try:
                result = await self.run(fn, *args)
            except Exception as exc:  # delivered to the caller, never lost
                if on_error is None:
                    log.exception("background job %s failed", getattr(fn, "__name__", fn))
                else:
                    on_error(exc)
                return
            if on_done is not None:
                on_done(result)

        task = asyncio.get_event_loop().create_task(job())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=True)
