"""Downloads for GIS staff: one writer per format in :data:`EXPORTERS` (no Flask here).

Every download carries a README (sources, the accuracy warning, the status vocabulary, the
data version) and styles QGIS picks up: the GeoPackage holds each layer's QML and SLD in its
``layer_styles`` table, a zipped shapefile holds a ``.qml`` next to every ``.shp``, and
``project.qgz`` opens every layer of ``yongkang.gpkg`` (next to it) styled and grouped over an
OpenStreetMap basemap.

Coordinates are written in the order GIS software expects (x = longitude or easting, y =
latitude or northing); the ``.prj`` / GeoPackage CRS says which CRS they are in.

Examples
--------
>>> export(catalog, "parks", "gpkg", "EPSG:4549", Path("parks_4549.gpkg"))  # doctest: +SKIP
PosixPath('parks_4549.gpkg')
>>> sorted(EXPORTERS)
['csv', 'geojson', 'gpkg', 'kml', 'qgis', 'qgz', 'shp']
>>> parse_export_crs(EXPORTERS["geojson"], "EPSG:4549")
Traceback (most recent call last):
...
geoapp.errors.BadParameter: GeoJSON is WGS84 only (RFC 7946): EPSG:4549 is not offered; use EPSG:4326, or gpkg, shp or csv for EPSG:4490 / EPSG:4549
"""  # noqa: E501

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj
import shapely

from geoapp.catalog import JOIN_COLUMNS, Catalog
from geoapp.coords import parse_crs, to_crs
from geoapp.errors import BadParameter, GeoappError, NotFound
from geoapp.layers import LayerDef
from geoapp.status import CONTEXT_COLOR, STATUSES, accuracy_note

__all__ = [
    "EXPORTERS",
    "EXPORT_CRSS",
    "ExportError",
    "Exporter",
    "dbf_text",
    "download_name",
    "export",
    "export_bytes",
    "export_frame",
    "layer_qml",
    "layer_sld",
    "parse_export_crs",
    "readme_text",
    "shapefile_field_names",
]

#: The CRSs every multi-CRS format offers.
EXPORT_CRSS = ("EPSG:4326", "EPSG:4490", "EPSG:4549")
#: The file name of the GeoPackage that project.qgz opens (it sits next to the project).
PROJECT_GPKG = "yongkang.gpkg"
#: What "all" is called in file names.
ALL_NAME = "yongkang"
OSM_XYZ = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: Short (≤ 10 ASCII characters) shapefile names of our long field names.
SHAPEFILE_NAMES = {
    "location_confidence": "loc_conf",
    "geometry_source": "geom_src",
    "project_name": "proj_name",
    "project_name_en": "proj_nm_en",
    "status_date": "stat_date",
    "target_status": "tgt_status",
    "target_year": "tgt_year",
    "source_date": "src_date",
    "feature_kind": "feat_kind",
    "attribution": "attributn",
}
#: A DBF text field holds at most 254 bytes.
DBF_TEXT_BYTES = 254
PX_TO_MM = 0.26
FAMILIES = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}  # fmt: skip
_CRS_NOTES = {
    "EPSG:4326": (
        "WGS 84，经纬度（度）；文件中 x = 经度、y = 纬度",
        "WGS 84, degrees; stored x = longitude, y = latitude (GIS order)",
    ),
    "EPSG:4490": (
        "CGCS2000 国家大地坐标系，经纬度（度）；文件中 x = 经度、y = 纬度",
        "CGCS2000, degrees; stored x = longitude, y = latitude (GIS order)",
    ),
    "EPSG:4549": (
        "CGCS2000 / 3 度带高斯-克吕格投影，中央经线 120°E（米）；x = 东坐标（含 500 km 东偏，无带号）、y = 北坐标",
        "CGCS2000 / 3-degree Gauss-Kruger CM 120E, metres; x = easting (500 km false easting, "
        "no zone prefix), y = northing",
    ),
}


#: What a bad export request raises: a BadParameter naming the layer, format or crs (NotFound
#: for an unknown layer). Both are GeoappErrors.
ExportError = GeoappError


Writer = Callable[[Catalog, list[str], str, Path], None]


@dataclass(frozen=True)
class Exporter:
    """One download format: its name, file extension, media type and writer."""

    title: str
    extension: str
    media_type: str
    write: Writer
    crss: tuple[str, ...] = EXPORT_CRSS
    multi_layer: bool = True
    all_only: bool = False


# --------------------------------------------------------------------------- frames


