"""What a zone is, once: an area (polygon) feature of the layer whose definition says ``zones``.

The 东永一线 axis is a line in that layer: it is drawn, but it is not a zone, so no filter (API,
OGC, embed, map, progress page, statistics) offers it.

>>> zone_ids(cat)  # doctest: +SKIP
['zone-belt', 'zone-east', ...]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shapely

from geoapp.errors import BadParameter
from geoapp.params import shown

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog
    from geoapp.layers import LayerDef

AREA_TYPES = ("Polygon", "MultiPolygon")


def zone_layer(defs: dict[str, LayerDef]) -> str | None:
    """The id of the layer holding the zones (its definition has ``zones = true``), or None."""
    return next((lid for lid, d in defs.items() if d.zones), None)


def zone_ids(catalog: Catalog) -> list[str]:
    """The ids of every zone, in file order."""
    lid = zone_layer(catalog.defs)
    if lid is None:
        return []
    gdf = catalog.layers[lid]
    return [str(f) for f, g in zip(gdf["id"], gdf.geometry, strict=True) if _is_area(g)]


def _is_area(geometry) -> bool:
    return geometry is not None and geometry.geom_type in AREA_TYPES


def parse_zone(raw: str | None, catalog: Catalog, param: str = "zone") -> str | None:
    """A zone id (None when absent); BadParameter for anything that is not a zone."""
    if raw is None:
        return None
    zones = zone_ids(catalog)
    value = raw.strip()
    if value not in zones:
        raise BadParameter(
            f"unknown zone {shown(value)}; expected one of: {', '.join(zones)}", param
        )
    return value


def zone_shape(catalog: Catalog, zone_id: str) -> shapely.Geometry:
    """The zone's geometry (WGS84); BadParameter if it is not a zone."""
    parse_zone(zone_id, catalog)
    gdf = catalog.layers[zone_layer(catalog.defs)]
    return gdf.geometry[(gdf["id"] == zone_id).to_numpy()].iloc[0]
