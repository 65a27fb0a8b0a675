"""JT/T 808 wire codec (2013 and 2019 editions): pure bytes in, bytes out.

A frame on the wire is ``7E <escaped: header, body, check> 7E``.  The check
byte is the XOR of header and body before escaping; inside the frame 0x7E is
sent as 7D 02 and 0x7D as 7D 01.  Everything is big-endian, strings are GBK,
numbers in the header and the position time are BCD.

Header (2013): msg id WORD, properties WORD, phone BCD[6], serial WORD,
[package count WORD, package index WORD].  Header (2019): properties bit 14
set, then a protocol-version BYTE before a BCD[10] phone.  Properties: bits
0-9 body length, 10-12 encryption (bit 10 RSA), 13 sub-packaged, 14 edition.

Every malformed input raises :class:`FrameError` (a ``ValueError``) with a
message that says what was wrong; nothing here does I/O, so every object is
safe to use from any thread, and :class:`FrameSplitter` and
:class:`Reassembler` are plain per-connection state (one owner at a time).
"""

from __future__ import annotations

import functools
import struct
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from core.positions import FixFlag, PositionFix, in_china
from core.timeutil import CST, from_iso, to_iso

FLAG = 0x7E
ESCAPE = 0x7D

MAX_BODY_LENGTH = 0x3FF  # 10 bits
STATUS_ACC_ON = 1 << 0
STATUS_FIX_VALID = 1 << 1
STATUS_SOUTH = 1 << 2
STATUS_WEST = 1 << 3

_PROP_LENGTH_MASK = 0x03FF
_PROP_ENCRYPTION_SHIFT = 10
_PROP_ENCRYPTION_MASK = 0x7
_PROP_SUBPACKAGE = 1 << 13
_PROP_VERSION = 1 << 14

_POSITION_FIXED = struct.Struct(">IIIIHHH6s")  # 28 bytes before the extras
PHONE_DIGITS_2013 = 12
PHONE_DIGITS_2019 = 20


class FrameError(ValueError):
    """A frame or message body that does not follow JT/T 808."""


class MsgId(IntEnum):
    TERMINAL_GENERAL_REPLY = 0x0001
    HEARTBEAT = 0x0002
    DEREGISTER = 0x0003
    REGISTER = 0x0100
    AUTHENTICATE = 0x0102
    POSITION = 0x0200
    BATCH_POSITIONS = 0x0704
    PLATFORM_GENERAL_REPLY = 0x8001
    REGISTER_REPLY = 0x8100


class Edition(IntEnum):
    V2013 = 2013
    V2019 = 2019


class ReplyResult(IntEnum):
    """Result byte of 0x0001 / 0x8001."""

    SUCCESS = 0
    FAILURE = 1
    MESSAGE_ERROR = 2
    NOT_SUPPORTED = 3
    ALARM_ACK = 4  # 0x8001 only: alarm handling confirmed


class RegisterResult(IntEnum):
    """Result byte of 0x8100."""

    SUCCESS = 0
    VEHICLE_ALREADY_REGISTERED = 1
    NO_SUCH_VEHICLE = 2
    TERMINAL_ALREADY_REGISTERED = 3
    NO_SUCH_TERMINAL = 4


class BatchType(IntEnum):
    NORMAL = 0
    BACKFILL = 1  # positions buffered in a coverage gap (盲区补报)


# ---- escaping, check byte, BCD ----------------------------------------------


def escape(data: bytes) -> bytes:
    """Escape 0x7D first so the 0x7D bytes that 0x7E turns into stay single."""
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    if FLAG in data:
        raise FrameError(f"unescaped 0x7E inside a frame at offset {data.index(FLAG)}")
    if ESCAPE not in data:
        return bytes(data)
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b != ESCAPE:
            out.append(b)
            i += 1
            continue
        if i + 1 >= n:
            raise FrameError("bad escape: 0x7D at the end of the frame")
        nxt = data[i + 1]
        if nxt == 0x01:
            out.append(ESCAPE)
        elif nxt == 0x02:
            out.append(FLAG)
        else:
            raise FrameError(f"bad escape: 0x7D 0x{nxt:02X} at offset {i}")
        i += 2
    return bytes(out)


