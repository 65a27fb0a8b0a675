"""Cyclic garbage is freed on the UI thread only (app/runtime/collector.py)."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, QTimer

from app.runtime.collector import MainThreadCollector, collect_due


class _Cycle:
    """A QObject with a running timer, held only by a reference cycle."""

    def __init__(self, deleted_on: list[str]):
        self.obj = QObject()
        self.timer = QTimer(self.obj)
        self.timer.start(60_000)
        self.obj.destroyed.connect(lambda *_: deleted_on.append(threading.current_thread().name))
        self.me = self  # the cycle


def test_a_qobject_in_a_cycle_is_freed_on_the_ui_thread_not_on_a_worker(qapp):
    gc.enable()  # as Python starts; the collector switches it off
    collector = MainThreadCollector()
    assert not gc.isenabled()
    deleted_on: list[str] = []
    _Cycle(deleted_on)  # garbage now, reachable only through its own cycle

    def allocate_a_lot() -> None:
        # With the automatic collector on, this many new container objects
        # would run a collection here, on this thread, and free the cycle.
        junk = [[i] for i in range(200_000)]
        del junk

    worker = threading.Thread(target=allocate_a_lot, name="worker")
    worker.start()
    worker.join()
    assert deleted_on == []  # nothing was collected on the worker
    collector.collect_now()
    qapp.processEvents()
    assert deleted_on == [threading.main_thread().name]
    collector.deleteLater()


def test_collect_due_collects_only_past_the_thresholds():
    gc.collect()
    assert collect_due((10**9, 10**9, 10**9)) is False
    [[i] for i in range(2000)]
    assert collect_due((10, 10, 10)) is True
