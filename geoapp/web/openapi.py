"""The OpenAPI 3.1 document of the JSON API, generated from its endpoint declarations.

Each route of :mod:`geoapp.web.api` is declared once (rule, parameters with their parsers, result
schema name); this module turns the declarations into the document and its HTML page. We keep
this small declaration table of our own rather than a library (flask-smorest, spectree): the
parameters are parsed by :mod:`geoapp.params` with messages shared by every door, which those
libraries would replace by their own validation and error shapes. The response schemas below
describe the real bodies, so schemathesis checks them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

import geoapp
from geoapp.status import STATUS
from geoapp.web.params import GEOMETRY_TYPES, MAX_GEOMETRY_VERTICES

JSON = "application/json"

# ------------------------------------------------------------------------------ OpenAPI


def _ref_schema(name: str) -> dict[str, str]:
    """A JSON Schema reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


_NULLABLE_STR = {"type": ["string", "null"]}
_COUNT = {"type": "integer", "minimum": 0}
_STR = {"type": "string"}
_NUMBER = {"type": "number"}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    """An object schema with these required members and properties."""
    return {"type": "object", "required": required, "properties": properties}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    """An array schema of ``items``."""
    return {"type": "array", "items": items}


_SCALAR = {"type": ["string", "number", "integer", "boolean", "null"]}
_HISTORY_ENTRY = {
    "type": "object",
    "required": ["date", "status", "source"],
    "properties": {"date": {"type": "string"}, "status": {"enum": list(STATUS)},
                   "source": {"type": "string"}},
    "additionalProperties": _SCALAR,
}  # fmt: skip
_SOURCE = {
    "type": "object",
    "required": ["file", "title", "date"],
    "properties": {"file": {"type": "string"}, "title": {"type": "string"}},
    "additionalProperties": _SCALAR,
}
_POSITION = {
    "type": "array",
    "minItems": 2,
    "maxItems": 3,
    "prefixItems": [
        {"type": "number", "minimum": -180, "maximum": 180},
        {"type": "number", "minimum": -90, "maximum": 90},
    ],
    "items": {"type": "number"},
}
_LINE = {"type": "array", "minItems": 2, "items": _POSITION}
_RING = {"type": "array", "minItems": 4, "items": _POSITION}
_POLYGON = {"type": "array", "minItems": 1, "items": _RING}
_COORDINATES = {
    "Point": _POSITION,
    "MultiPoint": {"type": "array", "minItems": 1, "items": _POSITION},
    "LineString": _LINE,
    "MultiLineString": {"type": "array", "minItems": 1, "items": _LINE},
    "Polygon": _POLYGON,
    "MultiPolygon": {"type": "array", "minItems": 1, "items": _POLYGON},
}


