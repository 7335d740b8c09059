"""The map loads its layers by URL: small layers as display GeoJSON, big ones as vector tiles, so
a page's weight does not grow with its layers' feature counts (a synthetic 10k-parcel layer)."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest
import shapely

from geoapp.config import ROOT
from tests.conftest import serving
from tests.test_pages import layer_specs, page_assets

PARCELS = 10_000


#: Where three bundled projects go on the parcels (picked in :func:`link_parcels`), and the
#: reviewed updates that move two of them on in 2021 (the plans set every target for 2020/2021):
#: "behind": completed by 2020, under construction in 2021 (overdue, target ≠ status);
#: "reached": completed by 2020, completed in 2021 (not overdue);
#: "late": first named in 2021 (not on the map as of 2020), target launched by 2021 (overdue).
MOVED = {"behind": "kg-qiancang-2", "reached": "kg-zhiying-2", "late": "tashan-park"}
UPDATES = {"kg-qiancang-2": "under_construction", "kg-zhiying-2": "completed"}
ZONE = "zone-central-city"
#: The parcels' outline width where they carry no project (a status layer's context features).
CONTEXT_WEIGHT = 0.5


def link_parcels(data, gdf) -> dict[str, str]:
    """Move three bundled projects onto parcels and add two reviewed updates (as the store writes
    them to status_history.csv); return the parcel ids: behind, reached, late and "context" (the
    unlinked parcel nearest "behind"). "behind" meets ZONE, "reached" does not."""
    import pandas as pd
    import shapely

    zones = json.loads((data / "geojson" / "zones.geojson").read_text("utf-8"))
    zone = next(shapely.geometry.shape(f["geometry"]) for f in zones["features"]
                if f["properties"]["id"] == ZONE)  # fmt: skip
    inside = shapely.intersects(zone, gdf.geometry.values)
    ids = gdf["id"].tolist()
    picks = {"behind": ids[inside.argmax()], "reached": ids[(~inside).argmax()]}
    picks["late"] = next(i for i in ids if i not in picks.values())
    a = gdf.geometry.values[ids.index(picks["behind"])]
    order = shapely.distance(a, gdf.geometry.values).argsort()
    picks["context"] = next(ids[i] for i in order if ids[i] not in picks.values())
    projects = pd.read_csv(data / "projects.csv", dtype=str, keep_default_na=False)
    history = pd.read_csv(data / "status_history.csv", dtype=str, keep_default_na=False)
    for key, pid in MOVED.items():
        row = projects["project_id"] == pid
        projects.loc[row, ["layer", "feature_ids"]] = ["parcels", picks[key]]
        if pid in UPDATES:
            projects.loc[row, ["status", "status_date"]] = [UPDATES[pid], "2021"]
            update = {c: "" for c in history.columns}
            update.update(project_id=pid, date="2021", status=UPDATES[pid], kind="update",
                          source=f"update:u-test-{pid}")  # fmt: skip
            history = pd.concat([history, pd.DataFrame([update])], ignore_index=True)
    projects.to_csv(data / "projects.csv", index=False)
    history.to_csv(data / "status_history.csv", index=False)
    return picks


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """The bundled data plus a synthetic 10k-parcel layer, added as GIS staff add one, made a
    status layer with three bundled projects moved onto parcels: (app, parcel ids by role)."""
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
    picks = link_parcels(data, gdf)  # the seed files the store is made from, before it holds
    add_layer(plan, data, layers)  # a record (the layer added) and stops reading them in
    toml = layers / "parcels.toml"
    text = toml.read_text("utf-8").replace("has_status = false", "has_status = true")
    toml.write_text(text.replace("[style]\n", f"[style]\ncontext_weight = {CONTEXT_WEIGHT}\n"))
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers), "BASEMAP": "none"}
    )
    return app, picks


@pytest.fixture(scope="module")
def big_app(big):
    return big[0]


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


def test_a_big_layers_tiles_carry_what_the_map_controls_read(big):
    """The tile attributes of the linked parcels are exactly the small-layer display keys."""
    from geoapp.maps import MapOptions
    from geoapp.query.display import display_layer
    from geoapp.tiles import TMS
    from geoapp.web.state import get_catalog
    from tests.test_tiles import as_display, decode

    app, picks = big
    with app.app_context():
        catalog = get_catalog()
    opts = MapOptions(features=frozenset(picks.values()))
    shown = {f["id"]: f["properties"] for f in display_layer(catalog, "parcels", opts)["features"]}
    keys = ("id", "_status", "_target", "_overdue", "_project", "_steps", "_zones", "_color")
    c = app.test_client()
    for role, fid in picks.items():
        lon, lat = catalog.layers["parcels"].set_index("id").geometry[fid].centroid.coords[0]
        t = TMS.tile(lon, lat, 16)
        tile = decode(c.get(f"/ogc/collections/parcels/tiles/WebMercatorQuad/16/{t.y}/{t.x}").data)
        [props] = [f["properties"] for f in tile["parcels"]["features"]
                   if f["properties"]["id"] == fid]  # fmt: skip
        want = {k: shown[fid][k] for k in keys}
        if not want["_project"]:  # the filters never hide a context feature: its zones are unread
            want["_zones"] = []
        assert as_display(props, catalog.source_dates) == want, role
    behind = shown[picks["behind"]]
    assert (behind["_status"], behind["_target"], behind["_overdue"]) == (
        "under_construction", "completed", True,
    )  # fmt: skip
    assert ZONE in behind["_zones"] and ZONE not in shown[picks["reached"]]["_zones"]
    assert shown[picks["reached"]]["_overdue"] is False
    assert not shown[picks["context"]]["_project"]


# the drawn style of a tiled feature, as VectorGrid drew it in every tile of the current zoom
STYLE_OF = """id => {
  const g = window.GeoappPlanMap.entries.find(e => e.tiles).geojson, out = [];
  for (const k in g._vectorTiles) {
    const r = g._vectorTiles[k], f = r._features[id];
    if (r._tileCoord.z !== g._tileZoom || !f) continue;
    const o = f.feature.options;
    out.push(o.stroke === false ? "hidden" : [o.color, o.fillColor, o.fillOpacity, o.opacity,
                                             o.dashArray || null, o.weight]);
  }
  return out;
}"""
TILES_DRAWN = """() => {
  const g = window.GeoappPlanMap.entries.find(e => e.tiles).geojson;
  return g._map && !g.isLoading() && Object.keys(g._vectorTiles).length > 0;
}"""


class TiledMap:
    """The planners' map in chromium, read back feature by feature from the parcels' tiles."""

    def __init__(self, page, catalog):
        self.page, self.where = page, catalog.layers["parcels"].set_index("id").geometry

    def go(self, fid: str) -> None:
        """Centre the map on a parcel at z17 and wait for its tiles to be drawn."""
        lon, lat = self.where[fid].centroid.coords[0]
        self.page.evaluate(
            "([lat, lon]) => window.GeoappPlanMap.map.setView([lat, lon], 17, {animate: false})",
            [lat, lon],
        )
        self.drawn()

    def drawn(self) -> None:
        self.page.wait_for_function(TILES_DRAWN)

    def pick(self, selector: str, value: str) -> None:
        """Choose in one of the panel's selects, as the user does, and wait for the redraw."""
        self.page.select_option(selector, value)
        self.drawn()

    def drawn_with(self, fid: str):
        """The one style the parcel is drawn with in every tile ("hidden": filtered out)."""
        styles = self.page.evaluate(STYLE_OF, fid)
        assert styles and all(s == styles[0] for s in styles), styles
        return styles[0]

    def style(self, fid: str):
        """Colour, fill colour, fill opacity, opacity and dashes ("hidden": filtered out)."""
        drawn = self.drawn_with(fid)
        return drawn if drawn == "hidden" else drawn[:5]

    def identified(self, fid: str, alone: bool = False) -> list[str]:
        """Click the middle of the parcel (``alone``: of its part no other parcel covers), as the
        user does; the ids the map identifies there."""
        shape = self.where[fid]
        if alone:
            others = self.where.drop(fid)
            shape = shape.difference(shapely.union_all(others[others.intersects(shape)].values))
        lon, lat = shape.representative_point().coords[0]
        x, y = self.page.evaluate(
            "([lat, lon]) => { const m = window.GeoappPlanMap.map, c = m.getContainer();"
            " m.closePopup(); c.removeAttribute('data-identified'); const p = m.latLngToContainerPoint([lat, lon]),"
            " r = c.getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
            [lat, lon],
        )
        self.page.mouse.click(x, y)
        found = self.page.wait_for_selector(".folium-map[data-identified]", state="attached")
        return found.get_attribute("data-identified").split()

    def weight(self, fid: str) -> float:
        return self.drawn_with(fid)[5]

    def label(self, fid: str) -> str:
        """The parcel's name label (placed once the tiles are drawn)."""
        return self.page.wait_for_selector(f".gp-label[data-feature='{fid}']").inner_text()

    def unlabelled(self, fid: str) -> bool:
        """True when a fresh layout of the labels (the map moved) names no such parcel."""
        self.page.evaluate(
            "() => { const m = window.GeoappPlanMap.map; m.getContainer().removeAttribute("
            "'data-labels'); m.fire('moveend'); }"
        )
        self.page.wait_for_selector(".folium-map[data-labels]", state="attached")
        return self.page.query_selector(f".gp-label[data-feature='{fid}']") is None


