"""GeoPackage: every layer, its QML + SLD in ``layer_styles`` and the README as a table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio

from geoapp.catalog import Catalog
from geoapp.export.frames import (
    _geometry_type,
    export_frame,
    family_frame,
    family_tables,
)
from geoapp.export.readme import (
    readme_text,
)
from geoapp.export.styles import (
    layer_qml,
    layer_sld,
)
from geoapp.layers import LayerDef
from geoapp.status import accuracy_note


def _write_gpkg(catalog: Catalog, layer_ids: list[str], crs: str, path: Path) -> None:
    """Every layer with status joined, one table per geometry family (QGIS wants one type per
    layer), its QML + SLD as default style, and a readme table."""
    styles = []
    for lid in layer_ids:
        layer = catalog.defs[lid]
        frame = export_frame(catalog, lid, crs)
        for table, family in family_tables(layer):
            part = family_frame(frame, family)
            kind = _geometry_type(part, layer) if len(part) else _FAMILY_TYPE[family]
            title = f"{layer.title_for('zh')} {layer.title_for('en')}"
            pyogrio.write_dataframe(
                part, path, layer=table, driver="GPKG", geometry_type=kind,
                promote_to_multi=kind.startswith("Multi"),
                layer_options={
                    "GEOMETRY_NAME": "geom", "FID": "fid",
                    "IDENTIFIER": title if table == lid else f"{title} ({family})",
                    "DESCRIPTION": f"{layer.description_for('zh')} — {accuracy_note('schematic')}",
                },
            )  # fmt: skip
            styles.append(_style_row(layer, table, family))
    pyogrio.write_dataframe(
        pd.DataFrame(styles), path, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"}
    )
    readme = readme_text(catalog, layer_ids, "gpkg", crs, _GPKG_NOTES).splitlines()
    pyogrio.write_dataframe(pd.DataFrame({"line": readme}), path, layer="readme", driver="GPKG")


_FAMILY_TYPE = {"point": "Point", "line": "LineString", "polygon": "Polygon"}
_GPKG_NOTES = (
    "每个图层的默认样式保存在 layer_styles 表中，QGIS 打开即带样式 / each layer's default style is in "
    "the layer_styles table: QGIS opens it styled.",
    "本说明也在 readme 表中 / this README is also the `readme` table.",
)


def _style_row(layer: LayerDef, table: str, family: str) -> dict:
    """One row of the QGIS ``layer_styles`` table (a table's default style)."""
    return {
        "f_table_catalog": "",
        "f_table_schema": "",
        "f_table_name": table,
        "f_geometry_column": "geom",
        "styleName": table,
        "styleQML": layer_qml(layer, [family]),
        "styleSLD": layer_sld(layer, [family]),
        "useAsDefault": True,
        "description": f"{layer.title_for('zh')} / {layer.title_for('en')}",
        "owner": "geoapp",
        "ui": None,
        "update_time": pd.Timestamp("2000-01-01T00:00:00"),
    }
