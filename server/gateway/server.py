"""JT/T 808 gateway on asyncio: one coroutine per terminal connection.

Threading: a ``JT808Gateway`` lives on one event loop; call ``start``,
``stop`` and ``stats`` from that loop.  The sink does database work, so it is
only ever called through ``loop.run_in_executor``: register and authenticate
on a small pool, ``store_fixes`` on one dedicated writer thread, so a storm
of logins cannot delay the position writes and the event loop never blocks.

Positions are acknowledged after they are stored, not when they arrive: a
terminal that gets no success reply keeps the fix in its blind-area buffer
and sends it again (0x0704), so nothing is lost silently.  A copy sent
again after a lost reply is acknowledged like the first but not stored
twice (the store keeps one fix per vehicle and device second), and only
what was stored goes on to alarm judging, so a re-sent batch raises no
alarm twice.  The writer task batches fixes from all connections into one
``store_fixes`` call of up to ``max_batch`` fixes, at most
``flush_interval`` after the first one queued.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
import logging
import struct
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from core.coords import haversine_m
from core.jt808 import (
    FrameError,
    FrameSplitter,
    Header,
    Message,
    MsgId,
    Reassembler,
    RegisterReply,
    RegisterResult,
    ReplyResult,
    build_header,
    checksum,
    decode_authenticate,
    decode_batch_positions,
    decode_frame,
    decode_position,
    decode_register,
    encode_frame,
    encode_register_reply,
    epoch_seconds,
    escape,
)
from core.positions import FixFlag, PositionFix
from core.timeutil import CST, to_iso
from server.gateway.alarms import AlarmRunner
from server.storage import ServerStore

log = logging.getLogger(__name__)


class PositionSink(Protocol):
    """What the gateway needs from the store.  Synchronous; may block."""

    def register_terminal(self, phone: str) -> str | None: ...

    def authenticate_terminal(self, phone: str, auth_code: str) -> str | None: ...

    def store_fixes(self, fixes: Sequence[tuple[str, PositionFix]]) -> Sequence[int]:
        """Store the fixes; return the indexes of those stored (the others
        were copies of fixes already stored)."""
        ...


# Fixes flagged like this are not positions at all and never serve as the
# reference for the speed check.
_NOT_A_POSITION = int(FixFlag.INVALID | FixFlag.ZERO | FixFlag.OUTSIDE_CHINA)


class SpeedCheck:
    """Flags fixes whose implied speed from the previous fix exceeds a limit.

    Keeps, per vehicle, the last ``depth`` real fixes sorted by device time,
    so back-filled 0x0704 positions are compared with their predecessor in
    time, not with whatever arrived last.  A fix that earned the flag is
    kept in the history but skipped as a reference, unless the last
    ``trust_after`` fixes all earned it: then the old reference was the
    outlier and the vehicle really is over there.  BCD times have one-second
    resolution, so the interval is taken as (dt + 1 s): two truncated stamps
    can be up to a second closer than the real moments.  Not thread-safe:
    the gateway uses it on its event loop only.
    """

    def __init__(self, limit_kmh: float = 200.0, depth: int = 64, trust_after: int = 3):
        self.limit_kmh = limit_kmh
        self.depth = depth
        self.trust_after = trust_after
        # vehicle -> parallel lists sorted by time: times, (lon, lat, impossible)
        self._times: dict[str, list[float]] = {}
        self._points: dict[str, list[tuple[float, float, bool]]] = {}

    def check(self, vehicle_id: str, fix: PositionFix) -> PositionFix:
        if fix.flags & _NOT_A_POSITION:
            return fix
        t = epoch_seconds(fix.device_time)
        times = self._times.setdefault(vehicle_id, [])
        points = self._points.setdefault(vehicle_id, [])
        idx = bisect.bisect_right(times, t)
        if idx and times[idx - 1] == t:
            # The same fix again (a terminal resending after a lost reply):
            # judged as before, and kept out of the history, where copies of
            # an outlier would pass for a run of outliers and be believed.
            if points[idx - 1][2]:
                return dataclasses.replace(fix, flags=fix.flags | FixFlag.IMPOSSIBLE_SPEED)
            return fix
        impossible = False
        ref = self._reference(times, points, idx)
        if ref is not None:
            ref_t, (ref_lon, ref_lat, _) = ref
            metres = haversine_m(ref_lon, ref_lat, fix.lon, fix.lat)
            kmh = metres / (abs(t - ref_t) + 1.0) * 3.6
            impossible = kmh > self.limit_kmh
        if idx > 0 or len(times) < self.depth:
            times.insert(idx, t)
            points.insert(idx, (fix.lon, fix.lat, impossible))
            if len(times) > self.depth:
                del times[0]
                del points[0]
        if impossible:
            return dataclasses.replace(fix, flags=fix.flags | FixFlag.IMPOSSIBLE_SPEED)
        return fix

    def _reference(self, times: list[float], points: list[tuple[float, float, bool]],
                   idx: int) -> tuple[float, tuple[float, float, bool]] | None:
        if idx == 0:
            return None
        for back in range(1, min(self.trust_after, idx) + 1):
            if not points[idx - back][2]:
                return times[idx - back], points[idx - back]
        if idx < self.trust_after:
            return None  # only outliers so far and too few to trust
        return times[idx - 1], points[idx - 1]


@dataclass
class _TerminalStats:
    vehicle_id: str | None = None
    last_seen: float = 0.0
    frames: int = 0


@dataclass
class _Pending:
    """Fixes of one message waiting for the writer; replied to once stored."""

    conn: _Connection
    header: Header  # the message to acknowledge
    vehicle_id: str
    fixes: list[PositionFix]


_STOP = object()
_REPLY = struct.Struct(">HHHB")  # serial of this reply, then the 0x8001 body


@dataclass(eq=False)
class _Connection:
    writer: asyncio.StreamWriter
    peer: str
    max_write_buffer: int
    phone: str | None = None  # canonical, once authenticated
    vehicle_id: str | None = None
    consecutive_bad: int = 0
    serial: int = 0
    closed: bool = False
    reassembler: Reassembler = field(default_factory=Reassembler)
    _reply_prefix: dict[tuple[str, int, int], bytes] = field(default_factory=dict)

    def send(self, msg_id: int, body: bytes, answering: Header) -> None:
        """Send in the edition, protocol version and phone spelling of ``answering``."""
        if self.closed or self.writer.is_closing():
            return
        header = Header(msg_id=msg_id, phone=answering.phone, serial=self.serial,
                        edition=answering.edition, protocol_version=answering.protocol_version)
        self.serial = (self.serial + 1) & 0xFFFF
        self.send_frames([encode_frame(header, body)])

    def reply(self, answering: Header, result: int) -> None:
        self.send_frames([self.reply_frame(answering, result)])

    def reply_frame(self, answering: Header, result: int) -> bytes:
        """The 0x8001 frame for ``answering``, to be written later with others.

        The header up to the serial number is the same for every reply to
        one terminal, so it is built once: this is the gateway's busiest
        encoder (one reply per fix)."""
        key = (answering.phone, answering.edition, answering.protocol_version)
        prefix = self._reply_prefix.get(key)
        if prefix is None:
            header = Header(msg_id=MsgId.PLATFORM_GENERAL_REPLY, phone=answering.phone, serial=0,
                            edition=answering.edition, protocol_version=answering.protocol_version)
            prefix = self._reply_prefix[key] = build_header(header, 5)[:-2]
        raw = prefix + _REPLY.pack(self.serial, answering.serial & 0xFFFF,
                                   answering.msg_id & 0xFFFF, result & 0xFF)
        self.serial = (self.serial + 1) & 0xFFFF
        return b"\x7e" + escape(raw + bytes((checksum(raw),))) + b"\x7e"

    def send_frames(self, frames: list[bytes]) -> None:
        if self.closed or self.writer.is_closing():
            return
        self.writer.write(b"".join(frames))
        if self.writer.transport.get_write_buffer_size() > self.max_write_buffer:
            # A peer that stops reading its replies would grow this buffer
            # without bound; it is broken, not slow.
            log.warning("jt808 %s: not reading replies, dropping the connection", self.peer)
            self.abort()

    def abort(self) -> None:
        self.closed = True
        self.writer.transport.abort()


class JT808Gateway:
    """Accepts JT/T 808 terminals and hands their positions to ``sink``.

    ``sink`` is a :class:`PositionSink` (``server.storage.ServerStore``).  It
    receives canonical phone numbers (:func:`core.jt808.canonical_phone`: 12
    digits, leading zeros to pad), so a 2013 and a 2019 terminal with the
    same SIM number map to the same vehicle.
    """

    def __init__(self, sink: PositionSink, host: str = "127.0.0.1", port: int = 0, *,
                 idle_timeout: float | None = 300.0, max_batch: int = 2000,
                 flush_interval: float = 0.1, max_bad_frames: int = 50,
                 max_buffer: int = 64 * 1024, max_write_buffer: int = 256 * 1024,
                 queue_limit: int = 100_000, sink_threads: int = 8,
                 impossible_speed_kmh: float = 200.0, backlog: int = 2048,
                 alarms: AlarmRunner | bool = True, max_alarm_batches: int = 200):
        self.sink = sink
        self.host = host
        self._requested_port = port
        self.idle_timeout = idle_timeout
        self.max_batch = max_batch
        self.flush_interval = flush_interval
        self.max_bad_frames = max_bad_frames
        self.max_buffer = max_buffer
        self.max_write_buffer = max_write_buffer
        self.queue_limit = queue_limit
        self.sink_threads = sink_threads
        self.backlog = backlog
        self.speed_check = SpeedCheck(impossible_speed_kmh)
        # Alarms are judged from what was stored, on a thread of their own.
        self.alarms: AlarmRunner | None = None
        if isinstance(alarms, AlarmRunner):
            self.alarms = alarms
        elif alarms and isinstance(sink, ServerStore):
            self.alarms = AlarmRunner(sink)
        self.max_alarm_batches = max_alarm_batches
        self._alarm_pool: ThreadPoolExecutor | None = None
        self._alarm_jobs: set[asyncio.Future[Any]] = set()
        self._server: asyncio.Server | None = None
        self._closing = False
        self._queue: asyncio.Queue[Any] | None = None
        self._writer_task: asyncio.Task[None] | None = None
        self._sink_pool: ThreadPoolExecutor | None = None
        self._store_pool: ThreadPoolExecutor | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._conns: set[_Connection] = set()
        self._terminals: dict[str, _TerminalStats] = {}
        self._counts = dict.fromkeys((
            "connections_total", "frames", "bad_frames", "bad_messages", "positions_received",
            "positions_refused", "positions_stored", "positions_duplicate", "store_errors",
            "garbage_bytes",
            "disconnected_bad_frames", "disconnected_overflow", "disconnected_idle",
            "alarm_batches_dropped",
        ), 0)
        self.port = 0

    # ---- lifecycle -------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("gateway already started")
        self._queue = asyncio.Queue(maxsize=self.queue_limit)
        self._sink_pool = ThreadPoolExecutor(self.sink_threads, thread_name_prefix="jt808-sink")
        self._store_pool = ThreadPoolExecutor(1, thread_name_prefix="jt808-store")
        if self.alarms is not None:
            self._alarm_pool = ThreadPoolExecutor(1, thread_name_prefix="jt808-alarms")
        self._writer_task = asyncio.create_task(self._writer_loop(), name="jt808-writer")
        self._server = await asyncio.start_server(
            self._handle, self.host, self._requested_port, backlog=self.backlog,
            reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("jt808 gateway listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop accepting and reading, store and acknowledge what is queued,
        then drop the connections.  Fixes still arriving are not acknowledged,
        so their terminals keep them and send them again."""
        if self._server is None:
            return
        self._closing = True
        self._server.close()
        await self._server.wait_closed()
        if self._queue is not None and self._writer_task is not None:
            await self._queue.put(_STOP)
            await self._writer_task
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await asyncio.gather(*self._alarm_jobs, return_exceptions=True)
        for pool in (self._sink_pool, self._store_pool, self._alarm_pool):
            if pool is not None:
                # Shut down off the loop: a login may still be running in a
                # worker after its connection task was cancelled.
                await asyncio.to_thread(pool.shutdown, True)
        self._server = None
        log.info("jt808 gateway on port %d stopped", self.port)

    def stats(self) -> dict[str, Any]:
        terminals = {
            phone: {"vehicle_id": t.vehicle_id, "frames": t.frames,
                    "last_seen": to_iso(datetime.fromtimestamp(t.last_seen, CST))}
            for phone, t in self._terminals.items()
        }
        return {
            **self._counts,
            **(self.alarms.stats() if self.alarms is not None else {}),
            "connections_open": len(self._conns),
            "queue_depth": self._queue.qsize() if self._queue is not None else 0,
            "terminals": terminals,
        }

    # ---- connections -----------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if peername else "?"
        conn = _Connection(writer, peer, self.max_write_buffer)
        self._conns.add(conn)
        self._counts["connections_total"] += 1
        splitter = FrameSplitter(self.max_buffer)
        try:
            await self._serve(conn, reader, splitter)
        except asyncio.CancelledError:
            pass
        except (ConnectionError, OSError) as exc:
            log.debug("jt808 %s: connection error: %s", peer, exc)
        except Exception:  # one broken connection must never take the gateway down
            log.exception("jt808 %s: unexpected error, dropping the connection", peer)
        finally:
            self._counts["garbage_bytes"] += splitter.garbage_bytes
            conn.closed = True
            self._conns.discard(conn)
            if task is not None:
                self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _serve(self, conn: _Connection, reader: asyncio.StreamReader,
                     splitter: FrameSplitter) -> None:
        while not conn.closed and not self._closing:
            try:
                async with asyncio.timeout(self.idle_timeout):
                    chunk = await reader.read(65536)
            except TimeoutError:
                self._counts["disconnected_idle"] += 1
                log.info("jt808 %s: idle for %s s, closing", conn.peer, self.idle_timeout)
                return
            if not chunk:
                return
            try:
                candidates = splitter.feed(chunk)
            except FrameError as exc:
                self._counts["bad_frames"] += 1
                self._counts["disconnected_overflow"] += 1
                log.warning("jt808 %s: %s; disconnecting", conn.peer, exc)
                return
            for candidate in candidates:
                try:
                    message = decode_frame(candidate)
                except FrameError as exc:
                    self._counts["bad_frames"] += 1
                    conn.consecutive_bad += 1
                    log.debug("jt808 %s: dropped frame: %s", conn.peer, exc)
                    if conn.consecutive_bad > self.max_bad_frames:
                        self._counts["disconnected_bad_frames"] += 1
                        log.warning("jt808 %s: %d bad frames in a row; disconnecting",
                                    conn.peer, conn.consecutive_bad)
                        return
                    continue
                conn.consecutive_bad = 0
                self._counts["frames"] += 1
                await self._dispatch(conn, message)
                if conn.closed or self._closing:
                    return

    def _seen(self, phone: str, vehicle_id: str | None) -> None:
        stats = self._terminals.get(phone)
        if stats is None:
            stats = self._terminals[phone] = _TerminalStats()
        if vehicle_id is not None:
            stats.vehicle_id = vehicle_id
        stats.last_seen = time.time()
        stats.frames += 1

    # ---- messages --------------------------------------------------------

    async def _dispatch(self, conn: _Connection, message: Message) -> None:
        header = message.header
        phone = header.canonical_phone
        if conn.phone == phone:
            self._seen(phone, conn.vehicle_id)
        if header.encryption:
            conn.reply(header, ReplyResult.NOT_SUPPORTED)  # RSA is not implemented
            return
        if header.subpackaged:
            whole = conn.reassembler.add(message)
            if whole is None:
                conn.reply(header, ReplyResult.SUCCESS)
                return
            # The reply for the completing package is the one owed for the whole.
            message = Message(header, whole.body)
        msg_id = header.msg_id
        try:
            if msg_id == MsgId.REGISTER:
                await self._on_register(conn, message, phone)
            elif msg_id == MsgId.AUTHENTICATE:
                await self._on_authenticate(conn, message, phone)
            elif msg_id in (MsgId.HEARTBEAT, MsgId.DEREGISTER):
                if msg_id == MsgId.DEREGISTER and conn.phone == phone:
                    conn.phone = conn.vehicle_id = None
                conn.reply(header, ReplyResult.SUCCESS)
            elif msg_id == MsgId.TERMINAL_GENERAL_REPLY:
                pass  # acks to platform commands; the gateway sends none yet
            elif msg_id in (MsgId.POSITION, MsgId.BATCH_POSITIONS):
                await self._on_positions(conn, message, phone)
            else:
                conn.reply(header, ReplyResult.NOT_SUPPORTED)
        except FrameError as exc:
            self._counts["bad_messages"] += 1
            log.info("jt808 %s: bad 0x%04X body: %s", conn.peer, msg_id, exc)
            conn.reply(header, ReplyResult.MESSAGE_ERROR)

    async def _call_sink(self, fn: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._sink_pool, fn, *args)

    async def _on_register(self, conn: _Connection, message: Message, phone: str) -> None:
        header = message.header
        decode_register(message.body, header.edition)  # refuse malformed bodies
        try:
            code = await self._call_sink(self.sink.register_terminal, phone)
        except Exception:
            log.exception("jt808 %s: register_terminal(%s) failed", conn.peer, phone)
            conn.reply(header, ReplyResult.FAILURE)
            return
        if code is None:
            # The store looks terminals up by number: an unknown number is an
            # unknown terminal (result 4), whatever plate it claims.
            reply = RegisterReply(header.serial, RegisterResult.NO_SUCH_TERMINAL)
        else:
            reply = RegisterReply(header.serial, RegisterResult.SUCCESS, code)
            if conn.phone != phone:
                self._seen(phone, None)
        conn.send(MsgId.REGISTER_REPLY, encode_register_reply(reply), header)

    async def _on_authenticate(self, conn: _Connection, message: Message, phone: str) -> None:
        header = message.header
        auth = decode_authenticate(message.body, header.edition)
        try:
            vehicle_id = await self._call_sink(self.sink.authenticate_terminal, phone,
                                               auth.auth_code)
        except Exception:
            log.exception("jt808 %s: authenticate_terminal(%s) failed", conn.peer, phone)
            vehicle_id = None
        if vehicle_id is None:
            if conn.phone == phone:
                conn.phone = conn.vehicle_id = None
            conn.reply(header, ReplyResult.FAILURE)
            return
        if conn.phone != phone:
            self._seen(phone, vehicle_id)
        conn.phone, conn.vehicle_id = phone, vehicle_id
        conn.reply(header, ReplyResult.SUCCESS)

    async def _on_positions(self, conn: _Connection, message: Message, phone: str) -> None:
        header = message.header
        if conn.vehicle_id is None or conn.phone != phone:
            self._counts["positions_refused"] += 1
            conn.reply(header, ReplyResult.FAILURE)
            return
        if header.msg_id == MsgId.POSITION:
            fixes = [decode_position(message.body, phone)]
        else:
            fixes = decode_batch_positions(message.body, phone).fixes
            fixes.sort(key=lambda f: f.device_time)
        fixes = [self.speed_check.check(conn.vehicle_id, f) for f in fixes]
        self._counts["positions_received"] += len(fixes)
        assert self._queue is not None
        if not fixes:
            conn.reply(header, ReplyResult.SUCCESS)
            return
        # Waits when the writer is far behind: back-pressure on this terminal only.
        await self._queue.put(_Pending(conn, header, conn.vehicle_id, fixes))

    # ---- the writer ------------------------------------------------------

    async def _writer_loop(self) -> None:
        assert self._queue is not None
        queue = self._queue
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            first = await queue.get()
            if first is _STOP:
                break
            batch: list[_Pending] = [first]
            count = len(first.fixes)
            deadline = loop.time() + self.flush_interval
            while count < self.max_batch:
                try:
                    item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(queue.get(), remaining)
                    except TimeoutError:
                        break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
                count += len(item.fixes)
            try:
                await self._flush(batch)
            except Exception:  # the writer must outlive any one bad batch
                log.exception("jt808: writer failed on a batch of %d messages", len(batch))

    async def _flush(self, batch: list[_Pending]) -> None:
        pairs = [(p.vehicle_id, fix) for p in batch for fix in p.fixes]
        loop = asyncio.get_running_loop()
        stored: list[tuple[str, PositionFix]] = []
        try:
            indexes = await loop.run_in_executor(self._store_pool, self.sink.store_fixes, pairs)
            result = ReplyResult.SUCCESS
            stored = [pairs[i] for i in indexes]
            self._counts["positions_stored"] += len(stored)
            self._counts["positions_duplicate"] += len(pairs) - len(stored)
        except Exception:
            # Failure replies make the terminals keep and resend these fixes.
            log.exception("jt808: store_fixes failed for %d fixes", len(pairs))
            self._counts["store_errors"] += 1
            result = ReplyResult.FAILURE
        # One write per connection per batch: a terminal with several reports
        # in flight gets all its replies in one segment, not one syscall each.
        replies: dict[_Connection, list[bytes]] = {}
        for pending in batch:
            replies.setdefault(pending.conn, []).append(
                pending.conn.reply_frame(pending.header, result))
        for conn, frames in replies.items():
            try:
                conn.send_frames(frames)
            except (ConnectionError, OSError) as exc:
                log.debug("jt808 %s: reply lost: %s", conn.peer, exc)
        if stored:
            self._judge_alarms(stored)

    def _judge_alarms(self, pairs: list[tuple[str, PositionFix]]) -> None:
        if self.alarms is None or self._alarm_pool is None:
            return
        if len(self._alarm_jobs) >= self.max_alarm_batches:
            # The database cannot keep up with alarms and positions both;
            # positions win, and the drop is counted, never silent.
            self._counts["alarm_batches_dropped"] += 1
            log.error("jt808: alarm judging %d batches behind; dropped one", len(self._alarm_jobs))
            return
        job = asyncio.get_running_loop().run_in_executor(self._alarm_pool, self._run_alarms, pairs)
        self._alarm_jobs.add(job)
        job.add_done_callback(self._alarm_jobs.discard)

    def _run_alarms(self, pairs: list[tuple[str, PositionFix]]) -> None:
        assert self.alarms is not None
        try:
            self.alarms.process(pairs)
        except Exception:  # alarms must never stop the gateway
            self.alarms.errors += 1
            log.exception("jt808: alarm judging failed on %d fixes", len(pairs))


__all__ = ["JT808Gateway", "PositionSink", "SpeedCheck"]
