"""The HTML pages: the full map (/), a project's page, the progress overview."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup, escape

from geoapp import maps, params, progress, sources
from geoapp.cache import named_cache
from geoapp.errors import NotFound
from geoapp.query.display import display_layer
from geoapp.web import workspace
from geoapp.web.security import page_url, public_base
from geoapp.web.state import get_catalog

bp = Blueprint("pages", __name__)


def parse_lang() -> str:
    """The page language: ``?lang=`` zh or en (default ``DEFAULT_LANG``); 400 otherwise."""
    return params.parse_lang(request.args.get("lang"), current_app.config["DEFAULT_LANG"])


def parse_basemap() -> maps.Basemap:
    """The basemap named by ?basemap= (default from config); 400 if unknown."""
    cfg = current_app.config
    name = params.parse_choice(request.args.get("basemap"), "basemap", list(maps.BASEMAPS), "")
    return maps.resolve_basemap(name or cfg["BASEMAP"], cfg)


def map_options(**kwargs) -> maps.MapOptions:
    """MapOptions from the request's lang and basemap."""
    return maps.MapOptions(
        lang=parse_lang(),
        basemap=parse_basemap(),
        static_url=request.script_root + "/static",
        api_url=request.script_root + "/api",
        project_url=request.script_root + "/projects/",
        root=request.script_root,
        **kwargs,
    )


#: How many rendered pages to keep per app (oldest dropped first; keys include query strings).
PAGE_CACHE_SIZE = 128


def cached_page(key: tuple, build) -> str:
    """A rendered page from the app's page cache (:mod:`geoapp.cache`), built once per key.

    The key holds the data version and the public base URL the page's links start with.
    """
    cache = named_cache(current_app.extensions, "geoapp.pages", PAGE_CACHE_SIZE)
    return cache.get((get_catalog().version, public_base(), *key), build)


@bp.get("/")
def index():
    """The planners' full map."""
    opts = map_options(record_link=True)
    catalog = get_catalog()

    def build() -> str:
        m = maps.full_map(catalog, opts)
        m.get_root().html.add_child(maps.Element(_skip_links(opts.lang)), index=0)
        head = oembed_link(keep=("lang", "basemap"))
        html = maps.page_html(m, opts.lang, maps.t("title", opts.lang), head=head)
        # folium writes the map's div last: the table goes after it, under the map
        return html.replace("</body>", _project_table(catalog, opts.lang) + "</body>", 1)

    return cached_page(("index", opts.lang, opts.basemap.name, opts.basemap.tiles), build)


def _skip_links(lang: str) -> str:
    """Links a keyboard user meets first: to the project table (the map as text)."""
    text = (
        "跳到项目列表（地图的文字版）"
        if lang != "en"
        else "Skip to the project list (the map as text)"
    )
    return f'<a class="gp-skip" href="#gp-projects">{text}</a>'


def _project_table(catalog, lang: str) -> str:
    """The sortable, filterable table of every project that goes under a map."""
    return render_template(
        "_project_table.html",
        rows=progress.project_rows(catalog, lang, dt.date.today()),
        columns=progress.TABLE_COLUMNS,
        colors={s.code: s.color for s in maps.STATUSES},
        lang=lang,
        project_url=request.script_root + "/projects/",
        csv_url=f"{request.script_root}/projects.csv?lang={lang}",
    )


@bp.get("/projects.csv")
def projects_csv():
    """The project table as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    lang = parse_lang()
    text = progress.table_csv(progress.project_rows(get_catalog(), lang, dt.date.today()), lang)
    return (
        "\ufeff" + text,
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f"attachment; filename=yongkang-projects-{lang}.csv",
        },
    )


def oembed_link(keep: tuple[str, ...] | None = None) -> str:
    """The oEmbed discovery link of this page (its public URL; ``keep``: see ``page_url``)."""
    try:
        from geoapp.oembed import discovery_links
    except ImportError:  # pragma: no cover - oEmbed module not installed
        return ""
    return discovery_links(page_url(keep))


@bp.get("/favicon.ico")
def favicon():
    """The site icon (a map pin), so browsers' automatic request finds something."""
    return current_app.send_static_file("favicon.svg"), 200, {"Content-Type": "image/svg+xml"}


@bp.get("/projects/<project_id>")
def project_page(project_id: str):
    """One project: its features on a small map, its status history and sources."""
    catalog = get_catalog()
    opts = map_options()
    if project_id not in catalog.projects:
        raise NotFound(f"no project '{project_id}'", "project_id")
    view = progress.project_view(catalog, project_id, opts.lang, dt.date.today())
    body = render_template("project.html", v=view, lang=opts.lang, t=lambda k: maps.t(k, opts.lang),
                           pending=workspace.pending_for(project_id),
                           recorded=request.args.get("recorded", ""))  # fmt: skip
    m = maps.project_map(catalog, project_id, opts)
    title = f"{view['name']} — {maps.t('title', opts.lang)}"
    if m is None:
        return render_template("page.html", lang=opts.lang, title=title, body=Markup(body))
    m.get_root().html.add_child(maps.Element(body), index=0)
    return maps.page_html(m, opts.lang, title)


@bp.get("/map/layers/<layer_id>.geojson")
def map_layer(layer_id: str):
    """A layer as the map draws it: display GeoJSON with escaped popups, names, status keys.

    The map pages fetch their small layers from here (``geoapp.map_layers``); ``lang`` and
    ``basemap`` as on the pages, ``record=1`` adds the 记录进展 link to project popups.
    """
    catalog = get_catalog()
    if layer_id not in catalog.defs:
        raise NotFound(f"no layer '{layer_id}'", "layer_id")
    record = params.parse_choice(request.args.get("record"), "record", ["1"], "")
    opts = map_options(record_link=record == "1", today=dt.date.today())
    key = ("layer", layer_id, opts.lang, opts.basemap.gcj02, opts.record_link, opts.today)
    body = cached_page(
        key,
        lambda: json.dumps(
            display_layer(catalog, layer_id, opts), ensure_ascii=False, separators=(",", ":")
        ),
    )
    return current_app.response_class(body, content_type="application/geo+json")


@bp.get("/progress")
def progress_page():
    """The plans at a glance: projects by status per layer and zone, indicators, overdue."""
    lang = parse_lang()
    view = progress.overview(get_catalog(), lang, dt.date.today())
    return render_template(
        "progress.html",
        v=view,
        lang=lang,
        t=lambda k: maps.t(k, lang),
        title=escape(maps.t("progress", lang)),
    )


@bp.get("/sources/<file>")
def source_page(file: str):
    """A cited article as bundled, with every quoted sentence highlighted (``#q-…`` anchors)."""
    lang = parse_lang()
    article = sources.article(get_catalog(), file)
    if article is None:
        raise NotFound(f"no source '{file}'", "file")
    return render_template("source.html", a=article, lang=lang, t=lambda k: maps.t(k, lang))
