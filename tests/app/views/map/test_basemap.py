"""Offline basemaps: MBTiles files made here, drawn under the cells, lined up with GPS.

The test tile sets are written by the tests: grey tiles with one red disc
at a known point, in WGS-84 (as Tianditu or a surveyed package would draw
it) or in GCJ-02 (as AMap would).  A GPS fix at that point goes the way the
client sends it (WGS-84 → GCJ-02 in app/services/map_layers.py → mercator), and the
disc the map draws, the fix and the cell around them must meet within 5 m.
Tiles load on real worker threads; a qasync loop brings them back.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import (
    QCoreApplication,
    QPoint,
    QPointF,
    QSettings,
)
from PySide6.QtGui import QColor, QImage, QPainter

from app.runtime.background import Background
from app.runtime.basemaps import NONE, MapSettings
from app.store.mbtiles import MBTilesError, MBTilesFile
from app.store.replica import LocalStore
from app.store.tile_sources import MBTilesSource
from app.views.map.canvas import DistrictMapView
from app.views.map.controller import MapLayersController
from app.views.map.style import STYLE
from app.views.map.tiles import TileProvider
from core.coords import wgs84_to_gcj02
from core.geo import CellIndex, cut_cells, district_from_geojson
from core.geo import lonlat_to_mercator as merc_array
from core.tiles import (
    Datum,
    lonlat_to_mercator,
    lonlat_to_tile_pixel,
    tiles_covering,
    xyz_to_tms_row,
)
from support import png_bytes

# A street corner in Zhanggong (WGS-84, as a GPS terminal reports it).
FIX_LON, FIX_LAT = 114.93531, 25.83107
MARKER_PX = 6


def run_until(loop, predicate, timeout: float = 10.0) -> bool:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    try:
        loop.run_until_complete(asyncio.wait_for(wait(), timeout))
    except TimeoutError:
        return False
    return True


def write_mbtiles(
    path: Path,
    marker: tuple[float, float],
    zooms: range = range(15, 18),
    datum: str | None = "wgs84",
    around: int = 3,
    fmt: str = "png",
) -> Path:
    """Grey tiles around ``marker`` (lon, lat in the tile set's own datum) with a red disc on it."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    meta = [("name", "Zhanggong test"), ("format", fmt), ("minzoom", str(zooms.start)),
            ("maxzoom", str(zooms.stop - 1)), ("bounds", "114.8,25.7,115.0,25.9")]
    if datum:
        meta.append(("datum", datum))
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", meta)
    rows = []
    for z in zooms:
        gx, gy = lonlat_to_tile_pixel(*marker, z)
        cx, cy = int(gx // 256), int(gy // 256)
        for tx in range(cx - around, cx + around + 1):
            for ty in range(cy - around, cy + around + 1):
                img = QImage(256, 256, QImage.Format.Format_RGB32)
                img.fill(QColor(128, 136, 144))
                p = QPainter(img)
                p.setRenderHint(QPainter.RenderHint.Antialiasing)
                p.setPen(QColor(255, 0, 0))
                p.setBrush(QColor(255, 0, 0))
                p.drawEllipse(QPointF(gx - tx * 256, gy - ty * 256), MARKER_PX, MARKER_PX)
                p.end()
                rows.append((z, tx, xyz_to_tms_row(z, ty), png_bytes(img)))
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def small_district(lon: float, lat: float, half_deg: float = 0.004):
    """A square district (GCJ-02, like the shipped files) around a point, cut into 万米 cells."""
    ring = [[lon - half_deg, lat - half_deg], [lon + half_deg, lat - half_deg],
            [lon + half_deg, lat + half_deg], [lon - half_deg, lat + half_deg], [lon - half_deg, lat - half_deg]]
    district = district_from_geojson({"type": "Polygon", "coordinates": [ring]})
    cells = cut_cells(district)
    codes = [f"360702{c.grid[1]:04d}{c.grid[0]:05d}" for c in cells]
    rings = []
    for c in cells:
        r = np.asarray(c.ring)
        x, y = merc_array(r[:, 0], r[:, 1])
        rings.append(np.column_stack([x, y]))
    outline = np.asarray(ring)
    ox, oy = merc_array(outline[:, 0], outline[:, 1])
    return rings, codes, np.column_stack([ox, oy]), CellIndex([(code, c.ring) for code, c in zip(codes, cells, strict=True)])


def fix_mercator() -> tuple[float, float]:
    """The GPS fix the way app/services/map_layers.py places a vehicle: WGS-84 → GCJ-02 → mercator."""
    return lonlat_to_mercator(*wgs84_to_gcj02(FIX_LON, FIX_LAT))


def red_centroid(view: DistrictMapView) -> QPointF | None:
    img = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    px = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3)
    red = (px[:, :, 0] > 200) & (px[:, :, 1] < 70) & (px[:, :, 2] < 70)
    if red.sum() < 20:
        return None
    ys, xs = np.nonzero(red)
    return QPointF(xs.mean(), ys.mean())