def checksum(data: bytes) -> int:
    """XOR of all bytes.  Folds the bytes as one big integer (halving it
    until one byte is left) instead of looping in Python: about ten
    big-integer operations for a typical frame, not one per byte."""
    n = len(data)
    if n == 0:
        return 0
    value = int.from_bytes(data, "big")
    size = 1 << (n - 1).bit_length()  # bytes, padded to a power of two with leading zeros
    while size > 1:
        size >>= 1
        bits = size * 8
        value = (value >> bits) ^ (value & ((1 << bits) - 1))
    return value


def encode_bcd(digits: str, size: int) -> bytes:
    """Digits, left-padded with zeros to ``size`` bytes of packed BCD."""
    if not digits.isascii() or not digits.isdigit():
        raise FrameError(f"BCD needs decimal digits, got {digits!r}")
    if len(digits) > size * 2:
        raise FrameError(f"{len(digits)} digits do not fit in BCD[{size}]")
    return bytes.fromhex(digits.zfill(size * 2))


def decode_bcd(data: bytes) -> str:
    text = data.hex()
    if not text.isdigit():
        raise FrameError(f"bad BCD: {text.upper()}")
    return text


@functools.lru_cache(maxsize=65536)
def canonical_phone(digits: str) -> str:
    """The terminal number as the server stores it (``vehicles.terminal_phone``).

    A 2013 terminal sends 12 BCD digits and a 2019 terminal 20, both
    left-padded with zeros, so the same SIM number arrives in two spellings.
    Canonical form: leading zeros stripped, then left-padded to 12 digits;
    numbers with more than 12 significant digits (2019 only) keep them all.
    """
    if not digits.isascii() or not digits.isdigit():
        raise FrameError(f"terminal phone must be digits, got {digits!r}")
    return digits.lstrip("0").zfill(PHONE_DIGITS_2013)


def phone_for_edition(phone: str, edition: Edition) -> str:
    """The BCD digits a terminal of ``edition`` would send for ``phone``."""
    size = PHONE_DIGITS_2019 if edition is Edition.V2019 else PHONE_DIGITS_2013
    significant = phone.lstrip("0")
    if len(significant) > size:
        raise FrameError(f"phone {phone!r} has more than {size} digits")
    return significant.zfill(size)


# ---- header and frame -------------------------------------------------------


@dataclass(frozen=True)
class Header:
    msg_id: int
    phone: str  # BCD digits exactly as sent: 12 (2013) or 20 (2019)
    serial: int
    edition: Edition = Edition.V2013
    protocol_version: int = 1  # 2019 only; 1 is the 2019 edition itself
    body_length: int = 0
    encryption: int = 0  # bits 10-12; 1 = RSA
    package_count: int | None = None  # set only when sub-packaged (bit 13)
    package_index: int | None = None  # 1-based

    @property
    def subpackaged(self) -> bool:
        return self.package_count is not None

    @property
    def canonical_phone(self) -> str:
        return canonical_phone(self.phone)

    @property
    def length(self) -> int:
        base = 17 if self.edition is Edition.V2019 else 12
        return base + (4 if self.subpackaged else 0)


@dataclass(frozen=True)
class Message:
    header: Header
    body: bytes

    @property
    def msg_id(self) -> int:
        return self.header.msg_id


def build_header(header: Header, body_length: int) -> bytes:
    if not 0 <= body_length <= MAX_BODY_LENGTH:
        raise FrameError(f"body of {body_length} bytes exceeds {MAX_BODY_LENGTH}; sub-package it")
    if not 0 <= header.encryption <= _PROP_ENCRYPTION_MASK:
        raise FrameError(f"encryption {header.encryption} does not fit in 3 bits")
    props = body_length | (header.encryption << _PROP_ENCRYPTION_SHIFT)
    if header.subpackaged:
        props |= _PROP_SUBPACKAGE
    out = bytearray(struct.pack(">H", header.msg_id & 0xFFFF))
    if header.edition is Edition.V2019:
        props |= _PROP_VERSION
        out += struct.pack(">HB", props, header.protocol_version & 0xFF)
        out += encode_bcd(header.phone, 10)
    else:
        out += struct.pack(">H", props)
        out += encode_bcd(header.phone, 6)
    out += struct.pack(">H", header.serial & 0xFFFF)
    if header.subpackaged:
        count, index = header.package_count or 0, header.package_index or 0
        if not 1 <= index <= count <= 0xFFFF:
            raise FrameError(f"package {index} of {count} is not valid")
        out += struct.pack(">HH", count, index)
    return bytes(out)


