"""Downloads: ``/export/<layer>.<format>?crs=``, ``/export/all.gpkg``, ``/export/project.qgz``.

``/export/project.zip`` is the QGIS project with the GeoPackage it opens, ready to unpack.
Files are built by :mod:`geoapp.export` and kept in the one cache (:mod:`geoapp.cache`), keyed by
the data version, layer, format and CRS.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from geoapp import export
from geoapp.cache import named_cache
from geoapp.errors import BadParameter
from geoapp.web.limits import expensive
from geoapp.web.state import get_catalog

bp = Blueprint("exports", __name__, url_prefix="/export")

#: Downloads named by file rather than by layer.
SPECIAL = {"project.qgz": ("all", "qgz"), "project.zip": ("all", "qgis")}
#: How many built downloads the app keeps in memory.
CACHE_SIZE = 32


@bp.get("/")
def index() -> Response:
    """What can be downloaded: formats with their CRSs, and the layers."""
    formats = {
        k: {"title": e.title, "extension": e.extension, "crs": list(e.crss)}
        for k, e in export.EXPORTERS.items()
    }
    return jsonify(formats=formats, layers=list(get_catalog().defs) + ["all"])


@bp.get("/<name>")
def download(name: str) -> Response:
    """One download, e.g. ``parks.shp.zip?crs=EPSG:4549``; 404 unknown layer, 400 bad format/CRS."""
    unknown = [k for k in request.args if k != "crs"]
    if unknown:
        raise BadParameter(f"unknown parameter '{unknown[0]}'", unknown[0])
    target, fmt = SPECIAL.get(name) or _split(name)
    data, filename, media = _build(target, fmt, request.args.get("crs"))
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}"
    return Response(data, mimetype=media, headers={"Content-Disposition": disposition})


def _split(name: str) -> tuple[str, str]:
    target, _, fmt = name.partition(".")
    if not fmt:
        raise BadParameter(f"say the format as an extension, e.g. {target}.gpkg", "format")
    return target, fmt


def _build(target: str, fmt: str, crs: str | None) -> tuple[bytes, str, str]:
    """The download's (bytes, file name, media type), from the app's download cache if built."""
    catalog = get_catalog()
    cache = named_cache(current_app.extensions, "geoapp.exports", CACHE_SIZE)
    return cache.get(
        (catalog.version, target, fmt, crs or ""), lambda: _export(catalog, target, fmt, crs)
    )


def _export(catalog, target: str, fmt: str, crs: str | None) -> tuple[bytes, str, str]:
    """Build a download (through the gate that bounds costly work)."""
    with expensive():
        return export.export_bytes(catalog, target, fmt, crs)
