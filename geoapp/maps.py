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
from geoapp.coords import to_crs
from geoapp.layers import LayerDef
from geoapp.progress import is_overdue, unplaced
from geoapp.sources import citation
from geoapp.status import (
    CONTEXT_COLOR,
    LOCATION_CONFIDENCE,
    OVERDUE_COLOR,
    STATUS,
    STATUSES,
    accuracy_note,
)
from geoapp.texts import TEXT, embed_description, in_language, t

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
    layers: tuple[str, ...] | None = None
    features: frozenset[str] | None = None
    today: dt.date = field(default_factory=dt.date.today)


# ---------------------------------------------------------------------------------------------
# display properties
# ---------------------------------------------------------------------------------------------
def status_label(code: str | None, lang: str) -> str:
    """The label of a status code ('' for none)."""
    return STATUS[code].label(lang) if code in STATUS else ""


def _field_value(layer: LayerDef, name: str, value: Any, lang: str) -> str:
    f = layer.field(name)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return f.value_label(value, lang) if f else str(value)


def popup_html(layer: LayerDef, row: dict[str, Any], catalog: Catalog, opts: MapOptions) -> Markup:
    """The popup of one feature: name, status, target, latest source, accuracy note, link."""
    lang = opts.lang
    name = row["name_en"] if lang == "en" and row.get("name_en") else row["name"]
    parts = [Markup("<div class='gp-popup'><h3>{}</h3>").format(name)]
    if lang != "en" and row.get("name_en"):
        parts.append(Markup("<div class='gp-en'>{}</div>").format(row["name_en"]))
    if row.get("project_id"):
        parts.append(_status_lines(row, catalog, opts))
    elif layer.has_status:
        parts.append(Markup("<p class='gp-muted'>{}</p>").format(t("no_project", lang)))
    for fname in layer.popup:
        if fname in (
            "name",
            "status",
            "target_year",
            "accuracy",
            "geometry_source",
            "location_confidence",
        ):
            continue
        f = layer.field(fname)
        value = _field_value(layer, fname, row.get(fname), lang)
        if f and value:
            parts.append(Markup("<div><b>{}</b>：{}</div>").format(f.label_for(lang), value))
    parts.append(_accuracy_lines(row, lang))
    parts.append(Markup("</div>"))
    return Markup("").join(parts)


def _status_lines(row: dict[str, Any], catalog: Catalog, opts: MapOptions) -> Markup:
    lang = opts.lang
    status = STATUS.get(row["status"])
    out = [
        Markup(
            "<div class='gp-status'><span class='gp-dot' style='background:{}'></span>"
            "<b>{}</b>：{} <span class='gp-muted'>({}{})</span></div>"
        ).format(
            status.color if status else CONTEXT_COLOR,
            t("status", lang),
            status_label(row["status"], lang),
            row.get("status_date") or "",
            "，" + t("named", lang) if row["status"] == "planned" and lang != "en" else
            (", " + t("named", lang) if row["status"] == "planned" else ""),
        )
    ]  # fmt: skip
    if row.get("target_status"):
        out.append(
            Markup("<div><b>{}</b>：{} {}</div>").format(
                t("target", lang),
                row.get("target_year") or "",
                status_label(row["target_status"], lang),
            )
        )
    if is_overdue(row, opts.today):
        out.append(Markup("<div class='gp-overdue'>{}</div>").format(t("overdue", lang)))
    if row.get("quote"):
        c = citation(catalog, row["source"], row["quote"])
        title = Markup("<a href='{}' target='_top'>《{}》</a>" if c["url"] else "《{1}》").format(
            c["url"], c["title"]
        )
        out.append(
            Markup(
                "<blockquote>“{}”<br><span class='gp-muted'>{}：{}{} {}</span></blockquote>"
            ).format(
                row["quote"],
                t("source", lang),
                title,
                c["publication"],
                row.get("source_date") or "",
            )
        )
    out.append(
        Markup("<a class='gp-link' href='{}{}?lang={}' target='_top'>{} →</a>").format(
            opts.project_url, row["project_id"], lang, t("project_page", lang)
        )
    )
    if opts.record_link:  # the planners' map: 记录进展 (sign-in asked for on the form)
        out.append(
            Markup(" <a class='gp-link' href='/projects/{}/record?lang={}'>{}</a>").format(
                row["project_id"], lang, "Record progress" if lang == "en" else "记录进展"
            )
        )
    return Markup("").join(out)


