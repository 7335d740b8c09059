"""OGC API – Features (Part 1 Core, Part 2 CRS) documents as plain dicts and bytes; no Flask here.

The web adapter (:mod:`geoapp.web.ogc`) parses the request into an :class:`ItemsQuery`, calls
these functions with the catalog and the base URL of the API (``…/ogc``) and serialises.

Features are encoded once per catalog load and CRS (:class:`FeatureStore`, kept in
``catalog.extra``), so an items page is a slice of ready GeoJSON bytes. Bbox queries go through
the catalog's R-tree (:attr:`geoapp.catalog.Catalog.index`).

Axis order follows OGC API – Features Part 2: CRS84 is lon/lat; EPSG:4326 and EPSG:4490 named
by their EPSG URI are lat/lon, and EPSG:4549 is northing/easting, in responses and in ``bbox``
with ``bbox-crs``.

Examples
--------
>>> conformance()["conformsTo"][0]
'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core'
>>> crs_name("http://www.opengis.net/def/crs/EPSG/0/4549")
'EPSG:4549'
>>> page = items(catalog, "parks", ItemsQuery(limit=2), "http://h/ogc")  # doctest: +SKIP
>>> orjson.loads(page.body)["numberReturned"]  # doctest: +SKIP
2
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import orjson

from geoapp import tiles
from geoapp.cache import named_cache
from geoapp.catalog import Catalog
from geoapp.coords import axis_order_is_latlon, parse_crs, transform_coords
from geoapp.errors import BadParameter, NotFound
from geoapp.layers import LayerDef
from geoapp.ogc_filter import CONFORMANCE as FILTER_CONFORMANCE
from geoapp.ogc_filter import Refinement, refine_rows
from geoapp.params import choices, parse_status, shown
from geoapp.query.features import FeatureQuery, select
from geoapp.query.geojson import LayerFeatures, layer_features
from geoapp.status import STATUS, accuracy_note

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: The CRSs every collection offers (Part 2), URI → normalised name.
CRS_URIS = {
    CRS84: "OGC:CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/4326": "EPSG:4326",
    "http://www.opengis.net/def/crs/EPSG/0/4490": "EPSG:4490",
    "http://www.opengis.net/def/crs/EPSG/0/4549": "EPSG:4549",
}
_URI_OF = {name: uri for uri, name in CRS_URIS.items()}
#: OGC API – Features Part 4 (geoapp.web.ogc_edit): POST/PUT/DELETE, PATCH (JSON merge patch),
#: ETag/If-Match. Not ".../conf/features": its schema requirement needs Part 5's /schema resource.
PART4_CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
]
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *tiles.CONFORMANCE,
    *FILTER_CONFORMANCE,
    *PART4_CONFORMANCE,
]
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
TITLE = "永康规划一张图 OGC API – Features"
#: Query parameters items requests take besides the queryables.
ITEMS_PARAMS = ("f", "limit", "offset", "bbox", "bbox-crs", "crs")
#: Registry columns a status layer may be filtered on.
REGISTRY_QUERYABLES = (
    "project_id", "project_name", "status", "status_date", "target_status", "target_year",
)  # fmt: skip
#: How many items pages are kept per catalog load.
PAGE_CACHE_SIZE = 256
_JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


# --------------------------------------------------------------------------- CRS


@functools.lru_cache(maxsize=64)
def crs_name(text: str, param: str = "crs") -> str:
    """The normalised name of a CRS the API offers (given by URI or code); 400 otherwise.

    >>> crs_name("http://www.opengis.net/def/crs/OGC/1.3/CRS84")
    'OGC:CRS84'
    """
    try:
        name = parse_crs(text)
    except ValueError as exc:
        raise BadParameter(f"{param}: {exc}", param) from None
    if name not in _URI_OF:
        raise BadParameter(
            f"{param} {text!r} is not offered; choose one of: {', '.join(CRS_URIS)}", param
        )
    return name


def crs_uri(name: str) -> str:
    """The OGC URI of a normalised CRS name."""
    return _URI_OF[name]


def bbox_to_wgs84(bbox: tuple[float, ...], bbox_crs: str) -> tuple[float, float, float, float]:
    """A bbox in ``bbox_crs`` axis order to a lon/lat bbox that holds it (edges densified)."""
    a, b, c, d = bbox
    if axis_order_is_latlon(bbox_crs):
        a, b, c, d = b, a, d, c
    if bbox_crs == "OGC:CRS84":
        return a, b, c, d
    t = np.linspace(0.0, 1.0, 21)
    xs = np.concatenate([a + (c - a) * t, np.full(21, c), c - (c - a) * t, np.full(21, a)])
    ys = np.concatenate([np.full(21, b), b + (d - b) * t, np.full(21, d), d - (d - b) * t])
    lon, lat = transform_coords(xs, ys, bbox_crs, "EPSG:4326")
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise BadParameter(f"bbox lies outside the area of {bbox_crs}", "bbox")
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


# --------------------------------------------------------------------------- feature store


def store(catalog: Catalog, layer_id: str) -> LayerFeatures:
    """The layer's features ready to serve; NotFound for an unknown collection."""
    if layer_id not in catalog.defs:
        raise NotFound(f"no collection '{layer_id}'; see /ogc/collections", "collectionId")
    return layer_features(catalog, layer_id)


