"""One feature query: layers, status, projects, zone, bbox, text and property filters → rows.

Every door that picks features — the map, embeds, pictures, the JSON API, OGC API items and the
exports — describes what it wants as a :class:`FeatureQuery` and calls :func:`select`. Layers,
zone and bbox go through the catalog's R-tree (:mod:`geoapp.spatial`); status, projects, text
and properties are then tested on the layer's rows.

``context=True`` is the embed's reading of ``status``/``projects``: features that carry no
project (the boundary, rivers, towns) are context and those two filters never remove them.

>>> rows = select(cat, FeatureQuery(layers=("parks",), status=("planned",)))  # doctest: +SKIP
>>> rows["parks"][:3]  # doctest: +SKIP
[0, 2, 5]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from geoapp.query.clean import plain

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class FeatureQuery:
    """Which features: every filter left None (or empty) keeps everything."""

    layers: tuple[str, ...] | None = None
    status: tuple[str, ...] | None = None
    projects: tuple[str, ...] | None = None
    zone: str | None = None
    bbox: Box | None = None
    q: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)
    context: bool = False


def select(catalog: Catalog, query: FeatureQuery) -> dict[str, list[int]]:
    """Layer id → row positions of its matching features (file order), layers in draw order.

    Every layer asked for is present, even with no rows.
    """
    layers = list(catalog.defs) if query.layers is None else list(query.layers)
    index = catalog.index
    if query.bbox is not None:
        hits = index.bbox(*query.bbox, layers=layers, zone=query.zone)
    else:
        hits = index.select(layers=layers, zone=query.zone)
    rows: dict[str, list[int]] = {lid: [] for lid in catalog.defs if lid in layers}
    for h in hits:
        rows[h.layer].append(h.row)
    return {lid: _filtered(catalog, lid, sorted(r), query) for lid, r in rows.items()}


def _filtered(catalog: Catalog, layer_id: str, rows: list[int], query: FeatureQuery) -> list[int]:
    """The rows that also pass the status, project, text and property filters."""
    if not rows:
        return rows
    gdf = catalog.layers[layer_id]
    keep = np.ones(len(rows), dtype=bool)
    linked = _column(gdf, "project_id", rows) != None  # noqa: E711 - elementwise
    for name, wanted in (("status", query.status), ("project_id", query.projects)):
        if wanted:
            match = np.isin(_column(gdf, name, rows), list(wanted))
            keep &= (match | ~linked) if query.context else match
    if query.q:
        keep &= _contains(gdf, rows, query.q)
    for name, value in query.properties.items():
        keep &= np.array([_text(v) == value for v in _column(gdf, name, rows)], dtype=bool)
    return [r for r, k in zip(rows, keep, strict=True) if k]


def _column(gdf, name: str, rows: list[int]) -> np.ndarray:
    """The values of a column at rows (None where missing or where the layer lacks it)."""
    if name not in gdf:
        return np.full(len(rows), None, dtype=object)
    values = gdf[name].to_numpy(dtype=object)[rows]
    return np.array([plain(v) for v in values], dtype=object)


def _contains(gdf, rows: list[int], q: str) -> np.ndarray:
    """Rows whose name or name_en holds ``q`` (case-insensitive)."""
    needle = q.casefold()
    names = zip(_column(gdf, "name", rows), _column(gdf, "name_en", rows), strict=True)
    return np.array(
        [needle in str(a or "").casefold() or needle in str(b or "").casefold() for a, b in names],
        dtype=bool,
    )


def _text(value: Any) -> str | None:
    """A property value as a filter compares it (``true``/``false`` for booleans)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
