"""The OpenAPI 3.0 document of the OGC API – Features endpoint, with real response schemas.

Every collection's queryables are parameters of its items path; every response names the
schema of its body (or HTML with ``f=html``), so schemathesis checks the bodies against it.
Part 4: POST on items, PUT/PATCH/DELETE on a feature, with their request bodies, the
``Content-Crs`` and ``If-Match`` headers, the ETag/Location headers and the security schemes.
"""

from __future__ import annotations

from typing import Any

from geoapp.catalog import Catalog
from geoapp.ogc import (
    CRS84,
    CRS_URIS,
    GEOJSON,
    HTML,
    JSON,
    OPENAPI,
    SCHEMA,
    TITLE,
    _property_schema,
    queryable_names,
)
from geoapp.ogc_filter import PARAMS as FILTER_PARAMS

_STR = {"type": "string"}
_LINKS = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}
_COUNT = {"type": "integer", "minimum": 0}
#: The bodies of the responses (OpenAPI 3.0 Schema Objects).
SCHEMAS: dict[str, Any] = {
    "error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "param"],
        "properties": {"code": _STR, "message": _STR, "param": {"type": "string", "nullable": True}}}}},
    "link": {"type": "object", "required": ["href", "rel"],
             "properties": {"href": _STR, "rel": _STR, "type": _STR, "title": _STR}},
    "landing": {"type": "object", "required": ["links"],
                "properties": {"title": _STR, "description": _STR, "links": _LINKS}},
    "conformance": {"type": "object", "required": ["conformsTo"],
                    "properties": {"conformsTo": {"type": "array", "items": _STR}}},
    "collection": {
        "type": "object", "required": ["id", "links"],
        "properties": {
            "id": _STR, "title": _STR, "description": _STR, "attribution": _STR,
            "itemType": {"type": "string", "enum": ["feature"]},
            "extent": {"type": "object", "properties": {"spatial": {"type": "object", "properties": {
                "bbox": {"type": "array", "items": {"type": "array", "minItems": 4, "maxItems": 6,
                                                    "items": {"type": "number"}}},
                "crs": _STR}}}},
            "crs": {"type": "array", "items": _STR}, "storageCrs": _STR, "links": _LINKS,
        },
    },
    "collections": {"type": "object", "required": ["links", "collections"], "properties": {
        "links": _LINKS, "crs": {"type": "array", "items": _STR},
        "collections": {"type": "array", "items": {"$ref": "#/components/schemas/collection"}}}},
    "geometry": {"type": "object", "required": ["type", "coordinates"], "nullable": True,
                 "properties": {"type": {"type": "string", "enum": [
                     "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                     "MultiPolygon"]}, "coordinates": {"type": "array"}}},
    "feature": {
        "type": "object", "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]}, "id": _STR,
            "geometry": {"$ref": "#/components/schemas/geometry"},
            "properties": {"type": "object", "nullable": True,
                           "properties": {"name": _STR, "accuracy": {"type": "string", "enum": [
                               "surveyed", "approximate", "schematic"]}}},
            "links": _LINKS,
        },
    },
    "featureCollection": {
        "type": "object", "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": _COUNT, "numberReturned": _COUNT, "links": _LINKS,
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/feature"}},
        },
    },
    "queryables": {"type": "object", "required": ["type", "properties"], "properties": {
        "$schema": _STR, "$id": _STR, "type": {"type": "string", "enum": ["object"]},
        "title": _STR, "properties": {"type": "object"}, "additionalProperties": {"type": "boolean"}}},
    "featureInput": {
        "type": "object", "required": ["type", "geometry", "properties"],
        "description": "GeoJSON Feature in the Content-Crs (default CRS84); properties.id (or id) "
                       "names a created feature, else the server gives one",
        "properties": {"type": {"type": "string", "enum": ["Feature"]}, "id": _STR,
                       "geometry": {"$ref": "#/components/schemas/geometry"},
                       "properties": {"type": "object"}},
    },
    "featurePatch": {
        "type": "object", "description": "RFC 7396 JSON Merge Patch of properties and/or geometry",
        "properties": {"properties": {"type": "object"},
                       "geometry": {"$ref": "#/components/schemas/geometry"}},
    },
    "openapi": {"type": "object", "required": ["openapi", "info", "paths"],
                "properties": {"openapi": _STR, "paths": {"type": "object"}}},
}  # fmt: skip


def _param(name: str, where: str, description: str, schema: dict, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "description": description, "required": where == "path",
            "schema": schema, **extra}  # fmt: skip


def _components(max_limit: int, default_limit: int) -> dict[str, Any]:
    crs = {"type": "string", "format": "uri", "enum": list(CRS_URIS), "default": CRS84}
    return {
        "parameters": {
            "f": _param("f", "query", "输出格式 Output format", {"type": "string", "enum": ["json", "html"]}),
            "limit": _param(
                "limit", "query", f"每页要素数 Features per page (1–{max_limit})",
                {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit},
            ),
            "offset": _param("offset", "query", "跳过的要素数 Features to skip",
                             {"type": "integer", "minimum": 0, "default": 0}),
            "bbox": _param(
                "bbox", "query", "范围 minx,miny,maxx,maxy (or six numbers with heights) in the axis order of bbox-crs",
                # four numbers, or six with heights (OGC API – Features Part 1, as parsed)
                {"type": "array", "items": {"type": "number"},
                 "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]},
                style="form", explode=False,
            ),
            "bbox-crs": _param("bbox-crs", "query", "bbox 的坐标系 CRS of bbox", crs),
            "crs": _param("crs", "query", "输出坐标系 CRS of the response", crs),
            "featureId": _param("featureId", "path", "要素编号 Feature id", {"type": "string"}),
            "filter": _param("filter", "query", "CQL2 筛选 CQL2 filter (text or JSON, see filter-lang)", {"type": "string"}),
            "filter-lang": _param("filter-lang", "query", "筛选语言 Filter language", {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"}),
            "filter-crs": _param("filter-crs", "query", "筛选几何的坐标系 CRS of filter geometries", {"type": "string", "format": "uri", "enum": [CRS84]}),
            "sortby": _param("sortby", "query", "排序 Sort by: name, -name (descending), comma-separated", {"type": "string"}),
            "properties": _param("properties", "query", "返回的属性 Properties to return, comma-separated", {"type": "string"}),
            "skipGeometry": _param("skipGeometry", "query", "不返回几何 Leave geometries out", {"type": "boolean", "default": False}),
            "datetime": _param("datetime", "query", "状态日期 Status date: a date or start/end (.. open)", {"type": "string"}),
            "Content-Crs": _param("Content-Crs", "header", "请求体坐标系 CRS of the body's coordinates, in its axis order", crs),
            "If-Match": _param("If-Match", "header", "上次读取的 ETag: 已被他人修改则 412 / the ETag of the last GET: 412 if the feature changed since (optional)", {"type": "string"}),
        },
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "an API token of a gis or admin account (`geoapp token create NAME`)"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "the sign-in session; writes also need the X-CSRFToken header"},
        },
        "responses": {
            "error": {"description": "错误 Error", "content": {
                JSON: {"schema": _schema("error")}, HTML: {"schema": {"type": "string"}}}},
        },
        "schemas": SCHEMAS,
    }  # fmt: skip


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _schema(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(
    summary: str, op_id: str, params: list, media_type: str, schema: str
) -> dict[str, Any]:
    """A GET answered in ``media_type`` (body: component ``schema``) or HTML, or an error."""
    content = {media_type: {"schema": _schema(schema)}, HTML: {"schema": {"type": "string"}}}
    return {"get": {
        "summary": summary, "operationId": op_id, "parameters": params,
        "responses": {"200": {"description": summary, "content": content},
                      "400": {"$ref": "#/components/responses/error"},
                      "404": {"$ref": "#/components/responses/error"}},
    }}  # fmt: skip


_ETAG = {"ETag": {"description": "要素版本 The feature's version", "schema": _STR}}
_WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 413, 415)


def _write(summary: str, op_id: str, params: list, status: int, body: str | None = None) -> dict:
    """A Part 4 write (gis/admin with a token): ``status`` with the new ETag, or an error."""
    headers = dict(_ETAG) if body else {}  # a delete leaves no feature to tag
    if status == 201:
        headers["Location"] = {"description": "新要素 The new feature", "schema": _STR}
    responses: dict[str, Any] = {str(status): {"description": summary, "headers": headers}}
    responses.update({str(c): {"$ref": "#/components/responses/error"} for c in _WRITE_ERRORS})
    op = {
        "summary": summary,
        "operationId": op_id,
        "parameters": params,
        "responses": responses,
        "security": [{"bearer": []}, {"session": []}],
    }
    if body:
        types = ["application/merge-patch+json"] if body == "featurePatch" else []
        types += [GEOJSON, JSON]
        op["requestBody"] = {
            "required": True,
            "content": {t: {"schema": _schema(body)} for t in types},
        }
    return op


def _feature_paths(lid: str, title: str) -> dict[str, dict[str, Any]]:
    """The one-feature path: GET (with its ETag), PUT, PATCH, DELETE."""
    item = [_ref("featureId")]
    get = _operation(f"{title}: one feature", f"getFeature_{lid}",
                     [*item, _ref("crs"), _ref("f")], GEOJSON, "feature")["get"]  # fmt: skip
    get["responses"]["200"]["headers"] = _ETAG
    get["responses"]["304"] = {"description": "未修改 Not modified (If-None-Match)"}
    return {
        "get": get,
        "put": _write(f"{title}: replace a feature", f"replaceFeature_{lid}",
                      [*item, _ref("Content-Crs"), _ref("If-Match")], 204, "featureInput"),
        "patch": _write(f"{title}: update a feature", f"updateFeature_{lid}",
                        [*item, _ref("Content-Crs"), _ref("If-Match")], 204, "featurePatch"),
        "delete": _write(f"{title}: delete a feature", f"deleteFeature_{lid}",
                         [*item, _ref("If-Match")], 204),
    }  # fmt: skip


def openapi(catalog: Catalog, base: str, max_limit: int = 10_000, default_limit: int = 100) -> dict:
    """The OpenAPI 3.0 definition of the API, with each collection's queryables as parameters."""
    paths = {
        "/": _operation("起始页 Landing page", "getLandingPage", [_ref("f")], JSON, "landing"),
        "/conformance": _operation(
            "符合的标准 Conformance", "getConformance", [_ref("f")], JSON, "conformance"
        ),
        "/api": _operation("API 定义 This document", "getAPI", [_ref("f")], OPENAPI, "openapi"),
        "/collections": _operation(
            "图层 Collections", "getCollections", [_ref("f")], JSON, "collections"
        ),
    }
    for lid, layer in catalog.defs.items():
        p = f"/collections/{lid}"
        title = layer.title_for("en")
        filters = [
            _param(n, "query", f"等于 equals ({n})", _property_schema(layer, n))
            for n in queryable_names(layer)
        ]
        paths[p] = _operation(
            f"{title}: collection", f"describe_{lid}", [_ref("f")], JSON, "collection"
        )
        paths[f"{p}/items"] = _operation(
            f"{title}: features", f"getFeatures_{lid}",
            [_ref(n) for n in ("limit", "offset", "bbox", "bbox-crs", "crs", "f", *FILTER_PARAMS)]
            + filters,
            GEOJSON, "featureCollection",
        )  # fmt: skip
        paths[f"{p}/items"]["post"] = _write(
            f"{title}: create a feature", f"createFeature_{lid}", [_ref("Content-Crs")], 201,
            "featureInput",
        )  # fmt: skip
        paths[f"{p}/items/{{featureId}}"] = _feature_paths(lid, title)
        paths[f"{p}/queryables"] = _operation(
            f"{title}: queryables", f"getQueryables_{lid}", [_ref("f")], SCHEMA, "queryables"
        )
    return {
        "openapi": "3.0.3",
        "info": {"title": TITLE, "version": catalog.version,
                 "description": "永康规划一张图的图层 / the layers of the Yongkang planning map"},
        "servers": [{"url": base}],
        "paths": paths,
        "components": _components(max_limit, default_limit),
    }  # fmt: skip
