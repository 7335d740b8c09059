"""The README every download carries: layers, CRS, data version, accuracy, status, sources."""

from __future__ import annotations

from geoapp.catalog import JOIN_COLUMNS, Catalog
from geoapp.coords import parse_crs
from geoapp.export.frames import (
    _CRS_NOTES,
)
from geoapp.status import STATUSES, accuracy_note


def readme_text(catalog: Catalog, layer_ids: list[str], fmt: str, crs: str, notes=()) -> str:
    """The README every download carries: layers, CRS, data version, accuracy, status, sources.

    >>> print(readme_text(catalog, ["parks"], "gpkg", "EPSG:4326").splitlines()[0])  # doctest: +SKIP
    永康规划一张图 — 数据下载说明 / Yongkang planning map — download notes
    """
    from geoapp.export import EXPORTERS  # the registry imports this module

    crs = parse_crs(crs)
    zh, en = _CRS_NOTES.get(crs, (crs, crs))
    lines = [
        "永康规划一张图 — 数据下载说明 / Yongkang planning map — download notes",
        "=" * 64,
        "",
        f"格式 Format: {EXPORTERS[fmt].title if fmt in EXPORTERS else fmt}",
        f"坐标系 CRS: {crs} — {zh}",
        f"            {en}",
        f"数据版本 Data version: {catalog.version}",
        f"资料截至 Sources dated up to: {max(catalog.source_dates, default='')}",
        "",
        "!! 图形精度 Accuracy",
        "   " + accuracy_note("schematic", "zh"),
        "   " + accuracy_note("schematic", "en"),
        "   " + accuracy_note("approximate", "zh") + " " + accuracy_note("approximate", "en"),
        "   每个要素的 accuracy 字段说明其精度 / each feature's `accuracy` field says which applies.",
        "",
        *_readme_layers(catalog, layer_ids),
        *_readme_status(),
        *_readme_sources(catalog),
    ]
    if notes:
        lines += ["", "格式说明 Format notes", *[f" - {n}" for n in notes]]
    return "\n".join(lines) + "\n"


def _readme_layers(catalog: Catalog, layer_ids: list[str]) -> list[str]:
    lines = ["图层 Layers"]
    for lid in layer_ids:
        layer, gdf = catalog.defs[lid], catalog.layers[lid]
        counts = gdf["accuracy"].value_counts().to_dict() if len(gdf) else {}
        acc = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        lines += [
            f" - {lid}: {layer.title_for('zh')} / {layer.title_for('en')} — {len(gdf)} 个要素 features ({acc})",
            f"   {layer.description_for('zh')} / {layer.description_for('en')}",
            f"   来源 Attribution: {layer.attribution}",
            "   字段 Fields: "
            + "; ".join(
                f"{f.name} ({f.label_for('zh')} / {f.label_for('en')})" for f in layer.all_fields
            ),
        ]
        if layer.has_status:
            lines.append("   登记表字段 Registry fields: " + ", ".join(JOIN_COLUMNS))
    return lines + [""]


def _readme_status() -> list[str]:
    lines = ["项目状态 Status vocabulary (field `status`, `target_status`)"]
    for s in STATUSES:
        lines.append(f" {s.order}. {s.code:<20} {s.zh}  {s.en:<20} {s.note_zh} / {s.note_en}")
    lines.append(
        " 目标（target_status, target_year）是规划目标，不代表已完成 / a target is not a completion."
    )
    return lines + [""]


def _readme_sources(catalog: Catalog) -> list[str]:
    lines = ["资料来源 Sources (the articles every status cites)"]
    for row in catalog.registry.sources.to_dict("records"):
        lines.append(f" - {row['date']}  {row['publication']}《{row['title']}》 ({row['file']})")
    return lines
