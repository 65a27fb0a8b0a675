"""DistrictMapView with real widgets on the offscreen platform: drawing, clicks,
hover, box selection, labels, alarms, the cached picture, item count; and the
choropleth figures counted from a real local store.

A synthetic district of 80 × 50 square cells of 100 m (4,000 cells) sits at
Beijing's Web Mercator coordinates, so the tests exercise the same large
coordinate values as production data.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QTranslator
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from app.views.map.canvas import DistrictMapView
from app.views.map.style import (
    SLA_DUE_SOON,
    SLA_NORMAL,
    SLA_OVERDUE,
    STYLE,
    VEHICLE_LIVE,
    VEHICLE_OFFLINE,
    VEHICLE_STALE,
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
    # The boundary: antialiased hairlines, so close to (not always exactly) its colour.
    near = np.abs(px.astype(int) - _rgb(STYLE.outline).astype(int)).sum(axis=2) < 40
    assert near.sum() > 1_000
    assert view._scene.lattice is not None  # the grid is drawn as one picture, not 4,000 paths


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


def _devices(w: DistrictMapView, xs, ys) -> np.ndarray:
    """Viewport pixel (column, row) of each map point, as an (n, 2) int array."""
    return np.array([[(q := _device(w, x, y)).x(), q.y()] for x, y in zip(xs, ys, strict=True)])


def _clear(points: np.ndarray, others: np.ndarray, px: float) -> np.ndarray:
    """For each point, whether no other point lies within px pixels of it."""
    d = np.hypot(*(points[:, None, :] - others[None, :, :]).transpose(2, 0, 1))
    return ((d > px) | (d == 0)).all(axis=1)


def test_screenshot_of_a_busy_district(view, grid):
    rng = np.random.default_rng(3)
    values = rng.gamma(2.0, 3.0, len(grid[1]))
    view.set_cell_fill(values, label="Cases / week")
    fleet = _fleet(200)
    view.set_vehicles(**fleet)
    cases = _cases(150)
    view.set_cases(**cases)
    QCoreApplication.processEvents()
    # The case to select: one clear of other markers and of the panels over
    # the map (their size follows the application's font, which other tests
    # change), so its ring can be seen whole.
    viewport = view.graphics_view().viewport()
    panels = [c for c in view.findChildren(QWidget) if c.isVisible() and c is not viewport
              and not c.isAncestorOf(viewport) and not viewport.isAncestorOf(c)]
    at_case = _devices(view, cases["x"], cases["y"])
    everything = np.vstack([_devices(view, fleet["x"], fleet["y"]), at_case])

    def under_a_panel(points: np.ndarray, margin: int = 0) -> np.ndarray:
        covered = np.zeros(len(points), dtype=bool)
        for panel in panels:
            corner = panel.mapTo(view, QPoint(0, 0))
            covered |= ((points[:, 0] >= corner.x() - margin) & (points[:, 0] <= corner.x() + panel.width() + margin)
                        & (points[:, 1] >= corner.y() - margin) & (points[:, 1] <= corner.y() + panel.height() + margin))
        return covered

    candidates = np.flatnonzero(_clear(at_case, everything, 40.0) & ~under_a_panel(at_case, 30))
    assert candidates.size, "no case stands clear enough to check its ring"
    chosen = int(candidates[0])
    view.select_case(cases["ids"][chosen])
    selected_cell = ROWS // 2 * COLS + COLS // 2
    view.select_cell(grid[1][selected_cell])
    QCoreApplication.processEvents()
    image = view.grab()
    assert image.save(SCREENSHOT)
    assert not image.isNull() and image.width() == 1000 and image.height() == 700
    px = _pixels(view).astype(int)
    height, width = px.shape[:2]

    # Not a blank picture: the district covers most of it in many colours.
    bg = _rgb(STYLE.background).astype(int)
    assert (np.abs(px - bg).sum(axis=2) > 12).mean() > 0.5
    assert len(np.unique(px.reshape(-1, 3), axis=0)) > 200

    # Every cell shows its class of the ramp (six equal classes between the
    # lowest and highest figure), blended over the background, wherever no
    # marker, ring or overlay covers its centre.
    vehicles = _devices(view, fleet["x"], fleet["y"])
    markers = np.vstack([vehicles, _devices(view, cases["x"], cases["y"])])
    cols, rows = np.meshgrid(np.arange(COLS), np.arange(ROWS))
    centres = _devices(view, X0 + (cols.ravel() + 0.5) * CELL_M, Y0 + (rows.ravel() + 0.5) * CELL_M)
    on_screen = (centres[:, 0] >= 0) & (centres[:, 0] < width) & (centres[:, 1] >= 0) & (centres[:, 1] < height)
    assert on_screen.all()  # the view fits the district
    uncovered = _clear(centres, markers, 12.0)
    ring = at_case[chosen]
    uncovered &= np.hypot(*(centres - ring).T) > 25
    # The panels over the map (legend, scale bar, attribution) are child widgets.
    assert panels
    uncovered &= ~under_a_panel(centres, 1)
    assert uncovered.sum() > 2000
    cls = np.clip(np.floor((values - values.min()) / np.ptp(values) * 6), 0, 5).astype(int)
    assert len(set(cls[uncovered])) == 6  # every class is on show
    ramp = np.array([_rgb(c) for c in STYLE.cell_fill]).astype(int)
    alpha = STYLE.cell_fill_alpha
    expected = (ramp[cls] * alpha + bg * (255 - alpha)) / 255
    shown = px[centres[:, 1], centres[:, 0]]
    matches = np.abs(shown - expected).sum(axis=1) < 10
    assert matches[uncovered].mean() > 0.95, matches[uncovered].mean()

    # The legend's panel shows the six classes of the ramp and its label.
    def panel_pixels(panel: QWidget) -> np.ndarray:
        corner = panel.mapTo(view, QPoint(0, 0))
        return px[corner.y() : corner.y() + panel.height(), corner.x() : corner.x() + panel.width()]

    legend = [panel_pixels(c) for c in panels
              if all((np.abs(panel_pixels(c) - colour).sum(axis=2) < 20).sum() > 20 for colour in ramp)]
    assert len(legend) == 1
    assert (np.abs(legend[0] - _rgb(STYLE.overlay_text).astype(int)).sum(axis=2) < 60).sum() > 50

    # Cases clear of other markers show their SLA colour at their centre.
    lone = _clear(at_case, markers, 14.0)
    assert lone.sum() > 30
    colours = np.array([_rgb(c) for c in STYLE.case_colors]).astype(int)[cases["sla_index"]]
    case_ok = np.abs(px[at_case[:, 1], at_case[:, 0]] - colours).sum(axis=1) < 30
    assert case_ok[lone].mean() > 0.9, case_ok[lone].mean()

    # Live vehicles clear of other markers show their kind's colour at their centre.
    lone_live = _clear(vehicles, markers, 14.0) & (fleet["state_index"] == VEHICLE_LIVE)
    assert lone_live.sum() > 30
    kind_colours = np.array([_rgb(c) for c in STYLE.vehicle_colors]).astype(int)[fleet["kind_index"]]
    near_kind = [
        (np.abs(px[y - 2 : y + 3, x - 2 : x + 3] - kind_colours[i]).sum(axis=2) < 30).any()
        for i, (x, y) in enumerate(vehicles)
    ]
    assert np.asarray(near_kind)[lone_live].mean() > 0.9

    # The selected case wears the white ring; the selected cell its outline.
    x, y = ring
    assert np.all(px[y, x - 15 : x + 16] == 255, axis=1).any()
    c0 = _device(view, X0 + (COLS // 2) * CELL_M, Y0 + (ROWS // 2) * CELL_M)
    c1 = _device(view, X0 + (COLS // 2 + 1) * CELL_M, Y0 + (ROWS // 2 + 1) * CELL_M)
    left, right = sorted((c0.x(), c1.x()))
    top, bottom = sorted((c0.y(), c1.y()))
    edge = np.concatenate([px[top - 1 : top + 2, left + 2 : right - 1].reshape(-1, 3),
                           px[bottom - 1 : bottom + 2, left + 2 : right - 1].reshape(-1, 3)])
    white = np.abs(edge - _rgb(STYLE.cell_selected).astype(int)).sum(axis=1) < 40
    assert white.sum() >= right - left - 4, white.sum()


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
    renders = view.full_renders()
    pixels = view.render_stats().pixels
    vehicles = view._vehicles
    bounds = vehicles.boundingRect()
    for k in range(20):
        fleet["x"] = fleet["x"] + 5.0 * ((-1) ** k)
        fleet["heading_deg"] = (fleet["heading_deg"] + 7) % 360
        view.set_vehicles(**fleet)
        view.graphics_view().viewport().repaint()
    assert view.full_renders() == renders  # the static picture was not re-rendered
    assert view.render_stats().pixels == pixels  # not even a strip of it
    assert vehicles.boundingRect() == bounds  # no geometry change for small moves


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
    codes_before = list(view.cell_codes())
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
    assert view.cell_codes() == codes_before
    with pytest.raises(ValueError):
        view.set_alarms([X0], [Y0], [7], ["a"])
    with pytest.raises(ValueError):
        view.set_basemap(None, 1.5)


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


def test_a_city_of_59000_cells_is_one_picture_and_a_few_items(qtbot):
    """Speed is benchmarks/map.py's business; here: the city-scale scene takes the fast path."""
    rings, codes = _grid(cols=295, rows=200, cell=50.0)
    w = DistrictMapView()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    w.set_cells(rings, codes)
    w.set_cell_fill(np.arange(len(codes), dtype=float))
    lattice = w._scene.lattice
    assert lattice is not None and int((lattice.index >= 0).sum()) == 59_000
    # Outlines as merged runs: one per grid line here, not four edges per cell.
    assert len(lattice.h_runs) == 201 and len(lattice.v_runs) == 296
    w.set_view(*_centre(100, 60), 3000.0)
    w.grab()
    renders = w.full_renders()
    w.set_vehicles(**_fleet(2000))
    w.graphics_view().viewport().repaint()
    assert w.full_renders() == renders
    assert len(w.graphics_view().scene().items()) < 20
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