@pytest.mark.browser
def test_a_big_layer_follows_the_colour_modes_as_of_and_zone_filter(browser, big):
    from geoapp.status import OVERDUE_COLOR, STATUS
    from geoapp.web.state import get_catalog

    app, picks = big
    with app.app_context():
        catalog = get_catalog()
    colour = {code: s.color for code, s in STATUS.items()}
    context = catalog.defs["parcels"].style.get("context_color")
    behind, reached, late, other = (picks[k] for k in ("behind", "reached", "late", "context"))
    with serving(app) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/")
        page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
        m = TiledMap(page, catalog)
        m.go(behind)
        # the current status: under construction since the 2021 update, solid, filled
        uc = colour["under_construction"]
        assert m.style(behind) == [uc, uc, 0.3, 0.9, None]
        assert m.label(behind) == f"地块{behind[2:]}"
        context_style = m.style(other)
        assert context_style != "hidden" and context_style[0] not in (uc, colour["planned"])
        assert (m.weight(behind), m.weight(other)) == (1.5, CONTEXT_WEIGHT)  # context: thinner
        # colour by the plan's target: completed by 2020, a dashed outline with no fill
        m.pick(".gp-mode", "target")
        assert m.style(behind) == [colour["completed"], colour["completed"], 0, 0.9, "6 4"]
        assert m.style(other) == context_style  # context keeps its look
        # overdue: behind its 2020 target; the one that reached it is muted
        m.pick(".gp-mode", "overdue")
        assert m.style(behind) == [OVERDUE_COLOR, OVERDUE_COLOR, 0.3, 0.9, None]
        m.go(reached)
        grey = colour["planned"]
        assert m.style(reached) == [grey, grey, 0.3, 0.55, None]
        assert m.label(reached) == f"地块{reached[2:]}"
        assert reached in m.identified(reached)
        # as of 2020: before the update (planned), and "late" not yet named (not drawn, no name)
        m.pick(".gp-mode", "status")
        m.pick(".gp-asof", "2020")
        assert m.style(reached) == [grey, grey, 0.3, 0.9, None]
        m.go(late)
        assert m.style(late) == "hidden" and m.unlabelled(late)
        m.pick(".gp-asof", "2021")
        assert m.style(late) == [grey, grey, 0.3, 0.9, None] and m.label(late) == f"地块{late[2:]}"
        # the zone filter: "reached" lies outside the zone, "behind" inside it
        m.pick(".gp-asof", "")
        m.pick(".gp-zone", ZONE)
        m.go(reached)
        assert m.style(reached) == "hidden" and m.unlabelled(reached)
        assert reached not in m.identified(reached)  # a click there finds it filtered out too
        m.go(behind)
        assert m.style(behind) == [uc, uc, 0.3, 0.9, None]
        assert m.style(other) == context_style  # context features are never filtered out
        # the parcels' names can be switched off like any layer's
        assert m.label(behind) == f"地块{behind[2:]}"
        page.uncheck(".gp-labels-switch input[value='parcels']")
        assert m.unlabelled(behind)
        # its popup says the plan's target and that it is overdue
        # (a point of it no other parcel covers: a click there finds it alone, under the zone)
        assert m.identified(behind, alone=True) == [behind, ZONE]
        popup = page.locator(".leaflet-popup-content .gp-popup", has_text=behind[2:]).inner_text()
        assert "目标：2020 建成" in popup and "目标年份已过，暂无完成报道" in popup
        assert errors == []
        page.close()
    assert context is None or context_style[0] == context
