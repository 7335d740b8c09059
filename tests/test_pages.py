"""The map page, project pages and the progress page, through the Flask test client."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest

from geoapp import progress
from geoapp.coords import wgs84_to_gcj02
from tests.test_validation import edit_layer


class Assets(HTMLParser):
    """Collect every script src and stylesheet href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("rel") == "stylesheet":
            self.urls.append(a["href"])


def page_assets(html: str) -> list[str]:
    parser = Assets()
    parser.feed(html)
    return parser.urls


LAYER_SPEC = re.compile(r"window\.GeoappLayers\.create\(\s*\w+, (\{.*?\})\s*\)\.addTo")


def layer_specs(html: str) -> list[dict]:
    """The layer specs a map page carries (geoapp.map_layers): what it loads, from where."""
    return [json.loads(m.group(1)) for m in LAYER_SPEC.finditer(html)]


def embedded_features(html: str, client) -> dict[str, dict]:
    """Every GeoJSON feature the page draws, by id: fetched from the URLs it names, as a browser
    does, and kept to the selection each layer's spec names."""
    out = {}
    for spec in layer_specs(html):
        assert spec["source"] == "geojson", spec["id"]
        r = client.get(spec["url"])
        assert r.status_code == 200 and r.mimetype == "application/geo+json", spec["url"]
        for f in r.get_json()["features"]:
            if spec["features"] is None or f["properties"]["id"] in spec["features"]:
                out[f["properties"]["id"]] = f
    return out


def test_index_draws_every_feature_from_local_assets(client, bundled):
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    assert "<title>永康规划一张图</title>" in html
    urls = page_assets(html)
    assert urls and all(u.startswith("/static/") for u in urls), urls
    for url in urls:
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    ids = {fid for gdf in bundled.layers.values() for fid in gdf["id"]}
    assert set(embedded_features(html, client)) == ids
    assert "tile.openstreetmap.org" not in html  # the app fixture's basemap is none


def test_popup_has_status_target_source_accuracy_and_link(client):
    features = embedded_features(client.get("/").get_data(as_text=True), client)
    p = features["uv-dongku"]["properties"]
    assert p["_tip"] == "东库区块（位置示意）"
    assert p["_status"] == "planned" and p["_project"] == "uv-dongku"
    assert p["_steps"] == [["2020", "planned"], ["2021", "planned"], ["2022-03-31", "planned"]]
    assert p["_zones"] == ["zone-central-city"]
    popup = p["_popup"]
    for text in (
        "<h3>东库区块</h3>",
        "<b>状态</b>：谋划",
        "(2020，列入规划)",
        "<b>目标</b>：2020 结顶",
        "目标年份已过，暂无完成报道",
        "“加快城中村改造，西山头区块完成验收，东库区块结顶，周塘、应家、山荷里开工建设，许码头、黄棠启动改造。”",
        "<a href='/sources/002_68598ea19d7724ed.txt#q-ef85de99' target='_top'>"
        "《政府工作报告（重点抓好六个方面工作）》</a>永康日报 2020",
        "示意图形，依据公开资料与常识绘制，非测绘数据",
        "位置未核实",
        "href='/projects/uv-dongku?lang=zh'",
    ):
        assert text in popup, text
    assert ".txt</" not in popup and "，002_" not in popup  # no internal file name as text


def test_context_features_have_no_project(client):
    features = embedded_features(client.get("/").get_data(as_text=True), client)
    river = features["river-huaxi"]["properties"]
    assert river["_project"] == "" and river["_steps"] == [] and river["_river"] is True
    assert "项目详情" not in river["_popup"]


