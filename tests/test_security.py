"""Trusted hosts, the public base URL, and cache keys that include what changes the page."""

from __future__ import annotations

import re

import pytest

LINK = re.compile(r'<link rel="alternate" type="application/json\+oembed" href="([^"]*)">')


@pytest.fixture
def public_app(app):
    """The app configured with its public URL (behind a proxy, say)."""
    from geoapp.web import create_app

    return create_app({**app.config, "PUBLIC_URL": "https://map.example.cn/", "TRUSTED_HOSTS": ""})


def test_public_url_is_trusted_and_builds_the_links(public_app):
    client = public_app.test_client()
    resp = client.get("/?lang=en", base_url="http://map.example.cn")
    assert resp.status_code == 200
    assert LINK.findall(resp.get_data(as_text=True)) == [
        "https://map.example.cn/oembed?url=https%3A%2F%2Fmap.example.cn%2F%3Flang%3Den&amp;format=json"
    ]
    local = client.get("/?lang=en", base_url="http://127.0.0.1:8000")  # a health check
    assert LINK.findall(local.get_data(as_text=True)) == LINK.findall(resp.get_data(as_text=True))
    for other in ("http://map.example.cn.evil.org", "http://example.cn", "http://evil.org"):
        assert client.get("/?lang=en", base_url=other).status_code == 400


def test_trusted_hosts_allow_a_list_and_subdomains(app):
    from geoapp.web import create_app

    app = create_app({**app.config, "TRUSTED_HOSTS": "intranet-gis, .yk.gov.cn"})
    client = app.test_client()
    assert client.get("/api/layers", base_url="http://intranet-gis:8000").status_code == 200
    assert client.get("/api/layers", base_url="https://map.yk.gov.cn").status_code == 200
    assert client.get("/api/layers", base_url="http://localhost").status_code == 200
    resp = client.get("/api/layers", base_url="http://yk.gov.cn.evil.org")
    assert resp.status_code == 400
    assert resp.json["error"]["code"] == "bad_host"


def test_each_host_gets_its_own_cached_page(client):
    """Two trusted names for one server: each page links to the name it was asked by."""
    first = client.get("/embed?layers=parks", base_url="http://localhost")
    second = client.get("/embed?layers=parks", base_url="http://127.0.0.1:8000")
    assert LINK.findall(first.get_data(as_text=True)) == [
        "http://localhost/oembed?url=http%3A%2F%2Flocalhost%2Fembed%3Flayers%3Dparks&amp;format=json"
    ]
    assert LINK.findall(second.get_data(as_text=True)) == [
        "http://127.0.0.1:8000/oembed?url=http%3A%2F%2F127.0.0.1%3A8000%2Fembed%3Flayers%3Dparks&amp;format=json"
    ]


def test_stray_parameters_neither_change_the_map_page_nor_reach_it(client):
    """?utm_source=… is not written into the cached page (its link keeps lang and basemap)."""
    tracked = client.get("/?utm_source=wechat&lang=en&basemap=none").get_data(as_text=True)
    plain = client.get("/?lang=en&basemap=none").get_data(as_text=True)
    assert tracked == plain
    assert "utm_source" not in tracked
    assert LINK.findall(plain) == [
        "http://localhost/oembed?url=http%3A%2F%2Flocalhost%2F%3Flang%3Den%26basemap%3Dnone&amp;format=json"
    ]


EVERY_KIND = [
    ("/", 200), ("/embed?layers=parks", 200), ("/progress", 200), ("/api/layers", 200),
    ("/api/layers/nope", 404), ("/api/layers/parks?limit=abc", 400), ("/ogc/", 200),
    ("/static/js/embed-resize.js", 200), ("/favicon.ico", 200), ("/no/such/page", 404),
    ("/export/", 200), ("/embed.png?layers=parks&width=100&height=100&dpi=72", 200),
]  # fmt: skip


@pytest.mark.parametrize(("path", "status"), EVERY_KIND, ids=[p for p, _ in EVERY_KIND])
def test_every_response_carries_the_security_headers(client, path, status):
    with client.get(path) as resp:
        assert resp.status_code == status
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = dict(d.split(" ", 1) for d in resp.headers["Content-Security-Policy"].split("; "))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"].split()[0] == "'self'"
    assert all(s.startswith("'sha256-") for s in csp["script-src"].split()[1:])
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["style-src"] == "'self' 'unsafe-inline'"  # Leaflet's inline styles; styles only
    frameable = path.startswith(("/embed?", "/embed.png"))
    assert csp["frame-ancestors"] == ("*" if frameable else "'self'")
    assert "Strict-Transport-Security" not in resp.headers  # not configured, not https
    cors = path.startswith(("/api/", "/ogc/", "/export/"))
    assert resp.headers.get("Access-Control-Allow-Origin") == ("*" if cors else None)


def test_inline_scripts_of_a_page_are_allowed_by_hash(client):
    """Exactly the page's inline scripts are listed; a 304 keeps the same policy."""
    import base64
    import hashlib

    resp = client.get("/embed?layers=parks")
    html = resp.get_data()
    bodies = re.findall(rb"<script>(.*?)</script>", html, re.S)
    assert bodies  # folium writes the map's set-up inline
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(b).digest()).decode() + "'" for b in bodies
    }
    csp = resp.headers["Content-Security-Policy"]
    listed = set(csp.split("; ")[1].split()[2:])  # after "script-src 'self'"
    assert listed == expected
    again = client.get("/embed?layers=parks", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Content-Security-Policy"] == csp


def test_tile_servers_are_allowed_images(app):
    from geoapp.web import create_app

    app = create_app(
        {**app.config, "TIANDITU_KEY": "k", "BASEMAP_URL": "https://t.example.cn/{z}/{x}/{y}.png"}
    )
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    img = next(d for d in csp.split("; ") if d.startswith("img-src"))
    assert img == (
        "img-src 'self' data: blob: https://tile.openstreetmap.org https://*.tianditu.gov.cn "
        "https://*.is.autonavi.com https://t.example.cn"
    )


def test_hsts_only_over_https_when_configured(app):
    from geoapp.web import create_app

    client = create_app({**app.config, "HSTS_SECONDS": 31536000}).test_client()
    secure = client.get("/api/layers", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/api/layers").headers


def test_compressed_pages_are_kept_by_their_exact_bytes(app):
    """The map page is gzipped once: later answers are the same bytes, and match the page."""
    import gzip

    client = app.test_client()
    plain = client.get("/?lang=en").get_data()
    first = client.get("/?lang=en", headers={"Accept-Encoding": "gzip"})
    second = client.get("/?lang=en", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.get_data()) == plain
    assert second.get_data() == first.get_data()
    cache = next(iter(app.extensions["geoapp.compressed_pages"]._items))  # one page kept, by digest
    assert cache.startswith("gzip;") and len(app.extensions["geoapp.compressed_pages"]._items) == 1
    zh = client.get("/", headers={"Accept-Encoding": "gzip"})  # another page: its own entry
    assert gzip.decompress(zh.get_data()) == client.get("/").get_data()
    api = client.get("/api/layers", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"
    assert len(app.extensions["geoapp.compressed_pages"]._items) == 2  # JSON is not kept
