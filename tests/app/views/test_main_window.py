"""The main window with a real server behind it: rejections reach the
dispatcher, actions the rules forbid are disabled with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from app.runtime.i18n import install_translation
from app.services.desk import CaseDesk
from app.session import ClientServices
from app.store.replica import LocalStore
from app.sync.engine import SyncEngine
from app.views.main_window import MainWindow
from core.cases import CaseSource, CaseState, CaseStatus

ROOT = Path(__file__).resolve().parents[3]


def test_command_for_a_case_the_server_does_not_have_is_rejected_and_shown(qtbot, qapp, sqlite_server, tmp_path):
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    user = engine.login("dispatcher", "demo")
    engine.sync_once()
    store = LocalStore(tmp_path / "c.db")
    # A replica that knows a case the server does not (say the server was
    # restored from an older backup): craft that change page by hand.
    ghost = CaseState(case_id=str(uuid.uuid4()), status=CaseStatus.REGISTERED, category="E0102",
                      cell_code="110101001001001", lon=116.4105, lat=39.9204, source=CaseSource.HOTLINE,
                      number="2026010100001", version=1)
    store.apply_change_page([{"seq": store.cursor(), "entity": "case", "id": ghost.case_id,
                              "data": ghost.to_dict()}], store.cursor())
    desk = CaseDesk(store, "WS1", user)
    install_translation(qapp, "zh_CN")
    try:
        window = MainWindow(ClientServices.offline(desk))
        qtbot.addWidget(window)
        window.select_case(ghost.case_id)
        window.case_pane.department.setCurrentIndex(window.case_pane.department.findData("D-SAN"))
        window.case_pane.dispatch_button.click()
        assert store.case(ghost.case_id).status is CaseStatus.DISPATCHED  # optimistic
        report = engine.sync_once()
        window.bus.publish(report.summary, "test")  # as the sync driver does
        assert report.summary.rejected
        cards = window.sync_panels.conflicts.cards
        assert len(cards) == 1
        text = cards[0].title.text() + cards[0].sentence.text()
        assert "服务器上不存在该案卷" in text and "2026010100001" in text
        assert not window.rejections_dock.isHidden()
        assert store.case(ghost.case_id).status is CaseStatus.REGISTERED  # taken back
        assert not window.status.rejected.isHidden()
        cards[0].acknowledge_button.click()
        assert window.sync_panels.conflicts.cards == [] and store.counts().rejected == 0
    finally:
        install_translation(qapp, "en")


def test_forbidden_actions_are_disabled_with_the_reason(qtbot, sqlite_server, tmp_path):
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    user = engine.login("dispatcher", "demo")
    engine.sync_once()
    store = LocalStore(tmp_path / "c.db")
    desk = CaseDesk(store, "WS1", user)
    case_id, _ = desk.register_case(category="E0102", cell_code="110101001001001", lon=116.4105, lat=39.9204)
    window = MainWindow(ClientServices.offline(desk))
    qtbot.addWidget(window)
    window.select_case(case_id)
    assert window.case_pane.dispatch_button.isEnabled()
    assert not window.case_pane.close_button.isEnabled()
    assert "Registered" in window.case_pane.close_button.toolTip()
    assert window.queue_model.rowCount() == 1


def test_register_by_clicking_the_map_finds_the_cell(qtbot, sqlite_server, tmp_path):
    from PySide6.QtWidgets import QApplication

    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    user = engine.login("dispatcher", "demo")
    engine.sync_once()
    store = LocalStore(tmp_path / "c.db")
    window = MainWindow(ClientServices.offline(CaseDesk(store, "WS1", user)))
    qtbot.addWidget(window)
    window.show()
    from core.geo import lonlat_to_mercator

    x, y = lonlat_to_mercator(116.4100 + 0.00117 * 1.5, 39.9200 + 0.0009 * 0.5)  # inside the 2nd cell
    window.map.mapClicked.emit(float(x), float(y))
    dialog = window.dialog  # open window-modally: the click returned at once
    assert dialog is not None and dialog.isVisible() and QApplication.activeModalWidget() is dialog
    with qtbot.waitSignal(window.caseRegistered, timeout=3000):
        dialog.accept()
    cases = store.open_case_ids()
    assert len(cases) == 1 and store.case(cases[0]).cell_code == "110101001001002"
    # Outside every cell: nothing is registered, the operator is told.
    window.map.mapClicked.emit(float(x) + 5000, float(y))
    assert len(store.open_case_ids()) == 1
    assert window.status.currentMessage()


def test_self_check_and_screenshot(sqlite_server, tmp_path):
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "main.py", "--self-check", "--server", sqlite_server.url,
                          "--store", str(tmp_path / "c.db")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["server"]["reachable"] and report["cjk_font"]["found"]
    assert report["python"].startswith("3.11") and report["qt"].startswith("6.11")
    assert report["store"]["rows"]["cells"] == 0  # never synced yet
    shot = tmp_path / "shot.png"
    out = subprocess.run([sys.executable, "main.py", "--server", sqlite_server.url, "--user", "dispatcher",
                          "--password", "demo", "--store", str(tmp_path / "c.db"), "--screenshot", str(shot),
                          "--screenshot-timeout", "5"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=90)
    assert out.returncode == 0, out.stderr
    assert shot.stat().st_size > 10_000
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert image.width() >= 1200 and image.height() >= 800
    # Offline: the self-check says so instead of failing.
    out = subprocess.run([sys.executable, "main.py", "--self-check", "--server", "http://127.0.0.1:9",
                          "--store", str(tmp_path / "c.db")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    report = json.loads(out.stdout)
    assert out.returncode == 0 and not report["server"]["reachable"]
    assert report["store"]["rows"]["cells"] == 4