# --------------------------------------------------------------------------- links, documents


def _link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def _self_links(url: str, title: str, json_type: str = JSON) -> list[dict[str, str]]:
    sep = "&" if "?" in url else "?"
    return [
        _link(f"{url}{sep}f=json", "self", json_type, f"{title} (JSON)"),
        _link(f"{url}{sep}f=html", "alternate", HTML, f"{title} (HTML)"),
    ]


def landing(base: str) -> dict[str, Any]:
    """The landing page: self, service-desc, service-doc, conformance, data."""
    return {
        "title": TITLE,
        "description": "永康市规划项目图层（示意图形，非测绘数据）/ Yongkang plan-project layers "
        "(schematic shapes, not survey data)",
        "links": _self_links(f"{base}/", "本页 This document")
        + [
            _link(f"{base}/api", "service-desc", OPENAPI, "OpenAPI 3.0 定义 API definition"),
            _link(f"{base}/api?f=html", "service-doc", HTML, "API 文档 API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "符合的标准 Conformance classes"),
            _link(f"{base}/collections", "data", JSON, "图层 Collections"),
            _link(f"{base}/tileMatrixSets", tiles.REL_SCHEMES, JSON, "瓦片方案 Tiling schemes"),
        ],
    }


def conformance() -> dict[str, list[str]]:
    """The conformance classes implemented: Part 1 core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS;
    Part 3 queryables and CQL2 filters; Part 4 create, replace, update, delete with ETags."""
    return {"conformsTo": list(CONFORMANCE)}


def _extent(gdf) -> dict[str, Any]:
    bounds = [float(v) for v in gdf.total_bounds] if len(gdf) else [119.88, 28.75, 120.36, 29.12]
    return {"spatial": {"bbox": [bounds], "crs": CRS84}}


def collection(catalog: Catalog, base: str, layer_id: str) -> dict[str, Any]:
    """One collection: title, description, extent, CRSs and links."""
    layer = store(catalog, layer_id).layer
    url = f"{base}/collections/{layer_id}"
    return {
        "id": layer_id,
        "title": f"{layer.title_for('zh')} {layer.title_for('en')}",
        "description": f"{layer.description_for('zh')} / {layer.description_for('en')}. "
        f"{accuracy_note('schematic', 'zh')} {accuracy_note('schematic', 'en')}",
        "attribution": layer.attribution,
        "itemType": "feature",
        "extent": _extent(catalog.layers[layer_id]),
        "crs": list(CRS_URIS),
        "storageCrs": CRS84,
        "links": _self_links(url, layer.title_for("zh"))
        + [
            _link(f"{url}/items?f=json", "items", GEOJSON, "要素 Features (GeoJSON)"),
            _link(f"{url}/items?f=html", "items", HTML, "要素 Features (HTML)"),
            _link(
                f"{url}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                SCHEMA,
                "可查询字段 Queryables",
            ),
            _link(f"{url}/tiles", tiles.REL_TILESETS, JSON, "矢量瓦片 Vector tiles (MVT)"),
        ],  # fmt: skip
    }


def collections(catalog: Catalog, base: str) -> dict[str, Any]:
    """Every layer as a collection."""
    return {
        "links": _self_links(f"{base}/collections", "图层 Collections"),
        "crs": list(CRS_URIS),
        "collections": [collection(catalog, base, lid) for lid in catalog.defs],
    }


def queryables(catalog: Catalog, base: str, layer_id: str) -> dict[str, Any]:
    """The properties items may be filtered on, as a JSON Schema (OGC API – Features Part 3 form)."""
    layer = store(catalog, layer_id).layer
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{layer_id}/queryables",
        "type": "object",
        "title": f"{layer.title_for('zh')} {layer.title_for('en')}",
        "properties": {
            **{name: _property_schema(layer, name) for name in queryable_names(layer)},
            "geometry": {
                "title": "几何 Geometry (CQL2 S_INTERSECTS…, WGS84)",
                "format": geometry_format(layer),
            },
        },
        "additionalProperties": False,
    }


