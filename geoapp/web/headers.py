"""Security headers on every response: a strict Content-Security-Policy, nosniff, referrer, HSTS.

The policy (:func:`content_security_policy`)::

    default-src 'self'; script-src 'self' 'sha256-…'…; style-src 'self' 'unsafe-inline';
    img-src 'self' data: blob: <tile servers>; font-src 'self' data:; connect-src 'self';
    frame-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none';
    form-action 'self'; frame-ancestors <who may frame this page>

- **Scripts** come from this site only. The maps' inline scripts (folium writes the map set-up
  into the page) are allowed one by one by their SHA-256, computed from the page as it is sent
  (:func:`inline_script_hashes`; cached pages are hashed again, the result is memoised per
  page). There is no ``'unsafe-inline'`` and no ``'unsafe-eval'`` for scripts: an inline event
  handler (``onclick=``), a ``javascript:`` URL or a script from elsewhere does not run. The
  hashes cover every inline ``<script>`` element the server sent, so escaping user text (tested
  everywhere) stays the defence against markup injection; the policy is the second line.
- **Styles** allow ``'unsafe-inline'``: Leaflet positions every tile, marker and popup with
  inline ``style`` attributes and folium writes ``<style>`` blocks. Styles cannot run code; this
  is the one relaxation.
- **Images** may come from the configured basemaps' tile servers.
- ``frame-ancestors`` keeps the existing rule (:func:`geoapp.web.http.frame_policy`): only
  ``/embed`` and its pictures may be framed by other sites.

Also: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: strict-origin-when-cross-origin``
on everything (errors included); ``Strict-Transport-Security`` on HTTPS answers when
``HSTS_SECONDS`` is set; ``Cross-Origin-Opener-Policy: same-origin`` on pages.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

from geoapp.maps import BASEMAPS, resolve_basemap
from geoapp.web.http import frame_policy

#: An inline script element: its attributes and its text.
_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_SRC = re.compile(rb"\ssrc\s*=", re.I)
REFERRER_POLICY = "strict-origin-when-cross-origin"


#: Pages whose script hashes are remembered (by a digest of the page), oldest dropped first.
MEMO_SIZE = 256
_memo: dict[bytes, tuple[str, ...]] = {}
_memo_lock = threading.Lock()


def page_digest(html: bytes) -> bytes:
    """A digest naming a page's exact bytes (the key of the hash memo and compressed pages)."""
    return hashlib.blake2b(html, digest_size=16).digest()


def inline_script_hashes(html: bytes, key: bytes | None = None) -> tuple[str, ...]:
    """CSP source expressions (``'sha256-…'``) for every inline ``<script>`` of a page.

    Remembered per page (a cached page is sent many times; a digest of it is the key).

    >>> inline_script_hashes(b"<script>a()</script><script src='/x.js'></script>")
    ("'sha256-qVpDBgj7bpq5hMAcGp3AOc79J3Y1Z4HvySTwKrWDoy4='",)
    """
    key = key or page_digest(html)
    found = _memo.get(key)
    if found is None:
        found = _script_hashes(html)
        with _memo_lock:
            while len(_memo) >= MEMO_SIZE:
                _memo.pop(next(iter(_memo)))
            _memo[key] = found
    return found


def _script_hashes(html: bytes) -> tuple[str, ...]:
    hashes = []
    for attrs, body in _SCRIPT.findall(html):
        if _SRC.search(attrs) or not body:
            continue
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
        hashes.append(f"'sha256-{digest}'")
    return tuple(dict.fromkeys(hashes))


def tile_origin(template: str | None) -> str | None:
    """The CSP source of a tile URL template (a ``{s}`` subdomain becomes ``*``).

    >>> tile_origin("https://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}")
    'https://*.tianditu.gov.cn'
    >>> tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    'https://tile.openstreetmap.org'
    """
    if not template:
        return None
    parts = urlsplit(template.replace("{s}", "SUBDOMAIN"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = ".".join("*" if "SUBDOMAIN" in label else label for label in parts.netloc.split("."))
    return f"{parts.scheme}://{host}"


def tile_sources(config: dict) -> tuple[str, ...]:
    """The tile servers of every basemap this app can show (config completes some)."""
    origins = (tile_origin(resolve_basemap(name, config).tiles) for name in BASEMAPS)
    return tuple(dict.fromkeys(o for o in origins if o))


def content_security_policy(path: str, scripts: Iterable[str], tiles: Iterable[str]) -> str:
    """The policy for a response to ``path`` with these inline-script hashes and tile servers."""
    directives = [
        "default-src 'self'",
        " ".join(["script-src 'self'", *scripts]),
        "style-src 'self' 'unsafe-inline'",
        " ".join(["img-src 'self' data: blob:", *tiles]),
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        frame_policy(path),
    ]
    return "; ".join(directives)


def security_headers(response: Response) -> Response:
    """The after_request hook: CSP (with the page's script hashes), nosniff, referrer, HSTS."""
    scripts: tuple[str, ...] = ()
    is_html = response.mimetype == "text/html"
    if is_html and not response.direct_passthrough and not response.is_streamed:
        body = response.get_data()
        g.geoapp_page_digest = page_digest(body)
        scripts = inline_script_hashes(body, g.geoapp_page_digest)
    tiles = current_app.extensions["geoapp.tile_sources"]
    response.headers["Content-Security-Policy"] = content_security_policy(
        request.path, scripts, tiles
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = REFERRER_POLICY
    if is_html:
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    hsts = current_app.config.get("HSTS_SECONDS") or 0
    if hsts and request.is_secure:
        response.headers["Strict-Transport-Security"] = f"max-age={int(hsts)}"
    return response


class CompressedPages:
    """Flask-Compress's cache: compressed HTML pages by (algorithm, digest of the page).

    The key names the exact bytes (see :func:`compressed_page_key`), so a hit is always the
    right answer; the map page (265 KB) is gzipped once per data version instead of on every
    request (36 ms each). Other responses are not kept. At most ``max_bytes`` are held.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024):
        self.max_bytes, self.size = max_bytes, 0
        self._items: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The compressed page, or None."""
        return None if key.endswith(";-") else self._items.get(key)

    def set(self, key: str, value: bytes) -> None:
        """Keep a compressed page (oldest dropped first); ignore the uncacheable."""
        if key.endswith(";-") or key in self._items or len(value) > self.max_bytes:
            return
        with self._lock:
            while self._items and self.size + len(value) > self.max_bytes:
                self.size -= len(self._items.pop(next(iter(self._items))))
            self._items[key] = value
            self.size += len(value)


def compressed_page_key(_request) -> str:
    """Flask-Compress's cache key: the page digest this hook noted, or ``-`` (not cached)."""
    digest = g.get("geoapp_page_digest")
    return digest.hex() if digest else "-"


def prepare(app: Flask) -> None:
    """Before Flask-Compress is set up (``http.register``): its cache of compressed pages."""
    pages = app.extensions.setdefault("geoapp.compressed_pages", CompressedPages())
    app.config["COMPRESS_CACHE_BACKEND"] = lambda: pages  # this app's, even in a copied config
    app.config["COMPRESS_CACHE_KEY"] = compressed_page_key


def register(app: Flask) -> None:
    """Install the hook (after ``http.register``: it runs before compression sees the body)."""
    app.extensions["geoapp.tile_sources"] = tile_sources(app.config)
    app.after_request(security_headers)
