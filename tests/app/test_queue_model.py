"""The lazy queue model: Qt's model tester, SQL sorting, SLA colouring."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.desk import CaseDesk
from app.store import LocalStore
from app.sync.engine import SyncEngine
from app.views.queue_model import CaseQueueModel, format_duration


def _client(sqlite_server, tmp_path):
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    user = engine.login("dispatcher", "demo")
    engine.sync_once()
    store = LocalStore(tmp_path / "c.db")
    return engine, store, CaseDesk(store, "WS1", user)


def test_queue_model_passes_qt_model_tester(qtmodeltester, sqlite_server, tmp_path):
    engine, store, desk = _client(sqlite_server, tmp_path)
    ids = []
    for i, cell in enumerate(["110101001001001", "110101001001002", "110101001001003"]):
        case_id, _ = desk.register_case(category="E0102" if i else "C0101", cell_code=cell,
                                        lon=116.4105, lat=39.9204, description=f"case {i}")
        ids.append(case_id)
    desk.dispatch_case(ids[1], "D-SAN")
    engine.sync_once()
    model = CaseQueueModel(store)
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    # Only the dispatched case has a deadline; sorted by deadline it comes first.
    assert model.case_id_at(0) == ids[1]
    model.sort(1, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    keys = [store.case(model.case_id_at(r)).category for r in range(3)]
    assert keys == ["E0102", "E0102", "C0101"]  # sorted in SQL by category code, descending
    assert model.data(model.index(0, 0), Qt.ItemDataRole.UserRole) in ids
    desk.close_case(ids[1])
    model.reload()
    assert model.rowCount() == 2 and model.row_of(ids[1]) == -1


def test_countdown_format():
    assert format_duration(3725) == "01:02:05"
    assert format_duration(-90061) == "1d 01:01"
