"""Which basemaps a workstation has, and the settings that remember the choice.

``MapSettings`` declares every map setting once (key and default) over a
``QSettings``.  ``basemap_choices`` lists what can be shown: nothing, each
MBTiles file the user added, Tianditu (vector or imagery, with the user's
key) and any XYZ/WMTS server (a city GIS server) added to the settings.
``open_source`` turns a choice into a tile source, or raises ``BasemapError``
with a sentence for the status bar.

Each choice carries its datum, so tiles, cells and GPS fixes line up
(docs/map.md): MBTiles files say it in their ``datum`` metadata or the user
says it when adding the file; Tianditu is CGCS2000; XYZ servers declare it in
their settings entry.

Threading: GUI thread (QSettings); ``open_source`` opens files, which is
quick, and never touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from app.net.client import ServerClient
from app.net.tiles import TIANDITU_SUBDOMAINS, HttpTileSource, tianditu_layers
from app.store.mbtiles import MBTilesError, MBTilesFile
from app.store.tile_sources import DiskTileCache, MBTilesSource, TileSource
from core.tiles import Datum, TileError

__all__ = [
    "NONE",
    "BasemapChoice",
    "BasemapError",
    "BasemapOpener",
    "MapSettings",
    "basemap_choices",
    "open_source",
]

NONE = "none"
TIANDITU_KINDS = ("vector", "imagery")


class BasemapError(Exception):
    """A basemap that cannot be shown.  ``reason``: no_key, no_url, no_datum,
    bad_server, unknown, or an MBTilesError's reason (then ``cause`` is it)."""

    def __init__(self, reason: str, name: str, message: str, cause: Exception | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.name = name
        self.cause = cause


class MapSettings:
    """The map's settings, declared once.  Values are validated on the way out,
    so a hand-edited or stale settings file cannot break the map."""

    BASEMAP = "map/basemap"  # a BasemapChoice id; "none" by default
    OPACITY = "map/basemap_opacity"  # 0..1
    MBTILES = "map/mbtiles_files"  # JSON list of {"path": str, "datum": "wgs84"|"cgcs2000"|"gcj02"|""}
    XYZ = "map/xyz_servers"  # JSON list of XYZ server entries, see xyz_servers()
    TIANDITU_KEY = "map/tianditu_key"
    CACHE_MB = "map/tile_cache_mb"  # size cap of the disk cache of server tiles
    FIGURE = "map/cell_figure"  # app.store.figures.FIGURES key, or "" for no choropleth

    DEFAULT_OPACITY = 0.85
    DEFAULT_CACHE_MB = 512

    def __init__(self, settings: QSettings | None = None) -> None:
        self.qsettings = settings if settings is not None else QSettings()

    def _get(self, key: str, default: Any) -> Any:
        value = self.qsettings.value(key, default)
        return default if value is None else value

    @property
    def basemap(self) -> str:
        return str(self._get(self.BASEMAP, NONE)) or NONE

    @basemap.setter
    def basemap(self, value: str) -> None:
        self.qsettings.setValue(self.BASEMAP, value)

    @property
    def opacity(self) -> float:
        try:
            value = float(self._get(self.OPACITY, self.DEFAULT_OPACITY))
        except (TypeError, ValueError):
            return self.DEFAULT_OPACITY
        return min(1.0, max(0.0, value)) if value == value else self.DEFAULT_OPACITY

    @opacity.setter
    def opacity(self, value: float) -> None:
        self.qsettings.setValue(self.OPACITY, float(value))

    def _json_list(self, key: str) -> list[dict[str, Any]]:
        try:
            value = json.loads(str(self._get(key, "[]")))
        except ValueError:
            return []
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    @property
    def mbtiles(self) -> list[dict[str, Any]]:
        return [m for m in self._json_list(self.MBTILES) if isinstance(m.get("path"), str)]

    @mbtiles.setter
    def mbtiles(self, entries: list[dict[str, Any]]) -> None:
        self.qsettings.setValue(self.MBTILES, json.dumps(entries, ensure_ascii=False))

    @property
    def xyz_servers(self) -> list[dict[str, Any]]:
        """Entries: {"id", "name", "url" (or "urls": [...]), "subdomains", "datum",
        "min_zoom", "max_zoom", "attribution"}."""
        return [x for x in self._json_list(self.XYZ) if isinstance(x.get("id"), str)]

    @xyz_servers.setter
    def xyz_servers(self, entries: list[dict[str, Any]]) -> None:
        self.qsettings.setValue(self.XYZ, json.dumps(entries, ensure_ascii=False))

    @property
    def tianditu_key(self) -> str:
        return str(self._get(self.TIANDITU_KEY, "")).strip()

    @tianditu_key.setter
    def tianditu_key(self, value: str) -> None:
        self.qsettings.setValue(self.TIANDITU_KEY, value.strip())

    @property
    def cache_bytes(self) -> int:
        try:
            mb = int(self._get(self.CACHE_MB, self.DEFAULT_CACHE_MB))
        except (TypeError, ValueError):
            mb = self.DEFAULT_CACHE_MB
        return max(16, mb) * 1024 * 1024

    @property
    def figure(self) -> str:
        return str(self._get(self.FIGURE, ""))

    @figure.setter
    def figure(self, value: str) -> None:
        self.qsettings.setValue(self.FIGURE, value)

    def sync(self) -> None:
        self.qsettings.sync()


@dataclass(frozen=True)
class BasemapChoice:
    """One entry of the basemap menu.  ``name`` is a file or server name as the
    user gave it; the panel translates the built-in kinds itself."""

    id: str
    kind: str  # "none", "mbtiles", "tianditu" or "xyz"
    name: str
    datum: Datum | None = None
    detail: str = ""  # path, Tianditu kind or server entry id


def _datum_or_none(text: object) -> Datum | None:
    if not text:
        return None
    try:
        return Datum.parse(text)
    except TileError:
        return None


def basemap_choices(settings: MapSettings) -> list[BasemapChoice]:
    out = [BasemapChoice(NONE, "none", "")]
    for entry in settings.mbtiles:
        path = entry["path"]
        out.append(BasemapChoice(f"mbtiles:{path}", "mbtiles", Path(path).name,
                                 _datum_or_none(entry.get("datum")), path))
    for kind in TIANDITU_KINDS:
        out.append(BasemapChoice(f"tianditu:{kind}", "tianditu", kind, Datum.CGCS2000, kind))
    for entry in settings.xyz_servers:
        out.append(BasemapChoice(f"xyz:{entry['id']}", "xyz", str(entry.get("name") or entry["id"]),
                                 _datum_or_none(entry.get("datum")), entry["id"]))
    return out


# What the map's controller is handed to open a basemap: ``open_source`` with
# the session's client bound (app/session.py).
BasemapOpener = Callable[["BasemapChoice", "MapSettings", Path], TileSource]


def open_source(choice: BasemapChoice, settings: MapSettings, cache_path: Path,
                client: ServerClient | None = None) -> TileSource:
    """A tile source for the choice.  Raises BasemapError naming the problem;
    opens nothing over the network (tiles are fetched later, on workers).
    Server tiles take ``client``'s sessions (TLS trust) and tile timeout, never
    its token; the composition root binds it (``ClientServices.open_basemap``)."""
    http: dict[str, Any] = {}
    if client is not None:
        http = {"session_factory": client.new_session, "timeout_s": client.timeouts.tile_s}
    if choice.kind == "mbtiles":
        try:
            file = MBTilesFile(choice.detail)
        except MBTilesError as exc:
            raise BasemapError(exc.reason, exc.file, str(exc), exc) from exc
        return MBTilesSource(file, datum=choice.datum)
    if choice.kind == "tianditu":
        key = settings.tianditu_key
        if not key:
            raise BasemapError("no_key", "Tianditu", "Tianditu needs a key; none is set")
        try:
            templates = tianditu_layers(choice.detail, key)
        except TileError as exc:
            raise BasemapError("no_key", "Tianditu", str(exc), exc) from exc
        return HttpTileSource(
            choice.id, "Tianditu", templates, Datum.CGCS2000, DiskTileCache(cache_path, settings.cache_bytes),
            subdomains=TIANDITU_SUBDOMAINS, min_zoom=1, max_zoom=18, attribution="© Tianditu", **http,
        )
    if choice.kind == "xyz":
        entry = next((x for x in settings.xyz_servers if x["id"] == choice.detail), None)
        if entry is None:
            raise BasemapError("unknown", choice.name, f"{choice.name}: no such tile server in the settings")
        urls = entry.get("urls") or [entry.get("url")]
        if not all(isinstance(u, str) and u for u in urls):
            raise BasemapError("no_url", choice.name, f"{choice.name}: the settings give no tile URL")
        if choice.datum is None:
            raise BasemapError("no_datum", choice.name, f"{choice.name}: the settings do not say the "
                               "server's datum (wgs84, cgcs2000 or gcj02)")
        try:
            return HttpTileSource(
                choice.id, choice.name, urls, choice.datum, DiskTileCache(cache_path, settings.cache_bytes),
                subdomains=str(entry.get("subdomains") or ""),
                min_zoom=int(entry.get("min_zoom", 0)), max_zoom=int(entry.get("max_zoom", 18)),
                attribution=str(entry.get("attribution") or ""), **http,
            )
        except (TileError, TypeError, ValueError) as exc:
            raise BasemapError("bad_server", choice.name, f"{choice.name}: {exc}", exc) from exc
    raise BasemapError("unknown", choice.id, f"unknown basemap {choice.id!r}")
