"""Drawing geofences in the real main window (offscreen, on the qasync loop)
against a real server process: a shift leader draws a forbidden box with
the mouse and a route by clicks, the centre stores them and the change feed
brings them back onto the map, and a truck driving into the box raises an
alarm; a dispatcher's save is refused by the centre (or finds it gone)
and that is shown, and bad input is refused by the dialog before anything
is sent."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
import requests
from PySide6.QtCore import QPoint, QPointF, Qt

from app.store.vehicles import VehicleStore
from core.alarms import AlarmKind
from core.coords import gcj02_to_wgs84
from core.geo import lonlat_to_mercator, mercator_to_lonlat
from core.positions import PositionFix
from core.timeutil import now_cst, to_iso
from server.simulator import SimulatedTerminal
from support import BASE_LAT, BASE_LON, DLAT, DLON, open_window_on_the_block, until

CELL = "110101001001{:03d}"  # cells 1 and 2 are the bottom row of the 2×2 block


def server_geofences(url: str) -> list[dict]:
    token = requests.post(url + "/api/login", json={"username": "leader", "password": "demo",
                                                    "workstation": "T"}, timeout=10).json()["token"]
    reply = requests.get(url + "/api/geofences", headers={"Authorization": f"Bearer {token}"},
                         timeout=10)
    reply.raise_for_status()
    return reply.json()["geofences"]


def device(window, lon: float, lat: float) -> QPoint:
    x, y = lonlat_to_mercator(lon, lat)
    return window.map.map_to_viewport(float(x), float(y)).toPoint()


def drag(qtbot, window, a: QPoint, b: QPoint, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    viewport = window.map.graphics_view().viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, a)
    for k in range(1, 11):
        qtbot.mouseMove(viewport, a + (b - a) * (k / 10))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, b)


def test_a_shift_leader_draws_a_forbidden_box_and_a_route(qapp, qtbot, event_loop, sqlite_server,
                                                          tmp_path):
    async def scenario() -> None:
        session, window = await open_window_on_the_block(sqlite_server.url, tmp_path / "leader.db", "leader", "WS-G")
        features = window.vehicle_features
        # A click that leaked through would open the modal "register a case" dialog
        # and hang the test; counted instead, it fails it.
        window.map.mapClicked.disconnect(window._map_clicked)
        clicks: list[tuple[float, float]] = []
        window.map.mapClicked.connect(lambda x, y: clicks.append((x, y)))
        try:
            # Vehicles → Draw geofence… arms the map: a plain drag draws the box.
            assert features.draw_geofence_action.shortcut().toString() == "Ctrl+G"
            features.draw_geofence_action.trigger()
            assert window.map.drawing == "box"
            assert "Drag a box" in window.status.currentMessage()
            # Over the bottom row of cells: both centres inside, the top row's outside.
            a = device(window, BASE_LON + 0.1 * DLON, BASE_LAT + 0.1 * DLAT)
            b = device(window, BASE_LON + 1.9 * DLON, BASE_LAT + 0.9 * DLAT)
            drag(qtbot, window, a, b)
            dialog = features.geofence_dialog
            assert dialog is not None and dialog.isVisible() and window.map.drawing is None
            assert window.status.currentMessage() == ""
            assert features.drawing.preview.shape_state[0] is not None  # the box stays drawn
            assert sorted(dialog.draft().cells) == [CELL.format(1), CELL.format(2)]
            assert dialog.shape_box.count() == 2 and "×" in dialog.shape_box.itemText(0)
            assert not dialog.role_hint.isVisible()

            # Bad input is refused in the dialog, nothing is sent.
            dialog.save_button.click()
            assert dialog.problem.isVisible() and dialog.problem.text() == "Give the geofence a name."
            dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("parking"))
            dialog.name_edit.setText("Parking at the market")
            dialog.minutes_spin.setValue(0)
            dialog.save_button.click()
            assert dialog.problem.text() == "The longest stay must be more than 0 minutes."
            assert dialog.requests == 0 and dialog.isVisible()

            # A forbidden area over the drawn rectangle, for sweepers and muck trucks.
            dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("forbidden"))
            assert not dialog.problem.isVisible()  # a change clears the old complaint
            dialog.name_edit.setText("工地 东华门")
            dialog.shape_box.setCurrentIndex(dialog.shape_box.findData("rectangle"))
            dialog.kind_checks["sweeper"].setChecked(True)
            draft = dialog.draft()
            dialog.save_button.click()
            assert dialog.requests == 1 and dialog.saving and not dialog.save_button.isEnabled()
            await until(lambda: features.geofence_dialog is None, 15)
            assert "saved by the centre" in window.status.currentMessage()

            stored = await asyncio.to_thread(server_geofences, sqlite_server.url)
            assert [g["geofence_id"] for g in stored] == [draft.geofence_id]
            fence = stored[0]
            assert fence["kind"] == "forbidden" and fence["name"] == "工地 东华门"
            assert fence["updated_by"] == "leader"
            assert sorted(as_json(fence["vehicle_kinds"])) == ["muck_truck", "sweeper"]
            # GCJ-02, as drawn: the ring's corners are where the mouse went down and up.
            ring = np.array(as_json(fence["geometry"])["coordinates"][0])
            pa = window.map.map_from_viewport(QPointF(a))
            pb = window.map.map_from_viewport(QPointF(b))
            corners = np.array(mercator_to_lonlat(np.array([pa[0], pb[0]]), np.array([pa[1], pb[1]]))).T
            assert np.allclose(ring.min(axis=0), corners.min(axis=0), atol=2e-7)
            assert np.allclose(ring.max(axis=0), corners.max(axis=0), atol=2e-7)
            assert ring.min(axis=0)[0] == pytest.approx(BASE_LON + 0.1 * DLON, abs=DLON * 0.02)

            # The change feed brings it back, and the map draws it.
            await until(lambda: not features.overlay.geofence_paths[1].isEmpty(), 15)
            drawn = features.overlay.geofence_paths[1].boundingRect()
            assert drawn.left() == pytest.approx(min(pa[0], pb[0]), abs=0.05)
            assert drawn.right() == pytest.approx(max(pa[0], pb[0]), abs=0.05)
            assert drawn.top() == pytest.approx(min(pa[1], pb[1]), abs=0.05)

            # A sweeper driving into the box raises "entered a forbidden area".
            inside = gcj02_to_wgs84(BASE_LON + DLON, BASE_LAT + DLAT / 2)
            terminal = SimulatedTerminal("013800000001", "127.0.0.1", sqlite_server.jt808_port)
            try:
                await terminal.connect()
                await terminal.login()
                fix = PositionFix("013800000001", to_iso(now_cst()), *inside, speed_kmh=12.0,
                                  status=3)
                assert (await terminal.report(fix)).result == 0
            finally:
                await terminal.close()
            vehicles = VehicleStore(session.store)
            await until(lambda: any(r["kind"] == AlarmKind.FORBIDDEN_AREA for r in vehicles.alarms()),
                        15)
            alarm = next(r for r in vehicles.alarms() if r["kind"] == AlarmKind.FORBIDDEN_AREA)
            assert alarm["vehicle_id"] == "V001" and alarm["source"] == draft.geofence_id

            # A corridor: clicks on the map, Backspace takes one back, Enter finishes.
            features.draw_geofence_action.trigger()
            drag(qtbot, window, a, b)
            dialog = features.geofence_dialog
            assert dialog is not None
            dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("corridor"))
            assert dialog.shape() == "centre_line"  # the box alone gives its long axis
            dialog.draw_button.click()
            assert window.map.drawing == "line" and not dialog.isVisible()
            viewport = window.map.graphics_view().viewport()
            route = [(BASE_LON + 0.2 * DLON, BASE_LAT + 0.5 * DLAT),
                     (BASE_LON + 1.0 * DLON, BASE_LAT + 0.6 * DLAT),
                     (BASE_LON + 1.8 * DLON, BASE_LAT + 1.5 * DLAT),
                     (BASE_LON + 1.9 * DLON, BASE_LAT + 0.1 * DLAT)]  # a slip, taken back
            for lon, lat in route:
                qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=device(window, lon, lat))
            assert len(features.drawing.points) == 4
            qtbot.keyClick(viewport, Qt.Key.Key_Backspace)
            assert len(features.drawing.points) == 3
            qtbot.keyClick(viewport, Qt.Key.Key_Return)
            assert window.map.drawing is None and dialog.isVisible()
            assert clicks == []  # no click reached "register a case here"
            assert dialog.shape() == "line" and "3 points" in dialog.shape_box.currentText()
            dialog.name_edit.setText("Muck route 7")
            dialog.width_spin.setValue(30)
            draft = dialog.draft()
            dialog.save_button.click()
            await until(lambda: features.geofence_dialog is None, 15)
            stored = {g["geofence_id"]: g for g in
                      await asyncio.to_thread(server_geofences, sqlite_server.url)}
            corridor = stored[draft.geofence_id]
            line = np.array(as_json(corridor["geometry"])["coordinates"])
            assert corridor["kind"] == "corridor" and corridor["width_m"] == 30.0
            assert np.allclose(line, route[:3], atol=DLON * 0.02)
            await until(lambda: not features.overlay.geofence_paths[0].isEmpty(), 15)
            assert features.all_geofences_action.isChecked()  # so the new corridor is seen

            # Esc gives up drawing: the map is itself again and no dialog is left behind.
            features.draw_geofence_action.trigger()
            assert window.map.drawing == "box"
            qtbot.keyClick(viewport, Qt.Key.Key_Escape)
            assert window.map.drawing is None and features.geofence_dialog is None
            assert window.status.currentMessage() == ""
            qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=a)
            assert len(clicks) == 1  # clicks reach the main window again
        finally:
            await session.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 120))


def as_json(value):
    """The server keeps JSON columns as text."""
    return json.loads(value) if isinstance(value, str) else value


def test_a_dispatcher_is_refused_by_the_centre_and_nothing_is_stored(qapp, qtbot, event_loop,
                                                                     sqlite_server, tmp_path):
    async def scenario() -> None:
        session, window = await open_window_on_the_block(sqlite_server.url, tmp_path / "disp.db", "dispatcher", "WS-G")
        features = window.vehicle_features
        try:
            # An earlier Shift+drag selection becomes a geofence straight away.
            assert not features.area_geofence_action.isEnabled()
            a = device(window, BASE_LON + 0.1 * DLON, BASE_LAT + 0.1 * DLAT)
            b = device(window, BASE_LON + 0.9 * DLON, BASE_LAT + 1.9 * DLAT)
            drag(qtbot, window, a, b, Qt.KeyboardModifier.ShiftModifier)
            assert features.geofence_dialog is None and features.area_geofence_action.isEnabled()
            features.area_geofence_action.trigger()
            dialog = features.geofence_dialog
            assert dialog is not None and dialog.isVisible()
            assert sorted(dialog.draft().cells) == [CELL.format(1), CELL.format(3)]
            assert dialog.role_hint.isVisible() and "Dispatcher" in dialog.role_hint.text()
            dialog.name_edit.setText("No parking by the school")
            dialog.kind_box.setCurrentIndex(dialog.kind_box.findData("parking"))
            dialog.shape_box.setCurrentIndex(dialog.shape_box.findData("cells"))
            dialog.minutes_spin.setValue(10)
            dialog.save_button.click()
            assert dialog.requests == 1
            await until(lambda: not dialog.saving, 15)
            assert dialog.isVisible() and dialog.save_button.isEnabled()
            # Said by the server's reason code (role_forbidden), not its English detail.
            assert dialog.problem.text() == ("The centre refused the geofence: A Dispatcher may "
                                             "not Define geofences. Nothing was saved.")
            assert await asyncio.to_thread(server_geofences, sqlite_server.url) == []
            # A sync round later the workstation has no geofence either.
            rounds = session.driver.rounds
            session.driver.wake()
            await until(lambda: session.driver.rounds > rounds, 15)
            assert VehicleStore(session.store).geofences() == []
            assert features.overlay.geofence_paths[2].isEmpty()

            # Closed before the centre answers: the refusal still reaches the operator.
            dialog.save_button.click()
            dialog.reject()
            assert features.geofence_dialog is None
            await until(lambda: "refused" in window.status.currentMessage(), 15)
            assert "A Dispatcher may not Define geofences" in window.status.currentMessage()

            # The centre goes away: the dialog says so, and again nothing is kept.
            features.area_geofence_action.trigger()
            dialog = features.geofence_dialog
            assert dialog is not None and dialog.isVisible() and dialog.requests == 0
            dialog.name_edit.setText("No entry to the lane")
            sqlite_server.stop()
            dialog.save_button.click()
            assert dialog.requests == 1
            await until(lambda: not dialog.saving, 15)
            assert dialog.isVisible()
            assert dialog.problem.text().startswith("The centre cannot be reached (")
            assert dialog.problem.text().endswith("Nothing was saved; try again when it answers.")
            assert VehicleStore(session.store).geofences() == []
            dialog.reject()
            assert features.geofence_dialog is None
            assert features.drawing.preview.shape_state == (None, 0, False)
        finally:
            await session.close()
            window.close()

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 90))
