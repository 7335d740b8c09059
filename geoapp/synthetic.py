"""A synthetic parcel layer (控规地块-like polygons) for scale tests and benchmarks.

Parcels are 8–12-vertex polygons 50–200 m across, centred on random points inside the city
outline (shrunk by 200 m so every parcel lies within it). They are **synthetic**: every feature
says so in ``geometry_source`` and ``accuracy``. Above about 25k parcels they overlap, which
changes nothing for loading, tiles or queries.

Examples
--------
>>> import shapely
>>> city = shapely.box(120.0, 28.9, 120.1, 29.0)
>>> gdf = parcels(city, 3, seed=1)
>>> gdf["id"].tolist(), gdf.geometry.geom_type.unique().tolist()
(['p-0000001', 'p-0000002', 'p-0000003'], ['Polygon'])
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

#: Metres per degree near Yongkang (28.9° N): longitude, latitude.
M_PER_DEG = (97_450.0, 110_900.0)
#: The land-use classes (用地性质) the synthetic parcels carry, with their labels.
LAND_USES = {
    "R": ("居住用地", "residential"),
    "B": ("商业服务业用地", "commercial"),
    "M": ("工业用地", "industrial"),
    "G": ("绿地与广场用地", "green space"),
    "A": ("公共管理与公共服务用地", "public services"),
}


def _centres(city: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random points (lon, lat) inside the city shrunk by 200 m."""
    inner = city.buffer(-200 / M_PER_DEG[1])
    shapely.prepare(inner)
    x0, y0, x1, y1 = inner.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        pts = rng.uniform((x0, y0), (x1, y1), size=(max(2 * (n - len(out)), 64), 2))
        out = np.vstack([out, pts[shapely.contains_xy(inner, pts[:, 0], pts[:, 1])]])
    return out[:n]


def parcel_geometries(city: shapely.Geometry, n: int, seed: int = 0) -> np.ndarray:
    """``n`` parcel polygons (WGS84) inside ``city``, built in whole arrays."""
    rng = np.random.default_rng(seed)
    centres = _centres(city, n, rng)
    vertices = rng.integers(8, 13, size=n)
    size = rng.uniform(50, 200, size=n)  # across, metres
    owner = np.repeat(np.arange(n), vertices)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(vertices) - vertices, vertices)
    angle = 2 * np.pi * (k + rng.uniform(-0.3, 0.3, len(owner))) / vertices[owner]
    radius = size[owner] / 2 * rng.uniform(0.75, 1.0, len(owner))
    x = centres[owner, 0] + radius * np.cos(angle) / M_PER_DEG[0]
    y = centres[owner, 1] + radius * np.sin(angle) / M_PER_DEG[1]
    ring_ids = np.repeat(np.arange(n), vertices + 1)
    closed = np.insert(np.arange(len(owner)), np.cumsum(vertices), np.cumsum(vertices) - vertices)
    rings = shapely.linearrings(np.c_[x, y][closed], indices=ring_ids)
    return shapely.polygons(rings)


def parcels(city: shapely.Geometry, n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """The synthetic parcel layer: ``n`` features with the base fields and a land use."""
    rng = np.random.default_rng(seed + 1)
    geoms = parcel_geometries(city, n, seed)
    number = [f"{i:07d}" for i in range(1, n + 1)]
    return gpd.GeoDataFrame(
        {
            "id": [f"p-{s}" for s in number],
            "name": [f"地块{s}" for s in number],
            "name_en": [f"Parcel {s}" for s in number],
            "accuracy": "schematic",
            "location_confidence": "low",
            "geometry_source": "合成测试数据 / synthetic test data",
            "land_use": rng.choice(list(LAND_USES), size=n),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write a layer as RFC 7946 GeoJSON (6 decimals, UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options={"RFC7946": "YES"})
    return path


def city_outline(data_dir: Path) -> shapely.Geometry:
    """The city outline from a data directory's ``boundary.geojson``."""
    fc = json.loads((Path(data_dir) / "geojson" / "boundary.geojson").read_text("utf-8"))
    return shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in fc["features"]])