def export_frame(catalog: Catalog, layer_id: str, crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """The joined layer, columns in definition order (registry columns for status layers), in crs.

    >>> export_frame(catalog, "parks", "EPSG:4549").crs.to_epsg()  # doctest: +SKIP
    4549
    """
    layer, gdf = catalog.defs[layer_id], catalog.layers[layer_id]
    columns = export_columns(layer)
    frame = pd.DataFrame(
        {
            c: pd.Series(_nullable(gdf[c]) if c in gdf.columns else [None] * len(gdf), dtype=object)
            for c in columns
        }
    )
    out = gpd.GeoDataFrame(frame, geometry=gdf.geometry.values, crs="EPSG:4326")
    return out if parse_crs(crs) == "EPSG:4326" else to_crs(out, "EPSG:4326", crs)


def export_columns(layer: LayerDef) -> list[str]:
    """The attribute columns a layer's export has."""
    return [f.name for f in layer.all_fields] + (JOIN_COLUMNS if layer.has_status else [])


def _missing(value) -> bool:
    """True for None, NaN and NA."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _nullable(series: pd.Series) -> list:
    """Values with every missing value (NaN, NA, None) as None."""
    return [None if _missing(v) else v for v in series]


def _families(layer: LayerDef) -> list[str]:
    """The geometry families (point, line, polygon) a layer may hold, in definition order."""
    return list(dict.fromkeys(FAMILIES[t] for t in layer.geometry_types))


def _geometry_type(frame: gpd.GeoDataFrame, layer: LayerDef) -> str:
    """The OGR geometry type to declare: the one type present, else Unknown (GEOMETRY)."""
    types = set(frame.geom_type.dropna()) if len(frame) else {layer.geometry_types[0]}
    return types.pop() if len(types) == 1 else "Unknown"


# --------------------------------------------------------------------------- README


def readme_text(catalog: Catalog, layer_ids: list[str], fmt: str, crs: str, notes=()) -> str:
    """The README every download carries: layers, CRS, data version, accuracy, status, sources.

    >>> print(readme_text(catalog, ["parks"], "gpkg", "EPSG:4326").splitlines()[0])  # doctest: +SKIP
    永康规划一张图 — 数据下载说明 / Yongkang planning map — download notes
    """
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


# --------------------------------------------------------------------------- styles (QML, SLD)


@dataclass(frozen=True)
class Category:
    """One class of a layer's style: the value it matches ('' = none), label, colour, width (px)."""

    value: str
    label: str
    color: str
    width: float


def symbology(layer: LayerDef) -> tuple[str | None, list[Category]]:
    """The field a layer is styled on (None: one symbol for all) and its categories.

    Status layers are categorised on ``status`` (features with no project get the context
    colour); layers whose style gives ``colors`` per value of a field on that field.
    """
    style = layer.style
    weight = float(style.get("weight", 1.0 if style["kind"] == "point" else 2.0))
    if layer.has_status:
        cats = [Category(s.code, f"{s.zh} {s.en}", s.color, weight) for s in STATUSES]
        none_color = style.get("context_color", CONTEXT_COLOR)
        none_width = float(style.get("context_weight", weight))
        return "status", cats + [Category("", "无项目 no project", none_color, none_width)]
    colors = style.get("colors") or {}
    field = next((f for f in layer.fields if f.values and set(colors) <= set(f.values)), None)
    if colors and field is not None:
        return field.name, [
            Category(v, f"{field.value_label(v, 'zh')} {field.value_label(v, 'en')}", c, weight)
            for v, c in colors.items()
        ]
    return None, [Category("", layer.title_for("zh"), style.get("color", CONTEXT_COLOR), weight)]


def _rgba(color: str, opacity: float = 1.0) -> str:
    """'#rrggbb' → QGIS 'r,g,b,a'."""
    h = color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(255 * opacity)}"


def _symbol_props(layer: LayerDef, family: str, cat: Category) -> tuple[str, str, dict[str, str]]:
    """(symbol type, symbol layer class, properties) of one category in one geometry family."""
    style = layer.style
    opacity = float(style.get("opacity", 1.0))
    dash = "dash" if style.get("dash") else "solid"
    width = f"{cat.width * PX_TO_MM:.2f}"
    if family == "polygon":
        fill = float(style.get("fill_opacity", 0.2))
        return "fill", "SimpleFill", {
            "color": _rgba(cat.color, fill), "style": "solid" if fill > 0 else "no",
            "outline_color": _rgba(cat.color, opacity), "outline_style": dash,
            "outline_width": width, "outline_width_unit": "MM", "joinstyle": "bevel",
        }  # fmt: skip
    if family == "line":
        return "line", "SimpleLine", {
            "line_color": _rgba(cat.color, opacity), "line_style": dash, "line_width": width,
            "line_width_unit": "MM", "capstyle": "round", "joinstyle": "round",
        }  # fmt: skip
    size = f"{2 * float(style.get('radius', 4)) * PX_TO_MM:.2f}"
    return "marker", "SimpleMarker", {
        "name": "circle", "color": _rgba(cat.color), "outline_color": "255,255,255,255",
        "outline_width": "0.3", "outline_width_unit": "MM", "size": size, "size_unit": "MM",
    }  # fmt: skip


