"""The sync health panel: when this workstation last pulled and pushed, where
its change cursor stands against the server's feed, how many commands
wait, how far its clock is from the server's, and an integrity check (row
count and checksum per replicated table, compared with the server's at the
same feed position).

GUI thread only.  It shows ``HealthFacts`` and ``IntegrityReport`` values
the ``SyncDriver`` emits, and asks the driver for them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.store.integrity import IntegrityReport
from app.sync.health import HealthFacts
from core.timeutil import from_iso

SKEW_WARN_S = 60.0  # deadlines are computed from the operator's clock: a minute matters


def _when(iso: str | None) -> str:
    return from_iso(iso).strftime("%Y-%m-%d %H:%M:%S") if iso else "—"


class SyncHealthPanel(QWidget):
    integrityRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.last_pull = QLabel("—")
        self.last_push = QLabel("—")
        self.cursor_label = QLabel("—")
        self.positions = QLabel("—")
        self.queue = QLabel("—")
        self.skew = QLabel("—")
        form = QFormLayout()
        form.addRow(self.tr("Last pull"), self.last_pull)
        form.addRow(self.tr("Last push"), self.last_push)
        form.addRow(self.tr("Change cursor"), self.cursor_label)
        form.addRow(self.tr("Position cursor"), self.positions)
        form.addRow(self.tr("Queue depth"), self.queue)
        form.addRow(self.tr("Server clock skew"), self.skew)
        self.check_button = QPushButton(self.tr("Check integrity"))
        self.check_button.clicked.connect(self._check_clicked)
        self.verdict = QLabel(self.tr("Not checked yet"))
        self.verdict.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("Table"), self.tr("Rows here / server"),
                                              self.tr("Checksum here / server"), self.tr("Result")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.check_button)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)

    def show_facts(self, facts: HealthFacts) -> None:
        self.last_pull.setText(_when(facts.last_pull_at))
        self.last_push.setText(_when(facts.last_push_at))
        if facts.server_last_seq is None:
            self.cursor_label.setText(self.tr("%1 (server not reached yet)").replace("%1", str(facts.cursor)))
        else:
            self.cursor_label.setText(self.tr("%1 of %2 (%3 behind)").replace("%1", str(facts.cursor))
                                .replace("%2", str(facts.server_last_seq)).replace("%3", str(facts.behind)))
        self.positions.setText("—" if facts.position_cursor is None else str(facts.position_cursor))
        self.queue.setText(self.tr("%1 waiting, %2 rejections open").replace("%1", str(facts.queue_depth))
                           .replace("%2", str(facts.rejected_open)))
        if facts.clock_skew_s is None:
            self.skew.setText("—")
            self.skew.setStyleSheet("")
        else:
            self.skew.setText(self.tr("%1 s (round trip %2 ms)").replace("%1", f"{facts.clock_skew_s:+.1f}")
                              .replace("%2", f"{facts.clock_rtt_ms or 0:.0f}"))
            self.skew.setStyleSheet("color: #c62828; font-weight: bold;"
                                    if abs(facts.clock_skew_s) > SKEW_WARN_S else "")

    def _check_clicked(self) -> None:
        self.check_button.setEnabled(False)
        self.verdict.setText(self.tr("Checking…"))
        self.verdict.setStyleSheet("")
        self.integrityRequested.emit()

    def show_integrity(self, result: Any) -> None:
        """An ``IntegrityReport``, or the exception that stopped the check."""
        self.check_button.setEnabled(True)
        if not isinstance(result, IntegrityReport):
            self.verdict.setText(self.tr("The check could not run: %1").replace("%1", str(result)))
            self.verdict.setStyleSheet("color: #b26a00; font-weight: bold;")
            return
        self.table.setRowCount(len(result.tables))
        for row, table in enumerate(result.tables):
            if table.missing_columns:
                outcome = self.tr("not comparable: %1 not replicated").replace("%1", ", ".join(table.missing_columns))
            else:
                outcome = self.tr("equal") if table.equal else self.tr("DIFFERENT")
            cells = [table.entity, f"{table.local_rows} / {table.server_rows}",
                     f"{table.local_checksum} / {table.server_checksum}", outcome]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setForeground(QColor("#1b7f3b" if table.equal else "#c62828"))
                self.table.setItem(row, column, item)
        if not result.comparable:
            self.verdict.setText(self.tr("Not comparable: the server moved on during the check "
                                         "(server at %1, here at %2); run it again.")
                                 .replace("%1", str(result.server_seq)).replace("%2", str(result.local_seq)))
            self.verdict.setStyleSheet("color: #b26a00; font-weight: bold;")
        elif result.ok:
            self.verdict.setText(self.tr("This replica equals the server at change %1 (checked %2).")
                                 .replace("%1", str(result.server_seq)).replace("%2", _when(result.checked_at)))
            self.verdict.setStyleSheet("color: #1b7f3b; font-weight: bold;")
        else:
            self.verdict.setText(self.tr("This replica differs from the server at change %1: see the tables "
                                         "marked DIFFERENT.").replace("%1", str(result.server_seq)))
            self.verdict.setStyleSheet("color: #c62828; font-weight: bold;")
