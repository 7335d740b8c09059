"""oEmbed 1.0 (https://oembed.com): a news CMS turns a link to our map into an embedded iframe.

:func:`oembed_response` answers for any ``/`` or ``/embed`` URL of our own site with a ``rich``
response whose ``html`` is an ``<iframe>`` of the matching ``/embed`` view and whose thumbnail is
the same view as ``/embed.png``. :func:`discovery_links` gives the ``<link>`` tag a page puts in
its ``<head>`` so consumers find the endpoint. No Flask here; every value put into HTML is
escaped.

Examples
--------
>>> print(discovery_links("http://example.org/embed?layers=parks"))
<link rel="alternate" type="application/json+oembed" href="http://example.org/oembed?url=http%3A%2F%2Fexample.org%2Fembed%3Flayers%3Dparks&amp;format=json">
>>> same_site("https://EXAMPLE.org:443/embed?x=1", "http://example.org/")
'embed'
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from geoapp.embed_params import (
    SERVICE_NAME,
    SIZE_RANGE,
    EmbedView,
    default_layers,
    default_title,
    parse_embed_args,
)

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog

PROVIDER_NAME = SERVICE_NAME["zh"]
#: The iframe's height without maxheight, and the width reported (and used for the thumbnail)
#: when the iframe is 100% wide.
DEFAULT_HEIGHT = 450
DEFAULT_WIDTH = 800
#: Seconds a consumer may cache the response (the iframe itself always shows current data).
CACHE_AGE = 3600
#: The thumbnail's dots per inch (text stays legible at the iframe's size).
THUMBNAIL_DPI = 100
#: Paths (below the site root) that can be embedded: the full map and the embed view.
EMBEDDABLE = ("", "embed")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class NotOurURL(LookupError):
    """The URL is not an embeddable page of this site (→ 404)."""


def _host(parts) -> tuple[str, int | None]:
    port = parts.port if parts.port != _DEFAULT_PORTS.get(parts.scheme) else None
    return (parts.hostname or "").lower(), port


def same_site(url: str, base_url: str) -> str | None:
    """The path of ``url`` below ``base_url`` (no leading '/') if it is on our site, else None.

    The scheme may differ (http behind a TLS proxy); host and port must match and the path must
    lie under the base's path.
    """
    try:
        u, b = urlsplit(url), urlsplit(base_url)
        if u.scheme not in _DEFAULT_PORTS or _host(u) != _host(b):
            return None
    except ValueError:  # a bad port number
        return None
    root = b.path if b.path.endswith("/") else b.path + "/"
    path = u.path or "/"
    if not path.startswith(root) and path != root.rstrip("/"):
        return None
    return path[len(root) :].strip("/")


def embed_view_for(
    url: str, base_urls: Sequence[str], catalog: Catalog, default_lang: str = "zh"
) -> EmbedView:
    """The embed view a page URL of ours shows; :class:`NotOurURL` or ``BadParameter``."""
    if not any(same_site(url, b) in EMBEDDABLE for b in base_urls):
        raise NotOurURL(f"not a map page of this site: {url}")
    query = dict(parse_qsl(urlsplit(url).query))
    return parse_embed_args(query, catalog, default_lang=default_lang)


def _size(maxwidth: int | None, maxheight: int | None) -> tuple[int | None, int]:
    """The iframe's width (None: 100%) and height in pixels, within maxwidth/maxheight."""
    height = DEFAULT_HEIGHT if maxheight is None else min(DEFAULT_HEIGHT, maxheight)
    return maxwidth, height


def _query_string(query: dict[str, str]) -> str:
    return urlencode(query, quote_via=quote, safe=",")


def embed_url(
    base_url: str, view: EmbedView, catalog: Catalog, path: str = "embed", **extra: Any
) -> str:
    """The absolute URL of ``view`` at ``path`` (``embed`` or ``embed.png``) plus ``extra`` args."""
    query = view.to_query(default_layers(catalog))
    query.update({k: str(v) for k, v in extra.items()})
    qs = _query_string(query)
    return urljoin(base_url, path) + (f"?{qs}" if qs else "")


def iframe_html(src: str, title: str, width: int | None, height: int) -> str:
    """The escaped ``<iframe>`` for ``src`` (``width`` None: 100% of the column)."""
    w = "100%" if width is None else str(width)
    return (
        f'<iframe src="{html.escape(src)}" width="{w}" height="{height}" '
        f'title="{html.escape(title)}" style="border:0;max-width:100%" loading="lazy" '
        "allowfullscreen></iframe>"
    )


def oembed_response(
    catalog: Catalog,
    url: str,
    base_urls: Sequence[str],
    maxwidth: int | None = None,
    maxheight: int | None = None,
    default_lang: str = "zh",
) -> dict[str, Any]:
    """The oEmbed ``rich`` response for one of our page URLs (``base_urls[0]`` builds links).

    Raises :class:`NotOurURL` for a URL of another site or page, ``BadParameter`` for a bad
    view parameter in it. A URL without ``lang`` is in ``default_lang`` (``DEFAULT_LANG``).

    >>> oembed_response(cat, "http://example.org/embed?layers=parks", ["http://example.org/"])["html"]  # doctest: +SKIP
    '<iframe src="http://example.org/embed?layers=parks" width="100%" height="450" …'
    """
    view = embed_view_for(url, base_urls, catalog, default_lang)
    base = base_urls[0]
    title = default_title(catalog, view)
    width, height = _size(maxwidth, maxheight)
    lo, hi = SIZE_RANGE
    thumb_w = min(max(width or DEFAULT_WIDTH, lo), hi)
    thumb_h = min(max(height, lo), hi)
    thumb = embed_url(
        base, view, catalog, "embed.png", width=thumb_w, height=thumb_h, dpi=THUMBNAIL_DPI
    )
    return {
        "type": "rich",
        "version": "1.0",
        "title": title,
        "provider_name": PROVIDER_NAME,
        "provider_url": base,
        "html": iframe_html(embed_url(base, view, catalog), title, width, height),
        "width": width or DEFAULT_WIDTH,
        "height": height,
        "thumbnail_url": thumb,
        "thumbnail_width": thumb_w,
        "thumbnail_height": thumb_h,
        "cache_age": CACHE_AGE,
    }


def discovery_links(page_url: str, title: str | None = None, endpoint: str | None = None) -> str:
    """The ``<link rel="alternate" type="application/json+oembed">`` tag for a page (escaped).

    ``endpoint`` defaults to ``oembed`` next to the page (``/`` and ``/embed`` share a folder).
    """
    endpoint = endpoint or urljoin(page_url, "oembed")
    href = f"{endpoint}?{urlencode({'url': page_url, 'format': 'json'})}"
    title_attr = f' title="{html.escape(title)}"' if title else ""
    return (
        f'<link rel="alternate" type="application/json+oembed" href="{html.escape(href)}"'
        f"{title_attr}>"
    )