def parse_header(data: bytes) -> Header:
    """Parse the header at the start of an unescaped frame (check byte removed)."""
    if len(data) < 4:
        raise FrameError(f"truncated header: {len(data)} bytes")
    msg_id, props = struct.unpack_from(">HH", data, 0)
    edition = Edition.V2019 if props & _PROP_VERSION else Edition.V2013
    subpackaged = bool(props & _PROP_SUBPACKAGE)
    if edition is Edition.V2019:
        need = 17 + (4 if subpackaged else 0)
        if len(data) < need:
            raise FrameError(f"truncated 2019 header: {len(data)} of {need} bytes")
        protocol_version = data[4]
        phone = decode_bcd(data[5:15])
        pos = 15
    else:
        need = 12 + (4 if subpackaged else 0)
        if len(data) < need:
            raise FrameError(f"truncated 2013 header: {len(data)} of {need} bytes")
        protocol_version = 0
        phone = decode_bcd(data[4:10])
        pos = 10
    (serial,) = struct.unpack_from(">H", data, pos)
    pos += 2
    count = index = None
    if subpackaged:
        count, index = struct.unpack_from(">HH", data, pos)
        if not 1 <= index <= count:
            raise FrameError(f"bad sub-package numbering: package {index} of {count}")
    return Header(
        msg_id=msg_id, phone=phone, serial=serial, edition=edition,
        protocol_version=protocol_version, body_length=props & _PROP_LENGTH_MASK,
        encryption=(props >> _PROP_ENCRYPTION_SHIFT) & _PROP_ENCRYPTION_MASK,
        package_count=count, package_index=index,
    )


def encode_frame(header: Header, body: bytes = b"") -> bytes:
    """A complete frame, delimiters included.  ``header.body_length`` is ignored."""
    raw = build_header(header, len(body)) + body
    return bytes([FLAG]) + escape(raw + bytes([checksum(raw)])) + bytes([FLAG])


def encode_message(msg_id: int, phone: str, serial: int, body: bytes = b"", *,
                   edition: Edition = Edition.V2013, protocol_version: int = 1) -> bytes:
    """Shorthand for a single-package, unencrypted frame."""
    header = Header(msg_id=msg_id, phone=phone_for_edition(phone, edition), serial=serial,
                    edition=edition, protocol_version=protocol_version)
    return encode_frame(header, body)


def decode_frame(frame: bytes) -> Message:
    """Decode one frame, with or without its 0x7E delimiters."""
    content = bytes(frame)
    if content[:1] == b"\x7e":
        content = content[1:]
    if content[-1:] == b"\x7e":
        content = content[:-1]
    if not content:
        raise FrameError("empty frame")
    raw = unescape(content)
    if len(raw) < 13:
        raise FrameError(f"truncated frame: {len(raw)} bytes after unescaping")
    data, check = raw[:-1], raw[-1]
    expected = checksum(data)
    if check != expected:
        raise FrameError(f"bad check byte: got 0x{check:02X}, computed 0x{expected:02X}")
    header = parse_header(data)
    body = data[header.length:]
    if len(body) != header.body_length:
        raise FrameError(f"body length mismatch: header says {header.body_length}, "
                         f"frame carries {len(body)}")
    return Message(header, body)


