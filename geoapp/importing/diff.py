"""What an import changes, feature by feature: added, removed, moved (metres), fields changed.

Examples
--------
>>> d = diff_layers(old, new, layer)  # doctest: +SKIP
>>> [(c.id, round(c.moved_m), c.accuracy) for c in d.changed]  # doctest: +SKIP
[('park-a', 120, ('schematic', 'surveyed'))]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geoapp.coords import to_metric
from geoapp.layers import LayerDef

#: A shape that moved less than this (metres) is reported as "reshaped", not "moved".
MOVED_M = 0.01


@dataclass
class FeatureChange:
    """What changed in one feature: geometry (how far, in metres) and fields (old, new)."""

    id: str
    geometry: bool
    fields: dict[str, tuple[Any, Any]]
    moved_m: float = 0.0
    accuracy: tuple[Any, Any] = (None, None)

    @property
    def still_schematic(self) -> bool:
        """The shape moved but its accuracy still says ``schematic``."""
        return self.geometry and self.accuracy[1] == "schematic"

    def describe(self) -> str:
        """One line: 'moved 120 m; accuracy schematic → surveyed; name: 'a' → 'b''."""
        parts = [f"moved {self.moved_m:.1f} m"] if self.geometry else []
        acc = self.accuracy
        if self.geometry and "accuracy" not in self.fields:
            parts.append(f"accuracy {acc[1] or '-'} (unchanged)")
        parts += [f"{k}: {old!r} → {new!r}" for k, (old, new) in self.fields.items()]
        return "; ".join(parts)


@dataclass
class LayerDiff:
    """Added, removed and changed features (by id) between the layer file and the import."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[FeatureChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        """True when the import changes nothing."""
        return not (self.added or self.removed or self.changed)

    def warnings(self) -> list[str]:
        """Changes worth a second look: shapes that moved but still say ``schematic``."""
        return [
            f"feature '{c.id}' moved {c.moved_m:.1f} m but its accuracy is still 'schematic': "
            "set accuracy (surveyed / approximate) and geometry_source to say where the shape "
            "comes from"
            for c in self.changed
            if c.still_schematic
        ]


def records(gdf: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The rows as dicts with ``geometry`` and None for missing values."""
    rows = gdf.drop(columns="geometry").to_dict("records")
    for row, geom in zip(rows, gdf.geometry, strict=True):
        row["geometry"] = geom
        for k, v in row.items():
            if k != "geometry" and not isinstance(v, str) and v is not None and pd.isna(v):
                row[k] = None
    return rows


def same_value(a: Any, b: Any) -> bool:
    """Field values equal, with None and '' alike and 1 == '1'."""
    empty = (None, "")
    if a in empty or b in empty:
        return a in empty and b in empty
    return a == b or str(a) == str(b)


def same_shape(a, b, tolerance: float = 1e-9) -> bool:
    """Same vertices within ``tolerance`` degrees, whatever the ring orientation, and a
    one-part multi-geometry equal to its part (shapefiles do not tell them apart)."""
    if a is None or b is None:
        return a is b
    pa = shapely.get_parts(shapely.normalize(a))
    pb = shapely.get_parts(shapely.normalize(b))
    return len(pa) == len(pb) and bool(shapely.equals_exact(pa, pb, tolerance=tolerance).all())


def moved_metres(a, b) -> float:
    """How far the shape moved: the Hausdorff distance in EPSG:4549 metres."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return 0.0
    return float(to_metric(a).hausdorff_distance(to_metric(b)))


def feature_change(fid: str, before: dict, after: dict, names: list[str]) -> FeatureChange | None:
    """The change from ``before`` to ``after`` (None when they are the same)."""
    geom = not same_shape(before["geometry"], after["geometry"])
    fields = {
        n: (before.get(n), after.get(n))
        for n in names
        if not same_value(before.get(n), after.get(n))
    }
    if not (geom or fields):
        return None
    moved = moved_metres(before["geometry"], after["geometry"]) if geom else 0.0
    return FeatureChange(fid, geom, fields, moved, (before.get("accuracy"), after.get("accuracy")))


def diff_layers(old: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame, layer: LayerDef) -> LayerDiff:
    """Features added, removed and changed (geometry, fields) between two versions of a layer.

    Features without an id are left out (the loader reports them as problems).
    """
    out = LayerDiff()
    old_rows = {} if old is None else {r["id"]: r for r in records(old) if _has_id(r)}
    new_rows = {r["id"]: r for r in records(new) if _has_id(r)}
    out.added = [i for i in new_rows if i not in old_rows]
    out.removed = [i for i in old_rows if i not in new_rows]
    names = [f.name for f in layer.all_fields]
    for fid, row in new_rows.items():
        if fid in old_rows:
            change = feature_change(fid, old_rows[fid], row, names)
            if change is None:
                out.unchanged += 1
            else:
                out.changed.append(change)
    return out


def _has_id(row: dict) -> bool:
    return isinstance(row.get("id"), str) and bool(row["id"])
