"""The full map in a real browser (Debian chromium via Playwright), with no basemap and no internet.

Servers listen on 127.0.0.1 only and are stopped by the fixtures.
"""

from __future__ import annotations

import pytest

from geoapp.config import ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"


class Watched:
    """A page with every request and console error recorded."""

    def __init__(self, browser, base: str, width: int = 1280, height: int = 800):
        self.base = base
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
        self.page.wait_for_function("() => !window.GeoappPlanMap.map._animatingZoom")

    def external(self) -> list[str]:
        return [
            u for u in self.requests if not u.startswith(self.base) and not u.startswith("data:")
        ]

    def js(self, script: str):
        return self.page.evaluate(script)


@pytest.fixture
def watched(browser, live_server):
    w = Watched(browser, live_server)
    yield w
    w.page.close()


DRAWN = """() => {
  const out = {};
  for (const e of window.GeoappPlanMap.entries) {
    out[e.id] = e.items.filter(f => f._path && document.contains(f._path)).map(f => f.feature.properties.id);
  }
  return out;
}"""


def test_full_map_draws_everything_offline(watched, bundled):
    watched.open("/")
    drawn = watched.js(DRAWN)
    expected = {lid: list(gdf["id"]) for lid, gdf in bundled.layers.items()}
    assert drawn == expected  # every feature, lines, polygons and town markers, is in the DOM
    assert watched.external() == []
    assert watched.errors == []
    assert watched.page.get_attribute(".folium-map", "data-visible-projects") == "42"
    ARTIFACTS.mkdir(exist_ok=True)
    watched.page.screenshot(path=str(ARTIFACTS / "map.png"))
    assert (ARTIFACTS / "map.png").stat().st_size > 20_000


def _click_feature(watched: Watched, feature_id: str) -> None:
    """Zoom to a feature and click its middle, as a user would."""
    point = watched.js(
        """(fid) => {
      const f = window.GeoappPlanMap.entries.flatMap(e => e.items).find(f => f.feature.properties.id === fid);
      const map = window.GeoappPlanMap.map;
      map.fitBounds(f.getBounds(), {animate: false, maxZoom: 16});
      const p = map.latLngToContainerPoint(f.getBounds().getCenter());
      const r = map.getContainer().getBoundingClientRect();
      return [p.x + r.left, p.y + r.top];
    }""".replace("(fid) =>", f"(() => {{ const fid = {feature_id!r};").replace(
            "return [p.x + r.left, p.y + r.top];\n    }",
            "return [p.x + r.left, p.y + r.top];\n    }})()",
        )
    )
    watched.page.mouse.click(point[0], point[1])
    watched.page.wait_for_selector(".leaflet-popup-content")


def test_click_opens_popup_with_status(watched):
    watched.open("/")
    _click_feature(watched, "uv-dongku")
    text = watched.page.inner_text(".leaflet-popup-content")
    assert "东库区块" in text and "状态：谋划" in text and "目标：2020 结顶" in text
    assert "目标年份已过，暂无完成报道" in text and "位置未核实" in text
    assert watched.errors == []


def test_layer_control_hides_a_layer(watched):
    watched.open("/")
    watched.page.hover(".leaflet-control-layers")
    label = watched.page.locator(".leaflet-control-layers label", has_text="城中村改造与未来社区")
    label.locator("input").uncheck()
    assert watched.js(DRAWN)["urban_villages"] == []
    label.locator("input").check()
    assert len(watched.js(DRAWN)["urban_villages"]) == 8


def test_search_finds_and_opens_a_project(watched):
    watched.open("/")
    watched.page.fill(".gp-search", "东库")
    results = watched.page.locator(".gp-results li")
    assert results.all_inner_texts() == ["东库区块（位置示意）"]
    assert watched.page.get_attribute(".folium-map", "data-visible-projects") == "1"
    results.first.click()
    watched.page.wait_for_selector(".leaflet-popup-content")
    assert "东库区块" in watched.page.inner_text(".leaflet-popup-content")
    watched.page.fill(".gp-search", "nanxi bay")  # name_en works too
    assert watched.page.locator(".gp-results li").all_inner_texts() == ["南溪湾生态湿地公园"]


def test_status_zone_and_as_of_filters(watched):
    watched.open("/")
    visible = lambda: watched.page.get_attribute(".folium-map", "data-visible-projects")  # noqa: E731
    watched.page.locator(".gp-statuses input[value='planned']").uncheck()
    assert visible() == "0"
    assert watched.js(DRAWN)["boundary"] == ["yongkang"]  # context stays
    watched.page.locator(".gp-statuses input[value='planned']").check()
    watched.page.select_option(".gp-zone", "zone-gushan")
    assert visible() == "2"  # 东永一线 and the 古山 kindergarten placeholder
    watched.page.select_option(".gp-zone", "")
    watched.page.select_option(".gp-asof", "2020")
    assert visible() == "36"  # placed projects first named in the 2020 work report
    watched.page.select_option(".gp-asof", "2021")
    assert visible() == "42"
    assert watched.errors == []


def test_english_page(watched):
    watched.open("/?lang=en")
    assert watched.page.inner_text(".gp-panel-head b") == "Yongkang Planning Map"
    assert "Project status" in watched.page.inner_text(".gp-legend")
    assert watched.js("document.documentElement.lang") == "en"


STROKE = """(fid) => {
  const f = window.GeoappPlanMap.entries.flatMap(e => e.items).find(f => f.feature.properties.id === fid);
  return Number(f._path.getAttribute('stroke-width'));
}"""


def test_small_blocks_stay_visible_at_city_zoom(watched):
    watched.open("/")
    assert (
        watched.page.evaluate(STROKE, "uv-dongku") >= 8
    )  # a few pixels wide: drawn with a wide stroke
    assert (
        watched.page.evaluate(STROKE, "zone-central-city") == 1.5
    )  # large polygons keep their style
    _click_feature(watched, "uv-dongku")  # zooms in to the block
    assert watched.page.evaluate(STROKE, "uv-dongku") == 2
