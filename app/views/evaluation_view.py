"""The evaluation window (考核评价): indicators per department, street,
cell or person, for a day, week, month or quarter; two charts; exports to
CSV and XLSX; the daily duty report as a PDF.

The numbers come from app/services/evaluation.py as a query on the
background runner's "evaluation" lane (its own store connection); the
charts are pyqtgraph, one batched item per series.
Threading: GUI thread only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.runtime.background import Background
from app.services.desk import CaseDesk
from app.services.evaluation import (
    RATE_FIELDS,
    TABLE_FIELDS,
    EvaluationService,
    ExportError,
    export_csv,
    export_xlsx,
    table_rows,
)
from app.views.duty_report import write_duty_report_pdf
from app.views.labels import error_text
from core.evaluation import (
    Dimension,
    Evaluation,
    EvaluationError,
    Period,
    PeriodKind,
    Weights,
    percent,
)
from core.timeutil import now_cst

Index = QModelIndex | QPersistentModelIndex
TOP_GROUPS = 15


def _headers() -> list[str]:
    # Literal calls, so pyside6-lupdate finds every string.
    return [
        QCoreApplication.translate("EvaluationTableModel", "Code"),
        QCoreApplication.translate("EvaluationTableModel", "Name"),
        QCoreApplication.translate("EvaluationTableModel", "Registered"),
        QCoreApplication.translate("EvaluationTableModel", "Due to close"),
        QCoreApplication.translate("EvaluationTableModel", "Closed"),
        QCoreApplication.translate("EvaluationTableModel", "Closed on time"),
        QCoreApplication.translate("EvaluationTableModel", "Closure rate"),
        QCoreApplication.translate("EvaluationTableModel", "On-time closure"),
        QCoreApplication.translate("EvaluationTableModel", "Due to handle"),
        QCoreApplication.translate("EvaluationTableModel", "Handled on time"),
        QCoreApplication.translate("EvaluationTableModel", "On-time handling"),
        QCoreApplication.translate("EvaluationTableModel", "Rework rate"),
        QCoreApplication.translate("EvaluationTableModel", "Extension rate"),
        QCoreApplication.translate("EvaluationTableModel", "First-time completion"),
        QCoreApplication.translate("EvaluationTableModel", "Composite"),
        QCoreApplication.translate("EvaluationTableModel", "Dispatched on time"),
        QCoreApplication.translate("EvaluationTableModel", "Misdispatch rate"),
        QCoreApplication.translate("EvaluationTableModel", "Overdue open"),
    ]


class EvaluationTableModel(QAbstractTableModel):
    """The indicator table: a few thousand aggregate rows at most (one per
    cell), so it holds them and sorts in memory; the total stays last."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: list[list[Any]] = []
        self._total: list[Any] | None = None
        self._headers = _headers()
        self._rates = {n for n, name in enumerate(TABLE_FIELDS) if name in RATE_FIELDS}

    def set_rows(self, rows: list[list[Any]]) -> None:
        self.beginResetModel()
        self._rows, self._total = (rows[:-1], rows[-1]) if rows else ([], None)
        self.endResetModel()

    def all_rows(self) -> list[list[Any]]:
        return self._rows + ([self._total] if self._total is not None else [])

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows) + (self._total is not None)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(TABLE_FIELDS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        row = self.all_rows()[index.row()]
        value = row[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() in self._rates:
                return percent(value)
            return "—" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and self._total is not None and index.row() == len(self._rows):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(TABLE_FIELDS):
            return
        self.layoutAboutToBeChanged.emit()
        descending = order == Qt.SortOrder.DescendingOrder
        present = [r for r in self._rows if r[column] is not None]
        missing = [r for r in self._rows if r[column] is None]
        present.sort(key=lambda r: r[column], reverse=descending)
        self._rows = present + missing  # undefined rates last either way
        self.layoutChanged.emit()


class EvaluationWindow(QMainWindow):
    def __init__(self, desk: CaseDesk, runner: Background, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.setWindowTitle(self.tr("Evaluation — GridDesk"))
        self.resize(1400, 860)
        self.runner = runner
        self.result: Evaluation | None = None
        self.names: dict[str, str] = {}
        self._generation = 0

        self.kind = QComboBox()
        for kind, label in ((PeriodKind.DAY, self.tr("Day")), (PeriodKind.WEEK, self.tr("Week")),
                            (PeriodKind.MONTH, self.tr("Month")), (PeriodKind.QUARTER, self.tr("Quarter"))):
            self.kind.addItem(label, kind.value)
        self.kind.setCurrentIndex(2)
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.previous = QPushButton("◀")
        self.next = QPushButton("▶")
        self.previous.setToolTip(self.tr("Previous period"))
        self.next.setToolTip(self.tr("Next period"))
        self.dimension = QComboBox()
        for dim, label in ((Dimension.DEPARTMENT, self.tr("By department")), (Dimension.STREET, self.tr("By street")),
                           (Dimension.CELL, self.tr("By grid cell")), (Dimension.DISPATCHER, self.tr("By dispatcher")),
                           (Dimension.ACCEPTOR, self.tr("By acceptor"))):
            self.dimension.addItem(label, dim.value)
        self.weights = []
        defaults = Weights()
        for value, tip in ((defaults.on_time_handling, self.tr("Weight of on-time handling")),
                           (defaults.closure, self.tr("Weight of closure")),
                           (defaults.rework, self.tr("Weight of (1 − rework rate)"))):
            box = QDoubleSpinBox()
            box.setRange(0, 100)
            box.setDecimals(0)
            box.setValue(value)
            box.setToolTip(tip)
            self.weights.append(box)
        self.export_csv_button = QPushButton(self.tr("Export CSV…"))
        self.export_xlsx_button = QPushButton(self.tr("Export XLSX…"))
        self.report_button = QPushButton(self.tr("Duty report (PDF)…"))
        self.period_label = QLabel()
        self.period_label.setStyleSheet("font-weight: bold;")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.message = QLabel()

        controls = QHBoxLayout()
        for widget in (self.kind, self.previous, self.day, self.next, self.dimension):
            controls.addWidget(widget)
        controls.addSpacing(12)
        controls.addWidget(QLabel(self.tr("Weights:")))
        for box in self.weights:
            controls.addWidget(box)
        controls.addStretch(1)
        for button in (self.export_csv_button, self.export_xlsx_button, self.report_button):
            controls.addWidget(button)

        self.model = EvaluationTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        # Best first, as the chart; the header can re-sort any column.
        self.table.horizontalHeader().setSortIndicator(TABLE_FIELDS.index("composite"),
                                                       Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 92)
        self.table.setColumnWidth(1, 160)

        pg.setConfigOptions(antialias=True)
        self.charts = pg.GraphicsLayoutWidget()
        self.charts.setBackground("w")
        self.score_plot = self.charts.addPlot(row=0, col=0)
        self.trend_plot = self.charts.addPlot(row=1, col=0)
        for plot in (self.score_plot, self.trend_plot):
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
        self.score_plot.setTitle(self.tr("Composite score (best first)"), color="#333")
        self.trend_plot.setTitle(self.tr("Cases of the period by day: registered (bars), closed (line)"),
                                 color="#333")
        self.trend_plot.addLegend(offset=(10, 5))
        self.charts.ci.layout.setRowStretchFactor(0, 3)
        self.charts.ci.layout.setRowStretchFactor(1, 2)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.charts)
        split.setSizes([760, 640])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(controls)
        layout.addWidget(self.period_label)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self.setCentralWidget(body)

        self.kind.currentIndexChanged.connect(self.refresh)
        self.dimension.currentIndexChanged.connect(self.refresh)
        self.day.dateChanged.connect(self.refresh)
        for box in self.weights:
            box.valueChanged.connect(self.refresh)
        self.previous.clicked.connect(lambda: self._step(-1))
        self.next.clicked.connect(lambda: self._step(1))
        self.export_csv_button.clicked.connect(lambda: self._ask_export("csv"))
        self.export_xlsx_button.clicked.connect(lambda: self._ask_export("xlsx"))
        self.report_button.clicked.connect(self._ask_report)
        self.refresh()

    # ---- inputs ----------------------------------------------------------------

    def period(self) -> Period:
        qd = self.day.date()
        return Period.containing(PeriodKind(self.kind.currentData()), date(qd.year(), qd.month(), qd.day()))

    def current_weights(self) -> Weights:
        return Weights(*(box.value() for box in self.weights))

    def _step(self, direction: int) -> None:
        period = self.period()
        target = period.next() if direction > 0 else period.previous()
        self.day.setDate(QDate(target.start.year, target.start.month, target.start.day))

    # ---- computing -------------------------------------------------------------

    def refresh(self) -> None:
        """Recompute, on the evaluation lane; the answer arrives later."""
        try:
            weights = self.current_weights()
        except EvaluationError as exc:
            self._show_error(exc)
            return
        period, dimension = self.period(), Dimension(self.dimension.currentData())
        self._generation += 1
        generation = self._generation
        self.message.setText(self.tr("Computing…"))
        now = now_cst()

        def job(store) -> Any:
            return EvaluationService(store).overview(period, dimension, now, weights)

        # A failure is said in this window's message line (its one failure path).
        self.runner.query(job, lambda result: self._show(generation, *result), lane="evaluation",
                          title=self.tr("Evaluation"), owner=self,
                          on_failure=lambda exc: self._show_error(exc) if generation == self._generation else None)

    def _show(self, generation: int, result: Evaluation, daily: list[dict[str, Any]],
              names: dict[str, str]) -> None:
        if generation != self._generation:
            return  # the inputs changed meanwhile
        self.result, self.names = result, names
        self.model.set_rows(table_rows(result, names, self.tr("Total"), self.tr("(none)")))
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        total = result.total
        assert total is not None
        t, i = total.tally, total.indicators
        self.period_label.setText(self.tr("%1 · %2 · figures as of %3").replace("%1", result.period.label)
                                  .replace("%2", self.dimension.currentText())
                                  .replace("%3", result.cutoff.strftime("%Y-%m-%d %H:%M")))
        composite = "—" if i.composite is None else f"{i.composite:.2f}"
        self.summary.setText(
            self.tr("Registered %1, due to close %2, closed %3 (on time %4). Closure rate %5, on-time closure %6, "
                    "on-time handling %7, rework %8, extension %9, first-time completion %10, composite %11.")
            .replace("%10", percent(i.first_time_rate)).replace("%11", composite)
            .replace("%1", str(t.registered)).replace("%2", str(t.due_to_close)).replace("%3", str(t.closed))
            .replace("%4", str(t.closed_on_time)).replace("%5", percent(i.closure_rate))
            .replace("%6", percent(i.on_time_closure_rate)).replace("%7", percent(i.on_time_handling_rate))
            .replace("%8", percent(i.rework_rate)).replace("%9", percent(i.extension_rate)))
        self._draw_scores(result)
        # Days after the cut-off have not happened yet: no zeros for them.
        self._draw_trend([d for d in daily if d["day"] <= result.cutoff.date()])
        self.message.setText("")

    def _show_error(self, exc: BaseException) -> None:
        self.message.setStyleSheet("color: #c62828;")
        self.message.setText(self.tr("Cannot evaluate: %1").replace("%1", error_text(exc)))

    # ---- charts ----------------------------------------------------------------

    def _draw_scores(self, result: Evaluation) -> None:
        plot = self.score_plot
        plot.clear()
        groups = [g for g in result.groups if g.indicators.composite is not None][:TOP_GROUPS]
        if not groups:
            return
        ys = list(range(len(groups)))
        scores = [float(g.indicators.composite or 0.0) for g in groups]
        top = result.weights.total
        brushes = [pg.mkBrush("#2e7d32" if s >= 0.9 * top else "#f9a825" if s >= 0.75 * top else "#c62828")
                   for s in scores]
        # One item for all bars (batched), horizontal: names read on the left.
        plot.addItem(pg.BarGraphItem(x0=[0.0] * len(groups), y=ys, height=0.65, width=scores,
                                     brushes=brushes, pen=pg.mkPen(None)))
        labels = [(y, self._short(self.names.get(g.key or "", g.key or "—"))) for y, g in zip(ys, groups,
                                                                                              strict=True)]
        plot.getAxis("left").setTicks([labels])
        plot.getAxis("bottom").setLabel(self.tr("points (of %1)").replace("%1", f"{top:g}"))
        plot.invertY(True)
        plot.setXRange(0, top, padding=0.02)
        plot.setYRange(-0.6, len(groups) - 0.4, padding=0)

    def _draw_trend(self, daily: list[dict[str, Any]]) -> None:
        plot = self.trend_plot
        plot.clear()
        if not daily:
            return
        xs = list(range(len(daily)))
        plot.addItem(pg.BarGraphItem(x=xs, height=[d["registered"] for d in daily], width=0.7,
                                     brush=pg.mkBrush("#90caf9"), pen=pg.mkPen(None), name=self.tr("Registered")))
        plot.plot(xs, [d["closed"] for d in daily], pen=pg.mkPen("#2e7d32", width=2), symbol="o", symbolSize=4,
                  symbolBrush="#2e7d32", name=self.tr("Closed"))
        step = max(1, len(daily) // 10)
        plot.getAxis("bottom").setTicks([[(x, daily[x]["day"].strftime("%m-%d")) for x in xs[::step]]])
        plot.setXRange(-0.6, len(daily) - 0.4, padding=0)

    @staticmethod
    def _short(name: str, limit: int = 12) -> str:
        return name if len(name) <= limit else name[:limit - 1] + "…"

    # ---- exports ---------------------------------------------------------------

    def export_to(self, path: str | Path) -> Path:
        """Write the table as CSV or XLSX (by the file's suffix)."""
        if self.result is None:
            raise ExportError("nothing to export yet", "nothing_to_export")
        target = Path(path)
        rows = self.model.all_rows()
        if target.suffix.lower() == ".xlsx":
            return export_xlsx(target, _headers(), rows, self.result.period.label)
        if target.suffix.lower() == ".csv":
            return export_csv(target, _headers(), rows)
        raise ExportError(f"not a .csv or .xlsx file: {target.name}", "bad_export_type")

    def report_to(self, path: str | Path, day: date | None = None) -> Path:
        """The daily duty report of ``day`` (the selected day) as a PDF."""
        if day is None:
            qd = self.day.date()
            day = date(qd.year(), qd.month(), qd.day())
        service = EvaluationService(self.desk.store)
        report = service.duty_report(day, str(self.desk.user.get("display_name") or self.desk.operator),
                                     weights=self.current_weights())
        return write_duty_report_pdf(report, path)

    def _ask_export(self, kind: str) -> None:
        name = f"evaluation-{self.period().label}.{kind}"
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export"), name,
                                                    "CSV (*.csv)" if kind == "csv" else "Excel (*.xlsx)")
        if path:
            self._done(lambda: self.export_to(path))

    def _ask_report(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Duty report"), "duty-report.pdf", "PDF (*.pdf)")
        if path:
            self._done(lambda: self.report_to(path))

    def _done(self, action) -> None:
        try:
            written = action()
        except (ExportError, EvaluationError, OSError) as exc:
            self._show_error(exc)
            return
        self.message.setStyleSheet("")
        self.message.setText(self.tr("Saved %1").replace("%1", str(written)))

def install(window: QMainWindow, desk: CaseDesk, runner: Background) -> QAction:
    """Add "Evaluation and duty report…" to ``window``'s menu bar."""
    action = QAction(QCoreApplication.translate("EvaluationWindow", "Evaluation and duty report…"), window)
    action.setShortcut(QKeySequence("Ctrl+Shift+E"))
    holder: dict[str, EvaluationWindow] = {}

    def open_window() -> None:
        view = holder.get("window")
        if view is None or not view.isVisible():
            view = EvaluationWindow(desk, runner)
            holder["window"] = view
        view.show()
        view.raise_()
        view.activateWindow()

    action.triggered.connect(open_window)
    menu = window.menuBar().addMenu(QCoreApplication.translate("EvaluationWindow", "&Evaluation"))  # Alt+E: Alt+V is the View menu
    menu.addAction(action)
    window.addAction(action)
    return action
