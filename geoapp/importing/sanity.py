"""Coordinates that are in the wrong place for a reason we can name.

Before reprojection, :func:`check_raw_coordinates` compares each feature with where Yongkang lies
in the file's declared CRS and names the mistake: eastings with the zone prefix 40 under a 4549
``.prj``, x and y swapped, degrees in a file that says metres (and metres in one that says
degrees). After reprojection, :func:`offset_problems` looks at each changed feature: one that
moved by about the GCJ-02 (or BD-09) offset was traced on a Chinese web map; with
``--src-crs gcj02``, one that moved back by the offset while it was already WGS84 is flagged
the other way.

Examples
--------
>>> offset_vector(shapely.Point(120.1, 28.9), "gcj02")  # doctest: +ELLIPSIS
(...)
"""

from __future__ import annotations

import math

import geopandas as gpd
import shapely

from geoapp.coords import METRIC_CRS, parse_crs, transform_coords, transform_geometry
from geoapp.importing.limits import ImportFailed
from geoapp.problems import Problem

#: Yongkang's middle (WGS84 lon/lat): where every feature should be, give or take a few km.
CENTRE = (120.10, 28.93)
#: How far a feature may be from CENTRE and still be "in Yongkang" for these checks.
NEAR_DEGREES, NEAR_METRES = 1.0, 100_000.0
#: The zone prefix of CGCS2000 3-degree zone 40 (CM 120°E), and the CRS that has it.
ZONE_PREFIX, ZONE_CRS = 40_000_000.0, "EPSG:4528"
#: A feature moved by the offset within this share of the offset's length counts as "by it".
OFFSET_TOLERANCE = 0.25
PSEUDO_LABELS = {"gcj02": "GCJ-02 (高德 / 腾讯)", "bd09": "BD-09 (百度)"}


def _is_geographic(crs: str) -> bool:
    if crs in PSEUDO_LABELS:
        return True
    import pyproj

    return pyproj.CRS.from_user_input(crs).is_geographic


def _near(x: float, y: float, crs: str) -> bool:
    """True when (x, y) in ``crs`` (lon/lat or easting/northing order) lies near Yongkang."""
    try:
        cx, cy = transform_coords([CENTRE[0]], [CENTRE[1]], "EPSG:4326", crs)
    except Exception:  # noqa: BLE001 — a CRS that cannot reach Yongkang: nothing is near
        return False
    tol = NEAR_DEGREES if _is_geographic(crs) else NEAR_METRES
    return abs(x - float(cx[0])) < tol and abs(y - float(cy[0])) < tol


def diagnose(x: float, y: float, crs: str) -> str | None:
    """What is wrong with a feature at (x, y) in a file that says ``crs`` (None if nothing)."""
    if not (math.isfinite(x) and math.isfinite(y)) or _near(x, y, crs):
        return None
    degrees = _is_geographic(crs)
    if _near(y, x, crs):
        first, second = ("longitude", "latitude") if degrees else ("easting", "northing")
        return (
            f"x and y are swapped (x = {x:.6g} holds the {second}): write x = {first}, y = {second}"
        )
    metres = f"coordinates ({x:.0f}, {y:.0f}) are metres"
    if degrees and _near(x, y, METRIC_CRS):
        return f"{metres} but {crs} is degrees; say --src-crs EPSG:4549"
    if degrees and _near(x - ZONE_PREFIX, y, METRIC_CRS):
        return f"{metres} with the zone prefix 40 but {crs} is degrees; say --src-crs {ZONE_CRS}"
    if degrees:
        return None
    if _near(x, y, "EPSG:4326"):
        return (
            f"coordinates ({x:.5f}, {y:.5f}) are degrees but {crs} is metres; say "
            "--src-crs EPSG:4326 (or EPSG:4490)"
        )
    if _near(x - ZONE_PREFIX, y, crs):
        return (
            f"eastings carry the zone prefix 40 (x = {x:.0f}) but {crs} has none; say "
            f"--src-crs {ZONE_CRS} (CGCS2000 3-degree zone 40 with prefix)"
        )
    return None


def check_raw_coordinates(gdf: gpd.GeoDataFrame, crs: str, name: str) -> None:
    """ImportFailed naming the features whose coordinates are wrong in a way we recognise."""
    crs = parse_crs(crs) if ":" in crs or crs in PSEUDO_LABELS else crs
    found: list[tuple[str, str]] = []
    ids = gdf["id"] if "id" in gdf.columns else [None] * len(gdf)
    for i, (fid, geom) in enumerate(zip(ids, gdf.geometry, strict=True)):
        if geom is None or geom.is_empty:
            continue
        x, y = shapely.get_coordinates(geom)[0]
        why = diagnose(float(x), float(y), crs)
        if why:
            found.append((fid if isinstance(fid, str) and fid else f"#{i + 1}", why))
    if not found:
        return
    first, why = found[0]
    others = f" and {len(found) - 1} other feature(s)" if len(found) > 1 else ""
    raise ImportFailed(f"{name}: feature '{first}'{others}: {why}")


def offset_vector(geom: shapely.Geometry, pseudo: str) -> tuple[float, float]:
    """The (east, north) metres WGS84 → ``pseudo`` moves the geometry's centroid."""
    c = geom.centroid
    moved = transform_geometry(c, "EPSG:4326", pseudo)
    a, b = (
        transform_geometry(c, "EPSG:4326", METRIC_CRS),
        transform_geometry(moved, "EPSG:4326", METRIC_CRS),
    )
    return b.x - a.x, b.y - a.y


def _moved_by(before, after, vector: tuple[float, float]) -> float | None:
    """The metres moved when the centroid moved by about ``vector`` (None otherwise)."""
    a = transform_geometry(before.centroid, "EPSG:4326", METRIC_CRS)
    b = transform_geometry(after.centroid, "EPSG:4326", METRIC_CRS)
    dx, dy = b.x - a.x, b.y - a.y
    size = math.hypot(*vector)
    if size and math.hypot(dx - vector[0], dy - vector[1]) < OFFSET_TOLERANCE * size:
        return math.hypot(dx, dy)
    return None


def offset_problems(
    pairs: list[tuple[str, shapely.Geometry, shapely.Geometry, str | None]], name: str
) -> list[Problem]:
    """Features (id, before, after, pseudo-CRS converted from) that moved by about a web-map
    offset, with what to do."""
    problems = []
    for fid, before, after, converted_from in pairs:
        if before is None or after is None or before.is_empty or after.is_empty:
            continue
        for pseudo, label in PSEUDO_LABELS.items():
            if converted_from in PSEUDO_LABELS and pseudo != converted_from:
                continue
            vec = offset_vector(before, pseudo)
            if converted_from == pseudo:
                moved = _moved_by(before, after, (-vec[0], -vec[1]))
                msg = (f"moved {{:.0f}} m, back by the {label} offset, while the other features "
                       f"stay: it was already WGS84 in the file; import without --src-crs "
                       f"{pseudo} and say --feature-crs ID={pseudo} only for the features traced "
                       "on that map")  # fmt: skip
            else:
                moved = _moved_by(before, after, vec)
                msg = (f"moved {{:.0f}} m, about the {label} offset: it looks traced on that map; "
                       f"say --feature-crs {fid}={pseudo} (or --src-crs {pseudo} if the whole file "
                       "is)")  # fmt: skip
            if moved is not None:
                problems.append(Problem(name, fid, msg.format(moved)))
                break
    return problems
