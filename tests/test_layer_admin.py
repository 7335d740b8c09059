"""`geoapp layer add` / `geoapp layer remove`: a layer from a GIS file, everywhere, without code."""

from __future__ import annotations

import json
import tomllib

import mapbox_vector_tile
import morecantile
import pyogrio
import pytest
import shapely

from geoapp.catalog import load_catalog
from geoapp.cli import main
from geoapp.web import create_app
from tests.conftest import write_parcels_gpkg

TMS = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture
def gpkg(tiny, tmp_path):
    """A GeoPackage of 40 parcels in EPSG:4549, as GIS staff would bring it (no id column)."""
    return write_parcels_gpkg(tiny[0], tmp_path / "kg_parcels.gpkg")


def add(tiny, path, *extra) -> int:
    data, layers = tiny
    return main(["layer", "add", str(path), "--id", "parcels", "--title-zh", "控规地块",
                 "--title-en", "Regulatory parcels", "--data", str(data), "--layers",
                 str(layers), *extra])  # fmt: skip


def test_add_proposes_a_definition_and_writes_both_files(tiny, gpkg, capsys):
    data, layers = tiny
    assert add(tiny, gpkg) == 0
    out = capsys.readouterr().out
    assert "note: kg_parcels.gpkg: reprojected from EPSG:4549 to WGS84" in out
    assert "note: the file has no 'id' field: ids parcels-000001 … were given in file order" in out
    raw = tomllib.loads((layers / "parcels.toml").read_text("utf-8"))
    assert raw["id"] == "parcels" and raw["title"] == {"zh": "控规地块", "en": "Regulatory parcels"}
    assert raw["geometry_types"] == ["MultiPolygon", "Polygon"]
    assert raw["style"]["kind"] == "polygon" and raw["has_status"] is False
    fields = {f["name"]: f for f in raw["fields"]}
    assert fields["land_use"]["type"] == "str"
    assert fields["land_use"]["values"] == ["A", "B", "G", "M", "R"]
    assert (fields["floors"]["type"], fields["far"]["type"]) == ("int", "float")
    assert raw["popup"] == ["name", "land_use", "floors", "far", "accuracy", "geometry_source"]
    catalog = load_catalog(data, layers)
    parcels = catalog.layers["parcels"]
    assert parcels["id"].tolist()[:2] == ["parcels-000001", "parcels-000002"]
    assert parcels["name"].tolist()[0] == "地块0000001"
    assert set(parcels["accuracy"]) == {"schematic"}
    assert set(parcels["geometry_source"]) == {
        "导入自 kg_parcels.gpkg / imported from kg_parcels.gpkg"
    }
    assert parcels["floors"].tolist()[:7] == [1, 2, 3, 4, 5, 6, 1]


def test_the_new_layer_is_in_map_api_ogc_exports_and_tiles(tiny, gpkg):
    data, layers = tiny
    assert add(tiny, gpkg) == 0
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers),
                      "BASEMAP": "none"})  # fmt: skip
    client = app.test_client()
    assert "parcels" in [lyr["id"] for lyr in client.get("/api/layers").json["layers"]]
    assert "控规地块" in client.get("/").get_data(as_text=True)
    items = client.get("/ogc/collections/parcels/items?limit=100&f=json").json
    assert items["numberMatched"] == 40
    export = client.get("/export/parcels.geojson")
    assert export.status_code == 200 and len(json.loads(export.data)["features"]) == 40
    first = shapely.geometry.shape(items["features"][0]["geometry"]).representative_point()
    t = TMS.tile(first.x, first.y, 16)
    tile = client.get(f"/ogc/collections/parcels/tiles/WebMercatorQuad/16/{t.y}/{t.x}")
    ids = [
        f["properties"]["id"] for f in mapbox_vector_tile.decode(tile.data)["parcels"]["features"]
    ]
    assert items["features"][0]["id"] in ids


def test_a_file_that_does_not_validate_writes_nothing(tiny, gpkg, tmp_path, capsys):
    data, layers = tiny
    gdf = pyogrio.read_dataframe(gpkg).to_crs("EPSG:4326")
    gdf.loc[3, "geometry"] = shapely.affinity.translate(gdf.geometry[3], xoff=1.0)
    bad = tmp_path / "bad.geojson"
    pyogrio.write_dataframe(gdf, bad)
    before = sorted(p.name for p in (data / "geojson").iterdir())
    assert add(tiny, bad) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(
        "error: parcels.geojson: feature 'parcels-000004': lies outside Yongkang"
    )
    assert err[-1] == f"error: {bad}: 1 problem(s): nothing written"
    assert sorted(p.name for p in (data / "geojson").iterdir()) == before
    assert not (layers / "parcels.toml").exists()


def test_an_existing_id_or_a_bad_id_is_refused(tiny, gpkg, capsys):
    data, layers = tiny
    assert main(["layer", "add", str(gpkg), "--id", "parks", "--title-zh", "x", "--title-en", "x",
                 "--data", str(data), "--layers", str(layers)]) == 1  # fmt: skip
    assert capsys.readouterr().err == (
        f"error: {gpkg}: {layers / 'parks.toml'}: a layer 'parks' exists already\n"
    )
    assert main(["layer", "add", str(gpkg), "--id", "地块", "--title-zh", "x", "--title-en", "x",
                 "--data", str(data), "--layers", str(layers)]) == 1  # fmt: skip
    assert "is not an ASCII slug" in capsys.readouterr().err


def test_remove_keeps_the_files_in_history(tiny, gpkg, capsys):
    data, layers = tiny
    assert add(tiny, gpkg) == 0
    text = (data / "geojson" / "parcels.geojson").read_text("utf-8")
    capsys.readouterr()
    assert main(["layer", "remove", "parcels", "--data", str(data), "--layers", str(layers)]) == 0
    assert capsys.readouterr().out.startswith("removed layer 'parcels'; kept as ")
    assert "parcels" not in load_catalog(data, layers).defs
    [kept] = (data / "geojson" / "history").glob("parcels.*.geojson")
    assert kept.read_text("utf-8") == text
    assert len(list((layers / "history").glob("parcels.*.toml"))) == 1


def test_remove_refuses_a_layer_the_registry_points_at(tiny, capsys):
    data, layers = tiny
    assert main(["layer", "remove", "urban_villages", "--data", str(data),
                 "--layers", str(layers)]) == 1  # fmt: skip
    assert capsys.readouterr().err == (
        "error: the registry still points at layer 'urban_villages' (projects.csv: row 'uv-a'; "
        "projects.csv: row 'uv-b'; indicators.csv: row 'uv-2020'): move or remove those rows "
        "first; nothing was removed\n"
    )
    assert (layers / "urban_villages.toml").exists()