class FrameSplitter:
    """Cuts a TCP byte stream into candidate frames between 0x7E delimiters.

    Feed it chunks as they arrive; it returns the escaped contents of every
    completed frame (delimiters stripped; decode them with
    :func:`decode_frame`).  Bytes before the first 0x7E are garbage and are
    only counted.  Between delimiters anything goes: garbage there comes
    out as a candidate that fails to decode, so the caller can count it.
    Back-to-back delimiters (``7E 7E``, one frame's end and the next one's
    start) yield nothing.  When ``max_buffer`` bytes pile up with no 0x7E,
    :meth:`feed` raises :class:`FrameError`: nobody speaking JT/T 808 sends
    that, and the caller should drop the connection.
    """

    def __init__(self, max_buffer: int = 64 * 1024):
        self.max_buffer = max_buffer
        self.garbage_bytes = 0
        self._buffer = bytearray()
        self._synced = False

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[bytes]:
        frames: list[bytes] = []
        start = 0
        while True:
            at = chunk.find(FLAG, start)
            if at < 0:
                break
            if self._synced:
                self._buffer += chunk[start:at]
                if self._buffer:
                    frames.append(bytes(self._buffer))
                    self._buffer.clear()
            else:
                self.garbage_bytes += at - start
                self._synced = True
            start = at + 1
        if self._synced:
            self._buffer += chunk[start:]
            if len(self._buffer) > self.max_buffer:
                size = len(self._buffer)
                self._buffer.clear()
                raise FrameError(f"no 0x7E within {size} bytes (limit {self.max_buffer})")
        else:
            self.garbage_bytes += len(chunk) - start
            if self.garbage_bytes > self.max_buffer:
                raise FrameError(f"no 0x7E within {self.garbage_bytes} bytes "
                                 f"(limit {self.max_buffer})")
        return frames


class Reassembler:
    """Joins sub-packaged messages (header bit 13) back into one body.

    Packages of one message are keyed by (phone, msg id, package count,
    serial of package 1): per the standard, the packages of one message
    carry consecutive serial numbers.  Incomplete messages are forgotten
    after ``max_age`` seconds; at most ``max_pending`` are kept.  Not
    thread-safe: one per connection, used by its owner.
    """

    def __init__(self, max_age: float = 60.0, max_pending: int = 64):
        self.max_age = max_age
        self.max_pending = max_pending
        self._pending: dict[tuple[str, int, int, int], tuple[float, dict[int, bytes]]] = {}

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, message: Message, now: float | None = None) -> Message | None:
        """Add one package; returns the whole message once every package arrived
        (header of the last package, package fields cleared), else None."""
        h = message.header
        if not h.subpackaged:
            return message
        now = time.monotonic() if now is None else now
        count, index = h.package_count or 0, h.package_index or 0
        key = (h.canonical_phone, h.msg_id, count, (h.serial - (index - 1)) & 0xFFFF)
        self._expire(now)
        started, parts = self._pending.get(key, (now, {}))
        parts[index] = message.body
        if len(parts) < count:
            self._pending[key] = (started, parts)
            while len(self._pending) > self.max_pending:
                oldest = min(self._pending, key=lambda k: self._pending[k][0])
                del self._pending[oldest]
            return None
        self._pending.pop(key, None)
        body = b"".join(parts[i] for i in range(1, count + 1))
        whole = Header(msg_id=h.msg_id, phone=h.phone, serial=h.serial, edition=h.edition,
                       protocol_version=h.protocol_version, body_length=len(body),
                       encryption=h.encryption)
        return Message(whole, body)

    def _expire(self, now: float) -> None:
        stale = [k for k, (started, _) in self._pending.items() if now - started > self.max_age]
        for k in stale:
            del self._pending[k]


# ---- string helpers ---------------------------------------------------------


def _gbk(text: str, what: str) -> bytes:
    try:
        return text.encode("gbk")
    except UnicodeEncodeError as exc:
        raise FrameError(f"{what} cannot be written in GBK: {text!r}") from exc


def _from_gbk(data: bytes, what: str) -> str:
    try:
        return data.decode("gbk")
    except UnicodeDecodeError as exc:
        raise FrameError(f"{what} is not GBK: {data.hex().upper()}") from exc


def _fixed(text: str, size: int, what: str) -> bytes:
    data = _gbk(text, what)
    if len(data) > size:
        raise FrameError(f"{what} {text!r} is longer than {size} bytes")
    return data.ljust(size, b"\x00")


def _from_fixed(data: bytes, what: str) -> str:
    # Terminals pad with 0x00 (the standard) or spaces (common in practice).
    return _from_gbk(data.rstrip(b"\x00 "), what)


def _need(data: bytes, size: int, what: str) -> None:
    if len(data) < size:
        raise FrameError(f"{what} body too short: {len(data)} bytes, need {size}")


# ---- 0x0001 / 0x8001 general replies ----------------------------------------


@dataclass(frozen=True)
class GeneralReply:
    serial: int  # serial of the message answered
    msg_id: int  # id of the message answered
    result: int


