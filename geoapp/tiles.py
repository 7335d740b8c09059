"""Vector tiles (Mapbox Vector Tile) for every layer, on the WebMercatorQuad tile grid.

One tile of one layer: the features whose box meets the tile (plus a small buffer) come from
the layer's R-tree (shapely's STRtree, built once per load); features smaller than
:data:`MIN_FEATURE_PX` pixels at the tile's zoom are dropped (points never are); the rest are
projected to tile units, clipped to the buffer, simplified by :data:`SIMPLIFY_UNITS` (a fraction
of a pixel, so the generalisation follows the zoom), snapped to the integer grid and encoded on
whole arrays (:mod:`geoapp.mvt`, byte for byte what ``mapbox-vector-tile`` writes). A tile keeps at most :data:`MAX_TILE_FEATURES` features and
:data:`MAX_TILE_BYTES` bytes, the largest features first. Tile math (bounds, matrix limits,
the TileMatrixSet document) comes from ``morecantile``.

What each feature carries (its name, status, colour, and for a feature linked to a project its
target, overdue flag, status steps and zones) is :mod:`geoapp.tile_attributes`.

Tiles are cached per catalog load (a :class:`TileSet` lives with one data version, so a change of
data empties the cache), at most :data:`CACHE_BYTES`.

Examples
--------
>>> tileset = tileset_for(catalog)  # doctest: +SKIP
>>> data = tileset.tile("parks", 14, 6816, 13653)  # doctest: +SKIP
>>> mapbox_vector_tile.decode(data)["parks"]["features"][0]["properties"]["id"]  # doctest: +SKIP
'park-a'
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import morecantile
import numpy as np
import shapely

from geoapp.mvt import encode_layer
from geoapp.tile_attributes import TileProperties
from geoapp.tile_attributes import tile_fields as _fields

if TYPE_CHECKING:
    import geopandas as gpd

    from geoapp.catalog import Catalog
    from geoapp.layers import LayerDef

TMS = morecantile.tms.get("WebMercatorQuad")
TMS_ID = "WebMercatorQuad"
#: The tiling schemes offered: WebMercatorQuad (web maps, TileJSON) and WorldCRS84Quad (lon/lat;
#: GDAL's OGC API driver prefers it and reads the collection's CRS84 extent in its units).
SCHEMES = {TMS_ID: TMS, "WorldCRS84Quad": morecantile.tms.get("WorldCRS84Quad")}
#: Metres per degree of longitude at the equator (a CRS84 tile's span in Mercator metres).
M_PER_DEG_EQ = 6378137.0 * math.pi / 180
MVT = "application/vnd.mapbox-vector-tile"
#: Tile units per side, and the buffer around the tile (units) features are clipped to.
EXTENT = 4096
BUFFER = 64
#: Zoom levels served (every layer at every level; small features drop out at low zooms).
MIN_ZOOM, MAX_ZOOM = 0, 20
#: A feature smaller than this (its box's longer side, in 256-pixel tile pixels) is dropped.
MIN_FEATURE_PX = 2.0
#: Douglas–Peucker tolerance in tile units (16 units = one pixel): 1/8 pixel at every zoom.
SIMPLIFY_UNITS = 2.0
#: No tile is larger than this, nor holds more features: over it, the largest features are kept
#: (dropping the densest as needed, as tippecanoe does: a tile has a few hundred metres of
#: 1–2-pixel features at most where they pile up).
MAX_TILE_BYTES = 500_000
MAX_TILE_FEATURES = 2000
#: The bytes of encoded tiles kept per catalog load.
CACHE_BYTES = 64 * 1024 * 1024
#: ``geoapp serve`` makes a tiled layer's tiles up to this zoom before it forks (``prebuild``)
PREBUILT_ZOOM = 12
#: … but never more than this many tiles per layer
PREBUILT_TILES = 256
#: Earth radius of the spherical Mercator (EPSG:3857), metres.
R = 6378137.0


class TileError(ValueError):
    """A tile request outside the grid or the served zooms (the web layer makes it a 404)."""


def mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat degrees → EPSG:3857 metres (vectorised).

    >>> [round(v) for v in np.ravel(mercator(np.array([120.0]), np.array([0.0])))]
    [13358339, 0]
    """
    lat = np.clip(lat, -85.0511287798, 85.0511287798)
    return R * np.radians(lon), R * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def scheme(tms_id: str) -> morecantile.TileMatrixSet:
    """An offered tiling scheme; ``KeyError`` for any other."""
    return SCHEMES[tms_id]


