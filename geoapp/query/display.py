"""What the map shows of a feature: its popup (escaped HTML) and its display properties.

The one popup serialiser and the one "name in this language" rule, used by the full map, the
project map and the embeds; colours come from the one style rule (:mod:`geoapp.query.style`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from geoapp.coords import to_crs
from geoapp.layers import LayerDef
from geoapp.progress import is_overdue
from geoapp.query.clean import is_missing, plain
from geoapp.query.names import name_for
from geoapp.query.style import feature_color, is_context
from geoapp.sources import citation
from geoapp.status import CONTEXT_COLOR, LOCATION_CONFIDENCE, STATUS, accuracy_note
from geoapp.texts import in_language, t

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog
    from geoapp.maps import MapOptions

__all__ = ["display_layer", "feature_color", "name_for", "popup_html", "status_label"]


def status_label(code: str | None, lang: str) -> str:
    """The label of a status code ('' for none)."""
    return STATUS[code].label(lang) if code in STATUS else ""


def _field_value(layer: LayerDef, name: str, value: Any, lang: str) -> str:
    f = layer.field(name)
    if is_missing(value):
        return ""
    return f.value_label(value, lang) if f else str(value)


def popup_html(layer: LayerDef, row: dict[str, Any], catalog: Catalog, opts: MapOptions) -> Markup:
    """The popup of one feature: name, status, target, latest source, accuracy note, link."""
    lang = opts.lang
    name = name_for(row, lang)
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
        out.append(_quote(row, catalog, opts))
    out.append(
        Markup("<a class='gp-link' href='{}{}?lang={}' target='_top'>{} →</a>").format(
            opts.project_url, row["project_id"], lang, t("project_page", lang)
        )
    )
    if opts.record_link:  # the planners' map: 记录进展 (sign-in asked for on the form)
        out.append(
            Markup(" <a class='gp-link' href='{}{}/record?lang={}'>{}</a>").format(
                opts.project_url,
                row["project_id"],
                lang,
                "Record progress" if lang == "en" else "记录进展",
            )
        )
    return Markup("").join(out)


def _quote(row: dict[str, Any], catalog: Catalog, opts: MapOptions) -> Markup:
    """The quoted sentence a status rests on, with a link to its source (under the app's root)."""
    lang = opts.lang
    c = citation(catalog, row["source"], row["quote"])
    url = opts.root + c["url"] if c["url"].startswith("/") else c["url"]
    title = Markup("<a href='{}' target='_top'>《{}》</a>" if url else "《{1}》").format(
        url, c["title"]
    )
    return Markup(
        "<blockquote>“{}”<br><span class='gp-muted'>{}：{}{} {}</span></blockquote>"
    ).format(row["quote"], t("source", lang), title, c["publication"], row.get("source_date") or "")


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


def display_layer(catalog: Catalog, layer_id: str, opts: MapOptions) -> dict[str, Any]:
    """The layer as GeoJSON with only escaped display properties (and ids for the controls)."""
    layer = catalog.defs[layer_id]
    gdf = catalog.layers[layer_id]
    if opts.features is not None:
        gdf = gdf[gdf["id"].isin(opts.features)]
    if opts.basemap.gcj02:
        gdf = to_crs(gdf, "EPSG:4326", "gcj02")
    zones = catalog.index.zones_of(gdf["id"])
    features = []
    for row, geom in zip(
        gdf.drop(columns="geometry").to_dict("records"), gdf.geometry, strict=True
    ):
        row = {k: plain(v) for k, v in row.items()}
        name = name_for(row, opts.lang)
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
            "_river": is_context(layer, row),
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
