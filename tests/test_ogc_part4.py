"""OGC API – Features Part 4 on /ogc, as a spec-following client over HTTP sees it: create,
replace, update, delete; ETag / If-Match (412 on a stale write, nothing changed); 401 without a
token, 403 for a role that may not edit; every write checked like an import; the store, the
audit trail and GDAL's OAPIF driver see exactly what was done."""

from __future__ import annotations

import http.client
import json
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pyogrio
import pytest
import shapely
import shapely.geometry

from geoapp.config import ROOT
from geoapp.coords import transform_geometry
from tests.conftest import serving_process

PARKS = "/ogc/collections/parks/items"
CRS_4549 = "http://www.opengis.net/def/crs/EPSG/0/4549"
ROLES = ("gis", "admin", "viewer", "planner", "reviewer")


class Client:
    """A small OGC API – Features Part 4 client: any method, JSON bodies, headers as sent."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base, self.token = base, token
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port

    def send(self, method: str, path: str, body=None, headers: dict | None = None,
             media: str = "application/geo+json"):  # fmt: skip
        """(status, headers, parsed JSON or raw bytes)."""
        head = dict(headers or {})
        if self.token:
            head["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            head.setdefault("Content-Type", media)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers=head)
            resp = conn.getresponse()
            raw = resp.read()
            out = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw
        return resp.status, out, parsed

    def get(self, path: str, **kw):
        return self.send("GET", path, **kw)


def _ring(lon: float, lat: float, d: float = 0.003) -> list[list[float]]:
    return [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]


def park(fid: str | None, name: str, lon: float = 120.08, lat: float = 28.90, **extra) -> dict:
    """A new park as QGIS would send it: a GeoJSON Feature with the layer's fields."""
    props = {"name": name, "name_en": "Test park", "accuracy": "schematic",
             "location_confidence": "low", "geometry_source": "测试 / test",
             "park_type": "pocket_park", **extra}  # fmt: skip
    if fid is not None:
        props["id"] = fid
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [_ring(lon, lat)]}}  # fmt: skip


@contextmanager
def _live(root: Path, database_url: str = ""):
    """(base URL, store, tokens): the app over a copy of the bundled data in its own process
    (GDAL reads it back), one user and API token per role made beforehand in the shared store."""
    from geoapp.store import open_store
    from geoapp.store.accounts import add_user, create_token

    data = root / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("store.sqlite*"))
    config = {"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(ROOT / "layers"),
              "BASEMAP": "none", "DATABASE_URL": database_url}  # fmt: skip
    store = open_store(config)
    try:
        tokens = {}
        for role in ROLES:
            add_user(store, f"{role}-wang", role, "测绘科", None, "admin")
            tokens[role] = create_token(store, f"{role}-wang", "admin")[1]
        with serving_process(config) as url:
            yield url, store, tokens
    finally:
        store.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The module's server, which its tests edit."""
    with _live(tmp_path_factory.mktemp("part4")) as served:
        yield served


def _audit(base: str, token: str, target: str) -> list[dict]:
    status, _, body = Client(base, token).get(f"/api/audit?target={target}")
    assert status == 200
    return body["entries"]


def _gdal_ids(base: str, layer: str) -> dict[str, str]:
    """Feature id → name as GDAL's OAPIF driver reads the collection."""
    df = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer=layer)
    return dict(zip(df["id"], df["name"], strict=True))


# --------------------------------------------------------------------------- discovery


def test_options_say_who_may_edit_and_conformance_claims_part_4(live):
    base, _, tokens = live
    anon, gis, viewer = Client(base), Client(base, tokens["gis"]), Client(base, tokens["viewer"])
    assert anon.send("OPTIONS", PARKS)[1]["allow"] == "GET, HEAD, OPTIONS"
    assert viewer.send("OPTIONS", PARKS)[1]["allow"] == "GET, HEAD, OPTIONS"
    assert gis.send("OPTIONS", PARKS)[1]["allow"] == "GET, HEAD, OPTIONS, POST"
    # QGIS probes the first feature's URL (or 'unknown_id' in an empty collection)
    for fid in ("park-nanxiwan-wetland", "unknown_id"):
        status, head, _ = gis.send("OPTIONS", f"{PARKS}/{fid}")
        assert (status, head["allow"]) == (200, "GET, HEAD, OPTIONS, PUT, PATCH, DELETE")
    assert (
        Client(base, tokens["admin"])
        .send("OPTIONS", f"{PARKS}/x")[1]["allow"]
        .endswith("PUT, PATCH, DELETE")
    )
    assert gis.send("OPTIONS", "/ogc/collections/nope/items")[0] == 404
    classes = anon.get("/ogc/conformance")[2]["conformsTo"]
    part4 = {c.rsplit("/", 1)[1] for c in classes if "/ogcapi-features-4/" in c}
    # not "features": its schema requirement needs Part 5's /schema resource, not offered here
    assert part4 == {"create-replace-delete", "update", "optimistic-locking-etags"}


