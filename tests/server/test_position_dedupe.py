"""One row per fix in the real store, on SQLite and PostgreSQL: copies in a
batch and copies of stored fixes are skipped, and a database made before
that rule loses its copies and gets the rule when a new server opens it."""

from __future__ import annotations

from sqlalchemy import Index, MetaData, Table, create_engine, inspect, text

from core.positions import PositionFix
from server.storage import ServerStore
from server.storage import schema as s
from server.storage.positions import FIX_KEY_INDEX


def vehicle(vid: str, phone: str) -> dict:
    return {"vehicle_id": vid, "plate": vid, "kind": "sweeper", "terminal_phone": phone,
            "department_id": None}


def fix(second: int, lon: float = 116.41, lat: float = 39.92) -> PositionFix:
    return PositionFix(terminal_phone="013800000001", device_time=f"2024-05-01T08:00:{second:02d}+08:00",
                       lon=lon, lat=lat, speed_kmh=8.0, status=0b11)


def test_a_batch_keeps_the_first_copy_of_each_fix(db_url):
    store = ServerStore(db_url)
    try:
        store.write_entities("vehicle", [vehicle("V1", "013800000001"), vehicle("V2", "013800000002")])
        assert store.store_fixes([("V1", fix(0)), ("V1", fix(10))]) == [0, 1]
        before = store.positions.last_id()
        # A copy of a stored fix, a copy within the batch (its first copy
        # wins, even with other coordinates), another vehicle at the same
        # second, and a new fix that is older than the newest.
        got = store.store_fixes([
            ("V1", fix(10)), ("V1", fix(20, lon=116.42)), ("V1", fix(20, lon=116.43)),
            ("V2", fix(10)), ("V1", fix(5)), ("V1", fix(0))])
        assert got == [1, 3, 4]
        new = store.positions.after(before)
        assert [(r["vehicle_id"], r["device_time"][17:19], r["lon"]) for r in new] == [
            ("V1", "20", 116.42), ("V2", "10", 116.41), ("V1", "05", 116.41)]
        assert all(r["position_id"] > before for r in new)
        assert store.positions.events.last_id == new[-1]["position_id"] == store.positions.last_id()
        latest = {v["vehicle_id"]: v for v in store.positions.latest()}
        assert latest["V1"]["device_time"][17:19] == "20" and latest["V1"]["lon"] == 116.42
        assert latest["V1"]["position_id"] == new[0]["position_id"]
        # Only copies: nothing stored, nothing moves, nobody is woken.
        assert store.store_fixes([("V1", fix(20, lon=116.5)), ("V2", fix(10))]) == []
        assert store.positions.last_id() == new[-1]["position_id"]
        assert store.count("positions") == 5
    finally:
        store.close()


def _old_database(url: str) -> None:
    """Positions as an older server made them: a plain index on (vehicle,
    device time), and copies stored twice."""
    old = MetaData()
    table = Table("positions", old, *(c._copy() for c in s.positions.columns))
    Index("ix_positions_vehicle_time", table.c.vehicle_id, table.c.device_time)
    engine = create_engine(url)
    old.create_all(engine)
    rows = [(1, "V1", 0), (2, "V1", 10), (3, "V1", 10), (4, "V2", 10), (5, "V1", 20),
            (6, "V1", 0), (7, "V1", 20)]
    with engine.begin() as conn:
        for pid, vid, second in rows:
            conn.execute(text(
                "INSERT INTO positions (position_id, vehicle_id, device_time, recv_time, lon, lat, "
                "altitude_m, speed_kmh, heading, alarm, status, flags) VALUES "
                "(:pid, :vid, :t, :t, 116.41, 39.92, 0, 8.0, 0, 0, 3, 0)"),
                {"pid": pid, "vid": vid, "t": f"2024-05-01T08:00:{second:02d}+08:00"})
        if engine.dialect.name == "postgresql":
            # As if the server had drawn these ids itself.
            conn.execute(text("SELECT setval(pg_get_serial_sequence('positions', 'position_id'), 7)"))
    engine.dispose()


def test_an_older_database_loses_its_copies_and_gets_the_rule(db_url):
    _old_database(db_url)
    store = ServerStore(db_url)
    try:
        store.write_entities("vehicle", [vehicle("V1", "013800000001"), vehicle("V2", "013800000002")])
        # The latest position points at the copy that is about to go.
        with store.engine.begin() as conn:
            conn.execute(s.vehicle_latest.insert().values(
                vehicle_id="V1", position_id=5, device_time="2024-05-01T08:00:20+08:00",
                recv_time="2024-05-01T08:00:20+08:00", lon=116.41, lat=39.92, speed_kmh=8.0,
                heading=0, alarm=0, status=3, flags=0))
        assert store.positions.ensure_fix_key() == 3
        # Of each fix's copies the newest id stays, so no id a client has
        # seen can be handed out again.
        assert [r["position_id"] for r in store.positions.after(0)] == [3, 4, 6, 7]
        assert store.positions.latest()[0]["position_id"] == 7
        indexes = {i["name"]: i for i in inspect(store.engine).get_indexes("positions")}
        assert indexes[FIX_KEY_INDEX]["unique"]
        assert "ix_positions_vehicle_time" not in indexes
        assert store.store_fixes([("V1", fix(10)), ("V1", fix(30))]) == [1]
        assert store.positions.after(7)[0]["device_time"].endswith("08:00:30+08:00")
    finally:
        store.close()
    # A second start finds the rule in place and changes nothing.
    store = ServerStore(db_url)
    try:
        assert store.positions.ensure_fix_key() == 0
        store.ensure_indexes()
        assert store.count("positions") == 5
    finally:
        store.close()


def test_a_new_database_has_the_rule_from_the_start(db_url):
    store = ServerStore(db_url)
    try:
        indexes = {i["name"]: i for i in inspect(store.engine).get_indexes("positions")}
        assert indexes[FIX_KEY_INDEX]["unique"]
        assert "ix_positions_vehicle_time" not in indexes
        assert store.positions.ensure_fix_key() == 0
    finally:
        store.close()
