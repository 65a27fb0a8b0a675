"""MBTiles raster files: the offline basemap a command centre keeps on disk.

An MBTiles file is SQLite with a ``metadata`` table (name/value) and a
``tiles`` table (or view) of (zoom_level, tile_column, tile_row, tile_data),
rows in TMS order (north-growing).  GridDesk reads PNG, JPEG and WebP tiles.
The spec has no datum; GridDesk reads an optional ``datum`` metadata row
(``wgs84``, ``cgcs2000`` or ``gcj02``) and otherwise takes the datum the
user gave when adding the file (see docs/map.md).

Opening checks the file thoroughly enough that a missing, truncated or
foreign file is refused with a message that names the problem, before any
tile is asked for; a tile that cannot be read later is reported as missing.

Threading: an ``MBTilesFile`` may be shared by threads; each thread gets its
own read-only SQLite connection.  ``close()`` closes the ones it can reach.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from core.tiles import Datum, TileError, check_tile, xyz_to_tms_row

__all__ = ["MBTilesError", "MBTilesFile", "MBTilesInfo"]

_FORMATS = {"png", "jpg", "jpeg", "webp"}


class MBTilesError(Exception):
    """An MBTiles file that cannot be used.

    ``reason`` is a code the UI turns into a translated sentence
    (app/views/map/controller.py): missing, not_mbtiles, damaged, format, empty,
    datum, closed; ``file`` is the file's name; str() is an English sentence
    for the log.
    """

    def __init__(self, reason: str, file: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.file = file
        self.detail = detail


@dataclass(frozen=True)
class MBTilesInfo:
    path: Path
    name: str
    format: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float] | None  # lon/lat west, south, east, north
    datum: Datum | None  # None when the file does not say
    tile_count: int


class MBTilesFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        self.info = self._inspect()

    # --- opening

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise MBTilesError("closed", self.path.name, f"{self.path.name}: closed")
        try:
            # Read-only and immutable: a tile package is never written while
            # the map uses it, and immutable skips locking on network shares.
            conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro&immutable=1",
                uri=True,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise MBTilesError("damaged", self.path.name, f"{self.path.name}: cannot be opened ({exc})") from exc
        self._local.conn = conn
        with self._lock:
            self._connections.append(conn)
        return conn

    def _inspect(self) -> MBTilesInfo:
        name = self.path.name
        if not self.path.exists():
            raise MBTilesError("missing", name, f"{name}: file not found ({self.path})")
        if not self.path.is_file():
            raise MBTilesError("missing", name, f"{name}: not a file ({self.path})")
        with self.path.open("rb") as fh:
            head = fh.read(16)
        if head != b"SQLite format 3\x00":
            raise MBTilesError("not_mbtiles", name, f"{name}: not an MBTiles file (it is not an SQLite database)")
        conn = self._connect()
        try:
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                )
            }
            missing = {"metadata", "tiles"} - tables
            if missing:
                raise MBTilesError(
                    "not_mbtiles", name,
                    f"{name}: not an MBTiles file (no {' or '.join(sorted(missing))} table)",
                )
            meta = {
                str(k).strip().lower(): str(v)
                for k, v in conn.execute("SELECT name, value FROM metadata")
                if k is not None and v is not None
            }
            row = conn.execute(
                "SELECT MIN(zoom_level), MAX(zoom_level), COUNT(*) FROM tiles"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise MBTilesError("damaged", name, f"{name}: damaged or unreadable ({exc})") from exc
        except MBTilesError:
            self.close()
            raise
        fmt = meta.get("format", "png").strip().lower()
        if fmt not in _FORMATS:
            self.close()
            raise MBTilesError(
                "format", name,
                f"{name}: tile format {fmt!r} is not a raster format GridDesk can draw (png, jpg or webp)",
                fmt,
            )
        lo, hi, count = row
        if not count:
            self.close()
            raise MBTilesError("empty", name, f"{name}: holds no tiles")
        datum = None
        if meta.get("datum"):
            try:
                datum = Datum.parse(meta["datum"])
            except TileError as exc:
                self.close()
                raise MBTilesError("datum", name, f"{name}: {exc}", meta["datum"]) from exc
        return MBTilesInfo(
            path=self.path,
            name=meta.get("name") or self.path.stem,
            format=fmt,
            min_zoom=_zoom(meta.get("minzoom"), lo),
            max_zoom=_zoom(meta.get("maxzoom"), hi),
            bounds=_parse_bounds(meta.get("bounds")),
            datum=datum,
            tile_count=int(count),
        )

    # --- reading

    def read(self, z: int, x: int, y: int) -> bytes | None:
        """The encoded tile at XYZ (z, x, y), or None if the file has none there.

        Raises MBTilesError if the file went away or is damaged.  Any thread.
        """
        check_tile(z, x, y)
        try:
            row = self._connect().execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, xyz_to_tms_row(z, y)),
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise MBTilesError("damaged", self.path.name, f"{self.path.name}: damaged or unreadable ({exc})") from exc
        if row is None or row[0] is None:
            return None
        return bytes(row[0])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._connections = self._connections, []
        for conn in conns:
            # A connection made on another thread that is still using it is
            # closed when that thread lets go of it.
            with contextlib.suppress(sqlite3.ProgrammingError):
                conn.close()


def _zoom(text: str | None, fallback: int) -> int:
    """A zoom from metadata; the tiles' own range when it is absent or not a number."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else int(fallback)


def _parse_bounds(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        return None
    if len(parts) != 4:
        return None
    w, s, e, n = parts
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        return None
    return w, s, e, n