# ------------------------------------------------------------------- the picture


def test_choropleth_fills_cells_with_the_ramp(view):
    values = np.full(COLS * ROWS, np.nan)
    hot = ROWS // 2 * COLS + 10
    cold = ROWS // 2 * COLS + 60
    values[hot], values[cold] = 9.0, 0.0
    view.set_cell_fill(values, label="Open cases")
    px = _pixels(view).astype(int)
    bg = _rgb(STYLE.background).astype(int)
    a = STYLE.cell_fill_alpha / 255

    def expected(colour: str) -> np.ndarray:
        return _rgb(colour).astype(int) * a + bg * (1 - a)

    for index, colour in ((hot, STYLE.cell_fill[-1]), (cold, STYLE.cell_fill[0])):
        p = _device(view, *_centre(index % COLS, index // COLS))
        assert np.abs(px[p.y(), p.x()] - expected(colour)).max() <= 3
    p = _device(view, *_centre(30, 30))  # NaN: no fill
    assert np.abs(px[p.y(), p.x()] - bg).max() <= 3
    assert "Open cases" in [text for _, text, _ in view._legend._rows()]


def test_irregular_cells_and_holes_are_drawn_and_hit_tested(qtbot):
    """Cells that are not squares of one grid (a real city's survey) take the path renderer."""
    w = DistrictMapView()
    qtbot.addWidget(w)
    w.resize(600, 400)
    w.show()
    qtbot.waitExposed(w)
    tri = np.array([[X0, Y0], [X0 + 400, Y0], [X0, Y0 + 400]])
    outer = np.array([[X0 + 500, Y0], [X0 + 900, Y0], [X0 + 900, Y0 + 400], [X0 + 500, Y0 + 400]])
    hole = np.array([[X0 + 600, Y0 + 100], [X0 + 800, Y0 + 100], [X0 + 800, Y0 + 300], [X0 + 600, Y0 + 300]])
    w.set_cells([tri, [outer, hole]], ["110105001001001", "110105001001002"])
    assert w._scene.lattice is None
    w.set_cell_fill(np.array([1.0, 2.0]))
    assert w.cell_at(X0 + 100, Y0 + 100) == "110105001001001"
    assert w.cell_at(X0 + 350, Y0 + 350) is None  # beyond the hypotenuse
    assert w.cell_at(X0 + 550, Y0 + 200) == "110105001001002"
    assert w.cell_at(X0 + 700, Y0 + 200) is None  # in the hole
    px = _pixels(w)
    bg = _rgb(STYLE.background)
    inside = _device(w, X0 + 100, Y0 + 100)
    in_hole = _device(w, X0 + 700, Y0 + 200)
    assert not np.array_equal(px[inside.y(), inside.x()], bg)
    assert np.array_equal(px[in_hole.y(), in_hole.x()], bg)


def test_cell_codes_are_written_at_close_zoom_only(view):
    stats = view.render_stats()
    view.fit_to_outline()
    view.grab()
    assert stats.labels == 0  # 12 px cells: no room for a code
    x, y = _centre(40, 25)
    view.set_view(x, y, 800.0)  # 100 m cells ~125 px wide
    before = _pixels(view)
    assert stats.labels > 0
    # The code is drawn in the cell's middle, in the label colour.
    p = _device(view, x, y)
    patch = before[p.y() - 6 : p.y() + 7, p.x() - 50 : p.x() + 51].astype(int)
    label = _rgb(STYLE.label).astype(int)
    assert (np.abs(patch - label).sum(axis=2) < 60).sum() > 20


def test_alarms_are_rings_in_the_severity_colour(view, qtbot):
    from app.views.map.style import ALARM_CRITICAL, ALARM_MINOR

    x, y = _centre(20, 20)
    view.set_alarms([x, x + 2000], [y, y], [ALARM_CRITICAL, ALARM_MINOR], ["V1", "V2"])
    px = _pixels(view).astype(int)
    p = _device(view, x, y)
    ring = px[p.y() - 16 : p.y() + 17, p.x() - 16 : p.x() + 17]
    red = _rgb(STYLE.alarm_colors[ALARM_CRITICAL]).astype(int)
    assert (np.abs(ring - red).sum(axis=2) < 40).sum() > 30
    with qtbot.waitSignal(view.alarmClicked, timeout=2000) as sig:
        qtbot.mouseClick(view.graphics_view().viewport(), Qt.MouseButton.LeftButton, pos=p + QPoint(9, 0))
    assert sig.args == ["V1"]
    # A vehicle on the ring wins the click: the ring is only its halo.
    view.set_vehicles([x], [y], [0.0], [0], [VEHICLE_LIVE], ["V1"])
    with qtbot.waitSignal(view.vehicleClicked, timeout=2000) as sig:
        qtbot.mouseClick(view.graphics_view().viewport(), Qt.MouseButton.LeftButton, pos=p)
    assert sig.args == ["V1"]


def test_panning_renders_only_the_uncovered_strip(view):
    view.set_view(*_centre(40, 25), 3000.0)
    view.grab()
    renders = view.full_renders()
    stats = view.render_stats()
    pixels = stats.pixels
    vp = view.graphics_view().viewport()
    area = vp.width() * vp.height()
    vb = view.view_box()
    vb.translateBy(x=100 * vb.viewPixelSize()[0], y=0.0)
    after = _pixels(view)
    assert view.full_renders() == renders
    assert 0 < stats.pixels - pixels < area * 0.5
    # And the result is the same picture a full render makes.
    view.invalidate()
    assert np.array_equal(_pixels(view), after)
    assert view.full_renders() == renders + 1


def test_a_zoom_renders_the_view_afresh(view):
    view.grab()
    renders = view.full_renders()
    view.view_box().scaleBy((0.8, 0.8))
    view.grab()
    assert view.full_renders() == renders + 1


# -------------------------------------------------------- hover and selection


def test_hover_names_the_marker_or_the_cell(view, qtbot):
    x, y = _centre(30, 30)
    view.set_vehicles([x], [y], [0.0], [0], [VEHICLE_LIVE], ["京A12345"])
    view.set_view(x, y, 1500.0)
    viewport = view.graphics_view().viewport()
    with qtbot.waitSignal(view.hovered, timeout=2000) as sig:
        qtbot.mouseMove(viewport, _device(view, x, y))
    assert sig.args == ["vehicle", "京A12345"]
    assert viewport.toolTip() == "京A12345"
    qtbot.wait(20)  # pyqtgraph rate-limits mouse moves: a second move sooner is dropped
    cx, cy = _centre(33, 31)
    with qtbot.waitSignal(view.hovered, timeout=2000) as sig:
        qtbot.mouseMove(viewport, _device(view, cx, cy))
    assert sig.args == ["cell", "110105031033"]


def test_box_selection_returns_what_lies_inside(view):
    fleet = _fleet(300)
    cases = _cases(200)
    view.set_vehicles(**fleet)
    view.set_cases(**cases)
    xmin, ymin = X0 + 1000, Y0 + 1000
    xmax, ymax = X0 + 3040, Y0 + 2040
    sel = view.select_box(xmin, ymin, xmax, ymax)

    def brute(d: dict) -> list[str]:
        inside = (d["x"] >= xmin) & (d["x"] <= xmax) & (d["y"] >= ymin) & (d["y"] <= ymax)
        return [d["ids"][i] for i in np.flatnonzero(inside)]

    assert sel.vehicles == brute(fleet) and sel.vehicles
    assert sel.cases == brute(cases) and sel.cases
    # Cells whose centre is inside: columns 10..29 (the 30th's centre is at 3050 m), rows 10..19.
    assert len(sel.cells) == 20 * 10
    assert "110105010010" in sel.cells and "110105019029" in sel.cells and "110105010030" not in sel.cells


def test_shift_drag_draws_a_box_and_selects(view, qtbot):
    fleet = _fleet(300)
    view.set_vehicles(**fleet)
    viewport = view.graphics_view().viewport()
    a = _device(view, X0 + 1000, Y0 + 3000)
    b = _device(view, X0 + 4000, Y0 + 1000)
    shift = Qt.KeyboardModifier.ShiftModifier
    with qtbot.waitSignal(view.areaSelected, timeout=3000) as sig:
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, shift, a)
        for k in range(1, 11):
            qtbot.mouseMove(viewport, a + (b - a) * (k / 10))
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, shift, b)
    selection = sig.args[0]
    inside = (fleet["x"] >= X0 + 1000) & (fleet["x"] <= X0 + 4000) & (fleet["y"] >= Y0 + 1000) & (
        fleet["y"] <= Y0 + 3000)
    expected = {fleet["ids"][i] for i in np.flatnonzero(inside)}
    # Pixel rounding at the box's edges: all but a vehicle or two agree.
    assert len(expected ^ set(selection.vehicles)) <= 2 and len(selection.vehicles) > 10


