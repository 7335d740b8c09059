"""Import as GIS staff meet it: export, edit with GDAL/QGIS, send back — and every way it goes wrong.

Each test follows one finding of issue 13: a message naming file, feature and what to do instead
of a traceback; GDAL's shortened field names; mojibake; limits; permissions; features traced on
高德/百度 maps; the per-feature diff.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon

from geoapp.catalog import load_catalog
from geoapp.cli import main
from geoapp.coords import to_crs, transform_geometry
from geoapp.export import export
from geoapp.importing import ImportFailed, ImportLimits, ImportOptions, prepare_import

from .test_import import layer_frame, snapshot


@pytest.fixture
def before(tiny):
    """The tiny dataset's bytes before the test."""
    return snapshot(tiny[0])


def run(tiny, *args: str) -> int:
    """``geoapp import`` on the tiny dataset."""
    data, layers = tiny
    return main(["import", *args, "--data", str(data), "--layers", str(layers)])


def messages(err: str) -> str:
    """stderr without the progress lines ('[  0.1 s] reading …')."""
    return "".join(line for line in err.splitlines(keepends=True) if not line.startswith("["))


def write_shp(gdf: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    """Write a shapefile as GDAL does (it cuts field names to 10 characters, with a warning)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Normalized/laundered field name", RuntimeWarning)
        warnings.filterwarnings("ignore", "One or several characters couldn't", RuntimeWarning)
        pyogrio.write_dataframe(gdf, path, **kwargs)
    return path


# --------------------------------------------------------------------------- no tracebacks


def test_feature_added_in_qgis_without_id(tiny, tmp_path, before, capsys):
    data, _ = tiny
    gdf = layer_frame(data, "parks")
    new = gdf.assign(id=None, name="新公园", geometry=gdf.geometry.translate(0.004))
    path = tmp_path / "parks.gpkg"
    pyogrio.write_dataframe(pd.concat([gdf, new], ignore_index=True), path)
    assert run(tiny, str(path), "--layer", "parks") == 1
    out, err = capsys.readouterr()
    assert "added (0): -" in out and "unchanged: 1" in out
    assert "error: parks.gpkg: feature '#2': has no 'id' (features need a stable ASCII id)" in err
    assert "Traceback" not in err
    assert snapshot(data) == before


def test_unclosed_ring(tiny, tmp_path, before, capsys):
    data, _ = tiny
    fc = json.loads((data / "geojson" / "parks.geojson").read_text("utf-8"))
    fc["features"][0]["geometry"]["coordinates"][0].pop()  # the closing point
    path = tmp_path / "parks.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    assert run(tiny, str(path), "--layer", "parks") == 1
    err = messages(capsys.readouterr().err)
    assert err.startswith("error: parks.geojson: feature 'park-a': broken geometry (")
    assert "a polygon ring must end where it starts" in err and "Fix Geometries" in err
    assert snapshot(data) == before


def _metres(data: Path, layer: str = "parks") -> gpd.GeoDataFrame:
    return layer_frame(data, layer).to_crs("EPSG:4549")


def test_zone_prefixed_eastings_under_a_4549_prj(tiny, tmp_path, before, capsys):
    data, _ = tiny
    gdf = _metres(data)
    gdf["geometry"] = gdf.geometry.translate(40_000_000)  # the zone number written in front
    shp = write_shp(gdf, tmp_path / "parks.shp")
    assert "CGCS2000_3_Degree_GK_CM_120E" in shp.with_suffix(".prj").read_text()
    assert run(tiny, str(shp), "--layer", "parks") == 1
    err = messages(capsys.readouterr().err)
    assert err == (
        f"error: parks.shp: feature 'park-a': eastings carry the zone prefix 40 "
        f"(x = {shapely.get_coordinates(gdf.geometry[0])[0][0]:.0f}) but EPSG:4549 has none; "
        "say --src-crs EPSG:4528 (CGCS2000 3-degree zone 40 with prefix)\n"
    )
    result = prepare_import(shp, "parks", data, tiny[1], src_crs="EPSG:4528")
    assert result.ok and result.diff.empty
    assert snapshot(data) == before


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda g: g.set_geometry(shapely.transform(g.geometry.values, lambda c: c[:, ::-1])),
            r"x and y are swapped \(x = 3\.\d+e\+06 holds the northing\): write x = easting, "
            r"y = northing",
        ),
        (
            lambda g: g.set_geometry(to_crs(g, "EPSG:4549", "EPSG:4326").geometry.values),
            r"coordinates \(120\.03000, 28\.90000\) are degrees but EPSG:4549 is metres; say "
            r"--src-crs EPSG:4326 \(or EPSG:4490\)",
        ),
    ],
    ids=["swapped", "degrees-in-metres"],
)
def test_coordinates_named_for_what_they_are(tiny, tmp_path, before, make, message):
    data, layers = tiny
    shp = write_shp(
        make(_metres(data)).set_crs("EPSG:4549", allow_override=True), tmp_path / "p.shp"
    )
    with pytest.raises(ImportFailed, match=rf"^p\.shp: feature 'park-a': {message}$"):
        prepare_import(shp, "parks", data, layers)
    assert snapshot(data) == before


def test_metres_in_a_geojson(tiny, tmp_path, before):
    data, layers = tiny
    path = tmp_path / "parks.geojson"
    gdf = _metres(data)
    path.write_text(json.dumps(gdf.__geo_interface__), "utf-8")  # no "crs": read as WGS84
    with pytest.raises(
        ImportFailed, match=r"are metres but EPSG:4326 is degrees; say --src-crs EPSG:4549$"
    ):
        prepare_import(path, "parks", data, layers)
    assert prepare_import(path, "parks", data, layers, src_crs="EPSG:4549").diff.empty
    assert snapshot(data) == before


def test_cpg_saying_utf8_over_gbk_text(tiny, tmp_path, before, capsys):
    data, _ = tiny
    gdf = layer_frame(data, "urban_villages")
    shp = write_shp(gdf, tmp_path / "villages.shp", encoding="GBK")
    shp.with_suffix(".cpg").write_text("UTF-8")
    assert run(tiny, str(shp), "--layer", "urban_villages") == 1
    assert messages(capsys.readouterr().err) == (
        "error: villages.dbf: feature 'uv-a': text is not UTF-8 although villages.cpg says so; "
        "it is probably GBK: say --encoding GBK (or correct the .cpg)\n"
    )
    assert run(tiny, str(shp), "--layer", "urban_villages", "--encoding", "GBK") == 0
    assert "unchanged: 2" in capsys.readouterr().out
    assert snapshot(data) == before


# --------------------------------------------------------------------------- names and text


def test_shapefile_gdal_wrote_from_our_geopackage(tiny, tmp_path, before, capsys):
    data, layers = tiny
    gpkg = export(load_catalog(data, layers), "urban_villages", "gpkg", "EPSG:4549",
                  tmp_path / "urban_villages_4549.gpkg")  # fmt: skip
    shp = write_shp(pyogrio.read_dataframe(gpkg, layer="urban_villages"), tmp_path / "villages.shp")
    columns = pyogrio.read_info(shp)["fields"].tolist()
    assert {"project_na", "project__1", "status_dat", "location_c"} <= set(columns)
    assert run(tiny, str(shp), "--layer", "urban_villages") == 0
    out = capsys.readouterr().out
    assert "note: field 'project__1' read as 'project_name_en'" in out
    assert "note: field 'location_c' read as 'location_confidence'" in out
    assert (
        "note: ignored registry columns (project_id, project_name, project_name_en, status, "
        "status_date, target_status, target_year, source, source_date, quote): status is "
        "edited in the registry"
    ) in out
    assert "changed (0): -" in out and "unchanged: 2" in out
    assert snapshot(data) == before


def test_latin1_shapefile_destroyed_the_names(tiny, tmp_path, before, capsys):
    data, _ = tiny
    shp = write_shp(layer_frame(data, "urban_villages"), tmp_path / "v.shp", encoding="ISO-8859-1")
    assert "????" in pyogrio.read_dataframe(shp)["name"][0]
    assert run(tiny, str(shp), "--layer", "urban_villages") == 1
    err = messages(capsys.readouterr().err)
    assert err == (
        "error: v.shp: 4 text value(s) are garbled, e.g. feature 'uv-a' field 'name' = '????': "
        "the Chinese characters were replaced by ? (the file was saved in an encoding without "
        "them); nothing imported: export the layer again as GeoPackage, or as a shapefile with "
        "encoding UTF-8 (QGIS: Export → Save Features As… → Encoding UTF-8)\n"
    )
    assert snapshot(data) == before


def test_utf8_text_read_as_latin1(tiny, tmp_path, before, capsys):
    data, _ = tiny
    shp = write_shp(layer_frame(data, "urban_villages"), tmp_path / "v.shp", encoding="UTF-8")
    shp.with_suffix(".cpg").write_text("ISO-8859-1")
    assert run(tiny, str(shp), "--layer", "urban_villages") == 1
    assert (
        'UTF-8 text read as Latin-1 (it reads "甲村区块"); nothing imported: say --encoding UTF-8'
        in (capsys.readouterr().err)
    )
    assert run(tiny, str(shp), "--layer", "urban_villages", "--encoding", "UTF-8") == 0
    assert snapshot(data) == before


# --------------------------------------------------------------------------- limits, progress


def _claim_size(path: Path, size: int) -> None:
    """Make a zip's central directory claim ``size`` uncompressed bytes for its last member,
    as a zip bomb's listing does (the data itself stays small)."""
    raw = bytearray(path.read_bytes())
    at = raw.rindex(b"PK\x01\x02")
    raw[at + 24 : at + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(raw))


def test_zip_bomb_refused_before_extraction(tiny, tmp_path, before, capsys, monkeypatch):
    data, layers = tiny
    out = export(load_catalog(data, layers), "parks", "shp", "EPSG:4549", tmp_path / "p.shp.zip")
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("padding.bin", b"\0" * 1024)
    _claim_size(out, 0xF000_0000)  # 3.75 GiB
    extracted = []
    monkeypatch.setattr(zipfile.ZipFile, "extract", lambda *a, **k: extracted.append(a))
    assert run(tiny, str(out), "--layer", "parks") == 1
    assert messages(capsys.readouterr().err) == (
        "error: p.shp.zip: 3.8 GiB uncompressed, more than the import limit of 200.0 MiB; "
        "split the file or raise IMPORT_MAX_BYTES\n"
    )
    assert extracted == [] and snapshot(data) == before


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"GEOAPP_IMPORT_MAX_FEATURES": "1"},
            "v.gpkg: 2 features, more than the import limit of 1; split the layer or raise "
            "IMPORT_MAX_FEATURES",
        ),
        (
            {"GEOAPP_IMPORT_MAX_VERTICES": "9"},
            "v.gpkg: 10 vertices, more than the import limit of 9; simplify the shapes or raise "
            "IMPORT_MAX_VERTICES",
        ),
        (
            {"GEOAPP_IMPORT_MAX_BYTES": "1000"},
            "v.gpkg: 9",
        ),
    ],
)
def test_configured_limits(tiny, tmp_path, before, capsys, monkeypatch, env, message):
    data, _ = tiny
    path = tmp_path / "v.gpkg"
    pyogrio.write_dataframe(layer_frame(data, "urban_villages"), path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert run(tiny, str(path), "--layer", "urban_villages") == 1
    err = messages(capsys.readouterr().err)
    assert err.startswith(f"error: {message}") and "import limit" in err
    assert snapshot(data) == before


def test_long_import_shows_progress(tiny, tmp_path, capsys):
    data, _ = tiny
    path = tmp_path / "v.gpkg"
    pyogrio.write_dataframe(layer_frame(data, "urban_villages"), path)
    assert run(tiny, str(path), "--layer", "urban_villages") == 0
    steps = [line.split("] ", 1)[1] for line in capsys.readouterr().err.splitlines()]
    assert steps == [
        "reading v.gpkg…",
        "reprojecting 2 features (10 vertices)…",
        "checking 2 features…",
        "checking the whole catalog with the new layer…",
    ]


def test_limits_from_config():
    cfg = {"IMPORT_MAX_BYTES": "10", "IMPORT_MAX_FEATURES": 2, "IMPORT_MAX_VERTICES": 3}
    assert ImportLimits.from_config(cfg) == ImportLimits(10, 2, 3)
    assert ImportLimits.from_config({}) == ImportLimits()


# --------------------------------------------------------------------------- files


def test_written_files_keep_their_permissions(tiny, tmp_path):
    data, layers = tiny
    target = data / "geojson" / "parks.geojson"
    target.chmod(0o644)
    (data / "projects.csv").chmod(0o640)
    (data / "status_history.csv").chmod(0o664)
    gdf = layer_frame(data, "parks").assign(name="甲公园（扩建）")
    path = tmp_path / "parks.gpkg"
    pyogrio.write_dataframe(gdf, path)
    assert run(tiny, str(path), "--layer", "parks", "--apply") == 0
    modes = {
        p: stat.S_IMODE(os.stat(data / p).st_mode)
        for p in ("geojson/parks.geojson", "projects.csv", "status_history.csv")
    }
    assert modes == {
        "geojson/parks.geojson": 0o644,
        "projects.csv": 0o640,
        "status_history.csv": 0o664,
    }
    history = next((data / "geojson" / "history").glob("parks.*.geojson"))
    assert stat.S_IMODE(history.stat().st_mode) == 0o644  # the copy keeps the old file's mode


# --------------------------------------------------------------------------- web-map offsets


def _redrawn_on_amap(data: Path, fid: str, pseudo: str = "gcj02") -> gpd.GeoDataFrame:
    """The layer in WGS84 with one feature redrawn on a web map (its offset, a vertex nudged)."""
    gdf = layer_frame(data, "urban_villages")
    i = gdf.index[gdf["id"] == fid][0]
    traced = transform_geometry(gdf.geometry[i], "EPSG:4326", pseudo)
    coords = shapely.get_coordinates(traced)
    coords[1] += (0.00003, 0.00002)  # a few metres: redrawn, not converted
    gdf.loc[i, "geometry"] = Polygon(coords)
    return gdf


def test_one_feature_redrawn_on_amap_inside_a_wgs84_file(tiny, tmp_path, before, capsys):
    data, layers = tiny
    path = tmp_path / "villages.geojson"
    pyogrio.write_dataframe(_redrawn_on_amap(data, "uv-b"), path)
    assert run(tiny, str(path), "--layer", "urban_villages") == 1
    out, err = capsys.readouterr()
    assert "  uv-b: moved 55" in out  # the diff says how far
    assert ("error: villages.geojson: feature 'uv-b': moved 55") in err and (
        " m, about the GCJ-02 (高德 / 腾讯) offset: it looks traced on that map; say "
        "--feature-crs uv-b=gcj02 (or --src-crs gcj02 if the whole file is)\n"
    ) in err
    assert "uv-a" not in err
    # the whole file as GCJ-02 moves the untouched feature instead: flagged the other way
    assert run(tiny, str(path), "--layer", "urban_villages", "--src-crs", "gcj02") == 1
    err = capsys.readouterr().err
    assert (
        "feature 'uv-a': moved 55" in err
        and "back by the GCJ-02 (高德 / 腾讯) offset, while "
        "the other features stay: it was already WGS84 in the file"
        in err
    )
    assert "feature 'uv-b'" not in err
    # just that feature converted: it comes in a few metres from where it was
    result = prepare_import(
        path, "urban_villages", data, layers, options=ImportOptions(feature_crs={"uv-b": "gcj02"})
    )
    assert result.ok and "feature 'uv-b' converted from gcj02 to WGS84" in result.notes
    (change,) = result.diff.changed
    assert change.id == "uv-b" and 1 < change.moved_m < 6
    assert snapshot(data) == before


def test_one_feature_traced_on_baidu(tiny, tmp_path, before):
    data, layers = tiny
    path = tmp_path / "villages.gpkg"
    pyogrio.write_dataframe(_redrawn_on_amap(data, "uv-a", "bd09"), path)
    (problem,) = prepare_import(path, "urban_villages", data, layers).problems
    assert problem.feature == "uv-a" and problem.message.endswith(
        "m, about the BD-09 (百度) offset: it looks traced on that map; say --feature-crs "
        "uv-a=bd09 (or --src-crs bd09 if the whole file is)"
    )
    assert snapshot(data) == before


# --------------------------------------------------------------------------- the diff


def test_diff_says_how_far_and_warns_when_still_schematic(tiny, tmp_path, capsys):
    data, _ = tiny
    gdf = layer_frame(data, "urban_villages")
    gdf["geometry"] = gdf.geometry.translate(0.001)  # about 97 m east
    gdf.loc[gdf["id"] == "uv-b", ["accuracy", "geometry_source"]] = ["surveyed", "2024 测绘成果"]
    path = tmp_path / "v.gpkg"
    pyogrio.write_dataframe(gdf, path)
    assert run(tiny, str(path), "--layer", "urban_villages") == 0
    out = capsys.readouterr().out
    assert "  uv-a: moved 97.5 m; accuracy schematic (unchanged)\n" in out
    assert (
        "  uv-b: moved 97.5 m; accuracy: 'schematic' → 'surveyed'; "
        "geometry_source: '测试 / test' → '2024 测绘成果'\n"
    ) in out
    assert (
        "warning: v.gpkg: feature 'uv-a' moved 97.5 m but its accuracy is still 'schematic': "
        "set accuracy (surveyed / approximate) and geometry_source to say where the shape "
        "comes from\n"
    ) in out
    assert "feature 'uv-b' moved" not in out


def test_ids_that_are_not_text(tiny, tmp_path, before):
    """Found by the fuzz test: a file whose ids are all true/false crashed the loader."""
    data, layers = tiny
    fc = json.loads((data / "geojson" / "parks.geojson").read_text("utf-8"))
    fc["features"][0]["properties"]["id"] = True
    path = tmp_path / "parks.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    result = prepare_import(path, "parks", data, layers)
    assert [str(p) for p in result.problems] == [
        "parks.geojson: feature '#1': has no 'id' (features need a stable ASCII id)",
        "parks.geojson: feature 'True': field 'id' should be str, got True",
    ]
    assert snapshot(data) == before
