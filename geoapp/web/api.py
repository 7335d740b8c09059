"""The JSON API: layers, features, projects, spatial queries and statistics, and its OpenAPI doc.

Every endpoint is declared once with :func:`endpoint` (rule, summary, parameters, result
schema); that one declaration registers the Flask route, parses the request with the
:class:`~geoapp.web.params.Param` objects and generates ``/api/openapi.json`` and ``/api/docs``,
so the documentation cannot drift from the code. Features are picked by the one feature query
(:mod:`geoapp.query`) and written by the one GeoJSON serialiser (:mod:`geoapp.query.geojson`), so
a feature has the same properties here, under ``/ogc`` and in the exports.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request

from geoapp.catalog import Catalog
from geoapp.errors import NotFound
from geoapp.params import (
    parse_bbox,
    parse_list,
    parse_number,
    parse_optional_integer,
    parse_status,
)
from geoapp.query import FeatureQuery, parse_zone, select, zone_ids
from geoapp.query.clean import plain
from geoapp.query.geojson import layer_features as served_features
from geoapp.query.geojson import property_columns
from geoapp.spatial import METRIC_AREA, Hit, layer_statistics
from geoapp.status import STATUS, STATUSES
from geoapp.web.openapi import docs_page, openapi_document
from geoapp.web.params import (
    Param,
    parse_geometry,
    parse_params,
)
from geoapp.web.state import get_catalog

bp = Blueprint("api", __name__, url_prefix="/api")

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
#: Radius of the "nearby" list of /api/query/point, in metres.
NEARBY_M = 500.0
MAX_RADIUS_M = 50_000.0
MAX_K = 100

#: A parsed list filter (None: no filter).
Filter = list[str] | None
_REGISTRY_LABELS = {
    "project_id": ("项目编号", "Project ID"),
    "project_name": ("项目名称", "Project"),
    "project_name_en": ("项目英文名称", "Project (en)"),
    "status": ("状态", "Status"),
    "status_date": ("状态日期", "Status date"),
    "target_status": ("目标状态", "Target status"),
    "target_year": ("目标年份", "Target year"),
    "source": ("来源", "Source"),
    "source_date": ("来源日期", "Source date"),
    "quote": ("原文", "Quote"),
}

# ------------------------------------------------------------------------------ parameters


def _names(values: list[str]) -> dict[str, Any]:
    """A string schema restricted to ``values`` (when there are any)."""
    return {"type": "string", "enum": values} if values else {"type": "string"}


def _coordinate(name: str, lo: float, hi: float, what: str) -> Param:
    """A required lon or lat inside EPSG:4549's area of use."""
    return Param(
        name,
        f"{what}, WGS84 degrees, within EPSG:4549's area of use ({lo}–{hi}) "
        "where distances are computed",
        lambda ctx: {"type": "number", "minimum": lo, "maximum": hi},
        lambda raw, ctx: parse_number(raw, name, lo, hi),
        required=True,
    )


