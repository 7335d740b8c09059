"""The JSON API: exact answers on the tiny and bundled data, and every error with its exact JSON."""

from __future__ import annotations

import json

import pytest

from geoapp.status import STATUSES

P = "lon=120.045&lat=28.897"  # between the tiny dataset's two blocks, inside zone-core
LAYER_IDS = "boundary, zones, parks, urban_villages, ring_roads"
STATUS_CODES = ", ".join(s.code for s in STATUSES)
GEOMETRY_TYPES = "Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon"


@pytest.fixture
def tiny_client(tiny_app):
    """A client of the app over the tiny dataset."""
    return tiny_app.test_client()


def error(code: str, message: str, param: str | None) -> dict:
    """The one error shape."""
    return {"error": {"code": code, "message": message, "param": param}}


def feature_ids(body: dict) -> list[str]:
    """The ids of a FeatureCollection, in order."""
    return [f["id"] for f in body["features"]]


def distances(body: dict) -> list[tuple[str, int]]:
    """(id, distance rounded to the metre) per feature."""
    return [(f["id"], round(f["properties"]["distance_m"])) for f in body["features"]]


# ------------------------------------------------------------------ layers and features


def test_layers(tiny_client):
    r = tiny_client.get("/api/layers")
    assert r.status_code == 200 and r.mimetype == "application/json"
    layers = {layer["id"]: layer for layer in r.json["layers"]}
    assert list(layers) == ["boundary", "zones", "parks", "urban_villages", "ring_roads"]
    assert [layer["count"] for layer in layers.values()] == [1, 1, 1, 2, 1]
    uv = layers["urban_villages"]
    assert uv["title"] == {
        "zh": "城中村改造与未来社区",
        "en": "Urban-village redevelopment and future community",
    }
    assert uv["extent"] == [120.04, 28.89, 120.052, 28.897]
    assert uv["geometry_types"] == ["Polygon", "MultiPolygon"] and uv["has_status"] is True
    fields = {f["name"]: f for f in uv["fields"]}
    assert list(fields)[:6] == [
        "id", "name", "name_en", "accuracy", "location_confidence", "geometry_source",
    ]  # fmt: skip
    assert fields["accuracy"]["values"][2] == {
        "value": "schematic",
        "label": {"zh": "示意", "en": "schematic"},
    }
    assert fields["status"]["label"] == {"zh": "状态", "en": "Status"}
    assert [v["label"]["zh"] for v in fields["status"]["values"]] == [s.zh for s in STATUSES]
    assert "status" not in {f["name"] for f in layers["zones"]["fields"]}


def test_layer_features_paged_with_a_subset_of_properties(tiny_client):
    r = tiny_client.get("/api/layers/urban_villages?properties=name,status&limit=1&offset=1")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    assert r.json == {
        "type": "FeatureCollection",
        "numberMatched": 2,
        "numberReturned": 1,
        "features": [
            {
                "type": "Feature",
                "id": "uv-b",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [120.05, 28.895],
                            [120.05199999999999, 28.895],
                            [120.05199999999999, 28.897],
                            [120.05, 28.897],
                            [120.05, 28.895],
                        ]
                    ],
                },
                "properties": {"name": "乙村区块", "status": "planned"},
            }
        ],
    }


def test_layer_features_have_null_not_nan(tiny_client):
    park = tiny_client.get("/api/layers/parks").json["features"][0]["properties"]
    assert park["project_id"] is None and park["status"] is None and park["quote"] is None
    assert b"NaN" not in tiny_client.get("/api/layers/parks").data


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["uv-a", "uv-b"]),
        ("q=UV%20B", ["uv-b"]),
        ("q=甲村", ["uv-a"]),
        ("q=nothing", []),
        ("bbox=120.049,28.8,121,29", ["uv-b"]),
        ("bbox=120.042,28.892,120.042,28.892", ["uv-a"]),  # a degenerate box: the corner
        ("status=planned", ["uv-a", "uv-b"]),
        ("status=completed,in_service", []),
        ("zone=zone-core", ["uv-a", "uv-b"]),
        ("limit=1", ["uv-a"]),
        ("offset=2", []),
    ],
)
def test_layer_feature_filters(tiny_client, query, expected):
    body = tiny_client.get(f"/api/layers/urban_villages?{query}").json
    assert feature_ids(body) == expected


