"""Every error an operator sees is said by its code, in Chinese: a geofence
the centre refuses, an attachment that may not be sent, an unreachable
server, a background job that fails.  Real widgets under the zh_CN
translation, against a real server process; the English of the exception
or of the server's ``detail`` must never reach the screen."""

from __future__ import annotations

import asyncio
import re

import pytest
from PySide6.QtCore import QPoint, Qt

from app.net.client import ProtocolError, ServerClient
from app.runtime.i18n import install_translation
from app.store.ledger import OutboxLedger
from app.sync.live import VehicleLink
from app.views.labels import error_text, problem_text
from core.geo import lonlat_to_mercator
from core.problems import Problem
from support import BASE_LAT, BASE_LON, DLAT, DLON, open_window_on_the_block, until

# Two Latin letters in a row: an English word (a sentence would have several).
ENGLISH = re.compile(r"[A-Za-z]{2,}")
HAN = re.compile(r"[\u4e00-\u9fff]")


def chinese_only(text: str) -> bool:
    return bool(HAN.search(text)) and ENGLISH.search(text) is None


@pytest.fixture
def zh_cn(qapp):
    install_translation(qapp, "zh_CN")
    yield
    install_translation(qapp, "en")


def device(window, lon: float, lat: float) -> QPoint:
    x, y = lonlat_to_mercator(lon, lat)
    return window.map.map_to_viewport(float(x), float(y)).toPoint()


def test_a_refused_geofence_is_said_in_chinese_by_the_servers_reason_code(
        qapp, qtbot, event_loop, sqlite_server, tmp_path, zh_cn):
    async def scenario() -> None:
        session, window = await open_window_on_the_block(sqlite_server.url, tmp_path / "disp.db", "dispatcher", "WS-E")
        features = window.vehicle_features
        try:
            viewport = window.map.graphics_view().viewport()
            a = device(window, BASE_LON + 0.1 * DLON, BASE_LAT + 0.1 * DLAT)
            b = device(window, BASE_LON + 0.9 * DLON, BASE_LAT + 1.9 * DLAT)
            shift = Qt.KeyboardModifier.ShiftModifier
            qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, shift, a)
            for k in range(1, 11):
                qtbot.mouseMove(viewport, a + (b - a) * (k / 10))
            qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, shift, b)
            features.area_geofence_action.trigger()
            dialog = features.geofence_dialog
            assert dialog is not None and dialog.isVisible()
            dialog.name_edit.setText("校门口禁停")
            dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("parking"))
            dialog.shape_box.setCurrentIndex(dialog.shape_box.findData("cells"))
            dialog.minutes_spin.setValue(10)
            dialog.save_button.click()
            assert dialog.requests == 1
            await until(lambda: not dialog.saving, 15)
            shown = dialog.problem.text()
            # The server's detail is "a dispatcher may not define geofences";
            # its reason code role_forbidden is what is shown.
            assert "派遣员" in shown and "定义电子围栏" in shown, shown
            assert chinese_only(shown), shown

            # Closed before the answer: the status bar repeats it, in Chinese too.
            dialog.save_button.click()
            dialog.reject()
            await until(lambda: "定义电子围栏" in window.status.currentMessage(), 15)
            assert chinese_only(window.status.currentMessage()), window.status.currentMessage()
        finally:
            await session.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_a_geofence_the_rules_refuse_comes_back_with_its_code(sqlite_server, tmp_path, zh_cn):
    client = ServerClient(sqlite_server.url, "WS-L")
    client.login("leader", "demo")
    link = VehicleLink(tmp_path / "link.db", client)
    corridor = {"name": "site A to site B", "kind": "corridor", "width_m": 0,
                "geometry": {"type": "LineString", "coordinates": [
                    [BASE_LON, BASE_LAT + DLAT / 2], [BASE_LON + 2 * DLON, BASE_LAT + DLAT / 2]]}}
    try:
        with pytest.raises(ProtocolError) as info:
            link.save_geofence(corridor)
        assert info.value.code == "corridor_width"
        assert "half-width" in str(info.value)  # the English stays in the log's message
        shown = error_text(info.value)
        assert shown == "线路走廊的宽度须大于 0 米"
        with pytest.raises(ProtocolError) as info:
            link.save_geofence({"name": "gate", "kind": "forbidden", "cell_codes": ["110101999999999"]})
        assert info.value.code == "no_such_cell" and info.value.params == {"cell_code": "110101999999999"}
        assert chinese_only(error_text(info.value))
    finally:
        link.close()
        client.close()


