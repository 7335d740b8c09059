"""What every download is made of: the layer as a frame in a CRS, its columns, the format record."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geoapp.catalog import Catalog
from geoapp.coords import parse_crs, to_crs
from geoapp.errors import GeoappError
from geoapp.layers import LayerDef
from geoapp.query.clean import nullable
from geoapp.query.geojson import property_columns
from geoapp.versions import AS_OF_FIELD, VERSION_FIELD, catalog_as_of, catalog_versions

#: The CRSs every multi-CRS format offers.
EXPORT_CRSS = ("EPSG:4326", "EPSG:4490", "EPSG:4549")
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


def export_frame(catalog: Catalog, layer_id: str, crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """The joined layer, columns in definition order (registry columns for status layers), in crs.

    >>> export_frame(catalog, "parks", "EPSG:4549").crs.to_epsg()  # doctest: +SKIP
    4549
    """
    layer, gdf = catalog.defs[layer_id], catalog.layers[layer_id]
    columns = export_columns(layer)
    frame = pd.DataFrame(
        {
            c: pd.Series(nullable(gdf[c]) if c in gdf.columns else [None] * len(gdf), dtype=object)
            for c in columns
        }
    )
    frame[VERSION_FIELD] = catalog_versions(catalog, layer_id, [str(v) for v in gdf["id"]])
    frame[AS_OF_FIELD] = pd.Series([catalog_as_of(catalog, layer_id)] * len(gdf), dtype=object)
    out = gpd.GeoDataFrame(frame, geometry=gdf.geometry.values, crs="EPSG:4326")
    return out if parse_crs(crs) == "EPSG:4326" else to_crs(out, "EPSG:4326", crs)


def export_columns(layer: LayerDef) -> list[str]:
    """The attribute columns a layer's export has: ``id``, then the properties every door gives a
    feature (:func:`geoapp.query.geojson.property_columns`; last, the feature's version), and the
    time of the layer's last change the file shows (``as_of``: an import checks removals by it)."""
    return ["id", *property_columns(layer), AS_OF_FIELD]


def _families(layer: LayerDef) -> list[str]:
    """The geometry families (point, line, polygon) a layer may hold, in definition order."""
    return list(dict.fromkeys(FAMILIES[t] for t in layer.geometry_types))


def _geometry_type(frame: gpd.GeoDataFrame, layer: LayerDef) -> str:
    """The OGR geometry type to declare: the one type present, Multi… when single and multi
    parts of one family mix, else Unknown (GEOMETRY)."""
    types = set(frame.geom_type.dropna()) if len(frame) else {layer.geometry_types[0]}
    if len(types) == 2 and {t.removeprefix("Multi") for t in types} == {min(types, key=len)}:
        return max(types, key=len)
    return types.pop() if len(types) == 1 else "Unknown"


def crs_suffix(crs: str) -> str:
    """What a file name says about its CRS: '' for WGS84, '_4549' for EPSG:4549."""
    name = parse_crs(crs)
    return "" if name in ("EPSG:4326", "OGC:CRS84") else "_" + name.split(":")[1]


def project_name(crs: str) -> str:
    """The stem the QGIS project and its GeoPackage share, e.g. 'yongkang_4549'."""
    return f"{ALL_NAME}{crs_suffix(crs)}"


def family_tables(layer: LayerDef) -> list[tuple[str, str]]:
    """(table, family) per geometry family: the first keeps the layer id, others get a suffix,
    so that every table holds one geometry type (zones: areas in 'zones', the axis in
    'zones_line')."""
    families = _families(layer)
    return [(layer.id if i == 0 else f"{layer.id}_{f}", f) for i, f in enumerate(families)]


def family_frame(frame: gpd.GeoDataFrame, family: str) -> gpd.GeoDataFrame:
    """The rows of ``frame`` whose geometry is of ``family`` (point, line, polygon)."""
    return frame[frame.geom_type.map(FAMILIES) == family]


def _zip(path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
