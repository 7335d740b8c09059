"""OGC API – Features: documents, items with paging, bbox, filters and CRSs, HTML, GDAL as a client."""

from __future__ import annotations

import json

import pyogrio
import pytest
import shapely
from openapi_spec_validator import validate as validate_openapi
from shapely.geometry import shape

from geoapp.catalog import load_catalog
from geoapp.coords import transform_geometry
from geoapp.ogc import CONFORMANCE, CRS84, CRS_URIS
from geoapp.query.geojson import property_columns
from geoapp.versions import SEED_VERSION
from tests.conftest import serving_process

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
ITEMS = "/ogc/collections/{}/items"


@pytest.fixture
def client(tiny_app):
    """A test client over the tiny dataset."""
    return tiny_app.test_client()


def get_json(client, url: str, status: int = 200) -> dict:
    """GET url and return its JSON body, checking the status."""
    r = client.get(url)
    assert r.status_code == status, (url, r.data[:300])
    return json.loads(r.data)


def test_landing_page(client):
    doc = get_json(client, "/ogc/")
    rels = {lk["rel"]: lk for lk in doc["links"]}
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["service-doc"]["type"] == "text/html"
    assert rels["data"]["href"] == "http://localhost/ogc/collections"


def test_conformance_declares_only_what_is_implemented(client):
    assert get_json(client, "/ogc/conformance")["conformsTo"] == [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    ]
    assert CONFORMANCE == get_json(client, "/ogc/conformance")["conformsTo"]


def test_openapi_document_is_valid(client):
    r = client.get("/ogc/api")
    assert r.headers["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = json.loads(r.data)
    validate_openapi(doc)
    assert doc["openapi"].startswith("3.0")
    params = doc["paths"]["/collections/parks/items"]["get"]["parameters"]
    names = [p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in params]
    assert {"limit", "offset", "bbox", "bbox-crs", "crs", "status", "park_type"} <= set(names)
    assert doc["components"]["parameters"]["limit"]["schema"]["maximum"] == 10000


def test_collections(client, tiny):
    doc = get_json(client, "/ogc/collections")
    ids = [c["id"] for c in doc["collections"]]
    assert ids == list(load_catalog(*tiny).defs)
    parks = get_json(client, "/ogc/collections/parks")
    assert parks["crs"] == list(CRS_URIS) and parks["storageCrs"] == CRS84
    minx, miny, maxx, maxy = parks["extent"]["spatial"]["bbox"][0]
    assert (minx, miny) == pytest.approx((120.030, 28.900)) and maxx == pytest.approx(120.032)
    types = {(lk["rel"], lk["type"]) for lk in parks["links"]}
    assert ("items", "application/geo+json") in types
    assert ("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json") in types
    assert get_json(client, "/ogc/collections/nope", 404)["error"]["code"] == "not_found"


def test_items_and_paging(client):
    r = client.get(ITEMS.format("urban_villages") + "?limit=1")
    assert r.mimetype == "application/geo+json" and r.headers["Content-Crs"] == f"<{CRS84}>"
    doc = json.loads(r.data)
    assert (doc["numberMatched"], doc["numberReturned"]) == (2, 1)
    assert doc["features"][0]["id"] == "uv-a"
    props = doc["features"][0]["properties"]
    assert props["name"] == "甲村区块" and props["target_status"] == "accepted"
    assert list(props) == property_columns(load_layer("urban_villages", client))
    links = {lk["rel"]: lk for lk in doc["links"]}
    assert "prev" not in links and links["next"]["type"] == "application/geo+json"
    page2 = get_json(client, links["next"]["href"].removeprefix("http://localhost"))
    assert [f["id"] for f in page2["features"]] == ["uv-b"]
    rels = {lk["rel"] for lk in page2["links"]}
    assert "prev" in rels and "next" not in rels
    default = get_json(client, ITEMS.format("urban_villages"))
    assert "limit=100" in default["links"][0]["href"] and default["numberReturned"] == 2
    # one paging policy with /api and the OpenAPI document (maximum 10000): more is a 400
    big = client.get(ITEMS.format("parks") + "?limit=10001")
    assert big.status_code == 400
    assert big.json["error"]["message"] == "limit must be between 1 and 10000"


def load_layer(layer: str, client):
    """The layer definition the app serves."""
    from geoapp.web.state import get_catalog

    with client.application.app_context():
        return get_catalog().defs[layer]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=120.1,28,120,29", "bbox"),
        ("crs=EPSG:3857", "crs"),
        (f"bbox-crs={EPSG}3857&bbox=0,0,1,1", "bbox-crs"),
        ("colour=red", "colour"),
        ("status=finished", "status"),
        ("block_type=castle", "block_type"),
        ("f=xml", "f"),
    ],
)
def test_bad_items_requests(client, query, param):
    err = get_json(client, ITEMS.format("urban_villages") + "?" + query, 400)["error"]
    assert err["param"] == param and err["code"] == "bad_request"