def ground_m(x0: float, y0: float, x1: float, y1: float) -> float:
    return math.hypot(x1 - x0, y1 - y0) * math.cos(math.radians(FIX_LAT))


@pytest.fixture
def view(qtbot):
    glon, glat = wgs84_to_gcj02(FIX_LON, FIX_LAT)
    rings, codes, outline, index = small_district(glon, glat)
    w = DistrictMapView()
    qtbot.addWidget(w)
    w.resize(900, 700)
    w.show()
    qtbot.waitExposed(w)
    w.set_outline([outline])
    w.set_cells(rings, codes)
    w.set_legend_visible(False)  # its red swatches would count as the marker
    w.cell_index = index  # the client's own lon/lat index (core.geo), to cross-check the map's
    return w


def show_basemap(loop, view: DistrictMapView, path: Path, datum: Datum | None = None) -> TileProvider:
    provider = TileProvider(MBTilesSource(MBTilesFile(path), datum=datum), workers=2)
    view.set_basemap(provider, 1.0)
    fx, fy = fix_mercator()
    view.set_view(fx, fy, 700.0)  # street scale: under a metre per pixel
    viewport = view.graphics_view().viewport()

    def settled() -> bool:
        viewport.repaint()
        return not provider.requested()

    assert run_until(loop, settled), "tiles did not arrive from the worker threads"
    return provider


# ------------------------------------------------------------------- alignment


@pytest.mark.parametrize("datum", ["wgs84", "gcj02"])
def test_gps_fix_cell_and_tile_line_up_within_5_m(event_loop, view, tmp_path, datum):
    marker = (FIX_LON, FIX_LAT) if datum == "wgs84" else wgs84_to_gcj02(FIX_LON, FIX_LAT)
    path = write_mbtiles(tmp_path / f"{datum}.mbtiles", marker, datum=datum)
    provider = show_basemap(event_loop, view, path)
    assert provider.datum is Datum.parse(datum)
    centre = red_centroid(view)
    assert centre is not None, "the tile's marker is not on the map"
    mx, my = view.map_from_viewport(centre)
    fx, fy = fix_mercator()
    assert ground_m(mx, my, fx, fy) < 5.0
    # The cell: the map's hit test at the marker, at the fix, and the client's
    # lon/lat index at the fix in GCJ-02 all name the same cell.
    expected = view.cell_index.cell_at(*wgs84_to_gcj02(FIX_LON, FIX_LAT))
    assert expected is not None
    assert view.cell_at(mx, my) == expected
    assert view.cell_at(fx, fy) == expected
    provider.close()


def test_a_wrong_datum_is_hundreds_of_metres_off(event_loop, view, tmp_path):
    """The check above can fail: the WGS-84 set declared as GCJ-02 misses by the GCJ-02 offset."""
    path = write_mbtiles(tmp_path / "w.mbtiles", (FIX_LON, FIX_LAT), datum="wgs84")
    provider = show_basemap(event_loop, view, path, datum=Datum.GCJ02)
    fx, fy = fix_mercator()
    view.set_view(fx, fy, 2500.0)
    viewport = view.graphics_view().viewport()
    viewport.repaint()
    provider.load_now(provider.requested())
    viewport.repaint()
    centre = red_centroid(view)
    assert centre is not None
    mx, my = view.map_from_viewport(centre)
    assert 150.0 < ground_m(mx, my, fx, fy) < 900.0
    provider.close()


