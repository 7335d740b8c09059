"""oEmbed: the exact JSON for our URLs, the errors, escaping and the discovery link."""

from __future__ import annotations

import doctest
from urllib.parse import quote

import pytest

from geoapp import oembed
from geoapp.oembed import discovery_links, iframe_html, same_site

TITLE_Q = "%E5%9F%8E%E4%B8%AD%E6%9D%91%E6%94%B9%E9%80%A0%E5%8C%BA%E5%9D%97"  # 城中村改造区块


def ask(client, url: str, **args):
    """GET /oembed for ``url`` (percent-encoded as a consumer would)."""
    query = "&".join(f"{k}={v}" for k, v in {"url": quote(url, safe=""), **args}.items())
    return client.get(f"/oembed?{query}")


def test_rich_response_for_an_embed_url(client):
    resp = ask(client, "http://localhost/embed?layers=urban_villages&title=城中村改造区块")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.headers["Cache-Control"] == "public, max-age=300"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.json == {
        "type": "rich",
        "version": "1.0",
        "title": "城中村改造区块",
        "provider_name": "永康规划一张图",
        "provider_url": "http://localhost/",
        "html": (
            f'<iframe src="http://localhost/embed?layers=urban_villages&amp;title={TITLE_Q}" '
            'width="100%" height="450" title="城中村改造区块" style="border:0;max-width:100%" '
            'loading="lazy" allowfullscreen></iframe>'
        ),
        "width": 800,
        "height": 450,
        "thumbnail_url": (
            f"http://localhost/embed.png?layers=urban_villages&title={TITLE_Q}"
            "&width=800&height=450&dpi=100"
        ),
        "thumbnail_width": 800,
        "thumbnail_height": 450,
        "cache_age": 3600,
    }


def test_the_full_map_url_within_maxwidth_and_maxheight(client):
    resp = ask(client, "http://localhost/?lang=en&utm_source=wechat", maxwidth=600, maxheight=300)
    assert resp.status_code == 200
    assert resp.json == {
        "type": "rich",
        "version": "1.0",
        "title": "Yongkang planning map",
        "provider_name": "永康规划一张图",
        "provider_url": "http://localhost/",
        "html": (
            '<iframe src="http://localhost/embed?lang=en" width="600" height="300" '
            'title="Yongkang planning map" style="border:0;max-width:100%" loading="lazy" '
            "allowfullscreen></iframe>"
        ),
        "width": 600,
        "height": 300,
        "thumbnail_url": "http://localhost/embed.png?lang=en&width=600&height=300&dpi=100",
        "thumbnail_width": 600,
        "thumbnail_height": 300,
        "cache_age": 3600,
    }


def test_maxheight_above_the_default_and_a_tiny_maxwidth(client):
    doc = ask(client, "http://localhost/embed", maxwidth=60, maxheight=2000).json
    assert (doc["width"], doc["height"]) == (60, 450)
    # the picture cannot be under 100 px: the thumbnail is clamped
    assert (doc["thumbnail_width"], doc["thumbnail_height"]) == (100, 450)
    assert doc["html"].startswith('<iframe src="http://localhost/embed" width="60" height="450"')


def test_everything_in_the_html_is_escaped(client):
    evil = '"><script>alert(1)</script>'
    doc = ask(client, f"http://localhost/embed?title={quote(evil)}").json
    assert doc["title"] == evil
    assert "<script>" not in doc["html"]
    assert 'title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in doc["html"]
    assert (
        'src="http://localhost/embed?title=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"'
        in doc["html"]
    )


def _client(bundled, **config):
    """A test client over the bundled catalog (read only, loaded once per session)."""
    from geoapp.web import create_app
    from geoapp.web.state import set_catalog

    app = create_app({"TESTING": True, "BASEMAP": "none", **config})
    set_catalog(app, bundled)
    return app.test_client()


@pytest.fixture(scope="module")
def client(bundled):
    """The app at http://localhost/."""
    return _client(bundled)


@pytest.fixture(scope="module")
def public_client(bundled):
    """An app that knows its public address (behind a proxy, under a path)."""
    return _client(bundled, PUBLIC_URL="https://map.example.gov.cn/yk")


