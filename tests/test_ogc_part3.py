"""OGC API – Features Part 3 and friends, as a script or QGIS/GDAL uses them: CQL2 ``filter`` (text
and JSON), ``sortby``, ``properties``, ``skipGeometry``, ``datetime`` on the status date, typed
queryables; bad input 400 in the one error shape."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pyogrio
import pytest

from tests.conftest import serving_process

ITEMS = "/ogc/collections/urban_villages/items"


@pytest.fixture
def client(tiny_app):
    """The tiny dataset: uv-a and uv-b, both planned, status date 2020."""
    return tiny_app.test_client()


def ids(client, query: str, status: int = 200) -> list[str]:
    r = client.get(f"{ITEMS}?{query}")
    assert r.status_code == status, r.data[:300]
    return [f["id"] for f in r.get_json()["features"]]


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("status = 'planned'", ["uv-a", "uv-b"]),
        ("status <> 'planned'", []),
        ("name LIKE '乙%'", ["uv-b"]),
        ("id IN ('uv-b', 'uv-z')", ["uv-b"]),
        ("status_date >= '2020' AND name LIKE '甲%'", ["uv-a"]),
        ("NOT (name LIKE '甲%') OR id = 'uv-a'", ["uv-a", "uv-b"]),
        ("S_INTERSECTS(geometry, POINT(120.041 28.891))", ["uv-a"]),
        ("S_INTERSECTS(geometry, BBOX(120.049, 28.894, 120.06, 28.9))", ["uv-b"]),
        (
            "S_INTERSECTS(geometry, POLYGON((120 28.8, 120.045 28.8, 120.045 28.95, 120 28.95, "
            "120 28.8))) AND block_type = 'urban_village'",
            ["uv-a"],
        ),
    ],
)
def test_cql2_text(client, cql, expected):
    assert ids(client, f"filter={quote(cql)}") == expected


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"op": "=", "args": [{"property": "id"}, "uv-a"]}, ["uv-a"]),
        ({"op": "like", "args": [{"property": "name"}, "乙%"]}, ["uv-b"]),
        ({"op": "in", "args": [{"property": "id"}, ["uv-b", "uv-z"]]}, ["uv-b"]),
        (
            {
                "op": "s_intersects",
                "args": [
                    {"property": "geometry"},
                    {"type": "Point", "coordinates": [120.051, 28.896]},
                ],
            },
            ["uv-b"],
        ),  # fmt: skip
    ],
)
def test_cql2_json(client, doc, expected):
    query = f"filter-lang=cql2-json&filter={quote(json.dumps(doc))}"
    assert ids(client, query) == expected


def test_sortby_properties_skip_geometry_and_paging_keep_them(client):
    assert ids(client, "sortby=-id") == ["uv-b", "uv-a"]
    assert ids(client, "sortby=-status_date,id") == ["uv-a", "uv-b"]
    r = client.get(f"{ITEMS}?sortby=-id&properties=name,status&skipGeometry=true&limit=1")
    doc = r.get_json()
    (feature,) = doc["features"]
    assert feature == {"type": "Feature", "id": "uv-b", "geometry": None,
                       "properties": {"name": "乙村区块", "status": "planned"}}  # fmt: skip
    (nxt,) = [lk["href"] for lk in doc["links"] if lk["rel"] == "next"]
    assert "sortby=-id" in nxt and "properties=name,status" in nxt and "skipGeometry=true" in nxt
    page2 = client.get(nxt.removeprefix("http://localhost")).get_json()
    assert [f["id"] for f in page2["features"]] == ["uv-a"]
    assert page2["features"][0]["properties"] == {"name": "甲村区块", "status": "planned"}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2021-03-01", []),
        ("2020", ["uv-a", "uv-b"]),
        ("2020-06-01/2021-02-28", ["uv-a", "uv-b"]),
        ("2021-01-01/..", []),
        ("../2019-12-31", []),
        ("2019-12/2020-01", ["uv-a", "uv-b"]),
    ],
)
def test_datetime_on_the_status_date(client, when, expected):
    assert ids(client, f"datetime={quote(when)}") == expected


def test_queryables_are_typed(client):
    doc = client.get("/ogc/collections/urban_villages/queryables").get_json()
    props = doc["properties"]
    assert props["status"]["enum"][:2] == ["planned", "preparing"]
    assert props["geometry"]["format"] == "geometry-polygon-or-multipolygon"
    assert all("type" in p or "enum" in p or "format" in p for p in props.values())
    assert doc["additionalProperties"] is False


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("filter=colour%3D'x'", "filter", "filter names colour: not a queryable"),
        ("filter=status%3D", "filter", "filter is not valid cql2-text"),
        ("filter-lang=cql2-json&filter=%7Bnope", "filter", "filter is not valid cql2-json"),
        ("filter-lang=ecql&filter=a%3D1", "filter-lang", "filter-lang 'ecql' is not offered"),
        ("filter-crs=EPSG:4326&filter=id%3D'a'", "filter-crs", "filter-crs: only"),
        ("sortby=colour", "sortby", "sortby: 'colour' is not sortable"),
        ("properties=name,colour", "properties", "properties: colour not in this collection"),
        ("skipGeometry=maybe", "skipGeometry", "skipGeometry must be true or false"),
        ("datetime=yesterday", "datetime", "datetime: 'yesterday' is not an RFC 3339 date"),
        ("datetime=2022/2021", "datetime", "datetime: the interval ends before it starts"),
    ],
)
def test_bad_parameters_are_400_in_the_one_shape(client, query, param, message):
    r = client.get(f"{ITEMS}?{query}")
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["param"] == param and error["message"].startswith(message), error


# --------------------------------------------------------------------------- GDAL as the client


def test_gdal_filters_on_the_server_with_queryables(tiny, tmp_path):
    data, layers = tiny
    log = tmp_path / "requests.log"
    config = {"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers), "BASEMAP": "none"}
    with serving_process(config, str(log)) as base:
        url = f"OAPIF:{base}/ogc"
        equal = pyogrio.read_dataframe(url, layer="urban_villages", where="name = '乙村区块'")
        like = pyogrio.read_dataframe(
            url, layer="urban_villages", where="name LIKE '乙%' OR status = 'accepted'"
        )
    assert list(equal["id"]) == list(like["id"]) == ["uv-b"]
    items = [q for q in Path(log).read_text("utf-8").splitlines() if "/items?" in q]
    # the equality is filtered by the server (a queryable parameter); GDAL 3.12 evaluates LIKE
    # itself (it sends CQL2 only to servers it recognises), with the same answer
    assert any("&name=%E4%B9%99" in q for q in items), items


def test_openapi_declares_the_part3_parameters(client):
    doc = client.get("/ogc/api").get_json()
    params = doc["paths"]["/collections/urban_villages/items"]["get"]["parameters"]
    refs = {p["$ref"].rsplit("/", 1)[1] for p in params if "$ref" in p}
    assert {"filter", "filter-lang", "filter-crs", "sortby", "properties", "skipGeometry",
            "datetime"} <= refs  # fmt: skip
    lang = doc["components"]["parameters"]["filter-lang"]["schema"]
    assert lang["enum"] == ["cql2-text", "cql2-json"]
