"""Folium maps: one function per view (the full planning map, a project's map, the embed).

Everything a user sees is escaped here, in Python: folium's tooltips and popups put property
values into ``innerHTML``, so ``_tip``/``_popup``/``_label`` carry HTML built from escaped text.

Examples
--------
>>> html = full_map(catalog, MapOptions(lang="en", basemap="none")).get_root().render()  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from folium import plugins
from jinja2 import Template
from markupsafe import Markup, escape

from geoapp import assets
from geoapp.basemaps import BASEMAPS, Basemap, resolve_basemap  # noqa: F401 - re-exported
from geoapp.catalog import Catalog
from geoapp.map_layers import (
    VECTORGRID,
    RemoteLayer,
    layer_spec,
    layer_title,
    preload_links,
    uses_tiles,
)
from geoapp.progress import unplaced
from geoapp.query import zone_ids, zone_layer
from geoapp.query.display import display_layer, name_for  # noqa: F401 - display_layer re-exported
from geoapp.status import (
    CONTEXT_COLOR,
    OVERDUE_COLOR,
    STATUS,
    STATUSES,
)
from geoapp.texts import TEXT, embed_description, t

#: Centre of the city outline (WGS84), used before the data says otherwise.
CITY_CENTRE = (28.93, 120.10)


@dataclass(frozen=True)
class MapOptions:
    """What a map view shows and how."""

    lang: str = "zh"
    basemap: Basemap = field(default_factory=lambda: BASEMAPS["osm"])
    static_url: str = "/static"
    project_url: str = "/projects/"
    record_link: bool = False
    api_url: str = "/api"
    root: str = ""  # where the app is mounted (``request.script_root``): links start with it
    layers: tuple[str, ...] | None = None
    features: frozenset[str] | None = None
    status: tuple[str, ...] | None = None  # an embed's status filter (for tiled layers)
    today: dt.date = field(default_factory=dt.date.today)


# ---------------------------------------------------------------------------------------------
# folium building blocks
# ---------------------------------------------------------------------------------------------
def add_layer(
    m: folium.Map, catalog: Catalog, layer_id: str, opts: MapOptions, interactive: bool = True
) -> tuple[folium.FeatureGroup, RemoteLayer]:
    """Add one layer as a FeatureGroup holding a layer loaded by URL; return (group, layer)."""
    group = folium.FeatureGroup(name=layer_title(catalog, layer_id, opts.lang), show=True)
    group.add_to(m)
    remote = RemoteLayer(layer_spec(catalog, layer_id, opts, interactive))
    remote.add_to(group)
    return group, remote


def base_map(
    opts: MapOptions, bounds: list[list[float]] | None = None, **kwargs: Any
) -> folium.Map:
    """A folium map with the configured basemap (or none), fitted to ``bounds``."""
    bm = opts.basemap
    m = folium.Map(
        location=CITY_CENTRE,
        zoom_start=11,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        **kwargs,
    )
    if bm.tiles:
        folium.TileLayer(
            tiles=bm.tiles,
            attr=str(escape(bm.attribution)),
            name=bm.label["en" if opts.lang == "en" else "zh"],
            subdomains=bm.subdomains,
            max_zoom=bm.max_zoom,
            control=False,
        ).add_to(m)
    if bounds:
        m.fit_bounds(bounds)
    m.get_root().header.add_child(
        Element(f'<link rel="stylesheet" href="{escape(opts.static_url)}/css/planmap.css">')
    )
    return m


#: Half the side (degrees, about 300 m) of the view around a lone point.
POINT_PAD = 0.003


def layer_bounds(
    catalog: Catalog, layer_ids: Iterable[str], features: frozenset[str] | None = None
):
    """[[south, west], [north, east]] of the given layers' (or features') geometries."""
    frames = [catalog.layers[lid] for lid in layer_ids]
    gdf = gpd.GeoDataFrame(
        {"id": [i for f in frames for i in f["id"]]},
        geometry=[g for f in frames for g in f.geometry],
        crs="EPSG:4326",
    )
    if features is not None:
        gdf = gdf[gdf["id"].isin(features)]
    if gdf.empty:
        return None
    minx, miny, maxx, maxy = gdf.total_bounds
    if maxx - minx < POINT_PAD and maxy - miny < POINT_PAD:  # one point: Leaflet cannot fit it
        minx, miny, maxx, maxy = (
            minx - POINT_PAD,
            miny - POINT_PAD,
            maxx + POINT_PAD,
            maxy + POINT_PAD,
        )
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


class PlanControls(MacroElement):
    """Our own controls (legend, filters, 'as of', home, language), configured by JSON."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.GeoappPlanMap.init({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any], layer_vars: dict[str, tuple[str, str]]):
        super().__init__()
        self._name = "PlanControls"
        self.config = config
        self.layer_vars = layer_vars

    def render(self, **kwargs):
        """Resolve the JS names of the layers now that every element is named."""
        cfg = dict(self.config)
        cfg["layers"] = [
            {"id": lid, "group": g, "geojson": gj} for lid, (g, gj) in self.layer_vars.items()
        ]
        # \u003c-escaped JSON is safe inside <script>; the names are our own identifiers, not data
        text = json.dumps(cfg, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
        for g, gj in self.layer_vars.values():
            text = text.replace(f'"{g}"', g).replace(f'"{gj}"', gj)
        self.config_json = Markup(text)
        super().render(**kwargs)


def legend_config(catalog: Catalog, layer_ids: Iterable[str], lang: str) -> dict[str, Any]:
    """Legend entries: every status colour, then the symbol of each context layer."""
    statuses = [{"code": s.code, "label": s.label(lang), "color": s.color} for s in STATUSES]
    overdue = {"color": OVERDUE_COLOR, "other": STATUS["planned"].color}
    layers = []
    for lid in layer_ids:
        d = catalog.defs[lid]
        if d.has_status:
            label = d.style.get("context_label", {}).get("en" if lang == "en" else "zh")
            if label:  # context features inside a project layer (the rivers of 三江六岸)
                layers.append(
                    {
                        "id": f"{lid}-context",
                        "label": label,
                        "color": d.style["context_color"],
                        "kind": "line",
                    }
                )
            continue
        color = d.style.get("color") or next(
            iter(d.style.get("colors", {}).values()), CONTEXT_COLOR
        )
        layers.append(
            {"id": lid, "label": d.title_for(lang), "color": color, "kind": d.style["kind"]}
        )
    return {"statuses": statuses, "layers": layers, "overdue": overdue}


def attributions(catalog: Catalog, layer_ids: Iterable[str], lang: str) -> list[str]:
    """Attribution for data from elsewhere (the city outline), then the schematic note; escaped."""
    out = [
        str(escape(catalog.defs[lid].attribution))
        for lid in layer_ids
        if catalog.defs[lid].city_outline
    ]
    return out + [str(escape(t("schematic_banner", lang)))]


def zone_options(catalog: Catalog, lang: str) -> list[dict[str, str]]:
    """The zones a user can filter by."""
    lid = zone_layer(catalog.defs)
    if lid is None:
        return []
    zones = set(zone_ids(catalog))
    return [
        {"id": r["id"], "label": name_for(r, lang)}
        for r in catalog.layers[lid].to_dict("records")
        if r["id"] in zones
    ]


#: Our scripts on every interactive map: page-language control titles, small polygons, labels.
MAP_JS = ("js/mapui.js", "js/layers.js", "js/minsize.js", "js/labels.js", "js/sheet.js")


def after_leaflet(
    m: folium.Map, opts: MapOptions, js: Iterable[str] = (), css: Iterable[str] = ()
) -> None:
    """Load scripts right after leaflet.js (they extend ``L``); call after ``assets.localize``.

    A map with a layer drawn from vector tiles loads Leaflet.VectorGrid first; the layers'
    GeoJSON is preloaded, fetched while the scripts load.
    """

    def url(path: str) -> str:
        return path if path.startswith("/") else f"{opts.static_url}/{path}"

    specs = [
        e.spec
        for g in m._children.values()
        for e in g._children.values()
        if isinstance(e, RemoteLayer)
    ]
    grid = [assets.asset_url(*VECTORGRID, opts.static_url)] if uses_tiles(specs) else []
    m.get_root().header.add_child(Element(preload_links(specs)))
    m.default_js = [
        *m.default_js,
        *((f"geoapp:{p}", url(p)) for p in (*grid, *MAP_JS, *js)),
    ]
    m.default_css = [*m.default_css, *((f"geoapp:{p}", url(p)) for p in css)]


def outline_layers(catalog: Catalog) -> list[str]:
    """The layers whose definition says ``city_outline`` (the city boundary)."""
    return [lid for lid, d in catalog.defs.items() if d.city_outline]


def full_map(catalog: Catalog, opts: MapOptions) -> folium.Map:
    """The planners' map: every layer, status colours, legend, search, filters, 'as of'."""
    layer_ids = list(opts.layers or catalog.defs)
    bounds = layer_bounds(catalog, outline_layers(catalog) or layer_ids)
    m = base_map(opts, bounds)
    groups: dict[str, list] = {t("projects", opts.lang): [], t("context", opts.lang): []}
    layer_vars = {}
    for lid in layer_ids:
        group, gj = add_layer(m, catalog, lid, opts)
        key = t("projects", opts.lang) if catalog.defs[lid].has_status else t("context", opts.lang)
        groups[key].append(group)
        layer_vars[lid] = (group.get_name(), gj.get_name())
    plugins.GroupedLayerControl(groups, exclusive_groups=False, collapsed=True).add_to(m)
    plugins.Fullscreen(
        position="topleft",
        title="全屏" if opts.lang != "en" else "Full screen",
        title_cancel="退出全屏" if opts.lang != "en" else "Exit full screen",
    ).add_to(m)
    config = {
        "lang": opts.lang,
        "root": opts.root,
        "text": TEXT["en" if opts.lang == "en" else "zh"],
        "legend": legend_config(catalog, layer_ids, opts.lang),
        "zones": zone_options(catalog, opts.lang),
        "dates": catalog.source_dates,
        "home": bounds,
        "identify": None if opts.basemap.gcj02 else f"{opts.api_url}/query/point",
        "labels": [
            {"id": lid, "title": catalog.defs[lid].title_for(opts.lang)}
            for lid in layer_ids
            if not catalog.defs[lid].city_outline
        ],
        "attribution": attributions(catalog, layer_ids, opts.lang),
        "controls": {"search": True, "filters": True, "asof": True, "legend": True, "home": True},
        "unplaced": [p for p in unplaced(catalog, opts.lang) if p["layer_id"] in layer_ids],
    }
    PlanControls(config, layer_vars).add_to(m)
    assets.localize(m, opts.static_url, drop=assets.droppable)
    after_leaflet(m, opts, js=["js/planmap.js", "js/identify.js", "js/table.js"])
    return m


def project_map(catalog: Catalog, project_id: str, opts: MapOptions) -> folium.Map | None:
    """A small map of one project's features over the city outline; None if it has none."""
    project = catalog.projects[project_id]
    fids = frozenset(project["feature_ids"])
    if not fids:
        return None
    bounds = layer_bounds(catalog, [project["layer"]], fids)
    m = base_map(opts, bounds, height="380px")
    sub = MapOptions(**{**opts.__dict__, "features": None})
    for outline in outline_layers(catalog):
        add_layer(m, catalog, outline, sub, interactive=False)
    sel = MapOptions(**{**opts.__dict__, "features": fids})
    add_layer(m, catalog, project["layer"], sel)
    assets.localize(m, opts.static_url, drop=assets.droppable)
    after_leaflet(m, opts)
    return m


def page_html(m: folium.Map, lang: str, title: str, head: str = "") -> str:
    """Render a folium map as a full page with the document language and title set."""
    root = m.get_root()
    root.title = escape(title)  # branca's template does not escape the title
    if head:
        root.header.add_child(Element(head))
    html = _FOLIUM_VIEWPORT.sub(VIEWPORT, root.render(), count=1)
    return html.replace("<html>", f'<html lang="{"en" if lang == "en" else "zh-CN"}">', 1)


#: Our viewport: the reader may pinch-zoom (folium's blocks it with ``user-scalable=no``).
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*user-scalable=no[^>]*>')


# ---------------------------------------------------------------------------------------------
# the embed: a lean map for news articles
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedPage:
    """What the embed page needs besides the map itself."""

    title: str
    description: str
    full_map_url: str
    legend: list[dict[str, str]]
    empty: str = ""  # no project matches the view: the page says so (this text)


def embed_map(catalog: Catalog, view: Any, opts: MapOptions) -> tuple[folium.Map, EmbedPage]:
    """The story's map: only its layers and features, fitted, no chrome, lean assets."""
    from geoapp.embed_params import default_title, nothing_matches, select_features, view_bbox

    selection = select_features(catalog, view)
    minx, miny, maxx, maxy = view_bbox(catalog, view)
    bounds = [[miny, minx], [maxy, maxx]]
    interactive = not view.static
    m = base_map(
        opts,
        bounds,
        zoom_control=interactive,
        scrollWheelZoom=False,
        dragging=interactive,
        touchZoom=interactive,
        doubleClickZoom=interactive,
        boxZoom=False,
        keyboard=interactive,
        gestureHandling=interactive,
    )
    shown: set[str] = set()
    for lid, gdf in selection.items():
        sub = MapOptions(
            **{**opts.__dict__, "features": frozenset(gdf["id"]), "status": view.status or None}
        )
        add_layer(m, catalog, lid, sub, interactive=interactive)
        shown |= {s for s in gdf.get("status", []) if s in STATUS}
    title = view.title or default_title(catalog, view)
    lang = opts.lang
    legend = [
        {"label": s.label(lang), "color": s.color} for s in STATUSES if s.code in shown
    ] if view.legend else []  # fmt: skip
    m.get_root().header.add_child(
        Element(f'<link rel="stylesheet" href="{escape(opts.static_url)}/css/embed.css">')
    )
    assets.localize(m, opts.static_url, drop=assets.droppable)
    gesture = "leaflet-gesture-handling"
    after_leaflet(
        m,
        opts,
        js=[assets.asset_url(gesture, f"{gesture}.min.js", opts.static_url), "js/embed.js"]
        if interactive
        else ["js/embed.js"],
        css=[assets.asset_url(gesture, f"{gesture}.min.css", opts.static_url)],
    )
    full = f"{opts.root}/?lang={lang}#bbox={minx:.5f},{miny:.5f},{maxx:.5f},{maxy:.5f}"
    empty = t("no_matching_projects", lang) if nothing_matches(catalog, view, selection) else ""
    page = EmbedPage(title, embed_description(selection, title, lang), full, legend, empty)
    return m, page
