"""Which host names the app answers for, and the public base URL its links are built from.

- **Trusted hosts**: Flask's ``TRUSTED_HOSTS`` is set from our ``TRUSTED_HOSTS`` key (comma
  separated; a leading dot allows subdomains), the host of ``PUBLIC_URL`` and the loopback
  names (``localhost``, ``127.0.0.1``, ``::1``: health checks and the machine itself). A server
  on a network must say which name it is reached by. Any other ``Host`` is **400** (JSON under
  ``/api`` and ``/ogc``, a page elsewhere), and the name is not echoed.
- **Public base URL**: links the app writes into pages (the oEmbed discovery link) start with
  ``PUBLIC_URL`` when it is set, else with the request's own (trusted) scheme and host; the page
  caches key on it (:func:`public_base`), so one host's page is never served for another.
- ``X-Forwarded-*`` headers are honoured only from ``TRUSTED_PROXY`` (waitress drops them from
  anyone else, see :mod:`geoapp.web.server`).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, request
from werkzeug.exceptions import SecurityError

from geoapp.web.errors import error_response

#: Trusted when nothing is configured: the machine itself.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def host_list(value: str | Iterable[str] | None) -> list[str]:
    """``TRUSTED_HOSTS`` as a list, from a comma-separated string or a TOML list.

    >>> host_list("map.example.cn, .example.cn,")
    ['map.example.cn', '.example.cn']
    """
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [item.strip().lower() for item in items if item.strip()]


def trusted_hosts(config: dict) -> list[str]:
    """The host names the app answers for (see the module docstring).

    >>> trusted_hosts({"TRUSTED_HOSTS": "", "PUBLIC_URL": "https://map.example.cn/"})
    ['map.example.cn', 'localhost', '127.0.0.1', '::1', '[::1]']
    """
    hosts = host_list(config.get("TRUSTED_HOSTS"))
    public = config.get("PUBLIC_URL") or ""
    if public and (name := urlsplit(public).hostname):
        hosts.append(name.lower())
    return hosts + list(LOOPBACK_HOSTS)


def public_base() -> str:
    """The site's base URL with a trailing slash: ``PUBLIC_URL``, else the request's own."""
    public = current_app.config.get("PUBLIC_URL") or ""
    if public:
        return public if public.endswith("/") else public + "/"
    return request.host_url


def page_url(keep: Iterable[str] | None = None) -> str:
    """This page's public URL; with ``keep``, only those query parameters (in that order).

    Pages cached per view use ``keep`` so a stray ``?utm_source=…`` neither changes the page
    nor needs a cache entry of its own.
    """
    path = public_base() + request.path.lstrip("/")
    if keep is None:
        query = request.query_string.decode("utf-8", "replace")
    else:
        query = urlencode([(k, request.args[k]) for k in keep if k in request.args])
    return f"{path}?{query}" if query else path


def _untrusted_host(_exc: SecurityError):
    return error_response(400, "this server does not answer for that host name", code="bad_host")


def register(app: Flask) -> None:
    """Set Flask's TRUSTED_HOSTS from our config and answer other hosts with a plain 400."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    app.register_error_handler(SecurityError, _untrusted_host)