def test_writes_need_a_token_and_the_gis_or_admin_role(live):
    base, store, tokens = live
    before = store.data_version()
    anon = Client(base)
    for method, path in (("POST", PARKS), ("PUT", f"{PARKS}/park-nanxiwan-wetland"),
                         ("PATCH", f"{PARKS}/park-nanxiwan-wetland"),
                         ("DELETE", f"{PARKS}/park-nanxiwan-wetland")):  # fmt: skip
        status, head, body = anon.send(method, path, park("park-x", "x"))
        assert status == 401 and head["www-authenticate"].startswith("Bearer")
        assert body["error"]["code"] == "unauthorized"
    status, head, body = Client(base, "gk_00000000_wrong").send("POST", PARKS, park("p", "p"))
    assert status == 401 and head["www-authenticate"].startswith("Bearer")
    for role in ("viewer", "planner", "reviewer"):
        status, _, body = Client(base, tokens[role]).send("POST", PARKS, park("park-y", "y"))
        assert status == 403
        assert body["error"] == {"code": "forbidden", "param": None,
                                 "message": f"role '{role}' may not edit (needs one of: admin, gis)"}  # fmt: skip
    assert store.data_version() == before


# --------------------------------------------------------------------------- the edit cycle


def test_create_replace_update_delete_as_the_spec_says(live):
    base, store, tokens = live
    gis = Client(base, tokens["gis"])
    version = int(store.data_version())
    status, head, body = gis.send("POST", PARKS, park("park-ogc-new", "新建口袋公园"))
    assert (status, body) == (201, None)
    assert int(store.data_version()) == version + 1  # the catalog is rebuilt from it
    assert head["location"] == f"{base}/ogc/collections/parks/items/park-ogc-new"
    assert head["etag"].startswith('"v1-')
    status, got, feature = gis.get(urlsplit(head["location"]).path)
    assert status == 200 and got["etag"] == head["etag"]
    assert feature["id"] == "park-ogc-new" and feature["properties"]["name"] == "新建口袋公园"
    assert feature["geometry"]["coordinates"] == [_ring(120.08, 28.90)]
    # replace: the whole feature, with what QGIS sends back (derived columns included)
    item = f"{PARKS}/park-ogc-new"
    new = park(None, "改建口袋公园", park_type="community_park", status="planned", version=7)
    status, head, _ = gis.send("PUT", item, new, {"If-Match": got["etag"]})
    assert status == 204 and head["etag"].startswith('"v2-')
    after = gis.get(item)[2]["properties"]
    assert (after["name"], after["park_type"]) == ("改建口袋公园", "community_park")
    # update: a merge patch of one property, then of the geometry alone
    status, head, _ = gis.send("PATCH", item, {"properties": {"name_en": "Renamed park"}},
                               {"If-Match": head["etag"]}, "application/merge-patch+json")  # fmt: skip
    assert status == 204 and head["etag"].startswith('"v3-')
    moved = {"type": "Polygon", "coordinates": [_ring(120.081, 28.901)]}
    status, head, _ = gis.send("PATCH", item, {"geometry": moved}, {},
                               "application/merge-patch+json")  # fmt: skip
    assert status == 204
    feature = gis.get(item)[2]
    assert feature["properties"]["name_en"] == "Renamed park"
    assert feature["properties"]["name"] == "改建口袋公园"
    assert feature["geometry"] == moved
    assert _gdal_ids(base, "parks")["park-ogc-new"] == "改建口袋公园"
    # delete: 204, then 404; the store keeps every earlier version
    assert gis.send("DELETE", item, headers={"If-Match": head["etag"]})[0] == 204
    assert gis.get(item)[0] == 404
    from geoapp.store.features import feature_row, previous_versions

    assert feature_row(store, "parks", "park-ogc-new") is None
    kept = previous_versions(store, "parks", "park-ogc-new")
    assert [v["version"] for v in kept] == [1, 2, 3, 4]
    assert kept[0]["feature"]["properties"]["name"] == "新建口袋公园"
    assert kept[0]["replaced_by"] == "gis-wang"
    entries = _audit(base, tokens["admin"], "parks/park-ogc-new")
    assert [(e["actor"], e["action"]) for e in reversed(entries)] == [
        ("gis-wang", "feature.created"), ("gis-wang", "feature.replaced"),
        ("gis-wang", "feature.updated"), ("gis-wang", "feature.updated"),
        ("gis-wang", "feature.deleted"),
    ]  # fmt: skip
    assert "park-ogc-new" not in _gdal_ids(base, "parks")


