"""Whole-array validation of a many-feature layer: the same messages, in file order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from geoapp import synthetic
from geoapp.catalog import validate

PARCELS_TOML = """id = "parcels"
order = 90
geometry_types = ["Polygon", "MultiPolygon"]
title = { zh = "地块", en = "Parcels" }
popup = ["name", "land_use"]

[style]
kind = "polygon"

[[fields]]
name = "land_use"
type = "str"
required = true
values = ["R", "B", "M", "G", "A"]

[[fields]]
name = "floors"
type = "int"
"""


def add_parcels(data: Path, layers: Path, gdf) -> None:
    (layers / "parcels.toml").write_text(PARCELS_TOML, "utf-8")
    synthetic.write_geojson(gdf, data / "geojson" / "parcels.geojson")


def test_synthetic_parcels_lie_inside_the_city_and_validate(tiny):
    data, layers = tiny
    gdf = synthetic.parcels(synthetic.city_outline(data), 2000, seed=3)
    sizes = shapely.bounds(gdf.geometry.values)
    across = (sizes[:, 2] - sizes[:, 0]) * synthetic.M_PER_DEG[0]
    assert 40 < across.min() and across.max() < 200
    counts = shapely.get_num_coordinates(gdf.geometry.values) - 1
    assert counts.min() == 8 and counts.max() == 12
    add_parcels(data, layers, gdf)
    catalog, problems = validate(data, layers)
    assert problems == [] and len(catalog.layers["parcels"]) == 2000


def test_every_problem_of_a_big_layer_in_file_order(tiny):
    data, layers = tiny
    gdf = synthetic.parcels(synthetic.city_outline(data), 2000, seed=4)
    gdf["floors"] = (np.arange(2000) % 30).astype(float)
    gdf.loc[10, "floors"] = 2.5  # the column is read as Real: 2.0 passes as int, 2.5 does not
    gdf.loc[1500, "land_use"] = "X"
    gdf.loc[700, "name_en"] = None
    gdf.loc[1999, "id"] = gdf.loc[5, "id"]
    gdf.loc[42, "geometry"] = shapely.affinity.translate(gdf.geometry[42], xoff=0.5)
    add_parcels(data, layers, gdf)
    _, problems = validate(data, layers)
    assert [str(p) for p in problems] == [
        "parcels.geojson: feature 'p-0000006': duplicate id",
        "parcels.geojson: feature 'p-0000011': field 'floors' should be int, got 2.5",
        "parcels.geojson: feature 'p-0000701': missing required field 'name_en'",
        "parcels.geojson: feature 'p-0001501': field 'land_use' has value 'X', not one of: "
        "R, B, M, G, A",
        f"parcels.geojson: feature 'p-0000043': lies outside Yongkang: bounds "
        f"({gdf.geometry[42].bounds[0]:.4f}, {gdf.geometry[42].bounds[1]:.4f}, "
        f"{gdf.geometry[42].bounds[2]:.4f}, {gdf.geometry[42].bounds[3]:.4f})",
    ]
