"""Downloads for GIS staff: one writer per format in :data:`EXPORTERS` (no Flask here).

Every download carries a README (sources, the accuracy warning, the status vocabulary, the
data version) and styles QGIS picks up: the GeoPackage holds each layer's QML and SLD in its
``layer_styles`` table, a zipped shapefile holds a ``.qml`` next to every ``.shp``, and the
QGIS project ``yongkang_4549.qgz`` opens every table of ``yongkang_4549.gpkg`` (the GeoPackage
of the same name, next to it) styled, labelled and grouped over an OpenStreetMap basemap. Every
GeoPackage table and shapefile holds one geometry type (a layer mixing areas and lines gets
``zones`` + ``zones_line``); shapes whose accuracy is ``schematic`` are drawn dashed.

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

import tempfile
from pathlib import Path

from geoapp.catalog import Catalog
from geoapp.coords import parse_crs
from geoapp.errors import BadParameter, NotFound
from geoapp.export.csv_wkt import _write_csv
from geoapp.export.frames import (
    ALL_NAME,
    EXPORT_CRSS,
    SHAPEFILE_NAMES,
    Exporter,
    ExportError,
    crs_suffix,
    export_columns,
    export_frame,
)
from geoapp.export.geojson import _write_geojson
from geoapp.export.gpkg import _write_gpkg
from geoapp.export.kml import _write_kml
from geoapp.export.qgis import _write_qgis_bundle, _write_qgz, project_qgs
from geoapp.export.readme import readme_text
from geoapp.export.shp import _write_shp, dbf_text, shapefile_field_names
from geoapp.export.styles import layer_qml, layer_sld, symbology
from geoapp.files import atomic_output

__all__ = [
    "EXPORTERS",
    "EXPORT_CRSS",
    "SHAPEFILE_NAMES",
    "ExportError",
    "Exporter",
    "export_columns",
    "project_qgs",
    "symbology",
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
    """The file name of a download, e.g. ``parks_4549.shp.zip``, ``yongkang_4549.gpkg``, and
    ``yongkang_4549.qgz`` — the project shares its name with the GeoPackage it opens."""
    exporter = get_exporter(fmt)
    base = ALL_NAME if target == "all" else target
    suffix = crs_suffix(crs)
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
    with atomic_output(out, exporter.extension) as written:  # GDAL wants its own extension
        exporter.write(catalog, layer_ids, name, written)
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