def test_an_attachment_that_may_not_be_sent_is_said_in_chinese(qapp, qtbot, event_loop, sqlite_server,
                                                              tmp_path, zh_cn):
    big = tmp_path / "scene.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 1))
    text = tmp_path / "notes.txt"
    text.write_bytes(b"not a photo")
    fake = tmp_path / "virus.png"
    fake.write_bytes(b"MZ" + b"\x00" * 100)

    async def scenario() -> None:
        session, window = await open_window_on_the_block(sqlite_server.url, tmp_path / "attach.db", "dispatcher", "WS-E")
        try:
            desk = window.desk
            case_id, _ = desk.register_case(category="E0102", cell_code="110101001001001",
                                            lon=BASE_LON + 0.5 * DLON, lat=BASE_LAT + 0.5 * DLAT,
                                            description="门口垃圾", address="门口")
            # The registration goes out and its echo comes back first: a round
            # still publishing while the session closes would race its close.
            await until(lambda: not session.store.pending_commands(), 15)
            rounds = session.driver.rounds
            await until(lambda: session.driver.rounds > rounds, 15)
            window.select_case(case_id)
            pane = window.case_pane
            for path, words in ((big, "10 MB"), (text, "PDF"), (fake, "内容")):
                pane.message.clear()
                pane.attach(path)
                await until(lambda: pane.message.text() and not pane.message.text().startswith("正在"), 15)
                shown = pane.message.text()
                assert words in shown, shown
                # "10 MB", "JPEG, PNG, WebP", "PDF" are names, not English sentences.
                assert HAN.search(shown) and not re.search(r"\b(the|is|file|not|only|can)\b", shown, re.I), shown
        finally:
            await session.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_an_unreachable_server_and_a_failed_background_job_are_said_in_chinese(
        qapp, qtbot, event_loop, sqlite_server, tmp_path, zh_cn):
    async def scenario() -> None:
        session, window = await open_window_on_the_block(sqlite_server.url, tmp_path / "off.db", "dispatcher", "WS-E")
        try:
            # A background job whose error has no code: a general sentence, not its English.
            def broken(_store):
                raise KeyError("the cells table lacks column geom")

            window.runner.query(broken, lambda _result: None)
            await until(lambda: "失败" in window.status.currentMessage(), 15)
            shown = window.status.currentMessage()
            assert chinese_only(shown) and "geom" not in shown, shown

            # One whose error has a code (the ledger's): said by that code.
            window.runner.operation(lambda store: OutboxLedger(store).acknowledge(
                "no-such-command", operator="dispatcher", workstation="WS-E"), title=window.tr("Acknowledge"))
            await until(lambda: "发件箱中没有该指令" in window.status.currentMessage(), 15)
            assert "no-such-command" not in window.status.currentMessage()

            # The server goes away: the status bar and the banner say so in Chinese.
            sqlite_server.stop()
            window.driver.wake()
            await until(lambda: not window.driver.status.online, 30)
            await until(lambda: "离线" in window.status.connection.text(), 5)
            assert chinese_only(window.status.connection.text()), window.status.connection.text()
            banner = window.sync_panels.banner
            assert chinese_only(banner.headline.text() + banner.detail.text()), banner.detail.text()
        finally:
            await session.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_an_unknown_code_gets_a_general_chinese_sentence_that_names_it(zh_cn):
    shown = problem_text(Problem("quota_exceeded", "the server's quota of 10 GB is used up"))
    assert shown == "操作未完成（错误代码：quota_exceeded）"
    assert "quota of" not in problem_text(Problem("quota_exceeded", "the server's quota of 10 GB is used up"))
    assert error_text(ValueError("something in English")) == "意外错误（详见日志）"
    # A parameter a sentence needs but the failure lacks shows as "?", never raises.
    assert problem_text(Problem("bad_street_filter")) == "不是有效的街道：?（街道代码为 9 位数字）"
