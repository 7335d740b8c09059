"""Field names and values as the layer files have them, whoever wrote the file.

Shapefiles allow 10-character names: our exporter shortens some (``loc_conf``), GDAL and QGIS
cut the rest (``location_c``) and number the ones that then collide (``project__1``). All of them
map back to the full name. Registry columns (status…) and the ``version`` field are read and
dropped: status is recorded in the registry, the version says which export the file came from.

Examples
--------
>>> field_names(["id", "location_c", "project_na", "project__1"], {"id", "location_confidence"},
...             ["project_name", "project_name_en"])
{'location_c': 'location_confidence', 'project_na': 'project_name', 'project__1': 'project_name_en'}
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoapp.catalog import JOIN_COLUMNS
from geoapp.export import SHAPEFILE_NAMES
from geoapp.importing.limits import ImportFailed
from geoapp.layers import LayerDef
from geoapp.versions import AS_OF_FIELD, VERSION_FIELD, FileVersions

DECIMALS = 7
KML_COLUMNS = (
    "description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
    "visibility", "drawOrder", "icon", "snippet",
)  # fmt: skip
EXPORT_ONLY = ("WKT", "fid")
_NUMBERED = re.compile(r"^(.+?)_?_(\d{1,2})$")


def field_names(columns: list[str], known: set[str], extra: list[str]) -> dict[str, str]:
    """Column → full name for shortened shapefile names (ours, cut at 10, GDAL-numbered)."""
    everything = [*sorted(known), *extra]
    full = set(everything)
    ours = {v: k for k, v in SHAPEFILE_NAMES.items() if k in full}
    rename = {c: ours[c] for c in columns if c not in full and c in ours}
    taken = set(columns) | set(rename.values())
    for c in columns:
        numbered = _NUMBERED.match(c)
        if c in full or c in rename or len(c) != 10:
            continue
        prefix = numbered.group(1) if numbered else c
        left = [k for k in everything if k.startswith(prefix) and k not in taken]
        if left and (numbered or c == prefix):
            pick = min(int(numbered.group(2)), len(left)) - 1 if numbered else 0
            rename[c] = left[pick]
            taken.add(left[pick])
    return rename


def normalise(gdf: gpd.GeoDataFrame, layer: LayerDef, notes: list[str]):
    """Our names, 2-D shapes rounded to ~1 cm, plain values; (frame, what the file says it was
    exported from: each feature's version and the layer's ``as_of``)."""
    known = {f.name for f in layer.all_fields}
    rename = field_names(list(gdf.columns), known, [*JOIN_COLUMNS, VERSION_FIELD, AS_OF_FIELD])
    for short, full in rename.items():
        if short not in SHAPEFILE_NAMES.values():
            notes.append(f"field '{short}' read as '{full}'")
    if "Name" in gdf.columns and "name" not in gdf.columns:
        rename["Name"] = "name"
    gdf = gdf.rename(columns=rename)
    ids = [plain_value(v, layer.field("id")) for v in gdf["id"]] if "id" in gdf.columns else []
    versions = FileVersions(
        _exported_versions(gdf, [v if isinstance(v, str) and v else None for v in ids]),
        _as_of(gdf),
    )
    drop = [
        c
        for c in gdf.columns
        if c in JOIN_COLUMNS
        or c in EXPORT_ONLY
        or c in (VERSION_FIELD, AS_OF_FIELD)
        or (c in KML_COLUMNS and c not in known)
    ]
    registry = [c for c in drop if c in JOIN_COLUMNS]
    if registry:
        notes.append(
            f"ignored registry columns ({', '.join(registry)}): status is edited in the registry"
        )
    gdf = gdf.drop(columns=drop)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    if shapely.has_z(geoms).any():
        notes.append("heights (Z) dropped: layers are 2-D")
        geoms = shapely.force_2d(geoms)
    geoms = shapely.transform(geoms, lambda c: np.round(c, DECIMALS))
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326"))
    for col in gdf.columns:
        if col != "geometry":
            values = [plain_value(v, layer.field(col)) for v in gdf[col]]
            gdf[col] = pd.Series(values, index=gdf.index, dtype=object)
    return gdf, versions


def _as_of(gdf: gpd.GeoDataFrame) -> str | None:
    """The oldest ``as_of`` the rows give (a file pieced from two downloads shows the older)."""
    if AS_OF_FIELD not in gdf.columns:
        return None
    times = [str(v).strip() for v in gdf[AS_OF_FIELD] if isinstance(v, str) and v.strip()]
    return min(times) if times else None


def _exported_versions(gdf: gpd.GeoDataFrame, ids: list[str | None]) -> dict[str, int | None]:
    """Feature id → the version its row says it was exported with (None if it says none)."""
    found: dict[str, int | None] = {fid: None for fid in ids if fid}
    if VERSION_FIELD not in gdf.columns:
        return found
    for i, v in enumerate(gdf[VERSION_FIELD]):
        if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "":
            continue
        try:
            version = int(float(v))
        except (TypeError, ValueError, OverflowError):  # OverflowError: inf / Infinity
            fid = ids[i] if ids else None
            raise ImportFailed(
                f"feature '{fid or f'#{i + 1}'}': field 'version' is {v!r}, not a number: keep "
                "the version the export wrote (or leave it empty for a new feature)"
            ) from None
        if ids and ids[i]:
            found[ids[i]] = version
    return found


def plain_value(value: Any, f) -> Any:
    """A plain Python value, missing as None, numbers as text where the field is text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if (
        f is not None
        and f.type == "str"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return str(int(value)) if float(value).is_integer() else str(value)
    if f is not None and f.type == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value
