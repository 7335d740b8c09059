"""One feature, one answer: the same properties in /api, /ogc and the GeoJSON export, and the
same colour on the map, in the print picture and in the QGIS style."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import pytest

from geoapp import maps
from geoapp.export import layer_qml
from geoapp.picture import feature_colors

CASES = [
    ("urban_villages", "uv-dongku"),  # a status layer, the feature carries a project
    ("sanjiang_liuan", "river-huaxi"),  # a status layer, a river: context, no project
    ("zones", "zone-central-city"),  # coloured by a field (zone_type)
    ("towns", "town-dongcheng"),  # one colour for the layer
]


def api_feature(client, layer: str, fid: str) -> dict:
    body = client.get(f"/api/layers/{layer}?limit=10000").json
    return next(f for f in body["features"] if f["id"] == fid)


@pytest.mark.parametrize(("layer", "fid"), CASES)
def test_same_properties_in_api_ogc_and_geojson_export(client, layer, fid):
    api = api_feature(client, layer, fid)
    ogc = client.get(f"/ogc/collections/{layer}/items/{fid}?f=json").json
    export = json.loads(client.get(f"/export/{layer}.geojson").data)
    exported = next(f for f in export["features"] if f["id"] == fid)
    # a download also says when the layer last changed (an import checks removals against it)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", exported["properties"].pop("as_of"))
    assert api["properties"] == ogc["properties"] == exported["properties"]
    assert api["id"] == ogc["id"] == exported["id"] == fid
    assert "id" not in api["properties"]


def _qml_color(qml: str, value: str | None) -> str:
    """The colour the QGIS style gives features whose styled field has ``value``."""
    root = ET.fromstring(qml)
    renderer = root.find("renderer-v2")
    if renderer.get("type") == "singleSymbol":
        symbol = renderer.find("symbols/symbol")
    elif renderer.get("type") == "RuleRenderer":  # a layer of areas and lines: the area rules
        rule = next(r for r in renderer.iter("rule") if r.get("filter", "").endswith(f"'{value}'"))
        symbol = next(s for s in renderer.find("symbols") if s.get("name") == rule.get("symbol"))
    else:
        cats = {c.get("value"): c.get("symbol") for c in renderer.iter("category")}
        name = cats.get(value or "", cats.get(""))
        symbol = next(s for s in renderer.find("symbols") if s.get("name") == name)
    props = {p.get("k"): p.get("v") for p in symbol.iter("prop")}
    rgba = props.get("color") if symbol.get("type") != "line" else props["line_color"]
    if symbol.get("type") == "fill":
        rgba = props["outline_color"]
    r, g, b, _ = (int(v) for v in rgba.split(","))
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.mark.parametrize(("layer", "fid"), CASES)
def test_same_colour_on_the_map_in_the_picture_and_in_qgis(bundled, layer, fid):
    definition = bundled.defs[layer]
    gdf = bundled.layers[layer]
    row = int((gdf["id"] == fid).to_numpy().nonzero()[0][0])
    opts = maps.MapOptions(basemap=maps.BASEMAPS["none"])
    on_map = next(
        f["properties"]["_color"]
        for f in maps.display_layer(bundled, layer, opts)["features"]
        if f["id"] == fid
    )
    in_picture = feature_colors(gdf, definition)[row]
    field = {"urban_villages": "status", "sanjiang_liuan": "status", "zones": "zone_type"}
    value = gdf[field[layer]].iloc[row] if layer in field else None
    in_qgis = _qml_color(layer_qml(definition), value)
    assert on_map.lower() == in_picture.lower() == in_qgis.lower()