def _symbol(parent: ET.Element, name: str, layer: LayerDef, family: str, cat: Category) -> None:
    kind, cls, props = _symbol_props(layer, family, cat)
    sym = ET.SubElement(
        parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    sl = ET.SubElement(sym, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    for k, v in props.items():
        ET.SubElement(sl, "prop", k=k, v=v)


def _quote_field(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _renderer(layer: LayerDef, families: list[str], fields: dict[str, str]) -> ET.Element:
    """A QGIS renderer-v2: categorised / single symbol for one family, rule-based for several."""
    attr, cats = symbology(layer)
    col = fields.get(attr, attr) if attr else None
    if len(families) > 1:
        return _rule_renderer(layer, families, col, cats)
    family = families[0]
    if col is None:
        r = ET.Element("renderer-v2", type="singleSymbol", symbollevels="0", forceraster="0")
        _symbol(ET.SubElement(r, "symbols"), "0", layer, family, cats[0])
        return r
    r = ET.Element(
        "renderer-v2", type="categorizedSymbol", attr=col, symbollevels="0", forceraster="0"
    )
    cat_el, sym_el = ET.SubElement(r, "categories"), ET.SubElement(r, "symbols")
    for i, cat in enumerate(cats):
        ET.SubElement(
            cat_el, "category", symbol=str(i), value=cat.value, label=cat.label, render="true"
        )
        _symbol(sym_el, str(i), layer, family, cat)
    _symbol(ET.SubElement(r, "source-symbol"), "0", layer, family, cats[-1])
    return r


_QGIS_GEOMETRY = {"point": "Point", "line": "Line", "polygon": "Polygon"}


def _rule_renderer(layer, families, col, cats) -> ET.Element:
    """Rule-based renderer for a layer mixing geometry families (e.g. zones: areas and an axis)."""
    r = ET.Element("renderer-v2", type="RuleRenderer", symbollevels="0", forceraster="0")
    root = ET.SubElement(r, "rules", key="root")
    symbols = ET.SubElement(r, "symbols")
    n = 0
    for family in families:
        geom = f"geometry_type($geometry) = '{_QGIS_GEOMETRY[family]}'"
        group = ET.SubElement(root, "rule", key=f"{family}", filter=geom, label=family)
        for cat in cats:
            if col is None:
                flt = "TRUE"
            elif cat.value:
                flt = f"{_quote_field(col)} = '{cat.value}'"
            else:
                flt = f"{_quote_field(col)} IS NULL OR {_quote_field(col)} = ''"
            ET.SubElement(
                group, "rule", key=f"{family}-{n}", filter=flt, symbol=str(n), label=cat.label
            )
            _symbol(symbols, str(n), layer, family, cat)
            n += 1
    return r


def _layer_extras(layer: LayerDef, fields: dict[str, str]) -> list[ET.Element]:
    """Field aliases (Chinese labels) and the display expression (the name)."""
    aliases = ET.Element("aliases")
    for i, f in enumerate(layer.all_fields):
        if f.name in fields:
            ET.SubElement(
                aliases, "alias", field=fields[f.name], index=str(i), name=f.label_for("zh")
            )
    preview = ET.Element("previewExpression")
    preview.text = _quote_field(fields.get("name", "name"))
    return [aliases, preview]


def layer_qml(layer: LayerDef, families: list[str] | None = None, fields=None) -> str:
    """The layer's QGIS style (QML): status colours categorised on ``status``, else its colour.

    ``families`` restricts it to some geometry families (one shapefile per family); ``fields``
    maps field names to the names in the file (shapefiles shorten them).

    >>> "categorizedSymbol" in layer_qml(defs["parks"])  # doctest: +SKIP
    True
    """
    families = families or _families(layer)
    fields = fields or {c: c for c in export_columns(layer)}
    root = ET.Element("qgis", version="3.22.0", styleCategories="Symbology|Fields|MapTips")
    root.append(_renderer(layer, families, fields))
    root.extend(_layer_extras(layer, fields))
    if len(families) == 1:  # QGIS refuses a style of another geometry type; mixed: unknown
        gt = ET.SubElement(root, "layerGeometryType")
        gt.text = str(["point", "line", "polygon"].index(families[0]))
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


_SLD_NS = {
    "xmlns": "http://www.opengis.net/sld",
    "xmlns:ogc": "http://www.opengis.net/ogc",
    "xmlns:se": "http://www.opengis.net/se",
    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "version": "1.1.0",
    "xsi:schemaLocation": "http://www.opengis.net/sld "
    "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
}


def layer_sld(layer: LayerDef, families: list[str] | None = None, fields=None) -> str:
    """The same style as SLD 1.1 (for GeoServer, and QGIS 'Load style' from SLD)."""
    families = families or _families(layer)
    fields = fields or {c: c for c in export_columns(layer)}
    attr, cats = symbology(layer)
    col = fields.get(attr, attr) if attr else None
    root = ET.Element("StyledLayerDescriptor", _SLD_NS)
    named = ET.SubElement(root, "NamedLayer")
    ET.SubElement(named, "se:Name").text = layer.id
    user = ET.SubElement(named, "UserStyle")
    ET.SubElement(user, "se:Name").text = layer.id
    fts = ET.SubElement(user, "se:FeatureTypeStyle")
    for cat in cats:
        rule = ET.SubElement(fts, "se:Rule")
        ET.SubElement(rule, "se:Name").text = cat.label
        ET.SubElement(ET.SubElement(rule, "se:Description"), "se:Title").text = cat.label
        if col and cat.value:
            eq = ET.SubElement(ET.SubElement(rule, "ogc:Filter"), "ogc:PropertyIsEqualTo")
            ET.SubElement(eq, "ogc:PropertyName").text = col
            ET.SubElement(eq, "ogc:Literal").text = cat.value
        elif col:
            ET.SubElement(rule, "se:ElseFilter")
        for family in families:
            _sld_symbolizer(rule, layer, family, cat)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _svg(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, "se:SvgParameter", name=name).text = value


def _sld_symbolizer(rule: ET.Element, layer: LayerDef, family: str, cat: Category) -> None:
    style = layer.style
    width = f"{cat.width:g}"
    if family == "point":
        graphic = ET.SubElement(ET.SubElement(rule, "se:PointSymbolizer"), "se:Graphic")
        mark = ET.SubElement(graphic, "se:Mark")
        ET.SubElement(mark, "se:WellKnownName").text = "circle"
        _svg(ET.SubElement(mark, "se:Fill"), "fill", cat.color)
        _svg(ET.SubElement(mark, "se:Stroke"), "stroke", "#ffffff")
        ET.SubElement(graphic, "se:Size").text = f"{2 * float(style.get('radius', 4)):g}"
        return
    tag = "se:PolygonSymbolizer" if family == "polygon" else "se:LineSymbolizer"
    sym = ET.SubElement(rule, tag)
    if family == "polygon":
        fill = ET.SubElement(sym, "se:Fill")
        _svg(fill, "fill", cat.color)
        _svg(fill, "fill-opacity", f"{float(style.get('fill_opacity', 0.2)):g}")
    stroke = ET.SubElement(sym, "se:Stroke")
    _svg(stroke, "stroke", cat.color)
    _svg(stroke, "stroke-opacity", f"{float(style.get('opacity', 1.0)):g}")
    _svg(stroke, "stroke-width", width)
    if style.get("dash"):
        _svg(stroke, "stroke-dasharray", str(style["dash"]))


# --------------------------------------------------------------------------- GeoPackage


def _write_gpkg(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """Every layer with status joined, its QML + SLD as default style, and a readme table."""
    styles = []
    for lid in layer_ids:
        layer = catalog.defs[lid]
        frame = export_frame(catalog, lid, crs)
        pyogrio.write_dataframe(
            frame, path, layer=lid, driver="GPKG", geometry_type=_geometry_type(frame, layer),
            promote_to_multi=False,
            layer_options={
                "GEOMETRY_NAME": "geom", "FID": "fid",
                "IDENTIFIER": f"{layer.title_for('zh')} {layer.title_for('en')}",
                "DESCRIPTION": f"{layer.description_for('zh')} — {accuracy_note('schematic')}",
            },
        )  # fmt: skip
        styles.append(_style_row(layer))
    pyogrio.write_dataframe(
        pd.DataFrame(styles), path, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"}
    )
    readme = readme_text(catalog, layer_ids, "gpkg", crs, _GPKG_NOTES).splitlines()
    pyogrio.write_dataframe(pd.DataFrame({"line": readme}), path, layer="readme", driver="GPKG")


_GPKG_NOTES = (
    "每个图层的默认样式保存在 layer_styles 表中，QGIS 打开即带样式 / each layer's default style is in "
    "the layer_styles table: QGIS opens it styled.",
    "本说明也在 readme 表中 / this README is also the `readme` table.",
)


def _style_row(layer: LayerDef) -> dict:
    """One row of the QGIS ``layer_styles`` table (the layer's default style)."""
    return {
        "f_table_catalog": "",
        "f_table_schema": "",
        "f_table_name": layer.id,
        "f_geometry_column": "geom",
        "styleName": layer.id,
        "styleQML": layer_qml(layer),
        "styleSLD": layer_sld(layer),
        "useAsDefault": True,
        "description": f"{layer.title_for('zh')} / {layer.title_for('en')}",
        "owner": "geoapp",
        "ui": None,
        "update_time": pd.Timestamp("2000-01-01T00:00:00"),
    }


# --------------------------------------------------------------------------- Shapefile (zip)


def shapefile_field_names(columns: Iterable[str]) -> dict[str, str]:
    """Field name → unique ASCII shapefile name of at most 10 characters.

    >>> shapefile_field_names(["id", "location_confidence", "target_status"])
    {'id': 'id', 'location_confidence': 'loc_conf', 'target_status': 'tgt_status'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        base = SHAPEFILE_NAMES.get(col, col).replace("-", "_")[:10]
        short, n = base, 1
        while short.lower() in used:
            n += 1
            short = f"{base[: 10 - len(str(n))]}{n}"
        used.add(short.lower())
        out[col] = short
    return out


def dbf_text(value):
    """Text cut to the 254 bytes a DBF field holds (on a character boundary, ending in '…').

    >>> dbf_text("永" * 100)[-3:], len(dbf_text("永" * 100).encode())
    ('永永…', 252)
    """
    if not isinstance(value, str) or len(value.encode("utf-8")) <= DBF_TEXT_BYTES:
        return value
    cut = value.encode("utf-8")[: DBF_TEXT_BYTES - 3].decode("utf-8", errors="ignore")
    return cut + "…"


def _shapefile_frames(catalog: Catalog, lid: str, crs: str):
    """(file stem, family, frame with short names) for each geometry family of a layer."""
    layer = catalog.defs[lid]
    frame = export_frame(catalog, lid, crs)
    names = shapefile_field_names(export_columns(layer))
    frame = frame.rename(columns=names)
    for col in names.values():
        frame[col] = [dbf_text(v) for v in frame[col]]
    families = _families(layer)
    fam = frame.geom_type.map(FAMILIES)
    for family in families:
        stem = lid if len(families) == 1 else f"{lid}_{family}"
        yield stem, family, frame[fam.eq(family).to_numpy()], names


def _write_shp(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """A zip: one shapefile (.shp .shx .dbf .prj .cpg + .qml + .sld) per layer and geometry type."""
    with tempfile.TemporaryDirectory() as tmp, _zip(path) as zf:
        mapping = ["layer,file,shapefile_field,field,label_zh,label_en"]
        for lid in layer_ids:
            layer = catalog.defs[lid]
            for stem, family, frame, names in _shapefile_frames(catalog, lid, crs):
                shp = Path(tmp) / f"{stem}.shp"
                types = set(frame.geom_type)
                gtype = _family_type(family, types)
                pyogrio.write_dataframe(
                    frame, shp, driver="ESRI Shapefile", encoding="UTF-8", geometry_type=gtype
                )
                (Path(tmp) / f"{stem}.qml").write_text(layer_qml(layer, [family], names), "utf-8")
                (Path(tmp) / f"{stem}.sld").write_text(layer_sld(layer, [family], names), "utf-8")
                for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml", ".sld"):
                    zf.write(Path(tmp) / f"{stem}{ext}", f"{stem}{ext}")
                mapping += [_mapping_row(layer, f"{stem}.shp", names, c) for c in names]
        zf.writestr("fields.csv", "\n".join(mapping) + "\n")
        zf.writestr("README.txt", readme_text(catalog, layer_ids, "shp", crs, _SHP_NOTES))


def _family_type(family: str, types: set[str]) -> str:
    """The shapefile geometry type of a family (multi if any feature is multi)."""
    single = {"point": "Point", "line": "LineString", "polygon": "Polygon"}[family]
    return f"Multi{single}" if f"Multi{single}" in types else single


def _mapping_row(layer: LayerDef, file: str, names: dict[str, str], col: str) -> str:
    f = layer.field(col)
    zh, en = (f.label_for("zh"), f.label_for("en")) if f else ("登记表", "registry")
    return ",".join([layer.id, file, names[col], col, zh, en])


_SHP_NOTES = (
    "每种几何类型一个 shapefile（如 zones_polygon.shp、zones_line.shp）/ one shapefile per "
    "geometry type.",
    "字段名不超过 10 个字符，对照见 fields.csv / field names are at most 10 characters: "
    "fields.csv maps them to the full names.",
    "DBF 文本最长 254 字节，更长的文字截断并以 … 结尾；全文见 GeoPackage / text longer than "
    "254 bytes is cut and ends in '…'; the GeoPackage has it in full.",
    "编码 UTF-8（.cpg）；样式：同名 .qml（QGIS 自动加载）与 .sld / encoding UTF-8 (.cpg); "
    "styles: the .qml of the same name (QGIS loads it) and .sld.",
)


# --------------------------------------------------------------------------- GeoJSON, CSV


def _write_geojson(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """RFC 7946 GeoJSON (WGS84 lon/lat, right-hand rings); the README as its ``description``."""
    (lid,) = layer_ids
    frame = export_frame(catalog, lid, crs)
    readme = readme_text(catalog, layer_ids, "geojson", crs)
    pyogrio.write_dataframe(
        frame, path, layer=lid, driver="GeoJSON", geometry_type=_geometry_type(frame, catalog.defs[lid]),
        promote_to_multi=False,
        layer_options={"RFC7946": "YES", "ID_FIELD": "id", "DESCRIPTION": readme,
                       "COORDINATE_PRECISION": "8", "WRITE_NAME": "YES"},
    )  # fmt: skip


def _write_csv(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """A zip: one CSV per layer (UTF-8 with BOM for Excel, geometry as WKT) with .csvt and .prj."""
    with tempfile.TemporaryDirectory() as tmp, _zip(path) as zf:
        for lid in layer_ids:
            csv = Path(tmp) / f"{lid}.csv"
            pyogrio.write_dataframe(
                export_frame(catalog, lid, crs), csv, driver="CSV",
                layer_options={"GEOMETRY": "AS_WKT", "CREATE_CSVT": "YES", "WRITE_BOM": "YES"},
            )  # fmt: skip
            for ext in (".csv", ".csvt", ".prj"):
                zf.write(csv.with_suffix(ext), f"{lid}{ext}")
        zf.writestr("README.txt", readme_text(catalog, layer_ids, "csv", crs, _CSV_NOTES))


_CSV_NOTES = (
    "几何在 WKT 列（x = 经度/东坐标，y = 纬度/北坐标）；坐标系见同名 .prj，字段类型见 .csvt / "
    "geometry is the WKT column (x = lon/easting, y = lat/northing); the .prj names the CRS, "
    "the .csvt the field types.",
    "UTF-8 带 BOM，Excel 可直接打开中文 / UTF-8 with a BOM so Excel shows the Chinese text.",
)


# --------------------------------------------------------------------------- KML


def _kml_color(color: str, opacity: float) -> str:
    """'#rrggbb' → KML 'aabbggrr'."""
    h = color.lstrip("#")
    return f"{round(255 * opacity):02x}{h[4:6]}{h[2:4]}{h[0:2]}"


def _kml_coords(coords) -> str:
    return " ".join(f"{x:.8f},{y:.8f}" for x, y, *_ in coords)


def _kml_geometry(parent: ET.Element, geom) -> None:
    kind = geom.geom_type
    if kind.startswith("Multi") or kind == "GeometryCollection":
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in geom.geoms:
            _kml_geometry(multi, part)
    elif kind == "Point":
        ET.SubElement(ET.SubElement(parent, "Point"), "coordinates").text = _kml_coords(geom.coords)
    elif kind == "LineString":
        line = ET.SubElement(parent, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = _kml_coords(geom.coords)
    else:
        poly = ET.SubElement(parent, "Polygon")
        for tag, ring in [("outerBoundaryIs", geom.exterior)] + [
            ("innerBoundaryIs", r) for r in geom.interiors
        ]:
            lr = ET.SubElement(ET.SubElement(poly, tag), "LinearRing")
            ET.SubElement(lr, "coordinates").text = _kml_coords(ring.coords)


def _kml_styles(doc: ET.Element, layer: LayerDef) -> dict[str, str]:
    """Add one Style per category; return category value → style URL."""
    _, cats = symbology(layer)
    opacity = float(layer.style.get("opacity", 1.0))
    fill = float(layer.style.get("fill_opacity", 0.2))
    urls = {}
    for i, cat in enumerate(cats):
        sid = f"{layer.id}-{i}"
        st = ET.SubElement(doc, "Style", id=sid)
        ET.SubElement(ET.SubElement(st, "IconStyle"), "color").text = _kml_color(cat.color, 1)
        ls = ET.SubElement(st, "LineStyle")
        ET.SubElement(ls, "color").text = _kml_color(cat.color, opacity)
        ET.SubElement(ls, "width").text = f"{cat.width:g}"
        ET.SubElement(ET.SubElement(st, "PolyStyle"), "color").text = _kml_color(cat.color, fill)
        urls[cat.value] = f"#{sid}"
    return urls


_KML_TYPES = {"str": "string", "int": "int", "float": "double", "bool": "bool"}


def _write_kml(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """KML 2.2: a Folder per layer, Chinese names as Placemark names, styles per status."""
    kml = ET.Element("kml", xmlns="http://www.opengis.net/kml/2.2")
    doc = ET.SubElement(kml, "Document", id=ALL_NAME)
    ET.SubElement(doc, "name").text = "永康规划一张图 Yongkang planning map"
    ET.SubElement(doc, "description").text = readme_text(catalog, layer_ids, "kml", crs)
    for lid in layer_ids:
        layer = catalog.defs[lid]
        schema = ET.SubElement(doc, "Schema", name=lid, id=f"schema-{lid}")
        for col in export_columns(layer)[2:]:  # id and name are the Placemark's own
            f = layer.field(col)
            sf = ET.SubElement(
                schema, "SimpleField", name=col, type=_KML_TYPES[f.type if f else "str"]
            )
            ET.SubElement(sf, "displayName").text = f.label_for("zh") if f else col
    for lid in layer_ids:
        _kml_folder(doc, catalog, lid)
    ET.indent(kml, space=" ")
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, "utf-8"))


def _kml_folder(doc: ET.Element, catalog: Catalog, lid: str) -> None:
    layer = catalog.defs[lid]
    attr, _ = symbology(layer)
    styles = _kml_styles(doc, layer)
    folder = ET.SubElement(doc, "Folder", id=lid)
    ET.SubElement(folder, "name").text = f"{layer.title_for('zh')} {layer.title_for('en')}"
    ET.SubElement(folder, "description").text = layer.description_for("zh")
    frame = export_frame(catalog, lid)
    columns = export_columns(layer)
    for row, geom in zip(frame[columns].to_dict("records"), frame.geometry, strict=True):
        pm = ET.SubElement(folder, "Placemark", id=row["id"])
        ET.SubElement(pm, "name").text = row["name"]
        ET.SubElement(pm, "description").text = accuracy_note(row["accuracy"] or "", "zh")
        key = "" if attr is None or _missing(row[attr]) else row[attr]
        ET.SubElement(pm, "styleUrl").text = styles.get(key, styles.get("", ""))
        data = ET.SubElement(
            ET.SubElement(pm, "ExtendedData"), "SchemaData", schemaUrl=f"#schema-{lid}"
        )
        for col in columns[2:]:
            if not _missing(row[col]):
                ET.SubElement(data, "SimpleData", name=col).text = str(row[col])
        if geom is not None and not geom.is_empty:
            _kml_geometry(pm, geom)


# --------------------------------------------------------------------------- QGIS project


def _srs(parent: ET.Element, crs: str) -> None:
    """A QGIS <spatialrefsys> for crs (QGIS finds it by authid; WKT as a fallback)."""
    c = pyproj.CRS.from_user_input(crs)
    srs = ET.SubElement(parent, "spatialrefsys", nativeFormat="Wkt")
    ET.SubElement(srs, "wkt").text = c.to_wkt("WKT2_2019")
    ET.SubElement(srs, "srid").text = crs.split(":")[1]
    ET.SubElement(srs, "authid").text = crs
    ET.SubElement(srs, "description").text = c.name
    ET.SubElement(srs, "geographicflag").text = "true" if c.is_geographic else "false"


def _project_layers(catalog: Catalog) -> list[tuple[str, str, str, str]]:
    """(QGIS layer id, layer id, family, name) per layer and family, top of the map first."""
    out = []
    for layer in sorted(catalog.defs.values(), key=lambda d: -d.order):
        families = _families(layer)
        for family in families:
            name = f"{layer.title_for('zh')} {layer.title_for('en')}"
            if len(families) > 1:
                name += f" ({family})"
            out.append((f"yk_{layer.id}_{family}", layer.id, family, name))  # QGIS wants > 10 chars
    return out


_OGR_FILTER = {"point": "Point", "line": "LineString", "polygon": "Polygon"}


def _maplayer(catalog: Catalog, qid: str, lid: str, family: str, name: str, crs: str):
    layer = catalog.defs[lid]
    source = f"./{PROJECT_GPKG}|layername={lid}"
    if len(_families(layer)) > 1:
        source += f"|geometrytype={_OGR_FILTER[family]}"
    geometry = {"point": "Point", "line": "Line", "polygon": "Polygon"}[family]
    ml = ET.Element("maplayer", type="vector", geometry=geometry, autoRefreshEnabled="0")
    ET.SubElement(ml, "id").text = qid
    ET.SubElement(ml, "datasource").text = source
    ET.SubElement(ml, "layername").text = name
    ET.SubElement(
        ml, "abstract"
    ).text = f"{layer.description_for('zh')}\n{accuracy_note('schematic')}"
    _srs(ET.SubElement(ml, "srs"), crs)
    ET.SubElement(ml, "provider", encoding="UTF-8").text = "ogr"
    fields = {c: c for c in export_columns(layer)}
    ml.append(_renderer(layer, [family], fields))
    ml.extend(_layer_extras(layer, fields))
    return ml, source


def _basemap_layer() -> ET.Element:
    url = OSM_XYZ.replace("{", "%7B").replace("}", "%7D")
    ml = ET.Element("maplayer", type="raster", autoRefreshEnabled="0")
    ET.SubElement(ml, "id").text = "yk_osm_basemap"
    ET.SubElement(ml, "datasource").text = f"crs=EPSG:3857&format&type=xyz&url={url}&zmax=19&zmin=0"
    ET.SubElement(ml, "layername").text = "OpenStreetMap"
    ET.SubElement(ml, "attribution").text = "© OpenStreetMap contributors"
    _srs(ET.SubElement(ml, "srs"), "EPSG:3857")
    ET.SubElement(ml, "provider").text = "wms"
    return ml


def _tree_layer(group: ET.Element, qid: str, name: str, source: str, provider: str) -> None:
    node = ET.SubElement(
        group, "layer-tree-layer", id=qid, name=name, source=source, providerKey=provider,
        checked="Qt::Checked", expanded="1",
    )  # fmt: skip
    ET.SubElement(node, "customproperties")


def project_qgs(catalog: Catalog, crs: str = "EPSG:4326") -> str:
    """The QGIS project (.qgs XML): every layer of yongkang.gpkg, styled, grouped, over OSM."""
    root = ET.Element("qgis", projectname="永康规划一张图 Yongkang planning map", version="3.22.0")
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = "永康规划一张图 Yongkang planning map"
    _srs(ET.SubElement(root, "projectCrs"), crs)
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    groups = {
        True: ET.SubElement(tree, "layer-tree-group", name="规划项目 Plan projects", checked="Qt::Checked", expanded="1"),
        False: ET.SubElement(tree, "layer-tree-group", name="空间格局与背景 Layout and context", checked="Qt::Checked", expanded="1"),
    }  # fmt: skip
    base = ET.SubElement(
        tree, "layer-tree-group", name="底图 Basemap", checked="Qt::Checked", expanded="1"
    )
    layers = ET.SubElement(root, "projectlayers")
    for qid, lid, family, name in _project_layers(catalog):
        ml, source = _maplayer(catalog, qid, lid, family, name, crs)
        layers.append(ml)
        _tree_layer(groups[catalog.defs[lid].has_status], qid, name, source, "ogr")
    layers.append(_basemap_layer())
    _tree_layer(base, "yk_osm_basemap", "OpenStreetMap", "", "wms")
    root.append(_canvas(catalog, crs))
    _project_properties(root, catalog, crs)
    ET.indent(root, space=" ")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


def _canvas(catalog: Catalog, crs: str) -> ET.Element:
    """The map canvas: the extent of every layer, in the project CRS."""
    bounds = [g.total_bounds for g in catalog.layers.values() if len(g)]
    box = shapely.box(
        *(min(b[i] for b in bounds) for i in (0, 1)), *(max(b[i] for b in bounds) for i in (2, 3))
    )
    if crs != "EPSG:4326":
        box = gpd.GeoSeries([box], crs="EPSG:4326").to_crs(crs).iloc[0]
    canvas = ET.Element("mapcanvas", name="theMapCanvas", annotationsVisible="1")
    ET.SubElement(canvas, "units").text = "degrees" if pyproj.CRS(crs).is_geographic else "meters"
    extent = ET.SubElement(canvas, "extent")
    for tag, v in zip(("xmin", "ymin", "xmax", "ymax"), box.bounds, strict=True):
        ET.SubElement(extent, tag).text = repr(float(v))
    ET.SubElement(canvas, "rotation").text = "0"
    _srs(ET.SubElement(canvas, "destinationsrs"), crs)
    return canvas


def _project_properties(root: ET.Element, catalog: Catalog, crs: str) -> None:
    """Relative paths (the GeoPackage sits next to the project) and the README as metadata."""
    meta = ET.SubElement(root, "projectMetadata")
    ET.SubElement(meta, "language").text = "zh"
    ET.SubElement(meta, "title").text = "永康规划一张图 Yongkang planning map"
    ET.SubElement(meta, "abstract").text = readme_text(catalog, list(catalog.defs), "qgz", crs)
    props = ET.SubElement(root, "properties")
    paths = ET.SubElement(props, "Paths")
    ET.SubElement(paths, "Absolute", type="bool").text = "false"
    srs = ET.SubElement(props, "SpatialRefSys")  # QGIS reads projectCrs only when this is 1
    ET.SubElement(srs, "ProjectionsEnabled", type="int").text = "1"


def _write_qgz(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """project.qgz: opens every layer of yongkang.gpkg, which must sit next to it."""
    with _zip(path) as zf:
        zf.writestr("project.qgs", project_qgs(catalog, crs))


def _write_qgis_bundle(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """A zip to unpack and double-click: project.qgz, yongkang.gpkg and README.txt."""
    with tempfile.TemporaryDirectory() as tmp, _zip(path) as zf:
        gpkg, qgz = Path(tmp) / PROJECT_GPKG, Path(tmp) / "project.qgz"
        _write_gpkg(catalog, layer_ids, crs, gpkg)
        _write_qgz(catalog, layer_ids, crs, qgz)
        zf.write(qgz, f"{ALL_NAME}/project.qgz")
        zf.write(gpkg, f"{ALL_NAME}/{PROJECT_GPKG}")
        notes = ("解压后双击 project.qgz / unzip, then open project.qgz in QGIS.",) + _GPKG_NOTES
        zf.writestr(f"{ALL_NAME}/README.txt", readme_text(catalog, layer_ids, "qgis", crs, notes))


def _zip(path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)


# --------------------------------------------------------------------------- registry, entry points

EXPORTERS: dict[str, Exporter] = {
    "gpkg": Exporter("GeoPackage", ".gpkg", "application/geopackage+sqlite3", _write_gpkg),
    "shp": Exporter("Shapefile (zip)", ".shp.zip", "application/zip", _write_shp),
    "geojson": Exporter(
        "GeoJSON", ".geojson", "application/geo+json", _write_geojson, ("EPSG:4326",), False
    ),
    "kml": Exporter(
        "KML", ".kml", "application/vnd.google-earth.kml+xml", _write_kml, ("EPSG:4326",)
    ),
    "csv": Exporter("CSV with WKT (zip)", ".csv.zip", "application/zip", _write_csv),
    "qgz": Exporter("QGIS project", ".qgz", "application/zip", _write_qgz, all_only=True),
    "qgis": Exporter(
        "QGIS project + GeoPackage (zip)",
        ".zip",
        "application/zip",
        _write_qgis_bundle,
        all_only=True,
    ),  # fmt: skip
}


def get_exporter(fmt: str) -> Exporter:
    """The exporter for a format name (or an extension such as 'shp.zip'); ExportError if none."""
    key = fmt.lower().removeprefix(".")
    for name, exp in EXPORTERS.items():
        if key in (name, exp.extension.removeprefix(".")):
            return exp
    raise BadParameter(f"unknown format {fmt!r}: expected one of {', '.join(EXPORTERS)}", "format")


def parse_export_crs(exporter: Exporter, crs: str | None) -> str:
    """The normalised CRS if the format offers it; ExportError naming the choices otherwise."""
    try:
        name = parse_crs(crs or "EPSG:4326")
    except ValueError as exc:
        raise BadParameter(str(exc), "crs") from None
    if name == "OGC:CRS84":
        name = "EPSG:4326"
    if name not in exporter.crss:
        if exporter.crss == ("EPSG:4326",):
            raise BadParameter(
                f"{exporter.title} is WGS84 only{' (RFC 7946)' if 'GeoJSON' in exporter.title else ''}: "
                f"{name} is not offered; use EPSG:4326, or gpkg, shp or csv for EPSG:4490 / EPSG:4549",
                "crs",
            )
        raise BadParameter(f"CRS {name} is not offered: choose {', '.join(exporter.crss)}", "crs")
    return name


def resolve_layers(catalog: Catalog, target: str, exporter: Exporter) -> list[str]:
    """The layer ids 'all' or one layer id stands for; ExportError if unknown or not allowed."""
    if target == "all":
        if not exporter.multi_layer:
            raise BadParameter(
                f"{exporter.title} holds one layer: export layers one by one, or use gpkg", "layer"
            )
        return list(catalog.defs)
    if target not in catalog.defs:
        raise NotFound(
            f"unknown layer {target!r}: expected 'all' or one of {', '.join(catalog.defs)}",
            "layer",
        )
    if exporter.all_only:
        raise BadParameter(f"{exporter.title} covers every layer: ask for 'all'", "layer")
    return [target]


def download_name(target: str, fmt: str, crs: str = "EPSG:4326") -> str:
    """The file name of a download, e.g. ``parks_4549.shp.zip``, ``yongkang.gpkg``, ``project.qgz``."""
    exporter = get_exporter(fmt)
    if exporter.write is _write_qgz:
        return "project.qgz"
    base = ALL_NAME if target == "all" else target
    suffix = "" if parse_crs(crs) == "EPSG:4326" else "_" + parse_crs(crs).split(":")[1]
    if exporter.write is _write_qgis_bundle:
        return f"{base}_qgis{suffix}.zip"
    return f"{base}{suffix}{exporter.extension}"


def export(catalog: Catalog, target: str, fmt: str, crs: str | None, out: Path) -> Path:
    """Write layer ``target`` (or 'all') as ``fmt`` in ``crs`` to ``out``, atomically.

    Raises :class:`ExportError` for an unknown layer, format or CRS (nothing is written).
    """
    exporter = get_exporter(fmt)
    name = parse_export_crs(exporter, crs)
    layer_ids = resolve_layers(catalog, target, exporter)
    out = Path(out)
    if not out.parent.is_dir():
        raise BadParameter(f"{out}: directory {out.parent} does not exist", "output")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:  # GDAL drivers want their own extension: write inside a temporary directory
        written = tmp / f"export{exporter.extension}"
        exporter.write(catalog, layer_ids, name, written)
        os.replace(written, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def export_bytes(
    catalog: Catalog, target: str, fmt: str, crs: str | None
) -> tuple[bytes, str, str]:
    """(content, file name, media type) of a download, built in a temporary directory."""
    exporter = get_exporter(fmt)
    name = parse_export_crs(exporter, crs)
    filename = download_name(target, fmt, name)
    with tempfile.TemporaryDirectory() as tmp:
        path = export(catalog, target, fmt, name, Path(tmp) / filename)
        return path.read_bytes(), filename, exporter.media_type