def test_layer_feature_counts_on_the_bundled_data(client):
    counts = {layer["id"]: layer["count"] for layer in client.get("/api/layers").json["layers"]}
    assert counts == {
        "boundary": 1, "zones": 7, "parks": 4, "micro_enterprise_parks": 3,
        "sanjiang_liuan": 9, "urban_villages": 8, "ring_roads": 15, "towns": 14,
        "platforms": 2, "public_facilities": 5, "culture_tourism": 4,
    }  # fmt: skip
    body = client.get("/api/layers/ring_roads?q=南四环&limit=100").json
    assert body["numberMatched"] == body["numberReturned"] == 3
    assert feature_ids(body) == [
        "road-nansihuan-wujin-nandu", "road-nansihuan-nandu-g330", "road-jiefang-nanlu",
    ]  # fmt: skip
    body = client.get("/api/layers/ring_roads?q=3RD%20RING&properties=name").json
    assert [f["properties"]["name"] for f in body["features"]] == [
        "北三环",
        "解放南路（南三环—南四环）",
    ]


# ------------------------------------------------------------------ projects


def test_projects(tiny_client):
    body = tiny_client.get("/api/projects").json
    assert body["count"] == 3
    assert [(p["project_id"], p["layer"], p["feature_ids"]) for p in body["projects"]] == [
        ("uv-a", "urban_villages", ["uv-a"]),
        ("uv-b", "urban_villages", ["uv-b"]),
        ("road-a", "ring_roads", ["road-a"]),
    ]
    assert tiny_client.get("/api/projects?layer=ring_roads").json["count"] == 1
    assert tiny_client.get("/api/projects?status=completed").json == {"count": 0, "projects": []}


def test_project_with_history_and_sources(tiny_client):
    assert tiny_client.get("/api/projects/uv-a").json == {
        "project_id": "uv-a",
        "name": "甲村区块",
        "name_en": "Block A",
        "layer": "urban_villages",
        "feature_ids": ["uv-a"],
        "category": "urban_village",
        "status": "planned",
        "status_date": "2020",
        "target_status": "accepted",
        "target_year": "2020",
        "note": "",
        "name_added": "",
        "unplaced_reason": "",
        "unplaced_reason_en": "",
        "history": [
            {
                "date": "2020",
                "status": "accepted",
                "kind": "target",
                "target_year": "2020",
                "source": "900_tiny.txt",
                "quote": "甲村区块完成验收",
                "note": "",
                "verb": "",
            },
        ],  # fmt: skip
        "sources": [
            {
                "file": "900_tiny.txt",
                "title": "测试稿",
                "publication": "测试",
                "date": "2020",
                "date_precision": "year",
                "date_basis": "test",
                "sha256": "f0c894cb4040e088eb6abb994ee6f5f3bcec994709f769dbbcc2e0a25f05aa2e",
            },
        ],  # fmt: skip
    }


# ------------------------------------------------------------------ queries


def test_query_point(tiny_client):
    assert tiny_client.get(f"/api/query/point?{P}").json == {
        "lon": 120.045,
        "lat": 28.897,
        "radius_m": 500.0,
        "zones": ["zone-core"],
        "containing": [
            {
                "layer": "boundary",
                "id": "yongkang",
                "name": "永康市",
                "name_en": "Yongkang City",
                "status": None,
            },
            {
                "layer": "zones",
                "id": "zone-core",
                "name": "中心城区片",
                "name_en": "Zone Core",
                "status": None,
            },
        ],  # fmt: skip
        "nearby": [
            {
                "layer": "urban_villages",
                "id": "uv-b",
                "name": "乙村区块",
                "name_en": "Uv B",
                "status": "planned",
                "distance_m": 487.68,
            },
        ],  # fmt: skip
    }
    body = tiny_client.get("/api/query/point?lon=120.031&lat=28.901&layer=parks").json
    assert [c["id"] for c in body["containing"]] == ["park-a"] and body["nearby"] == []


