"""QGIS fit, as GIS staff meet it: download the project and the GeoPackage, open them together;
one geometry type per table (the 东永一线 axis not dropped); labels; dashed unverified shapes;
rivers unlike any status colour."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree as ET

import pyogrio
import pytest

from geoapp.catalog import load_catalog
from geoapp.export import export, layer_qml, layer_sld
from geoapp.export.styles import dash_expression
from geoapp.importing import prepare_import
from geoapp.status import STATUSES

from .test_import import snapshot
from .test_palette import CONTEXT_DE, delta_e

SE = "{http://www.opengis.net/se}"
OGC = "{http://www.opengis.net/ogc}"


def test_project_and_geopackage_downloaded_one_by_one_open_together(app, tmp_path):
    client = app.test_client()
    saved = {}
    for url in ("/export/project.qgz?crs=EPSG:4549", "/export/all.gpkg?crs=EPSG:4549"):
        r = client.get(url)
        assert r.status_code == 200
        name = re.search(r'filename="([^"]+)"', r.headers["Content-Disposition"]).group(1)
        (tmp_path / name).write_bytes(r.data)
        saved[url] = name
    assert list(saved.values()) == ["yongkang_4549.qgz", "yongkang_4549.gpkg"]
    qgs = ET.fromstring(zipfile.ZipFile(tmp_path / "yongkang_4549.qgz").read("yongkang_4549.qgs"))
    tables = dict(pyogrio.list_layers(tmp_path / "yongkang_4549.gpkg"))
    opened = []
    for ml in qgs.iter("maplayer"):
        if ml.get("type") != "vector":
            continue
        path, _, table = ml.find("datasource").text.partition("|layername=")
        assert path == "./yongkang_4549.gpkg" and table in tables  # QGIS finds every layer
        family = {"Polygon": "Polygon", "Line": "LineString", "Point": "Point"}[ml.get("geometry")]
        assert tables[table].removeprefix("Multi") == family  # one type per table
        opened.append(table)
    assert "zones_line" in opened and "zones" in opened


def test_the_axis_is_its_own_table_and_comes_back_unchanged(tiny, tmp_path):
    data, layers = tiny
    fc = (data / "geojson" / "zones.geojson").read_text("utf-8")
    axis = (
        '{"type": "Feature", "id": "zone-axis", "properties": {"id": "zone-axis", "name": "东永一线",'
        ' "name_en": "Axis", "accuracy": "schematic", "location_confidence": "low",'
        ' "geometry_source": "测试", "zone_type": "axis"}, "geometry": {"type": "LineString",'
        ' "coordinates": [[119.99, 28.87], [120.05, 28.93]]}}'
    )
    (data / "geojson" / "zones.geojson").write_text(
        fc.replace('"features": [', '"features": [' + axis + ","), "utf-8"
    )
    before = snapshot(data)
    out = export(load_catalog(data, layers), "zones", "gpkg", "EPSG:4549", tmp_path / "z.gpkg")
    assert dict(pyogrio.list_layers(out)) == {
        "zones": "Polygon", "zones_line": "LineString", "layer_styles": None, "readme": None,
    }  # fmt: skip
    axis_rows = pyogrio.read_dataframe(out, layer="zones_line")
    assert axis_rows["id"].tolist() == ["zone-axis"]
    result = prepare_import(out, "zones", data, layers)
    assert result.ok and result.diff.empty and result.diff.unchanged == 2
    assert snapshot(data) == before


def test_qml_labels_and_dashes_unverified_shapes(bundled):
    for lid in ("parks", "sanjiang_liuan"):
        root = ET.fromstring(layer_qml(bundled.defs[lid]))
        assert root.get("labelsEnabled") == "1"
        style = root.find("labeling/settings/text-style")
        assert style.get("fieldName") == "name"
        assert root.find("labeling/settings/text-style/text-buffer").get("bufferDraw") == "1"
        placement = root.find("labeling/settings/placement").get("placement")
        assert placement == {"parks": "1", "sanjiang_liuan": "3"}[lid]  # over areas, along lines
        layers = list(root.iter("layer"))
        assert layers and all(
            sl.find(
                "data_defined_properties/Option/Option[@name='properties']/"
                "Option[@name='outlineStyle']/Option[@name='expression']"
            ).get("value")
            == "CASE WHEN \"accuracy\" = 'schematic' THEN 'dash' ELSE 'solid' END"
            for sl in layers
        )
    assert dash_expression(bundled.defs["zones"]).endswith("ELSE 'dash' END")  # always dashed


def test_sld_labels_and_dashes_unverified_shapes(bundled):
    root = ET.fromstring(layer_sld(bundled.defs["parks"]))
    rules = list(root.iter(f"{SE}Rule"))
    by_name = {r.find(f"{SE}Name").text: r for r in rules}
    dashed = by_name["在建 under construction (示意 schematic)"]
    solid = by_name["在建 under construction"]
    assert dashed.find(f".//{SE}SvgParameter[@name='stroke-dasharray']").text == "6 4"
    assert solid.find(f".//{SE}SvgParameter[@name='stroke-dasharray']") is None
    accuracy = dashed.find(f"{OGC}Filter/{OGC}And/{OGC}PropertyIsEqualTo[2]")
    assert [e.text for e in accuracy] == ["accuracy", "schematic"]
    label = by_name["名称 name"].find(f"{SE}TextSymbolizer")
    assert label.find(f"{SE}Label/{OGC}PropertyName").text == "name"
    assert label.find(f"{SE}Halo/{SE}Fill/{SE}SvgParameter").text == "#ffffff"
    assert len(rules) == 2 * (len(STATUSES) + 1) + 1


@pytest.mark.parametrize("vision", ["normal", "deuteranopia", "protanopia"])
def test_rivers_unlike_any_status_colour(bundled, vision):
    root = ET.fromstring(layer_qml(bundled.defs["sanjiang_liuan"]))
    cats = {c.get("value"): (c.get("symbol"), c.get("label")) for c in root.iter("category")}
    symbol, label = cats[""]
    assert label == "河道 Rivers"
    sym = root.find(f"renderer-v2/symbols/symbol[@name='{symbol}']")
    r, g, b, _ = (int(v) for v in sym.find("layer/prop[@k='line_color']").get("v").split(","))
    river = f"#{r:02x}{g:02x}{b:02x}"
    closest = min(delta_e(river, s.color, vision) for s in STATUSES)
    assert closest >= CONTEXT_DE, (river, closest)


def test_shapefile_zip_styles_are_labelled_too(tiny_app):
    r = tiny_app.test_client().get("/export/all.shp.zip")
    zf = zipfile.ZipFile(io.BytesIO(r.data))
    qmls = [n for n in zf.namelist() if n.endswith(".qml")]
    assert qmls and all(ET.fromstring(zf.read(n)).get("labelsEnabled") == "1" for n in qmls)
