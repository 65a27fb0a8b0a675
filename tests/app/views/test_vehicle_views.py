"""The vehicle views on a real local store: the alarm queue (with its sound),
the vehicle list, the nearest vehicles to a case, the replay window and the
track overlay; and, with a real server, an alarm raised while the
workstation was closed waiting in the main window when it starts."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from app.services.desk import CaseDesk
from app.session import ClientServices
from app.store.replica import LocalStore
from app.store.vehicles import VehicleStore
from app.sync.engine import SyncEngine
from app.views.alarm_panel import AckDialog, AlarmModel, AlarmPanel
from app.views.main_window import MainWindow
from app.views.map.track_layer import TrackOverlay
from app.views.nearest_vehicles import NearestVehicles
from app.views.replay_panel import FRAME_MS, ReplayWindow
from app.views.vehicle_list import VehicleListModel
from core.alarms import AlarmKind, alarm_bits
from core.cases import CaseSource, CaseState, CaseStatus
from core.coords import gcj02_to_wgs84
from core.positions import PositionFix
from core.timeutil import from_iso, now_cst, to_iso
from server.simulator import SimulatedTerminal
from support import small_world_rows, wait_until

CASE_LON, CASE_LAT = 116.4115, 39.9207  # GCJ-02, inside the small world


def alarm_row(alarm_id: str, vehicle_id: str, kind: str = "emergency", severity: str = "critical",
              raised: str | None = None, **extra) -> dict:
    return {"alarm_id": alarm_id, "vehicle_id": vehicle_id, "kind": kind, "severity": severity,
            "source": "bit:0", "raised_at": raised or to_iso(now_cst()),
            "received_at": to_iso(now_cst()), "lon": 116.41, "lat": 39.92, "position_id": None,
            "detail": json.dumps({"bit": 0}), "ended_at": None, "acknowledged_by": None,
            "acknowledged_at": None, "ack_workstation": None, "ack_note": None, "version": 1,
            **extra}


class World:
    """A local store as the feed would have filled it."""

    def __init__(self, path):
        self.store = LocalStore(path)
        self.seq = 0
        for entity, rows in small_world_rows().items():
            key = {"region": "code", "department": "department_id", "cell": "code",
                   "vehicle": "vehicle_id"}[entity]
            self.feed([(entity, r[key], r) for r in rows])
        self.vehicles = VehicleStore(self.store)
        self.position_id = 0

    def feed(self, items):
        changes = []
        for entity, key, data in items:
            self.seq += 1
            changes.append({"seq": self.seq, "entity": entity, "id": key, "data": data})
        return self.store.apply_change_page(changes, self.seq)

    def fixes(self, vehicle_id: str, points: list[tuple[str, float, float, float]]):
        """(device time, GCJ lon, GCJ lat, speed) -> the store, as the engine applies them."""
        rows = []
        for when, glon, glat, speed in points:
            self.position_id += 1
            lon, lat = gcj02_to_wgs84(glon, glat)
            rows.append({"position_id": self.position_id, "vehicle_id": vehicle_id,
                         "device_time": when, "recv_time": to_iso(now_cst()), "lon": lon, "lat": lat,
                         "altitude_m": 40, "speed_kmh": speed, "heading": 90, "alarm": 0,
                         "status": 3, "flags": 0})
        return self.store.apply_positions(rows, self.position_id)


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path / "client.db")
    yield w
    w.store.close()


def test_models_pass_the_qt_model_tester(qtmodeltester, world):
    now = now_cst()
    world.fixes("V001", [(to_iso(now - timedelta(seconds=30)), 116.4105, 39.9205, 8.0)])
    world.feed([("alarm", "A1", alarm_row("A1", "V001")),
                ("alarm", "A2", alarm_row("A2", "V002", "overspeed", "major"))])
    alarms = AlarmModel(world.vehicles)
    alarms.reload()
    qtmodeltester.check(alarms)
    assert alarms.rowCount() == 2
    vehicles = VehicleListModel(world.vehicles)
    qtmodeltester.check(vehicles)
    vehicles.sort(3)  # by age of the last fix, in SQL
    qtmodeltester.check(vehicles)
    assert vehicles.vehicle_at(0) == "V001"  # the one with a fix first
    vehicles.refresh_rows()
    vehicles.tick()
    qtmodeltester.check(vehicles)


def test_the_vehicle_list_shows_age_state_heading_kind_and_alarm(world):
    now = now_cst()
    world.fixes("V001", [(to_iso(now - timedelta(seconds=20)), 116.4105, 39.9205, 8.0)])
    world.fixes("V002", [(to_iso(now - timedelta(minutes=5)), 116.4115, 39.9205, 0.0)])
    world.feed([("alarm", "A1", alarm_row("A1", "V002", "overspeed", "major"))])
    model = VehicleListModel(world.vehicles)
    cells = {model.vehicle_at(r): [model.data(model.index(r, c)) for c in range(7)] for r in range(2)}
    plate, kind, state, age, heading, speed, alarm = cells["V001"]
    assert (plate, kind, state, speed, alarm) == ("A00001", "Sweeper", "Online", "8 km/h", "")
    assert age.endswith(" s") and "90°" in heading and "E" in heading
    assert cells["V002"][2] == "Stale" and cells["V002"][3] == "5 min" and cells["V002"][6] == "Alarm"


def test_the_alarm_queue_sounds_for_new_alarms_and_wants_a_note(qtbot, world):
    world.feed([("alarm", "A1", alarm_row("A1", "V001"))])
    panel = AlarmPanel(world.vehicles, "dispatcher", "WS1")
    qtbot.addWidget(panel)
    assert panel.sound.played == 1  # waiting since before this session: it sounds at start
    assert panel.model.rowCount() == 1 and panel.waiting_count() == 1
    panel.refresh()
    assert panel.sound.played == 1  # nothing new, no sound
    world.feed([("alarm", "A2", alarm_row("A2", "V002", "corridor_exit", "major"))])
    panel.refresh()
    assert panel.sound.played == 2 and panel.model.rowCount() == 2

    assert panel.select("A1")
    before = world.store.row_counts()
    assert not panel.acknowledge_selected(note="   ")
    assert panel.message.text() and world.store.row_counts() == before  # refused, nothing written
    assert panel.acknowledge_selected(note="called the driver")
    assert panel.waiting_count() == 1
    row = panel.model.rows[panel.model.row_of("A1")]
    assert row["local_state"] == "pending" and row["local_note"] == "called the driver"
    assert "sending" in panel.model.data(panel.model.index(panel.model.row_of("A1"), 5))
    assert not panel.ack_button.isEnabled()  # acknowledged here already

    # The centre's word arrives through the feed: the alarm leaves the queue.
    world.feed([("alarm", "A1", alarm_row("A1", "V001", acknowledged_by="dispatcher",
                                          acknowledged_at=to_iso(now_cst()), ack_note="called the driver",
                                          ack_workstation="WS1", version=2))])
    panel.refresh()
    assert [r["alarm_id"] for r in panel.model.rows] == ["A2"]
    panel.history.setChecked(True)
    assert {r["alarm_id"] for r in panel.model.rows} == {"A1", "A2"}


def test_the_acknowledge_dialog_refuses_an_empty_note(qtbot):
    dialog = AckDialog("V001 · emergency")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.note.setPlainText("   ")
    assert not ok.isEnabled()
    dialog.note.setPlainText("checked on the camera")
    assert ok.isEnabled() and dialog.text() == "checked on the camera"


def test_nearest_vehicles_to_a_case(qtbot, world):
    now = now_cst()
    world.fixes("V001", [(to_iso(now - timedelta(seconds=10)), 116.4105, 39.9205, 8.0)])  # ~90 m
    world.fixes("V002", [(to_iso(now - timedelta(seconds=10)), 116.4130, 39.9225, 20.0)])  # ~240 m
    widget = NearestVehicles(world.store)
    qtbot.addWidget(widget)
    case = CaseState(case_id="C1", status=CaseStatus.REGISTERED, category="E0102",
                     cell_code="110101001001001", lon=CASE_LON, lat=CASE_LAT,
                     source=CaseSource.HOTLINE)
    widget.show_case(case)
    assert widget.count() == 2
    first, second = widget.list.topLevelItem(0), widget.list.topLevelItem(1)
    assert first.text(0) == "A00001" and second.text(0) == "A00002"
    assert first.text(2).endswith("m") and first.text(3).endswith("min")
    nearest = world.vehicles.nearest(CASE_LON, CASE_LAT)
    assert 50 < nearest[0].distance_m < 150 and 200 < nearest[1].distance_m < 300
    # patrol (25 km/h) vs sweeper going to a job (15 km/h), streets 1.3 x the straight line
    assert nearest[0].eta_s == pytest.approx(nearest[0].distance_m * 1.3 / (15 / 3.6))
    # a vehicle silent for an hour is offline and not offered
    world.fixes("V002", [(to_iso(now - timedelta(hours=1)), 116.4115, 39.9207, 0.0)])
    widget.show_case(None)
    assert widget.count() == 0


def test_the_replay_shows_vehicles_and_cases_at_time_t_and_a_track(qtbot, world):
    start = from_iso("2024-05-01T08:00:00+08:00")

    def at(seconds: float) -> str:
        return to_iso(start + timedelta(seconds=seconds))

    # V001 drives east for 5 minutes, stops for 6, drives on; V002 appears at 8:05.
    points = [(at(s), 116.4102 + s * 1e-6 * 6, 39.9205, 20.0) for s in range(0, 300, 10)]
    points += [(at(300 + s), 116.4102 + 300 * 6e-6, 39.9205, 0.0) for s in range(0, 361, 60)]
    points += [(at(700 + s), 116.4120 + s * 6e-6, 39.9205, 20.0) for s in range(0, 300, 10)]
    world.fixes("V001", points)
    world.fixes("V002", [(at(300 + s), 116.4115, 39.9215, 10.0) for s in range(0, 600, 30)])
    case = CaseState(case_id="C1", status=CaseStatus.REGISTERED, category="E0102",
                     cell_code="110101001001001", lon=CASE_LON, lat=CASE_LAT,
                     source=CaseSource.HOTLINE, registered_at=at(120), reported_at=at(100), version=1)
    world.feed([("case", "C1", case.to_dict())])

    calls = []

    def loader(a, b, done):
        calls.append((a, b))
        done(world.vehicles.replay_data(a, b), None)

    window = ReplayWindow(world.vehicles, loader)
    qtbot.addWidget(window)
    window.set_vehicle_choices([("V001", "A00001"), ("V002", "A00002")])
    window.set_window(at(0), at(1200))
    window.load()
    assert calls == [(at(0), at(1200))]
    assert window.slider.maximum() == 1200 and window.play_button.isEnabled()
    assert window.map.vehicle_count() == 1  # 08:00: only V001
    window.seek(at(60))
    assert len(window.frame.case_ids) == 0  # the case was registered at 08:02
    window.seek(at(400))
    assert window.map.vehicle_count() == 2 and window.frame.case_ids == ["C1"]
    # interpolated between two fixes 10 s apart
    window.seek(at(105))
    i = window.frame.vehicle_ids.index("V001")
    expected = gcj02_to_wgs84(116.4102 + 105 * 6e-6, 39.9205)[0]
    assert window.frame.lon[i] == pytest.approx(expected, abs=2e-6)

    window.speed_box.setCurrentIndex(window.speed_box.findData(60))
    window.seek(at(0))
    # Playback moves by frames of FRAME_MS: count the frames rather than
    # hoping a loaded machine delivers a fixed number in a fixed sleep.
    frames: list[int] = []
    window.timer.timeout.connect(lambda: frames.append(window.slider.value()))
    window.play()
    assert window.timer.interval() == FRAME_MS
    qtbot.waitUntil(lambda: len(frames) >= 5, timeout=5000)
    window.stop()
    shown = len(frames)
    assert window.slider.value() == pytest.approx(shown * 60 * FRAME_MS / 1000, abs=1)  # 60x
    assert frames == sorted(frames) and frames[0] > 0

    window.vehicle_box.setCurrentIndex(window.vehicle_box.findData("V001"))
    assert window.summary is not None and len(window.summary.stops) == 1
    assert window.summary.stops[0].duration_s == pytest.approx(360)
    assert len(window.summary.trips) == 2
    assert window.overlay.track_size == len(points) and window.overlay.stop_count == 1
    kinds = [window.track_table.item(r, 0).text() for r in range(window.track_table.rowCount())]
    assert kinds == ["Trip", "Stop", "Trip"]
    window.track_table.cellDoubleClicked.emit(1, 0)
    assert window.current_iso() == at(300)

    # bad windows are refused with a reason, and nothing is loaded
    window.set_window(at(600), at(0))
    window.load()
    assert len(calls) == 1 and "after" in window.info.text()


def test_the_track_overlay_refuses_bad_input_and_keeps_what_it_had(qtbot):
    overlay = TrackOverlay()
    overlay.set_track(np.array([[0.0, 0.0], [10.0, 10.0]]), np.array([[5.0, 5.0]]))
    for bad in (np.array([1.0, 2.0]), np.array([[0.0, np.nan]]), np.zeros((3, 3))):
        with pytest.raises(ValueError):
            overlay.set_track(bad)
    assert overlay.track_size == 2 and overlay.stop_count == 1
    with pytest.raises(ValueError):
        overlay.set_geofences([], [np.array([[0.0, 0.0], [1.0, 1.0]])], [])
    overlay.set_geofences([(np.array([[0.0, 0.0], [100.0, 0.0]]), 20.0)],
                          [np.array([[0.0, 0.0], [50.0, 0.0], [50.0, 50.0]])], [])
    corridors, forbidden, parking = overlay.geofence_paths
    assert corridors.contains(overlay.mapToScene(50.0, 10.0)) or corridors.contains(
        corridors.boundingRect().center())
    assert not forbidden.isEmpty() and parking.isEmpty()


def test_an_alarm_raised_while_closed_waits_in_the_main_window(qtbot, sqlite_server, tmp_path):
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    engine.login("dispatcher", "demo")
    engine.sync_once()
    engine.close()  # the workstation is off

    async def sos() -> None:
        t = SimulatedTerminal("013800000001", "127.0.0.1", sqlite_server.jt808_port)
        try:
            await t.connect()
            await t.login()
            fix = PositionFix("013800000001", to_iso(now_cst()), 116.4105, 39.9205, status=3,
                              alarm=alarm_bits(AlarmKind.EMERGENCY))
            assert (await t.report(fix)).result == 0
        finally:
            await t.close()

    asyncio.run(asyncio.wait_for(sos(), 15))
    engine = SyncEngine(tmp_path / "c.db", sqlite_server.url, "WS1")
    user = engine.login("dispatcher", "demo")
    store = LocalStore(tmp_path / "c.db")
    assert wait_until(lambda: engine.sync_once().error is None
                      and VehicleStore(store).waiting_alarm_ids(), 10, 0.2)
    window = MainWindow(ClientServices.offline(CaseDesk(store, "WS1", user)))
    qtbot.addWidget(window)
    features = window.vehicle_features
    assert features.alarms.waiting_count() == 1 and features.alarms.sound.played == 1
    assert features.alarms.model.data(features.alarms.model.index(0, 3)) == "Emergency button"
    assert not features.dock.isHidden()
    assert "1" in features.tabs.tabText(0)
    features.alarms.table.selectRow(0)
    features.alarms.show_button.click()
    assert features.selected_vehicle == "V001"
    text = features.describe("V001")  # the live map's tooltip for the vehicle
    assert text.startswith("A00001 · Sweeper · Online · last fix") and text.endswith("Critical alarm")
    window.map.hovered.emit("vehicle", "V001")
    assert window.map.graphics_view().viewport().toolTip() == text
    engine.close()
    store.close()


def test_the_replay_window_speaks_district_time(qtbot, world):
    window = ReplayWindow(world.vehicles, lambda a, b, done: done(None, "offline"))
    qtbot.addWidget(window)
    window.set_window("2024-05-01T08:00:00+08:00", "2024-05-01T09:30:00+08:00")
    # whatever the machine's own zone, the operator sees and enters UTC+8
    assert window.start_edit.text() == "2024-05-01 08:00"
    assert window.end_edit.text() == "2024-05-01 09:30"
    window.load()
    assert window.start_iso == "2024-05-01T08:00:00+08:00"
    assert "offline" in window.info.text() and not window.play_button.isEnabled()


def test_the_map_rings_follow_alarms_that_come_without_positions(qtbot, world):
    """An alarm from the change feed, and the centre's answer to an
    acknowledgement made here, redraw the alarm rings although no fix moved."""
    world.fixes("V001", [(to_iso(now_cst() - timedelta(seconds=20)), 116.4105, 39.9205, 8.0)])
    dispatcher = {"username": "dispatcher", "display_name": "调度员", "role": "dispatcher"}
    window = MainWindow(ClientServices.offline(CaseDesk(world.store, "WS1", dispatcher)))
    qtbot.addWidget(window)
    controller = window.map_layers.controller
    with qtbot.waitSignal(controller.alarmsShown, timeout=10_000):  # the first read, on the map lane
        pass
    assert window.map._alarms.ids == []

    ended = to_iso(now_cst())
    summary = world.feed([("alarm", "A1", alarm_row("A1", "V001", ended_at=ended))])
    assert summary.entities == {"alarm"} and not summary.positions
    features = window.vehicle_features
    with qtbot.waitSignal(controller.alarmsShown, timeout=10_000):
        window.bus.publish(summary, "test")  # on the change bus: the alarm list and the map's rings follow it
    assert window.map._alarms.ids == ["V001"]  # over, but nobody has seen it yet

    assert features.alarms.select("A1")
    with qtbot.waitSignal(controller.alarmsShown, timeout=10_000):  # the acknowledgement's summary read again
        assert features.alarms.acknowledge_selected(note="called the driver")
    assert window.map._alarms.ids == ["V001"]  # not confirmed by the centre yet
    confirmed = alarm_row("A1", "V001", ended_at=ended, acknowledged_by="dispatcher",
                          acknowledged_at=to_iso(now_cst()), ack_workstation="WS1",
                          ack_note="called the driver", version=2)
    answer = world.vehicles.record_ack_result("A1", "sent", {"alarm": confirmed})
    with qtbot.waitSignal(controller.alarmsShown, timeout=10_000):
        window.bus.publish(answer)  # what the vehicle link's storeChanged does, through the bus
    assert window.map._alarms.ids == []