@pytest.mark.parametrize(
    "url",
    [
        "https://map.example.gov.cn/yk/embed?layers=parks",
        "http://MAP.example.gov.cn:80/yk/embed?layers=parks",  # TLS ends at the proxy
        "http://localhost/embed?layers=parks",  # the app's own address
    ],
)
def test_public_url_builds_the_links(public_client, url):
    doc = ask(public_client, url).json
    assert doc["provider_url"] == "https://map.example.gov.cn/yk/"
    assert doc["html"].startswith('<iframe src="https://map.example.gov.cn/yk/embed?layers=parks"')
    assert doc["thumbnail_url"] == (
        "https://map.example.gov.cn/yk/embed.png?layers=parks&width=800&height=450&dpi=100"
    )
    assert doc["title"] == "公园绿地"


def test_not_ours_under_a_public_path(public_client):
    resp = ask(public_client, "https://map.example.gov.cn/other/embed")
    assert resp.status_code == 404


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://evil.example/embed", "not a map page of this site: https://evil.example/embed"),
        ("http://localhost:8080/embed", "not a map page of this site: http://localhost:8080/embed"),
        ("http://localhost/projects/uv-dongku",
         "not a map page of this site: http://localhost/projects/uv-dongku"),
        ("http://localhost/embed.png", "not a map page of this site: http://localhost/embed.png"),
        ("ftp://localhost/embed", "not a map page of this site: ftp://localhost/embed"),
        ("http://localhost:99999/embed", "not a map page of this site: http://localhost:99999/embed"),
        ("http://localhost/embed?layers=nope", "cannot embed this URL: layers: unknown layer 'nope'; expected one of: boundary, zones, "
         "parks, platforms, micro_enterprise_parks, culture_tourism, sanjiang_liuan, urban_villages, "
         "ring_roads, public_facilities, towns"),
    ],
)  # fmt: skip
def test_404_for_urls_we_cannot_embed(client, url, message):
    resp = ask(client, url)
    assert resp.status_code == 404
    assert resp.json == {"error": {"code": "not_found", "message": message, "param": "url"}}


def test_501_for_xml(client):
    resp = ask(client, "http://localhost/embed", format="xml")
    assert resp.status_code == 501
    assert resp.json == {
        "error": {
            "code": "not_implemented",
            "message": "only format=json is supported",
            "param": "format",
        }
    }


@pytest.mark.parametrize(
    ("query", "message", "param"),
    [
        ("", "missing required parameter 'url'", "url"),
        ("url=%20&format=json", "missing required parameter 'url'", "url"),
        (
            "url=http://localhost/embed&maxwidth=wide",
            "maxwidth must be an integer, not 'wide'",
            "maxwidth",
        ),
        # str.isdigit() accepts a superscript two, int() does not: once a 500
        (
            "url=http://localhost/embed&maxwidth=%C2%B2",
            "maxwidth must be an integer, not '²'",
            "maxwidth",
        ),
        (
            "url=http://localhost/embed&maxheight=0",
            "maxheight must be between 1 and 10000",
            "maxheight",
        ),
    ],
)
def test_400_for_bad_requests(client, query, message, param):
    resp = client.get(f"/oembed?{query}")
    assert resp.status_code == 400
    assert resp.json == {"error": {"code": "bad_request", "message": message, "param": param}}


def test_same_site():
    assert same_site("http://example.org/embed?x=1", "http://example.org/") == "embed"
    assert same_site("https://example.org", "http://example.org/") == ""
    assert same_site("http://example.org/map", "http://example.org/map") == ""
    assert same_site("http://example.org/map/embed", "http://example.org/map/") == "embed"
    assert same_site("http://example.org/mapx/embed", "http://example.org/map/") is None
    assert same_site("http://example.org.evil.net/embed", "http://example.org/") is None
    assert same_site("javascript:alert(1)", "http://example.org/") is None


def test_discovery_links_escape_the_page_url():
    link = discovery_links('https://map.example.gov.cn/embed?layers=parks&title="公园"')
    assert link == (
        '<link rel="alternate" type="application/json+oembed" '
        'href="https://map.example.gov.cn/oembed?url=https%3A%2F%2Fmap.example.gov.cn%2Fembed'
        '%3Flayers%3Dparks%26title%3D%22%E5%85%AC%E5%9B%AD%22&amp;format=json">'
    )
    titled = discovery_links("http://example.org/", title='A "map" <b>')
    assert titled.endswith(' title="A &quot;map&quot; &lt;b&gt;">')


def test_iframe_html():
    assert iframe_html("http://x/embed?a=1&b=2", "T", None, 450) == (
        '<iframe src="http://x/embed?a=1&amp;b=2" width="100%" height="450" title="T" '
        'style="border:0;max-width:100%" loading="lazy" allowfullscreen></iframe>'
    )


def test_doctests():
    assert doctest.testmod(oembed).failed == 0