def check_tile(z: int, y: int, x: int, tms_id: str = TMS_ID) -> None:
    """Raise :class:`TileError` unless z/y/x is a tile of the grid at a served zoom."""
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise TileError(f"tileMatrix {z} is not served (zoom {MIN_ZOOM} to {MAX_ZOOM})")
    matrix = scheme(tms_id).matrix(z)
    if not (0 <= x < matrix.matrixWidth and 0 <= y < matrix.matrixHeight):
        raise TileError(f"tile {z}/{y}/{x} is outside the tile matrix")


@dataclass
class LayerTiles:
    """What a layer's tiles need, computed once per load: feature sizes, the R-tree, and the
    tile properties (per feature on first use)."""

    sizes: np.ndarray  # box's longer side, EPSG:3857 metres
    properties: TileProperties
    geometries: np.ndarray
    tree: shapely.STRtree  # over the lon/lat geometries, in row order

    @classmethod
    def build(
        cls,
        layer: LayerDef,
        gdf: gpd.GeoDataFrame,
        catalog: Catalog | None = None,
        today: dt.date | None = None,
    ) -> LayerTiles:
        """Sizes, properties and the R-tree of every feature of a (joined) layer; with the
        catalog, features linked to projects carry their target, overdue flag, steps and zones."""
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        minx, miny, maxx, maxy = shapely.bounds(geoms).T
        (x0, y0), (x1, y1) = mercator(minx, miny), mercator(maxx, maxy)
        sizes = np.nan_to_num(np.maximum(x1 - x0, y1 - y0), nan=0.0)
        props = TileProperties(layer, gdf, catalog, today)
        return cls(sizes, props, geoms, shapely.STRtree(geoms))


class TileSet:
    """The tiles of one catalog load: built on demand, cached (bounded by bytes)."""

    def __init__(self, catalog: Catalog, cache_bytes: int = CACHE_BYTES) -> None:
        self.catalog = catalog
        self.cache_bytes = cache_bytes
        self._layers: dict[str, LayerTiles] = {}
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._today = dt.date.today()

    def _new_year(self) -> None:
        """A new year makes targets overdue: tiles made last year are dropped (under the lock)."""
        today = dt.date.today()
        if today.year != self._today.year:
            self._layers.clear()
            self._cache.clear()
            self._size = 0
        self._today = today

    def _layer(self, layer_id: str) -> LayerTiles:
        with self._lock:
            if layer_id not in self._layers:
                c = self.catalog
                self._layers[layer_id] = LayerTiles.build(
                    c.defs[layer_id], c.layers[layer_id], c, self._today
                )
            return self._layers[layer_id]

    def tile(self, layer_id: str, z: int, y: int, x: int, tms_id: str = TMS_ID) -> bytes:
        """The MVT bytes of one tile (``b""`` when no feature falls in it); cached."""
        if layer_id not in self.catalog.defs:
            raise KeyError(layer_id)
        check_tile(z, y, x, tms_id)
        key = (layer_id, tms_id, z, y, x)
        with self._lock:
            self._new_year()
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        data = render_tile(self._layer(layer_id), layer_id, z, y, x, tms_id)
        self._remember(key, data)
        return data

    def prebuild(self, layer_id: str, max_zoom: int = PREBUILT_ZOOM) -> int:
        """Render and keep the layer's WebMercatorQuad tiles from zoom 0 to ``max_zoom`` (at most
        :data:`PREBUILT_TILES`): the few low-zoom tiles that hold most of a big layer cost up to
        150 ms each the first time, the deeper ones a few ms. The number of tiles made."""
        gdf = self.catalog.layers[layer_id]
        if not len(gdf):
            return 0
        x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
        tiles = TMS.tiles(x0, y0, x1, y1, zooms=list(range(MIN_ZOOM, max_zoom + 1)))
        made = 0
        for t in itertools.islice(tiles, PREBUILT_TILES):
            self.tile(layer_id, t.z, t.y, t.x)
            made += 1
        return made

    def _remember(self, key: tuple, data: bytes) -> None:
        """Keep a tile, dropping the least recently used beyond the byte budget."""
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = data
            self._size += len(data) + 64
            while self._size > self.cache_bytes and self._cache:
                _, old = self._cache.popitem(last=False)
                self._size -= len(old) + 64


