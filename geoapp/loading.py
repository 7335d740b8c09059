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
from geoapp.query.clean import is_missing

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


class CityOutline:
    """The city outline grown by :data:`OUTLINE_TOLERANCE_M`, prepared once for whole-array tests.

    >>> from shapely import box, Point
    >>> outline = CityOutline(box(120.0, 28.9, 120.1, 29.0))
    >>> outline.contains(np.array([Point(120.05, 28.95), Point(120.2, 28.95)])).tolist()
    [True, False]
    """

    def __init__(self, city: shapely.Geometry) -> None:
        # degrees of latitude ≈ metres / 111 km; generous enough for the generalised outline
        self.shape = city.buffer(OUTLINE_TOLERANCE_M / 111_000)
        shapely.prepare(self.shape)

    def contains(self, geoms: np.ndarray) -> np.ndarray:
        """Which geometries lie inside the (grown) outline, in one vectorised call."""
        return shapely.contains(self.shape, geoms)


def _where_problems(geoms: np.ndarray, city: CityOutline | None) -> list[str | None]:
    """Why each geometry's coordinates are not in Yongkang (None where they are), vectorised."""
    bounds = shapely.bounds(geoms)
    minx, miny, maxx, maxy = bounds.T
    x0, y0, x1, y1 = CITY_BBOX
    swapped = (y0 <= minx) & (maxx <= y1) & (x0 <= miny) & (maxy <= x1)
    metres = (np.maximum(abs(minx), abs(maxx)) > 180) | (np.maximum(abs(miny), abs(maxy)) > 90)
    outside = ~((x0 <= minx) & (maxx <= x1) & (y0 <= miny) & (maxy <= y1))
    out: list[str | None] = [None] * len(geoms)
    for i in np.flatnonzero(swapped | metres | outside):
        out[i] = _bounds_problem(bounds[i], swapped[i], metres[i])
    if city is None:
        return out
    check = np.flatnonzero(~(swapped | metres | outside))
    for i in check[~city.contains(geoms[check])]:
        out[i] = _outline_problem(geoms[i], city)
    return out


def _bounds_problem(bounds: np.ndarray, swapped: bool, metres: bool) -> str:
    """The message for a geometry whose bounds are swapped, in metres or outside the city box."""
    minx, miny, maxx, maxy = bounds
    if swapped:
        return f"coordinates ({minx:.4f}, {miny:.4f}) look like lat/lon: longitude and latitude are swapped"
    if metres:
        return (
            f"coordinates ({minx:.0f}, {miny:.0f}) look like projected metres (e.g. EPSG:4549), "
            "not WGS84 lon/lat"
        )
    return f"lies outside Yongkang: bounds ({minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f})"


def _outline_problem(geom: shapely.Geometry, city: CityOutline) -> str:
    """The message for a geometry outside the outline (GCJ-02 recognised)."""
    converted = transform_geometry(geom, "gcj02", "EPSG:4326")
    if city.contains(np.array([converted], dtype=object))[0]:
        return (
            "lies outside the city outline, but inside it after a GCJ-02 → WGS84 conversion: "
            "the file looks like GCJ-02 (bring it in with `geoapp import --src-crs gcj02`)"
        )
    return f"lies outside the city outline (more than {OUTLINE_TOLERANCE_M:.0f} m)"


def _geometry_problems(
    gdf: gpd.GeoDataFrame, layer: LayerDef, name: str, city: CityOutline | None
) -> list[Problem]:
    """Missing, empty, wrong-type, invalid and misplaced geometries: whole-array predicates."""
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    types = np.array(shapely.get_type_id(geoms))
    allowed_ids = [_TYPE_IDS[t] for t in layer.geometry_types if t in _TYPE_IDS]
    wrong = ~missing & ~empty & ~np.isin(types, allowed_ids)
    invalid = ~missing & ~empty & ~wrong & ~shapely.is_valid(geoms)
    placed = ~(missing | empty | wrong | invalid)
    where: list[str | None] = [None] * len(geoms)
    for i, msg in zip(np.flatnonzero(placed), _where_problems(geoms[placed], city), strict=True):
        where[i] = msg
    ids = gdf["id"].to_numpy(dtype=object)
    allowed = ", ".join(layer.geometry_types)
    problems = []
    for i in np.flatnonzero(~placed | np.array([w is not None for w in where], dtype=bool)):
        if missing[i]:
            msg = "has no geometry"
        elif empty[i]:
            msg = "has an empty geometry"
        elif wrong[i]:
            msg = f"geometry type {geoms[i].geom_type} is not allowed here ({allowed})"
        elif invalid[i]:
            msg = f"invalid geometry: {shapely.is_valid_reason(geoms[i])}"
        else:
            msg = where[i]
        problems.append(Problem(name, ids[i], msg))
    return problems


