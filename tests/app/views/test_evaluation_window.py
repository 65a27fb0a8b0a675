"""Evaluation over a real client store: facts gathered in SQL from cases
and their timelines, indicators per dimension, CSV/XLSX exports, the duty
report as a PDF, and the evaluation window with its charts (offscreen)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from app.runtime.background import Background
from app.services.desk import CaseDesk
from app.services.evaluation import (
    TABLE_FIELDS,
    EvaluationService,
    ExportError,
    export_csv,
    export_xlsx,
    table_rows,
)
from app.store.replica import LocalStore
from app.views.duty_report import duty_report_html, render_duty_report_images, write_duty_report_pdf
from app.views.evaluation_view import EvaluationWindow
from core.evaluation import Dimension, EvaluationError, Period, PeriodKind, Weights
from core.timeutil import CST, to_iso

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=CST)  # Monday 2 November 2026
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=CST)


def _world(path) -> LocalStore:
    """Six November cases with known timelines (and one from October),
    written as the change feed brings them: cases and their events."""
    store = LocalStore(path)
    changes: list[dict] = []

    def add(entity, key, row):
        changes.append({"seq": len(changes) + 1, "entity": entity, "id": row[key], "data": row})

    add("region", "code", {"code": "110101", "level": "district", "name": "东城区", "parent_code": None,
                           "geometry": None})
    add("region", "code", {"code": "110101001", "level": "street", "name": "东华门街道", "parent_code": "110101",
                           "geometry": None})
    for dept, name in (("D-SAN", "环卫中心"), ("D-ROAD", "市政管理所")):
        add("department", "department_id", {"department_id": dept, "name": name, "kind": "x", "street_code": None})
    add("user", "username", {"username": "acceptor", "display_name": "受理员 李娜", "role": "acceptor",
                             "department_id": None})
    add("user", "username", {"username": "dispatcher", "display_name": "派遣员 王丽", "role": "dispatcher",
                             "department_id": None})

    def case(n, start, dept, *, handled_h=None, closed_h=None, limit_h=4, status=None, events=(), **extra):
        registered = start
        dispatched = start + timedelta(minutes=12)
        deadline = dispatched + timedelta(hours=limit_h)
        handled = dispatched + timedelta(hours=handled_h) if handled_h is not None else None
        closed = dispatched + timedelta(hours=closed_h) if closed_h is not None else None
        case_id = f"case-{n}"
        row = {"case_id": case_id, "number": f"2026110{n}00001", "provisional_number": None,
               "status": status or ("closed" if closed else "handled" if handled else "dispatched"),
               "category": "E0102", "cell_code": "110101001001001", "lon": 116.4, "lat": 39.9, "source": "hotline",
               "description": f"垃圾 {n}", "address": f"王府井大街{n}号", "department_id": dept,
               "reported_at": to_iso(registered - timedelta(minutes=5)), "registered_at": to_iso(registered),
               "dispatched_at": to_iso(dispatched), "deadline": to_iso(deadline),
               "handled_at": to_iso(handled) if handled else None, "closed_at": to_iso(closed) if closed else None,
               "version": 5, "updated_by": "dispatcher", "updated_at": to_iso(registered), "updated_from": "WS1"}
        row.update(extra)
        add("case", "case_id", row)
        timeline = [("register_case", "acceptor", registered), ("dispatch_case", "dispatcher", dispatched)]
        timeline += [(kind, who, dispatched + timedelta(hours=h)) for kind, who, h in events]
        if handled:
            timeline.append(("report_handled", "dept", handled))
        if closed:
            timeline.append(("close_case", "leader", closed))
        for i, (kind, who, at) in enumerate(timeline):
            add("case_event", "event_id", {"event_id": f"{case_id}-{i}", "case_id": case_id, "kind": kind,
                                           "operator": who, "workstation": "WS1", "at": to_iso(at),
                                           "detail": json.dumps({}), "version": i + 1})

    case(1, T0, "D-SAN", handled_h=2, closed_h=3)  # on time, first time
    case(2, T0 + timedelta(days=1), "D-SAN", handled_h=6, closed_h=7)  # late
    case(3, T0 + timedelta(days=2), "D-SAN", handled_h=3, closed_h=3.5,  # reworked, still on time
         events=[("report_handled", "dept", 1), ("rework_case", "dispatcher", 1.5)], rework_count=1)
    case(4, T0 + timedelta(days=3), "D-ROAD", handled_h=1, closed_h=2,  # wrong department first
         events=[("return_case", "other", 0.2), ("dispatch_case", "dispatcher", 0.3)])
    case(5, T0 + timedelta(days=4), "D-ROAD")  # overdue, open
    case(6, T0 + timedelta(days=5), "D-ROAD", limit_h=24 * 30, events=[("extend_case", "leader", 2)],
         extension_count=1)  # not yet due
    case(7, T0 - timedelta(days=20), "D-SAN", handled_h=1, closed_h=2)  # October
    store.apply_change_page(changes, len(changes))
    return store


def test_facts_and_indicators_from_the_store(tmp_path):
    store = _world(tmp_path / "c.db")
    service = EvaluationService(store)
    month = Period.containing(PeriodKind.MONTH, T0.date())
    facts = {f.case_id: f for f in service.facts(month)}
    assert set(facts) == {f"case-{n}" for n in range(1, 7)}
    assert facts["case-4"].returns == 1 and facts["case-4"].dispatcher == "dispatcher"
    assert facts["case-4"].first_dispatched_at == T0 + timedelta(days=3, minutes=12)
    assert facts["case-3"].reworks == 1 and facts["case-3"].first_handled_at == T0 + timedelta(days=2, minutes=72)
    assert facts["case-6"].extensions == 1 and facts["case-1"].acceptor == "acceptor"

    result = service.evaluate(month, Dimension.DEPARTMENT, NOW)
    total = result.total
    assert total is not None
    t = total.tally
    assert (t.registered, t.due_to_close, t.closed, t.closed_on_time) == (6, 5, 4, 3)
    assert (t.due_to_handle, t.handled_on_time, t.handled, t.reworked) == (5, 3, 4, 1)
    assert (t.extended, t.misdispatched, t.first_time, t.overdue_open) == (1, 1, 2, 1)
    assert total.indicators.closure_rate == pytest.approx(4 / 5)
    assert total.indicators.on_time_closure_rate == pytest.approx(3 / 5)
    by_key = {g.key: g for g in result.groups}
    assert by_key["D-SAN"].tally.closed == 3 and by_key["D-ROAD"].tally.due_to_close == 2
    names = service.names(Dimension.DEPARTMENT)
    assert names["D-SAN"] == "环卫中心"
    assert service.names(Dimension.DISPATCHER)["dispatcher"] == "派遣员 王丽"
    week = service.evaluate(Period.containing(PeriodKind.WEEK, T0.date()), "dispatcher", NOW, Weights(70, 20, 10))
    assert week.total is not None and week.total.tally.registered == 6
    daily = service.daily(Period.containing(PeriodKind.WEEK, T0.date()), NOW)
    assert [d["registered"] for d in daily] == [1, 1, 1, 1, 1, 1, 0]


def test_exports_write_csv_and_xlsx_or_nothing(tmp_path):
    store = _world(tmp_path / "c.db")
    result = EvaluationService(store).evaluate(Period.containing("month", T0.date()), "department", NOW)
    rows = table_rows(result, {"D-SAN": "环卫中心", "D-ROAD": "市政管理所"}, "合计", "（无）")
    headers = [f"h{n}" for n in range(len(TABLE_FIELDS))]
    written = export_csv(tmp_path / "out.csv", headers, rows)
    raw = written.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads Chinese as UTF-8 with a BOM
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert lines[0] == headers and lines[-1][1] == "合计"
    closure = TABLE_FIELDS.index("closure_rate")
    assert lines[-1][closure] == "80.00%"
    book = load_workbook(export_xlsx(tmp_path / "out.xlsx", headers, rows, "2026-11"))
    sheet = book.active
    assert sheet.title == "2026-11"
    assert sheet.cell(row=sheet.max_row, column=closure + 1).value == pytest.approx(0.8)
    assert sheet.cell(row=sheet.max_row, column=closure + 1).number_format == "0.00%"
    assert sheet.cell(row=2, column=2).value in ("环卫中心", "市政管理所")
    for bad in (tmp_path / "missing" / "out.csv", tmp_path / "missing" / "out.xlsx"):
        with pytest.raises(ExportError):
            (export_csv if bad.suffix == ".csv" else export_xlsx)(bad, headers, rows, *([] if bad.suffix == ".csv" else ["x"]))
        assert not bad.parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.db", "c.db-shm", "c.db-wal", "out.csv", "out.xlsx"]


def test_the_duty_report_is_a_pdf(qapp, tmp_path):
    store = _world(tmp_path / "c.db")
    busy = EvaluationService(store).duty_report(date(2026, 11, 5), "值班长 张伟", NOW)
    assert busy.activity == {"register_case": 1, "dispatch_case": 2, "return_case": 1, "report_handled": 1,
                             "close_case": 1}
    assert busy.overdue_now == 0  # as of the end of that day
    report = EvaluationService(store).duty_report(date(2026, 11, 6), "值班长 张伟", NOW)
    assert report.activity == {"register_case": 1, "dispatch_case": 1}
    assert report.overdue_now == 1 and report.overdue_cases[0]["number"] == "2026110500001"
    road = next(d for d in report.departments if d["department_id"] == "D-ROAD")
    assert (road["dispatched"], road["open"], road["overdue"], road["name"]) == (1, 2, 1, "市政管理所")
    assert report.evaluation.period.label == "2026-11"  # the month so far, to the end of the day
    assert report.evaluation.cutoff == datetime(2026, 11, 7, tzinfo=CST)
    html = duty_report_html(report)
    assert "2026110500001" in html and "王府井大街5号" in html and "东城区" in html
    pdf = write_duty_report_pdf(report, tmp_path / "duty.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    images = render_duty_report_images(report, width_px=600)
    assert images and images[0].width() == 600
    with pytest.raises(ExportError):
        write_duty_report_pdf(report, tmp_path / "nowhere" / "duty.pdf")
    with pytest.raises(EvaluationError):
        EvaluationService(store).duty_report(date(2026, 12, 1), "x", NOW)


def test_the_evaluation_window_shows_table_and_charts(qtbot, tmp_path):
    store = _world(tmp_path / "c.db")
    desk = CaseDesk(store, "WS1", {"username": "leader", "display_name": "值班长 张伟", "role": "shift_leader"})
    runner = Background(store.path)
    window = EvaluationWindow(desk, runner)
    qtbot.addWidget(window)

    def computed(label: str, dimension: Dimension = Dimension.DEPARTMENT):
        # The numbers come from the evaluation lane: wait for the answer.
        qtbot.waitUntil(lambda: window.result is not None and window.result.period.label == label
                        and window.result.dimension is dimension and window.message.text() == "", timeout=10000)

    window.day.setDate(window.day.date().fromString("2026-11-10", "yyyy-MM-dd"))
    computed("2026-11")
    assert runner.has_store_on("evaluation")  # computed on a connection of the lane's own
    model = window.model
    names = [model.data(model.index(r, 1)) for r in range(model.rowCount())]
    assert names[-1] == "Total" and set(names[:-1]) == {"环卫中心", "市政管理所"}
    assert window.score_plot.listDataItems() or window.score_plot.items
    model.sort(TABLE_FIELDS.index("registered"), Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(model.rowCount() - 1, 1)) == "Total"  # the total stays last
    window.dimension.setCurrentIndex(window.dimension.findData("street"))
    computed("2026-11", Dimension.STREET)
    window.weights[0].setValue(0)
    qtbot.waitUntil(lambda: window.message.text() == "" and window.result.weights == Weights(0, 30, 10),
                    timeout=10000)
    window.weights[1].setValue(0)
    qtbot.waitUntil(lambda: window.message.text() == "" and window.result.weights == Weights(0, 0, 10),
                    timeout=10000)
    window.weights[2].setValue(0)  # no weight left: refused, says why, keeps the last result
    assert "Cannot evaluate" in window.message.text()
    assert window.result.weights == Weights(0, 0, 10)
    window.weights[2].setValue(10)
    computed("2026-11", Dimension.STREET)
    assert window.export_to(tmp_path / "e.xlsx").exists()
    assert window.export_to(tmp_path / "e.csv").exists()
    with pytest.raises(ExportError):
        window.export_to(tmp_path / "e.txt")
    pdf = window.report_to(tmp_path / "d.pdf", date(2026, 11, 6))
    assert pdf.read_bytes().startswith(b"%PDF")
    window._step(-1)
    assert window.period().label == "2026-10"
    computed("2026-10", Dimension.STREET)
    assert window.result.total is not None and window.result.total.tally.registered == 1