def _geometry_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one GeoJSON geometry type."""
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {"type": {"const": kind}, "coordinates": _COORDINATES[kind]},
    }


_REF_ITEM = {
    "type": "object",
    "required": ["layer", "id", "name", "name_en", "status"],
    "properties": {
        "layer": {"type": "string"},
        "id": {"type": "string"},
        "name": _NULLABLE_STR,
        "name_en": _NULLABLE_STR,
        "status": _NULLABLE_STR,
        "distance_m": {"type": "number", "minimum": 0},
    },
}
_LABEL = {
    "type": "object",
    "required": ["zh", "en"],
    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
}
_MEASURE_ROW = {
    "type": "object",
    "required": ["layer", "status", "features"],
    "properties": {"layer": {"type": "string"}, "status": _NULLABLE_STR,
                   "features": {"type": "integer"}},
}  # fmt: skip

# fmt: off
SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "param"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "param": _NULLABLE_STR,
                },
            }
        },
    },
    "Geometry": {"oneOf": [_geometry_schema(k) for k in GEOMETRY_TYPES]},
    "GeometryInput": {
        "description": f"A GeoJSON geometry in WGS84 (at most {MAX_GEOMETRY_VERTICES} vertices); "
        "a Feature carrying one is accepted too",
        "oneOf": [_geometry_schema(k) for k in GEOMETRY_TYPES],
    },
    "Feature": _object(
        ["type", "id", "geometry", "properties"],
        type={"const": "Feature"},
        id=_STR,
        geometry={"oneOf": [_ref_schema("Geometry"), {"type": "null"}]},
        properties={
            "type": "object",
            "description": "The layer's fields but id (and the registry columns on a layer with "
            "status); query answers add layer and distance_m",
            "properties": {
                "name": _STR,
                "name_en": _NULLABLE_STR,
                "accuracy": {"enum": ["surveyed", "approximate", "schematic"]},
                "status": {"oneOf": [{"enum": list(STATUS)}, {"type": "null"}]},
                "layer": _STR,
                "distance_m": {"type": "number", "minimum": 0},
            },
            "additionalProperties": _SCALAR,
        },
    ),  # fmt: skip
    "FeatureCollection": _object(
        ["type", "features", "numberReturned"], type={"const": "FeatureCollection"},
        numberMatched=_COUNT, numberReturned=_COUNT, features=_array(_ref_schema("Feature")),
    ),
    "Layer": _object(
        ["id", "title", "geometry_types", "count", "extent", "fields"],
        id=_STR, title=_LABEL, description=_LABEL, geometry_types=_array(_STR),
        has_status={"type": "boolean"}, count=_COUNT,
        extent={"oneOf": [
            {"type": "array", "items": _NUMBER, "minItems": 4, "maxItems": 4}, {"type": "null"},
        ]},
        fields=_array(_object(
            ["name", "type", "label", "values"],
            name=_STR, type=_STR, label=_LABEL, values={"type": ["array", "null"]},
        )),
    ),
    "LayerList": _object(["layers"], layers=_array(_ref_schema("Layer"))),
    "Project": _object(
        ["project_id", "name", "layer", "feature_ids", "status", "target_status"],
        project_id=_STR, name=_STR, layer=_STR, feature_ids=_array(_STR),
        status={"type": "string", "enum": list(STATUS)}, target_status=_STR,
        history=_array(_HISTORY_ENTRY), sources=_array(_SOURCE),
    ),
    "ProjectList": _object(
        ["count", "projects"], count=_COUNT, projects=_array(_ref_schema("Project"))
    ),
    "PointQuery": _object(
        ["lon", "lat", "radius_m", "zones", "containing", "nearby"],
        lon=_NUMBER, lat=_NUMBER, radius_m=_NUMBER, zones=_array(_STR),
        containing=_array(_REF_ITEM), nearby=_array(_REF_ITEM),
    ),
    "Stats": {
        "type": "object",
        "required": ["version", "counts", "lengths_km", "areas_ha"],
        "properties": {
            "version": {"type": "string"},
            "counts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["layer", "status", "zone", "features"],
                    "properties": {
                        "layer": {"type": "string"},
                        "status": _NULLABLE_STR,
                        "zone": _NULLABLE_STR,
                        "features": {"type": "integer", "minimum": 1},
                    },
                },
            },
            "lengths_km": {"type": "array", "items": _MEASURE_ROW},
            "areas_ha": {"type": "array", "items": _MEASURE_ROW},
        },
    },
    "OpenAPI": {"type": "object", "required": ["openapi", "info", "paths"]},
    "HTML": {"type": "string"},
}
# fmt: on


def _error_response(description: str) -> dict[str, Any]:
    """An OpenAPI response carrying the one error shape."""
    return {"description": description, "content": {JSON: {"schema": _ref_schema("Error")}}}


def _responses(ep: Any) -> dict[str, Any]:
    """The documented responses of an endpoint, derived from its declaration."""
    out: dict[str, Any] = {
        "200": {"description": "OK", "content": {ep.media_type: {"schema": _ref_schema(ep.result)}}}
    }
    if ep.method == "GET":
        out["304"] = {"description": "Not modified: If-None-Match matched the ETag"}
    if ep.body or any(p.location == "query" for p in ep.params):
        out["400"] = _error_response("A parameter or the body is malformed or out of range")
    if any(p.location == "path" for p in ep.params):
        out["404"] = _error_response("No such resource")
    if ep.body:
        out["413"] = _error_response("The body is larger than MAX_CONTENT_LENGTH")
    return out


def _operation(ep: Any, ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI Operation Object of an endpoint."""
    op: dict[str, Any] = {
        "operationId": ep.name,
        "summary": ep.summary,
        "description": ep.description,
        "parameters": [p.openapi(ctx) for p in ep.params],
        "responses": _responses(ep),
    }
    if ep.body:
        op["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _ref_schema(ep.body)}},
        }
    return op


