"""The outbox ledger: every command this workstation issued, newest first,
with its state (pending, accepted, rejected, discarding, discarded), the
server's answer and the decisions people took on it.  Retry a rejected
command, discard a pending or rejected one (a reason is required and the
decision is audited), or send now.

GUI thread only.  The model pages rows by outbox position from the
``OutboxLedger`` (order and filter in SQL); the view emits requests that the
main window's sync panels carry out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.store.ledger import LedgerEntry, OutboxLedger
from app.views.labels import action_label, reason_text
from app.views.tables import list_table

PAGE = 200
_ModelIndex = QModelIndex | QPersistentModelIndex


def state_label(state: str) -> str:
    return {
        "pending": QCoreApplication.translate("OutboxLedger", "Waiting"),
        "accepted": QCoreApplication.translate("OutboxLedger", "Accepted"),
        "rejected": QCoreApplication.translate("OutboxLedger", "Rejected"),
        "discarding": QCoreApplication.translate("OutboxLedger", "Discard requested"),
        "discarded": QCoreApplication.translate("OutboxLedger", "Discarded"),
    }.get(state, state)


STATE_COLOURS = {"pending": "#b26a00", "accepted": "#1b7f3b", "rejected": "#c62828",
                 "discarding": "#6a1b9a", "discarded": "#6a1b9a"}


class OutboxLedgerModel(QAbstractTableModel):
    """Rows are outbox positions (ids); entries are fetched a page at a time."""

    def __init__(self, ledger: OutboxLedger, parent: Any = None):
        super().__init__(parent)
        self.ledger = ledger
        self.states: list[str] | None = None
        self._positions: list[int] = []
        self._cache: dict[int, LedgerEntry] = {}
        self.reload()

    COLUMNS = 7

    @staticmethod
    def headers() -> list[str]:
        return ["#", QCoreApplication.translate("OutboxLedger", "Issued"),
                QCoreApplication.translate("OutboxLedger", "Action"),
                QCoreApplication.translate("OutboxLedger", "Case"),
                QCoreApplication.translate("OutboxLedger", "Operator"),
                QCoreApplication.translate("OutboxLedger", "State"),
                QCoreApplication.translate("OutboxLedger", "Answer")]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < self.COLUMNS:
            return self.headers()[section]
        return None

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._positions)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.COLUMNS

    def set_states(self, states: Sequence[str] | None) -> None:
        self.states = list(states) if states else None
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._positions = self.ledger.positions(self.states)
        self._cache = {}
        self.endResetModel()

    def entry_at(self, row: int) -> LedgerEntry | None:
        if not 0 <= row < len(self._positions):
            return None
        position = self._positions[row]
        if position not in self._cache:
            start = (row // PAGE) * PAGE
            self._cache.update(self.ledger.entries(self._positions[start:start + PAGE]))
        return self._cache.get(position)

    def row_of(self, command_id: str) -> int:
        position = self.ledger.position_of(command_id)
        try:
            return self._positions.index(position) if position is not None else -1
        except ValueError:
            return -1  # filtered out

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entry_at(index.row())
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == 5:
            return QColor(STATE_COLOURS.get(entry.state, "#000"))
        if role == Qt.ItemDataRole.ToolTipRole and column == 6:
            return self._text(entry, 6)
        if role == Qt.ItemDataRole.UserRole:
            return entry.command_id
        return None

    @staticmethod
    def _text(entry: LedgerEntry, column: int) -> str:
        if column == 0:
            return str(entry.position)
        if column == 1:
            return entry.issued_at.replace("T", " ")[:19]
        if column == 2:
            return action_label(entry.kind)
        if column == 3:
            return entry.case_number or entry.case_id[:8]
        if column == 4:
            return f"{entry.operator}@{entry.workstation}"
        if column == 5:
            text = state_label(entry.state)
            if entry.state == "rejected" and entry.acknowledged_by:
                text += " ✓"
            return text
        if entry.state == "accepted":
            answer = QCoreApplication.translate("OutboxLedger", "version %1").replace(
                "%1", str((entry.result or {}).get("version", "?")))
        elif entry.state == "rejected":
            answer = reason_text(entry.reason)
        elif entry.state in ("discarding", "discarded"):
            answer = QCoreApplication.translate("OutboxLedger", "withdrawn by this workstation")
        else:
            answer = ""
        if entry.discard_too_late:
            answer += " " + QCoreApplication.translate("OutboxLedger", "(the discard came too late)")
        return answer


def filters() -> list[tuple[str, list[str] | None]]:
    return [(QCoreApplication.translate("OutboxLedger", "All"), None),
            (QCoreApplication.translate("OutboxLedger", "Waiting"), ["pending", "discarding"]),
            (QCoreApplication.translate("OutboxLedger", "Accepted"), ["accepted"]),
            (QCoreApplication.translate("OutboxLedger", "Rejected"), ["rejected"]),
            (QCoreApplication.translate("OutboxLedger", "Discarded"), ["discarding", "discarded"])]


class OutboxLedgerView(QWidget):
    retryRequested = Signal(str)  # command id
    discardRequested = Signal(str)
    sendNowRequested = Signal()
    showCaseRequested = Signal(str)  # case id

    def __init__(self, ledger: OutboxLedger, parent: QWidget | None = None):
        super().__init__(parent)
        self.ledger = ledger
        self.model = OutboxLedgerModel(ledger, self)
        self.filter = QComboBox()
        for label, states in filters():
            self.filter.addItem(label, states)
        self.filter.currentIndexChanged.connect(lambda _i: self.model.set_states(self.filter.currentData()))
        self.counts = QLabel()
        self.table = list_table(self.model, (46, 140, 70, 130, 150, 90))
        self.retry_button = QPushButton(self.tr("Retry"))
        self.discard_button = QPushButton(self.tr("Discard…"))
        self.send_button = QPushButton(self.tr("Send now"))
        self.audit = QLabel()
        self.audit.setWordWrap(True)
        self.audit.setStyleSheet("color: #555;")
        top = QHBoxLayout()
        top.addWidget(self.filter)
        top.addWidget(self.counts, 1)
        top.addWidget(self.retry_button)
        top.addWidget(self.discard_button)
        top.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.audit)
        self.retry_button.clicked.connect(lambda: self._emit_selected(self.retryRequested))
        self.discard_button.clicked.connect(lambda: self._emit_selected(self.discardRequested))
        self.send_button.clicked.connect(self.sendNowRequested)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(self._double_clicked)
        self.refresh()

    def selected(self) -> LedgerEntry | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.entry_at(index.row()) if index.isValid() else None

    def select_command(self, command_id: str) -> bool:
        row = self.model.row_of(command_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))
        return True

    def refresh(self) -> None:
        keep = self.selected()
        self.model.reload()
        counts = self.ledger.counts()
        self.counts.setText(self.tr("Waiting %1 · accepted %2 · rejected %3 (open %4) · discarded %5")
                            .replace("%1", str(counts["pending"] + counts["discarding"]))
                            .replace("%2", str(counts["accepted"])).replace("%3", str(counts["rejected"]))
                            .replace("%4", str(counts["open_conflicts"])).replace("%5", str(counts["discarded"])))
        if keep is not None:
            self.select_command(keep.command_id)
        self._selection_changed()

    def _emit_selected(self, signal: Any) -> None:
        entry = self.selected()
        if entry is not None:
            signal.emit(entry.command_id)

    def _double_clicked(self, index: QModelIndex) -> None:
        entry = self.model.entry_at(index.row())
        if entry is not None:
            self.showCaseRequested.emit(entry.case_id)

    def _selection_changed(self) -> None:
        entry = self.selected()
        self.retry_button.setEnabled(bool(entry and entry.open_conflict))
        self.discard_button.setEnabled(bool(entry and (entry.state == "pending" or entry.open_conflict)))
        if entry is None:
            self.audit.setText("")
            return
        lines = []
        for record in self.ledger.audit_trail(entry.command_id):
            action = {"discard": self.tr("discarded"), "retry": self.tr("retried"),
                      "acknowledge": self.tr("acknowledged")}.get(record["action"], record["action"])
            line = self.tr("%1 %2 by %3 on %4").replace("%1", record["at"].replace("T", " ")[:19]) \
                .replace("%2", action).replace("%3", record["operator"]).replace("%4", record["workstation"])
            if record["reason"]:
                line += self.tr(": “%1”").replace("%1", record["reason"])
            if record["sent_at"] is None:
                line += " " + self.tr("(not yet on the server)")
            lines.append(line)
        self.audit.setText("\n".join(lines) if lines else self.tr("No decisions recorded for this command."))