def encode_general_reply(reply: GeneralReply) -> bytes:
    return struct.pack(">HHB", reply.serial & 0xFFFF, reply.msg_id & 0xFFFF, reply.result & 0xFF)


def decode_general_reply(body: bytes) -> GeneralReply:
    if len(body) != 5:
        raise FrameError(f"general reply body must be 5 bytes, got {len(body)}")
    return GeneralReply(*struct.unpack(">HHB", body))


# ---- 0x0100 register / 0x8100 register reply --------------------------------

_REGISTER_SIZES = {  # maker, model, terminal id
    Edition.V2013: (5, 20, 7),
    Edition.V2019: (11, 30, 30),
}


@dataclass(frozen=True)
class Register:
    province: int = 0
    city: int = 0
    maker: str = ""
    model: str = ""
    terminal_id: str = ""
    plate_colour: int = 0  # 0: not plated (2019: then ``plate`` holds the VIN)
    plate: str = ""


def encode_register(reg: Register, edition: Edition = Edition.V2013) -> bytes:
    maker, model, tid = _REGISTER_SIZES[edition]
    return (struct.pack(">HH", reg.province & 0xFFFF, reg.city & 0xFFFF)
            + _fixed(reg.maker, maker, "maker id") + _fixed(reg.model, model, "terminal model")
            + _fixed(reg.terminal_id, tid, "terminal id") + bytes([reg.plate_colour & 0xFF])
            + _gbk(reg.plate, "plate"))


def decode_register(body: bytes, edition: Edition = Edition.V2013) -> Register:
    maker, model, tid = _REGISTER_SIZES[edition]
    fixed = 4 + maker + model + tid + 1
    _need(body, fixed, f"register ({edition.value})")
    province, city = struct.unpack_from(">HH", body, 0)
    pos = 4
    maker_s = _from_fixed(body[pos:pos + maker], "maker id")
    pos += maker
    model_s = _from_fixed(body[pos:pos + model], "terminal model")
    pos += model
    tid_s = _from_fixed(body[pos:pos + tid], "terminal id")
    pos += tid
    colour = body[pos]
    plate = _from_fixed(body[pos + 1:], "plate")
    return Register(province, city, maker_s, model_s, tid_s, colour, plate)


@dataclass(frozen=True)
class RegisterReply:
    serial: int  # serial of the 0x0100 answered
    result: int
    auth_code: str = ""  # only sent on success


def encode_register_reply(reply: RegisterReply) -> bytes:
    out = struct.pack(">HB", reply.serial & 0xFFFF, reply.result & 0xFF)
    if reply.result == RegisterResult.SUCCESS:
        out += _gbk(reply.auth_code, "auth code")
    return out


def decode_register_reply(body: bytes) -> RegisterReply:
    _need(body, 3, "register reply")
    serial, result = struct.unpack_from(">HB", body, 0)
    code = _from_gbk(body[3:], "auth code") if result == RegisterResult.SUCCESS else ""
    return RegisterReply(serial, result, code)


# ---- 0x0102 authenticate ----------------------------------------------------


@dataclass(frozen=True)
class Authenticate:
    auth_code: str
    imei: str = ""  # 2019 only
    software_version: str = ""  # 2019 only


def encode_authenticate(auth: Authenticate, edition: Edition = Edition.V2013) -> bytes:
    code = _gbk(auth.auth_code, "auth code")
    if edition is Edition.V2013:
        return code
    if len(code) > 0xFF:
        raise FrameError(f"auth code of {len(code)} bytes does not fit a length BYTE")
    return (bytes([len(code)]) + code + _fixed(auth.imei, 15, "IMEI")
            + _fixed(auth.software_version, 20, "software version"))


def decode_authenticate(body: bytes, edition: Edition = Edition.V2013) -> Authenticate:
    if edition is Edition.V2013:
        # The whole body is the code; some terminals add a NUL terminator.
        return Authenticate(_from_gbk(body.rstrip(b"\x00"), "auth code"))
    _need(body, 1, "authenticate (2019)")
    size = body[0]
    _need(body, 1 + size + 15 + 20, "authenticate (2019)")
    code = _from_gbk(body[1:1 + size], "auth code")
    imei = _from_fixed(body[1 + size:16 + size], "IMEI")
    version = _from_fixed(body[16 + size:36 + size], "software version")
    return Authenticate(code, imei, version)


