"""The case queue as a lazy, paged item model.

It never holds the whole queue: it knows the rows fetched so far (case
rowids in sort order) and a keyset cursor after the last of them; the view
asks for more (``canFetchMore``/``fetchMore``) as it scrolls, and each page
is one indexed query (``QueueService.page``), as cheap at row 200,000 as at
row 0.  Row contents are read for a block of rows at a time when painted.
Filters, search and sorting are SQL (``QueueQuery``), never a proxy model.
The total is counted separately, on a background lane with its own store
(app/runtime/background.py), and announced by ``countChanged``.

A change (``apply_summary``, subscribed to the change bus by the queue
panel) re-reads only what it names: the ordered id list is re-queried (it
is only rowids and sort keys, the lazy part), and only the changed cases'
row data is read again; the rows of unchanged cases stay cached.  Only a
change of every case (``all_cases``) reloads.

Threading: GUI thread only; the count runs on the runner's "queue" lane.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from app.services.queue import PAGE, QueuePage, QueueQuery, QueueService
from app.store.changes import ChangeSummary
from app.views.labels import source_label, status_label
from core.cases import OPEN_STATUSES
from core.sla import DUE_SOON_S, SlaState
from core.timeutil import from_iso, now_iso

if TYPE_CHECKING:
    from app.runtime.background import Background

Index = QModelIndex | QPersistentModelIndex

OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)
_ROLES = frozenset({_DISPLAY, _BACKGROUND, _FOREGROUND, _FONT, _TOOLTIP, _USER})
_COLUMN_COUNT = 9
KEEP_ROWS = 5000  # a refresh reloads at most this many rows, to keep the scroll position
BLOCK = 100  # rows read together when painted: a screenful or three, no more
CACHE_ROWS = 8 * BLOCK


def format_duration(seconds: float, day_unit: str = "d") -> str:
    """d h:mm for long spans, h:mm:ss under a day (sign dropped)."""
    s = int(abs(seconds))
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{days}{day_unit} {hours:02d}:{minutes:02d}"
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


class CaseQueueModel(QAbstractTableModel):
    countChanged = Signal(object)  # int, or None while counting
    queryChanged = Signal(object)  # QueueQuery

    # The countdown next to the number: the queue opens sorted by it, and a
    # dispatcher reads it first.
    COLUMNS = ("number", "deadline", "status", "category", "address", "department", "street", "source",
               "registered")
    SORT_KEYS = dict(enumerate(COLUMNS))  # every column sorts, by the key of the same name
    DEADLINE_COLUMN = COLUMNS.index("deadline")
    assert len(COLUMNS) == _COLUMN_COUNT
    SLA_BACKGROUND = {SlaState.DUE_SOON: QColor("#fff1c2"), SlaState.OVERDUE: QColor("#ffd0cc")}
    SLA_FOREGROUND = {SlaState.DUE_SOON: QColor("#8a5a00"), SlaState.OVERDUE: QColor("#b71c1c")}

    def __init__(self, service: QueueService, runner: Background, parent=None, *,
                 query: QueueQuery | None = None):
        super().__init__(parent)
        self.service = service
        self.categories = service.store.categories
        self._query = (query or QueueQuery()).validated()
        self._runner = runner
        self.rows_read = 0  # rows whose data was read from the store (the benchmark and tests watch it)
        self._generation = 0
        self._ids: list[int] = []
        self._pos: dict[int, int] = {}
        self._cursor: tuple[Any, ...] | None = None
        self._more = False
        self._rows: dict[int, dict[str, Any]] = {}
        self._count: int | None = None
        self.last_plan = ""
        self._now = now_iso()
        self._now_ts = from_iso(self._now).timestamp()
        self._labels: dict[tuple[Callable[[str], str], str], str] = {}
        self._paused = self.tr("paused")
        self._overdue = self.tr("overdue %1")
        self._day_unit = self.tr("d", "days in a countdown: 2d 04:30")
        self._background = {state: QBrush(c) for state, c in self.SLA_BACKGROUND.items()}
        self._foreground = {state: QBrush(c) for state, c in self.SLA_FOREGROUND.items()}
        self._bold = QFont()
        self._bold.setBold(True)
        headers = {"number": self.tr("Number"), "deadline": self.tr("Time left"), "status": self.tr("Status"),
                   "category": self.tr("Category"), "address": self.tr("Address"),
                   "department": self.tr("Department"), "street": self.tr("Street"),
                   "source": self.tr("Source"), "registered": self.tr("Registered")}
        self._headers = tuple(headers[key] for key in self.COLUMNS)
        self.reload()

    # ---- Qt model API ---------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        # The view asks for every painted cell's index; Qt's own version
        # checks it with rowCount() and columnCount(), two more calls into
        # Python per cell.
        if 0 <= row < len(self._ids) and 0 <= column < _COLUMN_COUNT and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if parent.isValid() or not self._more:
            return
        page = self.service.page(self._query, after=self._cursor, now=self._now)
        if not page.ids:
            self._more = False
            return
        first = len(self._ids)
        self.beginInsertRows(QModelIndex(), first, first + len(page.ids) - 1)
        self._extend(page.ids)
        self._cursor, self._more = page.cursor, page.more
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY):
        # Called thousands of times per paint: plain ints and cached texts.
        if role not in _ROLES:
            return None
        position = index.row()
        if not 0 <= position < len(self._ids):
            return None
        row = self._rows.get(self._ids[position]) or self._row(position)
        if row is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            return self._time_left(row) if column == self.DEADLINE_COLUMN else row["_text"][column]
        if role == _BACKGROUND:
            return self._background.get(self._sla(row))
        if column == self.DEADLINE_COLUMN:
            if role == _FOREGROUND:
                return self._foreground.get(self._sla(row))
            if role == _FONT and self._sla(row) is SlaState.OVERDUE:
                return self._bold
        if role == _TOOLTIP:
            return row.get("description") or None
        if role == _USER:
            return row["case_id"]
        return None

    def multiData(self, index: Index, span: QModelRoleDataSpan | QModelRoleData) -> None:
        """All roles of a cell in one call: the delegate asks for seven per
        cell when painting, and one Python call is much cheaper than seven.

        Every role asked for is written, an empty one cleared: the delegate
        hands in the same span for every cell it paints, so a role left
        alone keeps the previous cell's value (a plain row painted with the
        overdue pink of the row above it)."""
        position = index.row()
        ids = self._ids
        row = (self._rows.get(ids[position]) or self._row(position)) if 0 <= position < len(ids) else None
        if row is None:
            for item in span:  # type: ignore[union-attr]  # PySide6 iterates the span
                item.clearData()
            return
        column = index.column()
        state = self._sla(row)
        if column == self.DEADLINE_COLUMN:
            text = self._time_left(row)
            foreground = self._foreground.get(state)
            font = self._bold if state is SlaState.OVERDUE else None
        else:
            text, foreground, font = row["_text"][column], None, None
        background = self._background.get(state)
        for item in span:  # type: ignore[union-attr]
            role = item.role()
            if role == _DISPLAY:
                value: Any = text
            elif role == _BACKGROUND:
                value = background
            elif role == _FOREGROUND:
                value = foreground
            elif role == _FONT:
                value = font
            elif role in (_TOOLTIP, _USER):
                value = self.data(index, role)
            else:
                value = None
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.SORT_KEYS.get(column)
        if key is None:
            return
        self.set_query(replace(self._query, sort=key, descending=order == Qt.SortOrder.DescendingOrder))

    # ---- our API ----------------------------------------------------------------

    @property
    def query(self) -> QueueQuery:
        return self._query

    @property
    def count(self) -> int | None:
        """The number of matching cases, once counted."""
        return self._count

    def set_query(self, query: QueueQuery) -> None:
        """Show ``query``'s cases from the top.  A bad query raises
        QueueError and changes nothing."""
        query = query.validated()
        page = self.service.page(query, now=now_iso())  # raises before anything changes
        self._query = query
        self._reset(page)
        self.queryChanged.emit(query)

    def reload(self) -> None:
        """Re-read from the top, keeping as many rows as were loaded (up to
        ``KEEP_ROWS``) so the view keeps its place."""
        keep = min(max(len(self._ids), PAGE), KEEP_ROWS)
        self._reset(self.service.page(self._query, limit=keep, now=now_iso()))

    def _reset(self, page: QueuePage, keep_rows: bool = False) -> None:
        """Show ``page``'s rows; ``keep_rows``: the cached data of rows still
        shown stays (the caller has dropped the changed ones)."""
        self.beginResetModel()
        rows = self._rows if keep_rows else {}
        self._ids, self._pos, self._rows = [], {}, {}
        self._extend(page.ids)
        if rows:
            self._rows = {rowid: row for rowid, row in rows.items() if rowid in self._pos}
        self._cursor, self._more = page.cursor, page.more
        self._set_now(now_iso())
        self.last_plan = page.plan
        self.endResetModel()
        self._recount()

    def _set_now(self, now: str) -> None:
        self._now = now
        self._now_ts = from_iso(now).timestamp()

    def _extend(self, ids: list[int]) -> None:
        start = len(self._ids)
        self._ids.extend(ids)
        self._pos.update((rowid, start + i) for i, rowid in enumerate(ids))

    def _recount(self) -> None:
        self._generation += 1
        generation, query, now = self._generation, self._query, self._now
        if not self._more:
            self._set_count(generation, len(self._ids))
            return
        self._count = None
        self.countChanged.emit(None)
        user = dict(self.service.user)
        # On the queue lane's own store; a dispatcher typing a search asks
        # for a count per keystroke, and only the latest is worth the work.
        self._runner.query(lambda store: QueueService.on(store, user).count(query, now),
                           lambda n: self._set_count(generation, n), lane="queue", key=f"queue-count-{id(self)}",
                           title=self.tr("Counting the queue"), owner=self)

    def _set_count(self, generation: int, count: int) -> None:
        if generation != self._generation:
            return  # an older query's answer
        self._count = count
        self.countChanged.emit(count)

    def _texts(self, row: dict[str, Any]) -> list[str]:
        """The columns' texts of a row, but the countdown (computed when painted)."""
        category = self.categories.get(row["category"])
        moment = row.get("registered_at") or row.get("reported_at")
        number = row.get("number") or row.get("provisional_number") or ""
        texts = {
            "number": number + (" *" if row.get("pending") else ""),
            "deadline": "",  # the countdown: computed when painted
            "status": self._label(status_label, row["status"]),
            "category": category.name if category else row["category"],
            "address": row.get("address") or "",
            "department": row.get("department_name") or "",
            "street": row.get("street_name") or (row.get("cell_code") or "")[:9],
            "source": self._label(source_label, row["source"]),
            "registered": moment[5:16].replace("T", " ") if moment else "",
        }
        return [texts[key] for key in self.COLUMNS]

    def _label(self, label: Callable[[str], str], value: str) -> str:
        # labels.py translates a whole table per call: remember each answer.
        key = (label, value)
        text = self._labels.get(key)
        if text is None:
            text = self._labels[key] = label(value)
        return text

    def _time_left(self, row: dict[str, Any]) -> str:
        cached = row.get("_left")
        if cached is not None and cached[0] == self._now_ts:
            return cached[1]
        deadline = row["_deadline"]
        if deadline is None:
            text = self._paused if row.get("paused_at") else ""
        else:
            left = deadline - self._now_ts
            span = format_duration(left, self._day_unit)
            text = self._overdue.replace("%1", span) if left < 0 else span
        row["_left"] = (self._now_ts, text)
        return text

    def _sla(self, row: dict[str, Any]) -> SlaState:
        deadline = row["_deadline"]
        if deadline is None or not row["_open"]:
            return SlaState.NORMAL
        left = deadline - self._now_ts
        if left > DUE_SOON_S:
            return SlaState.NORMAL
        return SlaState.DUE_SOON if left > 0 else SlaState.OVERDUE

    def _row(self, position: int) -> dict[str, Any] | None:
        rowid = self._ids[position]
        row = self._rows.get(rowid)
        if row is None:
            if len(self._rows) > CACHE_ROWS:
                self._rows.clear()
            start = (position // BLOCK) * BLOCK
            # The block's rows not cached yet (a change drops only its own rows).
            self._read_rows([r for r in self._ids[start:start + BLOCK] if r not in self._rows])
            row = self._rows.get(rowid)
        return row

    def _read_rows(self, rowids: list[int]) -> None:
        fetched = self.service.rows(rowids)
        self.rows_read += len(fetched)
        for data in fetched.values():
            data["_text"] = self._texts(data)
            data["_deadline"] = from_iso(data["deadline"]).timestamp() if data.get("deadline") else None
            data["_open"] = data["status"] in OPEN_VALUES
            data["_state"] = self._sla(data)
        self._rows.update(fetched)

    def case_id_at(self, position: int) -> str | None:
        if not 0 <= position < len(self._ids):
            return None
        row = self._row(position)
        return row["case_id"] if row else None

    def row_of(self, case_id: str) -> int:
        """The row of ``case_id`` among the rows loaded so far, else -1."""
        rowid = self.service.rowid_of(case_id)
        return -1 if rowid is None else self._pos.get(rowid, -1)

    def apply_summary(self, summary: ChangeSummary, _initiator: object = None) -> None:
        """Follow a change: nothing when no case changed, a reload when every
        case did; else re-query the id list (order and membership may have
        changed) and re-read only the named cases' rows."""
        if not summary.cases_changed:
            return
        if summary.all_cases:
            self.reload()
            return
        keep = min(max(len(self._ids), PAGE), KEEP_ROWS)
        page = self.service.page(self._query, limit=keep, now=now_iso())
        changed = {rowid for rowid, row in self._rows.items() if row["case_id"] in summary.cases}
        for rowid in changed:
            del self._rows[rowid]
        if page.ids == self._ids:
            self._cursor, self._more = page.cursor, page.more
            last = self.columnCount() - 1
            for rowid in changed:
                position = self._pos[rowid]
                self.dataChanged.emit(self.index(position, 0), self.index(position, last))
            return
        self._reset(page, keep_rows=True)

    def tick(self) -> None:
        """Advance the countdowns (once a second): the time-left column, and
        whole rows only where a case changed colour (due soon, overdue)."""
        self._set_now(now_iso())
        if not self._ids:
            return
        column = self.DEADLINE_COLUMN
        self.dataChanged.emit(self.index(0, column), self.index(len(self._ids) - 1, column),
                              [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                               Qt.ItemDataRole.FontRole])
        changed = []
        for rowid, row in self._rows.items():
            state = self._sla(row)
            if row.get("_state", state) is not state:
                changed.append(self._pos.get(rowid, -1))
            row["_state"] = state
        last = self.columnCount() - 1
        for position in changed:
            if position >= 0:
                self.dataChanged.emit(self.index(position, 0), self.index(position, last),
                                      [Qt.ItemDataRole.BackgroundRole])
