"""The lazy queue model and its panel, with real Qt widgets offscreen over a
real client store: Qt's model tester, paging as the view scrolls, sorting
from the header, SLA colours and countdowns, the filter bar, bad input,
counting on a background lane, and following changes row by row."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from queue_world import OPEN, build_store, expected, rowids_of

from app.runtime.background import Background
from app.services.desk import CaseDesk
from app.services.queue import PAGE, QueueError, QueueQuery, QueueService
from app.store.replica import ChangeSummary
from app.views.queue_bar import QueuePanel
from app.views.queue_model import CaseQueueModel, format_duration
from core.sla import DUE_SOON_S
from core.timeutil import CST, from_iso, now_iso, to_iso


def _world(tmp_path, count=390):
    # Deadlines relative to the real clock: the model counts down from now.
    return build_store(tmp_path / "c.db", count=count, now=datetime.now(CST).replace(microsecond=0))


def _model(store, service=None, **kwargs) -> CaseQueueModel:
    return CaseQueueModel(service or QueueService(store, store.user("dispatcher")), Background(store.path), **kwargs)


def _panel(store) -> QueuePanel:
    return QueuePanel(CaseDesk(store, "WS1", store.user("dispatcher")), Background(store.path))


def test_the_model_passes_qt_model_tester_through_filters_sorts_and_paging(qtmodeltester, tmp_path):
    store, cases = _world(tmp_path)
    service = QueueService(store, store.user("dispatcher"))
    rowids = rowids_of(store)
    model = _model(store, service, query=QueueQuery(status="all"))
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == len(cases)
    assert not model.canFetchMore()
    qtmodeltester.check(model)
    # Qt's tester runs its checks from modelReset before it notes the reset
    # is over, so a reset that leaves more to fetch trips it: once attached,
    # only queries that fit one page.
    model.set_query(QueueQuery(status="closed", department="D-SAN", text="大街"))
    model.sort(CaseQueueModel.COLUMNS.index("address"), Qt.SortOrder.DescendingOrder)
    want = expected(cases, rowids, status="closed", department="D-SAN", text="大街", sort="address",
                    descending=True)
    assert [rowids[model.case_id_at(r)] for r in range(model.rowCount())] == want
    assert model.count == len(want) > 0

    fresh = _model(store, service, query=QueueQuery(status="all", sort="category", descending=True))
    qtmodeltester.check(fresh)  # the tester fetches the remaining pages itself
    want = expected(cases, rowids, status="all", sort="category", descending=True)
    assert [rowids[fresh.case_id_at(r)] for r in range(fresh.rowCount())] == want


def test_rows_show_texts_sla_colours_and_a_live_countdown(qtbot, tmp_path):
    store, cases = _world(tmp_path, count=60)
    model = _model(store)
    deadline_col = CaseQueueModel.DEADLINE_COLUMN
    seen = set()
    for r in range(model.rowCount()):
        case = next(c for c in cases if c["case_id"] == model.case_id_at(r))
        text = model.data(model.index(r, deadline_col))
        background = model.data(model.index(r, 0), Qt.ItemDataRole.BackgroundRole)
        if case["deadline"] is None:
            assert text in ("", "paused")
            assert background is None
            continue
        if case["deadline"] < now_iso():
            assert text.startswith("overdue")
            assert background.color().name() == "#ffd0cc"
            assert model.data(model.index(r, deadline_col), Qt.ItemDataRole.FontRole).bold()
            seen.add("overdue")
        elif text <= "01:00:00":
            assert background.color().name() == "#fff1c2"
            seen.add("soon")
        else:
            assert background is None
            seen.add("normal")
        assert model.data(model.index(r, CaseQueueModel.COLUMNS.index("address"))) == case["address"]
        assert model.data(model.index(r, 0), Qt.ItemDataRole.ToolTipRole) == case["description"]
    assert seen == {"overdue", "soon", "normal"}
    row = next(r for r in range(model.rowCount())
               if not model.data(model.index(r, deadline_col)).startswith(("overdue", "paused"))
               and model.data(model.index(r, deadline_col)))
    shown_at = now_iso()  # the model's clock is at or before this second
    before = model.data(model.index(row, deadline_col))
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        qtbot.waitUntil(lambda: now_iso() > shown_at, timeout=5000)  # the clock moved on
        model.tick()
    assert model.data(model.index(row, deadline_col)) != before


def test_the_table_fetches_pages_as_it_scrolls(qtbot, tmp_path):
    store, cases = _world(tmp_path, count=650)
    user = store.user("dispatcher")
    panel = QueuePanel(CaseDesk(store, "WS1", user), Background(store.path))
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    panel.show()
    panel.model.set_query(QueueQuery(status="all", sort="number"))
    assert panel.model.rowCount() == PAGE
    for _ in range(10):
        panel.table.scrollToBottom()
        QApplication.processEvents()
    assert panel.model.rowCount() == len(cases)
    rowids = rowids_of(store)
    want = expected(cases, rowids, status="all", sort="number")
    got = [rowids[panel.model.case_id_at(r)] for r in range(panel.model.rowCount())]
    assert got == want
    qtbot.waitUntil(lambda: "650" in panel.bar.count.text(), timeout=5000)


def test_the_bar_turns_filters_and_text_into_one_query(qtbot, tmp_path):
    store, cases = _world(tmp_path)
    panel = _panel(store)
    qtbot.addWidget(panel)
    bar, model = panel.bar, panel.model
    bar.status.setCurrentIndex(bar.status.findData("all"))
    bar.department.setCurrentIndex(bar.department.findData("D-ROAD"))
    bar.street.setCurrentIndex(bar.street.findData("110101002"))
    bar.category.setCurrentIndex(bar.category.findData("E01"))
    assert model.query == QueueQuery(status="all", department="D-ROAD", street="110101002", category="E01")
    bar.search.setText("垃圾")
    bar.search.returnPressed.emit()
    assert model.query.text == "垃圾"
    rowids = rowids_of(store)
    want = expected(cases, rowids, status="all", department="D-ROAD", street="110101002", category="E01",
                    text="垃圾")
    assert model.rowCount() == len(want) > 0
    # Sorting from the header keeps the filters; the next filter keeps the sort.
    panel.table.sortByColumn(CaseQueueModel.COLUMNS.index("address"), Qt.SortOrder.DescendingOrder)
    assert model.query.sort == "address" and model.query.descending and model.query.text == "垃圾"
    bar.overdue.setChecked(True)
    assert model.query.sort == "address" and model.query.overdue
    bar.mine.setChecked(True)
    assert model.query.mine
    bar.clear.click()
    assert model.query == QueueQuery(sort="address", descending=True)


def test_typing_searches_after_a_pause(qtbot, tmp_path):
    store, _cases = _world(tmp_path, count=40)
    panel = _panel(store)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.model.queryChanged, timeout=3000):
        qtbot.keyClicks(panel.bar.search, "wangfujing")
    assert panel.model.query.text == "wangfujing"


def test_a_bad_query_changes_nothing_and_says_why(qtbot, tmp_path):
    store, _cases = _world(tmp_path, count=40)
    panel = _panel(store)
    qtbot.addWidget(panel)
    model = panel.model
    before = (model.query, model.rowCount(), [model.case_id_at(r) for r in range(model.rowCount())])
    try:
        model.set_query(QueueQuery(street="12"))
    except QueueError:
        pass
    else:
        raise AssertionError("a malformed street code was accepted")
    assert panel.apply_query(QueueQuery(text="x" * 200)) is False
    assert "100" in panel.bar.count.text()
    assert (model.query, model.rowCount(), [model.case_id_at(r) for r in range(model.rowCount())]) == before


def test_a_sync_reloads_and_keeps_the_rows_loaded(qtbot, tmp_path):
    store, cases = _world(tmp_path, count=500)
    service = QueueService(store, store.user("dispatcher"))
    model = _model(store, service, query=QueueQuery(status="all"))
    model.fetchMore()
    loaded = model.rowCount()
    assert loaded == 400
    case = dict(cases[7], status="cancelled")
    summary = store.apply_change_page([{"seq": 10_000, "entity": "case", "id": case["case_id"], "data": case}],
                                      10_000)
    model.apply_summary(summary)
    assert model.rowCount() == loaded
    model.apply_summary(ChangeSummary())  # nothing changed: nothing re-read
    assert model.row_of(case["case_id"]) >= 0
    assert model.row_of("no-such-case") == -1


def test_a_change_re_reads_only_the_rows_it_names(qtbot, tmp_path):
    store, cases = _world(tmp_path, count=500)
    model = _model(store, query=QueueQuery(status="all"))
    model.fetchMore()
    for r in range(model.rowCount()):  # every loaded row painted once
        model.data(model.index(r, 0))
    by_id = {model.case_id_at(r): r for r in range(model.rowCount())}
    changed = [c for c in cases if c["case_id"] in by_id][:3]
    before = model.rows_read
    page = [{"seq": 20_000 + n, "entity": "case", "id": c["case_id"], "data": dict(c, address=f"新地址 {n}")}
            for n, c in enumerate(changed)]
    summary = store.apply_change_page(page, 20_000 + len(page))
    assert summary.cases == {c["case_id"] for c in changed} and not summary.all_cases
    seen = []
    model.dataChanged.connect(lambda top, bottom, _roles=(): seen.append(top.row()))
    model.apply_summary(summary)
    for r in range(model.rowCount()):
        model.data(model.index(r, 0))
    assert model.rows_read - before == len(changed)  # only the named rows were read again
    address = CaseQueueModel.COLUMNS.index("address")
    for n, c in enumerate(changed):
        assert model.data(model.index(by_id[c["case_id"]], address)) == f"新地址 {n}"
    assert sorted(seen) == sorted(by_id[c["case_id"]] for c in changed)  # order unchanged: no reset

    # A change that moves a case out of the query: the id list is re-read,
    # the case leaves, the other rows keep their data.
    model.set_query(QueueQuery(status="open"))
    for r in range(model.rowCount()):
        model.data(model.index(r, 0))
    gone = dict(next(c for c in cases[10:] if model.row_of(c["case_id"]) >= 0), status="cancelled")
    shown_before = {model.case_id_at(r) for r in range(model.rowCount())}
    before = model.rows_read
    model.apply_summary(store.apply_change_page([{"seq": 30_000, "entity": "case", "id": gone["case_id"],
                                                  "data": gone}], 30_000))
    shown = {model.case_id_at(r) for r in range(model.rowCount())}
    assert model.row_of(gone["case_id"]) == -1 and shown_before - {gone["case_id"]} <= shown
    for r in range(model.rowCount()):
        model.data(model.index(r, 0))
    assert model.rows_read - before <= 1  # at most the row that moved into the loaded range


def test_counts_run_on_a_background_lane(qtbot, tmp_path):
    store, cases = _world(tmp_path, count=450)
    runner = Background(store.path)
    try:
        model = CaseQueueModel(QueueService(store, store.user("dispatcher")), runner, query=QueueQuery(status="all"))
        assert model.count is None  # more rows than one page: counted in the background
        counts = []
        model.countChanged.connect(counts.append)
        qtbot.waitUntil(lambda: model.count is not None, timeout=10000)
        assert model.count == len(cases) == counts[-1]  # and announced
        assert runner.has_store_on("queue")  # on the lane's own connection
        # A second query while the first is still counting: only its answer lands.
        model.set_query(QueueQuery(status="all", source="video"))
        model.set_query(QueueQuery(status="all", source="hotline"))
        qtbot.waitUntil(lambda: model.count is not None, timeout=10000)
        assert model.count == sum(c["source"] == "hotline" for c in cases) == counts[-1]
    finally:
        runner.close()


def test_countdown_format():
    assert format_duration(3725) == "01:02:05"
    assert format_duration(-90061) == "1d 01:01"


def test_a_row_changes_colour_when_its_deadline_passes(qtbot, tmp_path):
    store, cases = _world(tmp_path, count=30)
    soon = dict(cases[1], status="dispatched", department_id="D-SAN",
                deadline=to_iso(datetime.now(CST) + timedelta(seconds=1)))
    store.apply_change_page([{"seq": 5000, "entity": "case", "id": soon["case_id"], "data": soon}], 5000)
    model = _model(store)
    row = model.row_of(soon["case_id"])
    assert model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole).color().name() == "#fff1c2"
    qtbot.waitUntil(lambda: now_iso() >= soon["deadline"], timeout=5000)  # the deadline passed
    changes = []
    model.dataChanged.connect(lambda top, bottom, roles: changes.append((top.row(), top.column(),
                                                                          bottom.column(), list(roles))))
    model.tick()
    assert any(r == row and c0 == 0 and Qt.ItemDataRole.BackgroundRole in roles
               for r, c0, _c1, roles in changes)
    assert model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole).color().name() == "#ffd0cc"
    # The next second nothing changes colour: only the countdown column is refreshed.
    changes.clear()
    model.tick()
    assert all(c0 == c1 == CaseQueueModel.DEADLINE_COLUMN for _r, c0, c1, _roles in changes)


def test_the_main_window_hosts_the_queue_panel_and_the_evaluation(qtbot, tmp_path):
    from app.session import ClientServices
    from app.views.evaluation_view import EvaluationWindow
    from app.views.main_window import MainWindow

    store, cases = _world(tmp_path, count=120)
    window = MainWindow(ClientServices.offline(CaseDesk(store, "WS1", store.user("dispatcher"))))
    qtbot.addWidget(window)
    bar = window.queue_panel.bar
    bar.status.setCurrentIndex(bar.status.findData("all"))
    bar.search.setText("雍和宫")
    bar.search.returnPressed.emit()
    want = expected(cases, rowids_of(store), status="all", text="雍和宫")
    assert window.queue_model.rowCount() == len(want) > 0
    window.select_case(window.queue_model.case_id_at(0))
    assert window.case_pane.case_id == window.queue_model.case_id_at(0)
    window.evaluation_action.trigger()
    opened = [w for w in QApplication.topLevelWidgets() if isinstance(w, EvaluationWindow) and w.isVisible()]
    assert opened
    qtbot.waitUntil(lambda: opened[0].result is not None, timeout=10000)
    for w in opened:
        qtbot.addWidget(w)


def _painted_colours_that_lie(panel: QueuePanel, cases: list[dict]) -> list[tuple[int, str, str, str]]:
    """Grab the table as painted and compare, for every row on screen and
    every column, a cell pixel away from the text with the colour the case's
    own deadline and status demand: overdue pink, due-soon yellow, else the
    table's plain base colour.  The rows that disagree, with what was
    painted and what was due."""
    model, table = panel.model, panel.table
    table.clearSelection()  # the selection colour is not an SLA colour
    table.setCurrentIndex(QModelIndex())
    QApplication.processEvents()
    image = table.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    now = datetime.now(CST).timestamp()
    by_id = {c["case_id"]: c for c in cases}
    base = table.palette().color(QPalette.ColorRole.Base).name()
    wrong = []
    for r in range(model.rowCount()):
        case = by_id[model.case_id_at(r)]
        state = "normal"
        if case["deadline"] and case["status"] in OPEN:
            left = from_iso(case["deadline"]).timestamp() - now
            state = "overdue" if left <= 0 else "soon" if left <= DUE_SOON_S else "normal"
        want = {"overdue": "#ffd0cc", "soon": "#fff1c2", "normal": base}[state]
        for column in range(model.columnCount() - 1):  # the last one stretches
            rect = table.visualRect(model.index(r, column))
            if rect.bottom() >= table.viewport().height():
                return wrong  # the rest are off screen
            # The top right corner of the cell: above the text, clear of the grid.
            got = image.pixelColor(int((rect.right() - 4) * ratio), int((rect.top() + 2) * ratio)).name()
            if got != want:
                wrong.append((r, CaseQueueModel.COLUMNS[column], got, want))
    return wrong


def test_the_painted_rows_show_the_colour_of_their_own_deadline(qtbot, tmp_path):
    # Overdue, due within the hour, hours away, and no deadline at all
    # (registered, not dispatched; paused), interleaved by sorting on number.
    store, cases = _world(tmp_path, count=60)
    panel = _panel(store)
    qtbot.addWidget(panel)
    panel.resize(1200, 1500)
    panel.show()
    qtbot.waitExposed(panel)
    panel.model.set_query(QueueQuery(status="all", sort="number"))
    assert panel.model.rowCount() == len(cases)
    assert panel.table.viewport().height() > 22 * len(cases)  # every row on screen
    deadlines = [c["deadline"] for c in cases if c["status"] in OPEN]
    assert None in deadlines and any(d and d < now_iso() for d in deadlines)
    assert _painted_colours_that_lie(panel, cases) == []

    # A change through the change bus's path, the order unchanged (the rows
    # of unchanged cases stay cached): a plain row turns overdue, an overdue
    # one loses its deadline, a due-soon one is hours away.
    def pick(pred):
        return next(c for c in cases if c["status"] == "dispatched" and c["deadline"] and pred(c["deadline"]))
    later, past = now_iso(), to_iso(datetime.now(CST) - timedelta(hours=2))
    soon_edge = to_iso(datetime.now(CST) + timedelta(seconds=DUE_SOON_S))
    changed = [dict(pick(lambda d: d > soon_edge), deadline=past),
               dict(pick(lambda d: d < later), status="registered", department_id=None, deadline=None),
               dict(pick(lambda d: later < d < soon_edge), deadline=to_iso(datetime.now(CST) + timedelta(hours=5)))]
    summary = store.apply_change_page([{"seq": 40_000 + n, "entity": "case", "id": c["case_id"], "data": c}
                                       for n, c in enumerate(changed)], 40_000 + len(changed))
    cases = [next((c for c in changed if c["case_id"] == case["case_id"]), case) for case in cases]
    resets = []
    panel.model.modelReset.connect(lambda: resets.append(1))
    panel.model.apply_summary(summary)
    assert not resets  # the cache path: only the named rows re-read
    assert _painted_colours_that_lie(panel, cases) == []

    # The same by deadline: the order changes, the model resets and keeps
    # the unchanged rows' cached data.
    panel.model.set_query(QueueQuery(status="all", sort="deadline"))
    assert _painted_colours_that_lie(panel, cases) == []  # painted: the rows are cached
    moved = dict(changed[1], status="dispatched", department_id="D-SAN", deadline=past)
    panel.model.apply_summary(store.apply_change_page(
        [{"seq": 40_100, "entity": "case", "id": moved["case_id"], "data": moved}], 40_100))
    cases = [moved if case["case_id"] == moved["case_id"] else case for case in cases]
    assert resets
    assert _painted_colours_that_lie(panel, cases) == []

    # Time passes: a case due in a second turns overdue on the tick.
    soon = dict(changed[2], deadline=to_iso(datetime.now(CST) + timedelta(seconds=1)))
    panel.model.apply_summary(store.apply_change_page(
        [{"seq": 40_200, "entity": "case", "id": soon["case_id"], "data": soon}], 40_200))
    cases = [soon if case["case_id"] == soon["case_id"] else case for case in cases]
    assert _painted_colours_that_lie(panel, cases) == []
    qtbot.waitUntil(lambda: now_iso() >= soon["deadline"], timeout=5000)
    panel.model.tick()
    assert _painted_colours_that_lie(panel, cases) == []
    row = panel.model.row_of(soon["case_id"])
    assert panel.model.data(panel.model.index(row, 0), Qt.ItemDataRole.BackgroundRole).color().name() == "#ffd0cc"
