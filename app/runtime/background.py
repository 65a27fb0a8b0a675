"""The one way GridDesk runs work off the UI thread (Anki's QueryOp/CollectionOp).

``Background`` is what views use.  A *query* (``Background.query``) or an
*operation* (``Background.operation``) is a plain function of a
``LocalStore``; it runs on a worker lane that owns its OWN store connection
on the same file (opened lazily, on that lane's thread: SQLite connections
belong to one thread, and WAL lets the UI's connection read meanwhile).
Its result comes back to the UI thread by a queued Qt signal and is handed
to ``on_done`` there.  A failure goes one way: ``on_failure`` when the
caller shows it in place (a form's message line), else the ``failed``
signal, which the main window shows as a translated message; nothing is
swallowed.  Long work reports progress through ``progress`` (a callback the
function receives), re-emitted on the UI thread by the ``progress`` signal.
An operation's ``ChangeSummary`` is published on the change bus
(app/runtime/bus.py) with its initiator.  ``Background.run`` is the
awaitable form, for coroutines on the qasync loop.

``Worker`` is the primitive under it: one thread, so work submitted to one
worker runs in order.  The sync and live-position drivers keep one each
(their engine's HTTP session and store live on that thread); blocking code
that needs a helper thread uses ``Worker.call`` (the sync engine's page
prefetch) or ``in_daemon`` (its index build).  Nothing else in the client starts threads or
executors.

Threading: ``Background`` and ``Worker.run``/``submit`` are called on the UI
thread; the functions they are given run on the lane's thread; every
callback (``on_done``, ``on_failure``, signals) runs on the UI thread.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.store.changes import ChangeSummary

T = TypeVar("T")
log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total), called on the worker thread


class Worker:
    """One thread; work submitted to it runs in order."""

    def __init__(self, name: str):
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._tasks: set[asyncio.Task[Any]] = set()

    def call(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run ``fn(*args)`` on this worker from blocking code (any thread)."""
        return self._executor.submit(fn, *args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on this worker's thread; await it from the UI thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def submit(self, fn: Callable[..., T], *args: Any, on_done: Callable[[T], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> asyncio.Task[Any]:
        """Fire and forget from the UI thread (the qasync loop running);
        callbacks run on the UI thread."""

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

    def shutdown(self, wait: bool = True, cancel: bool = True) -> None:
        """Stop taking work; ``cancel`` drops jobs not yet started."""
        self._executor.shutdown(wait=wait, cancel_futures=cancel)


def in_daemon(fn: Callable[[], T], name: str) -> Future[T]:
    """Run ``fn()`` on a daemon thread of its own; the future says when it
    has ended.  For resumable work that must not hold up the process's exit
    (the index build after a first download: an interrupted build resumes
    at the next start)."""
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn())
        except BaseException as exc:  # noqa: BLE001 - the future carries it
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


def when_stopped(workers: Iterable[Worker], then: Callable[[], None]) -> None:
    """Stop ``workers`` without blocking the caller, and call ``then`` on a
    helper thread once every job they were running has ended (closing a
    source a job may still be reading, never under its feet)."""
    workers = list(workers)
    for worker in workers:
        worker.shutdown(wait=False)

    def wait_then() -> None:
        for worker in workers:
            worker.shutdown(wait=True)
        then()

    threading.Thread(target=wait_then, name="worker-stop", daemon=True).start()


@dataclass
class Failure:
    """What the ``failed`` signal carries: what was being done (translated by
    the caller) and why it failed."""

    title: str
    error: BaseException


class _Lane:
    """One worker thread and the store connection it owns."""

    def __init__(self, name: str, store_path: Path | None):
        self.worker = Worker(f"bg-{name}")
        self.store_path = store_path
        self.store: Any = None  # LocalStore, opened on the lane's thread
        self.opened = threading.Event()
        self.closing = False  # read on the lane's thread: jobs queued before close are skipped

    def store_here(self) -> Any:
        if self.store is None:
            if self.store_path is None:
                raise RuntimeError("this background runner has no store")
            from app.store.replica import LocalStore  # the runtime layer opens stores; lazily

            self.store = LocalStore(self.store_path)
            self.opened.set()
        return self.store

    def close(self) -> None:
        def close_store() -> None:
            if self.store is not None:
                self.store.close()
                self.store = None
        self.closing = True
        try:
            self.worker.call(close_store)
        except RuntimeError:  # the interpreter is exiting: its executors take no more work
            return
        self.worker.shutdown(wait=False, cancel=False)  # the store is closed on its own thread


