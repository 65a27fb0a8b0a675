"""The queue panel: the filter and search bar above the lazy case table.

Every change of a filter, the search text or the sorted column becomes one
``QueueQuery`` that the model runs in SQL (app/services/queue.py); nothing is
filtered or sorted here.  Typing searches after a short pause; Enter
searches at once, Escape clears the text.

Threading: GUI thread; the count runs on the background runner's queue
lane (app/runtime/background.py).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.runtime.background import Background
from app.runtime.bus import ChangeBus
from app.services.desk import CaseDesk
from app.services.queue import (
    TEXT_MAX,
    FilterOptions,
    QueueError,
    QueueQuery,
    QueueService,
)
from app.views.labels import error_text, source_label, status_label
from app.views.queue_model import CaseQueueModel
from app.views.tables import list_table

SEARCH_PAUSE_MS = 250
COLUMN_WIDTHS = (136, 122, 58, 84, 190, 120, 92, 78, 88)  # in CaseQueueModel.COLUMNS order


class QueueBar(QWidget):
    """Filters and search.  Emits ``queryChanged`` with the new query."""

    queryChanged = Signal(object)  # QueueQuery

    def __init__(self, options: FilterOptions, can_mine: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search number, address or description…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(TEXT_MAX)
        self.status = QComboBox()
        self.status.addItem(self.tr("Open cases"), "open")
        self.status.addItem(self.tr("All cases"), "all")
        for value in options.statuses:
            self.status.addItem(status_label(value), value)
        self.category = QComboBox()
        self.category.addItem(self.tr("All categories"), None)
        tree = options.categories
        for class_key, cls in sorted(tree.classes.items()):
            self.category.addItem(f"{cls.code} {cls.name} ({self._kind(class_key)})", class_key)
            for sub in sorted((c for c in tree.subclasses.values() if c.class_key == class_key),
                              key=lambda c: c.code):
                self.category.addItem(f"    {sub.code} {sub.name}", sub.key)
        self.department = QComboBox()
        self.department.addItem(self.tr("All departments"), None)
        for dept_id, name in options.departments:
            self.department.addItem(name, dept_id)
        self.street = QComboBox()
        self.street.addItem(self.tr("All streets"), None)
        for code, name in options.streets:
            self.street.addItem(name, code)
        self.source = QComboBox()
        self.source.addItem(self.tr("All sources"), None)
        for value in options.sources:
            self.source.addItem(source_label(value), value)
        self.overdue = QCheckBox(self.tr("Overdue"))
        self.mine = QCheckBox(self.tr("Mine"))
        self.mine.setEnabled(can_mine)
        self.mine.setToolTip(self.tr("Cases I acted on last (a department: cases with my department)"))
        self.clear = QPushButton(self.tr("Clear filters"))
        self.count = QLabel()
        self.count.setMinimumWidth(90)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        legend = QLabel(self.tr("<span style='background:#fff1c2'>&nbsp;due within an hour&nbsp;</span> "
                                "<span style='background:#ffd0cc'>&nbsp;overdue&nbsp;</span>"))
        for combo in (self.category, self.department, self.street):
            combo.setMaximumWidth(190)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status)
        top.addWidget(self.overdue)
        top.addWidget(self.mine)
        top.addWidget(self.count)
        bottom = QHBoxLayout()
        for widget in (self.category, self.department, self.street, self.source):
            bottom.addWidget(widget)
        bottom.addWidget(legend)
        bottom.addStretch(1)
        bottom.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addLayout(bottom)

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(SEARCH_PAUSE_MS)
        self._pause.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _text: self._pause.start())
        self.search.returnPressed.connect(self._emit)
        for combo in (self.status, self.category, self.department, self.street, self.source):
            combo.currentIndexChanged.connect(self._emit)
        for box in (self.overdue, self.mine):
            box.toggled.connect(self._emit)
        self.clear.clicked.connect(self.reset)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self.search.clear)
        self._sort = ("deadline", False)

    def _kind(self, class_key: str) -> str:
        return self.tr("component") if class_key.startswith("C") else self.tr("event")

    def query(self) -> QueueQuery:
        return QueueQuery(
            status=self.status.currentData(), category=self.category.currentData(),
            department=self.department.currentData(), street=self.street.currentData(),
            source=self.source.currentData(), overdue=self.overdue.isChecked(),
            mine=self.mine.isChecked(), text=self.search.text(),
            sort=self._sort[0], descending=self._sort[1])

    def follow_sort(self, query: QueueQuery) -> None:
        """The table's header changed the sort: keep it in later queries."""
        self._sort = (query.sort, query.descending)

    def reset(self) -> None:
        widgets = (self.search, self.status, self.category, self.department, self.street, self.source,
                   self.overdue, self.mine)
        for widget in widgets:
            widget.blockSignals(True)
        self.search.clear()
        for combo in (self.status, self.category, self.department, self.street, self.source):
            combo.setCurrentIndex(0)
        self.overdue.setChecked(False)
        self.mine.setChecked(False)
        for widget in widgets:
            widget.blockSignals(False)
        self._emit()

    def show_count(self, count: int | None) -> None:
        self.count.setStyleSheet("")
        if count is None:
            self.count.setText(self.tr("counting…"))
        else:
            self.count.setText(self.tr("%n case(s)", "", count))

    def show_error(self, message: str) -> None:
        self.count.setStyleSheet("color: #c62828;")
        self.count.setText(message)

    def _emit(self) -> None:
        self._pause.stop()
        self.queryChanged.emit(self.query())


class QueuePanel(QWidget):
    """The bar, the table and the model together; the model follows the
    change bus (``bus``, when given) and counts on ``runner``."""

    def __init__(self, desk: CaseDesk, runner: Background, bus: ChangeBus | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service = QueueService(desk.store, desk.user)
        self.model = CaseQueueModel(self.service, runner, self)
        if bus is not None:
            bus.changed.connect(self.model.apply_summary)
        can_mine = bool(self.service.operator or self.service.user_department)
        self.bar = QueueBar(self.service.filter_options(), can_mine)
        self.table = list_table(self.model, COLUMN_WIDTHS)
        # The indicator first: enabling sorting sorts by it, and only once.
        self.table.horizontalHeader().setSortIndicator(CaseQueueModel.DEADLINE_COLUMN,
                                                       Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.bar)
        layout.addWidget(self.table, 1)
        self.bar.queryChanged.connect(self.apply_query)
        self.model.countChanged.connect(self.bar.show_count)
        self.model.queryChanged.connect(self.bar.follow_sort)
        self.bar.show_count(self.model.count)

    def apply_query(self, query: QueueQuery) -> bool:
        """Run ``query``; a bad one is reported in the bar and changes nothing."""
        try:
            self.model.set_query(replace(query, sort=self.model.query.sort,
                                         descending=self.model.query.descending))
        except QueueError as exc:
            self.bar.show_error(self.tr("Not possible: %1").replace("%1", error_text(exc)))
            return False
        return True