def test_english(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "<title>Yongkang Planning Map</title>" in html
    p = embedded_features(html, client)["uv-dongku"]["properties"]
    assert p["_tip"] == "Dongku block (position unverified)"
    assert "<b>Status</b>：planned" in p["_popup"] and "Target year passed" in p["_popup"]
    assert '"filter_status": "Filter by status"' in html


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("lang=fr", "lang", "lang must be one of: zh, en"),
        ("basemap=google", "basemap", "basemap must be one of: osm, none, tianditu, amap, custom"),
    ],
)
def test_bad_parameters(client, query, param, message):
    r = client.get(f"/?{query}", headers={"Accept": "application/json"})  # a script asking
    assert r.status_code == 400
    assert r.get_json() == {"error": {"code": "bad_request", "message": message, "param": param}}
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get(f"/?{query}", headers=browser)  # a page in the default language
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "<h1>请求有误" in page.get_data(as_text=True)


def test_basemaps(app, client):
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in client.get("/?basemap=osm").get_data(
        as_text=True
    )
    html = client.get("/?basemap=tianditu").get_data(as_text=True)
    assert "tianditu.gov.cn" not in html  # no key configured: blank basemap, not a broken one
    app.config.update(TIANDITU_KEY="k123", BASEMAP_URL="http://tiles.intranet/{z}/{x}/{y}.png")
    assert "\\u0026tk=k123" in client.get("/?basemap=tianditu").get_data(as_text=True)
    assert "http://tiles.intranet/{z}/{x}/{y}.png" in client.get("/?basemap=custom").get_data(
        as_text=True
    )


def test_amap_basemap_shifts_the_overlay_to_gcj02(client):
    wgs = embedded_features(client.get("/").get_data(as_text=True), client)["town-gushan"][
        "geometry"
    ]["coordinates"]
    gcj = embedded_features(client.get("/?basemap=amap").get_data(as_text=True), client)[
        "town-gushan"
    ]["geometry"]["coordinates"]
    expected = wgs84_to_gcj02(*wgs)
    assert gcj == pytest.approx([float(expected[0]), float(expected[1])], abs=1e-9)
    assert gcj != pytest.approx(wgs, abs=1e-4)