class _Relay(QObject):
    """Carries every lane's answers to the UI thread.

    One for the whole process, made on the UI thread and never deleted: a
    lane's thread emits on it and holds no reference to any ``Background``.
    Were the lane's closure to hold the runner, the runner's last reference
    could drop on the lane's thread, and Qt would delete a QObject there
    while the UI thread delivered a queued answer to it: a segfault, seen
    now and then in the test suite."""

    finished = Signal(int, int, bool, object)  # runner id, job id, ok, result or exception
    progressed = Signal(int, str, int, int)  # runner id, title, done, total

    def __init__(self) -> None:
        super().__init__()
        self.runners: weakref.WeakValueDictionary[int, Background] = weakref.WeakValueDictionary()
        # The relay lives on the UI thread: Qt queues a lane's emission there.
        self.finished.connect(self._finished)
        self.progressed.connect(self._progressed)

    @Slot(int, int, bool, object)
    def _finished(self, runner_id: int, job: int, ok: bool, value: object) -> None:
        runner = self.runners.get(runner_id)
        if runner is not None and shiboken6.isValid(runner):
            runner._deliver(job, ok, value)

    @Slot(int, str, int, int)
    def _progressed(self, runner_id: int, title: str, done: int, total: int) -> None:
        runner = self.runners.get(runner_id)
        if runner is not None and shiboken6.isValid(runner):
            runner.progress.emit(title, done, total)


_relay: _Relay | None = None
_runner_ids = itertools.count(1)


def _the_relay() -> _Relay:
    """The process's relay (UI thread: made with the first runner)."""
    global _relay
    if _relay is None:
        _relay = _Relay()
    return _relay


