"""Spatial queries over every feature of every layer: one R-tree, decided exactly by shapely.

The R-tree (the ``rtree`` package, libspatialindex) holds each feature's bounding box in
EPSG:4326 degrees and answers the coarse question; shapely decides exactly. Distances are true
distances in metres between geometries projected to EPSG:4549 (:data:`geoapp.coords.METRIC_CRS`),
computed once per feature when the index is built, never in degrees.

``nearest`` takes candidates from the R-tree's nearest (ranked by box distance in degrees, which
is not distance in metres), ranks them exactly, then fetches every feature that could still be
closer than the k-th distance found (a window around the point, in degrees, that surely holds the
metric circle) and ranks those exactly too: the k-th distance is then certain.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString, Point, box
>>> towns = gpd.GeoDataFrame(
...     {"id": ["a", "b"], "status": [None, "planned"]},
...     geometry=[Point(120.00, 28.90), Point(120.01, 28.90)], crs="EPSG:4326")
>>> zones = gpd.GeoDataFrame(
...     {"id": ["z"]}, geometry=[box(119.99, 28.89, 120.005, 28.91)], crs="EPSG:4326")
>>> index = SpatialIndex.from_layers({"zones": zones, "towns": towns})
>>> [(h.layer, h.feature_id) for h in index.point(120.0, 28.9)]
[('zones', 'z'), ('towns', 'a')]
>>> [(h.feature_id, round(h.distance_m)) for h in index.nearest(120.0, 28.9, k=2, layers=["towns"])]
[('a', 0), ('b', 975)]
>>> index.feature_zones()["b"], index.zone_of(120.0, 28.9)
([], ['z'])
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import rtree
import shapely
from shapely.geometry.base import BaseGeometry

from geoapp.coords import METRIC_CRS, WGS84, to_metric, transform_coords
from geoapp.status import STATUS

if TYPE_CHECKING:
    from geoapp.catalog import Catalog

#: Where distances are computed: EPSG:4549's area of use (lon/lat degrees, pyproj's bounds).
METRIC_AREA = (118.5, 24.43, 121.5, 53.33)
#: The layer whose features are the zones of ``zone`` filters and :meth:`SpatialIndex.zone_of`.
ZONE_LAYER = "zones"
#: A straight segment in EPSG:4549 maps back to a curve that leaves its end points' box in
#: degrees by at most ~0.0011 deg per deg² of segment length (measured over METRIC_AREA);
#: windows are padded by twice that for the longest segment indexed, plus a few millimetres.
_BULGE_PER_DEG2 = 0.002
_MIN_PAD = 1e-7
_WINDOW_SAMPLES = 17


@dataclass(slots=True)  # not frozen: a frozen dataclass is 3× slower to create, in the hot path
class Hit:
    """One feature a query found: its layer, id, row position in the layer, distance in metres."""

    layer: str
    feature_id: str
    row: int
    distance_m: float | None = None


def _longest_segment(geoms: np.ndarray) -> float:
    """Length in degrees of the longest straight piece between consecutive vertices."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    if len(coords) < 2:
        return 0.0
    steps = np.hypot(*np.diff(coords, axis=0).T)[owner[1:] == owner[:-1]]
    return float(steps.max()) if len(steps) else 0.0


def _query_box(minx: float, miny: float, maxx: float, maxy: float) -> BaseGeometry:
    """The box as a geometry; a degenerate box is a line or a point, not an invalid polygon."""
    if minx == maxx and miny == maxy:
        return shapely.Point(minx, miny)
    if minx == maxx or miny == maxy:
        return shapely.LineString([(minx, miny), (maxx, maxy)])
    return shapely.box(minx, miny, maxx, maxy)


