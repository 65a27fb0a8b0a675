"""Positions, tracks, replay, geofences and alarms through a real server
process (SQLite and PostgreSQL), fed by terminals over real TCP."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
import requests

from core.alarms import AlarmKind, alarm_bits
from core.coords import gcj02_to_wgs84
from core.positions import PositionFix
from core.timeutil import CST, to_iso
from server.simulator import SimulatedTerminal
from support import BASE_LAT, BASE_LON, DLAT, DLON, wait_until

T0 = "2024-05-01T08:{:02d}:{:02d}+08:00"


def api(server, method, path, token, **kw):
    return requests.request(method, server.url + path, headers={"Authorization": f"Bearer {token}"},
                            timeout=30, **kw)


def wgs(east: float, north: float) -> tuple[float, float]:
    """A point of the small world (GCJ-02 cells) as a terminal reports it (WGS-84)."""
    return gcj02_to_wgs84(BASE_LON + east * DLON, BASE_LAT + north * DLAT)


def fix(phone: str, minute: int, second: int, east: float, north: float, *, speed: float = 20.0,
        alarm: int = 0) -> PositionFix:
    lon, lat = wgs(east, north)
    return PositionFix(phone, T0.format(minute, second), round(lon, 6), round(lat, 6), 40, speed,
                       90, alarm, 0b11)


def send(server, phone: str, live: list[PositionFix], backfill: list[PositionFix] = ()) -> None:
    async def go():
        t = SimulatedTerminal(phone, "127.0.0.1", server.jt808_port)
        try:
            await t.connect()
            await t.login()
            for f in live:
                assert (await t.report(f)).result == 0
            if backfill:
                assert (await t.report_batch(list(backfill))).result == 0
        finally:
            await t.close()

    asyncio.run(asyncio.wait_for(go(), 20))


def wait_alarms(server, token, count: int, timeout: float = 10.0) -> list[dict]:
    found: list[dict] = []

    def enough() -> bool:
        nonlocal found
        found = api(server, "GET", "/api/alarms", token).json()["alarms"]
        return len(found) >= count

    assert wait_until(enough, timeout, 0.2), found
    return found


def test_stream_long_polls_and_tracks_come_in_device_time_order(server):
    token = server.login()
    assert api(server, "GET", "/api/positions/stream", token, params={"after": 0}).json()["positions"] == []
    got: dict = {}

    def poll():
        got["reply"] = api(server, "GET", "/api/positions/stream", token,
                           params={"after": 0, "wait": 10}).json()
        got["at"] = time.monotonic()

    waiter = threading.Thread(target=poll)
    waiter.start()
    # Let the long-poll reach the server and park, so that the wake-up path
    # is what runs.  The server shows no count of parked requests to wait
    # on; what proves the poll did not answer early is its reply holding the
    # fix made after this point (asserted below).
    time.sleep(0.5)
    sent_at = time.monotonic()
    live = [fix("013800000001", 0, s, 0.2 + s / 40, 0.5) for s in (30, 40, 50)]
    gap = [fix("013800000001", 0, s, 0.2 + s / 40, 0.5) for s in (0, 10, 20)]
    send(server, "013800000001", live, gap)
    waiter.join(15)
    assert got["reply"]["positions"], "the long-poll returned the first fix"
    assert got["at"] - sent_at < 5
    track = api(server, "GET", "/api/vehicles/V001/track", token, params={
        "start": T0.format(0, 0), "end": T0.format(59, 0)}).json()
    times = [p["device_time"] for p in track["positions"]]
    assert times == sorted(times) and len(times) == 6  # back-fill slotted in by device time
    ids = [p["position_id"] for p in track["positions"]]
    assert ids[:3] > ids[3:]  # back-fill arrived later
    assert track["holes"] == [] and len(track["trips"]) == 1
    # the whole district at 08:00:25
    snap = api(server, "GET", "/api/replay/snapshot", token, params={"at": T0.format(0, 25)}).json()
    assert [(v["vehicle_id"], v["device_time"]) for v in snap["vehicles"]] == [("V001", T0.format(0, 20))]
    window = api(server, "GET", "/api/replay/window", token, params={
        "start": T0.format(0, 15), "end": T0.format(0, 45)}).json()
    assert sorted(p["device_time"][-11:-6] for p in window["positions"]) == ["00:20", "00:30", "00:40"]


@pytest.mark.parametrize("params, message", [
    ({"start": "yesterday", "end": "2024-05-01T09:00:00+08:00"}, "ISO time"),
    ({"start": "2024-05-01T09:00:00", "end": "2024-05-01T10:00:00+08:00"}, "ISO time"),
    ({"start": "2024-05-01T10:00:00+08:00", "end": "2024-05-01T09:00:00+08:00"}, "before start"),
    ({"start": "2024-05-01T10:00:00+08:00", "end": "2024-06-01T09:00:00+08:00"}, "at most"),
])
def test_bad_windows_are_refused_with_a_reason(sqlite_server, params, message):
    token = sqlite_server.login()
    reply = api(sqlite_server, "GET", "/api/vehicles/V001/track", token, params=params)
    assert reply.status_code == 422 and message in reply.json()["detail"]


def test_geofences_raise_alarms_that_wait_for_a_note(server):
    token = server.login()
    leader = server.login("leader")
    corridor = {"name": "site A to site B", "kind": "corridor", "width_m": 60,
                "geometry": {"type": "LineString", "coordinates": [
                    [BASE_LON, BASE_LAT + DLAT / 2], [BASE_LON + 2 * DLON, BASE_LAT + DLAT / 2]]},
                "vehicle_kinds": ["sweeper"]}
    # only leaders define rules, and a bad rule is refused with a reason
    # (the reason's code is what a workstation translates; the detail is for logs)
    refused = api(server, "POST", "/api/geofences", token, json=corridor)
    assert refused.status_code == 403
    assert refused.json()["reason"]["code"] == "role_forbidden"
    assert refused.json()["reason"]["params"] == {"role": "dispatcher", "action": "define_geofence"}
    bad = api(server, "POST", "/api/geofences", leader, json={**corridor, "width_m": 0})
    assert bad.status_code == 422 and "half-width" in bad.json()["detail"]
    assert bad.json()["reason"]["code"] == "corridor_width"
    bad = api(server, "POST", "/api/geofences", leader, json={
        "name": "x", "kind": "forbidden", "cell_codes": ["110101999999999"]})
    assert bad.status_code == 422 and "no such cell" in bad.json()["detail"]
    assert bad.json()["reason"] == {"code": "no_such_cell", "message": "no such cell 110101999999999",
                                    "params": {"cell_code": "110101999999999"}}
    assert api(server, "GET", "/api/geofences", token).json()["geofences"] == []
    assert api(server, "POST", "/api/geofences", leader, json=corridor).status_code == 200
    school = {"name": "school gate", "kind": "forbidden", "cell_codes": ["110101001001004"]}
    assert api(server, "POST", "/api/geofences", leader, json=school).status_code == 200

    sos = alarm_bits(AlarmKind.EMERGENCY)
    send(server, "013800000001", [
        fix("013800000001", 1, 0, 0.2, 0.5),  # on the route
        fix("013800000001", 1, 10, 1.5, 1.5),  # off the route, into cell 4 (forbidden)
        fix("013800000001", 1, 20, 1.6, 1.5, alarm=sos),  # and the driver presses SOS
    ])
    alarms = wait_alarms(server, token, 3)
    kinds = {a["kind"] for a in alarms}
    assert kinds == {"corridor_exit", "forbidden_area", "emergency"}
    assert all(a["acknowledged_at"] is None and a["vehicle_id"] == "V001" for a in alarms)
    sos_alarm = next(a for a in alarms if a["kind"] == "emergency")
    assert sos_alarm["severity"] == "critical" and sos_alarm["raised_at"] == T0.format(1, 20)

    # the alarms travel in the change feed to every workstation
    feed = api(server, "GET", "/api/changes", token, params={"after": 0, "limit": 5000}).json()
    assert {c["id"] for c in feed["changes"] if c["entity"] == "alarm"} >= {a["alarm_id"] for a in alarms}
    assert sum(1 for c in feed["changes"] if c["entity"] == "geofence") == 2

    path = f"/api/alarms/{sos_alarm['alarm_id']}/ack"
    assert api(server, "POST", path, token, json={"note": "   "}).status_code == 422
    assert api(server, "POST", "/api/alarms/nope/ack", token, json={"note": "x"}).status_code == 404
    assert api(server, "GET", "/api/alarms", token, params={"unacknowledged": True}).json()["alarms"]
    done = api(server, "POST", path, token, json={"note": "called the driver: pressed by mistake",
                                                 "acknowledged_at": "2024-05-01T08:02:00+08:00"}).json()
    assert done["acknowledged"] is True
    row = done["alarm"]
    assert (row["acknowledged_by"], row["ack_workstation"], row["acknowledged_at"]) == (
        "dispatcher", "T1", "2024-05-01T08:02:00+08:00")
    # a second acknowledgement changes nothing and says who was first
    again = api(server, "POST", path, leader, json={"note": "me too"}).json()
    assert again["acknowledged"] is False and again["alarm"]["ack_note"].startswith("called")
    waiting = api(server, "GET", "/api/alarms", token, params={"unacknowledged": True}).json()["alarms"]
    assert {a["kind"] for a in waiting} == {"corridor_exit", "forbidden_area"}

    # back on the route: the condition ends, the alarm still waits for a person
    send(server, "013800000001", [fix("013800000001", 1, 30, 1.0, 0.5)])
    assert wait_until(lambda: all(
        a["ended_at"] for a in api(server, "GET", "/api/alarms", token).json()["alarms"]
        if a["kind"] in ("corridor_exit", "forbidden_area", "emergency")), 10, 0.2)
    waiting = api(server, "GET", "/api/alarms", token, params={"unacknowledged": True}).json()["alarms"]
    assert len(waiting) == 2


def test_alarm_conditions_survive_a_server_restart(sqlite_server):
    token = sqlite_server.login()
    send(sqlite_server, "013800000002", [fix("013800000002", 2, 0, 0.5, 0.5,
                                             alarm=alarm_bits(AlarmKind.FATIGUE))])
    first = wait_alarms(sqlite_server, token, 1)
    sqlite_server.kill()
    sqlite_server.start()
    token = sqlite_server.login()
    assert api(sqlite_server, "GET", "/api/alarms", token).json()["alarms"] == first
    # still tired after the restart: not a second alarm
    send(sqlite_server, "013800000002", [fix("013800000002", 2, 10, 0.5, 0.6,
                                             alarm=alarm_bits(AlarmKind.FATIGUE))])
    # The gateway judges stored batches one after another on one thread, so
    # once an SOS sent after that fix has been judged, so has the fix.
    send(sqlite_server, "013800000001", [fix("013800000001", 2, 20, 0.2, 0.5,
                                             alarm=alarm_bits(AlarmKind.EMERGENCY))])
    alarms: list[dict] = []

    def sos_judged() -> bool:
        nonlocal alarms
        alarms = api(sqlite_server, "GET", "/api/alarms", token).json()["alarms"]
        return any(a["kind"] == "emergency" for a in alarms)

    assert wait_until(sos_judged, 10, 0.2), alarms
    assert [a for a in alarms if a["kind"] != "emergency"] == first


def test_now_iso_helper_matches_the_wire_format():
    from datetime import datetime
    assert to_iso(datetime(2024, 5, 1, 8, 0, 0, tzinfo=CST)) == T0.format(0, 0)
    assert json.loads(json.dumps(T0.format(1, 2))) == "2024-05-01T08:01:02+08:00"