# ---- 0x0200 position --------------------------------------------------------

EXTRA_MILEAGE = 0x01  # DWORD, 0.1 km
EXTRA_FUEL = 0x02  # WORD, 0.1 L
EXTRA_SIGNAL = 0x30  # BYTE, mobile network signal strength
EXTRA_SATELLITES = 0x31  # BYTE, GNSS satellites in view


@dataclass(frozen=True)
class PositionReport:
    """A decoded 0x0200 body: the fix plus the additional items."""

    fix: PositionFix
    mileage_km: float | None = None
    fuel_l: float | None = None
    signal: int | None = None
    satellites: int | None = None
    raw_extras: dict[int, bytes] = field(default_factory=dict)  # all others, kept as sent


def _bcd_time(moment_iso: str) -> bytes:
    try:
        moment = from_iso(moment_iso)
    except ValueError as exc:
        raise FrameError(f"device time {moment_iso!r} is not an ISO time with a zone") from exc
    if not 2000 <= moment.year <= 2099:
        raise FrameError(f"device time {moment_iso} does not fit YYMMDDhhmmss")
    return bytes.fromhex(moment.strftime("%y%m%d%H%M%S"))


@functools.lru_cache(maxsize=8192)
def _time_from_bcd(data: bytes) -> str:
    # Cached: a fleet reports the same few seconds over and over, and
    # parsing the time was the gateway's largest cost per fix.
    digits = decode_bcd(data)
    yy, mo, dd, hh, mi, ss = (int(digits[i:i + 2]) for i in range(0, 12, 2))
    try:
        moment = datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=CST)
    except ValueError as exc:
        raise FrameError(f"bad device time: {digits}") from exc
    return to_iso(moment)


@functools.lru_cache(maxsize=8192)
def epoch_seconds(device_time: str) -> float:
    """Epoch seconds of an ISO device time (cached, like :func:`_time_from_bcd`)."""
    return from_iso(device_time).timestamp()


_FLAG_INVALID = int(FixFlag.INVALID)  # plain ints: IntFlag arithmetic is slow per fix
_FLAG_ZERO = int(FixFlag.ZERO)
_FLAG_OUTSIDE = int(FixFlag.OUTSIDE_CHINA)


def fix_flags(lon: float, lat: float, status: int) -> int:
    """The flags a single fix earns on its own (speed needs the previous fix)."""
    flags = 0
    if not status & STATUS_FIX_VALID:
        flags |= _FLAG_INVALID
    if lon == 0 and lat == 0:
        flags |= _FLAG_ZERO
    if not in_china(lon, lat):
        flags |= _FLAG_OUTSIDE
    return flags


def encode_position(fix: PositionFix, *, mileage_km: float | None = None,
                    fuel_l: float | None = None, signal: int | None = None,
                    satellites: int | None = None,
                    raw_extras: Mapping[int, bytes] | None = None) -> bytes:
    """0x0200 body.  Hemisphere bits 2-3 of the status follow the signs of
    lat/lon; every other status bit (valid, ACC...) is sent as given."""
    status = fix.status & ~(STATUS_SOUTH | STATUS_WEST)
    if fix.lat < 0:
        status |= STATUS_SOUTH
    if fix.lon < 0:
        status |= STATUS_WEST
    lat = round(abs(fix.lat) * 1e6)
    lon = round(abs(fix.lon) * 1e6)
    speed = round(fix.speed_kmh * 10)
    for name, value, limit in (("lat", lat, 90_000_000), ("lon", lon, 180_000_000),
                               ("altitude", fix.altitude_m, 0xFFFF), ("speed", speed, 0xFFFF),
                               ("heading", fix.heading, 0xFFFF)):
        if not 0 <= value <= limit:
            raise FrameError(f"{name} {value} out of range for a position report")
    out = bytearray(_POSITION_FIXED.pack(
        fix.alarm & 0xFFFFFFFF, status & 0xFFFFFFFF, lat, lon, fix.altitude_m, speed,
        fix.heading, _bcd_time(fix.device_time)))
    extras: list[tuple[int, bytes]] = []
    if mileage_km is not None:
        extras.append((EXTRA_MILEAGE, struct.pack(">I", round(mileage_km * 10))))
    if fuel_l is not None:
        extras.append((EXTRA_FUEL, struct.pack(">H", round(fuel_l * 10))))
    if signal is not None:
        extras.append((EXTRA_SIGNAL, bytes([signal & 0xFF])))
    if satellites is not None:
        extras.append((EXTRA_SATELLITES, bytes([satellites & 0xFF])))
    extras.extend((raw_extras or {}).items())
    for item_id, data in extras:
        if len(data) > 0xFF:
            raise FrameError(f"additional item 0x{item_id:02X} longer than 255 bytes")
        out += bytes([item_id & 0xFF, len(data)]) + data
    return bytes(out)