def geometry_format(layer: LayerDef) -> str:
    """The Part 3 JSON Schema format of a layer's geometry ('geometry-polygon-or-multipolygon')."""
    kinds = {t.removeprefix("Multi").lower() for t in layer.geometry_types}
    if len(kinds) > 1:
        return "geometry-any"
    (kind,) = kinds
    types = set(layer.geometry_types)
    if len(types) == 2:
        return f"geometry-{kind}-or-multi{kind}"
    return f"geometry-{types.pop().lower()}"


def queryable_names(layer: LayerDef) -> list[str]:
    """The fields a layer's items can be filtered on (``?name=value``)."""
    return [f.name for f in layer.all_fields] + list(
        REGISTRY_QUERYABLES if layer.has_status else ()
    )


def _property_schema(layer: LayerDef, name: str) -> dict[str, Any]:
    if name in ("status", "target_status"):
        return {"title": "状态 Status", "type": "string", "enum": list(STATUS)}
    f = layer.field(name)
    if f is None:
        return {"title": name, "type": "string"}
    out: dict[str, Any] = {
        "title": f"{f.label_for('zh')} {f.label_for('en')}",
        "type": _JSON_TYPES[f.type],
    }
    if f.values:
        out["enum"] = list(f.values)
    return out


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class ItemsQuery:
    """A parsed items request. ``bbox`` is in ``bbox_crs`` axis order; CRSs are names."""

    limit: int = 100
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: str = "OGC:CRS84"
    crs: str = "OGC:CRS84"
    filters: Mapping[str, str] = field(default_factory=dict)
    refine: Refinement = field(default_factory=Refinement)

    def args(self, **changes: Any) -> dict[str, str]:
        """The query as URL parameters (for self/next/prev links)."""
        q = {**self.__dict__, **changes}
        out = {"limit": str(q["limit"]), "offset": str(q["offset"])}
        if q["bbox"] is not None:
            out["bbox"] = ",".join(f"{v:g}" for v in q["bbox"])
            if q["bbox_crs"] != "OGC:CRS84":
                out["bbox-crs"] = crs_uri(q["bbox_crs"])
        if q["crs"] != "OGC:CRS84":
            out["crs"] = crs_uri(q["crs"])
        return {**out, **dict(q["filters"]), **q["refine"].args()}


@dataclass(frozen=True)
class Page:
    """An items (or feature) response: GeoJSON bytes and the CRS URI of its coordinates."""

    body: bytes
    content_crs: str


def check_filters(layer: LayerDef, filters: Mapping[str, str]) -> dict[str, str]:
    """Property filters with labels turned into codes; 400 for unknown fields or values."""
    names = queryable_names(layer)
    out = {}
    for name, value in filters.items():
        if name not in names:
            raise BadParameter(f"unknown parameter '{name}': not a queryable of {layer.id} "
                f"(queryables: {', '.join(names)}; also {', '.join(ITEMS_PARAMS)})", name,
            )  # fmt: skip
        out[name] = _filter_value(layer, name, value)
    return out


def _filter_value(layer: LayerDef, name: str, value: str) -> str:
    """The code a filter value (a code or a label) stands for; BadParameter if none."""
    if name in ("status", "target_status"):
        codes = parse_status(value, name)
        if len(codes) != 1:
            raise BadParameter(f"{name} must be one value, not {shown(value)}", name)
        return codes[0]
    f = layer.field(name)
    if f is not None and f.values:
        codes = {code: code for code in f.values}
        codes.update({lab: code for code, labels in f.value_labels.items() for lab in labels})
        if value not in codes:
            raise BadParameter(
                f"unknown {name} {shown(value)}; expected one of: {choices(f.values)}", name
            )
        return codes[value]
    return value


def matching_rows(catalog: Catalog, layer_id: str, query: ItemsQuery) -> list[int]:
    """Row positions of the features that match the bbox and property filters, in layer order."""
    st = store(catalog, layer_id)
    box = None if query.bbox is None else bbox_to_wgs84(query.bbox, query.bbox_crs)
    found = select(
        catalog, FeatureQuery(layers=(layer_id,), bbox=box, properties=dict(query.filters))
    )
    rows = found[layer_id]
    if query.refine == Refinement():
        return rows
    values = [{"id": fid, **p} for fid, p in zip(st.ids, st.properties, strict=True)]
    names = queryable_names(st.layer)
    return refine_rows(rows, catalog.layers[layer_id], values, query.refine, names)


