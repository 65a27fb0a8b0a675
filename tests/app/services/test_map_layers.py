"""The map's cell layer (app/services/map_layers.py) on a real district cut.

The vectorised builder (one read, one mercator conversion over every point,
packed rings) must give exactly what converting ring by ring gave: the same
codes, the same mercator numbers bit for bit, the same point lookups, and
the same packed geometry on the canvas (``pack_flat`` against ``pack_rings``).
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from app.services import map_layers as mapdata
from app.store.replica import LocalStore
from core.geo import CellIndex, cut_cells, district_from_geojson, lonlat_to_mercator
from core.resources import RESOURCES

DONGCHENG = RESOURCES / "districts" / "110101.geojson"


def _old_cell_layer(store: LocalStore) -> tuple[list[str], list[np.ndarray], CellIndex]:
    """The builder as it was: json.loads and a mercator conversion per ring."""
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT code, ring FROM cells ORDER BY code").all()
    pairs = [(code, json.loads(ring)) for code, ring in rows]
    rings = []
    for _code, ring in pairs:
        arr = np.asarray(ring, dtype=float)
        x, y = lonlat_to_mercator(arr[:, 0], arr[:, 1])
        rings.append(np.column_stack([x, y]))
    return [code for code, _ring in pairs], rings, CellIndex(pairs)


@pytest.fixture(scope="module")
def dongcheng_store(tmp_path_factory):
    district = district_from_geojson(json.loads(DONGCHENG.read_text(encoding="utf-8")))
    cells = cut_cells(district)
    rows = [{"code": f"110101{i // 1000:03d}{i // 100 % 10:03d}{i % 1000:03d}", "community_code": "110101001001",
             "street_code": "110101001", "grade": "A", "area_m2": 10_000.0, "center_lon": cell.center[0],
             "center_lat": cell.center[1], "ring": json.dumps(cell.ring)}
            for i, cell in enumerate(cells)]
    random.Random(7).shuffle(rows)  # stored out of order: the layer reads them in code order
    store = LocalStore(tmp_path_factory.mktemp("cells") / "c.db")
    store.apply_change_page([{"seq": 1, "entity": "cell", "id": r["code"], "data": r} for r in rows], 1)
    yield store, cells
    store.close()


def test_the_vectorised_cell_layer_matches_the_ring_by_ring_one(dongcheng_store):
    store, cells = dongcheng_store
    codes, rings, index = _old_cell_layer(store)
    assert len(codes) == len(cells) > 4000
    layer = mapdata.cell_layer(store)
    assert layer.codes == codes
    assert len(layer.start) == len(codes) + 1 and layer.start[-1] == len(layer.xy)
    new_rings = layer.rings
    assert len(new_rings) == len(rings)
    assert all(np.array_equal(a, b) for a, b in zip(new_rings, rings, strict=True))  # bit for bit
    assert np.array_equal(layer.index._bbox, index._bbox)
    rng = np.random.default_rng(3)
    b = index._bbox
    lon = rng.uniform(b[:, 0].min() - 0.01, b[:, 2].max() + 0.01, 3000)
    lat = rng.uniform(b[:, 1].min() - 0.01, b[:, 3].max() + 0.01, 3000)
    found = [layer.index.cell_at(x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    assert found == [index.cell_at(x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    assert sum(f is not None for f in found) > 1000  # the points did land in cells
    assert layer.index.cells_in_box(116.40, 39.90, 116.41, 39.91) == index.cells_in_box(116.40, 39.90, 116.41, 39.91)


def test_an_empty_store_has_an_empty_cell_layer(tmp_path):
    store = LocalStore(tmp_path / "c.db")
    layer = mapdata.cell_layer(store)
    assert layer.codes == [] and layer.rings == [] and layer.xy.shape == (0, 2) and layer.start.tolist() == [0]
    assert layer.index.cell_at(116.4, 39.9) is None
    store.close()


def test_packed_cells_pack_as_ring_by_ring(qapp, dongcheng_store):
    from app.views.map.geometry import pack_flat, pack_rings

    store, _cells = dongcheng_store
    layer = mapdata.cell_layer(store)
    new, old = pack_flat(layer.xy, layer.start, "cell"), pack_rings(layer.rings, "cell")
    for field in ("xy", "connect", "start", "owner", "bbox"):
        assert np.array_equal(getattr(new, field), getattr(old, field)), field
        assert getattr(new, field).dtype == getattr(old, field).dtype, field
    # Open rings are closed the same way, and bad rings named the same way.
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    rings = [square, np.vstack([square, square[:1]]) + 5, square + 9]
    xy = np.concatenate(rings)
    start = np.array([0, 4, 9, 13])
    new, old = pack_flat(xy, start, "cell"), pack_rings(rings, "cell")
    for field in ("xy", "connect", "start", "owner", "bbox"):
        assert np.array_equal(getattr(new, field), getattr(old, field)), field
    bad = xy.copy()
    bad[6, 1] = np.nan
    for args, rings_bad in (((bad, start), [bad[0:4], bad[4:9], bad[9:13]]),
                            ((xy[:11], np.array([0, 4, 9, 11])), [xy[0:4], xy[4:9], xy[9:11]])):
        with pytest.raises(ValueError) as flat_error:
            pack_flat(*args, "cell")
        with pytest.raises(ValueError) as ring_error:
            pack_rings(rings_bad, "cell")
        assert str(flat_error.value) == str(ring_error.value)
    with pytest.raises(ValueError, match="offsets"):
        pack_flat(xy, np.array([0, 9, 4, 13]), "cell")
    with pytest.raises(ValueError, match="points"):
        pack_flat(xy, np.array([0, 4, 9, 12]), "cell")
