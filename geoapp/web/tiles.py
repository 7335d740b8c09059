"""OGC API – Tiles under ``/ogc/``: vector tiles (MVT) of every layer, their metadata and TileJSON.

Views parse the path, call :mod:`geoapp.tiles` and serialise; unknown layers, tiling schemes and
tiles outside the grid are 404s in the one JSON error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from flask import Blueprint, Response, request

from geoapp import tiles
from geoapp.web.errors import APIError
from geoapp.web.security import public_base
from geoapp.web.state import get_catalog

bp = Blueprint("tiles", __name__, url_prefix="/ogc")


def _base() -> str:
    """The OGC API's absolute base URL (``PUBLIC_URL`` if configured)."""
    return public_base() + "ogc"


def _json(build: Callable[[], Any]) -> Response:
    """A JSON document; 400 for any query parameter but f=json, 404 for an unknown id."""
    unknown = [k for k in request.args if k != "f"]
    if unknown:
        raise APIError(400, f"unknown parameter '{unknown[0]}'", unknown[0])
    if request.args.get("f", "json") != "json":
        raise APIError(400, "f must be json", "f")
    try:
        doc = build()
    except KeyError as exc:
        raise APIError(404, f"not found: {exc.args[0]}") from None
    return Response(orjson.dumps(doc), content_type="application/json")


def _tms(tms_id: str) -> None:
    if tms_id not in tiles.SCHEMES:
        offered = " and ".join(tiles.SCHEMES)
        raise APIError(404, f"tiling scheme '{tms_id}' is not offered (only {offered})")


@bp.get("/tileMatrixSets")
def tile_matrix_sets() -> Response:
    """The tiling schemes."""
    return _json(lambda: tiles.tile_matrix_sets(_base()))


@bp.get("/tileMatrixSets/<tms_id>")
def tile_matrix_set(tms_id: str) -> Response:
    """One tiling scheme (the OGC TileMatrixSet document)."""
    _tms(tms_id)
    return _json(lambda: tiles.tile_matrix_set(tms_id))


@bp.get("/collections/<cid>/tiles")
def tilesets(cid: str) -> Response:
    """A collection's tilesets."""
    return _json(lambda: tiles.tilesets(get_catalog(), _base(), cid))


@bp.get("/collections/<cid>/tiles/<tms_id>")
def tileset(cid: str, tms_id: str) -> Response:
    """A collection's tileset metadata."""
    _tms(tms_id)
    return _json(lambda: tiles.tileset(get_catalog(), _base(), cid, tms_id))


@bp.get("/collections/<cid>/tiles/<tms_id>/tilejson.json")
def tilejson(cid: str, tms_id: str) -> Response:
    """TileJSON 3.0 of a collection's tiles (web maps' scheme only: TileJSON is Web Mercator)."""
    if tms_id != tiles.TMS_ID:
        raise APIError(404, f"TileJSON is offered for {tiles.TMS_ID} only")
    return _json(lambda: tiles.tilejson(get_catalog(), _base(), cid))


@bp.get("/collections/<cid>/tiles/<tms_id>/<int:z>/<int:y>/<int:x>")
def tile(cid: str, tms_id: str, z: int, y: int, x: int) -> Response:
    """One vector tile (MVT); 204 when no feature falls in it."""
    _tms(tms_id)
    if request.args:
        key = next(iter(request.args))
        raise APIError(400, f"unknown parameter '{key}'", key)
    try:
        data = tiles.tileset_for(get_catalog()).tile(cid, z, y, x, tms_id)
    except KeyError:
        raise APIError(404, f"no collection '{cid}'") from None
    except tiles.TileError as exc:
        raise APIError(404, str(exc)) from None
    if not data:
        return Response(status=204)
    return Response(data, content_type=tiles.MVT)
