"""The open-case queue as a lazy item model.

It holds only the sorted list of case ids; rows are fetched from the store a
page at a time when the view asks for them, and sorting happens in SQL
(``LocalStore.open_case_ids``), never in a proxy model.  GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.store import ChangeSummary, LocalStore
from app.views.labels import status_label
from core.sla import seconds_left, sla_state
from core.timeutil import now_iso

PAGE = 200

Index = QModelIndex | QPersistentModelIndex


def format_duration(seconds: float) -> str:
    """d h:mm for long spans, h:mm:ss under a day (sign dropped)."""
    s = int(abs(seconds))
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}"
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


class CaseQueueModel(QAbstractTableModel):
    COLUMNS = ("number", "category", "cell", "department", "status", "deadline")
    SORT_KEYS = {0: "number", 1: "category", 2: "cell", 3: "department", 4: "status", 5: "deadline"}
    SLA_COLOURS = (None, QColor("#fff1c2"), QColor("#ffd0cc"))

    def __init__(self, store: LocalStore, parent=None):
        super().__init__(parent)
        self.store = store
        self._ids: list[str] = []
        self._rows: dict[str, dict[str, Any]] = {}
        self._sort = ("deadline", False)
        self._now = now_iso()
        self._brushes = [None] + [QBrush(c) for c in self.SLA_COLOURS[1:]]
        self._headers = (self.tr("Number"), self.tr("Category"), self.tr("Cell"),
                         self.tr("Department"), self.tr("Status"), self.tr("Time left"))
        self.reload()

    # ---- Qt model API ---------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        row = self._row(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._brushes[sla_state(row.get("deadline"), self._now)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.get("description") or None
        if role == Qt.ItemDataRole.UserRole:
            return row["case_id"]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.SORT_KEYS.get(column)
        if key is None:
            return
        self._sort = (key, order == Qt.SortOrder.DescendingOrder)
        self.reload()

    # ---- our API ----------------------------------------------------------------

    def _display(self, row: dict[str, Any], column: int) -> str:
        if column == 0:
            number = row.get("number") or row.get("provisional_number") or ""
            return number + (" *" if row.get("pending") else "")
        if column == 1:
            category = self.store.categories.get(row["category"])
            return category.name if category else row["category"]
        if column == 2:
            return row["cell_code"]
        if column == 3:
            return row.get("department_name") or ""
        if column == 4:
            return status_label(row["status"])
        left = seconds_left(row.get("deadline"), self._now)
        if left is None:
            return ""
        if left < 0:
            return self.tr("overdue %1").replace("%1", format_duration(left))
        return format_duration(left)

    def _row(self, position: int) -> dict[str, Any] | None:
        case_id = self._ids[position]
        row = self._rows.get(case_id)
        if row is None:
            start = (position // PAGE) * PAGE
            page = self._ids[start:start + PAGE]
            self._rows.update(self.store.case_rows(page))
            row = self._rows.get(case_id)
        return row

    def case_id_at(self, position: int) -> str | None:
        return self._ids[position] if 0 <= position < len(self._ids) else None

    def row_of(self, case_id: str) -> int:
        try:
            return self._ids.index(case_id)
        except ValueError:
            return -1

    def reload(self) -> None:
        self.beginResetModel()
        self._ids = self.store.open_case_ids(*self._sort)
        self._rows.clear()
        self._now = now_iso()
        self.endResetModel()

    def apply_summary(self, summary: ChangeSummary) -> None:
        """Refresh after a mutation: reload the id list only when cases changed."""
        if summary.cases:
            self.reload()

    def tick(self) -> None:
        """Advance the countdowns (once a second)."""
        self._now = now_iso()
        if self._ids:
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, last),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole])