def test_property_filters(client):
    url = ITEMS.format("urban_villages")
    assert [f["id"] for f in get_json(client, url + "?target_status=topped_out")["features"]] == [
        "uv-b"
    ]
    # a Chinese label means its code
    assert get_json(client, url + "?target_status=验收")["features"][0]["id"] == "uv-a"
    assert get_json(client, url + "?name=乙村区块&status=planned")["numberMatched"] == 1
    assert get_json(client, url + "?name=丙村")["numberMatched"] == 0


def test_bbox_goes_through_the_index_in_any_bbox_crs(client, monkeypatch):
    url = ITEMS.format("urban_villages")
    box = "?bbox=120.039,28.889,120.043,28.893"  # holds uv-a only
    assert [f["id"] for f in get_json(client, url + box)["features"]] == ["uv-a"]
    latlon = f"?bbox=28.889,120.039,28.893,120.043&bbox-crs={EPSG}4326"
    assert [f["id"] for f in get_json(client, url + latlon)["features"]] == ["uv-a"]
    sw = transform_geometry(shapely.Point(120.039, 28.889), "EPSG:4326", "EPSG:4549")
    ne = transform_geometry(shapely.Point(120.043, 28.893), "EPSG:4326", "EPSG:4549")
    northing_first = f"?bbox={sw.y},{sw.x},{ne.y},{ne.x}&bbox-crs={EPSG}4549"
    assert [f["id"] for f in get_json(client, url + northing_first)["features"]] == ["uv-a"]
    from geoapp.spatial import SpatialIndex

    calls = []
    original = SpatialIndex.bbox
    monkeypatch.setattr(
        SpatialIndex, "bbox", lambda self, *a, **k: calls.append(a) or original(self, *a, **k)
    )
    fresh = "?bbox=120.038,28.889,120.043,28.893"  # a page not served yet (pages are kept)
    assert get_json(client, url + fresh)["numberMatched"] == 1
    assert calls == [(120.038, 28.889, 120.043, 28.893)]
    get_json(client, url + fresh)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("crs", "swap"),
    [(CRS84, False), (f"{EPSG}4326", True), (f"{EPSG}4490", True), (f"{EPSG}4549", True)],
)
def test_response_crs_and_axis_order(client, crs, swap):
    r = client.get(ITEMS.format("parks") + f"?crs={crs}")
    assert r.headers["Content-Crs"] == f"<{crs}>"
    coords = json.loads(r.data)["features"][0]["geometry"]["coordinates"][0][0]
    name = CRS_URIS[crs]
    expect = transform_geometry(shapely.Point(120.030, 28.900), "EPSG:4326", name)
    x, y = (coords[1], coords[0]) if swap else (coords[0], coords[1])
    assert (x, y) == pytest.approx((expect.x, expect.y), abs=1e-6)
    one = client.get("/ogc/collections/parks/items/park-a?crs=" + crs)
    assert one.headers["Content-Crs"] == f"<{crs}>"
    assert json.loads(one.data)["geometry"]["coordinates"][0][0] == coords


