"""OGC API – Features Part 4 on ``/ogc``: create (POST), replace (PUT), update (PATCH, a JSON
merge patch) and delete (DELETE) single features, for the ``gis`` and ``admin`` roles.

Authentication is the API token (``Authorization: Bearer …``, what QGIS sends from an auth
configuration or a header), or a session with the ``X-CSRFToken`` header. No credentials → 401
with ``WWW-Authenticate: Bearer``; another role → 403. ``OPTIONS`` answers ``Allow`` with the
methods the caller may use (QGIS 3.32+ makes a layer editable from it).

Optimistic locking: a feature's ``ETag`` is ``"v<version>-<hash>"`` — its store version and a
hash of the representation sent. ``If-Match`` on PUT/PATCH/DELETE is optional (QGIS does not
send it); when given, it must name the current version, else 412 and nothing changes. Every
write is checked like an import (:mod:`geoapp.ogc_write`), goes through the store in one
transaction with its audit entry (:mod:`geoapp.store.features`), raises the layer version the
exports record, and the new catalog is served at once.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import quote

import orjson
from flask import Blueprint, Response, current_app, g, request

from geoapp import ogc, ogc_write
from geoapp.catalog import Catalog
from geoapp.errors import NotFound, PreconditionFailed
from geoapp.problems import DataError
from geoapp.store.accounts import require
from geoapp.store.errors import Conflict
from geoapp.store.features import Edit, feature_row
from geoapp.store.snapshot import FEATURE_VERSIONS
from geoapp.web.auth import client_address
from geoapp.web.errors import APIError
from geoapp.web.state import get_catalog, get_store, set_catalog

#: media types a feature body may come as; a PATCH also as a merge patch
FEATURE_TYPES = ("application/geo+json", "application/json")
PATCH_TYPES = ("application/merge-patch+json", *FEATURE_TYPES)
_TAG = re.compile(r"^v(\d+)-")


def etag(catalog: Catalog, layer: str, fid: str, body: bytes) -> str:
    """The feature's ETag (unquoted): its store version and a hash of the bytes sent."""
    version = catalog.extra.get(FEATURE_VERSIONS, {}).get(layer, {}).get(fid, 1)
    return f"v{version}-{hashlib.sha256(body).hexdigest()[:16]}"


def _expected() -> int | None:
    """The version ``If-Match`` names (None without the header or with ``*``); 412 for a tag
    that is not one of ours (a weak one never matches, RFC 9110)."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    versions = {int(m.group(1)) for tag in request.if_match.as_set() if (m := _TAG.match(tag))}
    if len(versions) != 1:
        raise PreconditionFailed(
            f"If-Match {header[:80]!r} names no version of this feature: send the ETag of the "
            "last GET", "If-Match",
        )  # fmt: skip
    return versions.pop()


def _editor() -> str:
    require(g.user, "edit")
    return g.user.name


def _body(types: tuple[str, ...]) -> dict:
    if request.mimetype not in types:
        raise APIError(415, f"send the feature as {' or '.join(types)}, not "
                       f"{request.mimetype or 'no Content-Type'!r}", "Content-Type")  # fmt: skip
    return ogc_write.parse_body(request.get_data())


def _content_crs() -> str:
    header = request.headers.get("Content-Crs", ogc.CRS84).strip()
    return ogc.crs_name(header.removeprefix("<").removesuffix(">"), "Content-Crs")


def _apply(edit: Edit, user: str) -> tuple[int, Catalog]:
    """Write through the store (and the layer file, as an import does); serve the catalog built
    in the transaction at once."""
    app = current_app._get_current_object()
    try:
        version, catalog = ogc_write.apply_edit(
            get_store(), edit, user, Path(app.config["DATA_DIR"]), Path(app.config["LAYERS_DIR"]),
            client_address(),
        )  # fmt: skip
    except DataError as exc:
        first = "; ".join(str(p) for p in exc.problems[:3])
        raise Conflict(f"feature '{edit.fid}': the data would not load with this change, "
                       f"nothing changed: {first}", "body") from None  # fmt: skip
    set_catalog(app, catalog)
    return version, catalog


def _written(catalog: Catalog, layer: str, fid: str, base: str, status: int) -> Response:
    """201/204 with the feature's new ETag (that of its CRS84 JSON, as a GET returns it)."""
    page = ogc.feature(catalog, layer, fid, "OGC:CRS84", base)
    response = Response(status=status)
    del response.headers["Content-Type"]  # no body
    response.set_etag(etag(catalog, layer, fid, page.body))
    return response


def _layer(cid: str):
    return ogc.store(get_catalog(), cid).layer


