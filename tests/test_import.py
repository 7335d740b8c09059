"""Import: GBK shapefiles, GCJ-02 GeoJSON, EPSG:4549 GeoPackages, and broken files that change nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from geoapp.catalog import load_catalog
from geoapp.cli import main
from geoapp.coords import to_crs, to_metric
from geoapp.export import export
from geoapp.importing import ImportFailed, apply_import, prepare_import

NOW = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)


def snapshot(data: Path) -> dict[str, bytes]:
    """Every file under the data directory, by relative path (the store has its own tests)."""
    return {
        str(p.relative_to(data)): p.read_bytes()
        for p in sorted(data.rglob("*"))
        if p.is_file() and not p.name.startswith("store.sqlite")
    }


def layer_frame(data: Path, layer: str) -> gpd.GeoDataFrame:
    """A layer file as GIS software would read it."""
    return pyogrio.read_dataframe(data / "geojson" / f"{layer}.geojson")


@pytest.fixture
def before(tiny):
    """The tiny dataset's bytes before the test."""
    return snapshot(tiny[0])


def test_gbk_shapefile_with_cpg_in_epsg4549(tiny, tmp_path, before):
    data, layers = tiny
    gdf = layer_frame(data, "urban_villages")
    gdf.loc[gdf["id"] == "uv-b", "name"] = "乙村区块（二期）"
    gdf = gdf.rename(columns=lambda c: c[:10])  # as GIS software cuts names for a .dbf
    shp = tmp_path / "villages.shp"
    pyogrio.write_dataframe(gdf.to_crs("EPSG:4549"), shp, encoding="GBK")
    assert shp.with_suffix(".cpg").read_text() == "GBK"
    assert "乙村".encode("gbk") in shp.with_suffix(".dbf").read_bytes()

    result = prepare_import(shp, "urban_villages", data, layers)
    assert result.ok and "villages.shp: text read as GBK" in result.notes
    assert "field 'location_c' read as 'location_confidence'" in result.notes
    assert (result.diff.added, result.diff.removed, result.diff.unchanged) == ([], [], 1)
    (change,) = result.diff.changed
    assert (change.id, change.geometry, change.fields) == (
        "uv-b", False, {"name": ("乙村区块", "乙村区块（二期）")},
    )  # fmt: skip
    assert snapshot(data) == before  # preparing writes nothing

    history = apply_import(result, now=NOW)
    assert history == data / "geojson" / "history" / "urban_villages.20240501T080000Z.geojson"
    assert history.read_bytes() == before["geojson/urban_villages.geojson"]
    catalog = load_catalog(data, layers)
    names = dict(
        zip(
            catalog.layers["urban_villages"]["id"],
            catalog.layers["urban_villages"]["name"],
            strict=True,
        )
    )
    assert names == {"uv-a": "甲村区块", "uv-b": "乙村区块（二期）"}
    changed = {k for k, v in snapshot(data).items() if before.get(k) != v}
    assert changed == {
        "geojson/urban_villages.geojson",
        "geojson/history/urban_villages.20240501T080000Z.geojson",
    }
    assert not list((data / "geojson").glob(".*"))  # no temporary file left behind


