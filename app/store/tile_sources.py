"""Where basemap tiles come from, before any Qt: the tile-source protocol,
MBTiles files as a source, and the disk cache of tiles fetched from servers.

Qt-free and HTTP-free: ``HttpTileSource`` (app/net/tiles.py) is the source
that fetches, ``TileProvider`` (app/views/map/tiles.py) decodes and shows.

Threading: sources and the cache are called on worker threads (the cache
from any thread: a connection per thread).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.store.mbtiles import MBTilesError, MBTilesFile
from core.tiles import TILE_PX, Datum

TileKey = tuple[int, int, int]  # XYZ (z, x, y)


class TileSourceError(Exception):
    """A tile could not be had.

    ``reason`` is a code the UI turns into a translated sentence
    (app/views/map/controller.py): unreachable, refused, http, not_image, damaged,
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
