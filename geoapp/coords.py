"""Coordinate systems: WGS84 ⇄ GCJ-02 ⇄ BD-09, CRS parsing and reprojection (no Flask here).

Internally every geographic coordinate is (lon, lat), WGS84-based; projected CRSs are (x, y) =
(easting, northing). pyproj Transformers are built once per (src, dst) with ``always_xy=True``.

The GCJ-02 ("Mars") and BD-09 formulas are those of PRCoords by Mingye Wang
(https://github.com/Artoria2e5/PRCoords, PyPI ``prcoords`` 1.0.2, CC0 public domain), the same
published algorithm as googollee/eviltransform and wandergis/coordTransform. They are re-stated
here in numpy so that whole coordinate arrays convert at once (``prcoords`` works point by point,
warns outside China and its precise inverses ignore the out-of-China rule); the test suite checks
this module against ``prcoords`` and against published reference pairs.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(120.0979, 28.9375)
>>> round(lon, 6), round(lat, 6)
(120.1026, 28.934739)
>>> [round(v, 7) for v in gcj02_to_wgs84(lon, lat)]
[120.0979, 28.9375]
>>> parse_crs("http://www.opengis.net/def/crs/EPSG/0/4549")
'EPSG:4549'
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

import geopandas
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

__all__ = [
    "BD09",
    "GCJ02",
    "METRIC_CRS",
    "PSEUDO_CRSS",
    "WGS84",
    "axis_order_is_latlon",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "parse_crs",
    "to_crs",
    "to_metric",
    "transform_coords",
    "transform_geometry",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

#: Scalar in, float out; array in, float64 ndarray out.
Coord: TypeAlias = float | NDArray[np.float64]
GeoFrameOrSeries = TypeVar("GeoFrameOrSeries", geopandas.GeoDataFrame, geopandas.GeoSeries)

#: Metric CRS for all distances and areas: CGCS2000 / 3-degree Gauss-Kruger CM 120E.
METRIC_CRS = "EPSG:4549"
#: The hub every conversion passes through (lon/lat with always_xy).
WGS84 = "EPSG:4326"
#: Pseudo-CRS names: WGS84-based lon/lat with the GCJ-02 / BD-09 obfuscation applied.
GCJ02 = "gcj02"
BD09 = "bd09"
PSEUDO_CRSS = (GCJ02, BD09)

# Krasovsky 1940 ellipsoid, as used by GCJ-02 (PRCoords GCJ_A, GCJ_EE).
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
# Baidu's fixed offsets and its rotation/scaling constant (PRCoords BD_DLON, BD_DLAT).
_BD_DLON = 0.0065
_BD_DLAT = 0.0060
_X_PI = math.pi * 3000.0 / 180.0
# China's bounding box of the usual out_of_china rule (PRCoords sanity_in_china_p).
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
# Precise inverses: fixed-point iteration (Caijun 2014, as PRCoords' "bored" functions) until the
# step is below _INV_TOL degrees (about 1e-7 m); it converges in 3-4 steps in China.
_INV_TOL = 1e-12
_INV_MAX_ITER = 30

_GEOJSON_READERS_NOTE = "GeoJSON readers label everything EPSG:4326, even GCJ-02 data"


# --------------------------------------------------------------------------- point conversions


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Broadcast lon/lat to float64 arrays of one shape."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x, y


def _out(lon: ArrayLike, lat: ArrayLike, x: NDArray[np.float64], y: NDArray[np.float64]):
    """Return Python floats for scalar input, arrays otherwise."""
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return float(x), float(y)
    return x, y


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> bool | NDArray[np.bool_]:
    """True where (lon, lat) is outside the bounding box in which GCJ-02 differs from WGS84.

    >>> out_of_china(120.1, 28.9), out_of_china(2.35, 48.85)
    (False, True)
    """
    res = _outside(*_as_arrays(lon, lat))
    return bool(res) if res.ndim == 0 else res


def _outside(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Array form of :func:`out_of_china` (always an ndarray, even 0-d)."""
    inside = (x >= _CHINA_LON[0]) & (x <= _CHINA_LON[1])
    inside &= (y >= _CHINA_LAT[0]) & (y <= _CHINA_LAT[1])
    return np.asarray(~inside)


