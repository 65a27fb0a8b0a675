"""Python's cyclic garbage collector, run on the UI thread only.

A QObject caught in a reference cycle is freed whenever the cyclic
collector next runs, and Python runs it on whichever thread happens to
allocate past the threshold: a background lane, the sync worker, a tile
worker.  Qt then deletes the object on that thread, where its timers cannot
be stopped ("QObject::~QObject: Timers cannot be stopped from another
thread"), and the UI thread crashes the next time its timers fire.  So the
automatic collector is switched off and the same thresholds are checked on
a timer of the UI thread instead (Anki's aqt does the same).

Threading: UI thread.  ``install`` once, after the QApplication exists.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_EVERY_MS = 1000


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.collections = 0
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_EVERY_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose counts passed Python's own thresholds."""
        if collect_due(self.thresholds):
            self.collections += 1

    def collect_now(self) -> None:
        """A full collection, here and now (on the UI thread)."""
        gc.collect()
        self.collections += 1


def collect_due(thresholds: tuple[int, int, int] | None = None) -> bool:
    """What the automatic collector would have done by now, done here: the
    oldest generation whose count passed its threshold (UI thread)."""
    limits = thresholds or _THRESHOLDS
    counts = gc.get_count()
    for generation in (2, 1, 0):
        if counts[generation] > limits[generation]:
            gc.collect(generation)
            return True
    return False


_THRESHOLDS = gc.get_threshold()
_installed: MainThreadCollector | None = None


def install(app: QObject) -> MainThreadCollector:
    """Switch the automatic collector off and collect on ``app``'s thread
    from now on; the same collector if it is installed already."""
    global _installed
    if _installed is None:
        _installed = MainThreadCollector(app)
    return _installed


__all__ = ["CHECK_EVERY_MS", "MainThreadCollector", "collect_due", "install"]
