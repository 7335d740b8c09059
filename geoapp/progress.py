"""What the project page and the progress page show, as plain data (no HTML, no flask).

Examples
--------
>>> v = overview(catalog, "zh", dt.date(2026, 11, 22))  # doctest: +SKIP
>>> [r["project_id"] for r in v["overdue"]][:2]  # doctest: +SKIP
['nansihuan-nandu-g330', 'beisanhuan']
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoapp.catalog import Catalog
from geoapp.query.names import name_for
from geoapp.query.zones import zone_ids, zone_layer
from geoapp.sources import source_link
from geoapp.status import HISTORY_KINDS, STATUS, STATUSES
from geoapp.texts import in_language


def is_overdue(project: dict[str, Any], today: dt.date) -> bool:
    """The target year has passed and the status has not reached the target."""
    target, year = project.get("target_status"), project.get("target_year")
    if not target or not year:
        return False
    return int(year) < today.year and STATUS[project["status"]].order < STATUS[target].order


def _status_cell(code: str, lang: str) -> dict[str, str]:
    s = STATUS[code]
    return {"code": code, "label": s.label(lang), "color": s.color}


def _recorded(update: dict[str, Any] | None) -> dict[str, str] | None:
    """What the timeline shows of a reviewed update: who, which department, the document."""
    if update is None:
        return None
    keys = ("update_id", "author", "department", "reviewed_by", "source_date", "source_url",
            "attachment_id", "photo_id")  # fmt: skip
    return {k: update[k] for k in keys}


def _citation(entry: dict[str, Any], src: dict[str, Any], upd: dict[str, Any] | None) -> dict:
    """A history entry's source: the reviewed update's document, else the seed article's page."""
    if upd is not None:
        return {"source_title": upd["source_title"], "publication": upd["source_publisher"],
                "source_date": upd["source_date"], "source_url": upd["source_url"],
                "recorded": _recorded(upd)}  # fmt: skip
    seed = not entry["source"].startswith("update:")  # an update no longer in the store: no page
    return {
        "source_title": src.get("title", ""),
        "publication": src.get("publication", ""),
        "source_date": src.get("date", ""),
        "source_url": source_link(entry["source"], entry["quote"]) if seed else "",
        "recorded": None,
    }


def _history_entry(e: dict[str, str], catalog: Catalog, lang: str) -> dict[str, Any]:
    """One entry of a project's status history as its page shows it."""
    src = catalog.sources_by_file.get(e["source"], {})
    updates = catalog.extra.get("updates", {})
    upd = updates.get(e["source"][len("update:") :]) if e["source"].startswith("update:") else None
    return {
        "date": e["date"],
        "kind": e["kind"],
        "kind_label": HISTORY_KINDS[e["kind"]][1 if lang == "en" else 0],
        "status": _status_cell(e["status"], lang),
        "target_year": e["target_year"],
        "quote": e["quote"],
        "note": e["note"],
        "source": e["source"],
        **_citation(e, src, upd),
    }


def project_view(catalog: Catalog, project_id: str, lang: str, today: dt.date) -> dict[str, Any]:
    """Everything the project page shows."""
    p = catalog.projects[project_id]
    history = [_history_entry(e, catalog, lang) for e in reversed(p["history"])]
    layer = catalog.defs[p["layer"]]
    gdf = catalog.layers[p["layer"]]
    feats = gdf[gdf["id"].isin(p["feature_ids"])]
    return {
        "project_id": project_id,
        "name": name_for(p, lang),
        "name_zh": p["name"],
        "name_en": p["name_en"],
        "layer": layer.title_for(lang),
        "layer_id": layer.id,
        "category": p["category"],
        "status": _status_cell(p["status"], lang),
        "status_date": p["status_date"],
        "target": _status_cell(p["target_status"], lang) if p["target_status"] else None,
        "target_year": p["target_year"],
        "overdue": is_overdue(p, today),
        "note": p["note"],
        "history": history,
        "features": [
            {
                "id": r["id"],
                "name": name_for(r, lang),
                "accuracy": r["accuracy"],
                "location_confidence": r["location_confidence"],
                "geometry_source": in_language(r["geometry_source"] or "", lang),
            }
            for r in feats.to_dict("records")
        ],  # fmt: skip
        "unplaced": not p["feature_ids"],
        "unplaced_reason": p["unplaced_reason_en"] if lang == "en" else p["unplaced_reason"],
        "indicators": [i for i in indicators(catalog, lang) if i["layer"] == p["layer"]],
    }


