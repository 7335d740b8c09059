"""Exports: every format × CRS round-trips through GDAL; styles, README and the QGIS project."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geoapp.catalog import load_catalog
from geoapp.cli import main
from geoapp.coords import to_metric
from geoapp.errors import NotFound
from geoapp.export import (
    EXPORTERS,
    ExportError,
    dbf_text,
    export,
    export_columns,
    export_frame,
    layer_qml,
    shapefile_field_names,
)
from geoapp.status import STATUS

CRSS = ("EPSG:4326", "EPSG:4490", "EPSG:4549")
FORMATS = ("gpkg", "shp", "geojson", "kml", "csv")
CASES = [(f, c) for f in FORMATS for c in CRSS if c in EXPORTERS[f].crss]


@pytest.fixture
def catalog(tiny):
    """The tiny dataset's catalog."""
    return load_catalog(*tiny)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _unzip(path: Path, where: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        zf.extractall(where)
    return where


def read_back(path: Path, fmt: str, layer: str, tmp: Path, catalog) -> gpd.GeoDataFrame:
    """A written layer read with pyogrio: our column names, WGS84, one row per feature."""
    if fmt == "gpkg":
        gdf = pyogrio.read_dataframe(path, layer=layer)
    elif fmt == "geojson":
        gdf = pyogrio.read_dataframe(path)
    elif fmt == "kml":
        title = catalog.defs[layer].title
        gdf = pyogrio.read_dataframe(path, layer=f"{title['zh']} {title['en']}")
        gdf = gdf.rename(columns={"Name": "name"})
    elif fmt == "csv":
        gdf = pyogrio.read_dataframe(_unzip(path, tmp) / f"{layer}.csv").drop(columns="WKT")
    else:
        folder = _unzip(path, tmp)
        parts = [pyogrio.read_dataframe(p) for p in sorted(folder.glob(f"{layer}*.shp"))]
        gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
        names = shapefile_field_names(export_columns(catalog.defs[layer]))
        gdf = gdf.rename(columns={v: k for k, v in names.items()})
    assert gdf.crs is not None
    return gdf.to_crs("EPSG:4326")


def _same_value(fmt: str, got, want) -> bool:
    if fmt == "shp" and isinstance(want, str):
        want = dbf_text(want)  # DBF text holds 254 bytes (test_shapefile_zip checks the cut)
    if _missing(want):
        # DBF and CSV have no null text: an absent value comes back empty
        return _missing(got) or (fmt in ("shp", "csv") and got == "")
    return got == want


@pytest.mark.parametrize(("fmt", "crs"), CASES)
def test_round_trip(catalog, tmp_path, fmt, crs):
    layers = ["parks"] if fmt == "geojson" else list(catalog.defs)
    target = layers[0] if fmt == "geojson" else "all"
    out = export(catalog, target, fmt, crs, tmp_path / f"out{EXPORTERS[fmt].extension}")
    for lid in layers:
        want = export_frame(catalog, lid)
        got = read_back(out, fmt, lid, tmp_path / lid, catalog).set_index("id").loc[want["id"]]
        assert len(got) == len(want) > 0
        d = to_metric(got.geometry.reset_index(drop=True)).hausdorff_distance(
            to_metric(want.geometry)
        )
        assert (d < 0.01).all(), (fmt, crs, lid, d.max())
        for col in export_columns(catalog.defs[lid])[1:]:
            if fmt == "kml" and _missing(want[col].iloc[0]) and col not in got.columns:
                continue  # KML leaves out a field no feature has
            pairs = zip(got[col], want[col], strict=True)
            assert all(_same_value(fmt, g, w) for g, w in pairs), (fmt, lid, col)
    assert "甲村区块" in set(export_frame(catalog, "urban_villages")["name"])


@pytest.mark.parametrize(("fmt", "crs"), [("geojson", "EPSG:4549"), ("kml", "EPSG:4490")])
def test_wgs84_only_formats_refuse_other_crs(catalog, tmp_path, fmt, crs):
    with pytest.raises(ExportError, match="WGS84 only") as exc:
        export(catalog, "parks", fmt, crs, tmp_path / "x")
    assert exc.value.param == "crs" and not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("target", "fmt", "crs", "param"),
    [
        ("nope", "gpkg", None, "layer"),
        ("parks", "xyz", None, "format"),
        ("parks", "gpkg", "EPSG:3857", "crs"),
        ("parks", "gpkg", "mercator", "crs"),
        ("all", "geojson", None, "layer"),
        ("parks", "qgz", None, "layer"),
    ],
)
def test_bad_requests_name_what_is_wrong(catalog, tmp_path, target, fmt, crs, param):
    with pytest.raises(ExportError) as exc:
        export(catalog, target, fmt, crs, tmp_path / "x")
    assert exc.value.param == param
    assert isinstance(exc.value, NotFound) == (target == "nope")