def test_query_nearest(tiny_client):
    r = tiny_client.get(f"/api/query/nearest?{P}&k=2&layer=urban_villages")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    assert distances(r.json) == [("uv-b", 488), ("uv-a", 627)]
    props = r.json["features"][0]["properties"]
    assert props["layer"] == "urban_villages" and props["distance_m"] == 487.68
    assert props["project_id"] == "uv-b" and props["target_status"] == "topped_out"
    assert r.json["numberReturned"] == 2
    default_k = tiny_client.get(f"/api/query/nearest?{P}").json  # k=5 by default
    assert feature_ids(default_k) == ["yongkang", "zone-core", "uv-b", "uv-a", "park-a"]


def test_query_nearest_on_the_bundled_data(client):
    body = client.get("/api/query/nearest?lon=120.05&lat=28.9&k=3&layer=towns").json
    assert distances(body) == [
        ("town-dongcheng", 488),
        ("town-jiangnan", 3123),
        ("town-xicheng", 4424),
    ]


def test_query_within(tiny_client):
    body = tiny_client.get(f"/api/query/within?{P}&radius=700").json
    assert distances(body) == [("yongkang", 0), ("zone-core", 0), ("uv-b", 488), ("uv-a", 627)]
    body = tiny_client.get(f"/api/query/within?{P}&radius=600&status=planned").json
    assert distances(body) == [("uv-b", 488)]
    assert tiny_client.get(f"/api/query/within?{P}&radius=1e3&layer=parks").json == {
        "type": "FeatureCollection",
        "numberReturned": 0,
        "features": [],
    }


def test_query_intersects(tiny_client):
    square = [
        [120.035, 28.885],
        [120.06, 28.885],
        [120.06, 28.9],
        [120.035, 28.9],
        [120.035, 28.885],
    ]
    r = tiny_client.post(
        "/api/query/intersects?layer=urban_villages,parks",
        json={"type": "Polygon", "coordinates": [square]},
    )
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    assert feature_ids(r.json) == ["uv-a", "uv-b"]
    assert "distance_m" not in r.json["features"][0]["properties"]
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Point",
               "coordinates": [120.031, 28.901, 12.5]}}  # fmt: skip
    r = tiny_client.post("/api/query/intersects", data=json.dumps(feature))
    assert feature_ids(r.json) == ["yongkang", "zone-core", "park-a"]


def test_stats(tiny_client, tiny_app):
    body = tiny_client.get("/api/stats").json
    with tiny_app.app_context():
        from geoapp.web.state import get_catalog

        assert body["version"] == get_catalog().version
    assert body["lengths_km"] == [
        {"layer": "ring_roads", "status": "planned", "features": 1, "km": 2.028}
    ]
    assert body["areas_ha"] == [
        {"layer": "parks", "status": None, "features": 1, "ha": 4.32},
        {"layer": "urban_villages", "status": "planned", "features": 2, "ha": 8.65},
    ]
    assert body["counts"][3] == {
        "layer": "urban_villages", "status": "planned", "zone": "zone-core", "features": 2,
    }  # fmt: skip


# ------------------------------------------------------------------ errors


def bad(message: str, param: str | None) -> tuple[int, dict]:
    """A 400 with its body."""
    return 400, error("bad_request", message, param)


