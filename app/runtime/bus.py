"""The change bus: one Qt signal carrying ``(ChangeSummary, initiator)``.

Every writer publishes what it changed here: desk commands (through the
desk's ``on_change`` hook), sync rounds (the sync driver's
``storeChanged``), live positions (the vehicle link's ``storeChanged``)
and background operations (app/runtime/background.py).  Views subscribe to
``changed`` and refresh only what the summary names (Anki's OpChanges);
nobody fans a change out by hand.  ``initiator`` is the object that asked
for the change (a view, the sync driver), so a view can tell its own
change from someone else's; None when nobody in particular.

Threading: UI thread.  ``publish`` from another thread would be queued to
the UI thread by Qt, but every writer publishes from the UI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, SignalInstance

from app.store.changes import ChangeSummary


class ChangeBus(QObject):
    changed = Signal(object, object)  # ChangeSummary, initiator

    def publish(self, summary: ChangeSummary, initiator: object = None) -> None:
        """Tell every subscriber; an empty summary changes nothing and says nothing."""
        if summary:
            self.changed.emit(summary, initiator)

    def follow(self, signal: SignalInstance, initiator: object) -> None:
        """Publish every summary ``signal`` emits (a sync driver's or the
        vehicle link's ``storeChanged``) as changed by ``initiator``."""
        signal.connect(lambda summary: self.publish(summary, initiator))


__all__ = ["ChangeBus"]
