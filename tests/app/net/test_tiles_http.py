"""Online basemaps: XYZ/WMTS tiles over real HTTP from a fake tile server, through the disk cache.

The tile server is outside GridDesk, so the test runs a tiny one on
127.0.0.1: it serves PNG tiles, answers 404 where it has none, 403 to a bad
key and an XML error with status 200 (as Tianditu does), and can be stopped
to play an outage.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtGui import QColor, QImage

from app.net.tiles import HttpTileSource, tianditu_layers
from app.store.tile_sources import DiskTileCache, TileSourceError
from app.views.map.tiles import TileProvider
from core.tiles import Datum, TileError
from support import png_bytes


def _png(colour: QColor) -> bytes:
    img = QImage(256, 256, QImage.Format.Format_RGB32)
    img.fill(colour)
    return png_bytes(img)


class FakeTileServer:
    """XYZ tiles at /tiles/{z}/{x}/{y}.png; /xml/... answers like Tianditu with a bad key."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.tile = _png(QColor(90, 120, 150))
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep the test output clean
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                m = re.match(r"/(\w+)/(\d+)/(\d+)/(\d+)\.png", self.path)
                if m is None:
                    self.send_error(400)
                    return
                kind, x = m.group(1), int(m.group(3))
                if kind == "xml":
                    body = b"<?xml version='1.0'?><ExceptionReport>key rejected</ExceptionReport>"
                    self._reply(200, "text/xml", body)
                elif kind == "forbidden":
                    self._reply(403, "text/plain", b"no")
                elif kind == "tiles" and x % 7 != 3:  # column 3 mod 7: the server has no tile
                    self._reply(200, "image/png", server.tile)
                else:
                    self._reply(404, "text/plain", b"none")

            def _reply(self, code: int, kind: str, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, kind: str = "tiles") -> str:
        return f"http://127.0.0.1:{self.port}/{kind}/{{z}}/{{x}}/{{y}}.png"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def server():
    s = FakeTileServer()
    yield s
    s.stop()


@pytest.fixture
def cache(tmp_path):
    c = DiskTileCache(tmp_path / "tiles.sqlite", max_bytes=50 * 1024 * 1024)
    yield c
    c.close()


def _source(server: FakeTileServer, cache: DiskTileCache, kind: str = "tiles", **kw) -> HttpTileSource:
    return HttpTileSource("city", "City GIS", [server.url(kind)], Datum.GCJ02, cache,
                          timeout_s=2.0, **kw)


def test_tiles_are_fetched_once_then_served_from_the_disk_cache(server, cache):
    source = _source(server, cache)
    first = source.read(14, 13400, 7000)
    assert len(first) == 1 and not QImage.fromData(first[0]).isNull()
    assert source.read(14, 13400, 7000) == first
    assert len(server.requests) == 1 and source.fetched == 1
    # The server's "no tile here" is remembered too.
    assert source.read(14, 13401, 7000) == []
    assert source.read(14, 13401, 7000) == []
    assert len(server.requests) == 2


def test_offline_the_cache_answers_and_an_uncached_tile_fails_fast(server, cache):
    source = _source(server, cache, max_age_s=0.0)  # every cached tile is stale: always ask the server
    seen = source.read(14, 13400, 7000)
    server.stop()
    # Stale, but the server is gone: the cached tile, not an error.
    assert source.read(14, 13400, 7000) == seen
    with pytest.raises(TileSourceError) as info:
        source.read(14, 13401, 7000)
    assert info.value.reason in ("unreachable", "not_cached")
    with pytest.raises(TileSourceError) as info:
        source.read(14, 13402, 7000)
    # "not cached" comes only from the backoff branch: no second attempt, no second timeout.
    assert info.value.reason == "not_cached"


def test_servers_that_refuse_are_reported_with_the_reason(server, cache):
    with pytest.raises(TileSourceError) as info:
        _source(server, cache, kind="forbidden").read(10, 800, 400)
    assert info.value.reason == "refused"
    with pytest.raises(TileSourceError) as info:
        _source(server, cache, kind="xml").read(10, 800, 400)
    assert info.value.reason == "not_image"
    assert cache.count() == 0  # nothing bad was cached


def test_tianditu_urls_carry_the_layer_and_the_key():
    vec, cva = tianditu_layers("vector", "abc123")
    assert "LAYER=vec" in vec and "LAYER=cva" in cva and "tk=abc123" in vec
    assert "TILEMATRIXSET=w" in vec and "TILEMATRIX={z}" in vec and "TILEROW={y}" in vec
    img, cia = tianditu_layers("imagery", "abc123")
    assert "LAYER=img" in img and "LAYER=cia" in cia
    for bad in ("", "  ", "key with spaces"):
        with pytest.raises(TileError):
            tianditu_layers("vector", bad)
    with pytest.raises(TileError):
        tianditu_layers("terrain", "abc")


def test_bad_templates_are_refused_before_any_fetch(cache):
    for bad in ([], ["http://x/{z}/{x}.png"], ["http://t{s}.x/{z}/{x}/{y}.png"]):
        with pytest.raises(TileError):
            HttpTileSource("k", "k", bad, Datum.GCJ02, cache)