def items(catalog: Catalog, layer_id: str, query: ItemsQuery, base: str) -> Page:
    """One page of a collection's features as a GeoJSON FeatureCollection with paging links.

    Pages are kept per catalog load (the data cannot change under them), so a repeated request
    costs a dictionary look-up; only ``timeStamp`` is new each time.
    """
    st = store(catalog, layer_id)
    key = (catalog.version, base, layer_id, query.limit, query.offset, query.bbox,
           query.bbox_crs, query.crs, tuple(sorted(query.filters.items())), query.refine)  # fmt: skip
    cache = named_cache(catalog.extra, "geoapp.ogc.pages", PAGE_CACHE_SIZE)
    rest = cache.get(key, lambda: _page_body(catalog, st, query, base))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Page(
        b'{"type":"FeatureCollection","timeStamp":"%s",%s' % (stamp.encode(), rest),
        crs_uri(query.crs),
    )


def _page_body(catalog: Catalog, st: LayerFeatures, query: ItemsQuery, base: str) -> bytes:
    """The page's members after ``type`` and ``timeStamp``: counts, links and features."""
    layer_id = st.layer.id
    rows = matching_rows(catalog, layer_id, query)
    page = rows[query.offset : query.offset + query.limit]
    encoded = st.encode_rows(query.crs, page)
    url = f"{base}/collections/{layer_id}/items"
    links = [
        _link(_url(url, query.args(), "json"), "self", GEOJSON, "本页 This page"),
        _link(_url(url, query.args(), "html"), "alternate", HTML, "本页 This page (HTML)"),
        _link(
            f"{base}/collections/{layer_id}?f=json", "collection", JSON, st.layer.title_for("zh")
        ),
    ]
    if query.offset + len(page) < len(rows):
        nxt = query.args(offset=query.offset + query.limit)
        links.append(_link(_url(url, nxt, "json"), "next", GEOJSON, "下一页 Next page"))
    if query.offset > 0:
        prev = query.args(offset=max(0, query.offset - query.limit))
        links.append(_link(_url(url, prev, "json"), "prev", GEOJSON, "上一页 Previous page"))
    meta = {"numberMatched": len(rows), "numberReturned": len(page), "links": links}
    if query.refine.reshapes:
        features = b",".join(_reshaped(st, e, query.refine) for e in encoded)
    else:
        features = b",".join(encoded)
    return orjson.dumps(meta)[1:-1] + b',"features":[' + features + b"]}"


def _reshaped(st: LayerFeatures, encoded: bytes, refine: Refinement) -> bytes:
    """A feature with only the chosen properties and/or without its geometry."""
    doc = orjson.loads(encoded)
    if refine.properties is not None:
        doc["properties"] = {k: v for k, v in doc["properties"].items() if k in refine.properties}
    if refine.skip_geometry:
        doc["geometry"] = None
    return orjson.dumps(doc)


def _url(url: str, args: Mapping[str, str], f: str) -> str:
    return f"{url}?{urlencode({**args, 'f': f}, quote_via=quote, safe=',:/')}"


def feature(catalog: Catalog, layer_id: str, feature_id: str, crs: str, base: str) -> Page:
    """One feature with its links; 404 if the collection has no such feature."""
    st = store(catalog, layer_id)
    row = st.row_of(feature_id)
    if row is None:
        raise NotFound(f"no feature '{feature_id}' in collection '{layer_id}'", "featureId")
    doc = orjson.loads(st.encode_rows(crs, [row])[0])
    url = f"{base}/collections/{layer_id}/items/{quote(feature_id)}"
    args = {} if crs == "OGC:CRS84" else {"crs": crs_uri(crs)}
    doc["links"] = [
        _link(_url(url, args, "json"), "self", GEOJSON, "本要素 This feature"),
        _link(_url(url, args, "html"), "alternate", HTML, "本要素 This feature (HTML)"),
        _link(
            f"{base}/collections/{layer_id}?f=json", "collection", JSON, st.layer.title_for("zh")
        ),
    ]
    return Page(orjson.dumps(doc), crs_uri(crs))


# --------------------------------------------------------------------------- OpenAPI 3.0