def openapi_document(endpoints: Iterable[Any], ctx: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the declared endpoints (:class:`geoapp.web.api.Endpoint`)."""
    from geoapp.web.writeapi import openapi_part

    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep, ctx)
    writes = openapi_part()  # the write API (geoapp.web.writeapi) declares its own routes
    for path, ops in writes["paths"].items():
        paths.setdefault(path, {}).update(ops)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "永康规划一张图 API / Yongkang planning map API",
            "version": geoapp.__version__,
            "description": "Layers, features, projects and spatial queries. Coordinates are "
            "WGS84 lon/lat (EPSG:4326); distances and areas are computed in EPSG:4549. Errors "
            'share one shape: {"error": {"code", "message", "param"}}.',
            "x-data-version": ctx["catalog"].version,
        },
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **writes["schemas"]},
            "securitySchemes": writes["securitySchemes"],
        },
    }


def _schema_text(schema: Mapping[str, Any]) -> str:
    """A short human description of a parameter schema."""
    if schema.get("type") == "array":
        return f"list of {_schema_text(schema.get('items', {}))}"
    text = str(schema.get("type", ""))
    if "enum" in schema:
        text += ": " + " | ".join(map(str, schema["enum"]))
    bounds = [f"{k} {schema[k]}" for k in ("minimum", "exclusiveMinimum", "maximum") if k in schema]
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def _code_spans(text: str) -> Markup:
    """Escaped text with ``double-backtick`` spans (as in the docstrings) set as code."""
    return Markup(re.sub(r"``(.+?)``", r"<code>\1</code>", str(escape(text))))


def docs_page(doc: Mapping[str, Any]) -> str:
    """The API reference as one self-contained HTML page (every text escaped)."""
    parts = [
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{escape(doc['info']['title'])}</title><style>"
        "body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2em auto;max-width:60em;"
        "padding:0 1em;line-height:1.45}code{background:#f3f3f3;padding:0 .2em}"
        "section{border-top:1px solid #ccc;padding:.5em 0}table{border-collapse:collapse}"
        "td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}"
        ".m{font-weight:bold;color:#1e5aa8}</style>",
        f"<h1>{escape(doc['info']['title'])}</h1><p>{escape(doc['info']['description'])}</p>",
        "<p>Machine-readable: <a href='/api/openapi.json'>/api/openapi.json</a> (OpenAPI 3.1)</p>",
    ]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            parts.append(
                f"<section id='{escape(op['operationId'])}'><h2><span class='m'>"
                f"{method.upper()}</span> <code>{escape(path)}</code></h2>"
                f"<p>{escape(op['summary'])}. {_code_spans(op['description'])}</p>"
            )
            if op["parameters"]:
                parts.append(
                    "<table><tr><th>parameter</th><th>in</th><th>schema</th><th></th></tr>"
                )
                for p in op["parameters"]:
                    parts.append(
                        f"<tr><td><code>{escape(p['name'])}</code>{' *' if p['required'] else ''}"
                        f"</td><td>{escape(p['in'])}</td><td>{escape(_schema_text(p['schema']))}"
                        f"</td><td>{escape(p['description'])}</td></tr>"
                    )
                parts.append("</table>")
            if "requestBody" in op:
                parts.append("<p>Body: a GeoJSON geometry (<code>application/json</code>).</p>")
            codes = ", ".join(f"{c} {escape(r['description'])}" for c, r in op["responses"].items())
            parts.append(f"<p>Responses: {codes}</p></section>")
    return "".join(parts) + "</html>"
