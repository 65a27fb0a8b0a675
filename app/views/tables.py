"""The look of the desk's list tables (queue, alarms, vehicles, outbox ledger).

One place, so every list selects whole rows one at a time, has compact
rows without row numbers, and lets the operator size the columns.
GUI thread only.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

ROW_HEIGHT = 22


def list_table(model: QAbstractItemModel, widths: Iterable[int] = ()) -> QTableView:
    """A table over ``model`` with the desk's list settings; ``widths`` are
    the first columns' starting widths (the last column stretches)."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    return table


__all__ = ["ROW_HEIGHT", "list_table"]