def _object_array(values: Iterable[Any]) -> np.ndarray:
    """A 1-d object array of the values (geometries are never unpacked)."""
    values = list(values)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class SpatialIndex:
    """One R-tree over every feature of every layer, with metric geometries kept per feature once used.

    Features are items 0..n-1 of the R-tree; their layer, row, status, geometries and bounds are
    numpy columns indexed by item, so filters and exact tests run vectorised over candidates.
    """

    def __init__(self, zone_layer: str = ZONE_LAYER) -> None:
        """An empty index; build one with :meth:`from_catalog` or :meth:`from_layers`."""
        self.zone_layer = zone_layer
        self._tree = rtree.index.Index()
        self._layers: list[str] = []  # layer code → id; the code is also the layer's rank
        self._statuses: list[str] = []  # status code → status
        self._item: dict[str, int] = {}  # feature id → item
        self._size = 0
        self._fid = np.empty(0, dtype=object)
        self._geom = np.empty(0, dtype=object)
        self._metric = np.empty(0, dtype=object)
        self._layer = np.empty(0, dtype=np.int32)
        self._status = np.empty(0, dtype=np.int32)  # -1: no status
        self._row = np.empty(0, dtype=np.int64)
        self._bounds = np.empty((0, 4))
        self._longest = 0.0
        self._zone_cache: dict[str, np.ndarray] = {}
        self._feature_zones: dict[str, list[str]] | None = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ building

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> SpatialIndex:
        """The index over every layer of a catalog (its joined ``status`` included)."""
        from geoapp.query.zones import zone_layer

        return cls.from_layers(catalog.layers, zone_layer(catalog.defs) or ZONE_LAYER)

    @classmethod
    def from_layers(
        cls, layers: Mapping[str, gpd.GeoDataFrame], zone_layer: str = ZONE_LAYER
    ) -> SpatialIndex:
        """Bulk-load the R-tree from layers in EPSG:4326 with an ``id`` (and maybe ``status``) column.

        Rows with a missing or empty geometry are left out. Ids must be unique across layers.

        >>> import geopandas as gpd
        >>> from shapely import Point
        >>> g = gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(120, 29)], crs="EPSG:4326")
        >>> len(SpatialIndex.from_layers({"towns": g}))
        1
        """
        index = cls(zone_layer)
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("fid", "geom", "layer", "status",
                                                             "row")}  # fmt: skip
        for layer, gdf in layers.items():
            code = index._code(index._layers, layer)
            geoms = np.asarray(gdf.geometry.array, dtype=object)
            keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
            status = (
                gdf["status"].to_numpy()[keep] if "status" in gdf else np.full(keep.sum(), None)
            )
            parts["fid"].append(gdf["id"].astype(str).to_numpy(dtype=object)[keep])
            parts["geom"].append(geoms[keep])
            parts["layer"].append(np.full(keep.sum(), code, dtype=np.int32))
            parts["status"].append(np.array([index._status_code(s) for s in status], np.int32))
            parts["row"].append(np.flatnonzero(keep).astype(np.int64))
        if parts["fid"]:
            cols = {k: np.concatenate(v) for k, v in parts.items()}
            index._fid, index._geom = cols["fid"], cols["geom"]
            index._metric = np.full(len(index._fid), None, dtype=object)  # projected on use
            index._layer, index._status, index._row = cols["layer"], cols["status"], cols["row"]
            index._size = len(index._fid)
            index._item = {fid: i for i, fid in enumerate(index._fid)}
            if len(index._item) != index._size:
                dupes = sorted(f for f, n in Counter(index._fid).items() if n > 1)
                raise ValueError(f"duplicate feature ids: {', '.join(dupes[:5])}")
            index._bounds = shapely.bounds(index._geom)
            index._longest = _longest_segment(index._geom)
            index._tree = _bulk_load(index._bounds)
        return index

    @staticmethod
    def _code(names: list[str], name: str) -> int:
        """The code of a name in a code table, adding it if new."""
        if name not in names:
            names.append(name)
        return names.index(name)

    def _status_code(self, status: Any) -> int:
        """The code of a status value (-1 for none)."""
        return self._code(self._statuses, status) if isinstance(status, str) and status else -1

    # ------------------------------------------------------------------ lookups

    def __len__(self) -> int:
        """The number of features indexed."""
        return len(self._item)

    def __contains__(self, feature_id: object) -> bool:
        """True if a feature with this id is indexed."""
        return feature_id in self._item

    def row_of(self, feature_id: str) -> tuple[str, int] | None:
        """(layer, row in that layer's frame) of a feature, or None if it is not indexed."""
        item = self._item.get(feature_id)
        if item is None:
            return None
        return self._layers[self._layer[item]], int(self._row[item])

    def layer_of(self, feature_id: str) -> str:
        """The layer of a feature (``KeyError`` if unknown)."""
        return self._layers[self._layer[self._item[feature_id]]]

    def metric_geometry(self, feature_id: str) -> BaseGeometry:
        """The feature's geometry in EPSG:4549 (metres), projected on first use and kept."""
        return self._metric_of(np.array([self._item[feature_id]]))[0]

    def metric_geometries(self, feature_ids: list[str]) -> dict[str, BaseGeometry]:
        """feature id → its geometry in EPSG:4549 (projected in one call where needed)."""
        items = np.array([self._item[f] for f in feature_ids], dtype=np.int64)
        return dict(zip(feature_ids, self._metric_of(items), strict=True))

    def _metric_of(self, items: np.ndarray) -> np.ndarray:
        """The items' geometries in EPSG:4549: those not yet projected are, in one call, and
        kept (a million features are not all projected up front: most are never measured)."""
        with self._lock:
            todo = np.unique(items[shapely.is_missing(self._metric[items])])
            if len(todo):
                series = gpd.GeoSeries(self._geom[todo], crs=WGS84)
                self._metric[todo] = np.asarray(to_metric(series, WGS84).array, dtype=object)
            return self._metric[items]

    def zones(self) -> list[str]:
        """The zone ids (the areas of the zone layer, :mod:`geoapp.query.zones`), in layer order."""
        hits = self.select(layers=[self.zone_layer])
        return [h.feature_id for h in hits if self._is_area(self._item[h.feature_id])]

    def _is_area(self, item: int) -> bool:
        """True if the item is a polygon (a line of the zone layer is not a zone)."""
        return self._geom[item].geom_type in ("Polygon", "MultiPolygon")

    # ------------------------------------------------------------------ filters

    def _filter(
        self,
        layers: Iterable[str] | None,
        status: Iterable[str] | None,
        zone: str | None,
    ) -> Callable[[np.ndarray], np.ndarray]:
        """A function keeping the items that pass the layer, status and zone filters."""
        layer_codes = None if layers is None else self._codes(self._layers, layers)
        status_codes = None if status is None else self._codes(self._statuses, status)
        members = None if zone is None else self._zone_members(zone)

        def allowed(items: np.ndarray) -> np.ndarray:
            """The items that pass."""
            keep = self._layer[items] >= 0
            if layer_codes is not None:
                keep &= np.isin(self._layer[items], layer_codes)
            if status_codes is not None:
                keep &= np.isin(self._status[items], status_codes)
            if members is not None:
                keep &= np.isin(items, members)
            return items[keep]

        return allowed

    @staticmethod
    def _codes(names: list[str], wanted: Iterable[str]) -> np.ndarray:
        """The codes of the wanted names that the table knows."""
        return np.array([names.index(w) for w in set(wanted) if w in names], dtype=np.int32)

    def _zone_members(self, zone: str) -> np.ndarray:
        """Items whose geometry intersects the zone's (cached until the data changes)."""
        with self._lock:
            cached = self._zone_cache.get(zone)
            if cached is not None:
                return cached
            item = self._item.get(zone)
            if (
                item is None
                or self._layers[self._layer[item]] != self.zone_layer
                or not self._is_area(item)
            ):
                raise ValueError(f"unknown zone {zone!r}")
            candidates = self._candidates(tuple(self._bounds[item]))
            candidates = candidates[self._layer[candidates] >= 0]
            inside = shapely.intersects(self._geom[candidates], self._geom[item])
            members = np.sort(candidates[inside])
            self._zone_cache[zone] = members
            return members

    def feature_zones(self) -> dict[str, list[str]]:
        """feature id → the ids of the zones it intersects (zone layer order; [] for none), for
        every feature: built once, shared — read it, do not change it. For some features only,
        :meth:`zones_of` is much cheaper (a map layer's GeoJSON beside a million parcels)."""
        with self._lock:
            if self._feature_zones is None:
                out: dict[str, list[str]] = {fid: [] for fid in self._item}
                for zone in self.zones():
                    for fid in self._fid[self._zone_members(zone)]:
                        out[fid].append(zone)
                self._feature_zones = out
            return self._feature_zones

    def zones_of(self, feature_ids: Iterable[str]) -> dict[str, list[str]]:
        """feature id → the zones it intersects, for these features only (zone layer order; []
        for none; unknown ids left out): each zone tested against their boxes, then shapes."""
        items = np.array([self._item[f] for f in feature_ids if f in self._item], dtype=np.int64)
        out: dict[str, list[str]] = {self._fid[i]: [] for i in items}
        for zone in self.zones() if len(items) else []:
            item = self._item[zone]
            x0, y0, x1, y1 = self._bounds[item]
            b = self._bounds[items]
            near = items[(b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0)]
            for i in near[shapely.intersects(self._geom[item], self._geom[near])]:
                out[self._fid[i]].append(zone)
        return out

    # ------------------------------------------------------------------ results

    def _candidates(self, bounds: tuple[float, ...]) -> np.ndarray:
        """Items whose box intersects ``bounds`` (lon/lat)."""
        with self._lock:
            return np.array(list(self._tree.intersection(bounds)), dtype=np.int64)

    def _hits(self, items: np.ndarray, distances: np.ndarray | None = None) -> list[Hit]:
        """Hits for items, by layer order then row, or by distance first when given."""
        keys = (self._row[items], self._layer[items])
        order = np.lexsort(keys if distances is None else (*keys, distances))
        items = items[order]
        names = self._layers
        layers, fids, rows = (
            self._layer[items].tolist(),
            self._fid[items],
            self._row[items].tolist(),
        )
        if distances is None:
            return [Hit(names[c], f, r) for c, f, r in zip(layers, fids, rows, strict=True)]
        dist = distances[order].tolist()
        return [Hit(names[c], f, r, d) for c, f, r, d in zip(layers, fids, rows, dist, strict=True)]

    def _intersecting(
        self, shape: BaseGeometry, allowed: Callable[[np.ndarray], np.ndarray]
    ) -> list[Hit]:
        """Allowed items whose geometry intersects ``shape``: R-tree, then shapely."""
        if shape.is_empty:
            return []
        candidates = allowed(self._candidates(shape.bounds))
        shapely.prepare(shape)
        return self._hits(candidates[shapely.intersects(self._geom[candidates], shape)])

    # ------------------------------------------------------------------ queries

    def select(
        self,
        layers: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        zone: str | None = None,
    ) -> list[Hit]:
        """Every feature passing the filters, in layer order then row (no place constraint)."""
        return self._hits(self._filter(layers, status, zone)(np.arange(self._size)))

    def bbox(
        self,
        minx: float,
        miny: float,
        maxx: float,
        maxy: float,
        layers: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        zone: str | None = None,
    ) -> list[Hit]:
        """Features intersecting the box (lon/lat degrees, edges included).

        >>> from shapely import Point
        >>> g = gpd.GeoDataFrame({"id": ["t"], "status": ["planned"]}, geometry=[Point(120.0, 28.9)])
        >>> index = SpatialIndex.from_layers({"towns": g})
        >>> index.bbox(119.9, 28.8, 120.1, 29.0, status=["planned"])
        [Hit(layer='towns', feature_id='t', row=0, distance_m=None)]
        """
        if not (minx <= maxx and miny <= maxy):
            raise ValueError(f"inverted box ({minx}, {miny}, {maxx}, {maxy})")
        shape = _query_box(minx, miny, maxx, maxy)
        return self._intersecting(shape, self._filter(layers, status, zone))

    def intersects(
        self,
        geometry: BaseGeometry,
        layers: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        zone: str | None = None,
    ) -> list[Hit]:
        """Features intersecting a geometry given in lon/lat degrees."""
        return self._intersecting(geometry, self._filter(layers, status, zone))

    def point(
        self,
        lon: float,
        lat: float,
        layers: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        zone: str | None = None,
    ) -> list[Hit]:
        """Features containing the point (on a boundary or on a line counts)."""
        return self._intersecting(shapely.Point(lon, lat), self._filter(layers, status, zone))

    def zone_of(self, lon: float, lat: float) -> list[str]:
        """Ids of the zones containing the point, in layer order."""
        hits = self.point(lon, lat, layers=[self.zone_layer])
        return [h.feature_id for h in hits if self._is_area(self._item[h.feature_id])]

    def within(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        layers: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        zone: str | None = None,
    ) -> list[Hit]:
        """Features within ``radius_m`` metres (EPSG:4549) of the point, nearest first.

        >>> from shapely import Point
        >>> g = gpd.GeoDataFrame({"id": ["t"]}, geometry=[Point(120.01, 28.9)], crs="EPSG:4326")
        >>> index = SpatialIndex.from_layers({"towns": g})
        >>> [(h.feature_id, round(h.distance_m)) for h in index.within(120.0, 28.9, 1000)]
        [('t', 975)]
        >>> index.within(120.0, 28.9, 900)
        []
        """
        if not (math.isfinite(radius_m) and radius_m >= 0):
            raise ValueError(f"radius must be a finite number of metres >= 0, not {radius_m}")
        origin = _metric_point(lon, lat)
        return self._around(origin, radius_m, self._filter(layers, status, zone))

    def nearest(
        self,
        lon: float,
        lat: float,
        k: int = 1,
        layers: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        zone: str | None = None,
    ) -> list[Hit]:
        """The ``k`` features nearest to the point by true distance in metres (EPSG:4549).

        Ties are broken by layer order, then row.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        origin = _metric_point(lon, lat)
        allowed = self._filter(layers, status, zone)
        wanted, total = k, len(self)
        while True:
            with self._lock:
                near = list(self._tree.nearest((lon, lat, lon, lat), wanted))
            found = allowed(np.array(near, dtype=np.int64))
            if len(found) >= k or wanted >= total:
                break
            wanted *= 4
        if not len(found):
            return []
        distances = np.sort(shapely.distance(self._metric_of(found), origin))
        reach = float(distances[min(k, len(distances)) - 1])
        return self._around(origin, reach, allowed)[:k]

    def _around(
        self,
        origin: shapely.Point,
        radius_m: float,
        allowed: Callable[[np.ndarray], np.ndarray],
    ) -> list[Hit]:
        """Allowed items at most ``radius_m`` from the metric ``origin``, nearest first."""
        window = _window(origin, radius_m, _MIN_PAD + _BULGE_PER_DEG2 * self._longest**2)
        candidates = allowed(self._candidates(window))
        distances = shapely.distance(self._metric_of(candidates), origin)
        close = distances <= radius_m
        return self._hits(candidates[close], distances[close])


def _bulk_load(bounds: np.ndarray) -> rtree.index.Index:
    """An R-tree bulk-loaded (STR packing in libspatialindex) with items 0..n-1."""
    if not len(bounds):
        return rtree.index.Index()
    ids = np.arange(len(bounds), dtype=np.int64)
    mins, maxs = np.ascontiguousarray(bounds[:, :2]), np.ascontiguousarray(bounds[:, 2:])
    try:  # the stream constructor, fed numpy arrays (libspatialindex >= 2.1)
        return rtree.index.Index((ids, mins, maxs))
    except NotImplementedError:  # pragma: no cover - older libspatialindex: a generator stream
        return rtree.index.Index(
            (int(i), tuple(b), None) for i, b in zip(ids, bounds.tolist(), strict=True)
        )


def _metric_point(lon: float, lat: float) -> shapely.Point:
    """The point in EPSG:4549; ``ValueError`` outside the area where that CRS is valid."""
    minx, miny, maxx, maxy = METRIC_AREA
    if not (minx <= lon <= maxx and miny <= lat <= maxy):
        raise ValueError(
            f"({lon}, {lat}) is outside the area where distances are computed "
            f"(EPSG:4549: lon {minx}–{maxx}, lat {miny}–{maxy})"
        )
    x, y = transform_coords([lon], [lat], WGS84, METRIC_CRS)
    return shapely.Point(float(x[0]), float(y[0]))


def _window(origin: shapely.Point, radius_m: float, pad: float) -> tuple[float, ...]:
    """A lon/lat box that holds every point within ``radius_m`` of the metric ``origin``."""
    t = np.linspace(-radius_m, radius_m, _WINDOW_SAMPLES)
    lo, hi = np.full(_WINDOW_SAMPLES, -radius_m), np.full(_WINDOW_SAMPLES, radius_m)
    xs = origin.x + np.concatenate([t, t, lo, hi])
    ys = origin.y + np.concatenate([lo, hi, t, t])
    lon, lat = transform_coords(xs, ys, METRIC_CRS, WGS84)
    return (lon.min() - pad, lat.min() - pad, lon.max() + pad, lat.max() + pad)


# ---------------------------------------------------------------------- catalog-level helpers


def _status_key(status: str | None) -> int:
    """Sort key: the vocabulary's order, no status last."""
    return STATUS[status].order if status in STATUS else len(STATUS) + 1


