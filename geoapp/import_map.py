"""The web import's before/after map: the store's shapes dashed, the file's solid (folium).

Only the features the import adds, changes or removes are drawn, over the city outline; every
asset is the app's vendored copy (:func:`geoapp.assets.localize`). Tooltips carry HTML built from
escaped text (folium puts them into ``innerHTML``). :func:`page_parts` splits the rendered map
into what goes into a page's head, its body and after it, so a template can hold the map.

Examples
--------
>>> m = diff_map(result, catalog, MapOptions(basemap=BASEMAPS["none"]))  # doctest: +SKIP
>>> head, body, script = page_parts(m)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from typing import Any

import folium
import shapely
from markupsafe import escape

from geoapp import assets, maps
from geoapp.catalog import Catalog

#: line colours: the store's shape (before) and the file's (after), per kind of change.
BEFORE = {"changed": "#616161", "removed": "#c62828"}
AFTER = {"changed": "#1565c0", "added": "#2e7d32"}
WORDS = {
    "zh": {"before": "原", "after": "新", "changed": "修改", "added": "新增", "removed": "删除"},
    "en": {"before": "before", "after": "after", "changed": "changed", "added": "added",
           "removed": "removed"},
}  # fmt: skip


def _feature(fid: str, row: dict, kind: str, side: str, lang: str) -> dict[str, Any] | None:
    geom = row.get("geometry")
    if geom is None or geom.is_empty:
        return None
    w = WORDS["en" if lang == "en" else "zh"]
    tip = f"{escape(fid)} {escape(str(row.get('name') or ''))} · {w[kind]} ({w[side]})"
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom),
            "properties": {"kind": kind, "side": side, "_tip": tip}}  # fmt: skip


def _collections(result, lang: str) -> tuple[dict, dict]:
    """(before, after) FeatureCollections of the changed, removed and added features."""
    diff, before, after = result.diff, result.before or {}, result.after or {}
    old, new = [], []
    for c in diff.changed:
        old.append(_feature(c.id, before.get(c.id, {}), "changed", "before", lang))
        new.append(_feature(c.id, after.get(c.id, {}), "changed", "after", lang))
    old += [_feature(fid, before.get(fid, {}), "removed", "before", lang) for fid in diff.removed]
    new += [_feature(fid, after.get(fid, {}), "added", "after", lang) for fid in diff.added]
    fc = lambda items: {"type": "FeatureCollection", "features": [f for f in items if f]}  # noqa: E731
    return fc(old), fc(new)


def _bounds(*collections: dict) -> list[list[float]] | None:
    geoms = [shapely.geometry.shape(f["geometry"]) for c in collections for f in c["features"]]
    if not geoms:
        return None
    x0, y0, x1, y1 = shapely.union_all(geoms).buffer(0.002).bounds
    return [[y0, x0], [y1, x1]]


def _style(colors: dict[str, str], dashed: bool):
    def style(feature: dict) -> dict:
        colour = colors[feature["properties"]["kind"]]
        return {"color": colour, "weight": 3 if dashed else 2.5, "dashArray": "6 5" if dashed
                else None, "fillColor": colour, "fillOpacity": 0 if dashed else 0.15}  # fmt: skip

    return style


def diff_map(result, catalog: Catalog, opts: maps.MapOptions) -> folium.Map:
    """The map of what the import changes: before dashed, after solid, fitted to them."""
    old, new = _collections(result, opts.lang)
    m = maps.base_map(opts, _bounds(old, new), height="420px")
    for outline in maps.outline_layers(catalog):
        maps.add_layer(m, catalog, outline, opts, interactive=False)
    for data, colors, dashed in ((old, BEFORE, True), (new, AFTER, False)):
        if data["features"]:
            folium.GeoJson(
                data, style_function=_style(colors, dashed),
                marker=folium.CircleMarker(radius=6, fill=True, fill_opacity=0.6),
                tooltip=folium.GeoJsonTooltip(["_tip"], labels=False, sticky=True),
            ).add_to(m)  # fmt: skip
    assets.localize(m, opts.static_url, drop=assets.droppable)
    maps.after_leaflet(m, opts)  # the outline comes by URL (static/js/layers.js)
    return m


_PARTS = re.compile(r"<head>(?P<head>.*)</head>\s*<body>(?P<body>.*)</body>(?P<script>.*)</html>",
                    re.S)  # fmt: skip


def page_parts(m: folium.Map) -> tuple[str, str, str]:
    """(head, body, script) of the rendered map, for a template to place."""
    parts = _PARTS.search(m.get_root().render())
    if parts is None:  # pragma: no cover - folium's page template always has the three
        raise ValueError("unexpected folium page layout")
    head = re.sub(r'<meta name="viewport"[^>]*>', "", parts["head"])
    head = re.sub(r'<meta http-equiv="content-type"[^>]*>', "", head)
    return head, parts["body"], parts["script"]
