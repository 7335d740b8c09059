"""Bringing corrected layers back from GIS staff (no Flask here).

:func:`prepare_import` reads any GDAL-readable file (GeoPackage, Shapefile — UTF-8 or GBK .dbf,
from its .cpg or ``encoding`` —, GeoJSON, KML, a zip of these) within :class:`ImportLimits`,
reprojects it to WGS84 (from its own CRS or ``src_crs``, which may be ``gcj02`` / ``bd09``;
single features with ``feature_crs``), validates it against the layer's definition with the
loader the catalog uses, checks the whole catalog with it in place, says what would change
(per feature: metres moved, fields, accuracy) and which changes made since the file's export it
would undo. :func:`apply_import` then writes the layer atomically, keeping the previous version
in ``data/geojson/history/`` and recording the new layer version. Nothing under the data
directory is written on any error.

Examples
--------
>>> result = prepare_import(Path("roads.shp"), "ring_roads", Path("data"), Path("layers"),
...                         src_crs="EPSG:4549")  # doctest: +SKIP
>>> result.diff.added, result.problems, result.conflicts  # doctest: +SKIP
(['road-new'], [], [])
>>> apply_import(result, by="李工")  # doctest: +SKIP
PosixPath('data/geojson/history/ring_roads.20240501T080000Z.geojson')
"""

from geoapp.importing.diff import FeatureChange, LayerDiff, diff_layers
from geoapp.importing.engine import (
    ImportOptions,
    ImportResult,
    apply_import,
    layer_text,
    prepare_import,
)
from geoapp.importing.limits import ImportFailed, ImportLimits
from geoapp.importing.reading import read_source

__all__ = [
    "FeatureChange",
    "ImportFailed",
    "ImportLimits",
    "ImportOptions",
    "ImportResult",
    "LayerDiff",
    "apply_import",
    "diff_layers",
    "layer_text",
    "prepare_import",
    "read_source",
]