class Background(QObject):
    """Queries and operations on worker lanes with their own store.

    ``lane`` names a worker thread (created on first use): work on one lane
    runs in order, lanes run side by side (the queue's count never waits for
    an evaluation).  ``key`` makes only the latest job with that key count:
    an older one not yet started is skipped and an older result is dropped
    (a count per keystroke)."""

    failed = Signal(object)  # Failure
    progress = Signal(str, int, int)  # title, done, total

    def __init__(self, store_path: str | Path | None, bus: Any = None, parent: QObject | None = None):
        """Give it no Qt parent that dies before its lanes do: the
        composition root owns it and calls ``close``."""
        super().__init__(parent)
        self.store_path = Path(store_path) if store_path is not None else None
        self.bus = bus  # app.runtime.bus.ChangeBus, for operations' summaries
        self._lanes: dict[str, _Lane] = {}
        self._jobs: dict[int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None,
                                    str, str | None, QObject | None]] = {}
        self._ids = itertools.count(1)
        self._latest: dict[str, int] = {}
        self._closed = False
        # Lanes answer through the relay, by this id: they never hold the runner.
        self._relay = _the_relay()
        self._id = next(_runner_ids)
        self._relay.runners[self._id] = self

    # ---- the API ----------------------------------------------------------------

    def query(self, fn: Callable[..., T], on_done: Callable[[T], None] | None = None, *,
              title: str = "", lane: str = "query", key: str | None = None,
              on_failure: Callable[[BaseException], None] | None = None,
              with_progress: bool = False, store: bool = True, owner: QObject | None = None) -> int:
        """Run ``fn(store)`` (``fn(store, progress)`` with ``with_progress``;
        ``fn()`` with ``store=False``, for work that needs no store, such as
        a transfer) on ``lane``; ``on_done(result)`` on the UI thread.
        ``owner``: the widget the answer is for; once it is deleted the
        answer is dropped (a failure still goes to ``failed``).  Returns the
        job's id."""
        return self._start(fn, on_done, title, lane, key, on_failure, with_progress, store, owner)

    def operation(self, fn: Callable[..., tuple[T, ChangeSummary] | ChangeSummary],
                  on_done: Callable[[Any], None] | None = None, *, initiator: object = None,
                  title: str = "", lane: str = "operation",
                  on_failure: Callable[[BaseException], None] | None = None,
                  with_progress: bool = False, owner: QObject | None = None) -> int:
        """Like ``query``, for a write: ``fn`` returns a ``ChangeSummary`` (or
        ``(result, summary)``); the summary is published on the bus with
        ``initiator`` before ``on_done(result or summary)`` runs."""

        def done(value: Any) -> None:
            result, summary = value if isinstance(value, tuple) else (value, value)
            if self.bus is not None and isinstance(summary, ChangeSummary):
                self.bus.publish(summary, initiator)  # whoever asked, everyone hears of it
            if on_done is not None and (owner is None or shiboken6.isValid(owner)):
                on_done(result)

        return self._start(fn, done, title, lane, None, on_failure, with_progress, True, None)

    async def run(self, fn: Callable[..., T], *, lane: str = "query", title: str = "",
                  store: bool = True) -> T:
        """The awaitable form: ``await background.run(fn)`` from a coroutine
        on the qasync loop; raises what ``fn`` raised."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        def done(value: T) -> None:
            if not future.done():
                future.set_result(value)

        def failed(exc: BaseException) -> None:
            if not future.done():
                future.set_exception(exc)

        self._start(fn, done, title, lane, None, failed, False, store, None)
        return await future

    def has_store_on(self, lane: str) -> bool:
        """Whether ``lane`` has opened its own store connection (tests, diagnostics)."""
        found = self._lanes.get(lane)
        return found is not None and found.opened.is_set()

    def close(self) -> None:
        """Drop pending results and let every lane close its store and end."""
        if self._closed:
            return
        self._closed = True
        self._jobs.clear()
        for lane in self._lanes.values():
            lane.close()
        self._lanes.clear()

    # ---- machinery ------------------------------------------------------------------

    def _lane(self, name: str) -> _Lane:
        lane = self._lanes.get(name)
        if lane is None:
            lane = self._lanes[name] = _Lane(name, self.store_path)
        return lane

    def _start(self, fn: Callable[..., Any], on_done: Callable[[Any], None] | None, title: str, lane_name: str,
               key: str | None, on_failure: Callable[[BaseException], None] | None, with_progress: bool,
               store: bool, owner: QObject | None) -> int:
        if self._closed:
            raise RuntimeError("the background runner is closed")
        job = next(self._ids)
        if key is not None:
            self._latest[key] = job
        self._jobs[job] = (on_done, on_failure, title, key, owner)
        lane = self._lane(lane_name)
        latest = self._latest
        # What the lane's closures may hold: the relay (never deleted), plain
        # data and the lane; never ``self`` (see ``_Relay``).
        relay, runner_id = self._relay, self._id

        def report(done: int, total: int) -> None:
            relay.progressed.emit(runner_id, title, int(done), int(total))

        def work() -> None:
            # Superseded before its turn: not worth the work (reading a dict
            # entry is safe across threads).
            if lane.closing or (key is not None and latest.get(key) != job):
                relay.finished.emit(runner_id, job, True, None)
                return
            try:
                args: list[Any] = [lane.store_here()] if store else []
                if with_progress:
                    args.append(report)
                result = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the one failure path
                relay.finished.emit(runner_id, job, False, exc)
                return
            relay.finished.emit(runner_id, job, True, result)

        def hand_over() -> None:
            if not lane.closing:
                lane.worker.call(work)

        # On the next turn of the event loop, not now: what the UI thread is
        # doing when it asks (a filter change's first rows and their paint)
        # finishes before the lane competes with it for the GIL and the disk.
        QTimer.singleShot(0, hand_over)
        return job

    def _deliver(self, job: int, ok: bool, value: object) -> None:
        """A lane's answer, on the UI thread (from the relay)."""
        entry = self._jobs.pop(job, None)
        if entry is None:
            return  # closed meanwhile
        on_done, on_failure, title, key, owner = entry
        if key is not None and self._latest.get(key) != job:
            return  # a newer job with this key answers instead
        if key is not None:
            self._latest.pop(key, None)
        gone = owner is not None and not shiboken6.isValid(owner)
        if not ok:
            assert isinstance(value, BaseException)
            if on_failure is not None and not gone:
                on_failure(value)
            else:
                log.warning("background job %r failed: %s", title, value)
                self.failed.emit(Failure(title, value))
            return
        if on_done is not None and not gone:
            on_done(value)


__all__ = ["Background", "Failure", "Progress", "Worker", "in_daemon", "when_stopped"]
