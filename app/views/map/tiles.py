"""Basemap tiles between their source and the map: loading, decoding, caching.

* A **tile source** hands out encoded tiles by XYZ key: ``MBTilesSource``
  (a file on disk, this module) or ``HttpTileSource`` (an XYZ/WMTS server
  through a disk cache, app/net/tiles.py, the only code that fetches tiles
  over HTTP).  Sources are called on worker threads only.
* ``DiskTileCache`` is that disk cache: one SQLite file with a size cap,
  least recently used tiles evicted first.  Any thread.
* ``TileProvider`` is what the map view holds: decoded tiles in a bounded
  memory cache, looked up on the GUI thread; missing tiles are read and
  decoded on ``app.runtime.background.Worker`` threads and announced by
  ``tilesLoaded`` so the map redraws just their squares.  It never blocks
  the GUI thread on a source.

Threading is stated per class.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage, QPainter

from app.runtime.background import Worker, when_stopped
from app.store.tile_sources import (
    TileSource,
    TileSourceError,
)

__all__ = ["TileProvider", "decode_tile"]

log = logging.getLogger(__name__)

TileKey = tuple[int, int, int]  # XYZ (z, x, y)


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


_RETRY_AFTER_S = 30.0
_MAX_PENDING = 96
_SKIPPED = object()


def _loop_running() -> bool:
    try:
        return asyncio.get_event_loop().is_running()
    except RuntimeError:
        return False


class _Loader:
    """What a tile job needs on a worker thread: the source and the set of
    tiles still wanted.  Plain Python on purpose: a job must hold no
    reference to the ``TileProvider``, or the provider's last reference could
    drop on a worker thread and Qt would delete it (and its timer) there, a
    crash when the GUI thread's timers next fire."""

    def __init__(self, source: TileSource) -> None:
        self.source = source
        self.wanted: set[TileKey] = set()
        self.lock = threading.Lock()
        self.closed = False

    def want(self, keys: set[TileKey]) -> None:
        with self.lock:
            self.wanted = keys

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.wanted = set()

    def what(self, key: TileKey) -> str:
        z, x, y = key
        return f"{self.source.name} {z}/{x}/{y}"

    def load(self, key: TileKey):  # worker threads
        with self.lock:
            if key not in self.wanted or self.closed:
                return _SKIPPED
        layers = self.source.read(*key)
        return decode_tile(layers, self.what(key)) if layers else None


class TileProvider(QObject):
    """Decoded tiles of one source for the map view.

    ``image`` answers from memory at once (GUI thread).  ``request`` takes the
    tiles a paint missed, nearest the centre first, and loads them on
    ``workers`` worker threads (app.runtime.background.Worker, so results come back on
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
        self._loader = _Loader(source)
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
        self._loader.want(set(want))
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
                self._loader.load, key,
                on_done=functools.partial(self._loaded, key),
                on_error=functools.partial(self._load_failed, key),
            )

    def load_now(self, keys: Iterable[TileKey]) -> int:
        """Read and decode tiles on the calling thread; returns how many arrived."""
        got = 0
        for key in keys:
            try:
                layers = self.source.read(*key)
                image = decode_tile(layers, self._loader.what(key)) if layers else None
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
        self._loader.close()
        if not self._workers:
            self.source.close()
        else:
            # A job may be inside read(): close the source once the workers have
            # stopped, never under a job's feet, and without blocking the GUI.
            when_stopped(self._workers, self.source.close)

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