def decode_position_report(body: bytes, phone: str) -> PositionReport:
    """Decode a 0x0200 body (or one 0x0704 item).  ``phone`` is stored in the
    fix as given (pass the canonical phone).  Known additional items of an
    unexpected length are kept raw rather than rejected."""
    _need(body, _POSITION_FIXED.size, "position")
    alarm, status, lat_raw, lon_raw, altitude, speed, heading, when = \
        _POSITION_FIXED.unpack_from(body, 0)
    lat = lat_raw / 1e6 * (-1 if status & STATUS_SOUTH else 1)
    lon = lon_raw / 1e6 * (-1 if status & STATUS_WEST else 1)
    fix = PositionFix(
        terminal_phone=phone, device_time=_time_from_bcd(when), lon=lon, lat=lat,
        altitude_m=altitude, speed_kmh=speed / 10.0, heading=heading, alarm=alarm,
        status=status, flags=fix_flags(lon, lat, status),
    )
    mileage = fuel = None
    signal = satellites = None
    raw: dict[int, bytes] = {}
    pos = _POSITION_FIXED.size
    while pos < len(body):
        if pos + 2 > len(body):
            raise FrameError(f"truncated additional item at offset {pos}")
        item_id, size = body[pos], body[pos + 1]
        value = body[pos + 2:pos + 2 + size]
        if len(value) != size:
            raise FrameError(f"additional item 0x{item_id:02X} says {size} bytes, "
                             f"{len(value)} left")
        pos += 2 + size
        if item_id == EXTRA_MILEAGE and size == 4:
            mileage = struct.unpack(">I", value)[0] / 10.0
        elif item_id == EXTRA_FUEL and size == 2:
            fuel = struct.unpack(">H", value)[0] / 10.0
        elif item_id == EXTRA_SIGNAL and size == 1:
            signal = value[0]
        elif item_id == EXTRA_SATELLITES and size == 1:
            satellites = value[0]
        else:
            raw[item_id] = value
    return PositionReport(fix, mileage, fuel, signal, satellites, raw)


def decode_position(body: bytes, phone: str) -> PositionFix:
    return decode_position_report(body, phone).fix


# ---- 0x0704 batch positions -------------------------------------------------


@dataclass(frozen=True)
class BatchPositions:
    batch_type: int
    items: tuple[PositionReport, ...]

    @property
    def fixes(self) -> list[PositionFix]:
        return [item.fix for item in self.items]


def encode_batch_positions(position_bodies: Iterable[bytes],
                           batch_type: int = BatchType.NORMAL) -> bytes:
    """0x0704 body from already-encoded 0x0200 bodies (see :func:`encode_position`)."""
    items = list(position_bodies)
    out = bytearray(struct.pack(">HB", len(items), batch_type & 0xFF))
    for item in items:
        out += struct.pack(">H", len(item)) + item
    return bytes(out)


def decode_batch_positions(body: bytes, phone: str) -> BatchPositions:
    _need(body, 3, "batch positions")
    count, batch_type = struct.unpack_from(">HB", body, 0)
    pos = 3
    items: list[PositionReport] = []
    for n in range(count):
        if pos + 2 > len(body):
            raise FrameError(f"batch says {count} positions, body ends after {n}")
        (size,) = struct.unpack_from(">H", body, pos)
        item = body[pos + 2:pos + 2 + size]
        if len(item) != size:
            raise FrameError(f"batch item {n + 1} says {size} bytes, {len(item)} left")
        items.append(decode_position_report(item, phone))
        pos += 2 + size
    if pos != len(body):
        raise FrameError(f"{len(body) - pos} stray bytes after {count} batch positions")
    return BatchPositions(batch_type, tuple(items))
