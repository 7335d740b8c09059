"""Labels of the print picture: feature, river and town names placed where they fit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from matplotlib.patheffects import withStroke
from matplotlib.transforms import Bbox

from geoapp.coords import to_metric
from geoapp.embed_params import focus_features, nothing_matches
from geoapp.picture_style import _context_rivers, _frame_box, context_layer
from geoapp.texts import t

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.picture import _Canvas

MAX_LABELS = 40


def _label_spots(geom: Any, k: float) -> list[tuple[tuple[float, float], tuple, Any]]:
    """Candidate label spots of a feature (metres): (anchor, (dx, dy, ha, va), must fit inside).

    A polygon is labelled in its middle if the name fits inside it, else just above, below, to
    the right or to the left of it; a line along its middle; a point to its right or left.
    """
    if geom.geom_type in ("LineString", "MultiLineString"):
        line = max(shapely.get_parts(geom), key=lambda p: p.length)
        points = [line.interpolate(f, normalized=True) for f in (0.5, 0.35, 0.65, 0.2, 0.8)]
        return [((p.x, p.y), (0, 0, "center", "center"), None) for p in points]
    p = geom.representative_point()
    if geom.geom_type in ("Point", "MultiPoint"):
        return [
            ((p.x, p.y), (4 * k, 0, "left", "center"), None),
            ((p.x, p.y), (-4 * k, 0, "right", "center"), None),
        ]
    minx, miny, maxx, maxy = geom.bounds
    g = 2.5 * k
    return [
        ((p.x, p.y), (0, 0, "center", "center"), geom.bounds),
        ((p.x, maxy), (0, g, "center", "bottom"), None),
        ((p.x, miny), (0, -g, "center", "top"), None),
        ((maxx, p.y), (g, 0, "left", "center"), None),
        ((minx, p.y), (-g, 0, "right", "center"), None),
    ]


def _place(c: _Canvas, text_kwargs: dict, spots, boxes: list[Bbox]) -> Any:
    """Add a text at the first spot that overlaps nothing in ``boxes``; None if none fits."""
    axes_box = c.ax.get_window_extent(c.renderer)
    for (x, y), (dx, dy, ha, va), within in spots:
        text = c.ax.annotate(
            xy=(x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **text_kwargs
        )
        box = text.get_window_extent(c.renderer).expanded(1.04, 1.1)
        fits = _contains(axes_box, box)
        if within is not None:
            fits &= _contains(Bbox(c.ax.transData.transform(np.reshape(within, (2, 2)))), box)
        if fits and not any(box.overlaps(b) for b in boxes):
            boxes.append(box)
            return text
        text.remove()
    return None


def _contains(outer: Bbox, inner: Bbox) -> bool:
    return bool(
        outer.x0 <= inner.x0 <= inner.x1 <= outer.x1
        and outer.y0 <= inner.y0 <= inner.y1 <= outer.y1
    )


def _feature_labels(c: _Canvas, boxes: list[Bbox]) -> None:
    """Names of the features that carry a project, where they fit (at most MAX_LABELS)."""
    style = {
        "fontsize": 8 * c.k, "color": c.theme.text,
        "path_effects": [withStroke(linewidth=2.6 * c.k, foreground=c.theme.halo)],
    }  # fmt: skip
    placed = 0
    for gdf in focus_features(c.shown).values():
        for geom, label in zip(gdf.geometry, gdf[c.name_field], strict=True):
            if placed < MAX_LABELS and label:
                placed += (
                    _place(c, {**style, "text": label}, _label_spots(geom, c.k), boxes) is not None
                )


def _river_labels(c: _Canvas, boxes: list[Bbox]) -> None:
    """River names along the rivers, in blue, where they fit."""
    rivers = _context_rivers(c.catalog)
    if rivers is None:
        return
    style = {
        "fontsize": 7.5 * c.k, "color": c.theme.river_text,
        "path_effects": [withStroke(linewidth=2.2 * c.k, foreground=c.theme.land)],
    }  # fmt: skip
    frame = _frame_box(c)
    for geom, label in zip(rivers.geometry, rivers[c.name_field], strict=True):
        inside = geom.intersection(frame)
        if label and not inside.is_empty and inside.length > 0:
            _place(c, {**style, "text": label}, _label_spots(inside, c.k), boxes)


def _town_labels(c: _Canvas, boxes: list[Bbox]) -> None:
    """Town and subdistrict names in muted grey where they fit (context for the reader)."""
    towns = context_layer(c.catalog, "towns")
    if towns is None or towns.empty:
        return
    style = {
        "fontsize": 7 * c.k, "color": c.theme.muted,
        "path_effects": [withStroke(linewidth=2 * c.k, foreground=c.theme.land)],
    }  # fmt: skip
    for geom, label in zip(to_metric(towns).geometry, towns[c.name_field], strict=True):
        spot = ((geom.x, geom.y), (0, 0, "center", "center"), None)
        _place(c, {**style, "text": label}, [spot], boxes)


def _no_match_note(c: _Canvas) -> list[Any]:
    """Say "no matching projects" across the map's middle when the view's filters leave none
    (the text, in a list; none when something matches)."""
    if not nothing_matches(c.catalog, c.view, c.selection):
        return []
    note = c.ax.text(
        0.5, 0.5, t("no_matching_projects", c.view.lang), transform=c.ax.transAxes,
        ha="center", va="center", fontsize=14 * c.k, fontweight="bold", color=c.theme.text,
        path_effects=[withStroke(linewidth=4 * c.k, foreground=c.theme.halo)], zorder=30,
        gid="no-match",
    )  # fmt: skip
    return [note]
