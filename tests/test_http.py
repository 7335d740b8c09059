"""HTTP habits of every GET response: ETag/304, Cache-Control, gzip, CORS, Allow."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest
from flask import Response

from geoapp.web import create_app
from geoapp.web.state import get_catalog

URL = "/api/layers/urban_villages?limit=1"
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture
def tiny_client(tiny_app):
    """A client of the app over the tiny dataset."""
    return tiny_app.test_client()


def version(app) -> str:
    """The app's data version."""
    with app.app_context():
        return get_catalog().version


def test_etag_carries_the_data_version_and_the_url(tiny_app, tiny_client):
    r = tiny_client.get(URL, headers=IDENTITY)
    etag, weak = r.get_etag()
    assert not weak and etag.startswith(version(tiny_app) + "-") and len(etag) == 16 + 1 + 16
    assert tiny_client.get(URL, headers=IDENTITY).get_etag()[0] == etag  # stable
    other = tiny_client.get(URL + "&offset=1", headers=IDENTITY).get_etag()[0]
    assert other != etag and other.startswith(version(tiny_app))


def test_if_none_match_gives_304(tiny_client):
    etag = tiny_client.get(URL, headers=IDENTITY).headers["ETag"]
    r = tiny_client.get(URL, headers={**IDENTITY, "If-None-Match": etag})
    assert r.status_code == 304 and r.data == b""
    assert r.headers["ETag"] == etag
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = tiny_client.get(URL, headers={**IDENTITY, "If-None-Match": '"stale"'})
    assert r.status_code == 200 and r.json["numberReturned"] == 1


def test_head_has_the_same_etag(tiny_client):
    get = tiny_client.get(URL, headers=IDENTITY)
    head = tiny_client.head(URL, headers=IDENTITY)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]


def test_etag_changes_with_the_data(tiny, tiny_app):
    data, layers = tiny
    before = tiny_app.test_client().get(URL, headers=IDENTITY).headers["ETag"]
    path = data / "geojson" / "parks.geojson"
    fc = json.loads(path.read_text("utf-8"))
    fc["features"][0]["properties"]["name"] = "甲公园（改）"
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    fresh = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers)})
    r = fresh.test_client().get(URL, headers={**IDENTITY, "If-None-Match": before})
    assert r.status_code == 200 and r.headers["ETag"] != before
    assert r.get_etag()[0].startswith(version(fresh)) and version(fresh) != version(tiny_app)


def test_cache_control(tiny_client):
    assert tiny_client.get(URL).headers["Cache-Control"] == "public, max-age=60"
    assert "Cache-Control" not in tiny_client.get("/api/layers/nope").headers  # errors: none


def test_a_view_keeps_its_own_cache_control_and_etag(tiny_app):
    @tiny_app.get("/api/own")
    def own():
        r = Response("x", headers={"Cache-Control": "no-store"})
        r.set_etag("mine")
        return r

    r = tiny_app.test_client().get("/api/own")
    assert r.headers["Cache-Control"] == "no-store" and r.headers["ETag"] == '"mine"'


def test_static_files_keep_their_own_validators(tiny_client):
    with tiny_client.get("/static/vendor/MANIFEST.json", headers=IDENTITY) as r:
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache"
        assert "-" in r.get_etag()[0] and "Access-Control-Allow-Origin" not in r.headers
        headers = {**IDENTITY, "If-None-Match": r.headers["ETag"]}
    with tiny_client.get("/static/vendor/MANIFEST.json", headers=headers) as again:
        assert again.status_code == 304


def test_gzip(tiny_client):
    plain = tiny_client.get("/api/layers", headers=IDENTITY)
    r = tiny_client.get("/api/layers", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
    assert gzip.decompress(r.data) == plain.data
    assert int(r.headers["Content-Length"]) == len(r.data) < len(plain.data) / 3
    assert r.headers["ETag"] == plain.headers["ETag"][:-1] + ':gzip"'
    again = tiny_client.get(
        "/api/layers", headers={"Accept-Encoding": "gzip", "If-None-Match": r.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_geojson_is_compressed_too(tiny_client):
    r = tiny_client.get("/api/layers/urban_villages", headers={"Accept-Encoding": "gzip"})
    assert r.mimetype == "application/geo+json" and r.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(r.data))["numberMatched"] == 2


@pytest.mark.parametrize("path", ["/api/layers", "/api/layers/nope", "/api/query/point"])
def test_cors_on_api_gets_and_their_errors(tiny_client, path):
    assert tiny_client.get(path).headers["Access-Control-Allow-Origin"] == "*"


def test_no_cors_on_posts_or_outside_the_api(tiny_client):
    r = tiny_client.post("/api/query/intersects", json={"type": "Point", "coordinates": [0, 0]})
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    assert "ETag" not in r.headers and "Cache-Control" not in r.headers
    assert "Access-Control-Allow-Origin" not in tiny_client.get("/nope").headers


def test_cors_under_ogc_and_export_prefixes(tiny_app):
    tiny_app.add_url_rule("/ogc/x", "ogc_x", lambda: "ok")
    tiny_app.add_url_rule("/export/x", "export_x", lambda: "ok")
    client = tiny_app.test_client()
    for path in ("/ogc/x", "/export/x", "/ogc/missing"):
        assert client.get(path).headers["Access-Control-Allow-Origin"] == "*"


def test_405_says_what_is_allowed(tiny_client):
    r = tiny_client.delete("/api/layers")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_broken_data_gives_no_etag_but_no_500_either(tmp_path):
    from geoapp.config import ROOT

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "geojson" / "parks.geojson").write_text("{", "utf-8")
    app = create_app({"TESTING": True, "DATA_DIR": str(data)})
    app.add_url_rule("/api/hello", "hello", lambda: "hi")
    r = app.test_client().get("/api/hello")
    assert r.status_code == 200 and "ETag" not in r.headers


def test_streamed_static_files_are_compressed_and_their_files_closed(tiny_client):
    """Flask-Compress streams a static file through brotli; the file handle still gets closed."""
    import brotli

    with tiny_client.get("/static/vendor/MANIFEST.json", headers={"Accept-Encoding": "br"}) as r:
        assert r.headers["Content-Encoding"] == "br"
        assert "packages" in json.loads(brotli.decompress(r.data))


def _frame_ancestors(resp) -> str:
    """The frame-ancestors directive of a response's CSP (the last one)."""
    return resp.headers["Content-Security-Policy"].split("; ")[-1]


def test_only_the_embed_may_be_framed_by_other_sites(client):
    assert _frame_ancestors(client.get("/embed?layers=parks")) == "frame-ancestors *"
    for path in ("/", "/progress", "/embed/builder", "/projects/uv-dongku", "/api/layers"):
        assert _frame_ancestors(client.get(path)) == "frame-ancestors 'self'", path
    assert _frame_ancestors(client.get("/embed?layers=nope")) == "frame-ancestors *"
    assert client.get("/embed?layers=parks").headers["Cache-Control"] == "public, max-age=60"
