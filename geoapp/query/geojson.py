"""The one GeoJSON serialiser: the same feature has the same properties in /api, /ogc and exports.

A feature's properties are its layer's fields (but ``id``, which is the Feature's own ``id``),
for a layer with status the registry columns (:data:`geoapp.catalog.JOIN_COLUMNS`), and the
feature's ``version``; missing values are ``null``. :class:`LayerFeatures` serves a layer's
features, each made when it is asked for.

>>> feats = layer_features(cat, "parks")  # doctest: +SKIP
>>> feats.feature(0)["properties"]["status"]  # doctest: +SKIP
'planned'
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import shapely

from geoapp.catalog import JOIN_COLUMNS
from geoapp.coords import axis_order_is_latlon, to_crs
from geoapp.layers import LayerDef
from geoapp.query.clean import plain
from geoapp.versions import VERSION_FIELD, catalog_versions

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog

_KEY = "geoapp.query.geojson"
_LOCK = threading.Lock()


def property_columns(layer: LayerDef) -> list[str]:
    """The properties a feature carries everywhere (its id is the GeoJSON ``id``): the layer's
    fields, the registry columns on a layer with status, and the feature's version (``version``,
    which an import of an exported file checks against later corrections).
    """
    cols = [f.name for f in layer.all_fields if f.name != "id"]
    return cols + (JOIN_COLUMNS if layer.has_status else []) + [VERSION_FIELD]


class LayerFeatures:
    """One layer's features ready to serve: ids, properties, geometries, GeoJSON in a CRS.

    Everything is made per feature when it is asked for (a page, a feature, a reference), not
    for the whole layer up front: a layer of a million parcels would otherwise cost every worker
    gigabytes and its first request a minute. Answers are cached as pages (:mod:`geoapp.cache`).
    """

    def __init__(self, catalog: Catalog, layer_id: str):
        """Take the joined layer from the catalog (row order is the index's row order)."""
        gdf = catalog.layers[layer_id]
        self.layer = catalog.defs[layer_id]
        self._catalog = catalog
        self._ids = gdf["id"].array
        self._names = property_columns(self.layer)
        self._columns = {c: gdf[c].array for c in self._names if c in gdf.columns}
        self.geometry = gdf.geometry
        self.properties = _Properties(self)

    def __len__(self) -> int:
        return len(self._ids)

    @cached_property
    def ids(self) -> list[str]:
        """Every feature's id, in row order."""
        return [str(v) for v in self._ids]

    def row_of(self, feature_id: str) -> int | None:
        """The row of a feature of this layer (None if it has none by that id), through the
        R-tree's id table (a million-entry table of its own would cost every worker)."""
        found = self._catalog.index.row_of(feature_id)
        return found[1] if found is not None and found[0] == self.layer.id else None

    def fid(self, row: int) -> str:
        """The id of the feature in ``row``."""
        return str(self._ids[row])

    def row_properties(self, row: int) -> dict[str, Any]:
        """One feature's properties (missing values None, numpy scalars unwrapped)."""
        out = {}
        for c in self._names:
            if c == VERSION_FIELD:
                out[c] = catalog_versions(self._catalog, self.layer.id, [self.fid(row)])[0]
            else:
                column = self._columns.get(c)
                out[c] = None if column is None else plain(column[row])
        return out

    def feature(self, row: int) -> dict[str, Any]:
        """One GeoJSON Feature (WGS84) as a dict."""
        text = shapely.to_geojson(self.geometry.array[row])
        return {
            "type": "Feature",
            "id": self.fid(row),
            "geometry": None if text is None else orjson.loads(text),
            "properties": self.row_properties(row),
        }

    def encode_rows(self, crs: str, rows: Sequence[int]) -> list[bytes]:
        """These features as GeoJSON bytes with coordinates in ``crs`` (its axis order)."""
        rows = np.asarray(rows, dtype=np.int64)
        texts = shapely.to_geojson(self._geometries(crs, rows)) if len(rows) else []
        return [
            b'{"type":"Feature","id":%s,"geometry":%s,"properties":%s}'
            % (orjson.dumps(self.fid(r)), (t or "null").encode(),
               orjson.dumps(self.row_properties(r)))
            for r, t in zip(rows.tolist(), texts, strict=True)
        ]  # fmt: skip

    def _geometries(self, crs: str, rows: np.ndarray) -> np.ndarray:
        series = self.geometry.iloc[rows]
        if crs not in ("OGC:CRS84", "EPSG:4326"):
            series = to_crs(series, "EPSG:4326", crs)
        arr = np.asarray(series.array, dtype=object)
        if axis_order_is_latlon(crs) and len(arr):
            arr = shapely.transform(arr, lambda c: c[:, ::-1])
        return arr


class _Properties(Sequence):
    """Every feature's properties as a sequence, each made when it is read."""

    def __init__(self, features: LayerFeatures) -> None:
        self._features = features

    def __len__(self) -> int:
        return len(self._features)

    def __iter__(self):
        return (self._features.row_properties(r) for r in range(len(self)))

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return [self._features.row_properties(r) for r in range(len(self))[row]]
        return self._features.row_properties(row)


def layer_features(catalog: Catalog, layer_id: str) -> LayerFeatures:
    """The layer's features, built once per catalog load (``KeyError`` for an unknown layer)."""
    stores = catalog.extra.setdefault(_KEY, {})
    if layer_id not in stores:
        with _LOCK:
            if layer_id not in stores:
                stores[layer_id] = LayerFeatures(catalog, layer_id)
    return stores[layer_id]
