"""The R-tree spatial index: exact answers on the tiny dataset, and equal to brute force."""

from __future__ import annotations

import doctest
import subprocess
import sys

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod
from shapely.geometry import LineString, Point, box

import geoapp.spatial
from geoapp.catalog import load_catalog
from geoapp.coords import to_metric
from geoapp.query import FeatureQuery, select
from geoapp.spatial import METRIC_AREA, Hit, SpatialIndex, layer_statistics

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid: an independent check of projected distances


@pytest.fixture
def tiny_catalog(tiny):
    """The tiny dataset's catalog."""
    return load_catalog(*tiny)


def ids(hits: list[Hit]) -> list[str]:
    """The feature ids of hits, in order."""
    return [h.feature_id for h in hits]


def test_doctests():
    """The module's examples run."""
    result = doctest.testmod(geoapp.spatial, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted >= 8


def test_core_does_not_import_flask():
    """geoapp.spatial is core: importing it pulls in no web framework."""
    code = "import sys, geoapp.spatial; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_metric_area_is_the_crs_area_of_use():
    """METRIC_AREA restates pyproj's area of use of EPSG:4549."""
    assert METRIC_AREA == tuple(round(v, 2) for v in CRS("EPSG:4549").area_of_use.bounds)


# ------------------------------------------------------------------ the tiny dataset


def test_build_indexes_every_feature(tiny_catalog):
    index = tiny_catalog.index
    assert len(index) == 6
    assert index.zones() == ["zone-core"]
    assert index.layer_of("uv-b") == "urban_villages"
    assert tiny_catalog.index is index  # built once per catalog


def test_point(tiny_catalog):
    index = tiny_catalog.index
    assert index.point(120.031, 28.901) == [
        Hit("boundary", "yongkang", 0),
        Hit("zones", "zone-core", 0),
        Hit("parks", "park-a", 0),
    ]
    assert ids(index.point(120.03, 28.901, layers=["parks"])) == ["park-a"]  # edge counts
    assert ids(index.point(120.0325, 28.902, layers=["parks"])) == []
    assert ids(index.point(120.0, 28.9, layers=["ring_roads"])) == ["road-a"]  # a vertex
    assert index.zone_of(120.031, 28.901) == ["zone-core"]
    assert index.zone_of(119.95, 28.9) == []


def test_bbox(tiny_catalog):
    index = tiny_catalog.index
    assert ids(index.bbox(120.035, 28.88, 120.06, 28.9)) == [
        "yongkang",
        "zone-core",
        "uv-a",
        "uv-b",
    ]
    assert ids(index.bbox(120.035, 28.88, 120.06, 28.9, layers=["urban_villages"])) == [
        "uv-a",
        "uv-b",
    ]
    assert ids(index.bbox(120.042, 28.892, 120.042, 28.892, layers=["urban_villages"])) == ["uv-a"]
    assert ids(index.bbox(120.0421, 28.88, 120.0499, 28.89, layers=["urban_villages"])) == []
    with pytest.raises(ValueError, match="inverted"):
        index.bbox(120.1, 28.8, 120.0, 28.9)


def test_nearest_distances_to_the_metre(tiny_catalog):
    index = tiny_catalog.index
    hits = index.nearest(120.045, 28.897, 4)
    assert ids(hits) == ["yongkang", "zone-core", "uv-b", "uv-a"]
    assert [round(h.distance_m) for h in hits] == [0, 0, 488, 627]
    # the nearest points are the polygons' corners: the ellipsoid agrees to the centimetre
    assert hits[2].distance_m == pytest.approx(
        GEOD.inv(120.045, 28.897, 120.05, 28.897)[2], abs=0.01
    )
    assert hits[3].distance_m == pytest.approx(
        GEOD.inv(120.045, 28.897, 120.042, 28.892)[2], abs=0.01
    )


def test_nearest_filters_and_short_layers(tiny_catalog):
    index = tiny_catalog.index
    assert ids(index.nearest(120.045, 28.897, 1, layers=["urban_villages"])) == ["uv-b"]
    assert ids(index.nearest(120.045, 28.897, 5, layers=["parks", "ring_roads"])) == [
        "park-a",
        "road-a",
    ]  # fewer features than k: all of them
    assert ids(index.nearest(120.045, 28.897, 3, status=["planned"])) == ["uv-b", "uv-a", "road-a"]
    assert index.nearest(120.045, 28.897, 3, status=["completed"]) == []
    assert ids(index.nearest(120.045, 28.897, 2, zone="zone-core", layers=["parks"])) == ["park-a"]
    with pytest.raises(ValueError, match="k must be"):
        index.nearest(120.045, 28.897, 0)
    with pytest.raises(ValueError, match="unknown zone"):
        index.nearest(120.045, 28.897, 1, zone="uv-a")
    with pytest.raises(ValueError, match="outside the area"):
        index.nearest(100.0, 28.9, 1)


def test_within(tiny_catalog):
    index = tiny_catalog.index
    assert [(h.feature_id, round(h.distance_m)) for h in index.within(120.045, 28.897, 600)] == [
        ("yongkang", 0),
        ("zone-core", 0),
        ("uv-b", 488),
    ]
    assert ids(index.within(120.045, 28.897, 487, layers=["urban_villages"])) == []
    assert ids(index.within(120.045, 28.897, 488, layers=["urban_villages"])) == ["uv-b"]
    with pytest.raises(ValueError, match="radius"):
        index.within(120.045, 28.897, float("nan"))


def test_intersects_and_feature_zones(tiny_catalog):
    index = tiny_catalog.index
    line = LineString([(120.03, 28.893), (120.06, 28.896)])
    assert ids(index.intersects(line, layers=["urban_villages", "parks"])) == ["uv-b"]
    assert index.intersects(Point(0, 0)) == []
    assert index.feature_zones() == {
        "yongkang": ["zone-core"],
        "zone-core": ["zone-core"],
        "park-a": ["zone-core"],
        "uv-a": ["zone-core"],
        "uv-b": ["zone-core"],
        "road-a": ["zone-core"],
    }


def test_empty_index():
    index = SpatialIndex.from_layers({})
    assert len(index) == 0
    assert index.bbox(0, 0, 1, 1) == [] and index.nearest(120, 29, 3) == []
    assert index.feature_zones() == {}


def test_long_segments_are_not_missed():
    """A 2°-long metric chord bulges ~400 m north of its end points' latitude: still found."""
    road = gpd.GeoDataFrame(
        {"id": ["long"]}, geometry=[LineString([(119.0, 29.0), (121.0, 29.0)])], crs="EPSG:4326"
    )
    towns = gpd.GeoDataFrame({"id": ["t"]}, geometry=[Point(120.0, 29.0096)], crs="EPSG:4326")
    index = SpatialIndex.from_layers({"roads": road, "towns": towns})
    line = to_metric(road.geometry[0])
    origin = to_metric(Point(120.0, 29.006))
    truth = line.distance(origin)
    assert 200 < truth < 300  # nearer than the town (~400 m), though its box is ~660 m away
    assert [(h.feature_id, round(h.distance_m, 3)) for h in index.nearest(120.0, 29.006, 1)] == [
        ("long", round(truth, 3))
    ]


def test_select_features_and_statistics(tiny_catalog):
    def select_features(catalog, layer, **filters):
        return select(catalog, FeatureQuery(layers=(layer,), **filters))[layer]

    assert select_features(tiny_catalog, "urban_villages", q="UV B") == [1]
    assert select_features(tiny_catalog, "urban_villages", q="甲村") == [0]
    assert select_features(tiny_catalog, "urban_villages", bbox=(120.049, 28.8, 121, 29)) == [1]
    assert select_features(tiny_catalog, "urban_villages", status=("completed",)) == []
    assert select_features(tiny_catalog, "urban_villages", zone="zone-core") == [0, 1]
    assert layer_statistics(tiny_catalog) == {
        "counts": [
            {"layer": "boundary", "status": None, "zone": "zone-core", "features": 1},
            {"layer": "zones", "status": None, "zone": "zone-core", "features": 1},
            {"layer": "parks", "status": None, "zone": "zone-core", "features": 1},
            {"layer": "urban_villages", "status": "planned", "zone": "zone-core", "features": 2},
            {"layer": "ring_roads", "status": "planned", "zone": "zone-core", "features": 1},
        ],
        "lengths_km": [{"layer": "ring_roads", "status": "planned", "features": 1, "km": 2.028}],
        "areas_ha": [
            {"layer": "parks", "status": None, "features": 1, "ha": 4.32},
            {"layer": "urban_villages", "status": "planned", "features": 2, "ha": 8.65},
        ],
    }


# ------------------------------------------------------------------ equal to brute force


class BruteForce:
    """Every feature of the bundled catalog, checked one by one with shapely."""

    def __init__(self, catalog):
        """Every feature with its geometry in degrees and in EPSG:4549."""
        self.features = [
            (lid, fid, row, geom, to_metric(geom), status)
            for lid, gdf in catalog.layers.items()
            for row, (fid, geom, status) in enumerate(
                zip(gdf["id"], gdf.geometry, gdf["status"], strict=True)
            )
        ]

    def intersecting(self, shape) -> set[str]:
        """Ids of the features intersecting shape."""
        return {f[1] for f in self.features if f[3].intersects(shape)}

    def distances(self, lon: float, lat: float, layers=None) -> dict[str, float]:
        """id → metres from the point."""
        origin = to_metric(Point(lon, lat))
        return {
            f[1]: f[4].distance(origin) for f in self.features if layers is None or f[0] in layers
        }


@pytest.fixture(scope="module")
def brute(bundled):
    """The brute-force answerer over the bundled data."""
    return BruteForce(bundled)


LON = st.floats(119.75, 120.5)
LAT = st.floats(28.65, 29.2)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(lon=LON, lat=LAT)
def test_point_equals_brute_force(bundled, brute, lon, lat):
    assert set(ids(bundled.index.point(lon, lat))) == brute.intersecting(Point(lon, lat))


@SETTINGS
@given(lon=LON, lat=LAT, w=st.floats(0, 0.2), h=st.floats(0, 0.2))
def test_bbox_equals_brute_force(bundled, brute, lon, lat, w, h):
    got = set(ids(bundled.index.bbox(lon, lat, lon + w, lat + h)))
    shape = (
        box(lon, lat, lon + w, lat + h) if w and h else LineString([(lon, lat), (lon + w, lat + h)])
    )
    assert got == brute.intersecting(shape if w or h else Point(lon, lat))


@SETTINGS
@given(lon=LON, lat=LAT, radius=st.floats(1, 20_000))
def test_within_equals_brute_force(bundled, brute, lon, lat, radius):
    hits = bundled.index.within(lon, lat, radius)
    truth = brute.distances(lon, lat)
    assert set(ids(hits)) == {fid for fid, d in truth.items() if d <= radius}
    assert all(h.distance_m == pytest.approx(truth[h.feature_id], abs=1e-6) for h in hits)
    assert [h.distance_m for h in hits] == sorted(h.distance_m for h in hits)


LAYER_SETS = st.sampled_from([None, ["towns"], ["parks", "urban_villages"], ["ring_roads"]])


@SETTINGS
@given(lon=LON, lat=LAT, k=st.integers(1, 20), layers=LAYER_SETS)
def test_nearest_equals_brute_force(bundled, brute, lon, lat, k, layers):
    hits = bundled.index.nearest(lon, lat, k, layers=layers)
    truth = sorted(brute.distances(lon, lat, layers).values())
    assert [h.distance_m for h in hits] == pytest.approx(truth[:k], abs=1e-6)


def test_the_bundled_zones_cover_the_city(bundled):
    """Every park, block and road of the bundled data lies in some zone; a few towns do not."""
    zones = bundled.index.feature_zones()
    for lid in ("parks", "urban_villages", "ring_roads", "micro_enterprise_parks"):
        assert all(zones[fid] for fid in bundled.layers[lid]["id"]), lid
    outside = sorted(fid for fid in bundled.layers["towns"]["id"] if not zones[fid])
    assert outside == ["town-huajie", "town-xixi", "town-zhoushan"]
    rows = [r for r in layer_statistics(bundled)["counts"] if r["layer"] == "towns"]
    assert sum(r["features"] for r in rows if r["zone"] is None) == 3
    assert sum(r["features"] for r in rows) == sum(
        max(1, len(zones[fid])) for fid in bundled.layers["towns"]["id"]
    )


def test_metric_geometries_are_projected_only_for_what_a_query_measures():
    """A million features are not all projected to EPSG:4549 at build time (a second full copy
    of every geometry in every worker): only the candidates a distance query measures are."""
    geoms = [Point(120.0 + i * 0.001, 28.9) for i in range(200)]
    g = gpd.GeoDataFrame({"id": [f"p{i}" for i in range(200)]}, geometry=geoms, crs="EPSG:4326")
    index = SpatialIndex.from_layers({"towns": g})
    assert sum(m is not None for m in index._metric) == 0
    hits = index.within(120.0, 28.9, 250)
    assert [h.feature_id for h in hits] == ["p0", "p1", "p2"]
    projected = sum(m is not None for m in index._metric)
    assert 3 <= projected < 20
    exact = to_metric(gpd.GeoSeries([geoms[2]], crs="EPSG:4326")).iloc[0]
    assert index.metric_geometry("p2").equals_exact(exact, 1e-6)


def test_zones_of_some_features_are_what_every_feature_zones_says(bundled):
    """A map layer's GeoJSON asks only for its own features' zones (beside a million parcels
    the whole table took seconds per request); the answer is the same as the whole table's."""
    everything = bundled.index.feature_zones()
    for lid, gdf in bundled.layers.items():
        ids = list(gdf["id"])
        assert bundled.index.zones_of(ids) == {f: everything[f] for f in ids}, lid
    assert bundled.index.zones_of(["no-such-feature"]) == {}
    assert sum(bool(z) for z in everything.values()) > 50  # the zones hold many features