_TILESETS_LOCK = threading.Lock()


def tileset_for(catalog: Catalog) -> TileSet:
    """The catalog's tile set (one per load: new data, new tiles)."""
    with _TILESETS_LOCK:
        tileset = catalog.extra.get("tiles")
        if tileset is None:
            tileset = catalog.extra["tiles"] = TileSet(catalog)
        return tileset


def _selected(layer: LayerTiles, z: int, y: int, x: int, tms_id: str = TMS_ID):
    """Rows of the features meeting the buffered tile, large enough to see at this zoom."""
    tms = scheme(tms_id)
    bounds = tms.xy_bounds(morecantile.Tile(x, y, z))
    span = bounds.right - bounds.left
    pad = span * BUFFER / EXTENT
    edge = tms.xy_bbox  # the buffer of a tile at the grid's edge stays inside the grid
    west, south = tms.lnglat(
        max(bounds.left - pad, edge.left), max(bounds.bottom - pad, edge.bottom)
    )
    east, north = tms.lnglat(min(bounds.right + pad, edge.right), min(bounds.top + pad, edge.top))
    area = shapely.box(max(west, -180), max(south, -85.06), min(east, 180), min(north, 85.06))
    rows = np.sort(layer.tree.query(area))  # boxes meeting the tile: the R-tree, no Python loop
    metres = span if tms_id == TMS_ID else span * M_PER_DEG_EQ  # sizes are Mercator metres
    min_size = MIN_FEATURE_PX * metres / 256
    sizes = layer.sizes[rows]
    rows = rows[(sizes >= min_size) | (sizes == 0)]  # points stay
    shapely.prepare(area)
    return rows[shapely.intersects(area, layer.geometries[rows])], bounds


