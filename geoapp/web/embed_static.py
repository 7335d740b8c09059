"""The print picture of an embed view (``/embed.png``, ``/embed.svg``) and the oEmbed endpoint.

The parameters are parsed as for the ``/embed`` page (:func:`geoapp.web.embed.parse_view`).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, jsonify, request

from geoapp import oembed
from geoapp.cache import named_cache
from geoapp.embed_params import EmbedView
from geoapp.errors import BadParameter, NotFound
from geoapp.params import parse_integer, required
from geoapp.picture import FORMATS, CJKFontMissing, render_picture
from geoapp.web.embed import parse_view
from geoapp.web.errors import APIError
from geoapp.web.limits import expensive
from geoapp.web.state import get_catalog

bp = Blueprint("embed_static", __name__)

#: Browsers and CDNs may keep a picture or an oEmbed answer this long (seconds).
MAX_AGE = 300
#: Rendered pictures kept in memory per app (a picture takes about a second to draw).
PICTURE_CACHE_SIZE = 64
#: Untitled maps kept per app: pictures that differ only in their title share one.
MAP_CACHE_SIZE = 32


def _base_urls() -> list[str]:
    """Our site's roots: the configured PUBLIC_URL (used for links) and the request's own."""
    public = current_app.config.get("PUBLIC_URL") or ""
    roots = [public if public.endswith("/") else public + "/"] if public else []
    return roots + [request.url_root]


def _picture(fmt: str, view: EmbedView) -> tuple[bytes, str]:
    """The rendered picture and its ETag, from the app's picture cache when possible."""
    catalog = get_catalog()
    key = f"{catalog.version}|{fmt}|{view!r}"
    etag = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    cache = named_cache(current_app.extensions, "geoapp.pictures", PICTURE_CACHE_SIZE)
    return cache.get((catalog.version, fmt, view), lambda: _render(catalog, view, fmt)), etag


def _render(catalog, view: EmbedView, fmt: str) -> bytes:
    """Draw a picture (through the gate that bounds costly work), re-using an untitled map."""
    maps = named_cache(current_app.extensions, "geoapp.picture_maps", MAP_CACHE_SIZE)
    try:
        with expensive():
            return render_picture(catalog, view, fmt, maps)
    except CJKFontMissing as exc:
        raise APIError(500, str(exc)) from None


@bp.get("/embed.<any(png, svg):fmt>")
def picture(fmt: str):
    """The embed view as a static PNG or SVG (``width``, ``height`` px and ``dpi``)."""
    body, etag = _picture(fmt, parse_view())
    resp = Response(body, mimetype=FORMATS[fmt])
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.headers["Content-Disposition"] = f'inline; filename="yongkang-map.{fmt}"'
    return resp.make_conditional(request)


#: The largest maxwidth / maxheight an oEmbed consumer may ask for (pixels).
MAX_SIZE = 10_000


def _size_arg(name: str) -> int | None:
    """An optional positive size in pixels (maxwidth, maxheight)."""
    raw = request.args.get(name)
    return None if raw is None or not raw.strip() else parse_integer(raw, name, 1, MAX_SIZE)


@bp.get("/oembed")
def oembed_endpoint():
    """oEmbed 1.0 JSON for a ``/`` or ``/embed`` URL of this site."""
    fmt = request.args.get("format", "json")
    if fmt != "json":
        raise APIError(501, "only format=json is supported", "format")
    url = required(request.args.get("url", "").strip(), "url")
    maxwidth, maxheight = _size_arg("maxwidth"), _size_arg("maxheight")
    try:
        doc = oembed.oembed_response(
            get_catalog(), url, _base_urls(), maxwidth, maxheight,
            default_lang=current_app.config["DEFAULT_LANG"],
        )  # fmt: skip
    except oembed.NotOurURL as exc:
        raise NotFound(str(exc), "url") from None
    except BadParameter as exc:
        raise NotFound(f"cannot embed this URL: {exc.param}: {exc.message}", "url") from None
    resp = jsonify(doc)
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
