"""One parameter module for every door: the same bad value gets the same 400 and message."""

from __future__ import annotations

import pytest

from geoapp.config import load_config
from geoapp.maps import resolve_basemap

LON_LAT = "lon=120.05&lat=28.9"
#: Doors that take each parameter: a URL with ``{}`` where the parameter goes.
DOORS = {
    "lang": ["/?{}", "/progress?{}", "/embed?{}", "/embed/builder?{}", "/embed.png?{}"],
    "bbox": [
        "/api/layers/parks?{}",
        "/ogc/collections/parks/items?{}",
        "/embed?{}",
        "/embed.png?{}",
    ],
    "limit": ["/api/layers/parks?{}", "/ogc/collections/parks/items?{}"],
    "offset": ["/api/layers/parks?{}", "/ogc/collections/parks/items?{}"],
    "status": [
        "/api/layers/parks?{}",
        "/api/projects?{}",
        "/ogc/collections/parks/items?{}",
        "/embed?{}",
        "/embed.png?{}",
    ],
    "zone": [
        "/api/layers/parks?{}",
        f"/api/query/nearest?{LON_LAT}&{{}}",
        "/embed?{}",
        "/embed.png?{}",
    ],
    "layer": [f"/api/query/nearest?{LON_LAT}&{{}}", "/api/projects?{}"],
    "layers": ["/embed?{}", "/embed.png?{}"],
}
ZONES = (
    "zone-eco-leisure-belt, zone-north-agri, zone-central-agri, zone-east-eco-agri, "
    "zone-central-city, zone-gushan"
)
LAYERS = (
    "boundary, zones, parks, platforms, micro_enterprise_parks, culture_tourism, sanjiang_liuan, "
    "urban_villages, ring_roads, public_facilities, towns"
)
BAD = [
    ("lang", "fr", "lang must be one of: zh, en"),
    ("bbox", "1,2,3", "bbox must be four numbers: minlon,minlat,maxlon,maxlat (or six, with heights)"),
    ("bbox", "120.1,28,120,29", "bbox is inverted: min must not exceed max"),
    ("bbox", "0,0,200,1", "bbox must be between -180 and 180"),
    ("bbox", "120,28,nan,29", "bbox must be a finite number, not 'nan'"),
    ("limit", "²", "limit must be an integer, not '²'"),
    ("limit", "①", "limit must be an integer, not '①'"),
    ("limit", "10001", "limit must be between 1 and 10000"),
    ("limit", "0", "limit must be between 1 and 10000"),
    ("offset", "-1", "offset must be at least 0"),
    ("status", "done", "unknown status 'done'; expected one of: planned, preparing, launched, "
     "under_construction, topped_out, completed, accepted, in_service"),
    ("zone", "nope", f"unknown zone 'nope'; expected one of: {ZONES}"),
    # the 东永一线 axis is a line of the zones layer: no door takes it as a zone
    ("zone", "zone-dongyong-axis", f"unknown zone 'zone-dongyong-axis'; expected one of: {ZONES}"),
    ("layer", "nope", f"unknown layer 'nope'; expected one of: {LAYERS}"),
    ("layers", "nope", f"unknown layer 'nope'; expected one of: {LAYERS}"),
]  # fmt: skip
GOOD = [
    ("lang", "en"),
    ("bbox", "119.9,28.7,120.4,29.2"),
    ("limit", "5"),
    ("offset", "1"),
    ("status", "planned"),
    ("zone", "zone-central-city"),
    ("layer", "parks"),
    ("layers", "parks"),
]


def _cases(rows):
    return [
        pytest.param(
            door.format(f"{param}={value}"), *rest, id=f"{door.split('?')[0]}-{param}={value}"
        )
        for param, value, *rest in rows
        for door in DOORS[param]
    ]


@pytest.mark.parametrize(("url", "message"), _cases(BAD))
def test_every_door_answers_a_bad_value_alike(client, url, message):
    resp = client.get(url.replace("²", "%C2%B2").replace("①", "%E2%91%A0"))
    assert resp.status_code == 400, (url, resp.data[:200])
    assert resp.json["error"]["message"] == message
    assert resp.json["error"]["param"] == url.rsplit("&", 1)[-1].split("?")[-1].split("=")[0]


@pytest.mark.parametrize("url", [p.values[0] for p in _cases(GOOD)])
def test_every_door_takes_a_good_value(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.data[:300])


def test_oembed_and_picture_sizes_are_strict_integers(client):
    for url, param in [
        ("/oembed?url=http://localhost/embed&maxwidth=%C2%B2", "maxwidth"),
        ("/embed.png?width=%C2%B2", "width"),
    ]:
        resp = client.get(url)
        assert resp.status_code == 400
        assert resp.json["error"] == {
            "code": "bad_request", "message": f"{param} must be an integer, not '²'", "param": param,
        }  # fmt: skip


def test_default_lang_reaches_every_page(tmp_path):
    from geoapp.web import create_app

    app = create_app({"TESTING": True, "DEFAULT_LANG": "en"})
    client = app.test_client()
    for url in ("/", "/progress", "/embed", "/embed/builder"):
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="en"' in html, url
    oembed = client.get("/oembed?url=http://localhost/embed").json
    assert oembed["title"] == "Yongkang planning map"


@pytest.mark.parametrize(("text", "shifted"), [("false", False), ("0", False), ("true", True)])
def test_basemap_gcj02_from_the_environment_is_a_boolean(text, shifted):
    cfg = load_config(
        env={
            "GEOAPP_BASEMAP_GCJ02": text,
            "GEOAPP_BASEMAP_URL": "https://t.example/{z}/{x}/{y}.png",
        }
    )
    assert cfg["BASEMAP_GCJ02"] is shifted
    assert resolve_basemap("custom", cfg).gcj02 is shifted


def test_413_says_the_configured_limit():
    from geoapp.web import create_app

    client = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 512 * 1024}).test_client()
    resp = client.post(
        "/api/query/intersects", data=b" " * (600 * 1024), content_type="application/json"
    )
    assert resp.status_code == 413
    assert resp.json["error"]["message"] == "request body too large (the limit is 512 KB)"