def _accuracy_lines(row: dict[str, Any], lang: str) -> Markup:
    out = []
    note = accuracy_note(row.get("accuracy") or "", lang)
    if note:
        out.append(Markup("<div class='gp-accuracy'>⚠ {}</div>").format(note))
    if row.get("location_confidence") == "unknown":
        label = LOCATION_CONFIDENCE["unknown"][1 if lang == "en" else 0]
        out.append(Markup("<div class='gp-accuracy'>⚠ {}</div>").format(label))
    if row.get("geometry_source"):
        note = in_language(row["geometry_source"], lang)
        out.append(Markup("<div class='gp-muted gp-small'>{}</div>").format(note))
    return Markup("").join(out)


def status_steps(catalog: Catalog, project_id: str | None) -> list[list[str | None]]:
    """[[date, status-or-None], …] at every source date: the map's 'as of' control reads it."""
    if not project_id:
        return []
    from geoapp.registry import status_as_of

    entries = catalog.history_by_project.get(project_id, [])
    return [[d, status_as_of(entries, d)] for d in catalog.source_dates]


def feature_color(layer: LayerDef, row: dict[str, Any]) -> str:
    """The colour of a feature: its status colour, or its layer's context colour."""
    style = layer.style
    if row.get("status") in STATUS:
        return STATUS[row["status"]].color
    if "colors" in style:
        for key in ("zone_type", "feature_kind"):
            if row.get(key) in style["colors"]:
                return style["colors"][row[key]]
    if row.get("feature_kind") == "river":
        return style.get("context_color", CONTEXT_COLOR)
    return style.get("color", CONTEXT_COLOR)


def display_layer(catalog: Catalog, layer_id: str, opts: MapOptions) -> dict[str, Any]:
    """The layer as GeoJSON with only escaped display properties (and ids for the controls)."""
    layer = catalog.defs[layer_id]
    gdf = catalog.layers[layer_id]
    if opts.features is not None:
        gdf = gdf[gdf["id"].isin(opts.features)]
    if opts.basemap.gcj02:
        gdf = to_crs(gdf, "EPSG:4326", "gcj02")
    zones = catalog.index.feature_zones()
    features = []
    for row, geom in zip(
        gdf.drop(columns="geometry").to_dict("records"), gdf.geometry, strict=True
    ):
        row = {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        name = row["name_en"] if opts.lang == "en" and row.get("name_en") else row["name"]
        unknown = row.get("location_confidence") == "unknown"
        tip = escape(name) + (escape(t("unverified", opts.lang)) if unknown else "")
        props = {
            "id": row["id"],
            "_tip": str(tip),
            "_label": "" if layer.city_outline else str(escape(name)),
            "_popup": str(popup_html(layer, row, catalog, opts)),
            "_search": str(escape(f"{row['name']} {row.get('name_en') or ''}")),
            "_color": feature_color(layer, row),
            "_status": row.get("status") or "",
            "_target": row.get("target_status") or "",
            "_overdue": bool(row.get("project_id")) and is_overdue(row, opts.today),
            "_project": row.get("project_id") or "",
            "_steps": status_steps(catalog, row.get("project_id")),
            "_zones": zones.get(row["id"], []),
            "_unknown": unknown,
            "_river": row.get("feature_kind") == "river",
        }
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "properties": props,
                "geometry": geom.__geo_interface__,
            }
        )
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------------------------------
# folium building blocks
# ---------------------------------------------------------------------------------------------
def _style_function(layer: LayerDef):
    style = layer.style

    def fn(feature: dict) -> dict:
        p = feature["properties"]
        dash = style.get("dash") or ("6 5" if p.get("_unknown") else None)
        out = {
            "color": p["_color"],
            "weight": style.get("context_weight", style.get("weight", 3))
            if p.get("_river")
            else style.get("weight", 3),
            "opacity": style.get("opacity", 0.9),
            "dashArray": dash,
        }
        if style["kind"] == "point":
            out["fillColor"] = p["_color"]
        if style["kind"] == "polygon":
            out["fillColor"] = p["_color"]
            out["fillOpacity"] = style.get("fill_opacity", 0.3) * (0.5 if p.get("_unknown") else 1)
        return out

    return fn


