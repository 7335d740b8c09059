"""HTML routes answer errors with a page in the page's language and a way back; APIs with JSON."""

from __future__ import annotations

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize(
    ("path", "status", "lang", "heading", "back"),
    [
        ("/projects/nope", 404, "zh-CN", "找不到该页面", '<a href="/?lang=zh">返回地图</a>'),
        ("/projects/nope?lang=en", 404, "en", "Page not found", '<a href="/?lang=en">Back to the map</a>'),
        ("/no/such/page", 404, "zh-CN", "找不到该页面", '<a href="/?lang=zh">返回地图</a>'),
        ("/embed?layers=nope&lang=en", 400, "en", "Bad request", '<a href="/?lang=en">Back to the map</a>'),
        ("/?basemap=google", 400, "zh-CN", "请求有误", '<a href="/?lang=zh">返回地图</a>'),
        ("/progress?lang=fr", 400, "zh-CN", "请求有误", '<a href="/?lang=zh">返回地图</a>'),
    ],
)  # fmt: skip
def test_html_routes_answer_a_page_in_the_page_language(client, path, status, lang, heading, back):
    resp = client.get(path, headers=BROWSER)
    assert resp.status_code == status
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading} <span" in html
    assert back in html
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_the_detail_is_escaped_and_the_language_switch_keeps_the_query(client):
    evil = "<img src=x onerror=alert(1)>"
    resp = client.get(f"/projects/{evil}?lang=en&x=1", headers=BROWSER)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert "<img" not in html
    assert "Detail: no project &#39;&lt;img src=x onerror=alert(1)&gt;&#39;" in html
    switch = '<a class="gp-lang" href="/projects/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E?lang=zh&amp;x=1">中文</a>'
    assert switch in html


@pytest.mark.parametrize(
    "path",
    ["/api/layers/nope", "/ogc/collections/nope", "/export/nope.gpkg", "/oembed?url=x",
     "/embed.png?layers=nope"],
)  # fmt: skip
def test_api_paths_keep_the_json_shape_even_for_browsers(client, path):
    resp = client.get(path, headers=BROWSER)
    assert 400 <= resp.status_code < 500
    assert resp.mimetype == "application/json"
    assert set(resp.json["error"]) == {"code", "message", "param"}


@pytest.mark.parametrize("value", ["²", "①", "99999999999999999999", "-1", "1e3", "0x10"])
def test_oembed_sizes_are_parsed_strictly(client, value):
    resp = client.get(f"/oembed?url=http://localhost/embed&maxwidth={value}")
    assert resp.status_code == 400
    assert resp.json["error"]["param"] == "maxwidth"
