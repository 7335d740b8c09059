"""The embed page for news articles (/embed) and the editor's builder (/embed/builder)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from geoapp import maps
from geoapp.embed_params import DPI_RANGE, SIZE_RANGE, default_layers, parse_embed_args
from geoapp.params import parse_lang
from geoapp.query.names import name_for
from geoapp.web.pages import cached_page, oembed_link
from geoapp.web.state import get_catalog

bp = Blueprint("embed", __name__)


def parse_view():
    """The EmbedView of this request (a bad value is a BadParameter naming it: a 400)."""
    return parse_embed_args(
        request.args,
        get_catalog(),
        default_lang=current_app.config["DEFAULT_LANG"],
        basemaps=list(maps.BASEMAPS),
    )


@bp.get("/embed")
def embed():
    """The story's map, for an iframe: lean, responsive, phone-first."""
    view = parse_view()
    return cached_page(("embed", request.query_string), lambda: _embed_page(view))


def _embed_page(view) -> str:
    """Render the embed page for one view (cached per query string and data version)."""
    name = view.basemap or current_app.config["BASEMAP"]
    opts = maps.MapOptions(
        lang=view.lang,
        basemap=maps.resolve_basemap(name, current_app.config),
        static_url=request.script_root + "/static",
        api_url=request.script_root + "/api",
        project_url=request.script_root + "/projects/",
        root=request.script_root,
    )
    m, page = maps.embed_map(get_catalog(), view, opts)
    head = render_template("embed_head.html", page=page, view=view) + oembed_link()
    m.get_root().html.add_child(
        maps.Element(render_template("embed_top.html", page=page, view=view)), index=0
    )
    m.get_root().html.add_child(
        maps.Element(render_template("embed_foot.html", page=page, view=view))
    )
    html = maps.page_html(m, view.lang, page.title, head=head)
    dark = {"true": "gp-dark", "false": "", "auto": "gp-auto"}[view.dark]
    return html.replace("<body>", f'<body class="gp-embed {dark}">', 1)


@bp.get("/embed/builder")
def builder():
    """The editor's builder: choose what to show, preview it, copy the iframe code."""
    catalog = get_catalog()
    lang = parse_lang(request.args.get("lang"), current_app.config["DEFAULT_LANG"])
    return render_template(
        "embed_builder.html",
        lang=lang,
        t=lambda k: maps.t(k, lang),
        layers=[(lid, d.title_for(lang)) for lid, d in catalog.defs.items()],
        default_layers=list(default_layers(catalog)),
        projects=[
            (p["project_id"], name_for(p, lang), p["layer"])
            for p in catalog.projects.values()
            if p["feature_ids"]
        ],  # fmt: skip
        statuses=[(s.code, s.label(lang), s.color) for s in maps.STATUSES],
        zones=maps.zone_options(catalog, lang),
        basemaps=[(b.name, b.label[lang]) for b in maps.BASEMAPS.values()],
        resize_script=url_for("static", filename="js/embed-resize.js", _external=True),
        size_range=SIZE_RANGE,
        dpi_range=DPI_RANGE,
    )
