"""The array MVT encoder writes exactly what mapbox-vector-tile writes, for every geometry kind."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pytest
import shapely

from geoapp import synthetic
from geoapp.mvt import encode_layer, varints

OPTIONS = {"extents": 4096, "y_coord_down": True, "check_winding_order": False}


def reference(name, geoms, props) -> bytes:
    features = [{"geometry": g, "properties": p} for g, p in zip(geoms, props, strict=True)]
    return mapbox_vector_tile.encode(
        [{"name": name, "features": features}], default_options=OPTIONS
    )


ODD = [
    shapely.box(0, 0, 10, 10),
    shapely.Polygon([(0, 0), (0, 0), (5, 5), (5, 5), (0, 0)]),  # repeats skipped, kept
    shapely.box(0, 0, 100, 100).difference(shapely.box(10, 10, 20, 20)),  # a hole
    shapely.MultiPolygon([shapely.box(0, 0, 3, 3), shapely.box(5, 5, 9, 9)]),
    shapely.Polygon(shapely.box(0, 0, 50, 50).exterior.coords, [[(9, 9)] * 4]),  # empty hole
    shapely.LineString([(0, 0), (0, 0), (3, 4), (3, 4)]),  # repeated points skipped
    shapely.LineString([(1, 1), (1, 1)]),  # a line of one point: dropped
    shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (2, 2)], [(5, 5), (6, 7)]]),
    shapely.Point(3, 4),
    shapely.MultiPoint([(1, 1), (1, 1), (-5, 7)]),
    shapely.LineString([(-70, 4200), (4170, -64)]),  # negative and past the extent
]


def test_odd_geometries_and_every_value_type():
    geoms = shapely.orient_polygons(np.array(ODD, dtype=object))
    props = [
        {"id": f"f{i}", "n": i, "x": 1.5 * i, "b": i % 2 == 0, "none": None, "neg": -i, "one": 1}
        for i in range(len(geoms))
    ]
    ours = encode_layer("odd", geoms, props)
    assert ours == reference("odd", geoms, props)
    decoded = mapbox_vector_tile.decode(ours, default_options={"y_coord_down": True})["odd"]
    ids = [f["properties"]["id"] for f in decoded["features"]]
    assert ids == [f"f{i}" for i in range(len(ODD)) if i != 6]  # the one-point line is gone


@pytest.mark.parametrize("n, seed", [(1, 1), (50, 2), (3000, 3)])
def test_parcels_in_tile_units(n, seed):
    city = shapely.box(120.0, 28.9, 120.05, 28.95)
    gdf = synthetic.parcels(city, n, seed=seed)
    scale = 4096 / 0.05  # the box is one "tile"
    units = shapely.transform(
        gdf.geometry.values, lambda c: np.rint((c - [120.0, 28.9]) * [scale, -scale] + [0, 4096])
    )
    geoms = shapely.orient_polygons(np.asarray(units, dtype=object))
    props = gdf.drop(columns="geometry").to_dict("records")
    assert encode_layer("parcels", geoms, props) == reference("parcels", geoms, props)


def test_nothing_to_draw_is_no_tile():
    assert encode_layer("x", [], []) == b""
    assert encode_layer("x", [shapely.LineString([(1, 1), (1, 1)])], [{"id": "a"}]) == b""


def test_varints():
    data, sizes = varints(np.array([0, 1, 127, 128, 300, 2**21, 2**32 - 1]))
    assert data == b"\x00\x01\x7f\x80\x01\xac\x02\x80\x80\x80\x01\xff\xff\xff\xff\x0f"
    assert sizes.tolist() == [1, 1, 1, 2, 2, 4, 5]