def _highlight(feature: dict) -> dict:
    return {"weight": 7, "fillOpacity": 0.6}


def add_layer(
    m: folium.Map, catalog: Catalog, layer_id: str, opts: MapOptions, interactive: bool = True
):
    """Add one layer as a FeatureGroup holding a styled GeoJson; return (group, geojson)."""
    layer = catalog.defs[layer_id]
    data = display_layer(catalog, layer_id, opts)
    group = folium.FeatureGroup(name=layer.title_for(opts.lang), show=True)
    is_interactive = interactive and layer.style.get("interactive", True) and bool(data["features"])
    kwargs: dict[str, Any] = {}
    if layer.style["kind"] == "point":
        kwargs["marker"] = folium.CircleMarker(
            radius=layer.style.get("radius", 5), fill=True, fill_opacity=0.9
        )
    gj = folium.GeoJson(
        data,
        name=layer.title_for(opts.lang),
        style_function=_style_function(layer),
        highlight_function=_highlight if is_interactive else None,
        tooltip=folium.GeoJsonTooltip(["_tip"], labels=False, sticky=True)
        if is_interactive
        else None,
        popup=folium.GeoJsonPopup(["_popup"], labels=False, max_width=360)
        if is_interactive
        else None,
        interactive=is_interactive,
        smooth_factor=0.5,
        **kwargs,
    )
    gj.add_to(group)
    group.add_to(m)
    return group, gj


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
    if "zones" not in catalog.layers:
        return []
    gdf = catalog.layers["zones"]
    return [
        {"id": r["id"], "label": r["name_en"] if lang == "en" else r["name"]}
        for r in gdf.to_dict("records")
        if r.get("zone_type") != "axis"
    ]


#: Our scripts on every interactive map: page-language control titles, small polygons, labels.
MAP_JS = ("js/mapui.js", "js/minsize.js", "js/labels.js", "js/sheet.js")


def after_leaflet(
    m: folium.Map, opts: MapOptions, js: Iterable[str] = (), css: Iterable[str] = ()
) -> None:
    """Load scripts right after leaflet.js (they extend ``L``); call after ``assets.localize``."""

    def url(path: str) -> str:
        return path if path.startswith("/") else f"{opts.static_url}/{path}"

    m.default_js = [
        *m.default_js,
        *((f"geoapp:{p}", url(p)) for p in (*MAP_JS, *js)),
    ]
    m.default_css = [*m.default_css, *((f"geoapp:{p}", url(p)) for p in css)]


def full_map(catalog: Catalog, opts: MapOptions) -> folium.Map:
    """The planners' map: every layer, status colours, legend, search, filters, 'as of'."""
    layer_ids = list(opts.layers or catalog.defs)
    bounds = layer_bounds(catalog, ["boundary"] if "boundary" in catalog.defs else layer_ids)
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
    if "boundary" in catalog.defs:
        add_layer(m, catalog, "boundary", sub, interactive=False)
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
    empty: bool = False  # no feature matches the view: the page says so


def embed_map(catalog: Catalog, view: Any, opts: MapOptions) -> tuple[folium.Map, EmbedPage]:
    """The story's map: only its layers and features, fitted, no chrome, lean assets."""
    from geoapp.embed_params import default_title, select_features, view_bbox

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
        sub = MapOptions(**{**opts.__dict__, "features": frozenset(gdf["id"])})
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
    full = f"/?lang={lang}#bbox={minx:.5f},{miny:.5f},{maxx:.5f},{maxy:.5f}"
    empty = not any(len(gdf) for gdf in selection.values())
    page = EmbedPage(title, embed_description(selection, title, lang), full, legend, empty)
    return m, page