def test_point_index_agrees_with_brute_force():
    from app.views.map.spatial import BoxIndex, PointIndex

    rng = np.random.default_rng(4)
    x = X0 + rng.gamma(2.0, 800.0, 5000)  # clustered, like vehicles at depots
    y = Y0 + rng.normal(0, 1500.0, 5000)
    index = PointIndex(x, y)
    for _ in range(200):
        qx, qy = X0 + rng.uniform(-500, 6000), Y0 + rng.uniform(-4000, 4000)
        r = rng.uniform(1, 400)
        d2 = ((x - qx) / r) ** 2 + ((y - qy) / r) ** 2
        hit = index.nearest(qx, qy, r, r)
        if d2.min() > 1:
            assert hit is None
        else:
            assert hit is not None and hit[0] == int(np.argmin(d2))
        box = np.flatnonzero((x >= qx - r) & (x <= qx + r) & (y >= qy - r) & (y <= qy + r))
        assert np.array_equal(index.in_box(qx - r, qy - r, qx + r, qy + r), box)
    boxes = np.column_stack([x, y, x + rng.uniform(1, 300, 5000), y + rng.uniform(1, 300, 5000)])
    bi = BoxIndex(boxes)
    for _ in range(100):
        qx, qy = X0 + rng.uniform(0, 5000), Y0 + rng.uniform(-3000, 3000)
        q = (qx, qy, qx + rng.uniform(0, 900), qy + rng.uniform(0, 900))
        brute = np.flatnonzero((boxes[:, 0] <= q[2]) & (boxes[:, 2] >= q[0]) & (boxes[:, 1] <= q[3])
                               & (boxes[:, 3] >= q[1]))
        assert np.array_equal(np.sort(bi.candidates(*q)), brute)
    assert PointIndex(np.zeros(0), np.zeros(0)).nearest(0, 0, 1, 1) is None