def test_shapefile_zip(bundled, tmp_path):
    out = export(bundled, "all", "shp", "EPSG:4549", tmp_path / "all.zip")
    names = set(zipfile.ZipFile(out).namelist())
    for stem in ("parks", "zones_polygon", "zones_line", "towns"):
        assert {
            f"{stem}{e}" for e in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml", ".sld")
        } <= names
    assert {"README.txt", "fields.csv"} <= names
    folder = _unzip(out, tmp_path / "shp")
    assert (folder / "parks.cpg").read_text() == "UTF-8"
    assert set(pyogrio.read_dataframe(folder / "zones_line.shp").geom_type) == {"LineString"}
    info = pyogrio.read_info(folder / "ring_roads.shp")
    assert info["crs"] == "EPSG:4549" and info["encoding"] == "UTF-8"
    assert all(len(f) <= 10 and f.isascii() for f in info["fields"])
    assert "loc_conf,location_confidence,位置可信度" in (folder / "fields.csv").read_text("utf-8")
    # DBF text holds 254 bytes: longer text is cut on a character boundary and says so
    full = bundled.layers["boundary"]["geometry_source"].iloc[0]
    cut = pyogrio.read_dataframe(folder / "boundary.shp")["geom_src"].iloc[0]
    assert len(full.encode()) > 254 >= len(cut.encode()) and cut.endswith("…")
    assert full.startswith(cut[:-1])


def test_geopackage_styles_and_readme(bundled, tmp_path):
    out = export(bundled, "all", "gpkg", "EPSG:4490", tmp_path / "all.gpkg")
    layers = dict(pyogrio.list_layers(out))
    assert set(bundled.defs) | {"zones_line", "layer_styles", "readme"} == set(layers)
    assert (layers["zones"], layers["zones_line"]) == ("MultiPolygon", "LineString")
    assert pyogrio.read_info(out, layer="parks")["crs"] == "EPSG:4490"
    styles = pyogrio.read_dataframe(out, layer="layer_styles", read_geometry=False)
    assert sorted(styles["f_table_name"]) == sorted([*bundled.defs, "zones_line"])
    assert styles["useAsDefault"].all() and set(styles["f_geometry_column"]) == {"geom"}
    for row in styles.to_dict("records"):
        qml, sld = ET.fromstring(row["styleQML"]), ET.fromstring(row["styleSLD"])
        assert qml.tag == "qgis" and sld.tag.endswith("StyledLayerDescriptor")
    with sqlite3.connect(out) as db:
        contents = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents"))
        columns = [r[1] for r in db.execute("PRAGMA table_info(layer_styles)")]
    assert contents["layer_styles"] == "attributes" and contents["parks"] == "features"
    assert {"id", "styleQML", "styleSLD", "useAsDefault", "update_time"} <= set(columns)
    readme = "\n".join(pyogrio.read_dataframe(out, layer="readme", read_geometry=False)["line"])
    for text in ("示意图形", "schematic", "谋划", "in service", bundled.version, "EPSG:4490"):
        assert text in readme


def test_qml_categorises_status_with_the_status_colours(bundled):
    root = ET.fromstring(layer_qml(bundled.defs["parks"]))
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "status"
    cats = {c.get("value"): c.get("symbol") for c in renderer.iter("category")}
    assert list(cats) == list(STATUS) + [""]
    symbols = {s.get("name"): s for s in renderer.find("symbols")}
    colour = symbols[cats["under_construction"]].find("layer/prop[@k='color']").get("v")
    hexa = STATUS["under_construction"].color
    assert colour.startswith(",".join(str(int(hexa[i : i + 2], 16)) for i in (1, 3, 5)) + ",")
    assert root.find("layerGeometryType").text == "2"
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    assert aliases["location_confidence"] == "位置可信度"
    towns = ET.fromstring(layer_qml(bundled.defs["towns"])).find("renderer-v2")
    assert towns.get("type") == "singleSymbol"
    zones = ET.fromstring(layer_qml(bundled.defs["zones"]))
    assert zones.find("renderer-v2").get("type") == "RuleRenderer"
    assert zones.find("layerGeometryType") is None  # mixed: applies to either sublayer


def test_every_download_carries_a_readme(catalog, tmp_path):
    gj = export(catalog, "parks", "geojson", None, tmp_path / "p.geojson")
    assert "示意图形" in pyogrio.read_info(gj)["layer_metadata"]["DESCRIPTION"]
    kml = ET.parse(export(catalog, "all", "kml", None, tmp_path / "a.kml")).getroot()
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert "谋划" in kml.find("k:Document/k:description", ns).text
    for fmt in ("csv", "shp", "qgis"):
        out = export(catalog, "all", fmt, "EPSG:4549", tmp_path / fmt)
        readme = [n for n in zipfile.ZipFile(out).namelist() if n.endswith("README.txt")]
        text = zipfile.ZipFile(out).read(readme[0]).decode("utf-8")
        assert "EPSG:4549" in text and catalog.version in text and "schematic" in text


