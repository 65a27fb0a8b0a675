"""One simulated GPS terminal speaking real JT/T 808 over TCP.

``SimulatedTerminal`` connects, registers, authenticates, sends heartbeats
and reports (0x0200, 0x0704 back-fill); optionally it misbehaves: corrupt
copies of its frames and garbage between them, so the gateway's defences
show.

Threading: asyncio; create and use a terminal on one event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Sequence
from typing import Any

from core.jt808 import (
    Authenticate,
    BatchType,
    Edition,
    FrameError,
    FrameSplitter,
    GeneralReply,
    Header,
    MsgId,
    Register,
    RegisterReply,
    RegisterResult,
    ReplyResult,
    decode_frame,
    decode_general_reply,
    decode_register_reply,
    encode_authenticate,
    encode_batch_positions,
    encode_frame,
    encode_general_reply,
    encode_position,
    encode_register,
    phone_for_edition,
)
from core.positions import PositionFix

log = logging.getLogger("server.simulator")


class TerminalError(RuntimeError):
    """The platform refused or did not answer."""


class SimulatedTerminal:
    """One JT/T 808 terminal over a real TCP connection.

    ``phone`` is the SIM number in any spelling; it goes on the wire as 12
    BCD digits (2013) or 20 (2019).  Requests wait for the platform's reply
    to their serial number, at most ``reply_timeout`` seconds.  Asyncio:
    use from one event loop.
    """

    def __init__(self, phone: str, host: str, port: int, *,
                 edition: Edition = Edition.V2013, plate: str = "",
                 reply_timeout: float = 5.0, imei: str = "860000000000000",
                 misbehave: float = 0.0, rng: random.Random | None = None):
        self.phone = phone
        self.wire_phone = phone_for_edition(phone, edition)
        self.host = host
        self.port = port
        self.edition = edition
        self.plate = plate
        self.imei = imei
        self.reply_timeout = reply_timeout
        self.auth_code: str | None = None
        self.authenticated = False
        self._serial = 0
        self._writer: asyncio.StreamWriter | None = None
        self._read_task: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        # A faulty terminal: this share of its frames is preceded by a copy
        # with a broken check byte, or by line noise.  The real frame still
        # follows, so it keeps working; the gateway must drop the junk.
        self.misbehave = misbehave
        self.junk_sent = 0
        self._rng = rng or random.Random()

    @property
    def connected(self) -> bool:
        return (self._writer is not None and not self._writer.is_closing()
                and self._read_task is not None and not self._read_task.done())

    async def connect(self, timeout: float = 5.0) -> None:
        await self.close()
        reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), timeout)
        self._read_task = asyncio.create_task(self._read_loop(reader))

    async def close(self) -> None:
        self.authenticated = False
        if self._read_task is not None:
            self._read_task.cancel()
            with contextlib.suppress(BaseException):
                await self._read_task
            self._read_task = None
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
            self._writer = None
        self._fail_pending(ConnectionError("connection closed"))

    def _fail_pending(self, exc: BaseException) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(exc)
        self._pending.clear()

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        splitter = FrameSplitter()
        try:
            while True:
                chunk = await reader.read(4096)
                if not chunk:
                    break
                for candidate in splitter.feed(chunk):
                    try:
                        message = decode_frame(candidate)
                    except FrameError as exc:
                        log.warning("terminal %s: bad frame from platform: %s", self.phone, exc)
                        continue
                    self._on_platform_message(message.header, message.body)
        except (ConnectionError, OSError, FrameError) as exc:
            log.debug("terminal %s: read ended: %s", self.phone, exc)
        finally:
            self._fail_pending(ConnectionError("platform closed the connection"))

    def _on_platform_message(self, header: Header, body: bytes) -> None:
        reply: Any
        try:
            if header.msg_id == MsgId.PLATFORM_GENERAL_REPLY:
                reply = decode_general_reply(body)
            elif header.msg_id == MsgId.REGISTER_REPLY:
                reply = decode_register_reply(body)
            else:
                # A platform command this terminal does not implement.
                self._send(MsgId.TERMINAL_GENERAL_REPLY, encode_general_reply(
                    GeneralReply(header.serial, header.msg_id, ReplyResult.NOT_SUPPORTED)))
                return
        except FrameError as exc:
            log.warning("terminal %s: bad reply body: %s", self.phone, exc)
            return
        fut = self._pending.pop(reply.serial, None)
        if fut is not None and not fut.done():
            fut.set_result(reply)

    def _send(self, msg_id: int, body: bytes) -> int:
        if self._writer is None or self._writer.is_closing():
            raise ConnectionError("not connected")
        serial = self._serial
        self._serial = (self._serial + 1) & 0xFFFF
        header = Header(msg_id=msg_id, phone=self.wire_phone, serial=serial, edition=self.edition)
        frame = encode_frame(header, body)
        if self.misbehave and self._rng.random() < self.misbehave:
            self._writer.write(self._junk(frame))
            self.junk_sent += 1
        self._writer.write(frame)
        return serial

    def _junk(self, frame: bytes) -> bytes:
        if self._rng.random() < 0.5:
            # The same frame with its check byte broken (the byte before the
            # closing 0x7E, unless that is an escape pair).
            broken = bytearray(frame)
            if broken[-3] != 0x7D:
                broken[-2] ^= 0x55
                if broken[-2] in (0x7D, 0x7E):
                    broken[-2] ^= 0x01
                return bytes(broken)
        noise = bytes(self._rng.randrange(256) for _ in range(self._rng.randint(3, 40)))
        return b"\x7e" + noise.replace(b"\x7e", b"\x00") + b"\x7e"

    async def request(self, msg_id: int, body: bytes = b"") -> Any:
        """Send a message and wait for the reply to it (GeneralReply or RegisterReply)."""
        if not self.connected:
            raise ConnectionError("not connected")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        serial = self._send(msg_id, body)
        self._pending[serial] = fut
        assert self._writer is not None
        try:
            await self._writer.drain()
            return await asyncio.wait_for(fut, self.reply_timeout)
        except TimeoutError as exc:
            raise TerminalError(f"no reply to 0x{msg_id:04X} within {self.reply_timeout} s") \
                from exc
        finally:
            self._pending.pop(serial, None)

    async def register(self) -> RegisterReply:
        body = encode_register(Register(
            province=11, city=101, maker="GDSIM", model="GD-SIM-1",
            terminal_id=self.wire_phone[-7:], plate_colour=2 if self.plate else 0,
            plate=self.plate), self.edition)
        reply: RegisterReply = await self.request(MsgId.REGISTER, body)
        if reply.result == RegisterResult.SUCCESS:
            self.auth_code = reply.auth_code
        return reply

    async def authenticate(self) -> GeneralReply:
        if self.auth_code is None:
            raise TerminalError("authenticate before register: no auth code")
        body = encode_authenticate(Authenticate(self.auth_code, self.imei, "griddesk-sim 1.0"),
                                   self.edition)
        reply: GeneralReply = await self.request(MsgId.AUTHENTICATE, body)
        self.authenticated = reply.result == ReplyResult.SUCCESS
        return reply

    async def login(self) -> None:
        """Authenticate with the code kept from an earlier registration,
        registering (again) when there is none or the platform refuses it."""
        if self.auth_code is not None and (await self.authenticate()).result == 0:
            return
        reply = await self.register()
        if reply.result != RegisterResult.SUCCESS:
            raise TerminalError(f"registration refused: result {reply.result}")
        if (await self.authenticate()).result != ReplyResult.SUCCESS:
            raise TerminalError("authentication refused right after registration")

    async def heartbeat(self) -> GeneralReply:
        return await self.request(MsgId.HEARTBEAT)

    async def deregister(self) -> GeneralReply:
        return await self.request(MsgId.DEREGISTER)

    async def report(self, fix: PositionFix, **extras: Any) -> GeneralReply:
        return await self.request(MsgId.POSITION, encode_position(fix, **extras))

    async def report_batch(self, fixes: Sequence[PositionFix],
                           batch_type: int = BatchType.BACKFILL) -> GeneralReply:
        body = encode_batch_positions((encode_position(f) for f in fixes), batch_type)
        return await self.request(MsgId.BATCH_POSITIONS, body)



__all__ = ["SimulatedTerminal", "TerminalError"]