def test_gbk_shapefile_without_cpg_needs_the_encoding(tiny, tmp_path, before):
    data, layers = tiny
    shp = tmp_path / "villages.shp"
    gdf = layer_frame(data, "urban_villages").rename(columns=lambda c: c[:10])
    pyogrio.write_dataframe(gdf, shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()
    with pytest.raises(ImportFailed, match=r"villages\.dbf: text is not UTF-8 .* --encoding GBK"):
        prepare_import(shp, "urban_villages", data, layers)
    result = prepare_import(shp, "urban_villages", data, layers, encoding="GBK")
    assert result.ok and result.diff.changed == [] and result.diff.unchanged == 2
    assert snapshot(data) == before


def test_gcj02_geojson(tiny, tmp_path, before):
    data, layers = tiny
    gcj = to_crs(layer_frame(data, "parks"), "EPSG:4326", "gcj02")
    path = tmp_path / "parks_amap.geojson"
    pyogrio.write_dataframe(gcj.set_crs("EPSG:4326", allow_override=True), path)
    result = prepare_import(path, "parks", data, layers, src_crs="gcj02")
    assert result.ok and result.diff.changed == [] and result.diff.unchanged == 1
    assert "parks_amap.geojson: reprojected from gcj02 to WGS84" in result.notes
    # without --src-crs every shape would move by the GCJ-02 offset: refused
    plain = prepare_import(path, "parks", data, layers)
    (problem,) = plain.problems
    assert re.fullmatch(
        r"parks_amap\.geojson: feature 'park-a': moved \d+ m, about the GCJ-02 \(高德 / 腾讯\) "
        r"offset: it looks traced on that map; say --feature-crs park-a=gcj02 \(or --src-crs "
        r"gcj02 if the whole file is\)",
        str(problem),
    )
    assert snapshot(data) == before


def test_epsg4549_geopackage_with_moved_geometry(tiny, tmp_path, before):
    data, layers = tiny
    gdf = layer_frame(data, "ring_roads")
    moved = LineString([(120.00, 28.90), (120.01, 28.907), (120.02, 28.905)])
    gdf.loc[gdf["id"] == "road-a", "geometry"] = moved
    gpkg = tmp_path / "roads.gpkg"
    pyogrio.write_dataframe(gdf.to_crs("EPSG:4549"), gpkg, layer="ring_roads")
    pyogrio.write_dataframe(gdf.iloc[:0], gpkg, layer="scratch")  # another layer: ours is chosen
    result = prepare_import(gpkg, "ring_roads", data, layers)
    assert result.ok and "roads.gpkg: reprojected from EPSG:4549 to WGS84" in result.notes
    assert [(c.id, c.geometry, c.fields) for c in result.diff.changed] == [("road-a", True, {})]
    apply_import(result, now=NOW)
    road = load_catalog(data, layers).layers["ring_roads"].geometry.iloc[0]
    assert to_metric(road).hausdorff_distance(to_metric(moved)) < 0.01


def test_our_own_shapefile_zip_comes_back_unchanged(tiny, tmp_path, before):
    data, layers = tiny
    out = export(load_catalog(data, layers), "all", "shp", "EPSG:4549", tmp_path / "all.shp.zip")
    for layer in ("zones", "parks", "ring_roads", "urban_villages", "boundary"):
        result = prepare_import(out, layer, data, layers)
        assert result.ok and result.diff.empty, (layer, result.problems, result.diff)
    assert snapshot(data) == before


def _write(tmp_path: Path, gdf: gpd.GeoDataFrame, name: str) -> Path:
    path = tmp_path / name
    pyogrio.write_dataframe(gdf, path)
    return path


def _parks(data: Path) -> gpd.GeoDataFrame:
    return layer_frame(data, "parks")


BOWTIE = Polygon([(120.030, 28.900), (120.032, 28.902), (120.032, 28.900), (120.030, 28.902)])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda g: g.assign(geometry=[Point(120.031, 28.901)]),
            "geometry type Point is not allowed",
        ),
        (lambda g: g.assign(geometry=[BOWTIE]), "invalid geometry: Self-intersection"),
        (lambda g: g.assign(colour="green"), "unknown field 'colour'"),
        (lambda g: g.assign(park_type="castle"), "field 'park_type' has value 'castle'"),
        (lambda g: g.assign(name=None), "missing required field 'name'"),
        (
            lambda g: g.assign(geometry=[shapely.affinity.translate(g.geometry[0], 3)]),
            "lies outside Yongkang",
        ),
    ],
)
def test_broken_files_give_problems_and_change_nothing(tiny, tmp_path, before, make, message):
    data, layers = tiny
    path = _write(tmp_path, make(_parks(data)), "parks.gpkg")
    result = prepare_import(path, "parks", data, layers)
    assert not result.ok
    assert any(p.file == "parks.gpkg" and message in p.message for p in result.problems), (
        result.problems
    )
    with pytest.raises(ImportFailed, match="not applied"):
        apply_import(result)
    assert snapshot(data) == before


