"""The map loads its layers by URL: small layers as display GeoJSON, big ones as vector tiles, so
a page's weight does not grow with its layers' feature counts (a synthetic 10k-parcel layer)."""

from __future__ import annotations

import gzip
import shutil

import pytest

from geoapp.config import ROOT
from tests.conftest import serving
from tests.test_pages import layer_specs, page_assets

PARCELS = 10_000


@pytest.fixture(scope="module")
def big_app(tmp_path_factory):
    """The bundled data plus a synthetic 10k-parcel layer, added as GIS staff add one."""
    from geoapp import synthetic
    from geoapp.importing import ImportLimits
    from geoapp.layer_admin import add_layer, propose_layer
    from geoapp.web import create_app

    root = tmp_path_factory.mktemp("big")
    data, layers = root / "data", root / "layers"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("store.sqlite*"))
    shutil.copytree(ROOT / "layers", layers)
    gdf = synthetic.parcels(synthetic.city_outline(data), PARCELS, seed=1)
    source = synthetic.write_geojson(gdf, root / "parcels.geojson")
    plan = propose_layer(source, "parcels", {"zh": "地块（合成）", "en": "Parcels (synthetic)"},
                         data, layers, geometry_source="合成测试数据 / synthetic",
                         limits=ImportLimits(2**40, 10**8, 10**9))  # fmt: skip
    add_layer(plan, data, layers)
    return create_app(
        {"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers), "BASEMAP": "none"}
    )


def page_weight(client, path: str) -> tuple[int, dict[str, int]]:
    """Gzip bytes of a page, every script and stylesheet it loads and every layer it fetches."""
    html = client.get(path).get_data()
    parts = {path: len(gzip.compress(html, 6))}
    text = html.decode()
    for url in page_assets(text) + [
        s["url"] for s in layer_specs(text) if s["source"] == "geojson"
    ]:
        r = client.get(url)
        assert r.status_code == 200, url
        parts[url] = len(gzip.compress(r.get_data(), 6))
        r.close()
    return sum(parts.values()), parts


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/embed", "/projects/uv-dongku"])
def test_a_10k_feature_layer_leaves_the_page_weight_flat(client, big_app, path):
    bundled, _ = page_weight(client, path)
    big, parts = page_weight(big_app.test_client(), path)
    if path in ("/", "/?lang=en"):  # the full map shows every layer: the parcels come as tiles
        specs = {s["id"]: s for s in layer_specs(big_app.test_client().get(path).get_data(True))}
        assert specs["parcels"]["source"] == "tiles"
        assert specs["parcels"]["url"] == (
            "/ogc/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}"
        )
        assert any("leaflet.vectorgrid@1.3.0" in u for u in parts)
    assert big <= bundled * 1.2, (big, bundled)


def test_small_layers_come_as_geojson_and_big_ones_as_tiles(big_app, client):
    specs = {s["id"]: s for s in layer_specs(client.get("/").get_data(as_text=True))}
    assert {s["source"] for s in specs.values()} == {"geojson"}
    assert (
        specs["urban_villages"]["url"]
        == "/map/layers/urban_villages.geojson?lang=zh&basemap=none&record=1"
    )
    assert "leaflet.vectorgrid" not in client.get("/").get_data(as_text=True)  # not needed
    c = big_app.test_client()
    spec = {s["id"]: s for s in layer_specs(c.get("/").get_data(as_text=True))}["parcels"]
    from geoapp.tiles import TMS

    t = TMS.tile(120.05, 28.9, 13)  # the middle of Yongkang: parcels everywhere
    tile = c.get(spec["url"].format(z=t.z, y=t.y, x=t.x))
    assert tile.status_code == 200 and tile.mimetype == "application/vnd.mapbox-vector-tile"
    r = c.get(spec["api"] + "?q=" + "地块&limit=3")
    assert r.status_code == 200 and len(r.get_json()["features"]) == 3


def test_the_layer_data_endpoint(client):
    r = client.get("/map/layers/towns.geojson?lang=en&basemap=none")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    names = {f["properties"]["_label"] for f in r.get_json()["features"]}
    assert "Gushan Town" in names
    assert "记录进展" not in client.get("/map/layers/urban_villages.geojson").get_data(True)
    assert "记录进展" in client.get("/map/layers/urban_villages.geojson?record=1").get_data(True)
    assert client.get("/map/layers/nope.geojson").status_code == 404
    bad = client.get("/map/layers/towns.geojson?lang=fr", headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.get_json()["error"]["param"] == "lang"


@pytest.mark.browser
def test_a_big_layer_is_drawn_from_tiles_clicked_and_searched(browser, big_app):
    with serving(big_app) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        tiles: list[str] = []
        page.on(
            "response",
            lambda r: tiles.append(r.url) if "/tiles/WebMercatorQuad/" in r.url else None,
        )
        page.goto(url + "/")
        page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
        page.wait_for_function(
            "() => document.querySelectorAll('.leaflet-tile-container canvas').length > 0"
        )
        assert tiles and all("/ogc/collections/parcels/tiles/WebMercatorQuad/" in t for t in tiles)
        # every small layer is still there, from its GeoJSON
        drawn = page.evaluate(
            "window.GeoappPlanMap.entries.filter(e => !e.tiles).map(e => e.items.length)"
        )
        assert all(n > 0 for n in drawn)
        # search reaches the parcels through the API
        page.fill(".gp-search", "地块")
        page.wait_for_selector(".gp-results li.gp-tiled")
        first = page.locator(".gp-results li.gp-tiled").first
        name = first.inner_text()
        first.click()
        page.wait_for_selector(".leaflet-popup-content .gp-popup")
        assert name in page.inner_text(".leaflet-popup-content")
        assert errors == []
        page.close()