def test_gdal_reads_back_exactly_the_edited_collection(live):
    base, _, tokens = live
    admin = Client(base, tokens["admin"])
    before = _gdal_ids(base, "parks")
    assert admin.send("POST", PARKS, park("park-gdal-a", "甲"))[0] == 201
    assert admin.send("POST", PARKS, park("park-gdal-b", "乙", lon=120.09))[0] == 201
    patch = {"properties": {"name": "乙（改）"}}
    assert admin.send("PATCH", f"{PARKS}/park-gdal-b", patch,
                      media="application/merge-patch+json")[0] == 204  # fmt: skip
    assert admin.send("DELETE", f"{PARKS}/park-gdal-a")[0] == 204
    assert _gdal_ids(base, "parks") == {**before, "park-gdal-b": "乙（改）"}
    assert admin.send("DELETE", f"{PARKS}/park-gdal-b")[0] == 204


def test_a_stale_if_match_is_412_and_changes_nothing(live):
    base, store, tokens = live
    gis = Client(base, tokens["gis"])
    item = f"{PARKS}/park-stale"
    assert gis.send("POST", PARKS, park("park-stale", "原名"))[0] == 201
    etag = gis.get(item)[1]["etag"]
    # a colleague renames it first
    assert gis.send("PATCH", item, {"properties": {"name": "同事改的名"}}, {"If-Match": etag},
                    "application/merge-patch+json")[0] == 204  # fmt: skip
    version = store.data_version()
    for method, body in (("PUT", park(None, "我的名")), ("PATCH", {"properties": {"name": "我"}}),
                         ("DELETE", None)):  # fmt: skip
        status, _, err = gis.send(method, item, body, {"If-Match": etag},
                                  "application/merge-patch+json" if method == "PATCH" else "application/geo+json")  # fmt: skip
        assert status == 412 and err["error"]["code"] == "precondition_failed"
        assert "changed since version 1 (now version 2" in err["error"]["message"]
        assert "by gis-wang" in err["error"]["message"]
    assert store.data_version() == version
    assert gis.get(item)[2]["properties"]["name"] == "同事改的名"
    assert gis.send("DELETE", item, headers={"If-Match": '"not-ours"'})[0] == 412
    assert gis.send("DELETE", item, headers={"If-Match": "*"})[0] == 204


def test_if_none_match_gives_304_and_every_crs_has_its_own_tag(live):
    base, _, tokens = live
    anon = Client(base)
    item = f"{PARKS}/park-nanxiwan-wetland"
    status, head, _ = anon.get(item)
    assert anon.get(item, headers={"If-None-Match": head["etag"]})[0] == 304
    other = anon.get(f"{item}?crs={CRS_4549}")[1]["etag"]
    assert other != head["etag"] and other.split("-")[0] == head["etag"].split("-")[0]


# --------------------------------------------------------------------------- checked like an import


def _bowtie() -> dict:
    ring = [[120.08, 28.90], [120.083, 28.903], [120.083, 28.90], [120.08, 28.903], [120.08, 28.90]]
    return {"type": "Polygon", "coordinates": [ring]}