ERRORS = [
    ("/api/layers/nope", 404, error("not_found", "unknown layer 'nope'", "layer")),
    ("/api/projects/nope", 404, error("not_found", "unknown project 'nope'", "project_id")),
    ("/api/nope", 404, error("not_found", "no such page or resource", None)),
    ("/api/layers/parks?bbox=1,2,3", *bad("bbox must be four numbers: minlon,minlat,maxlon,maxlat (or six, with heights)", "bbox")),
    ("/api/layers/parks?bbox=", *bad("bbox must be four numbers: minlon,minlat,maxlon,maxlat (or six, with heights)", "bbox")),
    ("/api/layers/parks?bbox=a,2,3,4", *bad("bbox must be a finite number, not 'a'", "bbox")),
    ("/api/layers/parks?bbox=1,2,nan,4", *bad("bbox must be a finite number, not 'nan'", "bbox")),
    ("/api/layers/parks?bbox=0,0,200,1", *bad("bbox must be between -180 and 180", "bbox")),
    ("/api/layers/parks?bbox=0,-91,1,1", *bad("bbox must be between -90 and 90", "bbox")),
    ("/api/layers/parks?bbox=120.1,28,120,29", *bad("bbox is inverted: min must not exceed max", "bbox")),
    ("/api/layers/parks?bbox=120,29,120.1,28", *bad("bbox is inverted: min must not exceed max", "bbox")),
    ("/api/layers/parks?limit=10001", *bad("limit must be between 1 and 10000", "limit")),
    ("/api/layers/parks?limit=0", *bad("limit must be between 1 and 10000", "limit")),
    ("/api/layers/parks?limit=ten", *bad("limit must be an integer, not 'ten'", "limit")),
    ("/api/layers/parks?offset=-1", *bad("offset must be at least 0", "offset")),
    ("/api/layers/parks?status=done", *bad(f"unknown status 'done'; expected one of: {STATUS_CODES}", "status")),
    ("/api/layers/parks?status=planned,", *bad("status must be a comma-separated list of values", "status")),
    ("/api/layers/parks?zone=uv-a", *bad("unknown zone 'uv-a'; expected one of: zone-core", "zone")),
    ("/api/layers/parks?properties=nope", *bad(
        "unknown properties 'nope'; expected one of: name, name_en, accuracy, location_confidence, "
        "geometry_source, park_type, project_id, project_name, project_name_en, status, status_date, "
        "target_status, target_year, source, source_date, quote, version", "properties")),
    ("/api/projects?layer=roads", *bad(f"unknown layer 'roads'; expected one of: {LAYER_IDS}", "layer")),
    ("/api/query/point?lat=28.9", *bad("missing required parameter 'lon'", "lon")),
    ("/api/query/point?lon=120&lat=", *bad("missing required parameter 'lat'", "lat")),
    ("/api/query/point?lon=100&lat=28.9", *bad("lon must be between 118.5 and 121.5", "lon")),
    ("/api/query/point?lon=120&lat=91", *bad("lat must be between 24.43 and 53.33", "lat")),
    ("/api/query/point?lon=inf&lat=28.9", *bad("lon must be a finite number, not 'inf'", "lon")),
    ("/api/query/point?lon=120&lat=NaN", *bad("lat must be a finite number, not 'NaN'", "lat")),
    ("/api/query/point?lon=0x78&lat=28.9", *bad("lon must be a finite number, not '0x78'", "lon")),
    ("/api/query/point?lon=1e999&lat=28.9", *bad("lon must be a finite number, not '1e999'", "lon")),
    (f"/api/query/nearest?{P}&k=0", *bad("k must be between 1 and 100", "k")),
    (f"/api/query/nearest?{P}&k=101", *bad("k must be between 1 and 100", "k")),
    (f"/api/query/nearest?{P}&k=2.5", *bad("k must be an integer, not '2.5'", "k")),
    (f"/api/query/nearest?{P}&layer=", *bad("layer must be a comma-separated list of values", "layer")),
    (f"/api/query/within?{P}", *bad("missing required parameter 'radius'", "radius")),
    (f"/api/query/within?{P}&radius=0", *bad("radius must be greater than 0", "radius")),
    (f"/api/query/within?{P}&radius=-5", *bad("radius must be greater than 0", "radius")),
    (f"/api/query/within?{P}&radius=50001", *bad("radius must be at most 50000", "radius")),
    (f"/api/query/within?{P}&radius=-inf", *bad("radius must be a finite number, not '-inf'", "radius")),
]  # fmt: skip


