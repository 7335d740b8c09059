"""The OpenAPI document: valid, in step with the routes, and honoured by the API (schemathesis)."""

from __future__ import annotations

import inspect
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import allow_header_conformance, positive_data_acceptance

from geoapp.config import ROOT
from geoapp.web import api, create_app

#: Operations where a schema-valid request may still be refused with 400, because validity
#: depends on more than a JSON Schema can say: per-layer property names and min <= max in a
#: bbox (/api/layers/{layer}); a ring that does not self-intersect (/api/query/intersects).
POSITIVE_NOT_ALWAYS_ACCEPTED = {"/api/layers/{layer}", "/api/query/intersects"}


@pytest.fixture(scope="module")
def api_app():
    """The app over the bundled data (read-only here, so shared by the module)."""
    return create_app(
        {"TESTING": True, "DATA_DIR": str(ROOT / "data"), "LAYERS_DIR": str(ROOT / "layers")}
    )


@pytest.fixture(scope="module")
def doc(api_app):
    """The OpenAPI document as served."""
    return api_app.test_client().get("/api/openapi.json").json


def test_the_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"] == "3.1.0"
    validate(doc)


def test_every_api_route_is_documented_and_nothing_else(api_app, doc):
    routed = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in api_app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    # 11 read endpoints (geoapp.web.api) + 5 of the write API (geoapp.web.writeapi)
    assert routed == documented and len(documented) == 16


def test_views_take_exactly_the_declared_parameters(doc):
    """A parameter a view reads must be declared (so documented), and every declared one used."""
    for ep in api.ENDPOINTS:
        view = getattr(api, ep.name)
        assert list(inspect.signature(view).parameters) == [p.name for p in ep.params], ep.name
        documented = [p["name"] for p in doc["paths"][ep.path][ep.method.lower()]["parameters"]]
        assert documented == [p.name for p in ep.params]
        assert "request.args" not in inspect.getsource(view), ep.name


def test_limits_come_from_the_config(tmp_path):
    app = create_app({"TESTING": True, "MAX_LIMIT": 50, "DEFAULT_LIMIT": 7})
    doc = app.test_client().get("/api/openapi.json").json
    params = {p["name"]: p for p in doc["paths"]["/api/layers/{layer}"]["get"]["parameters"]}
    assert params["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 50,
        "default": 7,
    }
    assert app.test_client().get("/api/layers/towns?limit=51").status_code == 400
    assert app.test_client().get("/api/layers/towns").json["numberReturned"] == 7


def test_docs_page_lists_every_endpoint_and_loads_nothing_from_outside(api_app, doc):
    r = api_app.test_client().get("/api/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert f"{method.upper()}</span> <code>{path}</code>" in html
            for p in op["parameters"]:
                assert f"<code>{p['name']}</code>" in html
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", html)
    assert "<script" not in html


def test_docs_page_escapes_what_it_shows():
    doc = {
        "info": {"title": "<b>t</b>", "description": "a & b"},
        "paths": {"/x": {"get": {"operationId": "x", "summary": "<i>", "description": "",
                                 "parameters": [], "responses": {}}}},
    }  # fmt: skip
    html = api.docs_page(doc)
    assert "<b>t</b>" not in html and "&lt;b&gt;t&lt;/b&gt;" in html and "&lt;i&gt;" in html


@pytest.fixture(scope="module")
def api_schema(api_app):
    """The document loaded by schemathesis, calling the app through WSGI."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_document(case):
    """No 500, documented status codes and content types, responses matching their schemas."""
    excluded = [positive_data_acceptance] if case.path in POSITIVE_NOT_ALWAYS_ACCEPTED else []
    # The WSGI transport does not decode gzip: compression is tested in test_http.py.
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, excluded_checks=excluded)


@pytest.fixture(scope="module")
def ogc_schema(api_app):
    """The OGC API – Features document (/ogc/api), loaded by schemathesis over WSGI."""
    return schemathesis.openapi.from_wsgi("/ogc/api?f=json", api_app)


ogc_lazy = schemathesis.pytest.from_fixture("ogc_schema")
#: A schema-valid items request may still be refused: a bbox with min > max, or one outside the
#: area of its bbox-crs, is a 400 that no JSON Schema can express.
OGC_POSITIVE_NOT_ALWAYS_ACCEPTED = re.compile(r"/collections/[^/]+/items$")


@ogc_lazy.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_ogc_api_honours_its_document(case):
    """No 500, documented status codes and content types, bodies matching their schemas.

    ``OPTIONS`` answers ``Allow`` with what the *caller* may do (OGC API – Features Part 4,
    "OPTIONS method": "within the control context in place"; QGIS makes a layer editable from
    it), so schemathesis, calling without a token, is rightly not offered the documented writes:
    tests/test_ogc_part4.py checks Allow per role instead of ``allow_header_conformance``.
    """
    excluded = [allow_header_conformance] + (
        [positive_data_acceptance] if OGC_POSITIVE_NOT_ALWAYS_ACCEPTED.search(case.path) else []
    )
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, excluded_checks=excluded)