BAD = [
    ("invalid geometry", {"geometry": _bowtie()}, "geometry",
     "feature 'park-bad': invalid geometry: Self-intersection"),
    ("unclosed ring", {"geometry": {"type": "Polygon", "coordinates": [_ring(120.08, 28.9)[:-1]]}},
     "geometry", "feature 'park-bad': ring 1 is not closed"),
    ("outside the city", {"geometry": {"type": "Polygon", "coordinates": [_ring(121.5, 28.9)]}},
     "geometry", "feature 'park-bad': lies outside"),
    ("wrong geometry type", {"geometry": {"type": "Point", "coordinates": [120.08, 28.9]}},
     "geometry", "feature 'park-bad': geometry type Point is not allowed here (Polygon, MultiPolygon)"),
    ("swapped axes", {"geometry": {"type": "Polygon", "coordinates": [
        [[y, x] for x, y in _ring(120.08, 28.9)]]}}, "geometry",
     "feature 'park-bad': x and y are swapped"),
    ("unknown field", {"properties": {"owner": "李"}}, "owner",
     "feature 'park-bad': unknown field 'owner' (not in layers/parks.toml)"),
    ("wrong type", {"properties": {"name_en": 5}}, "name_en",
     "feature 'park-bad': field 'name_en' should be str, got 5"),
    ("value not allowed", {"properties": {"park_type": "zoo"}}, "park_type",
     "feature 'park-bad': field 'park_type' has value 'zoo', not one of"),
    ("missing field", {"properties": {"geometry_source": None}}, "geometry_source",
     "feature 'park-bad': missing required field 'geometry_source'"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "change", "param", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_features_are_400_naming_feature_and_field(live, what, change, param, message):
    base, store, tokens = live
    gis = Client(base, tokens["gis"])
    body = park("park-bad", "坏公园")
    body["properties"] = {k: v for k, v in {**body["properties"], **change.get("properties", {})}.items()
                          if v is not None}  # fmt: skip
    if "geometry" in change:
        body["geometry"] = change["geometry"]
    version = store.data_version()
    status, _, err = gis.send("POST", PARKS, body)
    assert status == 400, err
    assert err["error"]["param"] == param
    assert err["error"]["message"].startswith(message)
    assert store.data_version() == version
    # the same change as a PATCH of an existing feature: refused the same way
    patch = {k: v for k, v in change.items()}
    status, _, err = gis.send("PATCH", f"{PARKS}/park-nanxiwan-wetland", patch,
                              media="application/merge-patch+json")  # fmt: skip
    assert status == 400 and err["error"]["param"] == param
    assert "feature 'park-nanxiwan-wetland'" in err["error"]["message"]
    assert store.data_version() == version


def test_bodies_that_are_not_features_are_refused_in_the_one_shape(live):
    base, _, tokens = live
    gis = Client(base, tokens["gis"])
    cases = [
        (b"{not json", "application/geo+json", 400, "body"),
        (b"[]", "application/geo+json", 400, "body"),
        (json.dumps({"type": "FeatureCollection", "features": []}).encode(),
         "application/geo+json", 400, "type"),
        (json.dumps(park("park-z", "z")).encode(), "text/plain", 415, "Content-Type"),
    ]  # fmt: skip
    for data, media, status, param in cases:
        got, _, err = gis.send("POST", PARKS, data, media=media)
        assert (got, err["error"]["param"]) == (status, param)
    got, _, err = gis.send("POST", PARKS, park("park-nanxiwan-wetland", "重复"))
    assert got == 409 and "exists already" in err["error"]["message"]
    got, _, err = gis.send("PUT", f"{PARKS}/park-nanxiwan-wetland", park("park-other", "x"))
    assert got == 400 and err["error"]["param"] == "id"
    assert gis.send("PUT", f"{PARKS}/no-such-park", park(None, "x"))[0] == 404
    assert gis.send("POST", "/ogc/collections/nope/items", park("p", "p"))[0] == 404
    got, _, err = gis.send("POST", PARKS, park("park-z", "z"), {"Content-Crs": "EPSG:3857"})
    assert got == 400 and err["error"]["param"] == "Content-Crs"


def test_input_in_cgcs2000_gauss_kruger_via_content_crs(live):
    base, _, tokens = live
    gis = Client(base, tokens["gis"])
    wgs = shapely.Polygon(_ring(120.07, 28.91))
    metric = transform_geometry(wgs, "EPSG:4326", "EPSG:4549")
    northing_easting = [[y, x] for x, y in metric.exterior.coords]
    body = park("park-4549", "高斯公园")
    body["geometry"] = {"type": "Polygon", "coordinates": [northing_easting]}
    status, _, err = gis.send("POST", PARKS, body, {"Content-Crs": f"<{CRS_4549}>"})
    assert status == 201, err
    got = shapely.geometry.shape(gis.get(f"{PARKS}/park-4549")[2]["geometry"])
    assert got.equals_exact(wgs, 1e-7)
    # easting/northing order (the GIS habit) under the authority order is named as swapped
    body["properties"]["id"] = "park-4549-b"
    body["geometry"]["coordinates"] = [[list(c) for c in metric.exterior.coords]]
    status, _, err = gis.send("POST", PARKS, body, {"Content-Crs": CRS_4549})
    assert status == 400 and "swapped" in err["error"]["message"]
    assert gis.send("DELETE", f"{PARKS}/park-4549")[0] == 204


def test_a_created_feature_without_an_id_gets_one(live):
    base, _, tokens = live
    gis = Client(base, tokens["gis"])
    status, head, _ = gis.send("POST", PARKS, park(None, "无编号"))
    assert status == 201
    fid = head["location"].rsplit("/", 1)[1]
    assert fid.startswith("parks-") and len(fid) == len("parks-") + 8
    assert gis.get(f"{PARKS}/{fid}")[2]["properties"]["name"] == "无编号"
    assert gis.send("DELETE", f"{PARKS}/{fid}")[0] == 204


def test_skip_geometry_takes_ogc_booleans_only(live):
    anon = Client(live[0])
    assert anon.get(f"{PARKS}?skipGeometry=true&limit=1")[2]["features"][0]["geometry"] is None
    assert anon.get(f"{PARKS}?skipGeometry=false&limit=1")[2]["features"][0]["geometry"]
    for raw in ("1", "0", "yes"):
        status, _, err = anon.get(f"{PARKS}?skipGeometry={raw}")
        assert status == 400
        assert err["error"]["message"] == f"skipGeometry must be true or false, not '{raw}'"


# --------------------------------------------------------------------------- PostgreSQL


def test_the_edit_cycle_on_postgresql(tmp_path, postgres_url):
    from tests.postgres import fresh_database

    with _live(tmp_path, fresh_database(postgres_url)) as (base, store, tokens):
        gis = Client(base, tokens["gis"])
        assert gis.send("POST", PARKS, park("park-pg", "库里的公园"))[0] == 201
        etag = gis.get(f"{PARKS}/park-pg")[1]["etag"]
        assert gis.send("PATCH", f"{PARKS}/park-pg", {"properties": {"name": "改"}},
                        {"If-Match": etag}, "application/merge-patch+json")[0] == 204  # fmt: skip
        assert gis.send("DELETE", f"{PARKS}/park-pg", headers={"If-Match": etag})[0] == 412
        assert _gdal_ids(base, "parks")["park-pg"] == "改"
        rows = store.backend.read(
            "SELECT version, ST_AsText(geom) IS NOT NULL FROM features WHERE fid = 'park-pg'"
        )
        assert rows == [(2, True)]


def test_an_old_file_imported_after_an_edit_is_a_conflict_not_an_undo(live, tmp_path):
    """The file a GIS colleague exported before a live edit cannot quietly undo it."""
    from geoapp.importing import prepare_import

    base, store, tokens = live
    gis = Client(base, tokens["gis"])
    old = tmp_path / "parks.geojson"
    shutil.copy(ROOT / "data" / "geojson" / "parks.geojson", old)  # exported before the edit
    patch = {"properties": {"name": "龙川公园（现场核对）"}}
    assert gis.send("PATCH", f"{PARKS}/park-longchuan", patch,
                    media="application/merge-patch+json")[0] == 204  # fmt: skip
    result = prepare_import(old, "parks", store.data_dir, ROOT / "layers")
    assert [c.id for c in result.conflicts] == ["park-longchuan"]
    assert "by gis-wang" in str(result.conflicts[0])
    assert [c.id for c in result.diff.changed] == ["park-longchuan"]


def test_a_signed_in_browser_edits_with_its_csrf_token_and_the_map_shows_it(tiny):
    """The session works too (with X-CSRFToken, as every JSON write from a page); the map, the
    API and /ogc serve the change at once."""
    import re

    from geoapp.store.accounts import add_user
    from geoapp.web import create_app
    from geoapp.web.state import get_store

    data, layers = tiny
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers),
                      "BASEMAP": "none", "LOGIN_SLOWDOWN_SECONDS": 0})  # fmt: skip
    with app.app_context():
        add_user(get_store(), "li-gis", "gis", "测绘科", "pass-word-123", "admin")
    client = app.test_client()
    csrf = lambda: re.search(r'name="csrf_token" value="([^"]+)"',  # noqa: E731
                             client.get("/login").get_data(as_text=True)).group(1)  # fmt: skip
    client.post("/login", data={"name": "li-gis", "password": "pass-word-123",
                                "csrf_token": csrf(), "next": "/"})  # fmt: skip
    patch = {"properties": {"name": "甲公园（新名）"}}
    url = "/ogc/collections/parks/items/park-a"
    no_token = client.patch(url, json=patch, content_type="application/merge-patch+json")
    assert no_token.status_code == 400 and no_token.json["error"]["code"] == "csrf"
    done = client.patch(url, json=patch, content_type="application/merge-patch+json",
                        headers={"X-CSRFToken": csrf()})  # fmt: skip
    assert done.status_code == 204
    assert client.get(url).json["properties"]["name"] == "甲公园（新名）"
    api = client.get("/api/layers/parks").json
    assert [f["properties"]["name"] for f in api["features"]] == ["甲公园（新名）"]
    from tests.test_pages import embedded_features  # the map fetches its layers by URL

    shown = embedded_features(client.get("/").get_data(as_text=True), client)
    assert shown["park-a"]["properties"]["_label"] == "甲公园（新名）"


