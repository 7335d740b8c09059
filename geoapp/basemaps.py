"""The basemap registry: none (offline), OpenStreetMap, 天地图, 高德 (GCJ-02), a custom XYZ.

Examples
--------
>>> resolve_basemap("tianditu", {}).name  # no key configured: no tiles
'none'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Basemap:
    """A basemap: tile URL template, attribution, and whether it is drawn in GCJ-02."""

    name: str
    label: dict[str, str]
    tiles: str | None
    attribution: str
    gcj02: bool = False
    subdomains: str = "abc"
    max_zoom: int = 18


#: The basemap registry. ``none`` draws no tiles (for an intranet, and for tests).
BASEMAPS: dict[str, Basemap] = {
    "osm": Basemap(
        "osm",
        {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
        max_zoom=19,
    ),
    "none": Basemap("none", {"zh": "无底图", "en": "No basemap"}, None, ""),
    "tianditu": Basemap(
        "tianditu",
        {"zh": "天地图", "en": "Tianditu"},
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
        "&TILECOL={x}&tk={key}",
        "© 天地图 Tianditu",
        subdomains="01234567",
    ),
    "amap": Basemap(
        "amap",
        {"zh": "高德地图", "en": "AMap"},
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
        "© 高德地图 AMap",
        gcj02=True,
        subdomains="1234",
    ),
    "custom": Basemap("custom", {"zh": "自定义底图", "en": "Custom basemap"}, "", ""),
}


def resolve_basemap(name: str, config: dict[str, Any]) -> Basemap:
    """The basemap called ``name`` with its URL completed from config; ``KeyError`` if unknown."""
    base = BASEMAPS[name]
    if name == "tianditu":
        key = config.get("TIANDITU_KEY", "")
        if not key:
            return BASEMAPS["none"]
        return Basemap(**{**base.__dict__, "tiles": base.tiles.replace("{key}", key)})
    if name == "custom":
        url = config.get("BASEMAP_URL", "")
        if not url:
            return BASEMAPS["none"]
        attribution = config.get("BASEMAP_ATTRIBUTION", "") or url.split("/")[2]
        gcj = bool(config.get("BASEMAP_GCJ02", False))
        return Basemap("custom", base.label, url, attribution, gcj02=gcj)
    return base
