"""JT/T 808 codec: published frames, hand-checked bytes, round trips, and errors."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.jt808 import (
    Authenticate,
    BatchType,
    Edition,
    FrameError,
    FrameSplitter,
    GeneralReply,
    Header,
    Message,
    MsgId,
    Reassembler,
    Register,
    RegisterReply,
    RegisterResult,
    canonical_phone,
    checksum,
    decode_authenticate,
    decode_batch_positions,
    decode_bcd,
    decode_frame,
    decode_general_reply,
    decode_position,
    decode_position_report,
    decode_register,
    decode_register_reply,
    encode_authenticate,
    encode_batch_positions,
    encode_bcd,
    encode_frame,
    encode_general_reply,
    encode_message,
    encode_position,
    encode_register,
    encode_register_reply,
    escape,
    phone_for_edition,
    unescape,
)
from core.positions import FixFlag, PositionFix

# ---- published frames --------------------------------------------------------
# 2013 frames from Traccar's Huabao decoder tests; 2019 frames from the
# xtream-codec JT/T 808 debug UI samples.  Only frames whose check byte and
# body length are right are used: a few published samples have neither.

REGISTER_2013 = ("7E0100002D013511221122000500000000373031303748422D5230334742440000000000"
                 "0000000000003233363631303402CBD5424136383630387E")
AUTH_2013 = "7E0102000E013511221122000661757468656E7469636174696F6E3F7E"
HEARTBEAT_2013 = "7e0002000004304832546500b7ca7e"
POSITION_2013 = ("7E0200002A013833501744001900000000000000C201597FA806CC0158008000000008150818"
                 "0721210104000002F502020000030200009F7E")
BATCH_2013 = (
    "7E0704014301356777777707F5000801002600000000000000030159741206CBFD50017200000001160527"
    "09062401040000001D03020000002600000000000000030159746606CBFD50016B00000001160527090653"
    "01040000001D0302000000260000000000000003015975E406CBFE58013F00000001160527090727010400"
    "00001D0302000000260000000000000003015976DE06CBFF10012E0000000116052709075601040000001D"
    "0302000000260000000000000003015976BC06CBFED0012D0000000116052709083001040000001D030200"
    "0000260000000000000003015976FE06CBFEC001080000000116052709090001040000001D030200000026"
    "0000000000000003015976FE06CBFE7800FC0000000116052709093301040000001D030200000026000000"
    "0000000003015977A606CBFF3001080000000116052709100201040000001D030200001F7E")
POSITION_2019 = ("7e02004026010000000001391234432900000000006f0000001601dc9a0707456246007b0042"
                 "00032501292233440202006401040000000c417e")
POSITION_2019_EXTRAS = (
    "7e0200407c010000000001391234432900000000007b000000de01d907f2073d336c029a004e0000141021"
    "19510901040000006f020200de0302029a0402014d25040000030930012112060100000000011307000000"
    "01000000310137642f000000dedf6f03420b0c0d0e0f04d201d907f2073d336c1410211951090001313233"
    "343536371410211951090101008e7e")
BATCH_2019 = ("7e0704403f01000000000139123443290000000200001c000000010000000101d907f2073d336c"
              "029a00210059241029213903001c000000010000000101d907f3073d336d03090043005a241029"
              "213903f87e")
PUBLISHED = [REGISTER_2013, AUTH_2013, HEARTBEAT_2013, POSITION_2013, BATCH_2013,
             POSITION_2019, POSITION_2019_EXTRAS, BATCH_2019]

# SmallChi/JT808's 0x0200 body test: alarm 1, status 2, lat 12222222,
# lon 132444444, altitude 40, speed 60 (6.0 km/h), heading 0,
# 2018-07-15 10:10:10, mileage 100 (10.0 km), fuel 55 (5.5 L).
SMALLCHI_POSITION_BODY = ("000000010000000200BA7F0E07E4F11C0028003C0000180715101010010400000064"
                          "02020037")


def frame(hexstr: str) -> bytes:
    return bytes.fromhex(hexstr)


@pytest.mark.parametrize("hexstr", PUBLISHED)
def test_published_frames_reencode_byte_for_byte(hexstr):
    message = decode_frame(frame(hexstr))
    assert encode_frame(message.header, message.body) == frame(hexstr)


def test_published_2013_register():
    m = decode_frame(frame(REGISTER_2013))
    assert m.header.msg_id == MsgId.REGISTER
    assert m.header.edition is Edition.V2013
    assert m.header.phone == "013511221122"
    assert m.header.serial == 5
    reg = decode_register(m.body, Edition.V2013)
    assert reg == Register(0, 0, "70107", "HB-R03GBD", "2366104", 2, "苏BA6860")


def test_published_2013_authenticate_and_heartbeat():
    m = decode_frame(frame(AUTH_2013))
    assert decode_authenticate(m.body, Edition.V2013).auth_code == "authentication"
    hb = decode_frame(frame(HEARTBEAT_2013))
    assert (hb.header.msg_id, hb.header.phone, hb.header.serial, hb.body) == (
        MsgId.HEARTBEAT, "043048325465", 0xB7, b"")


def test_published_2013_position():
    m = decode_frame(frame(POSITION_2013))
    report = decode_position_report(m.body, m.header.canonical_phone)
    fix = report.fix
    assert fix.terminal_phone == "013833501744"
    assert (fix.lat, fix.lon) == (22.6426, 114.032984)
    assert fix.device_time == "2015-08-18T07:21:21+08:00"
    assert (fix.altitude_m, fix.speed_kmh, fix.heading) == (128, 0.0, 8)
    assert fix.status == 0xC2 and fix.flags == FixFlag.NONE
    assert report.mileage_km == 75.7 and report.fuel_l == 0.0
    assert report.raw_extras == {0x03: b"\x00\x00"}


def test_published_2013_backfill_batch():
    m = decode_frame(frame(BATCH_2013))
    batch = decode_batch_positions(m.body, m.header.canonical_phone)
    assert batch.batch_type == BatchType.BACKFILL
    assert len(batch.items) == 8
    first, last = batch.fixes[0], batch.fixes[-1]
    assert (first.lat, first.lon, first.device_time) == (
        22.639634, 114.031952, "2016-05-27T09:06:24+08:00")
    assert (last.lat, last.lon, last.device_time) == (
        22.64055, 114.032432, "2016-05-27T09:10:02+08:00")
    assert all(item.mileage_km == 2.9 for item in batch.items)


def test_published_2019_position_south_hemisphere_and_extras():
    m = decode_frame(frame(POSITION_2019))
    assert m.header.edition is Edition.V2019
    assert m.header.protocol_version == 1
    assert m.header.phone == "00000000013912344329"
    assert m.header.canonical_phone == "013912344329"
    report = decode_position_report(m.body, m.header.canonical_phone)
    fix = report.fix
    # status 22 = valid fix (bit 1) + south (bit 2) + bit 4
    assert (fix.lat, fix.lon) == (-31.234567, 121.987654)
    assert (fix.alarm, fix.status, fix.altitude_m, fix.speed_kmh, fix.heading) == (
        111, 22, 123, 6.6, 3)
    assert fix.device_time == "2025-01-29T22:33:44+08:00"
    assert (report.mileage_km, report.fuel_l) == (1.2, 10.0)
    assert fix.flags == FixFlag.OUTSIDE_CHINA


def test_published_2019_unknown_extras_kept_raw():
    m = decode_frame(frame(POSITION_2019_EXTRAS))
    report = decode_position_report(m.body, "013912344329")
    assert (report.fix.lat, report.fix.lon) == (-31.000562, -121.451372)  # south and west
    assert (report.mileage_km, report.fuel_l, report.signal, report.satellites) == (
        11.1, 22.2, 0x21, 0x37)
    assert set(report.raw_extras) == {0x03, 0x04, 0x25, 0x12, 0x13, 0x64}
    assert report.raw_extras[0x25] == bytes.fromhex("00000309")
    assert len(report.raw_extras[0x64]) == 0x2F
    # kept raw means sent back unchanged
    again = encode_position(report.fix, mileage_km=11.1, fuel_l=22.2, signal=0x21,
                            satellites=0x37, raw_extras=report.raw_extras)
    assert decode_position_report(again, "013912344329") == report


def test_published_2019_batch_of_invalid_fixes():
    m = decode_frame(frame(BATCH_2019))
    batch = decode_batch_positions(m.body, m.header.canonical_phone)
    assert batch.batch_type == BatchType.NORMAL
    assert [(f.lat, f.lon, f.altitude_m, f.speed_kmh, f.heading) for f in batch.fixes] == [
        (31.000562, 121.451372, 666, 3.3, 89), (31.000563, 121.451373, 777, 6.7, 90)]
    # status 1: ACC on but the fix-valid bit is off
    assert all(f.flags == FixFlag.INVALID for f in batch.fixes)


def test_position_body_matches_published_bytes():
    fix = PositionFix(terminal_phone="013800000001", device_time="2018-07-15T10:10:10+08:00",
                      lon=132.444444, lat=12.222222, altitude_m=40, speed_kmh=6.0, heading=0,
                      alarm=1, status=2)
    body = encode_position(fix, mileage_km=10.0, fuel_l=5.5)
    assert body.hex().upper() == SMALLCHI_POSITION_BODY
    report = decode_position_report(body, "013800000001")
    assert report.fix == fix
    assert (report.mileage_km, report.fuel_l) == (10.0, 5.5)


# ---- escaping, check byte, header ------------------------------------------


def test_escape_round_trip_of_a_body_with_7e_and_7d():
    body = bytes([0x30, 0x7E, 0x08, 0x7D, 0x55, 0x7D, 0x02, 0x7E, 0x7E])
    assert escape(body) == bytes([0x30, 0x7D, 0x02, 0x08, 0x7D, 0x01, 0x55, 0x7D, 0x01,
                                  0x02, 0x7D, 0x02, 0x7D, 0x02])
    assert unescape(escape(body)) == body
    wire = encode_message(MsgId.POSITION, "013800000001", 7, body)
    assert wire[0] == 0x7E and wire[-1] == 0x7E and 0x7E not in wire[1:-1]
    assert decode_frame(wire).body == body


def test_check_byte_is_the_xor_of_header_and_body():
    wire = encode_message(MsgId.HEARTBEAT, "013800000001", 1)
    raw = unescape(wire[1:-1])
    assert raw[-1] == checksum(raw[:-1])
    assert raw[:-1] == bytes.fromhex("0002 0000 013800000001 0001".replace(" ", ""))


@pytest.mark.parametrize(("bad", "match"), [
    (b"\x7d\x03", "bad escape"),
    (b"\x00\x7d", "bad escape"),
    (b"\x00\x7e\x00", "0x7E"),
])
def test_bad_escapes(bad, match):
    with pytest.raises(FrameError, match=match):
        unescape(bad)


def test_bad_check_byte():
    wire = bytearray(encode_message(MsgId.HEARTBEAT, "013800000001", 1))
    wire[-2] ^= 0x01
    with pytest.raises(FrameError, match="check byte"):
        decode_frame(bytes(wire))


def test_truncated_frames_and_headers():
    with pytest.raises(FrameError, match="empty"):
        decode_frame(b"\x7e\x7e")
    with pytest.raises(FrameError, match="truncated frame"):
        decode_frame(b"\x7e\x00\x02\x00\x00\x02\x7e")
    # a 2019 header (bit 14) cut short, with a correct check byte
    raw = bytes.fromhex("0002400001000000000013800000")
    with pytest.raises(FrameError, match="truncated 2019 header"):
        decode_frame(b"\x7e" + escape(raw + bytes([checksum(raw)])) + b"\x7e")


def test_body_length_mismatch():
    header = bytes.fromhex("0200000a013800000001000a")  # says 10 bytes
    raw = header + b"\x00" * 4
    with pytest.raises(FrameError, match="body length mismatch"):
        decode_frame(b"\x7e" + escape(raw + bytes([checksum(raw)])) + b"\x7e")


def test_bad_bcd_phone():
    raw = bytes.fromhex("000200000138000000A10001")
    with pytest.raises(FrameError, match="bad BCD"):
        decode_frame(escape(raw + bytes([checksum(raw)])))


def test_bcd_and_phone_spellings():
    assert encode_bcd("13800000001", 6) == bytes.fromhex("013800000001")
    assert decode_bcd(bytes.fromhex("00000000013800000001")) == "00000000013800000001"
    with pytest.raises(FrameError):
        encode_bcd("1" * 13, 6)
    with pytest.raises(FrameError):
        encode_bcd("12a4", 2)
    assert canonical_phone("013800000001") == canonical_phone("00000000013800000001") \
        == canonical_phone("13800000001") == "013800000001"
    assert canonical_phone("00012345678901234567") == "12345678901234567"
    assert phone_for_edition("013800000001", Edition.V2019) == "00000000013800000001"
    assert phone_for_edition("00000000013800000001", Edition.V2013) == "013800000001"
    with pytest.raises(FrameError):
        phone_for_edition("12345678901234567", Edition.V2013)


def test_2019_header_layout():
    header = Header(MsgId.HEARTBEAT, "00000000013800000001", 0x1234, Edition.V2019,
                    protocol_version=1)
    wire = encode_frame(header)
    raw = unescape(wire[1:-1])
    assert raw[:-1] == bytes.fromhex("0002" "4000" "01" "00000000013800000001" "1234")
    back = decode_frame(wire).header
    assert back.edition is Edition.V2019 and back.phone == "00000000013800000001"
    assert back.canonical_phone == "013800000001"


def test_subpackage_and_encryption_bits():
    header = Header(MsgId.BATCH_POSITIONS, "013800000001", 9, package_count=3,
                    package_index=2, encryption=1)
    raw = unescape(encode_frame(header, b"abc")[1:-1])
    props = int.from_bytes(raw[2:4], "big")
    assert props & 0x3FF == 3
    assert props & (1 << 13) and (props >> 10) & 0x7 == 1 and not props & (1 << 14)
    assert raw[12:16] == bytes.fromhex("00030002")
    back = decode_frame(encode_frame(header, b"abc")).header
    assert (back.package_count, back.package_index, back.encryption) == (3, 2, 1)
    with pytest.raises(FrameError, match="package"):
        encode_frame(Header(MsgId.POSITION, "013800000001", 1, package_count=2,
                            package_index=3))


def test_body_too_long_must_be_subpackaged():
    with pytest.raises(FrameError, match="sub-package"):
        encode_message(MsgId.POSITION, "013800000001", 1, b"\x00" * 1024)


def test_reassembler_joins_packages_in_any_order():
    parts = [b"first-", b"second-", b"third"]
    messages = [
        Message(Header(MsgId.BATCH_POSITIONS, "013800000001", 100 + i, package_count=3,
                       package_index=i + 1, body_length=len(p)), p)
        for i, p in enumerate(parts)
    ]
    r = Reassembler()
    assert r.add(messages[2], now=0.0) is None
    assert r.add(messages[0], now=0.1) is None
    assert r.pending == 1
    whole = r.add(messages[1], now=0.2)
    assert whole is not None and whole.body == b"first-second-third"
    assert not whole.header.subpackaged and r.pending == 0
    # stale halves are forgotten
    assert r.add(messages[0], now=1.0) is None
    assert r.add(messages[1], now=100.0) is None
    assert r.pending == 1


# ---- the splitter ----------------------------------------------------------


def test_splitter_handles_garbage_and_shared_delimiters():
    a = encode_message(MsgId.HEARTBEAT, "013800000001", 1)
    b = encode_message(MsgId.HEARTBEAT, "013800000001", 2)
    s = FrameSplitter()
    out = s.feed(b"junk" + a + b"\x01\x02" + b)
    assert s.garbage_bytes == 4
    assert [decode_frame(out[0]).header.serial, decode_frame(out[2]).header.serial] == [1, 2]
    with pytest.raises(FrameError):
        decode_frame(out[1])  # the garbage between frames is a candidate that fails
    # a frame whose closing 0x7E doubles as the next opening one
    shared = a[:-1] + b
    assert [decode_frame(c).header.serial for c in FrameSplitter().feed(shared)] == [1, 2]


def test_splitter_limits_its_buffer():
    s = FrameSplitter(max_buffer=1024)
    s.feed(b"\x7e" + b"\x00" * 1000)
    with pytest.raises(FrameError, match="no 0x7E"):
        s.feed(b"\x00" * 100)
    s = FrameSplitter(max_buffer=1024)
    with pytest.raises(FrameError, match="no 0x7E"):
        s.feed(b"\x00" * 2000)


# ---- bodies ----------------------------------------------------------------


@pytest.mark.parametrize("edition", list(Edition))
def test_register_round_trip(edition):
    reg = Register(11, 101, "GDSIM", "GD-SIM-1", "ABC1234", 1, "京A00001")
    body = encode_register(reg, edition)
    assert len(body) == {Edition.V2013: 37, Edition.V2019: 76}[edition] + len("京A00001".encode("gbk"))
    assert decode_register(body, edition) == reg
    with pytest.raises(FrameError, match="too short"):
        decode_register(body[:20], edition)
    with pytest.raises(FrameError, match="longer than"):
        encode_register(Register(maker="TOOLONG-MAKER-ID"), Edition.V2013)


def test_authenticate_both_editions():
    assert encode_authenticate(Authenticate("abc123")) == b"abc123"
    assert decode_authenticate(b"abc123\x00").auth_code == "abc123"
    auth = Authenticate("abc123", "860000000000001", "1.0.2")
    body = encode_authenticate(auth, Edition.V2019)
    assert body[0] == 6 and len(body) == 1 + 6 + 15 + 20
    assert decode_authenticate(body, Edition.V2019) == auth
    with pytest.raises(FrameError):
        decode_authenticate(body[:10], Edition.V2019)


def test_replies():
    assert encode_general_reply(GeneralReply(0x0102, 0x0200, 1)) == bytes.fromhex("0102020001")
    assert decode_general_reply(bytes.fromhex("0102020001")) == GeneralReply(0x0102, 0x0200, 1)
    with pytest.raises(FrameError):
        decode_general_reply(b"\x00\x01")
    ok = RegisterReply(5, RegisterResult.SUCCESS, "code-1")
    assert encode_register_reply(ok) == bytes.fromhex("000500") + b"code-1"
    assert decode_register_reply(encode_register_reply(ok)) == ok
    refused = RegisterReply(5, RegisterResult.NO_SUCH_TERMINAL, "ignored")
    assert encode_register_reply(refused) == bytes.fromhex("000504")
    assert decode_register_reply(bytes.fromhex("000504")).auth_code == ""


def test_position_flags():
    def body(lon, lat, status):
        return encode_position(PositionFix("1", "2024-05-01T08:00:00+08:00", lon, lat,
                                           status=status))
    assert decode_position(body(116.4, 39.9, 0b10), "1").flags == FixFlag.NONE
    assert decode_position(body(116.4, 39.9, 0b00), "1").flags == FixFlag.INVALID
    assert decode_position(body(0, 0, 0b10), "1").flags == FixFlag.ZERO | FixFlag.OUTSIDE_CHINA
    assert decode_position(body(2.35, 48.85, 0b10), "1").flags == FixFlag.OUTSIDE_CHINA


@pytest.mark.parametrize(("when", "match"), [
    ("1A0101000000", "bad BCD"),
    ("241301000000", "bad device time"),  # month 13
    ("240230000000", "bad device time"),  # 30 February
    ("000000000000", "bad device time"),  # what some terminals send without a fix
])
def test_bad_device_times(when, match):
    good = encode_position(PositionFix("1", "2024-05-01T08:00:00+08:00", 116.4, 39.9))
    bad = good[:22] + bytes.fromhex(when) + good[28:]
    with pytest.raises(FrameError, match=match):
        decode_position(bad, "1")


def test_malformed_positions_and_batches():
    good = encode_position(PositionFix("1", "2024-05-01T08:00:00+08:00", 116.4, 39.9),
                           satellites=9)
    with pytest.raises(FrameError, match="too short"):
        decode_position(good[:20], "1")
    with pytest.raises(FrameError, match="additional item"):
        decode_position(good[:-1], "1")
    with pytest.raises(FrameError, match="truncated additional item"):
        decode_position(good + b"\x01", "1")
    batch = encode_batch_positions([good, good], BatchType.BACKFILL)
    assert len(decode_batch_positions(batch, "1").items) == 2
    with pytest.raises(FrameError, match="body ends"):
        decode_batch_positions(b"\x00\x03\x01" + batch[3:], "1")
    with pytest.raises(FrameError, match="stray"):
        decode_batch_positions(batch + b"\x00", "1")
    with pytest.raises(FrameError, match="says"):
        decode_batch_positions(batch[:-3], "1")


def test_errors_are_value_errors():
    assert issubclass(FrameError, ValueError)


# ---- property-based round trips ---------------------------------------------

phones_2013 = st.text(alphabet="0123456789", min_size=12, max_size=12)
phones_2019 = st.text(alphabet="0123456789", min_size=20, max_size=20)
# Bodies rich in the two special bytes.
bodies = st.binary(max_size=1023) | st.lists(
    st.sampled_from([0x7E, 0x7D, 0x01, 0x02, 0x00]), max_size=200).map(bytes)


@st.composite
def headers(draw):
    edition = draw(st.sampled_from(list(Edition)))
    phone = draw(phones_2019 if edition is Edition.V2019 else phones_2013)
    sub = draw(st.booleans())
    count = draw(st.integers(1, 0xFFFF)) if sub else None
    index = draw(st.integers(1, count)) if count else None
    return Header(msg_id=draw(st.integers(0, 0xFFFF)), phone=phone,
                  serial=draw(st.integers(0, 0xFFFF)), edition=edition,
                  protocol_version=draw(st.integers(0, 255)) if edition is Edition.V2019 else 0,
                  encryption=draw(st.integers(0, 7)), package_count=count, package_index=index)


@settings(max_examples=500, deadline=None)
@given(headers(), bodies)
def test_frame_round_trip(header, body):
    wire = encode_frame(header, body)
    assert 0x7E not in wire[1:-1]
    message = decode_frame(wire)
    assert message.body == body
    assert message.header == dataclasses.replace(header, body_length=len(body))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(headers(), bodies), min_size=1, max_size=8),
       st.lists(st.binary(max_size=20).filter(lambda b: 0x7E not in b), min_size=9,
                max_size=9),
       st.lists(st.integers(1, 300), min_size=1, max_size=30))
def test_splitter_recovers_every_frame_from_any_chunking(frames, junk, cuts):
    stream = bytearray(junk[0])
    for i, (header, body) in enumerate(frames):
        stream += encode_frame(header, body) + junk[i + 1]
    splitter = FrameSplitter()
    candidates: list[bytes] = []
    pos, k = 0, 0
    while pos < len(stream):
        size = cuts[k % len(cuts)]
        candidates += splitter.feed(bytes(stream[pos:pos + size]))
        pos, k = pos + size, k + 1
    decoded = []
    for c in candidates:
        with contextlib.suppress(FrameError):  # the junk between frames
            decoded.append(decode_frame(c))
    assert [m.body for m in decoded] == [body for _, body in frames]
    assert [m.header.serial for m in decoded] == [h.serial for h, _ in frames]


positions = st.builds(
    PositionFix,
    terminal_phone=st.just("013800000001"),
    device_time=st.datetimes(min_value=datetime(2000, 1, 1),
                             max_value=datetime(2099, 12, 31, 23, 59, 59)).map(lambda d: d.replace(microsecond=0).isoformat() + "+08:00"),
    lon=st.integers(-180_000_000, 180_000_000).map(lambda v: v / 1e6),
    lat=st.integers(-90_000_000, 90_000_000).map(lambda v: v / 1e6),
    altitude_m=st.integers(0, 0xFFFF),
    speed_kmh=st.integers(0, 0xFFFF).map(lambda v: v / 10),
    heading=st.integers(0, 359),
    alarm=st.integers(0, 0xFFFFFFFF),
    status=st.integers(0, 0xFFFFFFFF).map(lambda s: s & ~0b1100),
)


@settings(max_examples=300, deadline=None)
@given(positions, st.dictionaries(st.integers(0x40, 0xFF), st.binary(max_size=30), max_size=4))
def test_position_round_trip(fix, extras):
    body = encode_position(fix, raw_extras=extras)
    report = decode_position_report(body, fix.terminal_phone)
    got = report.fix
    assert (got.lon, got.lat) == (fix.lon, fix.lat)
    assert (got.device_time, got.altitude_m, got.speed_kmh, got.heading, got.alarm) == (
        fix.device_time, fix.altitude_m, fix.speed_kmh, fix.heading, fix.alarm)
    # hemisphere bits follow the signs; the others travel untouched
    assert got.status & ~0b1100 == fix.status
    assert bool(got.status & 0b0100) == (fix.lat < 0)
    assert bool(got.status & 0b1000) == (fix.lon < 0)
    assert report.raw_extras == extras
    batch = decode_batch_positions(encode_batch_positions([body, body]), "013800000001")
    assert batch.fixes == [got, got]
