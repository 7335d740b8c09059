"""The one GeoJSON serialiser: the same feature has the same properties in /api, /ogc and exports.

A feature's properties are its layer's fields (but ``id``, which is the Feature's own ``id``),
for a layer with status the registry columns (:data:`geoapp.catalog.JOIN_COLUMNS`), and the
feature's ``version``; missing values are ``null``. :class:`LayerFeatures` holds a layer's features ready to serve and encodes
them once per CRS.

>>> feats = layer_features(cat, "parks")  # doctest: +SKIP
>>> feats.feature(0)["properties"]["status"]  # doctest: +SKIP
'planned'
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import shapely

from geoapp.catalog import JOIN_COLUMNS
from geoapp.coords import axis_order_is_latlon, to_crs
from geoapp.layers import LayerDef
from geoapp.query.clean import plain_list
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
    """One layer's features ready to serve: ids, properties, geometries, GeoJSON per CRS."""

    def __init__(self, catalog: Catalog, layer_id: str):
        """Take the joined layer from the catalog (row order is the index's row order)."""
        gdf = catalog.layers[layer_id]
        self.layer = catalog.defs[layer_id]
        self.ids: list[str] = [str(v) for v in gdf["id"]]
        self.position = {fid: i for i, fid in enumerate(self.ids)}
        columns = property_columns(self.layer)
        values = {c: plain_list(gdf[c]) if c in gdf.columns else [None] * len(gdf) for c in columns}
        values[VERSION_FIELD] = catalog_versions(catalog, layer_id, self.ids)
        self.properties: list[dict[str, Any]] = [
            {c: values[c][i] for c in columns} for i in range(len(gdf))
        ]
        self.geometry = gdf.geometry
        self._encoded: dict[str, list[bytes]] = {}
        self._mapped: list[dict | None] | None = None

    def feature(self, row: int) -> dict[str, Any]:
        """One GeoJSON Feature (WGS84) as a dict."""
        if self._mapped is None:
            texts = shapely.to_geojson(np.asarray(self.geometry.array, dtype=object))
            self._mapped = [None if t is None else orjson.loads(t) for t in texts]
        return {
            "type": "Feature",
            "id": self.ids[row],
            "geometry": self._mapped[row],
            "properties": dict(self.properties[row]),
        }

    def encoded(self, crs: str) -> list[bytes]:
        """Each feature as GeoJSON bytes with coordinates in ``crs`` (its axis order), cached."""
        parts = self._encoded.get(crs)
        if parts is None:
            geoms = np.asarray(self._geometries(crs), dtype=object)
            texts = shapely.to_geojson(geoms)
            parts = [
                b'{"type":"Feature","id":%s,"geometry":%s,"properties":%s}'
                % (orjson.dumps(fid), (t or "null").encode(), orjson.dumps(props))
                for fid, t, props in zip(self.ids, texts, self.properties, strict=True)
            ]
            self._encoded[crs] = parts
        return parts

    def _geometries(self, crs: str):
        if crs in ("OGC:CRS84", "EPSG:4326"):
            geoms = self.geometry.array
        else:
            geoms = to_crs(self.geometry, "EPSG:4326", crs).array
        arr = np.asarray(geoms, dtype=object)
        if axis_order_is_latlon(crs) and len(arr):
            arr = shapely.transform(arr, lambda c: c[:, ::-1])
        return arr


def layer_features(catalog: Catalog, layer_id: str) -> LayerFeatures:
    """The layer's features, built once per catalog load (``KeyError`` for an unknown layer)."""
    stores = catalog.extra.setdefault(_KEY, {})
    if layer_id not in stores:
        with _LOCK:
            if layer_id not in stores:
                stores[layer_id] = LayerFeatures(catalog, layer_id)
    return stores[layer_id]
