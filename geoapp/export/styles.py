"""QGIS styles (QML) and SLD of a layer, from its one style rule (:func:`symbology`)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from geoapp.export.frames import (
    PX_TO_MM,
    _families,
    export_columns,
)
from geoapp.layers import LayerDef
from geoapp.query.style import Category, symbology


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


#: The accuracy that means "not verified": such shapes are drawn dashed, as on the web map.
UNVERIFIED = "schematic"


def dash_expression(layer: LayerDef) -> str:
    """The QGIS expression giving a shape's stroke style: dashed while it is unverified."""
    base = "dash" if layer.style.get("dash") else "solid"
    return f"CASE WHEN \"accuracy\" = '{UNVERIFIED}' THEN 'dash' ELSE '{base}' END"


def _data_defined(parent: ET.Element, properties: dict[str, str]) -> None:
    """QGIS data-defined properties (name → expression) of a symbol layer."""
    ddp = ET.SubElement(ET.SubElement(parent, "data_defined_properties"), "Option", type="Map")
    ET.SubElement(ddp, "Option", name="name", value="", type="QString")
    props = ET.SubElement(ddp, "Option", name="properties", type="Map")
    for key, expression in properties.items():
        p = ET.SubElement(props, "Option", name=key, type="Map")
        ET.SubElement(p, "Option", name="active", value="true", type="bool")
        ET.SubElement(p, "Option", name="expression", value=expression, type="QString")
        ET.SubElement(p, "Option", name="type", value="3", type="int")  # an expression
    ET.SubElement(ddp, "Option", name="type", value="collection", type="QString")


