"""A big tiled layer is drawn from a detail zoom on (scale-dependent visibility, as in QGIS):
at the city view no tile of it is asked for, the layer control says from which zoom it shows,
and a tap there does not list its features; zoomed in, it draws and answers as before."""

from __future__ import annotations

import pytest

from geoapp import map_layers
from geoapp.catalog import load_catalog
from tests.conftest import serving


def tiled_parks(layers, extra: str) -> None:
    """The tiny parks layer drawn from tiles, with ``extra`` in its style."""
    toml = layers / "parks.toml"
    text = toml.read_text("utf-8").replace('load = "tiles"\n', "")
    toml.write_text(text.replace("[style]\n", f'[style]\nload = "tiles"\n{extra}'), "utf-8")


def test_min_zoom_by_size_or_by_the_style(tiny, monkeypatch):
    data, layers = tiny
    tiled_parks(layers, "")
    catalog = load_catalog(data, layers)
    assert map_layers.min_zoom(catalog, "parks") == 0  # one park: drawn at every zoom
    monkeypatch.setattr(map_layers, "DETAIL_FEATURES", 0)  # "more features than that"
    assert map_layers.min_zoom(catalog, "parks") == 14
    assert map_layers.min_zoom(catalog, "urban_villages") == 0  # not tiled: GeoJSON, always
    assert map_layers.layer_title(catalog, "parks", "zh").endswith("（放大到 14 级显示）")
    assert map_layers.layer_title(catalog, "parks", "en").endswith(" (shown from zoom 14)")
    tiled_parks(layers, "min_zoom = 12\n")
    catalog = load_catalog(data, layers)
    assert map_layers.min_zoom(catalog, "parks") == 12


@pytest.mark.browser
def test_below_its_min_zoom_a_layer_asks_for_no_tile_and_answers_no_tap(browser, tiny):
    from geoapp.web import create_app

    data, layers = tiny
    tiled_parks(layers, "min_zoom = 16\n")
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers),
                      "BASEMAP": "none"})  # fmt: skip
    with serving(app) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        tiles: list[str] = []
        page.on("request", lambda r: tiles.append(r.url) if "/tiles/" in r.url else None)
        page.goto(url + "/#map=12/28.90100/120.03100")  # the city view, the park in its middle
        page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
        assert page.evaluate("window.GeoappPlanMap.map.getZoom()") == 12
        page.wait_for_load_state("networkidle")
        assert tiles == []
        control = page.inner_text(".leaflet-control-layers-overlays")
        assert "公园绿地（放大到 16 级显示）" in control
        # a tap on the park at the city view: the park is not drawn, so it is not listed
        answers: list[str] = []
        page.on("request", lambda r: answers.append(r.url) if "/query/point" in r.url else None)
        page.evaluate(
            "() => { const m = window.GeoappPlanMap.map;"
            " m.fire('click', {latlng: L.latLng(28.901, 120.031)}); }"
        )
        page.wait_for_timeout(500)
        assert answers == []
        page.evaluate(
            "() => window.GeoappPlanMap.map.setView([28.901, 120.031], 16, {animate: false})"
        )
        page.wait_for_function(
            "() => document.querySelectorAll('.leaflet-tile-container canvas').length > 0"
        )
        assert tiles and all("/ogc/collections/parks/tiles/WebMercatorQuad/16/" in t for t in tiles)
        page.close()
