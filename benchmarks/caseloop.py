"""``python -m benchmarks caseloop``: how fast the desk acts on one case in a
big local store.

Figures (medians):
- ``rules_apply_us``: one ``core.cases.apply_command`` (a dispatch, with its
  working-time deadline), the work both workstation and server do per command.
- ``command_line_ms``: a command-bar line ``dispatch NUMBER DEPT`` end to end
  on the workstation: parse, find the case by number, check the rules,
  write the optimistic effect and the outbox entry.
- ``pane_show_ms``: the case pane showing a case with a dozen timeline
  lines (fields, actions greyed out by the rules, timeline, notes).

``--cases N`` (default 200,000) cases are put in the store first, so the
figures are for a centre's volume, not an empty store.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from benchmarks import emit, median_ms

NAME = "caseloop"


def _fill(store, count: int) -> list[str]:
    """Departments, one cell, ``count`` cases (a tenth registered), and
    a dozen events on one case; returns the registered cases' numbers."""
    from app.store import tables as t

    rows, numbers = [], []
    for i in range(count):
        registered = i % 10 == 0
        number = f"2026112{i:06d}"
        rows.append({"case_id": str(uuid.UUID(int=i + 1)), "number": number, "provisional_number": None,
                     "status": "registered" if registered else "dispatched", "category": "E0102",
                     "cell_code": "110101001001001", "lon": 116.41, "lat": 39.92, "source": "supervisor",
                     "description": "暴露垃圾", "address": "东华门大街", "department_id": None if registered else "D-SAN",
                     "reported_at": "2026-11-18T08:00:00+08:00", "registered_at": "2026-11-18T08:10:00+08:00",
                     "deadline": None if registered else "2026-11-19T12:00:00+08:00", "version": 1,
                     "pending": 0, "extension_count": 0, "rework_count": 0, "escalation_level": 0})
        if registered:
            numbers.append(number)
    with store.engine.begin() as conn:
        conn.execute(insert(t.departments), [
            {"department_id": "D-SAN", "name": "环卫中心", "kind": "sanitation", "street_code": None},
            {"department_id": "D-ROAD", "name": "市政管理所", "kind": "roads", "street_code": None}])
        conn.execute(insert(t.cells), [{"code": "110101001001001", "community_code": "110101001001",
                                        "street_code": "110101001", "grade": "A", "area_m2": 1e4,
                                        "department_id": "D-SAN", "center_lon": 116.41,
                                        "center_lat": 39.92, "ring": "[]"}])
        for start in range(0, len(rows), 20000):
            conn.execute(insert(t.cases), rows[start:start + 20000])
    return numbers


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks caseloop")
    parser.add_argument("--cases", type=int, default=200_000)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from app.runtime.background import Background
    from app.services.desk import CaseDesk
    from app.store.replica import LocalStore
    from core.cases import (
        CaseSource,
        CaseState,
        CaseStatus,
        Command,
        CommandKind,
        Role,
        RuleContext,
        apply_command,
    )
    from core.resources import load_calendar, load_categories
    from core.timeutil import from_iso, to_iso

    categories, calendar = load_categories(), load_calendar()
    ctx = RuleContext(Role.DISPATCHER, categories, calendar)
    state = CaseState(case_id=str(uuid.uuid4()), status=CaseStatus.REGISTERED, category="E0114",
                      cell_code="110101001001001", lon=116.41, lat=39.92, source=CaseSource.HOTLINE)
    dispatch = Command.new(CommandKind.DISPATCH, state.case_id, {"department_id": "D-SAN"}, operator="d",
                           workstation="W", issued_at="2026-09-29T16:00:00+08:00")
    emit(NAME, "rules_apply_us", median_ms(lambda: apply_command(state, dispatch, ctx), repeat=2000) * 1000, "us")

    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore(Path(folder) / "bench.db")
        numbers = _fill(store, args.cases)
        desk = CaseDesk(store, "WS1", {"username": "dispatcher", "role": "dispatcher"})
        lines = iter(f"dispatch {n} 环卫" for n in numbers)
        emit(NAME, "command_line_ms", median_ms(lambda: desk.run_line(next(lines)), repeat=50), "ms")

        from PySide6.QtWidgets import QApplication

        from app.views.case_pane import CasePane

        app = QApplication.instance() or QApplication([])
        found = store.find_case(numbers[-1])
        assert found is not None
        case_id = found.case_id
        start = from_iso("2026-11-18T09:00:00+08:00")
        leader = CaseDesk(store, "WS2", {"username": "leader", "role": "shift_leader"})
        desk.dispatch_case(case_id, "D-SAN")
        for minute in range(10):
            cmd = Command.new(CommandKind.ADD_NOTE, case_id, {"text": f"note {minute}"}, operator="leader",
                              workstation="WS2", issued_at=to_iso(start + timedelta(minutes=minute)))
            store.queue_command(cmd, Role.SHIFT_LEADER)
        pane = CasePane(leader, Background(store.path))
        pane.resize(900, 800)
        pane.show()
        app.processEvents()
        emit(NAME, "pane_show_ms", median_ms(lambda: pane.show_case(case_id), repeat=30), "ms")
        pane.close()
        store.close()
    emit(NAME, "cases_in_store", args.cases, "cases")
    return 0