def _symbol(parent: ET.Element, name: str, layer: LayerDef, family: str, cat: Category) -> None:
    kind, cls, props = _symbol_props(layer, family, cat)
    sym = ET.SubElement(
        parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    sl = ET.SubElement(sym, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    for k, v in props.items():
        ET.SubElement(sl, "prop", k=k, v=v)
    if family != "point":  # unverified shapes dashed (QGIS: the stroke style property)
        _data_defined(sl, {"outlineStyle": dash_expression(layer)})


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


#: QGIS label placement per geometry family: around the point, curved along the line, over
#: the polygon's centroid.
_PLACEMENT = {"point": "6", "line": "3", "polygon": "1"}


def _labeling(layer: LayerDef, fields: dict[str, str], family: str) -> ET.Element:
    """QGIS labels: the feature's Chinese name, dark text with a white halo, as on the web map."""
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    text = ET.SubElement(
        settings, "text-style", fieldName=fields.get("name", "name"), isExpression="0",
        fontFamily="Noto Sans CJK SC", fontSize="9", fontSizeUnit="Point",
        textColor="33,37,41,255", textOpacity="1", namedStyle="Regular",
    )  # fmt: skip
    ET.SubElement(text, "text-buffer", bufferDraw="1", bufferSize="1", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="0.9")  # fmt: skip
    ET.SubElement(settings, "text-format", wrapChar="", multilineAlign="1")
    ET.SubElement(settings, "placement", placement=_PLACEMENT[family], dist="1",
                  placementFlags="10", repeatDistance="0", overrunDistance="0")  # fmt: skip
    ET.SubElement(settings, "rendering", obstacle="1", displayAll="0", labelPerPart="0",
                  mergeLines="1", minFeatureSize="0", scaleVisibility="0", drawLabels="1")  # fmt: skip
    return labeling


def _layer_extras(
    layer: LayerDef, fields: dict[str, str], family: str | None = None
) -> list[ET.Element]:
    """Field aliases (Chinese labels), the display expression (the name) and name labels."""
    aliases = ET.Element("aliases")
    for i, f in enumerate(layer.all_fields):
        if f.name in fields:
            ET.SubElement(
                aliases, "alias", field=fields[f.name], index=str(i), name=f.label_for("zh")
            )
    preview = ET.Element("previewExpression")
    preview.text = _quote_field(fields.get("name", "name"))
    return [aliases, preview, _labeling(layer, fields, family or _families(layer)[0])]


def layer_qml(layer: LayerDef, families: list[str] | None = None, fields=None) -> str:
    """The layer's QGIS style (QML): status colours categorised on ``status``, else its colour.

    ``families`` restricts it to some geometry families (one shapefile per family); ``fields``
    maps field names to the names in the file (shapefiles shorten them).

    >>> "categorizedSymbol" in layer_qml(defs["parks"])  # doctest: +SKIP
    True
    """
    families = families or _families(layer)
    fields = fields or {c: c for c in export_columns(layer)}
    root = ET.Element(
        "qgis", version="3.22.0", styleCategories="Symbology|Labeling|Fields|MapTips",
        labelsEnabled="1",
    )  # fmt: skip
    root.append(_renderer(layer, families, fields))
    root.extend(_layer_extras(layer, fields, families[0]))
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
    """The same style as SLD 1.1 (for GeoServer, and QGIS 'Load style' from SLD): a rule per
    category and accuracy (unverified shapes dashed), and a label rule with the name."""
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
        for unverified in (False, True):
            rule = ET.SubElement(fts, "se:Rule")
            label = cat.label + (" (示意 schematic)" if unverified else "")
            ET.SubElement(rule, "se:Name").text = label
            ET.SubElement(ET.SubElement(rule, "se:Description"), "se:Title").text = label
            _sld_filter(ET.SubElement(rule, "ogc:Filter"), col, cat, unverified)
            for family in families:
                _sld_symbolizer(rule, layer, family, cat, unverified)
    _sld_label_rule(fts, fields.get("name", "name"), families[0])
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _sld_equal(parent: ET.Element, name: str, value: str, tag: str = "PropertyIsEqualTo") -> None:
    cmp = ET.SubElement(parent, f"ogc:{tag}")
    ET.SubElement(cmp, "ogc:PropertyName").text = name
    ET.SubElement(cmp, "ogc:Literal").text = value


def _sld_filter(parent: ET.Element, col: str | None, cat: Category, unverified: bool) -> None:
    """The category (its value; '' = no value) and the accuracy (schematic or not), ANDed."""
    both = ET.SubElement(parent, "ogc:And") if col else parent
    if col and cat.value:
        _sld_equal(both, col, cat.value)
    elif col:
        either = ET.SubElement(both, "ogc:Or")
        ET.SubElement(ET.SubElement(either, "ogc:PropertyIsNull"), "ogc:PropertyName").text = col
        _sld_equal(either, col, "")
    tag = "PropertyIsEqualTo" if unverified else "PropertyIsNotEqualTo"
    _sld_equal(both, "accuracy", UNVERIFIED, tag)


def _sld_label_rule(fts: ET.Element, name_col: str, family: str) -> None:
    """A rule that labels every feature with its name (a white halo, along lines)."""
    rule = ET.SubElement(fts, "se:Rule")
    ET.SubElement(rule, "se:Name").text = "名称 name"
    text = ET.SubElement(rule, "se:TextSymbolizer")
    ET.SubElement(ET.SubElement(text, "se:Label"), "ogc:PropertyName").text = name_col
    font = ET.SubElement(text, "se:Font")
    _svg(font, "font-family", "Noto Sans CJK SC")
    _svg(font, "font-size", "12")
    placement = ET.SubElement(text, "se:LabelPlacement")
    if family == "line":
        ET.SubElement(
            ET.SubElement(placement, "se:LinePlacement"), "se:GeneralizeLine"
        ).text = "true"
    else:
        ET.SubElement(placement, "se:PointPlacement")
    halo = ET.SubElement(text, "se:Halo")
    ET.SubElement(halo, "se:Radius").text = "1.5"
    _svg(ET.SubElement(halo, "se:Fill"), "fill", "#ffffff")
    _svg(ET.SubElement(text, "se:Fill"), "fill", "#212529")


def _svg(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, "se:SvgParameter", name=name).text = value


def _sld_symbolizer(
    rule: ET.Element, layer: LayerDef, family: str, cat: Category, unverified: bool = False
) -> None:
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
    if style.get("dash") or unverified:
        _svg(stroke, "stroke-dasharray", str(style.get("dash") or "6 4"))