def _measure_kind(geometry_types: Iterable[str]) -> str | None:
    """'km' for a line layer, 'ha' for a polygon layer, None otherwise."""
    kinds = {t.removeprefix("Multi") for t in geometry_types}
    return {"LineString": "km", "Polygon": "ha"}.get(kinds.pop()) if len(kinds) == 1 else None


def _tally(catalog: Catalog) -> tuple[Counter, dict[str, Counter], Counter]:
    """Counts per (layer, status, zone); km or ha per (layer, status); features per the same."""
    index = catalog.index
    zones_of = index.feature_zones()
    counts: Counter[tuple[str, str | None, str | None]] = Counter()
    measures: dict[str, Counter[tuple[str, str | None]]] = {"km": Counter(), "ha": Counter()}
    measured: Counter[tuple[str, str | None]] = Counter()
    for lid, gdf in catalog.layers.items():
        layer = catalog.defs[lid]
        kind = _measure_kind(layer.geometry_types) if layer.has_status else None
        shapes = index.metric_geometries([f for f in gdf["id"] if f in index]) if kind else {}
        for fid, status in zip(gdf["id"], gdf["status"], strict=True):
            status = status if isinstance(status, str) and status else None
            for zone in zones_of.get(fid) or [None]:
                counts[(lid, status, zone)] += 1
            if kind and fid in index:
                shape = shapes[fid]
                size = shape.length / 1000 if kind == "km" else shape.area / 10000
                measures[kind][(lid, status)] += size
                measured[(lid, status)] += 1
    return counts, measures, measured


