"""Zipped Shapefile: one ``.shp`` per layer and geometry family, a ``.qml`` next to each."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyogrio

from geoapp.catalog import Catalog
from geoapp.export.frames import (
    DBF_TEXT_BYTES,
    FAMILIES,
    SHAPEFILE_NAMES,
    _families,
    _zip,
    export_columns,
    export_frame,
)
from geoapp.export.readme import (
    readme_text,
)
from geoapp.export.styles import (
    layer_qml,
    layer_sld,
)
from geoapp.layers import LayerDef


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
