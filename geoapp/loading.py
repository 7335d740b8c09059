"""Reading and validating layer files (RFC 7946 GeoJSON, WGS84) with geopandas + pyogrio.

Every problem is reported with the file and the feature id, and one run reports all of them.

Examples
--------
>>> gdf, problems = read_layer(Path("data/geojson/parks.geojson"), defs["parks"], city)  # doctest: +SKIP
>>> [str(p) for p in problems]  # doctest: +SKIP
[]
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geoapp.coords import transform_geometry
from geoapp.layers import BASE_FIELD_NAMES, ID_PATTERN, LayerDef
from geoapp.problems import Problem

#: The city's bounding box (WGS84), with a margin of about 1 km: nothing of ours lies outside it.
CITY_BBOX = (119.88, 28.75, 120.36, 29.12)
#: How far (metres) a feature may stray outside the generalised city outline.
OUTLINE_TOLERANCE_M = 300.0
WGS84 = CRS.from_epsg(4326)


def _crs_problem(gdf: gpd.GeoDataFrame, name: str) -> Problem | None:
    if gdf.crs is None or CRS(gdf.crs).equals(WGS84, ignore_axis_order=True):
        return None
    return Problem(
        name,
        None,
        f"declares CRS {CRS(gdf.crs).to_string()}; layer files must be RFC 7946 WGS84 lon/lat "
        "without a 'crs' member (bring other CRSs in with `geoapp import --src-crs`)",
    )


def _where_problem(geom: shapely.Geometry, city: shapely.Geometry | None) -> str | None:
    """Why a geometry's coordinates are not in Yongkang, or None if they are."""
    minx, miny, maxx, maxy = geom.bounds
    x0, y0, x1, y1 = CITY_BBOX
    if y0 <= minx and maxx <= y1 and x0 <= miny and maxy <= x1:
        return f"coordinates ({minx:.4f}, {miny:.4f}) look like lat/lon: longitude and latitude are swapped"
    if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
        return (
            f"coordinates ({minx:.0f}, {miny:.0f}) look like projected metres (e.g. EPSG:4549), "
            "not WGS84 lon/lat"
        )
    if not (x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1):
        return f"lies outside Yongkang: bounds ({minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f})"
    if city is None:
        return None
    if _within_city(geom, city):
        return None
    if _within_city(transform_geometry(geom, "gcj02", "EPSG:4326"), city):
        return (
            "lies outside the city outline, but inside it after a GCJ-02 → WGS84 conversion: "
            "the file looks like GCJ-02 (bring it in with `geoapp import --src-crs gcj02`)"
        )
    return f"lies outside the city outline (more than {OUTLINE_TOLERANCE_M:.0f} m)"


def _within_city(geom: shapely.Geometry, city: shapely.Geometry) -> bool:
    # degrees of latitude ≈ metres / 111 km; generous enough for the generalised outline
    return city.buffer(OUTLINE_TOLERANCE_M / 111_000).contains(geom)


def _geometry_problems(gdf: gpd.GeoDataFrame, layer: LayerDef, name: str, city) -> list[Problem]:
    problems = []
    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    valid = shapely.is_valid(geoms)
    for i, fid in enumerate(gdf["id"]):
        geom = geoms[i]
        if missing[i]:
            problems.append(Problem(name, fid, "has no geometry"))
        elif empty[i]:
            problems.append(Problem(name, fid, "has an empty geometry"))
        elif geom.geom_type not in layer.geometry_types:
            allowed = ", ".join(layer.geometry_types)
            problems.append(
                Problem(
                    name, fid, f"geometry type {geom.geom_type} is not allowed here ({allowed})"
                )
            )
        elif not valid[i]:
            reason = shapely.is_valid_reason(geom)
            problems.append(Problem(name, fid, f"invalid geometry: {reason}"))
        else:
            where = _where_problem(geom, city)
            if where:
                problems.append(Problem(name, fid, where))
    return problems


def _value_ok(value, ftype: str) -> bool:
    if ftype == "int":
        return isinstance(value, int | np.integer) or (
            isinstance(value, float) and value.is_integer()
        )
    if ftype == "float":
        return isinstance(value, int | float | np.number)
    if ftype == "bool":
        return isinstance(value, bool | np.bool_)
    return isinstance(value, str)


def _attribute_problems(gdf: gpd.GeoDataFrame, layer: LayerDef, name: str) -> list[Problem]:
    problems = []
    known = {f.name for f in layer.all_fields}
    for col in gdf.columns:
        if col != "geometry" and col not in known:
            problems.append(
                Problem(name, None, f"unknown field '{col}' (not in layers/{layer.id}.toml)")
            )
    for row in gdf.drop(columns="geometry").itertuples(index=False):
        props = row._asdict()
        fid = props.get("id")
        for f in layer.all_fields:
            value = props.get(f.name)
            if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
                if f.required:
                    problems.append(Problem(name, fid, f"missing required field '{f.name}'"))
                continue
            if not _value_ok(value, f.type):
                problems.append(
                    Problem(name, fid, f"field '{f.name}' should be {f.type}, got {value!r}")
                )
            elif f.values is not None and str(value) not in f.values:
                allowed = ", ".join(f.values)
                problems.append(
                    Problem(
                        name, fid, f"field '{f.name}' has value {value!r}, not one of: {allowed}"
                    )
                )
    return problems


def _id_problems(gdf: gpd.GeoDataFrame, name: str) -> list[Problem]:
    problems = []
    if "id" not in gdf.columns:
        return [Problem(name, None, "features have no 'id' property")]
    seen: set[str] = set()
    for i, fid in enumerate(gdf["id"]):
        if not isinstance(fid, str) or not fid:
            problems.append(
                Problem(name, f"#{i + 1}", "has no 'id' (features need a stable ASCII id)")
            )
        elif not ID_PATTERN.match(fid):
            problems.append(Problem(name, fid, "id is not an ASCII slug (a-z, 0-9, '-', '_')"))
        elif fid in seen:
            problems.append(Problem(name, fid, "duplicate id"))
        seen.add(fid)
    return problems


def empty_layer(layer: LayerDef) -> gpd.GeoDataFrame:
    """A layer with no features but every column."""
    cols = {f.name: pd.Series([], dtype=object) for f in layer.all_fields}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs="EPSG:4326"))


def read_layer(
    path: Path, layer: LayerDef, city: shapely.Geometry | None = None
) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read one layer file and return it with every problem found.

    ``city`` (the WGS84 city outline) is used to catch features outside the city and files in
    GCJ-02. The frame is None only when the file cannot be read at all.
    """
    name = path.name
    if not path.exists():
        return None, [Problem(name, None, "file not found")]
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        return None, [Problem(name, None, f"unreadable GeoJSON: {exc}")]
    crs = _crs_problem(gdf, name)
    if len(gdf) == 0:
        return empty_layer(layer), [crs] if crs else []
    gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    problems = [crs] if crs else []
    problems += _id_problems(gdf, name)
    if "id" not in gdf.columns:
        return None, problems
    problems += _attribute_problems(gdf, layer, name)
    problems += _geometry_problems(gdf, layer, name, None if crs else city)
    for f in layer.all_fields:
        if f.name not in gdf.columns:
            gdf[f.name] = None
    ordered = [f.name for f in layer.all_fields] + [
        c for c in gdf.columns if c not in _names(layer)
    ]
    return gdf[ordered], problems


def _names(layer: LayerDef) -> set[str]:
    return {f.name for f in layer.all_fields} | set(BASE_FIELD_NAMES)