# ------------------------------------------------------------- figures per cell


def test_choropleth_figures_are_counted_from_the_local_store(qtbot, tmp_path):
    """Open, overdue and this month's cases per cell, through the controller onto the map."""
    from PySide6.QtCore import QSettings

    from app.runtime.background import Background
    from app.runtime.basemaps import MapSettings
    from app.services import map_layers as mapdata
    from app.store.replica import LocalStore
    from app.views.map.controller import MapLayersController
    from core.cases import CaseSource, CaseState, CaseStatus
    from core.timeutil import now_cst, to_iso
    from support import small_world_rows

    store = LocalStore(tmp_path / "c.db")
    changes = [{"seq": 1, "entity": entity, "id": row.get("code") or row.get("department_id")
                or row.get("vehicle_id"), "data": row}
               for entity, rows in small_world_rows().items() for row in rows]
    now = now_cst()
    cells = [r["code"] for r in small_world_rows()["cell"]]
    past, future = to_iso(now.replace(year=now.year - 1)), to_iso(now.replace(year=now.year + 1))
    plan = [  # (cell, status, registered, deadline)
        (cells[0], CaseStatus.DISPATCHED, to_iso(now), past),
        (cells[0], CaseStatus.DISPATCHED, to_iso(now), future),
        (cells[0], CaseStatus.CLOSED, to_iso(now), past),
        (cells[1], CaseStatus.REGISTERED, past, None),
        (cells[2], CaseStatus.DISPATCHED, past, past),
    ]
    for i, (cell, status, registered, deadline) in enumerate(plan):
        case = CaseState(case_id=f"case-{i}", status=status, category="E0102", cell_code=cell,
                         lon=116.4105, lat=39.9204, source=CaseSource.HOTLINE, number=f"2026000000{i}",
                         registered_at=registered, deadline=deadline, version=1)
        changes.append({"seq": 1, "entity": "case", "id": case.case_id, "data": case.to_dict()})
    store.apply_change_page(changes, 1)

    w = DistrictMapView()
    qtbot.addWidget(w)
    layer = mapdata.cell_layer(store)
    w.set_cells(layer.rings, layer.codes)
    settings = MapSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    runner = Background(tmp_path / "c.db")  # the figure is counted on its map lane
    controller = MapLayersController(w, runner, settings, cache_path=tmp_path / "t.sqlite", workers=0)
    fills: list = []
    original = w.set_cell_fill

    def record(values, *args, **kw):
        fills.append(None if values is None else np.nan_to_num(np.asarray(values, float)))
        original(values, *args, **kw)

    w.set_cell_fill = record  # type: ignore[method-assign]
    order = [layer.codes.index(c) for c in cells]

    def show(figure: str) -> None:
        with qtbot.waitSignal(controller.figureShown, timeout=10_000):
            controller.set_figure(figure)

    show("open_cases")
    assert fills[-1][order].tolist() == [2, 1, 1, 0]
    show("overdue_cases")
    assert fills[-1][order].tolist() == [1, 0, 1, 0]
    show("cases_this_month")
    assert fills[-1][order].tolist() == [3, 0, 0, 0]
    assert w._legend._fill is not None and w._legend._fill[0] == controller.figure_label("cases_this_month")
    show("")
    assert fills[-1] is None
    with pytest.raises(ValueError):
        controller.set_figure("bogus")
    assert settings.figure == ""
    controller.close()
    runner.close()
    store.close()


