"""The OpenAPI 3.0 document of the OGC API – Features endpoint, with real response schemas.

Every collection's queryables are parameters of its items path; every response names the
schema of its body (or HTML with ``f=html``), so schemathesis checks the bodies against it.
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
                "bbox", "query", "范围 minx,miny,maxx,maxy in the axis order of bbox-crs",
                {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
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
        paths[f"{p}/items/{{featureId}}"] = _operation(
            f"{title}: one feature", f"getFeature_{lid}",
            [_ref("featureId"), _ref("crs"), _ref("f")], GEOJSON, "feature",
        )  # fmt: skip
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
