"""Status bar: is the server reachable (and since when), last sync, waiting
and rejected commands, open and overdue cases.  GUI thread only."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget

from app.store.replica import QueueCounts
from app.sync.driver import SyncStatus
from app.views.labels import problem_text
from core.timeutil import from_iso, now_cst


def _clock(iso: str | None) -> str:
    return from_iso(iso).strftime("%H:%M:%S") if iso else "—"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} s"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


class CentreStatusBar(QStatusBar):
    rejectionsClicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.connection = QLabel()
        self.last_sync = QLabel()
        self.waiting = QLabel()
        self.rejected = QPushButton()
        self.rejected.setFlat(True)
        self.rejected.clicked.connect(self.rejectionsClicked)
        self.cases = QLabel()
        self.user = QLabel()
        for widget in (self.connection, self.last_sync, self.waiting, self.rejected, self.cases, self.user):
            self.addPermanentWidget(widget)
        self._status: SyncStatus | None = None
        self.show_status(None)
        self.show_counts(QueueCounts(0, 0, 0, 0))

    def show_status(self, status: SyncStatus | None) -> None:
        self._status = status
        self.refresh_clock()

    def refresh_clock(self) -> None:
        """Re-render times that age (called once a second)."""
        status = self._status
        if status is None:
            self.connection.setText(self.tr("Connecting…"))
            self.connection.setStyleSheet("color: #777;")
        elif status.online and not status.error:
            self.connection.setText(self.tr("● Online since %1").replace("%1", _clock(status.since)))
            self.connection.setStyleSheet("color: #1b7f3b; font-weight: bold;")
        elif status.online:
            self.connection.setText(self.tr("● Server error: %1").replace("%1", problem_text(status.error)))
            self.connection.setStyleSheet("color: #b26a00; font-weight: bold;")
        else:
            offline_for = (now_cst() - from_iso(status.since)).total_seconds()
            self.connection.setText(self.tr("● OFFLINE since %1 (%2) — working on the local store")
                                    .replace("%1", _clock(status.since)).replace("%2", _duration(offline_for)))
            self.connection.setStyleSheet("color: white; background: #c62828; font-weight: bold; padding: 0 6px;")
        last = status.last_sync if status else None
        text = self.tr("Last sync %1").replace("%1", _clock(last))
        if status is not None and status.indexing:
            # The queue works meanwhile, only slower to sort and search.
            text += " · " + self.tr("building the queue's indexes…")
        self.last_sync.setText(text)

    def show_counts(self, counts: QueueCounts) -> None:
        self.waiting.setText(self.tr("%n command(s) waiting", "", counts.waiting))
        self.waiting.setStyleSheet("color: #b26a00; font-weight: bold;" if counts.waiting else "")
        self.rejected.setText(self.tr("%n rejected", "", counts.rejected))
        self.rejected.setVisible(counts.rejected > 0)
        self.rejected.setStyleSheet("color: #c62828; font-weight: bold;")
        self.cases.setText(self.tr("Open %1 · overdue %2").replace("%1", str(counts.open))
                           .replace("%2", str(counts.overdue)))

    def show_user(self, text: str) -> None:
        self.user.setText(text)
