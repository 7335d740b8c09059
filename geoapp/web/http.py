"""HTTP habits of every GET response: ETag and 304, Cache-Control, compression, CORS.

:func:`register` (called by ``create_app``) installs them as app-wide ``after_request`` hooks:

- **ETag** ``"<data version>-<hash>"``: the catalog's data version, and a hash of the package
  version, the URL with its query string and the request headers the response ``Vary``-es on.
  A response that already has an ETag (static files) keeps its own. ``If-None-Match`` → 304.
- **Cache-Control** ``public, max-age=60`` unless the view set its own.
- **Compression** by Flask-Compress (gzip, and brotli/zstd for clients that ask first). It is
  registered before our hook, so it runs after it (Flask runs ``after_request`` hooks in reverse):
  it compresses the body, turns a strong ETag ``"x"`` into ``"x:gzip"`` and answers a matching
  ``If-None-Match`` with 304 itself.
- **CORS** ``Access-Control-Allow-Origin: *`` on GET/HEAD under ``/api/``, ``/ogc/`` and
  ``/export/`` (errors included, so a page on another site can read them).
- **405** responses say which methods are allowed (``Allow``), as RFC 9110 requires.
- A streamed body's ``close`` (a static file's handle) is kept for the end of the response:
  Flask-Compress replaces a streamed body by a compressing generator and drops the original.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from flask import Flask, Response, request
from flask_compress import Compress
from werkzeug.exceptions import MethodNotAllowed

import geoapp
from geoapp.problems import DataError
from geoapp.web.state import get_catalog

CORS_PREFIXES = ("/api/", "/ogc/", "/export/")
DEFAULT_CACHE_CONTROL = "public, max-age=60"
#: What is worth compressing (fonts, images and zips are compressed already).
COMPRESSED_MIMETYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/xml",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "application/xml",
    "application/gml+xml",
    "application/vnd.google-earth.kml+xml",
    "application/vnd.oai.openapi+json",
    "application/schema+json",
    "image/svg+xml",
]


def register(app: Flask) -> None:
    """Install compression and the habits hook on ``app``."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_MIMETYPES)
    Compress(app)  # registered first: runs after the hook below
    app.after_request(http_habits)


#: Pages any site may frame (news articles embed them); every other page only we may frame.
FRAMEABLE = frozenset({"/embed", "/embed.png", "/embed.svg"})


def frame_policy(path: str) -> str:
    """The Content-Security-Policy for ``path``: who may put it in an iframe.

    >>> frame_policy("/embed"), frame_policy("/embed/builder"), frame_policy("/")
    ('frame-ancestors *', "frame-ancestors 'self'", "frame-ancestors 'self'")
    """
    return "frame-ancestors *" if path in FRAMEABLE else "frame-ancestors 'self'"


def http_habits(response: Response) -> Response:
    """The after_request hook: CORS, Cache-Control, ETag/304, framing policy, Allow header."""
    response.headers.setdefault("Content-Security-Policy", frame_policy(request.path))
    if request.method in ("GET", "HEAD"):
        if request.path.startswith(CORS_PREFIXES):
            response.headers["Access-Control-Allow-Origin"] = "*"
        if response.status_code == 200:
            if "Cache-Control" not in response.headers:
                response.headers["Cache-Control"] = DEFAULT_CACHE_CONTROL
            response = _conditional(response)
    if response.is_streamed and callable(getattr(response.response, "close", None)):
        # Flask-Compress swaps a streamed body (a static file) for a compressing generator and
        # drops the original, whose file would then never be closed: close it with the response.
        response.call_on_close(response.response.close)
    exc = request.routing_exception
    if response.status_code == 405 and isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers.setdefault("Allow", ", ".join(sorted(exc.valid_methods)))
    return response


def etag_for(version: str, vary: Iterable[str] = ()) -> str:
    """The ETag (unquoted) of the current request's response for a data ``version``.

    It hashes the package version, the URL with its query string and the request headers the
    response varies on (but Accept-Encoding: Flask-Compress marks encoded ETags itself).
    """
    h = hashlib.sha256()
    for part in (geoapp.__version__, request.host, request.scheme, request.path):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(request.query_string + b"\0")
    for name in sorted({v.strip().lower() for v in vary} - {"accept-encoding", ""}):
        h.update(f"{name}={request.headers.get(name, '')}\0".encode("utf-8", "surrogateescape"))
    return f"{version}-{h.hexdigest()[:16]}"


def _conditional(response: Response) -> Response:
    """Set the ETag (unless the view did) and answer If-None-Match with 304."""
    if response.get_etag()[0] is not None:
        return response
    try:
        version = get_catalog().version
    except DataError:  # broken data: no version to promise
        return response
    response.set_etag(etag_for(version, response.vary))
    return response.make_conditional(request)
