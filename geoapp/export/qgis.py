"""The QGIS project (``project.qgz``) and the bundle with the GeoPackage it opens."""

from __future__ import annotations

import tempfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pyproj
import shapely

from geoapp.catalog import Catalog
from geoapp.export.frames import (
    ALL_NAME,
    OSM_XYZ,
    _zip,
    export_columns,
    family_tables,
    project_name,
)
from geoapp.export.gpkg import (
    _GPKG_NOTES,
    _write_gpkg,
)
from geoapp.export.readme import (
    readme_text,
)
from geoapp.export.styles import (
    _layer_extras,
    _renderer,
)
from geoapp.status import accuracy_note


def _srs(parent: ET.Element, crs: str) -> None:
    """A QGIS <spatialrefsys> for crs (QGIS finds it by authid; WKT as a fallback)."""
    c = pyproj.CRS.from_user_input(crs)
    srs = ET.SubElement(parent, "spatialrefsys", nativeFormat="Wkt")
    ET.SubElement(srs, "wkt").text = c.to_wkt("WKT2_2019")
    ET.SubElement(srs, "srid").text = crs.split(":")[1]
    ET.SubElement(srs, "authid").text = crs
    ET.SubElement(srs, "description").text = c.name
    ET.SubElement(srs, "geographicflag").text = "true" if c.is_geographic else "false"


def _project_layers(catalog: Catalog) -> list[tuple[str, str, str, str, str]]:
    """(QGIS layer id, layer id, table, family, name) per GeoPackage table, top of the map first."""
    out = []
    for layer in sorted(catalog.defs.values(), key=lambda d: -d.order):
        tables = family_tables(layer)
        for table, family in tables:
            name = f"{layer.title_for('zh')} {layer.title_for('en')}"
            if len(tables) > 1:
                name += f" ({_FAMILY_LABEL[family]})"
            out.append((f"yk_{table}_{family}", layer.id, table, family, name))  # > 10 chars
    return out


_FAMILY_LABEL = {"point": "点 points", "line": "线 lines", "polygon": "面 areas"}


def _maplayer(catalog: Catalog, ids: tuple[str, str, str, str, str], crs: str):
    """A project layer reading one table of the GeoPackage next to the project."""
    qid, lid, table, family, name = ids
    layer = catalog.defs[lid]
    source = f"./{project_name(crs)}.gpkg|layername={table}"
    geometry = {"point": "Point", "line": "Line", "polygon": "Polygon"}[family]
    ml = ET.Element(
        "maplayer", type="vector", geometry=geometry, autoRefreshEnabled="0", labelsEnabled="1"
    )
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
    ml.extend(_layer_extras(layer, fields, family))
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
    """The QGIS project (.qgs XML): every table of the GeoPackage of the same name (e.g.
    yongkang_4549.gpkg), styled and labelled, grouped, over OSM."""
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
    for ids in _project_layers(catalog):
        ml, source = _maplayer(catalog, ids, crs)
        layers.append(ml)
        qid, lid, _, _, name = ids
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
    """The project (e.g. yongkang_4549.qgz): opens yongkang_4549.gpkg, which sits next to it."""
    with _zip(path) as zf:
        zf.writestr(f"{project_name(crs)}.qgs", project_qgs(catalog, crs))


def _write_qgis_bundle(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """A zip to unpack and double-click: the project, the GeoPackage of the same name, README."""
    name = project_name(crs)
    with tempfile.TemporaryDirectory() as tmp, _zip(path) as zf:
        gpkg, qgz = Path(tmp) / f"{name}.gpkg", Path(tmp) / f"{name}.qgz"
        _write_gpkg(catalog, layer_ids, crs, gpkg)
        _write_qgz(catalog, layer_ids, crs, qgz)
        zf.write(qgz, f"{ALL_NAME}/{name}.qgz")
        zf.write(gpkg, f"{ALL_NAME}/{name}.gpkg")
        notes = (f"解压后双击 {name}.qgz / unzip, then open {name}.qgz in QGIS.",) + _GPKG_NOTES
        zf.writestr(f"{ALL_NAME}/README.txt", readme_text(catalog, layer_ids, "qgis", crs, notes))
