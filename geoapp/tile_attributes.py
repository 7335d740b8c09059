"""What a vector tile's feature carries: the attributes the map's controls read.

Every feature: ``id``, ``name``, ``name_en``, ``status``, ``location_confidence``, the layer's
style keys and ``color`` (the one style rule). A feature linked to a project also carries what a
small layer's display GeoJSON gives the colour modes, the "as of" control and the zone filter
(:func:`geoapp.query.display.display_layer`), compactly and only when set:

- ``project_id``; ``target_status`` and ``target_year`` (the plan's target);
- ``overdue``: ``true`` when the target year has passed short of the target (absent otherwise);
- ``steps``: the status at each source date, written as only the dates where it changes,
  ``"2020 planned;2021 under_construction"`` (before the first date the project was not named);
- ``zones``: the ids of the zones the feature meets, ``;``-separated.

Properties are made per feature on first use (a tile needs a few thousand of a layer's rows).

>>> compact_steps([["2019", None], ["2020", "planned"], ["2021", "planned"], ["2022", "launched"]])
'2020 planned;2022 launched'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoapp.progress import is_overdue
from geoapp.query.display import status_steps
from geoapp.query.style import feature_color

if TYPE_CHECKING:
    import geopandas as gpd

    from geoapp.catalog import Catalog
    from geoapp.layers import LayerDef

#: Properties every tile feature may carry (when the layer has them), besides ``color``.
TILE_FIELDS = ("id", "name", "name_en", "status", "location_confidence")
#: Fields that choose a feature's symbol (style keys) and so travel in tiles too.
STYLE_FIELDS = ("zone_type", "feature_kind")
#: What a feature linked to a project adds (only the keys that are set), with TileJSON types.
PROJECT_FIELDS = {
    "project_id": "String", "target_status": "String", "target_year": "String",
    "overdue": "Boolean", "steps": "String", "zones": "String",
}  # fmt: skip


def _plain(value: Any) -> Any:
    """A frame's value as the tile writes it: None for a missing one, numpy scalars as Python's."""
    if value is None or (isinstance(value, float | np.floating) and value != value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value.item() if isinstance(value, np.generic) else value


class _Row(Mapping):
    """One row of a layer's columns, read (and cleaned) only where the style rule looks."""

    def __init__(self, columns: dict[str, np.ndarray], row: int) -> None:
        self._columns, self._row = columns, row

    def __getitem__(self, key: str) -> Any:
        return _plain(self._columns[key][self._row])

    def __iter__(self):
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


def compact_steps(steps: list[list[str | None]]) -> str:
    """``status_steps`` as the dates where the status changes (``"date status;…"``)."""
    out, before = [], None
    for date, status in steps:
        if status is not None and status != before:
            out.append(f"{date} {status}")
        before = status
    return ";".join(out)


class ProjectKeys:
    """The project keys of a layer's features (per project id, computed once)."""

    def __init__(self, catalog: Catalog, today: dt.date) -> None:
        self._catalog, self._today = catalog, today
        self._steps: dict[str, str] = {}

    def __call__(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The keys of one feature (``{}`` for a feature with no project)."""
        pid = row.get("project_id")
        if not pid:
            return {}
        out: dict[str, Any] = {"project_id": pid}
        if row.get("target_status"):
            out["target_status"] = row["target_status"]
            if row.get("target_year"):
                out["target_year"] = str(row["target_year"])
        if row.get("status") and is_overdue(row, self._today):
            out["overdue"] = True
        if pid not in self._steps:
            self._steps[pid] = compact_steps(status_steps(self._catalog, pid))
        if self._steps[pid]:
            out["steps"] = self._steps[pid]
        zones = self._catalog.index.zones_of([row["id"]]).get(row["id"])
        if zones:  # this feature's only: the table of every feature costs seconds at 1M
            out["zones"] = ";".join(zones)
        return out


class TileProperties:
    """The tile properties of a layer's features, made on first use per feature (a tile needs a
    few thousand of a layer's rows, not all of them at load)."""

    def __init__(
        self,
        layer: LayerDef,
        gdf: gpd.GeoDataFrame,
        catalog: Catalog | None = None,
        today: dt.date | None = None,
    ) -> None:
        # the one style rule reads any column (a status layer's project-less rivers are context)
        # the frame's own arrays (read per row): to_numpy() would make a Python object of every
        # string of every column — hundreds of MB per worker beside a million parcels
        self._columns = {c: gdf[c].array for c in gdf.columns if c != gdf.geometry.name}
        self._names = [c for c in TILE_FIELDS + STYLE_FIELDS if c in self._columns]
        self._layer = layer
        linked = catalog is not None and "project_id" in self._columns
        self._projects = ProjectKeys(catalog, today or dt.date.today()) if linked else None
        self._made: dict[int, dict[str, Any]] = {}

    def __getitem__(self, row: int) -> dict[str, Any]:
        props = self._made.get(row)
        if props is None:
            values = _Row(self._columns, row)
            props = {k: v for k in self._names if (v := values[k]) is not None and v != ""}
            props["color"] = feature_color(self._layer, values)
            if self._projects is not None:
                props.update(self._projects(values))
            self._made[row] = props
        return props


def tile_fields(layer: LayerDef, gdf: gpd.GeoDataFrame) -> dict[str, str]:
    """The attributes a layer's tile features carry, with their TileJSON types."""
    types = {"str": "String", "int": "Number", "float": "Number", "bool": "Boolean"}
    out = {}
    for name in TILE_FIELDS + STYLE_FIELDS:
        f = layer.field(name)
        if name in gdf.columns:
            out[name] = types.get(f.type if f else "str", "String")
    out["color"] = "String"
    if "project_id" in gdf.columns and gdf["project_id"].astype(bool).any():
        out.update(PROJECT_FIELDS)
    return out