ODD = [
    ({"properties": {"name": {"zh": "甲"}}}, "name",
     "the new feature: field 'name' must be a string, number or boolean, not an object"),
    ({"properties": {"name": ["甲"]}}, "name",
     "the new feature: field 'name' must be a string, number or boolean, not a list"),
    ({"geometry": {"type": "Polygon", "coordinates": "x"}}, "geometry",
     "the new feature: geometry is not GeoJSON"),
    ({"geometry": {"type": None, "coordinates": []}}, "geometry",
     "the new feature: geometry must be a GeoJSON geometry: an object with 'type'"),
    ({"geometry": {"type": "GeometryCollection", "geometries": []}}, "geometry",
     "the new feature: geometry must be a GeoJSON geometry"),
    ({"geometry": {"type": "MultiPolygon", "coordinates": [[_ring(120.08, 28.9)], [[]]]}},
     "geometry", "the new feature: polygon 2, ring 1 is not closed"),
    ({"properties": {"park_type": None}}, "park_type",
     "the new feature: missing required field 'park_type'"),
    ({"properties": {"id": "公园"}}, "id", "feature '公园': id is not an ASCII slug"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "param", "message"), ODD)
def test_odd_bodies_are_a_400_that_says_what_is_wrong(live, change, param, message):
    base, _, tokens = live
    body = park(None, "怪")
    body["properties"].update(change.get("properties", {}))
    body["geometry"] = change.get("geometry", body["geometry"])
    status, _, err = Client(base, tokens["gis"]).send("POST", PARKS, body)
    assert (status, err["error"]["param"]) == (400, param), err
    assert err["error"]["message"].startswith(message)


def test_heights_are_dropped_not_refused(live):
    base, _, tokens = live
    gis = Client(base, tokens["gis"])
    body = park("park-3d", "有高程")
    body["geometry"]["coordinates"] = [[[x, y, 88.0] for x, y in _ring(120.08, 28.9)]]
    assert gis.send("POST", PARKS, body)[0] == 201
    assert gis.get(f"{PARKS}/park-3d")[2]["geometry"]["coordinates"] == [_ring(120.08, 28.9)]
    assert gis.send("DELETE", f"{PARKS}/park-3d")[0] == 204