def _current(cid: str, fid: str):
    row = feature_row(get_store(), cid, fid)
    if row is None:
        raise NotFound(f"no feature '{fid}' in collection '{cid}'", "featureId")
    expected = _expected()
    if expected is not None and expected != row.version:
        raise PreconditionFailed(
            f"feature '{fid}' in collection '{cid}' changed since version {expected} (now "
            f"version {row.version}, {row.updated_at} by {row.updated_by}): fetch it again and "
            "redo the edit", "If-Match",
        )  # fmt: skip
    return row


def _base() -> str:
    """The API's base URL, as the ``/ogc`` blueprint (which imports this module) makes it."""
    from geoapp.web.ogc import _base as base

    return base()


def register(bp: Blueprint) -> None:
    """Add the write routes and OPTIONS to the ``/ogc`` blueprint."""
    items, item = "/collections/<cid>/items", "/collections/<cid>/items/<fid>"
    for rule, view, method in ((items, items_options, "OPTIONS"), (item, feature_options, "OPTIONS"),
                               (items, create_feature, "POST"), (item, replace_feature, "PUT"),
                               (item, update_feature, "PATCH"), (item, delete_feature, "DELETE")):  # fmt: skip
        bp.add_url_rule(rule, view.__name__, view, methods=[method],
                        provide_automatic_options=False)  # fmt: skip
    bp.after_request(_challenge)


def items_options(cid: str) -> Response:
    """Allow: GET, HEAD, OPTIONS (and POST for an editor)."""
    _layer(cid)
    return _allow(["GET", "HEAD", "OPTIONS"], ["POST"])


def feature_options(cid: str, fid: str) -> Response:
    """Allow: GET, HEAD, OPTIONS (and PUT, PATCH, DELETE for an editor)."""
    _layer(cid)
    return _allow(["GET", "HEAD", "OPTIONS"], ["PUT", "PATCH", "DELETE"])


def create_feature(cid: str) -> Response:
    """Create a feature; 201 with its Location and ETag."""
    user, layer = _editor(), _layer(cid)
    catalog = get_catalog()
    taken = catalog.index  # every id of every layer (ids are unique across layers)
    body = _body(FEATURE_TYPES)
    doc = ogc_write.feature_input(body, layer, _content_crs(), taken=taken)
    ogc_write.check_feature(doc, layer, catalog, named=ogc_write.named(body))
    _, catalog = _apply(Edit(cid, doc["id"], doc, "feature.created"), user)
    response = _written(catalog, cid, doc["id"], _base(), 201)
    response.headers["Location"] = f"{_base()}/collections/{cid}/items/{quote(doc['id'])}"
    return response


def replace_feature(cid: str, fid: str) -> Response:
    """Replace a feature; 204 with its new ETag."""
    user, layer = _editor(), _layer(cid)
    row = _current(cid, fid)
    doc = ogc_write.feature_input(_body(FEATURE_TYPES), layer, _content_crs(), fid)
    ogc_write.check_feature(doc, layer, get_catalog(), orjson.loads(row.doc))
    _, catalog = _apply(Edit(cid, fid, doc, "feature.replaced", row.version), user)
    return _written(catalog, cid, fid, _base(), 204)


def update_feature(cid: str, fid: str) -> Response:
    """Update a feature with a JSON merge patch of its properties and/or geometry; 204."""
    user, layer = _editor(), _layer(cid)
    row = _current(cid, fid)
    current = orjson.loads(row.doc)
    body, moved = ogc_write.patched(current, _body(PATCH_TYPES))
    crs = _content_crs() if moved else ogc.CRS84
    doc = ogc_write.feature_input(body, layer, ogc.crs_name(crs), fid)
    ogc_write.check_feature(doc, layer, get_catalog(), current)
    _, catalog = _apply(Edit(cid, fid, doc, "feature.updated", row.version), user)
    return _written(catalog, cid, fid, _base(), 204)


def delete_feature(cid: str, fid: str) -> Response:
    """Delete a feature (its last version stays in the store); 204."""
    user = _editor()
    _layer(cid)
    row = _current(cid, fid)
    _apply(Edit(cid, fid, None, "feature.deleted", row.version), user)
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def _challenge(response: Response) -> Response:
    """401 answers say how to authenticate (RFC 9110): a bearer token."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="geoapp"'
    return response


def _allow(read: list[str], write: list[str]) -> Response:
    """200 with ``Allow``: the write methods only for a caller who may edit."""
    methods = read + (write if g.user.can("edit") else [])
    return Response(status=200, headers={"Allow": ", ".join(methods)})
