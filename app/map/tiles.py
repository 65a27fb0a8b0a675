"""Basemap tiles between their source and the map: loading, decoding, caching.

* A **tile source** hands out encoded tiles by XYZ key: ``MBTilesSource``
  (a file on disk, this module) or ``HttpTileSource`` (an XYZ/WMTS server
  through a disk cache, app/sync/tiles.py, the only code that fetches tiles
  over HTTP).  Sources are called on worker threads only.
* ``DiskTileCache`` is that disk cache: one SQLite file with a size cap,
  least recently used tiles evicted first.  Any thread.
* ``TileProvider`` is what the map view holds: decoded tiles in a bounded
  memory cache, looked up on the GUI thread; missing tiles are read and
  decoded on ``app.background.Worker`` threads and announced by
  ``tilesLoaded`` so the map redraws just their squares.  It never blocks
  the GUI thread on a source.

Threading is stated per class.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage, QPainter

from app.background import Worker
from app.map.mbtiles import MBTilesError, MBTilesFile
from core.tiles import TILE_PX, Datum

__all__ = [
    "DiskTileCache",
    "MBTilesSource",
    "TileKey",
    "TileProvider",
    "TileSource",
    "TileSourceError",
    "decode_tile",
]

log = logging.getLogger(__name__)

TileKey = tuple[int, int, int]  # XYZ (z, x, y)


class TileSourceError(Exception):
    """A tile could not be had.

    ``reason`` is a code the UI turns into a translated sentence
    (app/map/controller.py): unreachable, refused, http, not_image, damaged,
    not_cached; ``source`` names the source; str() is English for the log.
    """

    def __init__(self, reason: str, source: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.source = source
        self.detail = detail


class TileSource(Protocol):
    """Encoded tiles by XYZ key.  ``read`` is called on worker threads only."""

    key: str  # unique among sources: names the source in caches
    name: str
    datum: Datum
    min_zoom: int
    max_zoom: int
    tile_px: int
    attribution: str

    def read(self, z: int, x: int, y: int) -> list[bytes]:
        """Encoded images to stack bottom-up; [] when the source has no tile there.
        Raises TileSourceError when it cannot tell."""
        ...

    def close(self) -> None: ...


class MBTilesSource:
    """An MBTiles file as a tile source.  ``datum`` overrides the file's own
    ``datum`` metadata; without either the tiles are taken as GCJ-02 and
    ``datum_declared`` is False so the caller can say so."""

    def __init__(self, file: MBTilesFile, datum: Datum | None = None, name: str | None = None) -> None:
        self.file = file
        info = file.info
        self.key = f"mbtiles:{info.path.resolve()}"
        self.name = name or info.name
        self.datum_declared = (datum or info.datum) is not None
        self.datum = datum or info.datum or Datum.GCJ02
        self.min_zoom = info.min_zoom
        self.max_zoom = info.max_zoom
        self.tile_px = TILE_PX
        self.attribution = ""

    def read(self, z: int, x: int, y: int) -> list[bytes]:
        try:
            data = self.file.read(z, x, y)
        except MBTilesError as exc:
            raise TileSourceError("damaged", self.name, str(exc)) from exc
        return [] if data is None else [data]

    def close(self) -> None:
        self.file.close()


def decode_tile(layers: Sequence[bytes], what: str = "tile") -> QImage | None:
    """Decode and stack a tile's layers into one image (RGB32 when opaque, else premultiplied ARGB).

    Any thread (QImage and QPainter on a QImage are reentrant).  Raises
    TileSourceError if a layer is not an image Qt can read.
    """
    image: QImage | None = None
    for i, data in enumerate(layers):
        layer = QImage.fromData(data)
        if layer.isNull():
            raise TileSourceError("damaged", what, f"{what}: layer {i + 1} is not a readable image")
        if image is None:
            # Opaque tiles (most are) stay without an alpha channel: blitting
            # them is then a copy, not a blend.
            image = layer.convertToFormat(
                QImage.Format.Format_ARGB32_Premultiplied if layer.hasAlphaChannel()
                else QImage.Format.Format_RGB32
            )
            continue
        p = QPainter(image)
        try:
            p.drawImage(image.rect(), layer, layer.rect())
        finally:
            p.end()
    return image


# ------------------------------------------------------------------ disk cache


@dataclass(frozen=True)
class CachedTile:
    data: bytes | None  # None: the server said it has no tile here
    fetched: float  # time.time() when it came from the server


class DiskTileCache:
    """Tiles fetched from servers, kept on disk for offline use, under a size cap.

    One SQLite file (WAL).  ``put`` evicts the least recently used tiles
    once the stored bytes pass ``max_bytes``, down to 90 % of it, so a long
    shift's panning never fills the disk.  ``get`` refreshes a tile's use
    time at most once a minute, so reading does not turn into writing.

    Threading: any thread; each thread gets its own connection, and the size
    bookkeeping is under a lock.
    """

    _TOUCH_EVERY_S = 60.0

    def __init__(self, path: str | Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError(f"tile cache size cap must be positive, not {max_bytes!r}")
        self.path = Path(path)
        self.max_bytes = int(max_bytes)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._total = self._open_schema()
        except sqlite3.DatabaseError:
            # A cache is disposable: a damaged one is set aside and started afresh.
            self.close()
            broken = self.path.with_name(self.path.name + f".broken-{int(time.time())}")
            with contextlib.suppress(OSError):
                self.path.replace(broken)
            self._local = threading.local()
            self._total = self._open_schema()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _open_schema(self) -> int:
        conn = self._conn()
        with conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS tiles (source TEXT NOT NULL, z INTEGER NOT NULL, "
                "x INTEGER NOT NULL, y INTEGER NOT NULL, data BLOB, size INTEGER NOT NULL, "
                "fetched REAL NOT NULL, used REAL NOT NULL, PRIMARY KEY (source, z, x, y))"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS tiles_used ON tiles (used)")
        return int(conn.execute("SELECT COALESCE(SUM(size), 0) FROM tiles").fetchone()[0])

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return self._total

    def get(self, source: str, z: int, x: int, y: int) -> CachedTile | None:
        conn = self._conn()
        row = conn.execute(
            "SELECT data, fetched, used FROM tiles WHERE source = ? AND z = ? AND x = ? AND y = ?",
            (source, z, x, y),
        ).fetchone()
        if row is None:
            return None
        now = time.time()
        if now - row[2] > self._TOUCH_EVERY_S:
            with conn:
                conn.execute(
                    "UPDATE tiles SET used = ? WHERE source = ? AND z = ? AND x = ? AND y = ?",
                    (now, source, z, x, y),
                )
        return CachedTile(None if row[0] is None else bytes(row[0]), float(row[1]))

    def put(self, source: str, z: int, x: int, y: int, data: bytes | None) -> None:
        size = len(data) if data is not None else 0
        now = time.time()
        conn = self._conn()
        with self._lock, conn:
            old = conn.execute(
                "SELECT size FROM tiles WHERE source = ? AND z = ? AND x = ? AND y = ?",
                (source, z, x, y),
            ).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (source, z, x, y, data, size, now, now),
            )
            self._total += size - (old[0] if old else 0)
            if self._total > self.max_bytes:
                self._evict(conn, int(self.max_bytes * 0.9))

    def _evict(self, conn: sqlite3.Connection, target: int) -> None:
        """Drop least recently used tiles until at most ``target`` bytes remain.  Lock held."""
        while self._total > target:
            rows = conn.execute(
                "SELECT source, z, x, y, size FROM tiles ORDER BY used LIMIT 256"
            ).fetchall()
            if not rows:
                self._total = 0
                return
            doomed = []
            for row in rows:
                doomed.append(row[:4])
                self._total -= row[4]
                if self._total <= target:
                    break
            conn.executemany(
                "DELETE FROM tiles WHERE source = ? AND z = ? AND x = ? AND y = ?", doomed
            )

    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM tiles").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            conns, self._connections = self._connections, []
        for conn in conns:
            with contextlib.suppress(sqlite3.ProgrammingError):
                conn.close()


# -------------------------------------------------------------------- provider


_RETRY_AFTER_S = 30.0
_MAX_PENDING = 96
_SKIPPED = object()


def _loop_running() -> bool:
    try:
        return asyncio.get_event_loop().is_running()
    except RuntimeError:
        return False


class TileProvider(QObject):
    """Decoded tiles of one source for the map view.

    ``image`` answers from memory at once (GUI thread).  ``request`` takes the
    tiles a paint missed, nearest the centre first, and loads them on
    ``workers`` worker threads (app.background.Worker, so results come back on
    the GUI thread through the qasync loop); tiles that stopped being wanted
    before their turn are skipped.  ``tilesLoaded(keys)`` announces arrivals,
    batched per event-loop turn; ``problem(TileSourceError)`` reports a
    source that fails (at most once per kind of failure per 30 s), and the
    map keeps drawing whatever it has.

    ``workers=0`` loads nothing in the background: ``load_now`` then loads on
    the calling thread (exports and benchmarks, never the live map).

    Threading: GUI thread, except the jobs it runs on its workers.
    """

    tilesLoaded = Signal(list)
    problem = Signal(object)  # TileSourceError

    def __init__(
        self, source: TileSource, workers: int = 1, memory_tiles: int = 256,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.source = source
        self.datum = source.datum
        self.min_zoom = source.min_zoom
        self.max_zoom = source.max_zoom
        self.tile_px = source.tile_px
        self._memory: OrderedDict[TileKey, QImage] = OrderedDict()
        self._memory_tiles = memory_tiles
        self._absent: set[TileKey] = set()
        self._failed: dict[TileKey, float] = {}
        self._pending: set[TileKey] = set()
        self._wanted: set[TileKey] = set()
        self._wanted_lock = threading.Lock()
        self._requested: list[TileKey] = []
        self._arrived: list[TileKey] = []
        self._said: dict[tuple[str, str], float] = {}
        self._workers = [Worker(f"tiles-{i}") for i in range(workers)]
        self._next = 0
        self._closed = False
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._emit_arrived)

    # GUI thread

    def image(self, z: int, x: int, y: int) -> QImage | None:
        key = (z, x, y)
        img = self._memory.get(key)
        if img is not None:
            self._memory.move_to_end(key)
        return img

    def requested(self) -> list[TileKey]:
        """The tiles the last request asked for."""
        return list(self._requested)

    def request(self, keys: Sequence[TileKey]) -> None:
        if self._closed:
            return
        now = time.monotonic()
        want = [
            k for k in keys
            if k not in self._memory and k not in self._absent
            and now - self._failed.get(k, -_RETRY_AFTER_S) >= _RETRY_AFTER_S
        ]
        self._requested = want
        with self._wanted_lock:
            self._wanted = set(want)
        if not self._workers or not _loop_running():
            return
        for key in want:
            if len(self._pending) >= _MAX_PENDING:
                break
            if key in self._pending:
                continue
            self._pending.add(key)
            worker = self._workers[self._next % len(self._workers)]
            self._next += 1
            worker.submit(
                self._load, key,
                on_done=functools.partial(self._loaded, key),
                on_error=functools.partial(self._load_failed, key),
            )

    def load_now(self, keys: Iterable[TileKey]) -> int:
        """Read and decode tiles on the calling thread; returns how many arrived."""
        got = 0
        for key in keys:
            try:
                layers = self.source.read(*key)
                image = decode_tile(layers, self._what(key)) if layers else None
            except TileSourceError as exc:
                self._load_failed(key, exc)
                continue
            self._store(key, image)
            got += image is not None
        self._emit_arrived()
        return got

    def close(self) -> None:
        """Stop loading and release the source.  Jobs already running finish and are dropped."""
        if self._closed:
            return
        self._closed = True
        with self._wanted_lock:
            self._wanted = set()
        for worker in self._workers:
            worker.shutdown(wait=False)
        if not self._workers:
            self.source.close()
        else:
            # A job may be inside read(): close the source once the workers have
            # stopped, never under a job's feet, and without blocking the GUI.
            threading.Thread(target=self._close_source_later, daemon=True).start()

    def _close_source_later(self) -> None:
        for worker in self._workers:
            worker.shutdown(wait=True)
        self.source.close()

    # worker threads

    def _what(self, key: TileKey) -> str:
        z, x, y = key
        return f"{self.source.name} {z}/{x}/{y}"

    def _load(self, key: TileKey):
        with self._wanted_lock:
            if key not in self._wanted or self._closed:
                return _SKIPPED
        layers = self.source.read(*key)
        return decode_tile(layers, self._what(key)) if layers else None

    # back on the GUI thread

    def _loaded(self, key: TileKey, result) -> None:
        self._pending.discard(key)
        if self._closed or result is _SKIPPED:
            return
        self._store(key, result)
        if not self._flush.isActive():
            self._flush.start()

    def _store(self, key: TileKey, image: QImage | None) -> None:
        self._failed.pop(key, None)
        if image is None:
            if len(self._absent) > 100_000:
                self._absent.clear()
            self._absent.add(key)
            return
        self._memory[key] = image
        self._memory.move_to_end(key)
        while len(self._memory) > self._memory_tiles:
            self._memory.popitem(last=False)
        self._arrived.append(key)

    def _load_failed(self, key: TileKey, exc: BaseException) -> None:
        self._pending.discard(key)
        self._failed[key] = time.monotonic()
        if not isinstance(exc, TileSourceError):
            exc = TileSourceError("damaged", self.source.name, f"{self.source.name}: {exc}")
        now = time.monotonic()
        # "Unreachable" and "offline and not cached" are one outage: say it once.
        said = ("offline" if exc.reason in ("unreachable", "not_cached") else exc.reason, exc.source)
        if now - self._said.get(said, -_RETRY_AFTER_S) >= _RETRY_AFTER_S and not self._closed:
            self._said[said] = now
            log.warning("basemap: %s", exc)
            self.problem.emit(exc)

    def _emit_arrived(self) -> None:
        if self._arrived and not self._closed:
            keys, self._arrived = self._arrived, []
            self.tilesLoaded.emit(keys)