@pytest.mark.parametrize(("url", "status", "body"), ERRORS, ids=[e[0] for e in ERRORS])
def test_get_errors(tiny_client, url, status, body):
    r = tiny_client.get(url)
    assert (r.status_code, r.mimetype, r.json) == (status, "application/json", body)


def ring(*points: tuple[float, float]) -> list[list[float]]:
    """GeoJSON positions."""
    return [list(p) for p in points]


BODY_ERRORS = [
    (b"not json", "the request body must be JSON (a GeoJSON geometry)"),
    (b"", "the request body must be JSON (a GeoJSON geometry)"),
    (b'{"type": "Point", "coordinates": [NaN, 1]}', "the request body must be JSON (a GeoJSON geometry)"),
    (b"[1, 2]", f"the body must be a GeoJSON geometry of type {GEOMETRY_TYPES}"),
    (b'{"type": "GeometryCollection", "geometries": []}',
     f"the body must be a GeoJSON geometry of type {GEOMETRY_TYPES}"),
    (b'{"type": "Feature", "geometry": null}', f"the body must be a GeoJSON geometry of type {GEOMETRY_TYPES}"),
    (b'{"type": "Point"}', "invalid Point: a position must be [lon, lat] or [lon, lat, z]"),
    (b'{"type": "Point", "coordinates": [120, "29"]}', "invalid Point: coordinates must be numbers"),
    (b'{"type": "Point", "coordinates": [120, true]}', "invalid Point: coordinates must be numbers"),
    (b'{"type": "Point", "coordinates": [120, 1e999]}', "the request body must be JSON (a GeoJSON geometry)"),
    (b'{"type": "Point", "coordinates": [200, 29]}',
     "invalid Point: coordinates must be WGS84 lon/lat in degrees"),
    (b'{"type": "MultiPoint", "coordinates": []}', "invalid MultiPoint: coordinates must be a non-empty array"),
    (b'{"type": "LineString", "coordinates": [[120, 29]]}', "invalid LineString: a line needs at least 2 positions"),
    (json.dumps({"type": "Polygon", "coordinates": [ring((120, 29), (121, 29), (120, 29))]}).encode(),
     "invalid Polygon: a ring needs at least 4 positions"),
    (json.dumps({"type": "Polygon", "coordinates": [ring((120, 29), (121, 29), (121, 30), (120, 30), (120, 29.5))]}).encode(),
     "invalid Polygon: a polygon ring must be closed (first position = last)"),
    (json.dumps({"type": "Polygon", "coordinates": [ring((120, 29), (121, 30), (121, 29), (120, 30), (120, 29))]}).encode(),
     "invalid Polygon: Self-intersection[120.5 29.5]"),
    (json.dumps({"type": "LineString", "coordinates": [[120 + i * 1e-5, 29] for i in range(10_001)]}).encode(),
     "invalid LineString: geometry has more than 10000 vertices"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), BODY_ERRORS, ids=[m for _, m in BODY_ERRORS])
def test_intersects_body_errors(tiny_client, body, message):
    r = tiny_client.post("/api/query/intersects", data=body, content_type="application/json")
    assert (r.status_code, r.json) == (400, error("bad_request", message, "body"))


def test_intersects_body_too_large(tiny_client):
    r = tiny_client.post("/api/query/intersects", data=b" " * (1024 * 1024 + 1))
    assert (r.status_code, r.json) == (
        413,
        error("payload_too_large", "request body too large (the limit is 1 MB)", None),
    )


def test_intersects_query_errors(tiny_client):
    r = tiny_client.post(
        "/api/query/intersects?status=x", json={"type": "Point", "coordinates": [0, 0]}
    )
    assert (r.status_code, r.json) == bad(
        f"unknown status 'x'; expected one of: {STATUS_CODES}", "status"
    )


def test_wrong_method(tiny_client):
    r = tiny_client.get("/api/query/intersects")
    assert r.status_code == 405 and r.headers["Allow"] == "OPTIONS, POST"
    assert r.json == error("method_not_allowed", "method not allowed", None)
