"""Basemap tiles from XYZ and WMTS servers, through a disk cache: the only code
in the client that fetches tiles over HTTP.

``HttpTileSource`` is a tile source (app/views/map/tiles.py) for a server that
answers tile URLs built from templates: an ordinary XYZ server
(``…/{z}/{x}/{y}.png``), a city GIS server, or Tianditu's WMTS in its
key-value form (``tianditu_layers``), which needs a user key.

Every tile goes through ``DiskTileCache``: a fresh cached tile is answered
without the network; a stale one is refreshed when the server answers and
served as it is when it does not, so a workstation that loses the network
keeps every tile it has seen.  After a failure the source stops asking the
server for ``offline_backoff_s`` and answers from the cache alone, so an
outage costs one timeout, not one per tile.

Tile servers are third parties: a source never sends the central server's
token, but it takes its sessions (TLS trust) and timeout from the session's
``ServerClient`` when the composition root gives them (``session_factory``,
``timeout_s``; see app/runtime/basemaps.py ``open_source``).

Threading: ``read`` runs on the tile workers' threads (app.runtime.background.Worker
via app/views/map/tiles.py TileProvider), never on the GUI thread; each thread has
its own requests session (requests sessions are not thread-safe).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import requests

from app.store.tile_sources import DiskTileCache, TileSourceError
from core.tiles import TILE_PX, Datum, TileError, expand_template

__all__ = ["TIANDITU_SUBDOMAINS", "HttpTileSource", "tianditu_layers"]

USER_AGENT = "GridDesk/0.1 (district command centre basemap)"
TIANDITU_SUBDOMAINS = "01234567"
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%(key)s"
)


def tianditu_layers(kind: str, key: str) -> list[str]:
    """URL templates for a Tianditu basemap in Web Mercator (the ``w`` matrix set).

    kind ``vector``: roads and places (vec) with their labels (cva);
    ``imagery``: satellite images (img) with labels (cia).  The key is the
    user's own (console.tianditu.gov.cn); it travels in every URL.
    """
    key = key.strip()
    if not key or not key.isalnum():
        raise TileError("a Tianditu key is letters and digits; none is set")
    layers = {"vector": ("vec", "cva"), "imagery": ("img", "cia")}.get(kind)
    if layers is None:
        raise TileError(f"unknown Tianditu basemap {kind!r}: use vector or imagery")
    return [_TIANDITU % {"layer": layer, "key": key} for layer in layers]


class HttpTileSource:
    def __init__(
        self,
        key: str,
        name: str,
        templates: Sequence[str],
        datum: Datum,
        cache: DiskTileCache,
        *,
        subdomains: str = "",
        min_zoom: int = 0,
        max_zoom: int = 18,
        attribution: str = "",
        max_age_s: float = 30 * 24 * 3600.0,
        timeout_s: float = 5.0,
        offline_backoff_s: float = 30.0,
        headers: dict[str, str] | None = None,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ) -> None:
        if not templates:
            raise TileError("a tile server needs at least one URL template")
        for template in templates:
            expand_template(template, 0, 0, 0, subdomains)  # raises TileError when unusable
        if not (0 <= min_zoom <= max_zoom <= 24):
            raise TileError(f"zoom range {min_zoom}..{max_zoom} is not within 0..24")
        self.key = key
        self.name = name
        self.templates = list(templates)
        self.datum = datum
        self.min_zoom = min_zoom
        self.max_zoom = max_zoom
        self.tile_px = TILE_PX
        self.attribution = attribution
        self._cache = cache
        self._subdomains = subdomains
        self._max_age_s = max_age_s
        self._timeout_s = timeout_s
        self._backoff_s = offline_backoff_s
        self._headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._new_session = session_factory
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._offline_until = 0.0
        self._lock = threading.Lock()
        self.fetched = 0  # tiles that came over the network (tests and the status line)

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._new_session()
            session.headers.update(self._headers)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def read(self, z: int, x: int, y: int) -> list[bytes]:
        layers = []
        for i, template in enumerate(self.templates):
            data = self._layer(f"{self.key}#{i}", template, z, x, y)
            if data is None:
                if i == 0:
                    return []  # no base picture here: the labels alone are not a tile
                continue
            layers.append(data)
        return layers

    def _layer(self, cache_key: str, template: str, z: int, x: int, y: int) -> bytes | None:
        cached = self._cache.get(cache_key, z, x, y)
        if cached is not None and time.time() - cached.fetched < self._max_age_s:
            return cached.data
        with self._lock:
            offline = time.monotonic() < self._offline_until
        if offline:
            if cached is not None:
                return cached.data
            raise TileSourceError(
                "not_cached", self.name, f"{self.name}: server unreachable; tile {z}/{x}/{y} is not cached"
            )
        try:
            data = self._fetch(template, z, x, y)
        except TileSourceError:
            if cached is not None:
                return cached.data  # stale beats nothing
            raise
        self._cache.put(cache_key, z, x, y, data)
        return data

    def _fetch(self, template: str, z: int, x: int, y: int) -> bytes | None:
        url = expand_template(template, z, x, y, self._subdomains)
        try:
            reply = self._session().get(url, timeout=self._timeout_s)
        except requests.RequestException as exc:
            with self._lock:
                self._offline_until = time.monotonic() + self._backoff_s
            raise TileSourceError(
                "unreachable", self.name, f"{self.name}: server unreachable ({type(exc).__name__})"
            ) from exc
        if reply.status_code in (204, 404):
            return None
        if reply.status_code in (401, 403):
            raise TileSourceError(
                "refused", self.name,
                f"{self.name}: the server refused the tiles (HTTP {reply.status_code}); check the key",
                str(reply.status_code),
            )
        if reply.status_code != 200:
            raise TileSourceError(
                "http", self.name, f"{self.name}: the server answered HTTP {reply.status_code}",
                str(reply.status_code),
            )
        kind = reply.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not kind.startswith("image/"):
            # Tianditu answers a bad key with 200 and an XML or HTML message.
            raise TileSourceError(
                "not_image", self.name,
                f"{self.name}: the server sent {kind or 'something'} instead of a tile; check the key and URL",
                kind,
            )
        with self._lock:
            self._offline_until = 0.0
            self.fetched += 1
        return reply.content

    def close(self) -> None:
        """Close every worker thread's session (once their reads have ended)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()
