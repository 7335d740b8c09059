"""The whole web import in a real browser (Debian chromium via Playwright, no internet): two GIS
colleagues download the same layer, one sends a survey back, the other's older file meets the
conflict, takes his own version on purpose, and the map and the audit trail follow. No console
errors on any page."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest
import shapely

from tests.conftest import serving

pytestmark = pytest.mark.browser
LAYER = "urban_villages"
PASSWORD = "pass-word-123"


@pytest.fixture
def server(tiny, tmp_path):
    """The app over the tiny dataset with two GIS colleagues and a reviewer, on a free port."""
    from geoapp.store.accounts import add_user
    from geoapp.web import create_app
    from geoapp.web.state import get_store

    data, layers = tiny
    app = create_app({"DATA_DIR": str(data), "LAYERS_DIR": str(layers), "BASEMAP": "none",
                      "LOGIN_SLOWDOWN_SECONDS": 0, "IMPORT_PENDING_DIR": str(tmp_path / "p")})  # fmt: skip
    with app.app_context():
        for name, role in (("wang", "gis"), ("li", "gis"), ("zhao", "reviewer")):
            add_user(get_store(), name, role, "自然资源和规划局", PASSWORD, "admin")
    with serving(app) as url:
        yield url


class Watched:
    """A signed-in page that records console errors and uncaught exceptions."""

    def __init__(self, browser, base: str, name: str) -> None:
        self.page = browser.new_context().new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{base}/login")
        self.page.fill("#name", name)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()

    def download(self, base: str, out: Path) -> Path:
        answer = self.page.context.request.get(f"{base}/export/{LAYER}.gpkg?crs=EPSG:4549")
        assert answer.ok
        out.write_bytes(answer.body())
        return out


def corrected(path: Path, out: Path, moves: dict, **changes) -> Path:
    """What QGIS would save: fields changed (id → {field: value}), shapes moved (metres east)."""
    gdf = pyogrio.read_dataframe(path, layer=LAYER)
    for fid, values in changes.items():
        for col, value in values.items():
            gdf.loc[gdf["id"] == fid.replace("_", "-"), col] = value
    for fid, metres in moves.items():
        row = gdf["id"] == fid
        gdf.loc[row, "geometry"] = shapely.affinity.translate(gdf.loc[row].geometry.iloc[0], metres)
    pyogrio.write_dataframe(gdf, out, layer=LAYER)
    return out


def send(page, base: str, path: Path) -> None:
    """The upload form: file, layer, the file's own CRS; then the diff page."""
    page.goto(f"{base}/import")
    page.click("text=导入修正")  # the nav link leads here too
    page.set_input_files("#f-file", str(path))
    page.select_option("#f-layer", LAYER)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('导入差异')")


def rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "table.gp-diff tbody tr",
        "trs => trs.map(tr => [...tr.cells].slice(0, 5).map(td => td.innerText.replace(/\\s+/g, ' ').trim()))",
    )


def test_two_colleagues_and_a_conflict_in_the_browser(browser, server, tmp_path):
    wang, li = Watched(browser, server, "wang"), Watched(browser, server, "li")
    theirs = wang.download(server, tmp_path / "wang_v1.gpkg")
    mine = li.download(server, tmp_path / "li_v1.gpkg")
    survey = corrected(theirs, tmp_path / "survey.gpkg", {"uv-b": 40},
                       uv_b={"accuracy": "surveyed", "geometry_source": "2024 测绘"})  # fmt: skip
    send(wang.page, server, survey)
    assert rows(wang.page) == [[
        "uv-b 乙村区块", "修改", "40.0",
        "accuracy: schematic → surveyed geometry_source: 测试 / test → 2024 测绘",
        "schematic → surveyed",
    ]]  # fmt: skip
    # the map: the old shape dashed, the new one solid, both drawn by the vendored Leaflet
    wang.page.wait_for_selector(".folium-map[data-geoapp-loaded='1']")  # the outline, by URL
    dashes = wang.page.eval_on_selector_all(
        ".leaflet-overlay-pane path", "ps => ps.map(p => p.getAttribute('stroke-dasharray'))"
    )
    assert sorted(map(str, dashes)) == ["6 5", "8 4", "None"]  # before, the city outline, after
    wang.page.click("button:has-text('确认写入')")
    wang.page.wait_for_selector("h1:has-text('已导入')")
    assert wang.page.inner_text("tr:has(th:has-text('修改')) td") == "uv-b"

    edit = corrected(mine, tmp_path / "li.gpkg", {}, uv_a={"name_en": "Block A (north)"})
    send(li.page, server, edit)
    table = rows(li.page)
    assert table[0][:3] == ["uv-b 乙村区块", "修改", "40.0"]
    assert table[1] == ["uv-a 甲村区块", "修改", "", "name_en: Uv A → Block A (north)",
                        "schematic → schematic"]  # fmt: skip
    conflict = li.page.inner_text("tr#f-uv-b td:last-child")
    assert "您下载后已被修改: 版本 2" in conflict and "wang" in conflict
    li.page.check("input[name='choice-uv-b'][value='take']")
    li.page.click("button:has-text('确认写入')")
    li.page.wait_for_selector("h1:has-text('已导入')")
    assert li.page.inner_text("tr:has(th:has-text('冲突：采用我的')) td") == "uv-b"
    assert li.page.inner_text("tr:has(th:has-text('修改')) td") == "uv-a, uv-b"

    reviewer = Watched(browser, server, "zhao")
    reviewer.page.goto(f"{server}/audit?action=import.applied")
    actors = reviewer.page.eval_on_selector_all(
        "table.gp-table tr td:nth-child(3)", "tds => tds.map(t => t.innerText)"
    )
    assert actors == ["li", "wang"]
    layer = li.page.context.request.get(f"{server}/api/layers/{LAYER}").json()
    assert {f["id"]: (f["properties"]["version"], f["properties"]["accuracy"])
            for f in layer["features"]} == {"uv-a": (2, "schematic"), "uv-b": (3, "schematic")}  # fmt: skip
    for who in (wang, li, reviewer):
        assert who.errors == []
