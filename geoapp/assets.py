"""Serve every browser asset of a folium page from geoapp itself (no CDN, intranet-safe).

folium writes CDN URLs (jsdelivr, cdnjs, code.jquery.com, ...) into every page it renders.
:func:`localize` rewrites them, per map *instance*, to the copies vendored under
``geoapp/static/vendor/<package>@<version>/`` by ``scripts/vendor_assets.py``, whose
``MANIFEST.json`` (:data:`VENDOR`) says which CDN URL each file replaces. folium's classes are
never touched, so other code in the same process still sees folium's defaults.

:func:`drop` leaves out assets a lean page does not need (e.g. an embed page needs no
Bootstrap); it refuses to drop what something on the map still uses. What folium 0.20 uses:

* ``jquery`` — every :class:`folium.Popup` (``$(`...`)[0]``), ``GeoJson(embed=False)``
  (``$.ajax``), ``Map.keep_in_front`` (``$(document).ready``), ``TimeSliderChoropleth``.
  Leaflet.awesome-markers itself does not use jQuery.
* ``awesome_markers`` + ``awesome_markers_css`` — any :class:`folium.Icon`;
  ``glyphicons_css`` — an ``Icon`` with ``prefix="glyphicon"`` (folium's default);
  ``awesome_markers_font_css`` (Font Awesome) — an ``Icon`` with ``prefix="fa"``;
  ``awesome_rotate_css`` — an ``Icon`` with ``angle != 0``.
* ``bootstrap`` / ``bootstrap_css`` — nothing in folium itself (only HTML you write).
* ``leaflet`` / ``leaflet_css`` — always.

Font Awesome or Bootstrap classes inside popup/tooltip/DivIcon HTML cannot be seen from the
element tree: keep those assets if your HTML uses them.

Examples
--------
>>> import folium
>>> m = localize(folium.Map(tiles=None), "/static", drop=droppable)
>>> [name for name, _ in m.default_js]
['leaflet']
>>> m.default_css[0][1]
'/static/vendor/leaflet@1.9.4/leaflet.css'
>>> folium.Map.default_js[0][1].startswith("https://")
True
>>> asset_url("leaflet-easybutton", "src/easy-button.js", "/static")
'/static/vendor/leaflet-easybutton@2.4.0/src/easy-button.js'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "VENDOR",
    "asset_url",
    "drop",
    "droppable",
    "local_url",
    "localize",
    "required_assets",
    "static_dir",
]

E = TypeVar("E")

#: Assets every folium map needs whatever else is on it.
ALWAYS_NEEDED = frozenset({"leaflet", "leaflet_css"})

_REMOTE = re.compile(r"^(?:https?:)?//", re.I)
_ROTATED = re.compile(r"\bfa-rotate-(?!0\b)\d+\b")


def static_dir() -> Path:
    """The package's static folder (``geoapp/static``), e.g. for Flask's ``static_folder``."""
    return Path(__file__).resolve().parent / "static"


@cache
def _manifest() -> dict[str, Any]:
    path = static_dir() / "vendor" / "MANIFEST.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _by_cdn_url() -> dict[str, str]:
    """CDN URL -> path under the static folder."""
    out: dict[str, str] = {}
    for pkg in _manifest()["packages"]:
        for f in pkg["files"]:
            for url in f.get("replaces", ()):
                out[url] = f"vendor/{pkg['package']}@{pkg['version']}/{f['file']}"
    return out


#: The vendored-assets manifest (``static/vendor/MANIFEST.json``), read on first use.
VENDOR: dict[str, Any]


def __getattr__(name: str) -> Any:  # PEP 562: VENDOR is read on first use, then cached
    if name == "VENDOR":
        return _manifest()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _base(static_url: str) -> str:
    return static_url.rstrip("/")


def asset_url(package: str, file: str, static_url: str) -> str:
    """URL of a vendored file for our own templates.

    ``package`` is the vendored name (``"leaflet-gesture-handling"``) or ``"name@version"``
    where a name is vendored twice (``"bootstrap@3.4.1"``); ``file`` is its path in the package.
    Raises ``KeyError`` if no vendored package holds that file.
    """
    name, _, version = package.rpartition("@") if "@" in package[1:] else (package, "", "")
    hits = [
        p
        for p in _manifest()["packages"]
        if p["package"] == name
        and (not version or p["version"] == version)
        and any(f["file"] == file for f in p["files"])
    ]
    if len(hits) != 1:
        what = "no" if not hits else "more than one"
        raise KeyError(f"{what} vendored package {package!r} has file {file!r}")
    return f"{_base(static_url)}/vendor/{name}@{hits[0]['version']}/{file}"


def local_url(url: str, static_url: str) -> str:
    """The local URL standing for ``url``; non-remote URLs are returned unchanged.

    Raises ``KeyError`` naming ``url`` if it is remote and nothing vendored replaces it.
    """
    if not _REMOTE.match(url):
        return url
    try:
        path = _by_cdn_url()[url]
    except KeyError:
        raise KeyError(
            f"no vendored copy of {url} (add it to scripts/vendor_assets.py and rerun it)"
        ) from None
    return f"{_base(static_url)}/{path}"


# --------------------------------------------------------------------------- tree walking


def _walk(element: Any) -> Iterator[Any]:
    seen: set[int] = set()
    stack = [element]
    while stack:
        el = stack.pop()
        if id(el) in seen:
            continue
        seen.add(id(el))
        yield el
        stack.extend(reversed(list(getattr(el, "_children", {}).values())))


def _has_assets(el: Any) -> bool:
    return hasattr(el, "default_js") or hasattr(el, "default_css")


def _needs(el: Any) -> Iterator[tuple[str, str]]:
    """(asset name, reason) pairs for what ``el`` itself needs to work in the browser."""
    import folium
    from folium.features import GeoJson
    from folium.map import Icon, Popup

    what = f"{type(el).__name__} {getattr(el, '_name', '')}".strip()
    if isinstance(el, folium.Map):
        for name in ALWAYS_NEEDED:
            yield name, "every folium map"
        if getattr(el, "objects_to_stay_in_front", None):
            yield "jquery", "Map.keep_in_front uses $(document).ready"
    elif _has_assets(el):
        # a plugin needs whatever it lists itself (even under a name the Map also uses)
        for name, _url in [*getattr(el, "default_js", ()), *getattr(el, "default_css", ())]:
            yield name, f"{what} lists it"
    if isinstance(el, Popup):
        yield "jquery", "folium.Popup builds its content with $()"
    if isinstance(el, GeoJson) and not getattr(el, "embed", True):
        yield "jquery", "GeoJson(embed=False) loads with $.ajax"
    if type(el).__name__ == "TimeSliderChoropleth":
        yield "jquery", "TimeSliderChoropleth uses $()"
    if isinstance(el, Icon):
        opts = getattr(el, "options", {}) or {}
        yield "awesome_markers", "folium.Icon is an awesome marker"
        yield "awesome_markers_css", "folium.Icon is an awesome marker"
        prefix = str(opts.get("prefix", "glyphicon"))
        if prefix == "glyphicon":
            yield "glyphicons_css", "folium.Icon(prefix='glyphicon')"
        elif prefix.startswith("fa"):
            yield "awesome_markers_font_css", f"folium.Icon(prefix={prefix!r})"
        if _ROTATED.search(str(opts.get("extra_classes", ""))):
            yield "awesome_rotate_css", "folium.Icon(angle=...)"


def required_assets(element: Any) -> dict[str, list[str]]:
    """Asset name -> why something in ``element``'s tree needs it."""
    out: dict[str, list[str]] = {}
    for el in _walk(element):
        for name, why in _needs(el):
            out.setdefault(name, [])
            if why not in out[name]:
                out[name].append(why)
    return out


