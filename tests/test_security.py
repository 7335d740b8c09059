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