def test_hostile_names_are_escaped(tiny, tiny_app):
    data, _ = tiny
    hostile = "</script><script>alert('x')</script>\"'"
    edit_layer(
        data, "urban_villages", lambda fc: fc["features"][0]["properties"].update(name=hostile)
    )
    client = tiny_app.test_client()
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(" not in html and "</script><script>" not in html
    p = embedded_features(html, client)["uv-a"]["properties"]
    assert p["_tip"] == "&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#34;&#39;"
    assert "<h3>&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)" in p["_popup"]


def test_hostile_quote_on_project_and_progress_pages(tiny, tiny_app):
    client = tiny_app.test_client()
    page = client.get("/projects/uv-a").get_data(as_text=True)
    assert "“甲村区块完成验收”" in page
    r = client.get("/projects/%3Cscript%3E", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "<script>" not in r.get_data(as_text=True)
    assert "no project &#39;&lt;script&gt;&#39;" in r.get_data(as_text=True)


def test_project_page(client):
    r = client.get("/projects/uv-dongku")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "<title>东库区块 — 永康规划一张图</title>" in html
    assert "目标年份已过，暂无完成报道" in html
    assert "“加快城中村改造，西山头区块完成验收，东库区块结顶" in html
    assert html.count('class="gp-event ') == 1
    assert all(u.startswith("/static/") for u in page_assets(html))
    assert set(embedded_features(html, client)) == {"uv-dongku", "yongkang"}


def test_project_page_history_newest_first(client):
    html = client.get("/projects/beisanhuan?lang=en").get_data(as_text=True)
    dates = re.findall(r'<span class="gp-date">([^<]+)</span>', html)
    assert dates == ["2021", "2020"]
    assert "Target year passed; no report of completion yet" in html


def test_unplaced_project_page_has_no_map(client):
    html = client.get("/projects/new-g330").get_data(as_text=True)
    assert "尚未上图：位置或走向未知（走向未知）" in html and "leaflet" not in html.lower()
    assert "<h1>新330国道</h1>" in html and "&lt;" not in html  # the page is HTML, not escaped text


def test_unknown_project_404(client):
    r = client.get("/projects/nope")
    assert r.status_code == 404
    assert r.get_json() == {
        "error": {"code": "not_found", "message": "no project 'nope'", "param": "project_id"}
    }


def test_progress_overview_as_of_a_fixed_day(bundled):
    v = progress.overview(bundled, "zh", dt.date(2021, 6, 1))
    overdue = [p["project_id"] for p in v["overdue"]]
    # only 2020 targets have passed by mid-2021, and a 'planned' target is already met
    assert overdue == sorted(overdue, key=lambda pid: (bundled.projects[pid]["target_year"], pid))
    assert {bundled.projects[p]["target_year"] for p in overdue} == {"2020"}
    assert "hangli-hsr" not in overdue and "uv-dongku" in overdue
    assert len(overdue) == 42
    later = progress.overview(bundled, "zh", dt.date(2026, 11, 22))
    assert len(later["overdue"]) == 57
    assert [r["id"] for r in later["by_layer"]] == [
        "parks", "platforms", "micro_enterprise_parks", "culture_tourism", "sanjiang_liuan",
        "urban_villages", "ring_roads", "public_facilities",
    ]  # fmt: skip
    roads = next(r for r in later["by_layer"] if r["id"] == "ring_roads")
    assert (roads["total"], roads["unplaced"]) == (26, 11)
    assert roads["counts"] == [
        {"code": "planned", "label": "谋划", "color": "#7b7b7b", "count": 26, "pct": 100.0}
    ]
    # bars are proportional to counts: the biggest layer is full width, the others in proportion
    widths = {r["id"]: r["width"] for r in later["by_layer"]}
    assert widths["ring_roads"] == 100.0
    assert widths["parks"] == round(100 * later["by_layer"][0]["total"] / 26, 1)
    central = next(z for z in later["by_zone"] if z["id"] == "zone-central-city")
    # 42 placed projects; those at 方岩, 芝英, 古山, 前仓, 象珠 lie outside the central district
    assert central["total"] == 34
    micro = next(i for i in later["indicators"] if i["indicator_id"] == "micro-parks-built-2021")
    # no seed ties the three themed parks to the five to be completed: none counts toward it
    assert (micro["comparison"], micro["target"], micro["mapped"], micro["completed"]) == (
        "≥",
        5,
        0,
        0,
    )


def test_progress_page(client):
    html = client.get("/progress").get_data(as_text=True)
    assert "<title>进度总览 — 永康规划一张图</title>" in html
    assert "目标年份已过、未见完成报道的项目 (" in html
    assert "尚未上图的项目 (63)" in html
    assert "建成小微企业园</b> — 目标 ≥ 5 个（2021）" in html
    assert "已报道建成 0 · 已上图 0" in html
    assert "新开工建设小微企业园</b> — 目标 = 10 个（2020）" in html
    assert "已报道在建 0" in html
    assert "Progress" in client.get("/progress?lang=en").get_data(as_text=True)
    assert client.get("/progress?lang=xx").status_code == 400


def test_favicon(client):
    with client.get("/favicon.ico") as r:
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/svg+xml"


def test_embed_builder_offers_every_choice(client, bundled):
    r = client.get("/embed/builder")
    assert r.status_code == 200
    assert r.headers["Content-Security-Policy"].endswith("; frame-ancestors 'self'")
    html = r.get_data(as_text=True)
    assert "<title>新闻地图生成器 — 永康规划一张图</title>" in html
    for lid in bundled.defs:
        assert f'name="layers" value="{lid}"' in html
    placed = [p for p in bundled.projects.values() if p["feature_ids"]]
    assert (
        html.count('<option value="uv-') == 7
        and len(re.findall(r"<select name=\"projects\"", html)) == 1
    )
    assert sum(f'<option value="{p["project_id"]}">' in html for p in placed) == len(placed)
    assert 'data-resize-script="http://localhost/static/js/embed-resize.js"' in html
    assert all(u.startswith("/static/") for u in page_assets(html))
    assert client.get("/embed/builder?lang=en").get_data(as_text=True).count("Embed builder") == 2
    assert client.get("/embed/builder?lang=xx").status_code == 400


def test_legend_explains_status_colours_and_context_symbols(bundled):
    from geoapp.maps import legend_config

    legend = legend_config(bundled, list(bundled.defs), "en")
    assert [s["label"] for s in legend["statuses"]] == [
        "planned", "preparing", "launched", "under construction", "topped out", "completed", "accepted", "in service"
    ]  # fmt: skip
    assert [(entry["label"], entry["kind"]) for entry in legend["layers"]] == [
        ("City boundary", "polygon"),
        ("Spatial layout (one belt, three areas, one axis, two districts)", "polygon"),
        ("Rivers", "line"),
        ("Towns and subdistricts", "point"),
    ]


def test_source_page_highlights_the_quoted_sentence(client, bundled):
    from geoapp.registry import normalise_text

    html = client.get("/sources/002_68598ea19d7724ed.txt").get_data(as_text=True)
    assert "<title>政府工作报告（重点抓好六个方面工作） — 永康规划一张图</title>" in html
    quotes = {
        normalise_text(r["quote"])
        for table in (bundled.registry.history, bundled.registry.indicators)
        for r in table.to_dict("records")
        if r["source"] == "002_68598ea19d7724ed.txt"
    }
    assert f"永康日报 · 2020 · 高亮 {len(quotes)} 处引文" in html
    assert (
        '<mark id="q-ef85de99" tabindex="-1">加快城中村改造，西山头区块完成验收，东库区块结顶，'
        "周塘、应家、山荷里开工建设，许码头、黄棠启动改造。</mark>"
    ) in html
    assert client.get("/sources/nope.txt").status_code == 404
    assert client.get("/sources/..%2Fsources.csv").status_code == 404
    page = client.get("/projects/uv-dongku").get_data(as_text=True)
    assert 'href="/sources/002_68598ea19d7724ed.txt#q-ef85de99">《政府工作报告' in page
    assert ">002_68598ea19d7724ed.txt<" not in page and "，002_" not in page
    progress_page = client.get("/progress").get_data(as_text=True)
    assert ".txt</blockquote>" not in progress_page and 'href="/sources/' in progress_page


def test_project_table_and_csv(client, bundled):
    html = client.get("/").get_data(as_text=True)
    assert '<a class="gp-skip" href="#gp-projects">跳到项目列表（地图的文字版）</a>' in html
    assert html.index('class="folium-map"') < html.index('id="gp-projects"')
    assert f"规划项目一览 ({len(bundled.projects)})" in html
    resp = client.get("/projects.csv?lang=en")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == (
        "project_id,Project,Layer,Status,Status date,Target,Target year,Overdue,On the map"
    )
    assert len(lines) == len(bundled.projects) + 1
    row = next(line for line in lines if line.startswith("uv-dongku,"))
    assert row == (
        "uv-dongku,Dongku block,Urban-village redevelopment and future community,"
        "planned,2020,topped out,2020,yes,yes"
    )


def test_an_embed_with_nothing_to_show_says_so(client):
    zh = '<p class="gp-embed-empty" role="status">没有符合条件的项目：请调整筛选条件。</p>'
    en = '<p class="gp-embed-empty" role="status">No matching projects: change the filters.</p>'
    assert zh in client.get("/embed?layers=urban_villages&status=completed").get_data(as_text=True)
    # the default layers include the city outline, drawn whatever the filters: still no project
    assert zh in client.get("/embed?status=completed").get_data(as_text=True)
    assert en in client.get("/embed?status=completed&lang=en&dark=true").get_data(as_text=True)
    assert zh in client.get("/embed?zone=zone-central-city&status=completed").get_data(as_text=True)
    # a view of context layers only asks for no project
    assert "gp-embed-empty" not in client.get("/embed?layers=towns").get_data(as_text=True)
    assert "gp-embed-empty" not in client.get("/embed?status=planned").get_data(as_text=True)
    assert "gp-embed-empty" not in client.get("/embed?layers=urban_villages").get_data(as_text=True)
