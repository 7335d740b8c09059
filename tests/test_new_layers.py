"""The layers of issue 12 appear wherever layers appear: map, API, OGC, downloads, pictures."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

NEW = {"platforms": 2, "public_facilities": 5, "culture_tourism": 4}


@pytest.mark.parametrize(("layer", "count"), sorted(NEW.items()))
def test_api_and_ogc_serve_the_layer(client, layer, count):
    body = client.get(f"/api/layers/{layer}?limit=100").json
    assert body["numberMatched"] == count
    assert {f["properties"]["accuracy"] for f in body["features"]} == {"schematic"}
    collections = [c["id"] for c in client.get("/ogc/collections?f=json").json["collections"]]
    assert layer in collections
    items = client.get(f"/ogc/collections/{layer}/items?f=json&limit=100").json
    assert items["numberMatched"] == count


@pytest.mark.parametrize("layer", sorted(NEW))
def test_downloads_carry_the_layer(client, layer):
    r = client.get(f"/export/{layer}.geojson")
    assert r.status_code == 200 and len(r.json["features"]) == NEW[layer]
    r = client.get(f"/export/{layer}.shp.zip?crs=EPSG:4549")
    assert r.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert any(n.endswith(".shp") for n in names)


def test_full_map_and_picture_show_the_new_layers(client):
    html = client.get("/").get_data(as_text=True)
    for title in ("产业与服务平台", "公共服务设施", "文化旅游"):
        assert title in html
    r = client.get(
        "/embed.png?layers=boundary,culture_tourism,public_facilities&width=600&height=400&dpi=72"
    )
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert Image.open(io.BytesIO(r.data)).size == (600, 400)
    r = client.get("/embed?layers=platforms,culture_tourism")
    assert r.status_code == 200 and "江南山水新城" in r.get_data(as_text=True)
