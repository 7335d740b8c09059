"""CSV with WKT geometries, zipped with the README."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyogrio

from geoapp.catalog import Catalog
from geoapp.export.frames import (
    _zip,
    export_frame,
)
from geoapp.export.readme import (
    readme_text,
)


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