def _counts(projects: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    total = len(projects) or 1
    out = []
    for s in STATUSES:
        n = sum(1 for p in projects if p["status"] == s.code)
        if n:
            out.append({**_status_cell(s.code, lang), "count": n, "pct": round(100 * n / total, 1)})
    return out


def _tied_features(catalog: Catalog, row: dict[str, str]):
    """The features a seed ties to an indicator: its projects', or its layer's matching ones."""
    if not row["layer"]:
        return None
    gdf = catalog.layers[row["layer"]]
    if row["project_ids"]:
        return gdf[gdf["project_id"].isin(row["project_ids"].split(";"))]
    if row["match_field"]:
        return gdf[gdf[row["match_field"]].isin(row["match_values"].split(";"))]
    return gdf.iloc[0:0]  # a layer alone ties nothing: not every feature counts toward it


def indicators(catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    """Programme indicators: target with its comparison, features tied to it, and how many count.

    A feature counts once its status has reached the indicator's ``counts_status`` (新开工 counts
    started parks, 建成 completed ones; completed when not given).
    """
    out = []
    for row in catalog.registry.indicators.to_dict("records"):
        reach = STATUS[row["counts_status"] or "completed"]
        gdf = _tied_features(catalog, row)
        mapped = counted = 0
        if gdf is not None:
            mapped = len(gdf)
            counted = int(sum(STATUS[s].order >= reach.order for s in gdf["status"] if s in STATUS))
        target = float(row["target_value"])
        out.append(
            {
                "indicator_id": row["indicator_id"],
                "name": name_for(row, lang),
                "layer": row["layer"],
                "comparison": row["comparison"],
                "target": int(target) if target.is_integer() else target,
                "unit": row["unit"],
                "target_year": row["target_year"],
                "counts_status": _status_cell(reach.code, lang),
                "mapped": mapped,
                "completed": counted,
                "pct": min(100.0, round(100 * counted / target, 1)) if target else 0.0,
                "source": row["source"],
                "source_title": catalog.sources_by_file.get(row["source"], {}).get("title", ""),
                "source_url": source_link(row["source"], row["quote"]),
                "quote": row["quote"],
            }
        )
    return out


def _scale(rows: list[dict[str, Any]]) -> None:
    """Give each row its bar width: its total against the largest total of its group (%)."""
    most = max((r["total"] for r in rows), default=0) or 1
    for r in rows:
        r["width"] = round(100 * r["total"] / most, 1)


def unplaced(catalog: Catalog, lang: str) -> list[dict[str, str]]:
    """The projects not on the map, each with why (for /progress and the full map's list)."""
    out = []
    for p in catalog.unplaced_projects():
        reason = p["unplaced_reason_en"] if lang == "en" else p["unplaced_reason"]
        layer = catalog.defs[p["layer"]].title_for(lang) if p["layer"] in catalog.defs else ""
        out.append(
            {
                "project_id": p["project_id"],
                "name": name_for(p, lang),
                "search": f"{p['name']} {p['name_en']}",
                "layer": layer,
                "layer_id": p["layer"],
                "reason": reason or p["unplaced_reason"] or p["note"],
                "note": p["note"],
            }
        )
    return out


def _by_zone(catalog: Catalog, projects: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Projects by status per zone (a project counts in every zone its features touch)."""
    zones_of = catalog.index.zones_of({f for p in projects for f in p["feature_ids"]})
    by_zone: list[dict[str, Any]] = []
    zones, lid = set(zone_ids(catalog)), zone_layer(catalog.defs)
    if lid is None:
        return by_zone
    for z in catalog.layers[lid].to_dict("records"):
        if z["id"] not in zones:  # the axis is drawn, but it is not a zone
            continue
        mine = [
            p for p in projects if any(z["id"] in zones_of.get(f, []) for f in p["feature_ids"])
        ]
        by_zone.append(
            {"id": z["id"], "title": name_for(z, lang), "total": len(mine),
             "counts": _counts(mine, lang)}
        )  # fmt: skip
    return by_zone


def overview(catalog: Catalog, lang: str, today: dt.date) -> dict[str, Any]:
    """Projects by status per layer and per zone, the indicators, and the overdue projects."""
    projects = list(catalog.projects.values())
    by_layer = []
    for lid, d in catalog.defs.items():
        mine = [p for p in projects if p["layer"] == lid]
        if mine:
            by_layer.append(
                {"id": lid, "title": d.title_for(lang), "total": len(mine),
                 "unplaced": sum(1 for p in mine if not p["feature_ids"]), "counts": _counts(mine, lang)}
            )  # fmt: skip
    by_zone = _by_zone(catalog, projects, lang)
    _scale(by_layer)
    _scale(by_zone)
    overdue = [
        {"project_id": p["project_id"], "name": name_for(p, lang), "status": _status_cell(p["status"], lang),
         "target": _status_cell(p["target_status"], lang), "target_year": p["target_year"]}
        for p in sorted(projects, key=lambda p: (p["target_year"], p["project_id"]))
        if is_overdue(p, today)
    ]  # fmt: skip
    return {
        "by_layer": by_layer,
        "by_zone": by_zone,
        "indicators": indicators(catalog, lang),
        "overdue": overdue,
        "unplaced": unplaced(catalog, lang),
        "total": len(projects),
        "statuses": [_status_cell(s.code, lang) for s in STATUSES],
        "today": today.isoformat(),
        "version": catalog.version,
    }


#: The columns of the project table (under every map) and of its CSV: (key, zh, en).
TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "项目", "Project"),
    ("layer", "图层", "Layer"),
    ("status", "状态", "Status"),
    ("status_date", "状态日期", "Status date"),
    ("target", "目标", "Target"),
    ("target_year", "目标年份", "Target year"),
    ("overdue", "逾期", "Overdue"),
    ("mapped", "已上图", "On the map"),
)


def project_rows(catalog: Catalog, lang: str, today: dt.date) -> list[dict[str, Any]]:
    """One plain-text row per project for the table under the map and its CSV download.

    Examples
    --------
    >>> rows = project_rows(catalog, "zh", dt.date(2026, 1, 1))  # doctest: +SKIP
    >>> rows[0]["status"]  # doctest: +SKIP
    '谋划'
    """
    yes, no = ("yes", "no") if lang == "en" else ("是", "否")
    rows = []
    for p in sorted(catalog.projects.values(), key=lambda p: (p["layer"], p["project_id"])):
        target = STATUS[p["target_status"]].label(lang) if p["target_status"] else ""
        rows.append(
            {
                "project_id": p["project_id"],
                "name": name_for(p, lang),
                "layer": catalog.defs[p["layer"]].title_for(lang),
                "status": STATUS[p["status"]].label(lang),
                "status_code": p["status"],
                "status_date": p["status_date"],
                "target": target,
                "target_year": p["target_year"],
                "overdue": yes if is_overdue(p, today) else no,
                "mapped": yes if p["feature_ids"] else no,
            }
        )
    return rows


def table_csv(rows: list[dict[str, Any]], lang: str) -> str:
    """The project table as CSV text (UTF-8 with a BOM added by the caller for Excel)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["project_id", *(en if lang == "en" else zh for _k, zh, en in TABLE_COLUMNS)])
    for r in rows:
        writer.writerow([_cell(r["project_id"]), *(_cell(r[k]) for k, _zh, _en in TABLE_COLUMNS)])
    return out.getvalue()


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