def test_tiles_are_drawn_under_the_cells_with_the_chosen_opacity(event_loop, view, tmp_path):
    path = write_mbtiles(tmp_path / "g.mbtiles", (FIX_LON, FIX_LAT))
    provider = show_basemap(event_loop, view, path)
    grey = np.array([128, 136, 144])

    def grey_share() -> float:
        img = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        h, w, bpl = img.height(), img.width(), img.bytesPerLine()
        px = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3)
        return float((np.abs(px.astype(int) - grey).sum(axis=2) < 6).mean())

    assert grey_share() > 0.5  # the tiles fill the view, cell lines over them
    view.set_basemap_opacity(0.4)
    assert grey_share() < 0.01  # blended with the dark background now
    provider.close()


def test_coarser_tiles_stand_in_while_the_right_zoom_loads(view, tmp_path):
    path = write_mbtiles(tmp_path / "g.mbtiles", (FIX_LON, FIX_LAT))
    provider = TileProvider(MBTilesSource(MBTilesFile(path)), workers=0)
    fx, fy = fix_mercator()
    view.set_basemap(provider, 1.0)
    view.set_view(fx, fy, 700.0)
    viewport = view.graphics_view().viewport()
    viewport.repaint()
    wanted = provider.requested()
    assert wanted and all(z == wanted[0][0] for z, _, _ in wanted)
    z = wanted[0][0]
    provider.load_now(tiles_for(provider, z - 2))  # only a coarser level is in memory
    viewport.repaint()
    assert red_centroid(view) is not None  # drawn from the coarser tiles, stretched
    provider.close()


def tiles_for(provider: TileProvider, z: int) -> list[tuple[int, int, int]]:
    x, y = fix_mercator()
    x0, y0, x1, y1 = tiles_covering(x - 2000, y - 2000, x + 2000, y + 2000, z)
    return [(z, tx, ty) for tx in range(x0, x1 + 1) for ty in range(y0, y1 + 1)]


# ------------------------------------------------------------- reading files


