"""One JSON error shape for every HTTP error: ``{"error": {"code", "message", "param"}}``.

The core raises typed errors (:mod:`geoapp.errors`); :data:`STATUS_OF` maps them to HTTP here,
the one place that does. Pages (HTML) get the same status code with an escaped, bilingual page;
API clients get JSON. There is never a traceback and never a 500 for bad input.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from geoapp.errors import (
    BadParameter,
    Conflict,
    Forbidden,
    GeoappError,
    NotFound,
    PreconditionFailed,
    TooLarge,
)

CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "too_many_requests",
    431: "header_fields_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "busy",
}

#: The HTTP status of each typed core error.
STATUS_OF: dict[type[GeoappError], int] = {
    BadParameter: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    TooLarge: 413,
}


def status_of(exc: GeoappError) -> int:
    """The HTTP status of a core error (its nearest mapped class; 400 for an unmapped one)."""
    return next((STATUS_OF[c] for c in type(exc).__mro__ if c in STATUS_OF), 400)


class APIError(Exception):
    """An error a view raises with a status, a message and the offending parameter."""

    def __init__(
        self, status: int, message: str, param: str | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.status, self.message, self.param = status, message, param
        self.code = code or CODES.get(status, "error")


def error_body(
    status: int, message: str, param: str | None = None, code: str | None = None
) -> dict:
    """The one error shape as a dict."""
    return {
        "error": {"code": code or CODES.get(status, "error"), "message": message, "param": param}
    }


#: Paths whose errors are the JSON shape (unless ``?f=html``); every other path is a page.
JSON_PATHS = ("/api", "/ogc", "/export", "/oembed", "/embed.png", "/embed.svg")


def _wants_html() -> bool:
    """A page for browsers (they ask for text/html first) on HTML routes; JSON otherwise."""
    if request.path.startswith(JSON_PATHS):
        return request.args.get("f") == "html"
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def error_response(
    status: int, message: str, param: str | None = None, code: str | None = None
) -> Response:
    """JSON for API clients; for pages an escaped page in the page's language with a way back."""
    if _wants_html():
        from geoapp.web.error_pages import render_error_page

        return Response(render_error_page(status, message), status=status, mimetype="text/html")
    resp = jsonify(error_body(status, message, param, code))
    resp.status_code = status
    return resp


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(APIError)
    def _api_error(exc: APIError):
        return error_response(exc.status, exc.message, exc.param, exc.code)

    @app.errorhandler(GeoappError)
    def _core_error(exc: GeoappError):
        return error_response(status_of(exc), exc.message, exc.param)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        message = {
            404: "no such page or resource",
            405: "method not allowed",
            413: f"request body too large (the limit is {_size(request.max_content_length)})",
        }.get(status, exc.description or exc.name)
        return error_response(status, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # pragma: no cover - a bug, but never a traceback page
        app.logger.exception("unhandled error")
        return error_response(500, "internal error")


def _size(n: int | None) -> str:
    """A byte count as people say it: '1 MB', '512 KB', '300 bytes' (binary units).

    >>> _size(1024 * 1024), _size(1536 * 1024), _size(300)
    ('1 MB', '1.5 MB', '300 bytes')
    """
    if n is None:
        return "unlimited"
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"