def test_removing_a_feature_a_project_points_at_is_caught(tiny, tmp_path, before):
    data, layers = tiny
    gdf = layer_frame(data, "urban_villages")
    path = _write(tmp_path, gdf[gdf["id"] == "uv-a"], "villages.geojson")
    result = prepare_import(path, "urban_villages", data, layers)
    assert result.diff.removed == ["uv-b"]
    assert [str(p) for p in result.problems] == [
        "projects.csv: row 'uv-b': points at feature 'uv-b', which is not in layer 'urban_villages'"
    ]
    assert snapshot(data) == before


def test_shapefile_without_prj(tiny, tmp_path, before):
    data, layers = tiny
    shp = _write(
        tmp_path, _parks(data).to_crs("EPSG:4549").rename(columns=lambda c: c[:10]), "parks.shp"
    )
    shp.with_suffix(".prj").unlink()
    with pytest.raises(ImportFailed, match=r"parks\.shp has no \.prj file.*--src-crs"):
        prepare_import(shp, "parks", data, layers)
    assert prepare_import(shp, "parks", data, layers, src_crs="EPSG:4549").diff.unchanged == 1
    assert snapshot(data) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.gpkg", "parks", None), "missing.gpkg: file not found"),
        (("nocrs.gpkg", "parks", None), "nocrs.gpkg has no CRS; say --src-crs"),
        (("nocrs.gpkg", "lakes", None), "unknown layer 'lakes'"),
        (("nocrs.gpkg", "parks", "mercator"), "--src-crs: unrecognised CRS 'mercator'"),
        (("notes.txt", "parks", None), "notes.txt: cannot be read"),
    ],
)
def test_unreadable_inputs_say_why(tiny, tmp_path, before, args, message):
    data, layers = tiny
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # the point of the file
        _write(tmp_path, _parks(data).set_crs(None, allow_override=True), "nocrs.gpkg")
    (tmp_path / "notes.txt").write_text("甲公园\n", "utf-8")
    name, layer, src = args
    with pytest.raises(ImportFailed, match=message.replace(".", r"\.").replace("(", r"\(")):
        prepare_import(tmp_path / name, layer, data, layers, src_crs=src)
    assert snapshot(data) == before


def test_cli_dry_run_apply_and_errors(tiny, tmp_path, before, capsys):
    data, layers = tiny
    gdf = _parks(data)
    gdf["name"] = "甲公园（扩建）"
    path = _write(tmp_path, gdf.to_crs("EPSG:4549"), "parks.gpkg")
    dirs = ["--data", str(data), "--layers", str(layers)]
    assert main(["import", str(path), "--layer", "parks", *dirs]) == 0
    out = capsys.readouterr().out
    assert "park-a: name: '甲公园' → '甲公园（扩建）'" in out and "dry run: nothing written" in out
    assert snapshot(data) == before
    assert main(["import", str(path), "--layer", "parks", "--apply", *dirs]) == 0
    assert "previous version kept as" in capsys.readouterr().out
    assert load_catalog(data, layers).layers["parks"]["name"].tolist() == ["甲公园（扩建）"]
    after = snapshot(data)
    bad = _write(tmp_path, gdf.assign(geometry=[BOWTIE]), "bad.gpkg")
    assert main(["import", str(bad), "--layer", "parks", "--apply", *dirs]) == 1
    assert main(["import", str(tmp_path / "nope.shp"), "--layer", "parks", *dirs]) == 1
    err = capsys.readouterr().err
    assert "error: bad.gpkg: feature 'park-a': invalid geometry" in err
    assert "1 problem(s): nothing written" in err and "nope.shp: file not found" in err
    assert "Traceback" not in err
    assert snapshot(data) == after