def test_qgis_project(bundled, tmp_path):
    bundle = export(bundled, "all", "qgis", "EPSG:4549", tmp_path / "b.zip")
    assert sorted(zipfile.ZipFile(bundle).namelist()) == [
        "yongkang/README.txt", "yongkang/yongkang_4549.gpkg", "yongkang/yongkang_4549.qgz",
    ]  # fmt: skip
    qgz = export(bundled, "all", "qgz", "EPSG:4549", tmp_path / "yongkang_4549.qgz")
    root = ET.fromstring(zipfile.ZipFile(qgz).read("yongkang_4549.qgs"))
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:4549"
    sources = [m.find("datasource").text for m in root.iter("maplayer")]
    for lid in bundled.defs:
        assert f"./yongkang_4549.gpkg|layername={lid}" in sources
    assert "./yongkang_4549.gpkg|layername=zones_line" in sources
    assert any("type=xyz" in s and "tile.openstreetmap.org" in s for s in sources)
    ids = [m.find("id").text for m in root.iter("maplayer")]
    assert all(len(i) > 10 for i in ids)  # QGIS replaces ids of 10 characters or fewer
    tree = {g.get("name"): [n.get("id") for n in g] for g in root.find("layer-tree-group")}
    assert "yk_parks_polygon" in tree["规划项目 Plan projects"]
    assert tree["底图 Basemap"] == ["yk_osm_basemap"]
    assert root.find("properties/Paths/Absolute").text == "false"
    renderers = {m.find("id").text: m.find("renderer-v2").get("type") for m in root.iter("maplayer")
                 if m.get("type") == "vector"}  # fmt: skip
    assert renderers["yk_ring_roads_line"] == "categorizedSymbol"


def test_web_downloads(tiny_app):
    client = tiny_app.test_client()
    r = client.get("/export/parks.gpkg?crs=EPSG:4549")
    assert r.status_code == 200 and r.mimetype == "application/geopackage+sqlite3"
    assert 'filename="parks_4549.gpkg"' in r.headers["Content-Disposition"]
    assert r.data[:16] == b"SQLite format 3\x00"
    r = client.get("/export/parks.shp.zip")
    assert (
        r.status_code == 200
        and "parks.cpg" in zipfile.ZipFile(__import__("io").BytesIO(r.data)).namelist()
    )
    assert client.get("/export/all.gpkg").status_code == 200
    assert (
        client.get("/export/project.qgz")
        .headers["Content-Disposition"]
        .startswith('attachment; filename="yongkang.qgz"')
    )
    assert client.get("/export/project.zip").status_code == 200
    for url, status, param in [
        ("/export/nope.gpkg", 404, "layer"),
        ("/export/parks.xyz", 400, "format"),
        ("/export/parks.gpkg?crs=EPSG:3857", 400, "crs"),
        ("/export/parks.geojson?crs=EPSG:4549", 400, "crs"),
        ("/export/parks.gpkg?foo=1", 400, "foo"),
    ]:
        r = client.get(url)
        assert (r.status_code, r.json["error"]["param"]) == (status, param), url


def test_cli_export(tiny, tmp_path, capsys):
    data, layers = tiny
    out = tmp_path / "roads.gpkg"
    args = ["--data", str(data), "--layers", str(layers)]
    assert (
        main(
            [
                "export",
                "ring_roads",
                "--format",
                "gpkg",
                "--crs",
                "EPSG:4549",
                "-o",
                str(out),
                *args,
            ]
        )
        == 0
    )
    assert pyogrio.read_info(out, layer="ring_roads")["crs"] == "EPSG:4549"
    assert main(["export", "nope", "-o", str(tmp_path / "x.gpkg"), *args]) == 1
    assert main(["export", "parks", "-o", str(tmp_path / "no" / "x.gpkg"), *args]) == 1
    err = capsys.readouterr().err
    assert "error: unknown layer 'nope'" in err and f"{tmp_path / 'no' / 'x.gpkg'}" in err
    assert "Traceback" not in err


def test_core_modules_import_without_flask():
    code = "import sys, geoapp.export, geoapp.ogc, geoapp.importing; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_geometry_is_kept_exactly_in_wgs84(catalog, tmp_path):
    out = export(catalog, "all", "gpkg", "EPSG:4326", tmp_path / "a.gpkg")
    got = pyogrio.read_dataframe(out, layer="urban_villages")
    assert shapely.equals_exact(
        got.geometry.values, catalog.layers["urban_villages"].geometry.values
    ).all()