def _to_tile_units(geoms: np.ndarray, bounds, tms_id: str = TMS_ID) -> np.ndarray:
    """Project lon/lat geometries into the tile's units (y down), clip, simplify, snap."""
    scale = EXTENT / (bounds.right - bounds.left)

    def project(coords: np.ndarray) -> np.ndarray:
        if tms_id == TMS_ID:
            mx, my = mercator(coords[:, 0], coords[:, 1])
        else:  # WorldCRS84Quad: the grid is in degrees
            mx, my = coords[:, 0], coords[:, 1]
        return np.column_stack([(mx - bounds.left) * scale, (bounds.top - my) * scale])

    local = shapely.transform(geoms, project)
    local = shapely.clip_by_rect(local, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    local = shapely.simplify(local, SIMPLIFY_UNITS, preserve_topology=False)
    local = shapely.transform(local, np.rint)  # the integer grid of the tile
    # MVT wants exterior rings clockwise on screen (y down): counter-clockwise in maths terms
    return shapely.orient_polygons(local)


def render_tile(
    layer: LayerTiles, layer_id: str, z: int, y: int, x: int, tms_id: str = TMS_ID
) -> bytes:
    """Encode one tile of one layer (no cache)."""
    rows, bounds = _selected(layer, z, y, x, tms_id)
    rows, geoms = _largest_drawn(layer, rows, bounds, tms_id)
    count = len(rows)
    while count:
        props = [layer.properties[r] for r in rows[:count]]
        data = encode_layer(layer_id, geoms[:count], props, EXTENT)
        if len(data) <= MAX_TILE_BYTES:
            return data
        count = math.floor(count * MAX_TILE_BYTES / len(data) * 0.9)
    return b""


def _largest_drawn(layer: LayerTiles, rows: np.ndarray, bounds, tms_id: str):
    """The (at most MAX_TILE_FEATURES) largest features that still show in tile units, largest
    first, with their geometries: only as many are projected, clipped and simplified as needed."""
    rows = rows[np.argsort(-layer.sizes[rows], kind="stable")]  # largest first: they survive a cut
    kept_rows, kept_geoms, done = [], [], 0
    while done < len(rows) and sum(map(len, kept_rows)) < MAX_TILE_FEATURES:
        part = rows[done : done + MAX_TILE_FEATURES]
        done += len(part)
        geoms = _to_tile_units(layer.geometries[part], bounds, tms_id)
        keep = ~shapely.is_empty(geoms) & ~(
            np.isin(shapely.get_type_id(geoms), (3, 6)) & (shapely.area(geoms) == 0)
        )
        kept_rows.append(part[keep])
        kept_geoms.append(geoms[keep])
    if not kept_rows:
        return rows[:0], np.empty(0, dtype=object)
    rows, geoms = np.concatenate(kept_rows), np.concatenate(kept_geoms)
    return rows[:MAX_TILE_FEATURES], geoms[:MAX_TILE_FEATURES]


def tile_limits(
    bounds: tuple[float, float, float, float], tms_id: str = TMS_ID
) -> list[dict[str, Any]]:
    """The TileMatrixSetLimits of every served zoom for a lon/lat box."""
    tms, out = scheme(tms_id), []
    for z in range(MIN_ZOOM, MAX_ZOOM + 1):
        ul = tms.tile(bounds[0], bounds[3], z)
        lr = tms.tile(bounds[2], bounds[1], z)
        out.append({"tileMatrix": str(z), "minTileRow": ul.y, "maxTileRow": lr.y,
                    "minTileCol": ul.x, "maxTileCol": lr.x})  # fmt: skip
    return out


# --------------------------------------------------------------------------- documents
# OGC API – Tiles (tilesets list, tileset metadata, tiling schemes) and TileJSON 3.0, as dicts.

TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
CRS_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: Each scheme's URI, CRS and title.
SCHEME_INFO = {
    TMS_ID: (TMS_URI, CRS_3857, "Google Maps Compatible for the World"),
    "WorldCRS84Quad": ("http://www.opengis.net/def/tilematrixset/OGC/1.0/WorldCRS84Quad", CRS84,
                       "CRS84 for the World"),
}  # fmt: skip
REL_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
REL_TILESETS = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]


def _layer_bounds(catalog: Catalog, layer_id: str) -> list[float]:
    gdf = catalog.layers[layer_id]
    if not len(gdf) or shapely.is_empty(gdf.geometry.values).all():
        return [119.88, 28.75, 120.36, 29.12]
    return [round(float(v), 6) for v in gdf.total_bounds]


def tile_url(base: str, layer_id: str) -> str:
    """The URL template of a layer's tiles (OGC order: tileMatrix/tileRow/tileCol = z/y/x)."""
    return f"{base}/collections/{layer_id}/tiles/{TMS_ID}/{{z}}/{{y}}/{{x}}"


def tile_fields(catalog: Catalog, layer_id: str) -> dict[str, str]:
    """The attributes the layer's tile features carry, with their TileJSON types."""
    return _fields(catalog.defs[layer_id], catalog.layers[layer_id])


def _tileset_links(base: str, layer_id: str, tms_id: str) -> list[dict[str, Any]]:
    url = f"{base}/collections/{layer_id}/tiles/{tms_id}"
    return [
        {"href": url, "rel": "self", "type": "application/json", "title": "瓦片集 Tileset"},
        {"href": f"{base}/tileMatrixSets/{tms_id}", "rel": REL_SCHEME,
         "type": "application/json", "title": tms_id},
        {"href": f"{url}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "rel": "item", "type": MVT,
         "templated": True, "title": "矢量瓦片 Mapbox Vector Tiles"},
        {"href": f"{url}/tilejson.json", "rel": "describedby", "type": "application/json",
         "title": "TileJSON"},
        {"href": f"{base}/collections/{layer_id}", "rel": "collection",
         "type": "application/json", "title": layer_id},
    ]  # fmt: skip


