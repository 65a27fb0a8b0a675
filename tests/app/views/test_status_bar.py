"""The status bar says what the sync loop knows: online or not, and that the
queue's indexes are still being built after a first download."""

from __future__ import annotations

from app.sync.driver import SyncStatus
from app.views.status import CentreStatusBar
from core.timeutil import now_iso


def test_status_bar_says_while_the_indexes_are_built(qtbot):
    bar = CentreStatusBar()
    qtbot.addWidget(bar)
    status = SyncStatus(True, now_iso(), now_iso(), None, True, indexing=True)
    bar.show_status(status)
    assert "indexes" in bar.last_sync.text()
    bar.show_status(SyncStatus(True, now_iso(), now_iso(), None, True))
    assert "indexes" not in bar.last_sync.text() and bar.last_sync.text().startswith("Last sync")