def test_vehicles_in_alarm_come_from_their_latest_fix(tmp_path):
    """The alarm layer from the local store: JT/T 808 alarm bits of each vehicle's newest fix."""
    from app.services import map_layers as mapdata
    from app.store.replica import LocalStore
    from core.coords import wgs84_to_gcj02
    from core.geo import lonlat_to_mercator
    from core.positions import FixFlag
    from support import small_world_rows

    store = LocalStore(tmp_path / "c.db")
    vehicles = small_world_rows()["vehicle"]
    store.apply_change_page([{"seq": 1, "entity": "vehicle", "id": v["vehicle_id"], "data": v}
                             for v in vehicles], 1)

    def fix(i: int, vid: str, alarm: int, flags: int = 0, lon: float = 116.41) -> dict:
        return {"vehicle_id": vid, "position_id": i, "device_time": f"2026-05-01T09:00:0{i}+08:00",
                "recv_time": f"2026-05-01T09:00:0{i}+08:00", "lon": lon, "lat": 39.92, "speed_kmh": 8.0,
                "heading": 90, "alarm": alarm, "status": 3, "flags": flags}

    store.apply_positions([fix(1, "V001", 0x1), fix(2, "V002", 0x2)], 2)
    layer = mapdata.alarm_layer(store)
    assert dict(zip(layer.ids, layer.severity.tolist(), strict=True)) == {"V001": 2, "V002": 1}
    i = layer.ids.index("V001")
    x, y = lonlat_to_mercator(*wgs84_to_gcj02(116.41, 39.92))  # drawn where the vehicle is
    assert layer.x[i] == pytest.approx(x) and layer.y[i] == pytest.approx(y)
    # The alarm ends on a newer fix; an untrustworthy fix is not drawn as truth.
    store.apply_positions([fix(3, "V001", 0), fix(4, "V002", 0x2, FixFlag.ZERO, lon=0.0)], 4)
    assert mapdata.alarm_layer(store).ids == []
    store.close()
