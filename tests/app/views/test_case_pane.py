"""The case pane and the command bar with a real server behind them:
every action disabled with its reason, a shortcut for each, the keyboard
flow, the timeline, and attachments fetched on demand and cached."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib

import pytest
from PySide6.QtCore import Qt

from app.net.attachments import AttachmentTransport
from app.services.attachments import AttachmentService
from app.services.desk import CaseDesk
from app.session import ClientServices
from app.store.replica import LocalStore
from app.sync.engine import SyncEngine
from app.views.main_window import MainWindow
from core.cases import CaseStatus, CommandKind, Role
from support import ServerProcess, png_bytes, seed_small_world


def real_png() -> bytes:
    from PySide6.QtGui import QColor, QImage

    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7"))
    return png_bytes(image)


@pytest.fixture
def world(tmp_path):
    """A server with a user per role, and a way to sign a workstation in."""
    from server.storage import ServerStore

    url = f"sqlite:///{tmp_path / 'server.db'}"
    seed_small_world(url)
    store = ServerStore(url)
    store.add_user("boss", "Leader Qian", Role.LEADER, "demo")
    store.close()
    server = ServerProcess(url).start()
    yield server
    server.stop()


def sign_in(server, tmp_path, user="dispatcher", name="WS1"):
    engine = SyncEngine(tmp_path / f"{name}.db", server.url, name)
    who = engine.login(user, "demo")
    assert engine.sync_once().error is None
    store = LocalStore(tmp_path / f"{name}.db")
    return engine, store, CaseDesk(store, name, who)


def register(desk):
    case_id, _ = desk.register_case(category="E0102", cell_code="110101001001001", lon=116.4105,
                                    lat=39.9204, description="rubbish by the gate", address="1 Gate St")
    return case_id


def test_every_action_has_a_shortcut_and_none_is_taken_twice(qtbot, world, tmp_path):
    _engine, _store, desk = sign_in(world, tmp_path)
    window = MainWindow(ClientServices.offline(desk))
    qtbot.addWidget(window)
    pane = window.case_pane
    kinds = {a for a in pane.actions_by_kind}
    assert kinds == set(CommandKind) - {CommandKind.REPORT, CommandKind.LOCATE, CommandKind.ATTACH}
    for action in pane.case_actions:
        assert not action.shortcut().isEmpty(), action.text()
    taken: dict[str, list[str]] = {}
    for action in window.findChildren(type(pane.attach_action)):
        if not action.shortcut().isEmpty():
            taken.setdefault(action.shortcut().toString(), []).append(action.text())
    assert {k: v for k, v in taken.items() if len(v) > 1} == {}
    menu_texts = {a.text() for a in window.menuBar().actions()[0].menu().actions()}
    assert {a.text() for a in pane.case_actions} <= menu_texts


def test_actions_are_disabled_with_the_reason_for_the_role(qtbot, world, tmp_path):
    engine, store, desk = sign_in(world, tmp_path)
    case_id = register(desk)
    window = MainWindow(ClientServices.offline(desk))
    qtbot.addWidget(window)
    window.select_case(case_id)
    pane = window.case_pane
    enabled = {k for k, a in pane.actions_by_kind.items() if a.isEnabled()}
    assert enabled == {CommandKind.DISPATCH, CommandKind.ADD_NOTE}
    assert "Dispatcher" in pane.actions_by_kind[CommandKind.EXTEND].toolTip()  # role
    assert "Registered" in pane.actions_by_kind[CommandKind.CLOSE].toolTip()  # stage
    assert "Ctrl+D" in pane.actions_by_kind[CommandKind.DISPATCH].toolTip()
    # The dispatch suggestion: 暴露垃圾 goes to sanitation.
    assert pane.department.currentData() == "D-SAN" and "Sanitation" in pane.suggestion.text()
    # A department user sees only what a department may do, on its own cases.
    pane.trigger(CommandKind.DISPATCH)
    engine.sync_once()
    _e2, _s2, dept = sign_in(world, tmp_path, "dept", "WS2")
    dept_window = MainWindow(ClientServices.offline(dept))
    qtbot.addWidget(dept_window)
    dept_window.select_case(case_id)
    enabled = {k for k, a in dept_window.case_pane.actions_by_kind.items() if a.isEnabled()}
    assert enabled == {CommandKind.RETURN, CommandKind.REPORT_HANDLED, CommandKind.ADD_NOTE}


def test_keyboard_flow_reason_then_shortcut_and_refusals_change_nothing(qtbot, world, tmp_path):
    engine, store, desk = sign_in(world, tmp_path)
    case_id = register(desk)
    window = MainWindow(ClientServices.offline(desk))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    window.select_case(case_id)
    pane = window.case_pane
    window.queue.setFocus()
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(window.queue, Qt.Key.Key_D, ctrl)
    assert store.case(case_id).status is CaseStatus.DISPATCHED
    # Return needs a reason: refused on the message line, nothing written.
    before = store.row_counts()
    qtbot.keyClick(window.queue, Qt.Key.Key_R, ctrl)
    assert store.row_counts() == before and "reason" in pane.message.text().lower()
    assert pane.reason.hasFocus()  # where the reason goes
    qtbot.keyClicks(pane.reason, "not ours")
    qtbot.keyClick(pane.reason, Qt.Key.Key_R, ctrl)
    assert store.case(case_id).status is CaseStatus.RETURNED and pane.reason.text() == ""
    # ":" opens the command bar from the queue.
    window.queue.setFocus()
    qtbot.keyClick(window.queue, Qt.Key.Key_Colon)
    assert window.case_loop.bar.edit.hasFocus() and window.case_loop.bar.edit.text() == ":"
    pane.department.setCurrentIndex(pane.department.findData("D-ROAD"))
    pane.actions_by_kind[CommandKind.DISPATCH].trigger()
    assert store.case(case_id).department_id == "D-ROAD"
    pane.reason.setText("called the roads desk")
    pane.actions_by_kind[CommandKind.ADD_NOTE].trigger()
    assert engine.sync_once().error is None
    window.bus.publish(engine.sync_once().summary, engine)  # as the sync driver does
    window.select_case(case_id)
    stages = [pane.timeline.topLevelItem(i).text(1) for i in range(pane.timeline.topLevelItemCount())]
    assert stages == ["Register", "Dispatch", "Return", "Dispatch", "Note"]
    first = pane.timeline.topLevelItem(0)
    assert first.text(2) == "Dispatcher Wang" and first.text(3) == "WS1"
    assert "not ours" in pane.timeline.topLevelItem(2).text(4)
    assert pane.notes.count() == 1 and "called the roads desk" in pane.notes.item(0).text()
    assert pane.countdown.text()  # dispatched: a live countdown


def test_command_bar_dispatches_returns_extends_and_closes_by_number(qtbot, world, tmp_path):
    engine, store, desk = sign_in(world, tmp_path)
    case_id = register(desk)
    engine.sync_once()
    number = store.case(case_id).number
    window = MainWindow(ClientServices.offline(desk))
    qtbot.addWidget(window)
    bar = window.case_loop.bar

    def run(line):
        bar.edit.setText(line)
        return bar.run()

    before = store.row_counts()
    for line, needle in (("explode 1", "Unknown command"), ("dispatch", "needs a case number"),
                         (f"dispatch {number}9", "No case"), (f"dispatch {number} nowhere", "No department"),
                         (f"dispatch {number} o", "several departments"),
                         (f"close {number}", "already Registered"), (f"extend {number} 2x late", "")):
        assert run(line) is None, line
        assert bar.feedback.text(), line
        assert needle in bar.feedback.text(), (line, bar.feedback.text())
        assert bar.edit.text() == line  # kept, to be corrected
    assert store.row_counts() == before
    # 派 N (no department): the suggestion.
    result = run(f"派 {number}")
    assert result and result.detail == "D-SAN" and store.case(case_id).status is CaseStatus.DISPATCHED
    assert window.case_pane.case_id == case_id and bar.edit.text() == ""
    assert run(f"return {number} not ours").action == "return"
    assert store.case(case_id).status is CaseStatus.RETURNED
    assert run(f"dispatch {number} roads") and store.case(case_id).department_id == "D-ROAD"
    assert run(f"extend {number} 2h crane") is None and "Dispatcher may not" in bar.feedback.text()
    engine.sync_once()
    # The shift leader extends from the bar; the second extension needs a leader.
    _e, lstore, leader = sign_in(world, tmp_path, "leader", "WS2")
    lwindow = MainWindow(ClientServices.offline(leader))
    qtbot.addWidget(lwindow)
    lbar = lwindow.case_loop.bar
    lbar.edit.setText(f"延期 {number} 1d 需要吊车")
    assert lbar.run() is not None and lstore.case(case_id).extension_count == 1
    lbar.edit.setText(f"extend {number} 90m more")
    assert lbar.run() is None and "leader" in lbar.feedback.text().lower()
    # Completion of department names after the number.
    assert f"dispatch {number} Sanitation " in desk.completions(f"dispatch {number} ")
    assert "dispatch " in desk.completions("dis")


def test_a_reported_case_is_verified_located_on_the_map_and_registered(qtbot, world, tmp_path):
    engine, store, _desk = sign_in(world, tmp_path)
    _e, astore, acceptor = sign_in(world, tmp_path, "acceptor", "WS3")
    case_id, _ = acceptor.report_case(description="gate blocked by rubbish", address="1 Gate St")
    window = MainWindow(ClientServices.offline(acceptor))
    qtbot.addWidget(window)
    window.select_case(case_id)
    pane = window.case_pane
    assert pane.actions_by_kind[CommandKind.VERIFY].isEnabled()
    assert not pane.actions_by_kind[CommandKind.REGISTER].isEnabled()
    pane.actions_by_kind[CommandKind.VERIFY].trigger()
    assert astore.case(case_id).status is CaseStatus.VERIFIED
    # Register is allowed now, but the case has no place: refused with the reason.
    pane.actions_by_kind[CommandKind.REGISTER].trigger()
    assert "place on the map" in pane.message.text()
    from PySide6.QtWidgets import QApplication

    from core.geo import lonlat_to_mercator

    x, y = lonlat_to_mercator(116.4105, 39.9204)

    window.map.mapClicked.emit(float(x), float(y))
    dialog = window.dialog  # window-modal: the click returned at once
    assert dialog is not None and QApplication.activeModalWidget() is dialog
    assert astore.case(case_id).cell_code in (None, "")  # nothing placed before the answer
    dialog.category.setCurrentIndex(dialog.category.findData("E0104"))
    dialog.accept()
    located = astore.case(case_id)
    assert located.cell_code == "110101001001001" and located.category == "E0104"
    assert len(astore.open_case_ids()) == 1  # located, not a second case
    pane.actions_by_kind[CommandKind.REGISTER].trigger()
    assert astore.case(case_id).status is CaseStatus.REGISTERED


# ---- attachments ----------------------------------------------------------------------


def test_attachments_are_fetched_on_demand_and_cached(qtbot, event_loop, sqlite_server, tmp_path):
    server = sqlite_server
    engine, store, desk = sign_in(server, tmp_path)
    case_id = register(desk)
    engine.sync_once()
    png = real_png()
    photo = tmp_path / "scene.png"
    photo.write_bytes(png)
    sender = AttachmentService(store, AttachmentTransport(engine.client))
    meta = sender.upload_blocking(case_id, photo)
    assert meta["sha256"] == hashlib.sha256(png).hexdigest()
    assert sender.cached(meta) is not None  # the sender has it already
    bad = tmp_path / "virus.png"
    bad.write_bytes(b"MZ" + b"\x00" * 100)
    from core.attachments import TransferError

    with pytest.raises(TransferError) as info:
        sender.upload_blocking(case_id, bad)
    assert info.value.code == "type_mismatch"

    # A second workstation: the row arrives by the feed, the bytes only when opened.
    e2, s2, d2 = sign_in(server, tmp_path, "leader", "WS2")
    service = AttachmentService(s2, AttachmentTransport(e2.client))
    rows = service.for_case(case_id)
    assert [r["attachment_id"] for r in rows] == [meta["attachment_id"]]
    assert service.cached(rows[0]) is None and not service.cache_dir.exists()
    # The session's services, with this workstation's attachment service.
    window = MainWindow(dataclasses.replace(ClientServices.offline(d2), attachments=service))
    qtbot.addWidget(window)
    assert window.case_loop.attachments is service
    window.select_case(case_id)
    pane = window.case_pane
    assert pane.attachment_list.count() == 1 and "scene.png" in pane.attachment_list.item(0).text()
    assert [pane.timeline.topLevelItem(i).text(1) for i in range(pane.timeline.topLevelItemCount())] \
        == ["Register", "Attachment"]

    async def open_it():
        pane.open_selected_attachment()
        for _ in range(200):
            if service.cached(rows[0]) is not None and pane.preview.pixmap() is not None \
                    and not pane.preview.pixmap().isNull():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(pane.message.text())

    event_loop.run_until_complete(asyncio.wait_for(open_it(), 30))
    cached = service.cached(rows[0])
    assert cached.read_bytes() == png and cached.parent == tmp_path / "WS2.attachments"
    # Offline, a cached file still opens; an uncached one says why.
    server.stop()
    assert service.fetch_blocking(rows[0]) == cached
    with pytest.raises(TransferError) as info:
        service.fetch_blocking({**rows[0], "sha256": "0" * 64, "attachment_id": "gone"})
    assert info.value.code == "unreachable"
    service.shutdown()
    sender.shutdown()