def _tileset_summary(catalog: Catalog, base: str, layer_id: str, tms_id: str) -> dict[str, Any]:
    layer = catalog.defs[layer_id]
    uri, crs, _ = SCHEME_INFO[tms_id]
    return {
        "title": f"{layer.title_for('zh')} {layer.title_for('en')}",
        "dataType": "vector",
        "crs": crs,
        "tileMatrixSetURI": uri,
        "links": _tileset_links(base, layer_id, tms_id),
    }


def tilesets(catalog: Catalog, base: str, layer_id: str) -> dict[str, Any]:
    """The tilesets of a collection (one: WebMercatorQuad)."""
    _known(catalog, layer_id)
    url = f"{base}/collections/{layer_id}/tiles"
    return {
        "links": [{"href": url, "rel": "self", "type": "application/json", "title": "瓦片集"}],
        "tilesets": [_tileset_summary(catalog, base, layer_id, t) for t in SCHEMES],
    }


def tileset(catalog: Catalog, base: str, layer_id: str, tms_id: str = TMS_ID) -> dict[str, Any]:
    """A collection's tileset metadata: limits per zoom, bounding box, the layer's schema."""
    _known(catalog, layer_id)
    bounds = _layer_bounds(catalog, layer_id)
    doc = _tileset_summary(catalog, base, layer_id, tms_id)
    kind = catalog.defs[layer_id].style.get("kind")
    doc.update(
        tileMatrixSetLimits=tile_limits(tuple(bounds), tms_id),
        boundingBox={"lowerLeft": bounds[:2], "upperRight": bounds[2:], "crs": CRS84},
        layers=[{
            "id": layer_id, "dataType": "vector",
            "geometryDimension": {"point": 0, "line": 1, "polygon": 2}.get(kind, 2),
            "minTileMatrix": str(MIN_ZOOM), "maxTileMatrix": str(MAX_ZOOM),
            "propertiesSchema": {"type": "object", "properties": {
                k: {"type": v.lower() if v != "Number" else "number"}
                for k, v in tile_fields(catalog, layer_id).items()}},
        }],
    )  # fmt: skip
    return doc


def tilejson(catalog: Catalog, base: str, layer_id: str) -> dict[str, Any]:
    """TileJSON 3.0 for a layer (what Leaflet/MapLibre vector-tile clients read)."""
    _known(catalog, layer_id)
    layer = catalog.defs[layer_id]
    bounds = _layer_bounds(catalog, layer_id)
    return {
        "tilejson": "3.0.0",
        "name": layer_id,
        "description": f"{layer.title_for('zh')} / {layer.title_for('en')}",
        "attribution": layer.attribution,
        "version": catalog.version,
        "scheme": "xyz",
        "tiles": [tile_url(base, layer_id)],
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM,
        "bounds": bounds,
        "center": [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), 11],
        "vector_layers": [{"id": layer_id, "fields": tile_fields(catalog, layer_id),
                           "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM}],
    }  # fmt: skip


def tile_matrix_sets(base: str) -> dict[str, Any]:
    """The tiling schemes offered (one)."""
    return {
        "tileMatrixSets": [{
            "id": t, "title": SCHEME_INFO[t][2], "uri": SCHEME_INFO[t][0],
            "links": [{"href": f"{base}/tileMatrixSets/{t}", "rel": "self",
                       "type": "application/json", "title": t}],
        } for t in SCHEMES]
    }  # fmt: skip


def tile_matrix_set(tms_id: str) -> dict[str, Any]:
    """The OGC TileMatrixSet document (from morecantile)."""
    return scheme(tms_id).model_dump(mode="json", exclude_none=True)


def _known(catalog: Catalog, layer_id: str) -> None:
    if layer_id not in catalog.defs:
        raise KeyError(layer_id)