_TYPE_IDS = {
    "Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4,
    "MultiLineString": 5, "MultiPolygon": 6,
}  # fmt: skip


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


def _types_ok(values: pd.Series, ftype: str) -> np.ndarray:
    """Which (present) values have the field's type: by dtype where it decides, else per value."""
    kind = values.dtype.kind
    if kind in "iu":
        return np.full(len(values), ftype in ("int", "float"))
    if kind == "f" and ftype in ("int", "float"):
        arr = values.to_numpy(dtype=float)
        return np.ones(len(arr), bool) if ftype == "float" else arr == np.floor(arr)
    if kind == "b":
        return np.full(len(values), ftype in ("int", "float", "bool"))
    if isinstance(values.dtype, pd.StringDtype) or pd.api.types.infer_dtype(values) == "string":
        return np.full(len(values), ftype == "str")
    return np.fromiter((_value_ok(v, ftype) for v in values), bool, len(values))


def _missing(values: pd.Series) -> np.ndarray:
    """None, NaN or the empty string: a value that is not there."""
    missing = values.isna().to_numpy().copy()  # may be a read-only view (an all-null column)
    if values.dtype == object:
        missing |= (values == "").to_numpy()
    return missing


def _field_problems(values: pd.Series, f) -> list[tuple[int, str]]:
    """(row, message) for every missing, mistyped or disallowed value of one field."""
    out: list[tuple[int, str]] = []
    missing = _missing(values)
    if f.required:
        out += [(i, f"missing required field '{f.name}'") for i in np.flatnonzero(missing)]
    present = np.flatnonzero(~missing)
    typed = _types_ok(values.iloc[present], f.type)
    for i in present[~typed]:
        out.append((i, f"field '{f.name}' should be {f.type}, got {_py(values.iloc[i])!r}"))
    if f.values is not None:
        ok = present[typed]
        allowed = values.iloc[ok].astype(str).isin(f.values).to_numpy()
        choices = ", ".join(f.values)
        for i in ok[~allowed]:
            value = _py(values.iloc[i])
            out.append((i, f"field '{f.name}' has value {value!r}, not one of: {choices}"))
    return out


def _py(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _attribute_problems(gdf: gpd.GeoDataFrame, layer: LayerDef, name: str) -> list[Problem]:
    """Unknown fields, then per feature (in file order) each field's problem, column by column."""
    problems = []
    known = {f.name for f in layer.all_fields}
    for col in gdf.columns:
        if col != "geometry" and col not in known:
            problems.append(
                Problem(name, None, f"unknown field '{col}' (not in layers/{layer.id}.toml)")
            )
    ids = gdf["id"].to_numpy(dtype=object)
    found: list[tuple[int, int, str]] = []
    for k, f in enumerate(layer.all_fields):
        if f.name not in gdf.columns:
            if f.required:
                found += [(i, k, f"missing required field '{f.name}'") for i in range(len(gdf))]
            continue
        found += [(i, k, msg) for i, msg in _field_problems(gdf[f.name], f)]
    found.sort(key=lambda t: (t[0], t[1]))
    problems += [Problem(name, _plain(ids[i]), msg) for i, _, msg in found]
    return problems


def _plain(fid):
    """An id as the messages print it (None for a missing one)."""
    return None if is_missing(fid) else fid


def _id_problems(gdf: gpd.GeoDataFrame, name: str) -> list[Problem]:
    """Missing, non-slug and duplicate ids, in file order."""
    if "id" not in gdf.columns:
        return [Problem(name, None, "features have no 'id' property")]
    ids = gdf["id"]
    is_str = np.fromiter((isinstance(f, str) and f != "" for f in ids), bool, len(ids))
    slug = is_str.copy()
    # astype(str): with no string ids at all the empty selection keeps its dtype (bool, …)
    slug[is_str] = ids[is_str].astype(str).str.match(ID_PATTERN.pattern).to_numpy(bool)
    dup = slug & ids.duplicated(keep="first").to_numpy()
    problems = []
    for i in np.flatnonzero(~is_str | ~slug | dup):
        fid = ids.iloc[i]
        if not is_str[i]:
            problems.append(
                Problem(name, f"#{i + 1}", "has no 'id' (features need a stable ASCII id)")
            )
        elif not slug[i]:
            problems.append(Problem(name, fid, "id is not an ASCII slug (a-z, 0-9, '-', '_')"))
        else:
            problems.append(Problem(name, fid, "duplicate id"))
    return problems


def empty_layer(layer: LayerDef) -> gpd.GeoDataFrame:
    """A layer with no features but every column."""
    cols = {f.name: pd.Series([], dtype=object) for f in layer.all_fields}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs="EPSG:4326"))


def read_layer(
    path: Path, layer: LayerDef, city: shapely.Geometry | CityOutline | None = None
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
    if city is not None and not isinstance(city, CityOutline):
        city = CityOutline(city)
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