def test_feature_and_queryables(client):
    doc = get_json(client, "/ogc/collections/parks/items/park-a")
    assert doc["id"] == "park-a" and doc["properties"]["name"] == "甲公园"
    assert {lk["rel"] for lk in doc["links"]} == {"self", "alternate", "collection"}
    assert (
        get_json(client, "/ogc/collections/parks/items/nope", 404)["error"]["param"] == "featureId"
    )
    q = client.get("/ogc/collections/urban_villages/queryables")
    assert q.mimetype == "application/schema+json"
    schema = json.loads(q.data)
    assert schema["$schema"].startswith("https://json-schema.org/") and schema["type"] == "object"
    assert schema["properties"]["status"]["enum"][:2] == ["planned", "preparing"]
    assert schema["properties"]["block_type"]["type"] == "string"


@pytest.mark.parametrize(
    "url",
    [
        "/ogc/", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/parks",
        "/ogc/collections/parks/queryables", ITEMS.format("parks"),
        "/ogc/collections/parks/items/park-a",
    ],
)  # fmt: skip
def test_html_is_escaped_and_self_contained(tiny, url):
    from geoapp.web import create_app

    data, layers = tiny
    path = data / "geojson" / "parks.geojson"
    path.write_text(path.read_text("utf-8").replace("甲公园", "<script>alert(1)</script>"), "utf-8")
    client = create_app(
        {"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers)}
    ).test_client()
    sep = "&" if "?" in url else "?"
    r = client.get(url + sep + "f=html")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.data.decode()
    assert "<script" not in html and "<link" not in html  # no scripts, nothing from a CDN
    if "items" in url:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    browser = client.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
    assert browser.mimetype == "text/html" and "Accept" in browser.headers["Vary"]


# --------------------------------------------------------------------------- GDAL as the client


@pytest.fixture
def live_server(tiny):
    """The tiny dataset served on a free port of 127.0.0.1 in its own process; stopped in
    teardown."""
    data, layers = tiny
    config = {"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers), "BASEMAP": "none"}
    with serving_process(config) as url:
        yield url


def test_gdal_reads_every_collection_with_paging(live_server, tiny):
    catalog = load_catalog(*tiny)
    url = f"OAPIF:{live_server}/ogc"
    assert {name for name, _ in pyogrio.list_layers(url)} == set(catalog.defs)
    for lid, want in catalog.layers.items():
        got = pyogrio.read_dataframe(url, layer=lid, PAGE_SIZE=1)  # one feature per page
        assert list(got["id"]) == list(want["id"]), lid
        assert got.crs.to_string() == "OGC:CRS84"
        for col in property_columns(catalog.defs[lid]):
            expected = want[col] if col in want else [SEED_VERSION] * len(want)  # the version
            assert [None if v != v else v for v in got[col]] == [
                None if v != v else v for v in expected
            ], (lid, col)
        for g, w in zip(got.geometry, want.geometry, strict=True):
            assert shapely.equals_exact(g, w, tolerance=1e-9)
    some = pyogrio.read_dataframe(
        url, layer="urban_villages", bbox=(120.039, 28.889, 120.043, 28.893)
    )
    assert list(some["id"]) == ["uv-a"]


def test_every_page_is_geojson_gdal_can_read(client, tmp_path):
    body = client.get(ITEMS.format("ring_roads") + f"?crs={EPSG}4549").data
    path = tmp_path / "page.geojson"
    path.write_bytes(body)
    got = pyogrio.read_dataframe(path)
    assert list(got["id"]) == ["road-a"] and got["name"][0] == "示例路"
    expect = transform_geometry(
        shape({"type": "LineString", "coordinates": [[120.00, 28.90], [120.02, 28.905]]}),
        "EPSG:4326",
        "EPSG:4549",
    )
    assert got.geometry[0].coords[0] == pytest.approx((expect.coords[0][1], expect.coords[0][0]))


def test_core_builds_documents_without_a_request(tiny):
    from geoapp import ogc

    catalog = load_catalog(*tiny)
    page = ogc.items(catalog, "parks", ogc.ItemsQuery(limit=1), "http://example.org/ogc")
    doc = json.loads(page.body)
    assert doc["numberReturned"] == 1 and doc["links"][0]["href"].startswith(
        "http://example.org/ogc/"
    )
