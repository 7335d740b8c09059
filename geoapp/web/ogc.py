"""OGC API – Features under ``/ogc/``: parse the request, call :mod:`geoapp.ogc`, serialise.

JSON by default; ``f=html`` (or a browser's Accept header) gives an escaped HTML page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request

from geoapp import ogc, ogc_filter, ogc_openapi
from geoapp.errors import BadParameter
from geoapp.params import WORLD, parse_bbox, parse_limit_offset, shown
from geoapp.web import ogc_edit
from geoapp.web.ogc_html import render_html
from geoapp.web.state import get_catalog

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


def _base() -> str:
    """The API's absolute base URL (``PUBLIC_URL`` if configured)."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public.rstrip("/") + "/ogc"
    return f"{request.scheme}://{request.host}{request.script_root}/ogc"


def _format() -> str:
    """'json' or 'html', from ``f`` or else the Accept header."""
    f = request.args.get("f")
    if f is None:
        best = request.accept_mimetypes.best_match([ogc.JSON, ogc.GEOJSON, ogc.HTML])
        return "html" if best == ogc.HTML else "json"
    if f not in ("json", "html", "geojson"):
        raise BadParameter(f"f must be json or html, not {shown(f)}", "f")
    return "html" if f == "html" else "json"


def _only(*allowed: str) -> None:
    """A 400 for any query parameter the endpoint does not define."""
    unknown = [k for k in request.args if k not in allowed and k != "f"]
    if unknown:
        raise BadParameter(f"unknown parameter '{unknown[0]}'", unknown[0])


def _respond(kind: str, doc: Any, mimetype: str = ogc.JSON, headers=None) -> Response:
    """The document as JSON (or bytes already encoded), or as HTML when asked for."""
    if _format() == "html":
        body = doc if isinstance(doc, dict) else orjson.loads(doc)
        response = Response(render_html(kind, body), mimetype=ogc.HTML, headers=headers)
    else:
        data = doc if isinstance(doc, bytes) else orjson.dumps(doc)
        response = Response(data, content_type=mimetype, headers=headers)
    if "f" not in request.args:
        response.vary.add("Accept")  # JSON or HTML was chosen by the Accept header
    return response


def _document(kind: str, build: Callable[[], Any], mimetype: str = ogc.JSON) -> Response:
    _only()
    return _respond(kind, build(), mimetype)


@bp.get("/")
def landing() -> Response:
    """Landing page."""
    return _document("landing", lambda: ogc.landing(_base()))


@bp.get("/conformance")
def conformance() -> Response:
    """Conformance classes."""
    return _document("conformance", ogc.conformance)


@bp.get("/api")
def api() -> Response:
    """The OpenAPI 3.0 definition (its HTML form is the service-doc)."""
    cfg = current_app.config
    return _document(
        "api",
        lambda: ogc_openapi.openapi(get_catalog(), _base(), cfg["MAX_LIMIT"], cfg["DEFAULT_LIMIT"]),
        ogc.OPENAPI,
    )


@bp.get("/collections")
def collections() -> Response:
    """Every collection."""
    return _document("collections", lambda: ogc.collections(get_catalog(), _base()))


@bp.get("/collections/<cid>")
def collection(cid: str) -> Response:
    """One collection."""
    return _document("collection", lambda: ogc.collection(get_catalog(), _base(), cid))


@bp.get("/collections/<cid>/queryables")
def queryables(cid: str) -> Response:
    """The queryable properties of a collection (JSON Schema)."""
    return _document("queryables", lambda: ogc.queryables(get_catalog(), _base(), cid), ogc.SCHEMA)


@bp.get("/collections/<cid>/items", provide_automatic_options=False)
def items(cid: str) -> Response:
    """A page of features, filtered by bbox and properties."""
    catalog = get_catalog()
    query = _items_query(ogc.store(catalog, cid).layer)
    page = ogc.items(catalog, cid, query, _base())
    return _respond("items", page.body, ogc.GEOJSON, {"Content-Crs": f"<{page.content_crs}>"})


@bp.get("/collections/<cid>/items/<fid>", provide_automatic_options=False)
def feature(cid: str, fid: str) -> Response:
    """One feature, with its ETag (the feature's store version; see ogc_edit)."""
    _only("crs")
    crs = ogc.crs_name(request.args.get("crs", ogc.CRS84))
    catalog = get_catalog()
    page = ogc.feature(catalog, cid, fid, crs, _base())
    response = _respond("feature", page.body, ogc.GEOJSON, {"Content-Crs": f"<{page.content_crs}>"})
    response.set_etag(ogc_edit.etag(catalog, cid, fid, response.get_data()))
    return response.make_conditional(request)


def _items_query(layer) -> ogc.ItemsQuery:
    """Parse limit, offset (the one paging policy), bbox, bbox-crs, crs and property filters."""
    args, cfg = request.args, current_app.config
    limit, offset = parse_limit_offset(
        args.get("limit"), args.get("offset"), cfg["DEFAULT_LIMIT"], cfg["MAX_LIMIT"]
    )
    bbox_crs = ogc.crs_name(args.get("bbox-crs", ogc.CRS84), "bbox-crs")
    bbox = args.get("bbox")
    filters = {
        k: v for k, v in args.items() if k not in ogc.ITEMS_PARAMS and k not in ogc_filter.PARAMS
    }
    return ogc.ItemsQuery(
        limit=limit,
        offset=offset,
        bbox=None
        if bbox is None
        else parse_bbox(bbox, "bbox", WORLD if bbox_crs == "OGC:CRS84" else None),
        bbox_crs=bbox_crs,
        crs=ogc.crs_name(args.get("crs", ogc.CRS84)),
        filters=ogc.check_filters(layer, filters) if filters else {},
        refine=ogc_filter.parse_refinement(args, ogc.queryable_names(layer)),
    )


ogc_edit.register(bp)
