"""The simulator's fleet: realistic routes, coverage gaps that back-fill, and
misbehaving terminals the gateway must shrug off (real TCP, real store)."""

from __future__ import annotations

import asyncio
import random

import numpy as np
import pytest

from core.alarms import AlarmKind, AlarmMonitor, Geofence, MonitorFix
from core.coords import haversine_m, wgs84_to_gcj02
from core.positions import PositionFix
from server.gateway import JT808Gateway
from server.simulator import (
    CoverageGaps,
    DeviceClock,
    DriveStats,
    FleetVehicle,
    SimulatedTerminal,
    drive,
)
from server.simulator.routes import (
    CellGrid,
    Route,
    RouteDriver,
    build_routes,
    demo_geofences,
    to_wgs,
)
from server.storage import ServerStore
from support import until

LON0, LAT0 = 116.40, 39.90
STEP = 0.0012  # ~100 m


def grid(n: int = 25) -> tuple[CellGrid, list[str]]:
    lon = np.array([LON0 + (i % n) * STEP for i in range(n * n)])
    lat = np.array([LAT0 + (i // n) * STEP * 0.77 for i in range(n * n)])
    return CellGrid(lon, lat), [f"110101001001{i:03d}" for i in range(n * n)]


def test_routes_follow_neighbouring_cells():
    g, _codes = grid()
    kinds = ["sweeper", "sprinkler", "muck_truck", "patrol"] * 3
    routes = build_routes(kinds, g, seed=1)
    assert [r.kind for r in routes] == ["sweep", "sweep", "shuttle", "loop"] * 3
    for route in routes:
        steps = [haversine_m(*a, *b) for a, b in zip(route.points, route.points[1:], strict=False)]
        # streets and shuttles go cell to cell; a patrol beat skips a cell or two
        assert len(route.points) >= 2 and max(steps) < (600 if route.kind == "loop" else 400), route
    shuttle = routes[2]
    ends = haversine_m(*shuttle.points[0], *shuttle.points[-1])
    assert ends >= 1500  # between two sites at least 1.5 km apart


def test_a_sweeper_sweeps_at_eight_km_per_hour():
    g, _ = grid()
    route = Route("sweep", to_wgs(build_routes(["sweeper"], g, seed=2)[0].points))
    driver = RouteDriver(route, 8.0, rng=random.Random(2))
    for _ in range(360):
        driver.advance(10.0)  # an hour in 10-second reports
    assert driver.odometer_km == pytest.approx(8.0, rel=0.01)
    assert driver.current_speed_kmh == 8.0


def test_a_muck_truck_loads_drives_its_route_and_stays_in_its_corridor():
    g, codes = grid()
    trucks = [FleetVehicle("M1", "muck_truck", "013900000001", "京M0001")]
    gcj = build_routes(["muck_truck"], g, seed=3)
    fences = demo_geofences(trucks, gcj, g, codes, seed=3)
    rules = [Geofence.from_dict(f, {c: [[LON0, LAT0], [LON0 + 1e-3, LAT0], [LON0, LAT0 + 1e-3]]
                                    for c in codes}) for f in fences]
    assert {r.kind.value for r in rules} == {"corridor", "forbidden", "parking"}
    driver = RouteDriver(Route("shuttle", to_wgs(gcj[0].points)), 30.0, rng=random.Random(3),
                         misconduct=0.0)
    monitor = AlarmMonitor([r for r in rules if r.kind.value == "corridor"])
    first = driver.advance(10.0)
    assert driver.current_speed_kmh == 0.0  # loading at the site
    t, raised = 0.0, []
    for _ in range(1200):
        t += 10.0
        lon, lat = driver.advance(10.0)
        glon, glat = wgs84_to_gcj02(lon, lat)
        raised += monitor.feed(MonitorFix("M1", "muck_truck", t, glon, glat,
                                          driver.current_speed_kmh))
    assert raised == []  # an honest truck never leaves its approved route
    assert driver.odometer_km > 5 and first == to_wgs(gcj[0].points)[0]


def test_a_misbehaving_truck_leaves_its_route_or_waits_too_long():
    g, codes = grid()
    gcj = build_routes(["muck_truck"], g, seed=4)
    corridor = demo_geofences([FleetVehicle("M1", "muck_truck", "1")], gcj, g, codes)[0]
    parking = Geofence.from_dict({"geofence_id": "P", "kind": "parking", "max_minutes": 15})
    monitor = AlarmMonitor([Geofence.from_dict(corridor), parking])
    driver = RouteDriver(Route("shuttle", to_wgs(gcj[0].points)), 30.0, rng=random.Random(4),
                         misconduct=1.0)
    kinds = set()
    t = 0.0
    for _ in range(6000):
        t += 10.0
        lon, lat = driver.advance(10.0)
        glon, glat = wgs84_to_gcj02(lon, lat)
        kinds |= {e.kind for e in monitor.feed(MonitorFix("M1", "muck_truck", t, glon, glat,
                                                           driver.current_speed_kmh))}
    assert kinds == {AlarmKind.CORRIDOR_EXIT, AlarmKind.PARKING_OVERTIME}


def test_coverage_gaps_come_and_go():
    gaps = CoverageGaps(random.Random(5), per_minute=6.0, min_s=5, max_s=10)
    blind = [gaps.blind(t * 0.5) for t in range(2400)]  # 20 minutes in half seconds
    assert 0.2 < sum(blind) / len(blind) < 0.9
    runs, current = [], 0
    for b in blind:
        if b:
            current += 1
        elif current:
            runs.append(current * 0.5)
            current = 0
    # a gap lasts 5-10 s (two may follow each other without a break)
    assert runs and all(r >= 4.5 for r in runs) and 4.5 <= sorted(runs)[len(runs) // 2] <= 10.5
    assert not any(CoverageGaps(random.Random(1), per_minute=0).blind(t) for t in range(100))


@pytest.fixture
def store(tmp_path):
    s = ServerStore(f"sqlite:///{tmp_path / 'server.db'}")
    s.write_entities("vehicle", [
        {"vehicle_id": f"V{i}", "plate": f"京A0000{i}", "kind": "patrol",
         "terminal_phone": f"01380000000{i}", "department_id": None} for i in (1, 2)])
    yield s
    s.close()


def test_gaps_backfill_and_junk_is_dropped_without_harming_anyone(store):
    lon = np.array([116.4106, 116.4118, 116.4106, 116.4118])
    lat = np.array([39.9205, 39.9205, 39.9214, 39.9214])

    async def scenario():
        gw = JT808Gateway(store, port=0)
        await gw.start()
        stop = asyncio.Event()
        try:
            rng = random.Random(6)
            faulty = SimulatedTerminal("013800000001", "127.0.0.1", gw.port, misbehave=0.5, rng=rng)
            clean = SimulatedTerminal("013800000002", "127.0.0.1", gw.port)
            from server.simulator import Driver

            stats = [DriveStats(), DriveStats()]
            # A report every 0.1 s of wall time, every second of device time:
            # the store keeps one fix per vehicle and device second.
            clock = DeviceClock(10.0)
            gaps = CoverageGaps(random.Random(7), per_minute=3.0, min_s=5.0, max_s=10.0)
            tasks = [
                asyncio.create_task(drive(faulty, Driver(lon, lat, 30.0, rng=rng), stop,
                                          interval=0.1, heartbeat_every=0, stats=stats[0],
                                          clock=clock)),
                asyncio.create_task(drive(clean, Driver(lon, lat, 30.0), stop, interval=0.1,
                                          heartbeat_every=0, stats=stats[1], gaps=gaps,
                                          clock=clock)),
            ]
            # Drive until everything the assertions below count has happened
            # (junk sent, fixes acknowledged, a coverage gap and its back-fill),
            # not for a fixed time that a loaded machine may not fill.
            await until(lambda: (stats[0].junk > 5 and stats[0].acked > 10 and stats[1].gaps >= 1
                                 and stats[1].backfilled > 0), 20)
            stop.set()
            await asyncio.gather(*tasks)
            return stats, gw.stats()
        finally:
            await gw.stop()

    (faulty, clean), gw = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert faulty.junk > 5 and gw["bad_frames"] >= faulty.junk * 0.4
    assert gw["disconnected_bad_frames"] == 0
    assert clean.gaps >= 1 and clean.backfilled > 0
    rows = store.positions.after(0)
    by_vehicle = {v: [r for r in rows if r["vehicle_id"] == v] for v in ("V1", "V2")}
    assert len(by_vehicle["V1"]) >= faulty.acked > 10
    distinct = {(r["device_time"], r["lon"], r["lat"]) for r in by_vehicle["V2"]}
    assert len(distinct) >= clean.acked + clean.backfilled - 1
    assert all(r["flags"] == 0 for r in rows)


def test_junk_is_really_junk():
    t = SimulatedTerminal("013800000001", "127.0.0.1", 1, misbehave=1.0, rng=random.Random(8))
    from core.jt808 import FrameError, decode_frame, encode_message, encode_position

    frame = encode_message(0x0200, "013800000001", 1, encode_position(PositionFix(
        "013800000001", "2024-05-01T08:00:00+08:00", 116.4, 39.9, status=3)))
    for _ in range(50):
        with pytest.raises(FrameError):
            decode_frame(t._junk(frame))


def test_a_truck_with_an_approved_route_on_record_drives_that_route(tmp_path):
    from server.simulator import approved_routes

    url = f"sqlite:///{tmp_path / 'server.db'}"
    s = ServerStore(url)
    line = [[116.40, 39.90], [116.41, 39.90], [116.41, 39.91]]
    for gid, vehicles in (("a", ["M1"]), ("b", ["M2"]), ("c", ["M2"])):
        s.geofences.save({"geofence_id": gid, "name": gid, "kind": "corridor", "width_m": 50,
                              "geometry": {"type": "LineString", "coordinates": line},
                              "vehicle_ids": vehicles}, "test")
    rows = s.geofences.rows()
    s.close()
    # M2 is bound by two corridors: no single route to drive, so it gets a fresh one
    assert approved_routes(rows) == {"M1": [tuple(p) for p in line]}