def test_mbtiles_metadata_and_tms_rows(tmp_path):
    path = write_mbtiles(tmp_path / "m.mbtiles", (FIX_LON, FIX_LAT), zooms=range(15, 16), around=1)
    f = MBTilesFile(path)
    assert f.info.name == "Zhanggong test"
    assert (f.info.min_zoom, f.info.max_zoom) == (15, 15)
    assert f.info.datum is Datum.WGS84
    assert f.info.bounds == (114.8, 25.7, 115.0, 25.9)
    assert f.info.tile_count == 9
    gx, gy = lonlat_to_tile_pixel(FIX_LON, FIX_LAT, 15)
    tile = f.read(15, int(gx // 256), int(gy // 256))  # XYZ row in, TMS row looked up
    assert tile is not None and not QImage.fromData(tile).isNull()
    assert f.read(15, int(gx // 256) + 5, int(gy // 256)) is None
    assert f.read(3, 0, 0) is None
    f.close()


def _expect_refused(path: Path, reason: str) -> None:
    with pytest.raises(MBTilesError) as info:
        MBTilesFile(path)
    assert info.value.reason == reason, str(info.value)
    assert path.name in str(info.value)


def test_missing_and_corrupt_files_are_refused_with_the_reason(tmp_path):
    _expect_refused(tmp_path / "nowhere.mbtiles", "missing")
    (tmp_path / "text.mbtiles").write_text("these are not tiles", encoding="utf-8")
    _expect_refused(tmp_path / "text.mbtiles", "not_mbtiles")
    conn = sqlite3.connect(tmp_path / "other.mbtiles")
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.commit()
    conn.close()
    _expect_refused(tmp_path / "other.mbtiles", "not_mbtiles")
    good = write_mbtiles(tmp_path / "good.mbtiles", (FIX_LON, FIX_LAT), zooms=range(15, 16), around=2)
    truncated = tmp_path / "truncated.mbtiles"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    _expect_refused(truncated, "damaged")
    empty = tmp_path / "empty.mbtiles"
    conn = sqlite3.connect(empty)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    conn.commit()
    conn.close()
    _expect_refused(empty, "empty")
    _expect_refused(write_mbtiles(tmp_path / "pbf.mbtiles", (FIX_LON, FIX_LAT), range(15, 16), around=0,
                                  fmt="pbf"), "format")
    _expect_refused(write_mbtiles(tmp_path / "bd.mbtiles", (FIX_LON, FIX_LAT), range(15, 16), around=0,
                                  datum="bd09"), "datum")


def test_a_damaged_tile_is_reported_and_the_rest_are_drawn(event_loop, view, tmp_path):
    path = write_mbtiles(tmp_path / "d.mbtiles", (FIX_LON, FIX_LAT), zooms=range(16, 17), around=3)
    gx, gy = lonlat_to_tile_pixel(FIX_LON, FIX_LAT, 16)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE tiles SET tile_data = ? WHERE tile_column = ? AND tile_row = ?",
                 (b"\x89PNG broken", int(gx // 256) + 1, xyz_to_tms_row(16, int(gy // 256))))
    conn.commit()
    conn.close()
    provider = TileProvider(MBTilesSource(MBTilesFile(path)), workers=1)
    problems = []
    provider.problem.connect(problems.append)
    view.set_basemap(provider, 1.0)
    fx, fy = fix_mercator()
    view.set_view(fx, fy, 1500.0)
    viewport = view.graphics_view().viewport()
    assert run_until(event_loop, lambda: (viewport.repaint(), bool(problems))[1])
    assert problems[0].reason == "damaged"
    assert run_until(event_loop, lambda: red_centroid(view) is not None)
    provider.close()


# ---------------------------------------------------- through the controller


@pytest.fixture
def controller(view, tmp_path):
    settings = MapSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    store = LocalStore(tmp_path / "client.db")
    runner = Background(tmp_path / "client.db")
    c = MapLayersController(view, runner, settings, cache_path=tmp_path / "tiles.sqlite", workers=1)
    messages: list[str] = []
    c.message.connect(messages.append)
    c.messages = messages
    yield c
    c.close()
    runner.close()
    store.close()


def _cell_line_pixels(view: DistrictMapView) -> int:
    img = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    px = np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3)
    c = QColor(STYLE.cell_line)
    return int(np.all(px == (c.red(), c.green(), c.blue()), axis=2).sum())


def test_a_missing_file_gets_a_message_and_the_map_works_without_it(controller, view, tmp_path):
    before = _cell_line_pixels(view)
    assert before > 1000
    assert not controller.add_mbtiles(tmp_path / "gone.mbtiles")
    assert controller.messages and "gone.mbtiles" in controller.messages[-1]
    assert view.basemap() is None and controller.current() == NONE
    assert controller.settings.mbtiles == []  # nothing was added
    # A file the settings remember that has since gone: reported at start, map without it.
    path = write_mbtiles(tmp_path / "was-here.mbtiles", (FIX_LON, FIX_LAT), zooms=range(15, 16), around=1)
    assert controller.add_mbtiles(path)
    assert view.basemap() is not None
    path.unlink()
    controller.restore()
    assert "was-here.mbtiles" in controller.messages[-1]
    assert view.basemap() is None and controller.current() == NONE
    view.set_view(*view.view_center(), 700.0)
    assert _cell_line_pixels(view) > 1000  # the cells are still drawn


def test_a_corrupt_file_gets_a_message_and_nothing_changes(controller, view, tmp_path):
    good = write_mbtiles(tmp_path / "good.mbtiles", (FIX_LON, FIX_LAT), zooms=range(15, 16), around=1)
    assert controller.add_mbtiles(good, Datum.WGS84)
    provider = view.basemap()
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    assert not controller.add_mbtiles(bad)
    assert "bad.mbtiles" in controller.messages[-1]
    assert view.basemap() is provider  # the working basemap stays
    assert [Path(e["path"]).name for e in controller.settings.mbtiles] == ["good.mbtiles"]
    assert controller.settings.mbtiles[0]["datum"] == "wgs84"


def test_a_file_without_a_datum_is_drawn_as_gcj02_and_says_so(controller, tmp_path):
    path = write_mbtiles(tmp_path / "plain.mbtiles", (FIX_LON, FIX_LAT), zooms=range(15, 16), around=1,
                         datum=None)
    assert controller.add_mbtiles(path)
    assert controller.provider().datum is Datum.GCJ02
    assert any("plain.mbtiles" in m for m in controller.messages)


def test_switching_sources_and_opacity_is_remembered(controller, view, tmp_path):
    a = write_mbtiles(tmp_path / "a.mbtiles", (FIX_LON, FIX_LAT), zooms=range(15, 16), around=1)
    b = write_mbtiles(tmp_path / "b.mbtiles", (FIX_LON, FIX_LAT), zooms=range(15, 16), around=1)
    assert controller.add_mbtiles(a) and controller.add_mbtiles(b)
    ids = [c.id for c in controller.choices()]
    assert ids[0] == NONE and f"mbtiles:{a}" in ids and f"mbtiles:{b}" in ids
    assert controller.select(f"mbtiles:{a}")
    controller.set_opacity(0.3)
    assert view.basemap() is controller.provider()
    controller.settings.sync()
    again = MapSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert again.basemap == f"mbtiles:{a}"
    assert again.opacity == pytest.approx(0.3)
    assert controller.select(NONE)
    assert view.basemap() is None


def test_tianditu_without_a_key_asks_for_one(controller, view):
    assert not controller.select("tianditu:vector")
    assert controller.messages and view.basemap() is None


def test_the_map_without_a_basemap_draws_no_tiles(view):
    QCoreApplication.processEvents()
    view.graphics_view().viewport().repaint()
    assert view.render_stats().tiles_drawn == 0
    assert view.basemap() is None
    assert QPoint(0, 0) == view.graphics_view().viewport().mapTo(view, QPoint(0, 0))


def test_the_layer_bar_switches_source_opacity_and_shading(controller, view, qtbot, tmp_path):
    from app.views.basemap_panel import MapLayersBar

    path = write_mbtiles(tmp_path / "bar.mbtiles", (FIX_LON, FIX_LAT), zooms=range(15, 16), around=1)
    controller.settings.mbtiles = [{"path": str(path), "datum": "wgs84"}]
    bar = MapLayersBar(controller)
    qtbot.addWidget(bar)
    ids = [bar.source.itemData(i) for i in range(bar.source.count())]
    assert ids[0] == NONE and f"mbtiles:{path}" in ids and "tianditu:vector" in ids
    bar.source.setCurrentIndex(ids.index(f"mbtiles:{path}"))
    assert view.basemap() is controller.provider() is not None
    assert controller.provider().datum is Datum.WGS84
    bar.opacity.setValue(40)
    assert view._scene.opacity == pytest.approx(0.4)
    assert controller.settings.opacity == pytest.approx(0.4)
    figures = [bar.figure.itemData(i) for i in range(bar.figure.count())]
    assert figures == ["", "open_cases", "overdue_cases", "cases_this_month"]
    bar.figure.setCurrentIndex(1)
    assert controller.figure() == "open_cases" and controller.settings.figure == "open_cases"
    # Tianditu without a key: refused with a message, the menu goes back to what is shown.
    bar.source.setCurrentIndex(ids.index("tianditu:vector"))
    assert controller.current() == NONE and bar.source.currentData() == NONE
    assert "Tianditu" in controller.messages[-1]


class _SlowSource:
    """A tile source whose reads wait for the test: a job is still on its
    worker when the test lets go of the provider."""

    key = name = "slow"
    datum = Datum.GCJ02
    min_zoom, max_zoom, tile_px, attribution = 0, 18, 256, ""

    def __init__(self) -> None:
        import threading

        self.started = threading.Event()
        self.release = threading.Event()

    def read(self, z: int, x: int, y: int) -> list[bytes]:
        self.started.set()
        self.release.wait(10)
        return []

    def close(self) -> None:
        pass


def test_a_provider_let_go_while_its_jobs_run_is_deleted_on_the_gui_thread(event_loop, qapp):
    """A tile job holds no reference to its provider: were it to, the last
    reference could drop on the worker and Qt would delete the provider and
    its timer there, and the GUI thread crashed when its timers next fired."""
    import gc
    import threading

    source = _SlowSource()
    deleted_on: list[str] = []

    async def scenario() -> None:
        provider = TileProvider(source, workers=1)
        provider.destroyed.connect(lambda *_: deleted_on.append(threading.current_thread().name))
        provider.request([(3, 1, 1)])
        while not source.started.is_set():
            await asyncio.sleep(0.01)
        provider.close()
        del provider
        gc.collect()
        source.release.set()  # the job ends now, on its worker, after the test let go
        for _ in range(100):
            await asyncio.sleep(0.02)
            gc.collect()
            if deleted_on:
                break

    event_loop.run_until_complete(asyncio.wait_for(scenario(), 20))
    assert deleted_on == [threading.main_thread().name]