def _gcj_offset(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """GCJ-02 minus WGS84, in degrees, at WGS84 (x=lon, y=lat); no out-of-China rule."""
    u = x - 105.0
    v = y - 35.0
    pi = np.pi
    common = 2.0 * np.sin(6.0 * pi * u) + 2.0 * np.sin(2.0 * pi * u)
    dlat_m = (
        -100.0
        + 2.0 * u
        + 3.0 * v
        + 0.2 * v * v
        + 0.1 * u * v
        + 0.2 * np.sqrt(np.abs(u))
        + (
            common
            + 2.0 * np.sin(pi * v)
            + 4.0 * np.sin(pi * v / 3.0)
            + 16.0 * np.sin(pi * v / 12.0)
            + 32.0 * np.sin(pi * v / 30.0)
        )
        * 20.0
        / 3.0
    )
    dlon_m = (
        300.0
        + u
        + 2.0 * v
        + 0.1 * u * u
        + 0.1 * u * v
        + 0.1 * np.sqrt(np.abs(u))
        + (
            common
            + 2.0 * np.sin(pi * u)
            + 4.0 * np.sin(pi * u / 3.0)
            + 15.0 * np.sin(pi * u / 12.0)
            + 30.0 * np.sin(pi * u / 30.0)
        )
        * 20.0
        / 3.0
    )
    rad_lat = np.radians(y)
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    lat_deg_len = np.radians(_GCJ_A * (1.0 - _GCJ_EE) / magic**1.5)
    lon_deg_len = np.radians(_GCJ_A * np.cos(rad_lat) / np.sqrt(magic))
    return dlon_m / lon_deg_len, dlat_m / lat_deg_len


def _wgs_to_gcj(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Forward GCJ-02 on arrays, identity outside China."""
    dx, dy = _gcj_offset(x, y)
    inside = ~_outside(x, y)
    return np.where(inside, x + dx, x), np.where(inside, y + dy, y)


def _invert(
    fwd: Callable[[NDArray[np.float64], NDArray[np.float64]], tuple[NDArray, NDArray]],
    x0: NDArray[np.float64],
    y0: NDArray[np.float64],
    gx: NDArray[np.float64],
    gy: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Solve fwd(x, y) = (gx, gy) by fixed-point iteration from (x0, y0)."""
    x, y = x0.copy(), y0.copy()
    for _ in range(_INV_MAX_ITER):
        fx, fy = fwd(x, y)
        dx, dy = fx - gx, fy - gy
        x -= dx
        y -= dy
        # NaN compares False, so NaN input neither converges nor blocks the others.
        if not (np.any(np.abs(dx) > _INV_TOL) or np.any(np.abs(dy) > _INV_TOL)):
            break
    return x, y


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """WGS84 (lon, lat) to GCJ-02 (lon, lat); unchanged outside China.

    >>> [round(v, 6) for v in wgs84_to_gcj02(121.5272106, 31.1774276)]  # eviltransform's test
    [121.531542, 31.175304]
    >>> lon, lat = wgs84_to_gcj02([120.0, 2.35], [29.0, 48.85])
    >>> lon.round(6).tolist(), lat.round(6).tolist()
    ([120.004579, 2.35], [28.997103, 48.85])
    """
    x, y = _as_arrays(lon, lat)
    gx, gy = _wgs_to_gcj(x, y)
    return _out(lon, lat, gx, gy)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """GCJ-02 (lon, lat) to WGS84 (lon, lat), precise (iterated to 1e-12 deg); as-is outside China.

    >>> [round(v, 7) for v in gcj02_to_wgs84(121.531541859215, 31.17530398364597)]
    [121.5272106, 31.1774276]
    """
    gx, gy = _as_arrays(lon, lat)
    inside = ~_outside(gx, gy)
    dx, dy = _gcj_offset(gx, gy)
    x, y = _invert(_gcj_fwd_unmasked, gx - dx, gy - dy, gx, gy)
    return _out(lon, lat, np.where(inside, x, gx), np.where(inside, y, gy))


def _gcj_fwd_unmasked(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Forward GCJ-02 without the out-of-China rule (the inverse decides that on its input)."""
    dx, dy = _gcj_offset(x, y)
    return x + dx, y + dy


def _gcj_to_bd(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Baidu's GCJ-02 → BD-09 rotation and offset, on arrays."""
    r = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return r * np.cos(theta) + _BD_DLON, r * np.sin(theta) + _BD_DLAT


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """GCJ-02 (lon, lat) to BD-09 (lon, lat) (Baidu's offset applies everywhere).

    >>> [round(v, 6) for v in gcj02_to_bd09(120.026268, 30.279164)]  # Alibaba Cloud doc example
    [120.032768, 30.285238]
    """
    x, y = _as_arrays(lon, lat)
    bx, by = _gcj_to_bd(x, y)
    return _out(lon, lat, bx, by)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """BD-09 (lon, lat) to GCJ-02 (lon, lat), precise (closed form refined by iteration)."""
    bx, by = _as_arrays(lon, lat)
    x, y = bx - _BD_DLON, by - _BD_DLAT
    r = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    gx, gy = _invert(_gcj_to_bd, r * np.cos(theta), r * np.sin(theta), bx, by)
    return _out(lon, lat, gx, gy)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """WGS84 (lon, lat) to BD-09 (lon, lat), through GCJ-02.

    >>> [round(v, 6) for v in wgs84_to_bd09(120.0979, 28.9375)]
    [120.10906, 28.940963]
    """
    x, y = _as_arrays(lon, lat)
    bx, by = _gcj_to_bd(*_wgs_to_gcj(x, y))
    return _out(lon, lat, bx, by)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """BD-09 (lon, lat) to WGS84 (lon, lat), precise, through GCJ-02.

    >>> [round(v, 6) for v in bd09_to_wgs84(120.10906, 28.940963)]
    [120.0979, 28.9375]
    """
    gx, gy = bd09_to_gcj02(*_as_arrays(lon, lat))
    x, y = gcj02_to_wgs84(gx, gy)
    return _out(lon, lat, np.asarray(x), np.asarray(y))


# --------------------------------------------------------------------------- CRS names

_PSEUDO_ALIASES = {
    "gcj02": GCJ02,
    "gcj": GCJ02,
    "mars": GCJ02,
    "bd09": BD09,
    "bd09ll": BD09,
    "baidu": BD09,
}
# Common names for the two geographic CRSs used in China (lon/lat internally, like all others).
_NAMED_CRS = {"wgs84": "EPSG:4326", "wgs1984": "EPSG:4326", "cgcs2000": "EPSG:4490"}
_AUTH_CODE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\s*:{1,2}\s*([A-Za-z0-9_.]+)$")
_OGC_URI = re.compile(
    r"^https?://www\.opengis\.net/def/crs/([A-Za-z0-9_]+)/([0-9.]+)/([A-Za-z0-9_.]+)/?$",
    re.IGNORECASE,
)
_OGC_URN = re.compile(
    r"^urn:ogc:def:crs:([A-Za-z0-9_]+):([0-9.]*):([A-Za-z0-9_.]+)$",
    re.IGNORECASE,
)
_EXPECTED = (
    "expected 'EPSG:<code>' or a bare EPSG code (e.g. 'EPSG:4549', '4549'), "
    "an OGC CRS URI or URN, 'WGS84', 'CGCS2000', 'gcj02' / 'GCJ-02' or 'bd09' / 'BD-09'"
)


def _auth_code(auth: str, code: str, text: str) -> str:
    """Return 'AUTH:CODE' after checking PROJ knows it."""
    name = f"{auth.upper()}:{code.upper() if auth.upper() == 'OGC' else code}"
    try:
        pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError:
        raise ValueError(f"unknown CRS {text!r}: {name} is not in the PROJ database") from None
    return name


@functools.lru_cache(maxsize=256)
def _parse_crs_text(text: str) -> str:
    """Cached worker of :func:`parse_crs` for strings."""
    s = text.strip()
    if not s:
        raise ValueError(f"empty CRS: {_EXPECTED}")
    alias = re.sub(r"[\s_\-]", "", s).lower()
    if alias in _PSEUDO_ALIASES:
        return _PSEUDO_ALIASES[alias]
    if alias in _NAMED_CRS:
        return _NAMED_CRS[alias]
    if s.isdigit():
        return _auth_code("EPSG", str(int(s)), text)
    for pattern in (_OGC_URI, _OGC_URN):
        m = pattern.match(s)
        if m:
            auth, _version, code = m.groups()
            return _auth_code(auth, code, text)
    m = _AUTH_CODE.match(s)
    if m:
        auth, code = m.groups()
        if auth.upper() == "EPSG" and not code.isdigit():
            raise ValueError(f"unrecognised CRS {text!r}: {_EXPECTED}")
        return _auth_code(auth, code, text)
    raise ValueError(f"unrecognised CRS {text!r}: {_EXPECTED}")


def parse_crs(text: str | int | pyproj.CRS) -> str:
    """Normalise a CRS given by a user to 'AUTH:CODE', 'gcj02' or 'bd09'; ValueError otherwise.

    >>> [parse_crs(t) for t in ("epsg:4549", "4549", "GCJ-02", "BD-09")]
    ['EPSG:4549', 'EPSG:4549', 'gcj02', 'bd09']
    >>> parse_crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84")
    'OGC:CRS84'
    >>> parse_crs("mercator")
    Traceback (most recent call last):
    ...
    ValueError: unrecognised CRS 'mercator': expected 'EPSG:<code>' or a bare EPSG code (e.g. 'EPSG:4549', '4549'), an OGC CRS URI or URN, 'WGS84', 'CGCS2000', 'gcj02' / 'GCJ-02' or 'bd09' / 'BD-09'
    """  # noqa: E501
    if isinstance(text, pyproj.CRS):
        auth = text.to_authority(min_confidence=100)
        if auth is None:
            raise ValueError(f"CRS {text.name!r} has no authority code: {_EXPECTED}")
        return _auth_code(auth[0], auth[1], f"{auth[0]}:{auth[1]}")
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise ValueError(f"CRS must be a string or an EPSG code, not {type(text).__name__}")
    if isinstance(text, int):
        return _parse_crs_text(str(text))
    return _parse_crs_text(text)


@functools.lru_cache(maxsize=64)
def _pyproj_crs(name: str) -> pyproj.CRS:
    """pyproj CRS for a normalised name, built once."""
    return pyproj.CRS.from_user_input(name)


def axis_order_is_latlon(crs: str | int | pyproj.CRS) -> bool:
    """True if the CRS's authority axis order puts north first (lat/lon or northing/easting).

    Internal coordinates are always lon/lat or easting/northing; exporters that must write
    authority order (GML, WFS 2.0 with EPSG URNs) swap when this is True. The pseudo-CRSs
    ``gcj02`` and ``bd09`` are lon/lat by definition.

    >>> [axis_order_is_latlon(c) for c in ("EPSG:4326", "OGC:CRS84", "EPSG:4549", "gcj02")]
    [True, False, True, False]
    """
    name = parse_crs(crs)
    if name in PSEUDO_CRSS:
        return False
    axes = _pyproj_crs(name).axis_info
    return bool(axes) and axes[0].direction.lower() in ("north", "south")


@functools.lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    """pyproj Transformer between two normalised names, built once, lon/lat (always_xy)."""
    return pyproj.Transformer.from_crs(_pyproj_crs(src), _pyproj_crs(dst), always_xy=True)


_WGS84_LONLAT = frozenset({"EPSG:4326", "OGC:CRS84"})


def _to_wgs84(
    x: NDArray[np.float64], y: NDArray[np.float64], src: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Arrays in src to WGS84 lon/lat."""
    if src == GCJ02:
        return gcj02_to_wgs84(x, y)  # type: ignore[return-value]
    if src == BD09:
        return bd09_to_wgs84(x, y)  # type: ignore[return-value]
    if src in _WGS84_LONLAT:
        return x, y
    return _transformer(src, WGS84).transform(x, y)


def _from_wgs84(
    x: NDArray[np.float64], y: NDArray[np.float64], dst: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS84 lon/lat arrays to dst."""
    if dst == GCJ02:
        return wgs84_to_gcj02(x, y)  # type: ignore[return-value]
    if dst == BD09:
        return wgs84_to_bd09(x, y)  # type: ignore[return-value]
    if dst in _WGS84_LONLAT:
        return x, y
    return _transformer(WGS84, dst).transform(x, y)


def transform_coords(
    x: ArrayLike, y: ArrayLike, src: str | int | pyproj.CRS, dst: str | int | pyproj.CRS
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Transform coordinate arrays (lon/lat or easting/northing order) from src to dst.

    >>> e, n = transform_coords([120.0979], [28.9375], "EPSG:4326", METRIC_CRS)
    >>> round(float(e[0]), 1), round(float(n[0]), 1)
    (509545.0, 3202346.1)
    """
    s, d = parse_crs(src), parse_crs(dst)
    xa, ya = _as_arrays(x, y)
    xa, ya = np.atleast_1d(xa), np.atleast_1d(ya)
    if s == d:
        return xa.copy(), ya.copy()
    if (s, d) == (GCJ02, BD09):
        return _gcj_to_bd(xa, ya)
    if (s, d) == (BD09, GCJ02):
        return bd09_to_gcj02(xa, ya)  # type: ignore[return-value]
    if s not in PSEUDO_CRSS and d not in PSEUDO_CRSS:
        if s in _WGS84_LONLAT and d in _WGS84_LONLAT:
            return xa.copy(), ya.copy()
        ox, oy = _transformer(s, d).transform(xa, ya)
        return np.asarray(ox, dtype=np.float64), np.asarray(oy, dtype=np.float64)
    wx, wy = _to_wgs84(xa, ya, s)
    ox, oy = _from_wgs84(np.asarray(wx), np.asarray(wy), d)
    return np.asarray(ox, dtype=np.float64), np.asarray(oy, dtype=np.float64)


# --------------------------------------------------------------------------- geometries


def _transform_array(geoms: Any, src: str, dst: str) -> Any:
    """shapely.transform a geometry or an array of geometries; Z values pass through."""

    def fn(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        out = coords.copy()
        if len(out):
            out[:, 0], out[:, 1] = transform_coords(coords[:, 0], coords[:, 1], src, dst)
        return out

    if isinstance(geoms, BaseGeometry):
        return shapely.transform(geoms, fn, include_z=bool(shapely.has_z(geoms)))
    arr = np.asarray(geoms, dtype=object)
    out = np.empty_like(arr)
    has_z = np.asarray(shapely.has_z(arr), dtype=bool)
    if (~has_z).any():
        out[~has_z] = shapely.transform(arr[~has_z], fn, include_z=False)
    if has_z.any():
        out[has_z] = shapely.transform(arr[has_z], fn, include_z=True)
    return out


def transform_geometry(
    geom: BaseGeometry, src: str | int | pyproj.CRS, dst: str | int | pyproj.CRS
) -> BaseGeometry:
    """Transform a shapely geometry from src to dst (any pyproj CRS, 'gcj02' or 'bd09').

    >>> from shapely import Point
    >>> p = transform_geometry(Point(120.1026, 28.934739), "gcj02", "EPSG:4326")
    >>> round(p.x, 6), round(p.y, 6)
    (120.0979, 28.9375)
    """
    s, d = parse_crs(src), parse_crs(dst)
    return _transform_array(geom, s, d)


def _frame_crs(obj: geopandas.GeoDataFrame | geopandas.GeoSeries) -> str | None:
    """The CRS a GeoDataFrame/GeoSeries says it is in (pseudo-CRS from attrs first)."""
    pseudo = obj.attrs.get("pseudo_crs")
    if pseudo:
        return parse_crs(pseudo)
    if obj.crs is not None:
        return parse_crs(obj.crs)
    return None


def to_crs(
    gdf: GeoFrameOrSeries,
    src: str | int | pyproj.CRS | None,
    dst: str | int | pyproj.CRS,
) -> GeoFrameOrSeries:
    """Reproject a GeoDataFrame/GeoSeries from src (None: its own CRS) to dst; returns a copy.

    An explicit ``src`` overrides ``gdf.crs`` (GeoJSON readers label everything EPSG:4326, even
    GCJ-02 data). For a ``gcj02``/``bd09`` result the frame's ``crs`` is None and
    ``attrs["pseudo_crs"]`` names the pseudo-CRS. Only the active geometry column is converted.

    >>> g = geopandas.GeoDataFrame(geometry=geopandas.points_from_xy([120.1026], [28.934739]))
    >>> w = to_crs(g, "gcj02", "EPSG:4326")
    >>> w.crs.to_epsg(), round(float(w.geometry.x[0]), 6), round(float(w.geometry.y[0]), 6)
    (4326, 120.0979, 28.9375)
    """
    s = parse_crs(src) if src is not None else _frame_crs(gdf)
    if s is None:
        raise ValueError(f"to_crs: the data has no CRS; pass src ({_GEOJSON_READERS_NOTE})")
    d = parse_crs(dst)
    is_frame = isinstance(gdf, geopandas.GeoDataFrame)
    series = gdf.geometry if is_frame else gdf
    new = _transform_array(np.asarray(series.array, dtype=object), s, d)
    new_series = geopandas.GeoSeries(
        new, index=series.index, name=series.name, crs=None if d in PSEUDO_CRSS else d
    )
    attrs = dict(gdf.attrs)
    attrs.pop("pseudo_crs", None)
    if d in PSEUDO_CRSS:
        attrs["pseudo_crs"] = d
    if is_frame:
        geom_col = gdf.geometry.name
        out = geopandas.GeoDataFrame(
            gdf.drop(columns=geom_col).assign(**{geom_col: new_series})[list(gdf.columns)],
            geometry=geom_col,
            crs=new_series.crs,
        )
    else:
        out = new_series
    out.attrs = attrs
    return out


def to_metric(
    obj: BaseGeometry | geopandas.GeoDataFrame | geopandas.GeoSeries,
    src: str | int | pyproj.CRS | None = None,
) -> Any:
    """Project a geometry or GeoDataFrame/GeoSeries to METRIC_CRS (EPSG:4549) for distances/areas.

    ``src`` defaults to WGS84 for a bare geometry and to the frame's own CRS (else WGS84) for
    GeoDataFrames/GeoSeries.

    >>> from shapely import box
    >>> round(to_metric(box(120.0, 28.9, 120.01, 28.91)).area)
    1080942
    """
    if isinstance(obj, BaseGeometry):
        return transform_geometry(obj, src if src is not None else WGS84, METRIC_CRS)
    if src is None:
        src = _frame_crs(obj) or WGS84
    return to_crs(obj, src, METRIC_CRS)
