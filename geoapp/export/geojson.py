"""GeoJSON (RFC 7946, WGS84): one layer, the same features and properties as /api and /ogc."""

from __future__ import annotations

from pathlib import Path

import pyogrio

from geoapp.catalog import Catalog
from geoapp.export.frames import (
    _geometry_type,
    export_frame,
)
from geoapp.export.readme import (
    readme_text,
)


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
