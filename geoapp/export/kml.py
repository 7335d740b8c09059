"""KML 2.2: a Folder per layer, Chinese names as Placemark names, a style per category."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from geoapp.catalog import Catalog
from geoapp.export.frames import (
    ALL_NAME,
    export_columns,
    export_frame,
)
from geoapp.export.readme import (
    readme_text,
)
from geoapp.export.styles import (
    symbology,
)
from geoapp.layers import LayerDef
from geoapp.query.clean import is_missing
from geoapp.status import accuracy_note
from geoapp.versions import VERSION_FIELD


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
            kind = f.type if f else ("int" if col == VERSION_FIELD else "str")
            sf = ET.SubElement(schema, "SimpleField", name=col, type=_KML_TYPES[kind])
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
        key = "" if attr is None or is_missing(row[attr]) else row[attr]
        ET.SubElement(pm, "styleUrl").text = styles.get(key, styles.get("", ""))
        data = ET.SubElement(
            ET.SubElement(pm, "ExtendedData"), "SchemaData", schemaUrl=f"#schema-{lid}"
        )
        for col in columns[2:]:
            if not is_missing(row[col]):
                ET.SubElement(data, "SimpleData", name=col).text = str(row[col])
        if geom is not None and not geom.is_empty:
            _kml_geometry(pm, geom)
