"""Bounded expensive work: print pictures and exports cannot starve the rest of the service.

Two limits, both per process:

- **A gate** (:class:`Gate`): at most ``EXPENSIVE_WORKERS`` pictures or exports are drawn at
  once and at most ``EXPENSIVE_QUEUE`` more wait (each for up to :data:`MAX_WAIT` seconds);
  past that the answer is **503** with ``Retry-After``, at once, so a flood of large pictures
  holds at most ``EXPENSIVE_WORKERS + EXPENSIVE_QUEUE`` of the server's threads and the others
  keep answering the map and the API. Answers from the caches do not pass the gate.
- **A rate limit per client** (Flask-Limiter, in-memory storage): ``RATE_LIMIT_EXPENSIVE``
  newly drawn pictures or exports per client address (cached answers are not counted), on
  ``/embed.png``, ``/embed.svg`` and ``/export/``; past it, **429** with ``Retry-After``.
  Behind a reverse proxy the client address comes from ``X-Forwarded-For`` only when
  ``TRUSTED_PROXY`` names the proxy (see docs/deployment.md).

Both answers are the app's error shape (JSON under ``/export``; the pictures are API-like
resources too, so they answer JSON unless a browser asks for a page).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from geoapp.web.errors import error_response

#: Paths whose freshly drawn answers are expensive (rate-limited per client).
EXPENSIVE_PATHS = ("/embed.png", "/embed.svg", "/export/")
#: Longest a request waits in the queue for a drawing slot (seconds), then 503.
MAX_WAIT = 20.0
#: What ``Retry-After`` says on a 503 (seconds).
RETRY_AFTER = 5


def _update_body(config: Mapping[str, Any]) -> int:
    """A progress update with its two files (attachment, photo) and the form fields."""
    return 2 * int(config["MAX_UPLOAD_BYTES"]) + 256 * 1024


def _import_body(config: Mapping[str, Any]) -> int:
    """A GIS upload as large as an import may be, with room for the form fields."""
    return int(config["IMPORT_MAX_BYTES"]) + 1024 * 1024


#: Endpoints that take uploads → the largest body each accepts, from the app's config. Every
#: other request is held to ``MAX_CONTENT_LENGTH``. Set in the first request hook, because the
#: CSRF check reads the form (so the body) before any view runs.
BODY_LIMITS: dict[str, Callable[[Mapping[str, Any]], int]] = {
    "workspace.record": _update_body,
    "writeapi.propose_update": _update_body,
    "gis_import.upload": _import_body,
    "layer_add.upload": _import_body,
}


def _body_limit() -> None:
    limit = BODY_LIMITS.get(request.endpoint or "")
    if limit is not None and request.method in ("POST", "PUT", "PATCH"):
        request.max_content_length = int(limit(current_app.config))


class Busy(Exception):
    """Every drawing slot is taken and the queue is full (or the wait was too long)."""


class Gate:
    """At most ``slots`` holders at once, at most ``queue`` waiting; otherwise :class:`Busy`.

    >>> gate = Gate(slots=1, queue=0)
    >>> with gate():
    ...     try:
    ...         with gate():
    ...             pass
    ...     except Busy:
    ...         print("busy")
    busy
    """

    def __init__(self, slots: int, queue: int, wait: float = MAX_WAIT):
        self.slots, self.queue, self.wait = max(1, slots), max(0, queue), wait
        self._sem = threading.Semaphore(self.slots)
        self._lock = threading.Lock()
        self._inside = 0  # holding or waiting

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        """Hold a slot for the block; raise Busy if none is free soon enough."""
        with self._lock:
            if self._inside >= self.slots + self.queue:
                raise Busy
            self._inside += 1
        try:
            if not self._sem.acquire(timeout=self.wait):
                raise Busy
            try:
                yield
            finally:
                self._sem.release()
        finally:
            with self._lock:
                self._inside -= 1


@contextlib.contextmanager
def expensive() -> Iterator[None]:
    """Run the block (drawing a picture, building an export) through the app's gate.

    It also marks the request as having done expensive work, which the rate limit counts.
    """
    gate: Gate = current_app.extensions["geoapp.gate"]
    with gate():
        g.geoapp_expensive = True
        yield


def _busy(_exc: Busy):
    resp = error_response(
        503,
        "the server is busy drawing other pictures or exports; try again in a few seconds",
        code="busy",
    )
    resp.headers["Retry-After"] = str(RETRY_AFTER)
    return resp


def _too_many(exc: RateLimitExceeded):
    resp = error_response(
        429,
        f"too many new pictures or exports from this address (at most {exc.description}); "
        "try again later",
    )
    current = current_app.extensions["geoapp.limiter"].current_limit
    reset = current.reset_at if current else time.time() + 60
    resp.headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
    return resp


def _not_expensive() -> bool:
    return not request.path.startswith(EXPENSIVE_PATHS)


def _drew_something(_response) -> bool:
    return bool(g.get("geoapp_expensive"))


def register(app: Flask) -> None:
    """Install the gate and the per-client rate limit on ``app`` (one of each per app)."""
    cfg = app.config
    app.extensions["geoapp.gate"] = Gate(cfg["EXPENSIVE_WORKERS"], cfg["EXPENSIVE_QUEUE"])
    app.before_request_funcs.setdefault(None, []).insert(0, _body_limit)
    app.register_error_handler(Busy, _busy)
    app.register_error_handler(RateLimitExceeded, _too_many)
    limit = cfg["RATE_LIMIT_EXPENSIVE"]
    app.extensions["geoapp.limiter"] = Limiter(
        get_remote_address,
        app=app,
        default_limits=[limit] if limit else [],
        default_limits_exempt_when=_not_expensive,
        default_limits_deduct_when=_drew_something,
        storage_uri="memory://",
        strategy="moving-window",
        headers_enabled=False,  # it would put Retry-After on every answer; ours is on 429
        enabled=bool(limit),
    )
