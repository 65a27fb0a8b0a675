"""DistrictMapView with real widgets on the offscreen platform: drawing, clicks, item count.

A synthetic district of 80 × 50 square cells of 100 m (4,000 cells) sits at
Beijing's Web Mercator coordinates, so the tests exercise the same large
coordinate values as production data.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QTranslator
from PySide6.QtGui import QColor, QImage

from app.views.map_view import (
    SLA_DUE_SOON,
    SLA_NORMAL,
    SLA_OVERDUE,
    STYLE,
    VEHICLE_LIVE,
    VEHICLE_OFFLINE,
    VEHICLE_STALE,
    DistrictMapView,
)
from core.positions import VehicleKind

X0, Y0 = 12_960_000.0, 4_850_000.0
CELL_M = 100.0
COLS, ROWS = 80, 50
SCREENSHOT = "/tmp/map_view_test.png"


def _grid(
    cols: int = COLS, rows: int = ROWS, cell: float = CELL_M
) -> tuple[list[np.ndarray], list[str]]:
    rings, codes = [], []
    for r in range(rows):
        for c in range(cols):
            x, y = X0 + c * cell, Y0 + r * cell
            rings.append(
                np.array([[x, y], [x + cell, y], [x + cell, y + cell], [x, y + cell], [x, y]])
            )
            codes.append(f"110105{r:03d}{c:03d}")
    return rings, codes


def _outline(cols: int = COLS, rows: int = ROWS) -> np.ndarray:
    w, h = cols * CELL_M, rows * CELL_M
    return np.array([[X0, Y0], [X0 + w, Y0], [X0 + w, Y0 + h], [X0, Y0 + h], [X0, Y0]])


def _centre(col: float, row: float) -> tuple[float, float]:
    return X0 + (col + 0.5) * CELL_M, Y0 + (row + 0.5) * CELL_M


def _pixels(w: DistrictMapView) -> np.ndarray:
    """The widget as rendered, as an (h, w, 3) uint8 RGB array."""
    img = w.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, width, bpl = img.height(), img.width(), img.bytesPerLine()
    return (
        np.frombuffer(img.constBits(), np.uint8, count=h * bpl)
        .reshape(h, bpl)[:, : width * 3]
        .reshape(h, width, 3)
        .copy()
    )


def _rgb(hex_rgb: str) -> np.ndarray:
    c = QColor(hex_rgb)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.uint8)


def _device(w: DistrictMapView, x: float, y: float) -> QPoint:
    return w.map_to_viewport(x, y).toPoint()


@pytest.fixture
def grid() -> tuple[list[np.ndarray], list[str]]:
    return _grid()


@pytest.fixture
def view(qtbot, grid) -> DistrictMapView:
    w = DistrictMapView()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    w.set_outline([_outline()])
    w.set_cells(*grid)
    QCoreApplication.processEvents()
    # Markers are drawn at viewport coordinates; the viewport must sit at the widget's origin.
    assert w.graphics_view().viewport().mapTo(w, QPoint(0, 0)) == QPoint(0, 0)
    return w


def _fleet(n: int = 200, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    return dict(
        x=X0 + rng.uniform(0, COLS * CELL_M, n),
        y=Y0 + rng.uniform(0, ROWS * CELL_M, n),
        heading_deg=rng.uniform(0, 360, n),
        kind_index=rng.integers(0, 4, n),
        state_index=rng.choice([VEHICLE_LIVE] * 6 + [VEHICLE_STALE, VEHICLE_OFFLINE], n),
        ids=[f"京A{i:05d}" for i in range(n)],
    )


def _cases(n: int = 150, seed: int = 11) -> dict:
    rng = np.random.default_rng(seed)
    return dict(
        x=X0 + rng.uniform(0, COLS * CELL_M, n),
        y=Y0 + rng.uniform(0, ROWS * CELL_M, n),
        sla_index=rng.choice([SLA_NORMAL] * 4 + [SLA_DUE_SOON, SLA_OVERDUE], n),
        ids=[f"C2024{i:06d}" for i in range(n)],
    )


def _clear_of(
    points_x: np.ndarray, points_y: np.ndarray, x: float, y: float, metres: float
) -> np.ndarray:
    return np.hypot(points_x - x, points_y - y) > metres


# --------------------------------------------------------------------------- drawing


def test_cell_outlines_are_drawn_in_the_cell_colour(view):
    px = _pixels(view)
    line = np.all(px == _rgb(STYLE.cell_line), axis=2)
    # 81 vertical and 51 horizontal lines, several hundred pixels each.
    assert line.sum() > 20_000
    assert np.all(px == _rgb(STYLE.background), axis=2).sum() > 10_000  # margin around the district
    assert np.all(px == _rgb(STYLE.outline), axis=2).sum() > 1_000  # the boundary


def test_vehicle_changes_pixels_near_its_device_position(view):
    x, y = _centre(40, 25)
    before = _pixels(view)
    view.set_vehicles([x], [y], [90.0], [0], [VEHICLE_LIVE], ["京A00001"])
    QCoreApplication.processEvents()
    after = _pixels(view)
    p = _device(view, x, y)
    near = (slice(p.y() - 10, p.y() + 11), slice(p.x() - 10, p.x() + 11))
    changed = np.any(before != after, axis=2)
    assert changed[near].sum() > 40
    # Only there: a 40 px box around the vehicle holds every changed pixel.
    assert changed.sum() == changed[p.y() - 20 : p.y() + 21, p.x() - 20 : p.x() + 21].sum()
    sweeper = _rgb(STYLE.vehicle_colors[0]).astype(int)
    assert (np.abs(after[near].astype(int) - sweeper).sum(axis=2) < 30).sum() > 20


def test_arrow_points_along_the_heading(view):
    x, y = _centre(40, 25)
    view.set_view(x, y, 500.0)  # cells 200 px wide: no grid line near the arrow
    QCoreApplication.processEvents()
    p = _device(view, x, y)
    box = (slice(p.y() - 14, p.y() + 15), slice(p.x() - 14, p.x() + 15))
    empty = _pixels(view)[box]

    def drawn(heading: float) -> np.ndarray:
        view.set_vehicles([x], [y], [heading], [0], [VEHICLE_LIVE], ["v"])
        QCoreApplication.processEvents()
        return np.abs(_pixels(view)[box].astype(int) - empty).sum(axis=2) > 90

    def overlap(a: np.ndarray, b: np.ndarray) -> float:
        """Intersection over union, forgiving the half-pixel the sprite centre may round by."""
        shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
        return max(
            (a & (s := np.roll(b, shift, axis=(0, 1)))).sum() / (a | s).sum() for shift in shifts
        )

    north, east, south, west = drawn(0.0), drawn(90.0), drawn(180.0), drawn(270.0)
    assert north.sum() > 40
    # Clockwise from north: east is north turned a quarter clockwise, not anticlockwise.
    assert overlap(east, np.rot90(north, k=-1)) > 0.7
    assert overlap(east, np.rot90(north, k=-1)) > overlap(east, np.rot90(north, k=1)) + 0.15
    assert overlap(south, np.rot90(north, k=2)) > 0.7
    assert overlap(west, np.rot90(north, k=1)) > 0.7
    # The tip is narrow: north's top rows hold fewer pixels than its bottom rows.
    rows = np.flatnonzero(north.any(axis=1))
    assert north[rows[:3]].sum() < north[rows[-3:]].sum()


def test_cases_are_coloured_by_sla(view):
    pts = [_centre(10, 10), _centre(30, 10), _centre(50, 10)]
    view.set_cases(
        [p[0] for p in pts],
        [p[1] for p in pts],
        [SLA_NORMAL, SLA_DUE_SOON, SLA_OVERDUE],
        ["a", "b", "c"],
    )
    QCoreApplication.processEvents()
    px = _pixels(view).astype(int)
    for (x, y), colour in zip(pts, STYLE.case_colors, strict=True):
        p = _device(view, x, y)
        assert np.abs(px[p.y(), p.x()] - _rgb(colour).astype(int)).sum() < 20


def test_selection_rings_are_drawn_and_cleared(view):
    x, y = _centre(20, 20)
    view.set_cases([x], [y], [SLA_NORMAL], ["C1"])
    QCoreApplication.processEvents()
    plain = _pixels(view)
    view.select_case("C1")
    QCoreApplication.processEvents()
    ringed = _pixels(view)
    p = _device(view, x, y)
    ring_row = ringed[p.y(), p.x() - 15 : p.x() + 16]
    assert np.all(ring_row == 255, axis=1).any()  # white ring crosses the row
    view.select_case(None)
    QCoreApplication.processEvents()
    assert np.array_equal(_pixels(view), plain)


def test_scene_holds_a_few_items_whatever_the_data(view):
    view.set_vehicles(**_fleet(200))
    view.set_cases(**_cases(150))
    view.set_cell_fill(np.arange(COLS * ROWS, dtype=float))
    QCoreApplication.processEvents()
    items = view.graphics_view().scene().items()
    assert len(items) < 20, [type(i).__name__ for i in items]


def test_screenshot_of_a_busy_district(view, grid):
    rng = np.random.default_rng(3)
    view.set_cell_fill(rng.gamma(2.0, 3.0, len(grid[1])), label="Cases / week")
    view.set_vehicles(**_fleet(200))
    cases = _cases(150)
    view.set_cases(**cases)
    view.select_case(cases["ids"][5])
    view.select_cell(grid[1][ROWS // 2 * COLS + COLS // 2])
    QCoreApplication.processEvents()
    image = view.grab()
    assert image.save(SCREENSHOT)
    assert not image.isNull() and image.width() == 1000 and image.height() == 700


# ---------------------------------------------------------------------------- clicks


def test_clicking_a_case_marker_emits_its_id(view, qtbot):
    cases = _cases(150)
    fleet = _fleet(200)
    # A case with no vehicle or other case within 60 m, so the nearest marker is unambiguous.
    target = next(
        i
        for i in range(150)
        if _clear_of(fleet["x"], fleet["y"], cases["x"][i], cases["y"][i], 60).all()
        and _clear_of(
            np.delete(cases["x"], i), np.delete(cases["y"], i), cases["x"][i], cases["y"][i], 60
        ).all()
    )
    view.set_vehicles(**fleet)
    view.set_cases(**cases)
    QCoreApplication.processEvents()
    p = _device(view, cases["x"][target], cases["y"][target]) + QPoint(
        3, -2
    )  # a near miss still counts
    with (
        qtbot.assertNotEmitted(view.mapClicked),
        qtbot.waitSignal(view.caseClicked, timeout=2000) as sig,
    ):
        qtbot.mouseClick(view.graphics_view().viewport(), Qt.MouseButton.LeftButton, pos=p)
    assert sig.args == [cases["ids"][target]]


def test_clicking_a_vehicle_emits_its_id(view, qtbot):
    fleet = _fleet(50)
    view.set_vehicles(**fleet)
    QCoreApplication.processEvents()
    i = 17
    p = _device(view, fleet["x"][i], fleet["y"][i])
    with qtbot.waitSignal(view.vehicleClicked, timeout=2000) as sig:
        qtbot.mouseClick(view.graphics_view().viewport(), Qt.MouseButton.LeftButton, pos=p)
    assert sig.args == [fleet["ids"][i]]


def test_clicking_empty_map_emits_mercator_coordinates(view, qtbot):
    view.set_cases(**_cases(150))
    cx, cy = _centre(60, 12)
    view.set_view(cx, cy, 1000.0)  # about 1 m per pixel
    QCoreApplication.processEvents()
    x, y = cx + 123.4, cy - 87.6
    view.set_cases([x + 400], [y], [SLA_NORMAL], ["far away"])
    p = _device(view, x, y)
    with (
        qtbot.assertNotEmitted(view.caseClicked),
        qtbot.waitSignal(view.mapClicked, timeout=2000) as sig,
    ):
        qtbot.mouseClick(view.graphics_view().viewport(), Qt.MouseButton.LeftButton, pos=p)
    got_x, got_y = sig.args
    assert abs(got_x - x) < 3 and abs(got_y - y) < 3
    # And exactly the point under the clicked pixel, through the ViewBox's own mapping.
    vb, gv = view.view_box(), view.graphics_view()
    expected = vb.mapSceneToView(gv.mapToScene(p))
    assert got_x == pytest.approx(expected.x(), abs=1e-6)
    assert got_y == pytest.approx(expected.y(), abs=1e-6)


def test_cell_at_and_select_cell(view, grid):
    x, y = _centre(12, 34)
    assert view.cell_at(x, y) == "110105034012"
    assert view.cell_at(X0 - 50, Y0 - 50) is None
    assert view.select_cell("110105034012")
    assert not view.select_cell("no such cell")


# ---------------------------------------------------------------------- behaviour


def test_vehicle_updates_reuse_the_base_map_and_geometry(view):
    fleet = _fleet(200)
    view.set_vehicles(**fleet)
    QCoreApplication.processEvents()
    view.grab()
    cache = view._base._cache
    vehicles = view._vehicles
    bounds = vehicles.boundingRect()
    assert cache is not None
    t = time.perf_counter()
    for k in range(20):
        fleet["x"] = fleet["x"] + 5.0 * ((-1) ** k)
        fleet["heading_deg"] = (fleet["heading_deg"] + 7) % 360
        view.set_vehicles(**fleet)
        view.graphics_view().viewport().repaint()
    elapsed = time.perf_counter() - t
    assert view._base._cache is cache  # the cells were not re-rendered
    assert vehicles.boundingRect() == bounds  # no geometry change for small moves
    assert elapsed < 2.0, f"20 vehicle updates with repaint took {elapsed:.2f} s"


def test_no_auto_range_after_the_first_fit(view):
    view.set_view(*_centre(10, 10), 800.0)
    QCoreApplication.processEvents()
    before = view.view_rect()
    view.set_cases([X0 + 1e5], [Y0 + 1e5], [SLA_OVERDUE], ["far"])
    view.set_vehicles([X0 - 1e5], [Y0], [0.0], [1], [VEHICLE_LIVE], ["far"])
    view.set_outline([_outline()])
    view.set_cells(*_grid(10, 10))
    QCoreApplication.processEvents()
    assert view.view_rect() == before
    view.fit_to_outline()
    assert view.view_rect().contains(view.view_rect().center())
    assert view.view_rect().width() > COLS * CELL_M


def test_bad_input_raises_and_changes_nothing(view):
    fleet = _fleet(10)
    view.set_vehicles(**fleet)
    with pytest.raises(ValueError):
        view.set_vehicles([1.0, 2.0], [1.0], [0.0, 0.0], [0, 0], [0, 0], ["a", "b"])
    with pytest.raises(ValueError):
        view.set_vehicles([X0], [Y0], [0.0], [9], [0], ["a"])
    with pytest.raises(ValueError):
        view.set_vehicles([np.nan], [Y0], [0.0], [0], [0], ["a"])
    with pytest.raises(ValueError):
        view.set_cases([X0], [Y0], [3], ["a"])
    with pytest.raises(ValueError):
        view.set_cells([np.zeros((2, 2))], ["x"])
    with pytest.raises(ValueError):
        view.set_cells([np.zeros((4, 2))], ["x", "y"])
    with pytest.raises(ValueError):
        view.set_cell_fill(np.ones(3))
    assert view._vehicles.ids == fleet["ids"]
    assert len(view._base.codes) == COLS * ROWS


def test_vehicle_kinds_follow_the_domain_order():
    assert STYLE.vehicle_kinds == tuple(k.value for k in VehicleKind)
    assert len(STYLE.vehicle_colors) == len(STYLE.vehicle_kinds)


class _Shouting(QTranslator):
    def translate(self, context, source, disambiguation=None, n=-1):
        return source.upper() if context == "_Legend" else ""


def test_legend_text_goes_through_translation(view):
    legend = view._legend
    assert any(text == "Overdue" for _, text, _ in legend._rows())
    tr = _Shouting()
    QCoreApplication.installTranslator(tr)
    try:
        assert any(text == "OVERDUE" for _, text, _ in legend._rows())
    finally:
        QCoreApplication.removeTranslator(tr)
    QCoreApplication.sendEvent(legend, QEvent(QEvent.Type.LanguageChange))
    assert legend.isVisible()


def test_a_city_of_59000_cells_stays_responsive(qtbot):
    rings, codes = _grid(cols=295, rows=200, cell=50.0)
    w = DistrictMapView()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    t = time.perf_counter()
    w.set_cells(rings, codes)
    w.grab()
    first = time.perf_counter() - t
    w.set_view(*_centre(100, 60), 3000.0)
    w.grab()
    t = time.perf_counter()
    w.set_vehicles(**_fleet(2000))
    w.graphics_view().viewport().repaint()
    update = time.perf_counter() - t
    assert len(w.graphics_view().scene().items()) < 20
    assert first < 10.0, f"59,000 cells took {first:.2f} s to load and draw"
    assert update < 0.5, f"2,000 vehicles took {update:.3f} s to update"
    centre = w.map_to_viewport(*_centre(100, 60))
    assert (centre.x(), centre.y()) == pytest.approx((500, 350), abs=1.5)


def test_pointer_cursor_over_markers_only(view, qtbot):
    x, y = _centre(30, 30)
    view.set_cases([x], [y], [SLA_DUE_SOON], ["C1"])
    QCoreApplication.processEvents()
    viewport = view.graphics_view().viewport()
    qtbot.mouseMove(viewport, _device(view, x, y))
    qtbot.waitUntil(
        lambda: viewport.cursor().shape() == Qt.CursorShape.PointingHandCursor, timeout=2000
    )
    qtbot.wait(20)  # pyqtgraph rate-limits mouse moves
    qtbot.mouseMove(viewport, _device(view, x, y) + QPoint(60, 60))
    qtbot.waitUntil(
        lambda: viewport.cursor().shape() != Qt.CursorShape.PointingHandCursor, timeout=2000
    )