def layer_statistics(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """Feature counts by layer × status × zone; km of lines and ha of polygons by status.

    A feature in two zones counts once in each; ``zone`` is None for a feature in no zone.
    Lengths and areas are measured in EPSG:4549 on the index's cached metric geometries, for
    every layer that carries a status (line layers in km, polygon layers in ha).

    >>> layer_statistics(cat)["areas_ha"][0]  # doctest: +SKIP
    {'layer': 'parks', 'status': 'planned', 'features': 4, 'ha': 152.31}
    """
    counts, measures, measured = _tally(catalog)
    zone_rank = {z: i for i, z in enumerate(catalog.index.zones())}
    layer_rank = {lid: i for i, lid in enumerate(catalog.layers)}

    def order(item: tuple[tuple, Any]) -> tuple[int, int, int]:
        """Layer order, then status order, then zone order (no zone last)."""
        key = item[0]
        zone = key[2] if len(key) > 2 else None
        return (layer_rank[key[0]], _status_key(key[1]), zone_rank.get(zone, len(zone_rank)))

    def rows(kind: str, digits: int) -> list[dict[str, Any]]:
        """The rows of one measure, rounded."""
        return [
            {"layer": k[0], "status": k[1], "features": measured[k], kind: round(v, digits)}
            for k, v in sorted(measures[kind].items(), key=order)
        ]

    return {
        "counts": [
            {"layer": k[0], "status": k[1], "zone": k[2], "features": n}
            for k, n in sorted(counts.items(), key=order)
        ],
        "lengths_km": rows("km", 3),
        "areas_ha": rows("ha", 2),
    }