LON = _coordinate("lon", METRIC_AREA[0], METRIC_AREA[2], "Longitude")
LAT = _coordinate("lat", METRIC_AREA[1], METRIC_AREA[3], "Latitude")
K = Param(
    "k",
    f"How many features (1–{MAX_K})",
    lambda ctx: {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": 5},
    lambda raw, ctx: parse_optional_integer(raw, "k", 5, 1, MAX_K),
)
RADIUS = Param(
    "radius",
    f"Radius in metres, measured in EPSG:4549 (greater than 0, at most {MAX_RADIUS_M:g})",
    lambda ctx: {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS_M},
    lambda raw, ctx: parse_number(raw, "radius", None, MAX_RADIUS_M, exclusive_minimum=0),
    required=True,
)
LAYERS = Param(
    "layer",
    "Only these layers (comma-separated layer ids)",
    lambda ctx: {"type": "array", "items": _names(list(ctx["catalog"].defs)), "minItems": 1},
    lambda raw, ctx: None if raw is None else parse_list(raw, "layer", ctx["catalog"].defs),
)
STATUS_FILTER = Param(
    "status",
    "Only these statuses of the project (a feature without a project has none); "
    "comma-separated codes: " + ", ".join(f"{s.code} {s.zh}" for s in STATUSES),
    lambda ctx: {"type": "array", "items": _names(list(STATUS)), "minItems": 1},
    lambda raw, ctx: None if raw is None else parse_status(raw),
)
ZONE = Param(
    "zone",
    "Only features intersecting this zone (a feature id of the zones layer)",
    lambda ctx: _names(zone_ids(ctx["catalog"])),
    lambda raw, ctx: parse_zone(raw, ctx["catalog"]),
)
BBOX = Param(
    "bbox",
    "Only features intersecting this box: minlon,minlat,maxlon,maxlat (WGS84 degrees)",
    lambda ctx: {
        "type": "array",
        "minItems": 4,
        "maxItems": 4,
        "prefixItems": [
            {"type": "number", "minimum": lo, "maximum": hi}
            for lo, hi in [(-180, 180), (-90, 90)] * 2
        ],
        "items": {"type": "number"},
    },
    lambda raw, ctx: None if raw is None else parse_bbox(raw),
)
Q = Param(
    "q",
    "Only features whose name or name_en contains this text (case-insensitive)",
    lambda ctx: {"type": "string"},
    lambda raw, ctx: raw or None,
)
PROPERTIES = Param(
    "properties",
    "Only these properties (comma-separated names; default: all)",
    lambda ctx: {
        "type": "array",
        "items": {"type": "string", "pattern": "^[^,]+$"},
        "minItems": 1,
    },
    lambda raw, ctx: None if raw is None else parse_list(raw, "properties"),
)
LIMIT = Param(
    "limit",
    "At most this many features",
    lambda ctx: {
        "type": "integer",
        "minimum": 1,
        "maximum": ctx["config"]["MAX_LIMIT"],
        "default": ctx["config"]["DEFAULT_LIMIT"],
    },
    lambda raw, ctx: parse_optional_integer(
        raw, "limit", ctx["config"]["DEFAULT_LIMIT"], 1, ctx["config"]["MAX_LIMIT"]
    ),
)
OFFSET = Param(
    "offset",
    "Skip this many features first",
    lambda ctx: {"type": "integer", "minimum": 0, "default": 0},
    lambda raw, ctx: parse_optional_integer(raw, "offset", 0, 0),
)
LAYER_PATH = Param(
    "layer", "A layer id", lambda ctx: _names(list(ctx["catalog"].defs)), location="path"
)
PROJECT_PATH = Param(
    "project_id",
    "A project id of the registry",
    lambda ctx: _names(list(ctx["catalog"].projects)),
    location="path",
)

# ------------------------------------------------------------------------------ endpoints


@dataclass(frozen=True)
class Endpoint:
    """One operation of the API, as documented and as routed."""

    rule: str
    method: str
    name: str
    summary: str
    description: str
    params: tuple[Param, ...]
    result: str
    media_type: str = JSON
    body: str | None = None

    @property
    def path(self) -> str:
        """The OpenAPI path template (``/api/layers/{layer}``)."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", bp.url_prefix + self.rule)


ENDPOINTS: list[Endpoint] = []


def _context() -> dict[str, Any]:
    """What parameter schemas and parsers need: the app config and the catalog."""
    return {"config": current_app.config, "catalog": get_catalog()}


def endpoint(
    rule: str,
    summary: str,
    result: str,
    *params: Param,
    method: str = "GET",
    media_type: str = JSON,
    body: str | None = None,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Declare an endpoint: route it, parse its declared parameters, document it."""

    def register(view: Callable[..., Response]) -> Callable[..., Response]:
        """Record, route and return the view."""
        ep = Endpoint(
            rule, method, view.__name__, summary, inspect.getdoc(view) or "", params,
            result, media_type, body,
        )  # fmt: skip
        ENDPOINTS.append(ep)

        @functools.wraps(view)
        def handler(**path: str) -> Response:
            """Parse the declared query parameters and call the view."""
            return view(**path, **parse_params(ep.params, request.args, _context()))

        bp.add_url_rule(rule, view.__name__, handler, methods=[method])
        return view

    return register


# ------------------------------------------------------------------------------ serialising


def _respond(data: Any, media_type: str = JSON, status: int = 200) -> Response:
    """Serialise with orjson."""
    return Response(orjson.dumps(data), status=status, mimetype=media_type)


def _feature(
    catalog: Catalog,
    layer: str,
    row: int,
    names: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One GeoJSON Feature (properties limited to ``names`` if given, then ``extra`` added)."""
    feature = served_features(catalog, layer).feature(row)
    if names is not None:
        feature["properties"] = {k: feature["properties"][k] for k in names}
    feature["properties"].update(extra or {})
    return feature


def _hit_collection(catalog: Catalog, hits: list[Hit]) -> dict[str, Any]:
    """A FeatureCollection of query hits, each with its layer (and distance in metres)."""
    features = []
    for h in hits:
        extra = {"layer": h.layer}
        if h.distance_m is not None:
            extra["distance_m"] = _metres(h.distance_m)
        features.append(_feature(catalog, h.layer, h.row, extra=extra))
    return {"type": "FeatureCollection", "numberReturned": len(features), "features": features}


def _hits_response(query: str, *args: Any, **filters: Any) -> Response:
    """The hits of one spatial query of the index (``nearest``, ``within``) as GeoJSON."""
    catalog = get_catalog()
    hits = getattr(catalog.index, query)(*args, **filters)
    return _respond(_hit_collection(catalog, hits), GEOJSON)


def _metres(value: float | None) -> float | None:
    """A distance rounded to the centimetre."""
    return None if value is None else round(value, 2)


def _ref(catalog: Catalog, hit: Hit) -> dict[str, Any]:
    """A short reference to a feature (no geometry)."""
    props = served_features(catalog, hit.layer).properties[hit.row]
    out = {"layer": hit.layer, "id": hit.feature_id, "name": props.get("name")}
    out.update(name_en=props.get("name_en"), status=props.get("status"))
    if hit.distance_m is not None:
        out["distance_m"] = _metres(hit.distance_m)
    return out


def _layer_info(catalog: Catalog, layer: str) -> dict[str, Any]:
    """A layer's description: titles, geometry types, count, extent and fields."""
    d, gdf = catalog.defs[layer], catalog.layers[layer]
    fields = [
        {
            "name": f.name,
            "type": f.type,
            "label": {"zh": f.label_for("zh"), "en": f.label_for("en")},
            "values": None
            if f.values is None
            else [
                {"value": v, "label": {"zh": f.value_label(v), "en": f.value_label(v, "en")}}
                for v in f.values
            ],
        }  # fmt: skip
        for f in d.all_fields
    ]
    if d.has_status:
        fields += [_registry_field(name) for name in _REGISTRY_LABELS]
    extent = None if gdf.empty else [round(float(v), 7) for v in gdf.total_bounds]
    return {
        "id": layer,
        "title": {"zh": d.title_for("zh"), "en": d.title_for("en")},
        "description": {"zh": d.description_for("zh"), "en": d.description_for("en")},
        "geometry_types": list(d.geometry_types),
        "has_status": d.has_status,
        "count": len(gdf),
        "extent": extent,
        "fields": fields,
    }


def _registry_field(name: str) -> dict[str, Any]:
    """A registry column as a field description (status ones list the vocabulary)."""
    zh, en = _REGISTRY_LABELS[name]
    values = None
    if name in ("status", "target_status"):
        values = [{"value": s.code, "label": {"zh": s.zh, "en": s.en}} for s in STATUSES]
    return {"name": name, "type": "str", "label": {"zh": zh, "en": en}, "values": values}


def _project(catalog: Catalog, project_id: str, detail: bool = False) -> dict[str, Any]:
    """A project row; with ``detail``, its history (oldest first) and the sources it cites."""
    row = {k: plain(v) for k, v in catalog.projects[project_id].items() if k != "history"}
    if detail:
        history = [
            {k: v for k, v in entry.items() if k != "project_id"}
            for entry in catalog.history_by_project.get(project_id, [])
        ]
        cited = {h["source"] for h in history}
        sources = catalog.registry.sources
        row["history"] = history
        row["sources"] = [
            {k: plain(v) for k, v in s.items()}
            for s in sources[sources["file"].isin(cited)].to_dict("records")
        ]
    return row


# ------------------------------------------------------------------------------ views


@endpoint("/layers", "Every layer: titles, geometry types, count, extent, fields", "LayerList")
def layers() -> Response:
    """The layers in draw order, with their fields' labels and allowed values (zh/en)."""
    catalog = get_catalog()
    return _respond({"layers": [_layer_info(catalog, lid) for lid in catalog.defs]})


@endpoint(
    "/layers/<layer>", "A layer's features", "FeatureCollection",
    LAYER_PATH, BBOX, STATUS_FILTER, ZONE, Q, PROPERTIES, LIMIT, OFFSET,
    media_type=GEOJSON,
)  # fmt: skip
def layer_features(
    layer: str,
    bbox: tuple[float, float, float, float] | None,
    status: list[str] | None,
    zone: str | None,
    q: str | None,
    properties: list[str] | None,
    limit: int,
    offset: int,
) -> Response:
    """Features in file order, filtered, then paged; ``numberMatched`` counts them all."""
    catalog = get_catalog()
    if layer not in catalog.defs:
        raise NotFound(f"unknown layer {layer!r}", "layer")
    if properties is not None:
        parse_list(",".join(properties), "properties", property_columns(catalog.defs[layer]))
    query = FeatureQuery(
        layers=(layer,), bbox=bbox, status=status and tuple(status), zone=zone, q=q
    )
    rows = select(catalog, query)[layer]
    page = [_feature(catalog, layer, r, properties) for r in rows[offset : offset + limit]]
    return _respond(
        {"type": "FeatureCollection", "numberMatched": len(rows), "numberReturned": len(page),
         "features": page}, GEOJSON,
    )  # fmt: skip


@endpoint("/projects", "Every project of the registry", "ProjectList", LAYERS, STATUS_FILTER)
def projects(layer: Filter, status: Filter) -> Response:
    """Projects in registry order (with their feature ids), optionally filtered."""
    catalog = get_catalog()
    rows = [
        _project(catalog, pid)
        for pid, p in catalog.projects.items()
        if (layer is None or p["layer"] in layer) and (status is None or p["status"] in status)
    ]
    return _respond({"count": len(rows), "projects": rows})


@endpoint("/projects/<project_id>", "One project with its history", "Project", PROJECT_PATH)
def project(project_id: str) -> Response:
    """The registry row, its feature ids and layer, its dated history and the sources cited."""
    catalog = get_catalog()
    if project_id not in catalog.projects:
        raise NotFound(f"unknown project {project_id!r}", "project_id")
    return _respond(_project(catalog, project_id, detail=True))


@endpoint(
    "/query/point", "What is at a point: zones, containing features, features near",
    "PointQuery", LON, LAT, LAYERS, STATUS_FILTER,
)  # fmt: skip
def query_point(lon: float, lat: float, layer: Filter, status: Filter) -> Response:
    """Zones containing the point, features containing it, and the others within 500 m."""
    catalog = get_catalog()
    containing = catalog.index.point(lon, lat, layers=layer, status=status)
    inside = {h.feature_id for h in containing}
    near = catalog.index.within(lon, lat, NEARBY_M, layers=layer, status=status)
    return _respond(
        {"lon": lon, "lat": lat, "radius_m": NEARBY_M, "zones": catalog.index.zone_of(lon, lat),
         "containing": [_ref(catalog, h) for h in containing],
         "nearby": [_ref(catalog, h) for h in near if h.feature_id not in inside]},
    )  # fmt: skip


@endpoint(
    "/query/nearest", "The k nearest features (true distance in metres, EPSG:4549)",
    "FeatureCollection", LON, LAT, K, LAYERS, STATUS_FILTER, ZONE, media_type=GEOJSON,
)  # fmt: skip
def query_nearest(
    lon: float, lat: float, k: int, layer: Filter, status: Filter, zone: str | None
) -> Response:
    """Nearest first; each feature carries ``layer`` and ``distance_m``; ties by layer, row."""
    return _hits_response("nearest", lon, lat, k, layers=layer, status=status, zone=zone)


@endpoint(
    "/query/within", "Features within a radius (metres, EPSG:4549)", "FeatureCollection",
    LON, LAT, RADIUS, LAYERS, STATUS_FILTER, ZONE, media_type=GEOJSON,
)  # fmt: skip
def query_within(
    lon: float, lat: float, radius: float, layer: Filter, status: Filter, zone: str | None
) -> Response:
    """Nearest first; each feature carries ``layer`` and ``distance_m``."""
    return _hits_response("within", lon, lat, radius, layers=layer, status=status, zone=zone)


@endpoint(
    "/query/intersects", "Features intersecting a GeoJSON geometry", "FeatureCollection",
    LAYERS, STATUS_FILTER, ZONE, method="POST", media_type=GEOJSON, body="GeometryInput",
)  # fmt: skip
def query_intersects(layer: Filter, status: Filter, zone: str | None) -> Response:
    """The body is a GeoJSON geometry (or Feature) in WGS84, valid, at most 10 000 vertices."""
    geometry = parse_geometry(request.get_data(cache=False))
    catalog = get_catalog()
    hits = catalog.index.intersects(geometry, layers=layer, status=status, zone=zone)
    return _respond(_hit_collection(catalog, hits), GEOJSON)


@endpoint("/stats", "Counts by layer × status × zone; km and ha by status", "Stats")
def stats() -> Response:
    """Counts per (layer, status, zone); lengths (km) and areas (ha) measured in EPSG:4549."""
    catalog = get_catalog()
    return _respond({"version": catalog.version, **layer_statistics(catalog)})


@endpoint("/openapi.json", "This API as an OpenAPI 3.1 document", "OpenAPI")
def openapi() -> Response:
    """Generated from the same declarations the views are routed and parsed with."""
    return _respond(openapi_document(ENDPOINTS, _context()))


@endpoint("/docs", "This API as a web page", "HTML", media_type=HTML)
def docs() -> Response:
    """A self-contained page (no scripts, no CDN) listing every endpoint and parameter."""
    return Response(docs_page(openapi_document(ENDPOINTS, _context())), mimetype=HTML)
