"""The JT/T 808 gateway over real TCP on 127.0.0.1, storing into a real
ServerStore on a temporary SQLite file.

The first tests use a terminal written here from the public description of
the protocol, byte by byte, so they do not share the codec's mistakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import requests

from core.jt808 import Edition
from core.positions import FixFlag, PositionFix
from server.gateway import JT808Gateway
from server.gateway.server import SpeedCheck
from server.simulator import DeviceClock, Driver, DriveStats, SimulatedTerminal, drive
from server.storage import ServerStore
from support import ServerProcess, seed_small_world, until

REPO = Path(__file__).resolve().parents[2]
TEST_TIMEOUT = 15.0


def run(coro, timeout: float = TEST_TIMEOUT):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def vehicle(vid: str, phone: str, kind: str = "sweeper") -> dict:
    return {"vehicle_id": vid, "plate": f"京A{vid[-5:]:0>5}", "kind": kind,
            "terminal_phone": phone, "department_id": None}


def two_vehicle_store(url: str) -> ServerStore:
    s = ServerStore(url)
    s.write_entities("vehicle", [vehicle("V001", "013800000001"),
                                 vehicle("V002", "013800000002", "patrol")])
    return s


@pytest.fixture
def store(tmp_path):
    s = two_vehicle_store(f"sqlite:///{tmp_path / 'server.db'}")
    yield s
    s.close()


# ---- a terminal built by hand from the public description --------------------


def bcd(digits: str, size: int) -> bytes:
    return bytes.fromhex(digits.rjust(size * 2, "0"))


def xor(data: bytes) -> int:
    out = 0
    for b in data:
        out ^= b
    return out


def build_frame(msg_id: int, phone: str, serial: int, body: bytes = b"", *,
                v2019: bool = False, bad_check: bool = False) -> bytes:
    """7E | escaped(header + body + xor) | 7E; header per JT/T 808 2013 or 2019."""
    props = len(body)
    if v2019:
        head = struct.pack(">HHB", msg_id, props | 0x4000, 1) + bcd(phone, 10)
    else:
        head = struct.pack(">HH", msg_id, props) + bcd(phone, 6)
    raw = head + struct.pack(">H", serial) + body
    raw += bytes([xor(raw) ^ (0xFF if bad_check else 0)])
    raw = raw.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")
    return b"\x7e" + raw + b"\x7e"


def position_body(lon: float, lat: float, when: str, *, speed_kmh: float = 8.0,
                  status: int = 0b11, alarm: int = 0) -> bytes:
    """0x0200 body: alarm, status, lat, lon (x10^6), altitude, speed (0.1 km/h),
    heading, BCD time YYMMDDhhmmss; then satellites (0x31) as an extra item."""
    return (struct.pack(">IIIIHHH", alarm, status, round(lat * 1e6), round(lon * 1e6), 44,
                        round(speed_kmh * 10), 90)
            + bytes.fromhex(when) + b"\x31\x01\x0b")


def batch_body(items: list[bytes]) -> bytes:
    """0x0704 body: item count, type 1 (blind-area back-fill), then each
    0x0200 body after its WORD length."""
    return struct.pack(">HB", len(items), 1) + b"".join(struct.pack(">H", len(i)) + i for i in items)


def register_body(plate: str, *, v2019: bool = False) -> bytes:
    maker, model, tid = (11, 30, 30) if v2019 else (5, 20, 7)
    return (struct.pack(">HH", 11, 101) + b"GDTST".ljust(maker, b"\x00")
            + b"HAND-MADE".ljust(model, b"\x00") + b"T000001".ljust(tid, b"\x00")
            + b"\x01" + plate.encode("gbk"))


class RawTerminal:
    def __init__(self, port: int, phone: str, *, v2019: bool = False):
        self.port, self.phone, self.v2019 = port, phone, v2019
        self.serial = 0
        self.buffer = b""

    async def __aenter__(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc):
        self.writer.close()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, msg_id: int, body: bytes = b"", **kw) -> int:
        serial = self.serial
        self.serial += 1
        await self.send_raw(build_frame(msg_id, self.phone, serial, body, v2019=self.v2019, **kw))
        return serial

    async def read_frame(self, timeout: float = 5.0) -> dict:
        while True:
            start = self.buffer.find(b"\x7e")
            end = self.buffer.find(b"\x7e", start + 1) if start >= 0 else -1
            if end > start + 1:
                content, self.buffer = self.buffer[start + 1:end], self.buffer[end + 1:]
                break
            chunk = await asyncio.wait_for(self.reader.read(4096), timeout)
            if not chunk:
                raise ConnectionError("gateway closed the connection")
            self.buffer += chunk
        raw = content.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")
        assert xor(raw[:-1]) == raw[-1], "reply check byte"
        msg_id, props = struct.unpack_from(">HH", raw)
        v2019 = bool(props & 0x4000)
        if v2019:
            phone, pos = raw[5:15].hex(), 15
            assert raw[4] == 1  # protocol version
        else:
            phone, pos = raw[4:10].hex(), 10
        serial = struct.unpack_from(">H", raw, pos)[0]
        body = raw[pos + 2:-1]
        assert len(body) == props & 0x3FF
        return {"msg_id": msg_id, "v2019": v2019, "phone": phone, "serial": serial,
                "body": body}

    async def expect_general_reply(self, serial: int, msg_id: int) -> int:
        frame = await self.read_frame()
        assert frame["msg_id"] == 0x8001
        assert frame["v2019"] == self.v2019 and frame["phone"] == self.phone
        got_serial, got_id, result = struct.unpack(">HHB", frame["body"])
        assert (got_serial, got_id) == (serial, msg_id)
        return result

    async def login(self, plate: str = "京A00001") -> str:
        serial = await self.send(0x0100, register_body(plate, v2019=self.v2019))
        frame = await self.read_frame()
        assert frame["msg_id"] == 0x8100
        reply_serial, result = struct.unpack_from(">HB", frame["body"])
        assert (reply_serial, result) == (serial, 0)
        code = frame["body"][3:]
        if self.v2019:
            auth = bytes([len(code)]) + code + b"860000000000001" + b"1.0".ljust(20, b"\x00")
        else:
            auth = code
        serial = await self.send(0x0102, auth)
        assert await self.expect_general_reply(serial, 0x0102) == 0
        return code.decode()


async def started(store, **kw) -> JT808Gateway:
    gw = JT808Gateway(store, **kw)
    await gw.start()
    return gw


@contextlib.asynccontextmanager
async def running(store, **kw):
    """A started gateway, stopped on the way out whatever happened."""
    gw = await started(store, **kw)
    try:
        yield gw
    finally:
        await gw.stop()


# ---- the protocol ----------------------------------------------------------


def test_hand_built_terminal_registers_authenticates_and_reports(store):
    async def scenario():
        async with running(store) as gw:
            async with RawTerminal(gw.port, "013800000001") as t:
                await t.login()
                serial = await t.send(0x0200, position_body(116.41, 39.93, "240501080000"))
                assert await t.expect_general_reply(serial, 0x0200) == 0
            return gw.stats()

    stats = run(scenario())
    rows = store.positions.after(0)
    assert len(rows) == 1
    row = rows[0]
    assert row["vehicle_id"] == "V001"
    assert (row["lon"], row["lat"]) == (116.41, 39.93)
    assert row["device_time"] == "2024-05-01T08:00:00+08:00"
    assert (row["speed_kmh"], row["heading"], row["altitude_m"]) == (8.0, 90, 44)
    assert row["flags"] == 0 and row["status"] == 0b11
    assert [p["vehicle_id"] for p in store.positions.latest()] == ["V001"]
    assert stats["positions_received"] == stats["positions_stored"] == 1
    assert stats["frames"] == 3 and stats["bad_frames"] == 0
    assert stats["connections_total"] == 1
    terminal = stats["terminals"]["013800000001"]
    assert terminal["vehicle_id"] == "V001" and terminal["frames"] == 3
    assert terminal["last_seen"].endswith("+08:00")


def test_corrupt_frames_are_counted_dropped_and_the_connection_survives(store):
    async def scenario():
        async with running(store) as gw:
            async with RawTerminal(gw.port, "013800000001") as t:
                await t.login()
                await t.send(0x0002, bad_check=True)  # bad check byte
                await t.send_raw(b"\x7e\x01\x02\x03garbage\x7e")  # garbage between flags
                await t.send_raw(b"\x7e\x00\x02\x00\x00\x7d\x03\x7e")  # bad escape
                await t.send_raw(b"noise before the next frame")
                serial = await t.send(0x0200, position_body(116.41, 39.93, "240501080005"))
                # the first thing back is the reply to the good frame
                assert await t.expect_general_reply(serial, 0x0200) == 0
                serial = await t.send(0x0002)
                assert await t.expect_general_reply(serial, 0x0002) == 0
                stats = gw.stats()
                assert stats["connections_open"] == 1
            return stats

    stats = run(scenario())
    # the noise before the next frame joins the candidate that ends at its 0x7E
    assert stats["bad_frames"] == 4
    assert stats["positions_stored"] == 1
    assert store.count("positions") == 1


def test_position_before_authentication_is_refused(store):
    async def scenario():
        async with running(store) as gw:
            async with RawTerminal(gw.port, "013800000001") as t:
                serial = await t.send(0x0200, position_body(116.41, 39.93, "240501080000"))
                assert await t.expect_general_reply(serial, 0x0200) == 1
                # registered but not yet authenticated: still refused
                await t.send(0x0100, register_body("京A00001"))
                assert (await t.read_frame())["msg_id"] == 0x8100
                serial = await t.send(0x0200, position_body(116.41, 39.93, "240501080001"))
                assert await t.expect_general_reply(serial, 0x0200) == 1
                # a wrong auth code is refused, and so are positions after it
                serial = await t.send(0x0102, b"not-the-code")
                assert await t.expect_general_reply(serial, 0x0102) == 1
                serial = await t.send(0x0200, position_body(116.41, 39.93, "240501080002"))
                assert await t.expect_general_reply(serial, 0x0200) == 1
            return gw.stats()

    stats = run(scenario())
    assert store.count("positions") == 0
    assert stats["positions_refused"] == 3 and stats["positions_received"] == 0


def test_authentication_covers_only_its_own_terminal_number(store):
    async def scenario():
        async with running(store) as gw, RawTerminal(gw.port, "013800000001") as t:
            await t.login()
            t.phone = "013800000002"  # same connection, another vehicle's number
            serial = await t.send(0x0200, position_body(116.41, 39.93, "240501080000"))
            assert await t.expect_general_reply(serial, 0x0200) == 1

    run(scenario())
    assert store.count("positions") == 0


def test_2019_terminal_maps_to_the_same_vehicle_as_2013(store):
    async def scenario():
        async with running(store) as gw:
            async with RawTerminal(gw.port, "00000000013800000001", v2019=True) as t:
                await t.login()
                serial = await t.send(0x0200, position_body(116.42, 39.91, "240501090000"))
                assert await t.expect_general_reply(serial, 0x0200) == 0
                serial = await t.send(0x0002)
                assert await t.expect_general_reply(serial, 0x0002) == 0
            return gw.stats()

    stats = run(scenario())
    rows = store.positions.after(0)
    assert [(r["vehicle_id"], r["lon"], r["lat"]) for r in rows] == [("V001", 116.42, 39.91)]
    assert set(stats["terminals"]) == {"013800000001"}


def test_unknown_terminal_is_told_so_by_the_register_reply(store):
    async def scenario():
        async with running(store) as gw, RawTerminal(gw.port, "013999999999") as t:
            serial = await t.send(0x0100, register_body("京A99999"))
            frame = await t.read_frame()
            assert frame["msg_id"] == 0x8100
            # result 4: no such terminal in the database; no auth code follows
            assert frame["body"] == struct.pack(">HB", serial, 4)

    run(scenario())


def test_deregister_ends_the_session(store):
    async def scenario():
        async with running(store) as gw, RawTerminal(gw.port, "013800000001") as t:
            await t.login()
            serial = await t.send(0x0003)
            assert await t.expect_general_reply(serial, 0x0003) == 0
            serial = await t.send(0x0200, position_body(116.41, 39.93, "240501080000"))
            assert await t.expect_general_reply(serial, 0x0200) == 1
            serial = await t.send(0x0900, b"\x01")  # unsupported message
            assert await t.expect_general_reply(serial, 0x0900) == 3

    run(scenario())
    assert store.count("positions") == 0


def test_malformed_body_gets_message_error_and_changes_nothing(store):
    async def scenario():
        async with running(store) as gw:
            async with RawTerminal(gw.port, "013800000001") as t:
                await t.login()
                body = position_body(116.41, 39.93, "241301080000")  # month 13
                serial = await t.send(0x0200, body)
                assert await t.expect_general_reply(serial, 0x0200) == 2
                serial = await t.send(0x0200, body[:10])
                assert await t.expect_general_reply(serial, 0x0200) == 2
            return gw.stats()

    stats = run(scenario())
    assert stats["bad_messages"] == 2 and stats["bad_frames"] == 0
    assert store.count("positions") == 0


# ---- copies sent again: stored once, acknowledged every time ---------------------


@pytest.fixture
def any_store(db_url):
    """The real store on SQLite and on PostgreSQL."""
    s = two_vehicle_store(db_url)
    yield s
    s.close()


def test_copies_sent_again_are_stored_once_and_each_is_acknowledged(any_store):
    store = any_store
    lat = 39.93
    live = [position_body(116.4100 + k * 1e-4, lat, f"2405010810{k}0") for k in range(3)]
    # Back-fill from before the live fixes; the driver pressed SOS in the gap.
    gap = [position_body(116.4090 + k * 1e-4, lat, f"24050108094{k}", alarm=1 if k == 1 else 0)
           for k in range(3)]
    batch = batch_body(gap)

    async def scenario():
        async with running(store) as gw:  # stopping waits for alarm judging
            async with RawTerminal(gw.port, "013800000001") as t:
                await t.login()
                # The same frame twice, serial and all: the first reply was lost.
                frame = build_frame(0x0200, t.phone, t.serial, live[0])
                for _ in range(2):
                    await t.send_raw(frame)
                    assert await t.expect_general_reply(t.serial, 0x0200) == 0
                t.serial += 1
                # Two copies in flight at once meet in one batch of the writer.
                first, again = await t.send(0x0200, live[1]), await t.send(0x0200, live[1])
                assert await t.expect_general_reply(first, 0x0200) == 0
                assert await t.expect_general_reply(again, 0x0200) == 0
                assert await t.expect_general_reply(await t.send(0x0200, live[2]), 0x0200) == 0
                # A back-fill batch, then the whole batch again.
                for _ in range(2):
                    assert await t.expect_general_reply(await t.send(0x0704, batch), 0x0704) == 0
            # After a reconnect everything once more, now as a 2019 terminal
            # with the same SIM number: the same vehicle.
            async with RawTerminal(gw.port, "00000000013800000001", v2019=True) as t:
                await t.login()
                for body in live:
                    assert await t.expect_general_reply(await t.send(0x0200, body), 0x0200) == 0
                assert await t.expect_general_reply(await t.send(0x0704, batch), 0x0704) == 0
            return gw.stats()

    stats = run(scenario())
    rows = store.positions.after(0)
    assert [r["device_time"][11:19] for r in sorted(rows, key=lambda r: r["device_time"])] == [
        "08:09:40", "08:09:41", "08:09:42", "08:10:00", "08:10:10", "08:10:20"]
    assert {r["vehicle_id"] for r in rows} == {"V001"}
    assert [r["alarm"] for r in sorted(rows, key=lambda r: r["device_time"])] == [0, 1, 0, 0, 0, 0]
    sent = 2 + 2 + 1 + 2 * 3 + 3 + 3
    assert stats["positions_received"] == sent
    assert stats["positions_stored"] == 6 and stats["positions_duplicate"] == sent - 6
    assert stats["store_errors"] == 0
    # The latest position is a stored row; the cursor ends at the last id.
    ids = [r["position_id"] for r in rows]
    latest = store.positions.latest()
    assert [(v["vehicle_id"], v["device_time"][11:19]) for v in latest] == [("V001", "08:10:20")]
    assert latest[0]["position_id"] in ids
    assert store.positions.last_id() == max(ids) == store.positions.events.last_id
    # The SOS in the back-fill was sent three times and raised one alarm.
    raised = store.alarms.list()
    assert [(a["vehicle_id"], a["kind"]) for a in raised] == [("V001", "emergency")]
    assert stats["alarms_raised"] == 1


def test_copies_of_an_outlier_do_not_pass_for_a_run_of_outliers():
    check = SpeedCheck()
    near = fix("013800000001", "2024-05-01T08:00:00+08:00", 116.4000, 39.9300)
    far = fix("013800000001", "2024-05-01T08:00:10+08:00", 116.9000, 39.9300)  # 42 km in 10 s
    back = fix("013800000001", "2024-05-01T08:00:20+08:00", 116.4003, 39.9300)
    assert check.check("V1", near).flags == 0
    # The outlier, sent four times: each copy is judged as the first was...
    assert [check.check("V1", far).flags for _ in range(4)] == [FixFlag.IMPOSSIBLE_SPEED] * 4
    # ...and one outlier stays one: the vehicle did not really go there.
    assert check.check("V1", back).flags == 0


def test_two_gateways_on_one_postgresql_store_each_fix_once(pg_url):
    """The same terminal's copies reach two server processes at the same
    moment (a load balancer moved it between two retries): one row each."""
    seed_small_world(pg_url)
    servers = [ServerProcess(pg_url).start(), ServerProcess(pg_url).start()]
    rounds = 6

    def items(k: int) -> list[bytes]:
        return [position_body(116.41 + i * 1e-4, 39.92 + k * 1e-4, f"24050108{k:02d}{i:02d}")
                for i in range(8)]

    async def scenario():
        terminals = [RawTerminal(server.jt808_port, "013800000001") for server in servers]
        for t in terminals:
            await t.__aenter__()
        try:
            for t in terminals:
                await t.login()

            async def send(t: RawTerminal, k: int) -> list[int]:
                results = [await t.expect_general_reply(await t.send(0x0704, batch_body(items(k))),
                                                        0x0704)]
                live = position_body(116.42, 39.93, f"24050110{k:02d}00")
                results.append(await t.expect_general_reply(await t.send(0x0200, live), 0x0200))
                return results

            for k in range(rounds):
                assert await asyncio.gather(*(send(t, k) for t in terminals)) == [[0, 0], [0, 0]]
        finally:
            for t in terminals:
                await t.__aexit__(None, None, None)

    try:
        run(scenario(), 30)
        stats = []
        for server in servers:
            token = server.login()
            stats.append(requests.get(server.url + "/api/gateway/stats", timeout=10,
                                      headers={"Authorization": f"Bearer {token}"}).json())
    finally:
        for server in servers:
            server.stop()
    store = ServerStore(pg_url)
    try:
        rows = store.positions.after(0)
        unique = rounds * (8 + 1)
        assert len(rows) == unique
        assert len({(r["vehicle_id"], r["device_time"]) for r in rows}) == unique
        assert sum(s["positions_stored"] for s in stats) == unique
        assert sum(s["positions_duplicate"] for s in stats) == unique
        assert all(s["store_errors"] == 0 for s in stats)
        ids = [r["position_id"] for r in rows]
        assert ids == sorted(set(ids))
    finally:
        store.close()


# ---- batches, flags, batching ------------------------------------------------


def fix(phone: str, when: str, lon: float, lat: float, **kw) -> PositionFix:
    return PositionFix(terminal_phone=phone, device_time=when, lon=lon, lat=lat,
                       status=0b11, **kw)


def test_backfill_is_stored_and_impossible_speeds_flagged(store):
    base = "2024-05-01T08:00:{:02d}+08:00"
    fixes = [
        fix("013800000002", base.format(20), 116.4030, 39.9300),
        fix("013800000002", base.format(0), 116.4000, 39.9300),  # back-filled, older
        fix("013800000002", base.format(30), 116.9000, 39.9300),  # 42 km in 10 s
        fix("013800000002", base.format(10), 116.4015, 39.9300),
        fix("013800000002", base.format(40), 116.4045, 39.9300),  # back near the road
        fix("013800000002", base.format(50), 0.0, 0.0, speed_kmh=0.0),
    ]

    async def scenario():
        async with running(store) as gw:
            t = SimulatedTerminal("13800000002", "127.0.0.1", gw.port)
            try:
                await t.connect()
                await t.login()
                assert (await t.report_batch(fixes)).result == 0
            finally:
                await t.close()

    run(scenario())
    rows = {r["device_time"][-11:-6]: r for r in store.positions.after(0)}
    assert len(rows) == 6 and {r["vehicle_id"] for r in rows.values()} == {"V002"}
    assert rows["00:00"]["flags"] == 0
    assert rows["00:10"]["flags"] == 0
    assert rows["00:20"]["flags"] == 0
    assert rows["00:30"]["flags"] == FixFlag.IMPOSSIBLE_SPEED
    assert rows["00:40"]["flags"] == 0  # compared with 00:20, not with the outlier
    assert rows["00:50"]["flags"] == FixFlag.ZERO | FixFlag.OUTSIDE_CHINA
    latest = store.positions.latest()[0]
    assert latest["device_time"] == base.format(50)


class ObservedStore(ServerStore):
    """The real store, noting which thread calls it and how big each batch is."""

    def __init__(self, url: str):
        super().__init__(url)
        self.threads: set[str] = set()
        self.batches: list[int] = []

    def register_terminal(self, phone):
        self.threads.add(threading.current_thread().name)
        return super().register_terminal(phone)

    def authenticate_terminal(self, phone, auth_code):
        self.threads.add(threading.current_thread().name)
        return super().authenticate_terminal(phone, auth_code)

    def store_fixes(self, fixes):
        self.threads.add(threading.current_thread().name)
        self.batches.append(len(fixes))
        return super().store_fixes(fixes)


def test_many_concurrent_terminals_are_batched_off_the_event_loop(tmp_path):
    store = ObservedStore(f"sqlite:///{tmp_path / 'server.db'}")
    n, reports = 200, 3
    store.write_entities("vehicle", [vehicle(f"V{i:04d}", f"0139{i:08d}") for i in range(n)])

    async def one(port: int, i: int) -> None:
        edition = Edition.V2019 if i % 5 == 4 else Edition.V2013
        t = SimulatedTerminal(f"0139{i:08d}", "127.0.0.1", port, edition=edition,
                              reply_timeout=10.0)
        try:
            await t.connect()
            await t.login()
            for k in range(reports):
                when = f"2024-05-01T08:{k:02d}:{i % 60:02d}+08:00"
                reply = await t.report(fix(t.phone, when, 116.40 + i * 1e-4, 39.93 + k * 1e-4))
                assert reply.result == 0
        finally:
            await t.close()

    async def scenario():
        async with running(store) as gw:
            await asyncio.gather(*(one(gw.port, i) for i in range(n)))
            return gw.stats()

    try:
        stats = run(scenario())
        assert store.count("positions") == n * reports
        assert len(store.positions.latest()) == n
        assert stats["positions_stored"] == n * reports
        assert stats["connections_total"] == n and stats["connections_open"] == 0
        assert len(stats["terminals"]) == n
        assert sum(store.batches) == n * reports
        assert len(store.batches) < n * reports  # batched, not one call per fix
        assert max(store.batches) <= 2000
        assert threading.main_thread().name not in store.threads
    finally:
        store.close()


class FailingOnceStore(ServerStore):
    """The real store whose first position write fails, as a database outage would."""

    failures = 1

    def store_fixes(self, fixes):
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database went away")
        return super().store_fixes(fixes)


def test_store_failure_is_reported_to_the_terminal_which_may_resend(tmp_path):
    store = FailingOnceStore(f"sqlite:///{tmp_path / 'server.db'}")
    store.write_entities("vehicle", [vehicle("V001", "013800000001")])

    async def scenario():
        async with running(store) as gw:
            async with RawTerminal(gw.port, "013800000001") as t:
                await t.login()
                body = position_body(116.41, 39.93, "240501080000")
                serial = await t.send(0x0200, body)
                assert await t.expect_general_reply(serial, 0x0200) == 1
                serial = await t.send(0x0200, body)
                assert await t.expect_general_reply(serial, 0x0200) == 0
            return gw.stats()

    try:
        stats = run(scenario())
        assert stats["store_errors"] == 1 and stats["positions_stored"] == 1
        assert store.count("positions") == 1
    finally:
        store.close()


# ---- protecting the gateway ------------------------------------------------


def test_a_terminal_flooding_bad_frames_is_cut_off_alone(store):
    async def scenario():
        async with running(store) as gw:
            async with RawTerminal(gw.port, "013800000001") as good, \
                    RawTerminal(gw.port, "013800000002") as bad:
                await good.login()
                await bad.send_raw(b"\x7e" + b"\x01\x02\x03\x7e" * 60)
                with pytest.raises(ConnectionError):
                    await bad.read_frame()
                serial = await good.send(0x0002)
                assert await good.expect_general_reply(serial, 0x0002) == 0
                stats = gw.stats()
                assert stats["connections_open"] == 1
            return stats

    stats = run(scenario())
    assert stats["disconnected_bad_frames"] == 1
    assert stats["bad_frames"] == 51


def test_a_terminal_that_never_ends_its_frame_is_cut_off(store):
    async def scenario():
        async with running(store, max_buffer=64 * 1024) as gw:
            async with RawTerminal(gw.port, "013800000001") as t:
                # the gateway may close before all of it is written
                with contextlib.suppress(ConnectionError):
                    await t.send_raw(b"\x7e" + b"\x00" * (70 * 1024))
                with pytest.raises(ConnectionError):
                    await t.read_frame()
            return gw.stats()

    stats = run(scenario())
    assert stats["disconnected_overflow"] == 1


def test_idle_connections_time_out(store):
    async def scenario():
        async with running(store, idle_timeout=0.3) as gw:
            async with RawTerminal(gw.port, "013800000001") as t:
                await t.login()
                with pytest.raises(ConnectionError):
                    await t.read_frame(timeout=3.0)
            return gw.stats()

    stats = run(scenario())
    assert stats["disconnected_idle"] == 1 and stats["connections_open"] == 0


# ---- the simulator ---------------------------------------------------------


def test_simulated_terminal_reconnects_and_backfills_the_gap(store):
    async def scenario():
        gw = await started(store)
        port = gw.port
        stop = asyncio.Event()
        terminal = SimulatedTerminal("013800000002", "127.0.0.1", port, reply_timeout=1.0)
        driver = Driver(np.array([116.40, 116.41, 116.42]), np.array([39.93, 39.93, 39.94]),
                        speed_kmh=60.0)
        stats = DriveStats()
        # A report every 0.2 s of wall time and every second of device time.
        task = asyncio.create_task(drive(terminal, driver, stop, interval=0.2, max_backoff=0.5,
                                         stats=stats, clock=DeviceClock(5.0)))
        await until(lambda: stats.acked > 0, 5)
        await gw.stop()  # the gateway goes away...
        await until(lambda: stats.buffered > 0, 5)
        async with running(store, port=port):  # ...and comes back
            await until(lambda: stats.backfilled and not stats.buffered, 10)
            stop.set()
            await task
        return stats

    stats = run(scenario())
    assert stats.connects >= 2 and stats.backfilled > 0 and stats.buffered == 0
    rows = store.positions.after(0)
    # every fix the terminal made is stored, acknowledged live or back-filled,
    # and once: one stored as the gateway went down but sent again is a copy
    assert len(rows) == stats.acked + stats.backfilled
    assert len({r["device_time"] for r in rows}) == len(rows)
    assert all(r["vehicle_id"] == "V002" and r["flags"] == 0 for r in rows)
    assert all(116.39 < r["lon"] < 116.43 for r in rows)


def test_simulator_command_drives_the_fleet_it_asks_the_server_for(tmp_path):
    from core.cases import Role

    db = tmp_path / "server.db"
    store = ServerStore(f"sqlite:///{db}")
    kinds = ["sweeper", "sprinkler", "muck_truck", "patrol", "sweeper"]
    store.write_entities("vehicle", [vehicle(f"V{i:03d}", f"0137{i:08d}", kind)
                                     for i, kind in enumerate(kinds)])
    cells = []
    for i in range(5):
        for j in range(5):
            lon, lat = 116.400 + i * 0.002, 39.920 + j * 0.002  # GCJ-02, Dongcheng
            cells.append({
                "code": f"1101010010010{i}{j}", "community_code": "110101001001",
                "street_code": "110101001", "grade": "A", "area_m2": 10000.0,
                "department_id": None, "center_lon": lon, "center_lat": lat,
                "ring": json.dumps([[lon, lat]] * 4), "valid_from": None, "valid_to": None})
    store.write_entities("cell", cells)
    store.add_user("leader", "Leader", Role.SHIFT_LEADER, "demo")
    server = ServerProcess(f"sqlite:///{db}").start()

    def simulator(*extra: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server.simulator", "--server", server.url, *extra,
             "--host", "127.0.0.1", "--port", str(server.jt808_port), "--interval", "0.3",
             "--seconds", "3", "--seed", "7"],
            cwd=REPO, capture_output=True, text=True, timeout=timeout)

    try:
        # A refused sign-in is said plainly and drives nothing.
        refused = simulator("--user", "leader", "--password", "wrong")
        assert refused.returncode == 2 and "signing in as leader failed" in refused.stderr
        assert store.positions.after(0) == []
        done = simulator()
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        token = server.login("leader")
        stats = requests.get(server.url + "/api/gateway/stats", timeout=10,
                             headers={"Authorization": f"Bearer {token}"}).json()
        assert summary["terminals"] == 5 and summary["acked"] >= 5 * 5
        rows = store.positions.after(0)
        assert {r["vehicle_id"] for r in rows} == {f"V{i:03d}" for i in range(5)}
        # WGS-84 near the GCJ-02 cells (GCJ is ~100-700 m off), no flagged fixes
        assert all(116.39 < r["lon"] < 116.42 and 39.91 < r["lat"] < 39.93 for r in rows)
        assert all(r["flags"] == 0 for r in rows)
        assert stats["bad_frames"] == 0 and stats["positions_refused"] == 0
        # The demo's rules went in through the API, signed by the account used.
        fences = {r["geofence_id"]: r for r in store.geofences.rows(active_only=False)}
        assert {"demo-corridor-V002", "demo-parking-muck"} <= set(fences)
        assert {r["updated_by"] for r in fences.values()} == {"leader"}
    finally:
        server.stop()
        store.close()