def droppable(element: Any) -> frozenset[str]:
    """Names of assets the tree loads but nothing in it uses (what a lean page may drop)."""
    declared = {
        name
        for el in _walk(element)
        for name, _url in [*getattr(el, "default_js", ()), *getattr(el, "default_css", ())]
    }
    return frozenset(declared - required_assets(element).keys())


def _rewrite(element: E, names: Iterable[str], check: bool, static_url: str | None) -> E:
    """Give every element in the tree its own ``default_js``/``default_css`` lists (instance
    attributes: folium's classes are never touched), without ``names`` and, if ``static_url``
    is given, with local URLs. Everything is resolved before anything is changed."""
    names = frozenset(names)
    if check:
        needed = required_assets(element)
        clash = sorted(names & needed.keys())
        if clash:
            detail = "; ".join(f"{n}: {', '.join(needed[n])}" for n in clash)
            raise ValueError(f"cannot drop assets still in use — {detail}")
    plan = []
    for el in _walk(element):
        for attr in ("default_js", "default_css"):
            if hasattr(el, attr):
                pairs = [
                    (n, u if static_url is None else local_url(u, static_url))
                    for n, u in getattr(el, attr)
                    if n not in names
                ]
                plan.append((el, attr, pairs))
    for el, attr, pairs in plan:
        setattr(el, attr, pairs)
    return element


def drop(element: E, names: Iterable[str], *, check: bool = True) -> E:
    """Leave the named assets (folium's names, e.g. ``"bootstrap_css"``) out of the page.

    With ``check`` (default) raises ``ValueError`` if something in the tree still needs one
    (see the module docstring); ``drop(m, droppable(m))`` is always safe.
    """
    return _rewrite(element, names, check, None)


def localize(
    element: E,
    static_url: str,
    *,
    drop: Iterable[str] | Callable[[Any], Iterable[str]] = (),
    check: bool = True,
) -> E:
    """Point every asset of ``element`` and its children at ``{static_url}/vendor/...``.

    Call it on the finished map, just before rendering (children added later keep their
    CDN URLs). ``drop`` is a list of asset names, or a function of the element (such as
    :func:`droppable`) returning one, to leave out; see :func:`drop`. Raises ``KeyError``
    naming the URL if a CDN URL has no vendored copy (nothing is changed then). Sets
    instance attributes only; idempotent.
    """
    names = drop(element) if callable(drop) else drop
    return _rewrite(element, names, check, static_url)