def test_the_disk_cache_stays_under_its_cap_and_drops_the_least_recently_used(tmp_path):
    cache = DiskTileCache(tmp_path / "c.sqlite", max_bytes=100_000)
    blob = bytes(10_000)
    for x in range(8):
        cache.put("s", 12, x, 0, blob)
    # Reading tile 0 makes it recent (use times are refreshed at most once a minute,
    # so backdate the others to make the order unambiguous: tile 1 the oldest,
    # whatever the clock's resolution gave the puts).
    conn = sqlite3.connect(tmp_path / "c.sqlite")
    conn.execute("UPDATE tiles SET used = used - 3600 - (10 - x) WHERE x != 0")
    conn.execute("UPDATE tiles SET used = used - 7200 WHERE x = 0")
    conn.commit()
    conn.close()
    assert cache.get("s", 12, 0, 0) is not None  # touched: now the most recent
    for x in range(8, 14):
        cache.put("s", 12, x, 0, blob)
    assert cache.total_bytes <= 100_000
    assert cache.get("s", 12, 0, 0) is not None  # recently used: kept
    assert cache.get("s", 12, 1, 0) is None  # the oldest untouched one went first
    assert cache.get("s", 12, 13, 0) is not None
    cache.close()
    # The total is recounted from the file when it is opened again.
    again = DiskTileCache(tmp_path / "c.sqlite", max_bytes=100_000)
    assert again.total_bytes == sum(len(blob) for _ in range(again.count()))
    again.close()


def test_a_damaged_cache_file_is_set_aside_and_started_afresh(tmp_path):
    path = tmp_path / "tiles.sqlite"
    path.write_bytes(b"this was never a database" * 100)
    cache = DiskTileCache(path, max_bytes=1_000_000)
    cache.put("s", 1, 0, 0, b"x")
    assert cache.get("s", 1, 0, 0).data == b"x"
    assert list(tmp_path.glob("tiles.sqlite.broken-*"))
    cache.close()
    with pytest.raises(ValueError):
        DiskTileCache(tmp_path / "other.sqlite", max_bytes=0)


def test_nothing_loads_outside_a_running_event_loop(event_loop, server, cache):
    provider = TileProvider(_source(server, cache), workers=1)
    first, second = (14, 13400, 7000), (14, 13402, 7000)
    provider.request([first])  # no loop is running: nothing may be queued
    assert provider.requested() == [first]
    arrived: list[tuple[int, int, int]] = []
    provider.tilesLoaded.connect(arrived.extend)

    async def until_both() -> None:
        # One worker runs its jobs in order.  Had the request above queued a
        # job, `first` would be fetched before `second`; had it queued one on
        # a loop that never runs it, `first` would stay pending and never come.
        provider.request([second, first])
        while len(arrived) < 2:
            await asyncio.sleep(0.02)

    event_loop.run_until_complete(asyncio.wait_for(until_both(), 10))
    assert sorted(arrived) == [first, second]
    assert server.requests == ["/tiles/14/13402/7000.png", "/tiles/14/13400/7000.png"]
    provider.close()


def test_the_provider_fetches_on_worker_threads_and_announces_arrivals(event_loop, server, cache):
    source = _source(server, cache)
    threads: list[str] = []
    read = source.read

    def recording_read(z, x, y):
        threads.append(threading.current_thread().name)
        return read(z, x, y)

    source.read = recording_read  # type: ignore[method-assign]
    provider = TileProvider(source, workers=2)
    arrived: list[tuple[int, int, int]] = []
    provider.tilesLoaded.connect(arrived.extend)
    keys = [(14, 13400 + i, 7000) for i in range(6)]

    async def until_done() -> None:
        provider.request(keys)  # as a paint does: on the GUI thread, inside the running loop
        while len(arrived) < 5:  # one of the six columns has no tile on the server
            await asyncio.sleep(0.02)

    event_loop.run_until_complete(asyncio.wait_for(until_done(), 10))
    assert sorted(arrived) == sorted(k for k in keys if k[1] % 7 != 3)
    assert all(name.startswith("tiles-") for name in threads)  # never the GUI thread
    assert provider.image(14, 13400, 7000) is not None
    assert provider.image(14, 13401, 7000) is None
    provider.request(keys)
    assert provider.requested() == []  # loaded or known to be absent: nothing asked again
    provider.close()


def test_tiles_no_longer_wanted_are_skipped(event_loop, server, cache):
    source = _source(server, cache)
    provider = TileProvider(source, workers=1)
    done: list = []
    provider.tilesLoaded.connect(done.extend)

    async def until() -> None:
        provider.request([(14, 13400 + i, 7000) for i in range(40)])
        provider.request([(14, 13400, 7001)])  # the view moved on before most of them ran
        while (14, 13400, 7001) not in done:
            await asyncio.sleep(0.02)

    event_loop.run_until_complete(asyncio.wait_for(until(), 10))
    assert len(server.requests) < 40
    provider.close()


def test_an_unreachable_server_is_reported_once(event_loop, cache):
    source = HttpTileSource("gone", "Gone GIS", ["http://127.0.0.1:9/{z}/{x}/{y}.png"], Datum.WGS84, cache,
                            timeout_s=1.0)
    provider = TileProvider(source, workers=1)
    problems: list[TileSourceError] = []
    provider.problem.connect(problems.append)

    keys = [(12, 3300 + i, 1700) for i in range(5)]

    async def until_all_failed() -> None:
        # A tile that failed is not asked for again for a while, so once a
        # request asks for none of the five, every one of them has failed and
        # had its chance to be reported.
        provider.request(keys)
        while provider.requested():
            await asyncio.sleep(0.02)
            provider.request(keys)  # those still loading are not queued twice

    event_loop.run_until_complete(asyncio.wait_for(until_all_failed(), 20))
    assert len(problems) == 1 and problems[0].source == "Gone GIS"
    provider.close()
