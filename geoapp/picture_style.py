"""How the print picture draws a layer (colours by the one style rule, lines, dashes, context)
and its furniture (scale bar, north arrow)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import font_manager
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.patheffects import withStroke
from matplotlib.transforms import offset_copy
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from shapely.plotting import patch_from_polygon

from geoapp.coords import to_metric
from geoapp.embed_params import (
    carries_project,
)
from geoapp.query.style import feature_color, symbology
from geoapp.status import CONTEXT_COLOR

#: A layer with more features than this is drawn as one simplified collection per colour.
BIG_LAYER = 2000

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog
    from geoapp.layers import LayerDef
    from geoapp.picture import _Canvas

_PX_TO_PT = 0.75  # layer styles give Leaflet weights in CSS pixels (1/96 in); points are 1/72 in


def feature_colors(gdf: gpd.GeoDataFrame, layer: LayerDef) -> list[str]:
    """Each feature's colour, by the one style rule (:func:`geoapp.query.style.feature_color`)."""
    attr, cats = symbology(layer)
    if attr is None or attr not in gdf.columns:  # one colour (or the rule's fallback for all)
        return [feature_color(layer, {})] * len(gdf) if attr else [cats[0].color] * len(gdf)
    by_value = {c.value: c.color for c in cats}
    fallback = by_value.get("", layer.style.get("color", CONTEXT_COLOR))
    values = gdf[attr].tolist()
    if attr == "status":  # features without a project are context (is_context)
        linked = gdf["project_id"].tolist() if "project_id" in gdf.columns else [None] * len(gdf)
        values = [v if p else None for v, p in zip(values, linked, strict=True)]
    return [by_value.get(v, fallback) if v else fallback for v in values]


def context_layer(catalog: Catalog, role: str) -> gpd.GeoDataFrame | None:
    """The features of the background of one ``role`` (outline, rivers, towns), or None."""
    for lid, d in catalog.defs.items():
        gdf = catalog.layers[lid]
        if role == "outline" and d.city_outline:
            return gdf
        if role == "rivers" and d.has_status and "context_color" in d.style:
            return gdf[~carries_project(gdf).to_numpy()]
        if role == "towns" and d.style["kind"] == "point" and not d.has_status:
            return gdf
    return None


def _dashes(style: Mapping[str, Any], linewidth: float) -> Any:
    """A CSS dash array (pixels) as a matplotlib dash style (scaled by the line width)."""
    dash = str(style.get("dash") or "").replace(",", " ").split()
    if not dash or linewidth <= 0:
        return "solid"
    return (0, tuple(float(d) * _PX_TO_PT / linewidth for d in dash))


def _rgba(color: str, alpha: float) -> tuple[float, float, float, float]:
    r, g, b, _ = to_rgba(color)
    return (r, g, b, alpha)


def _lines(geoms: Any) -> list[np.ndarray]:
    """Every line part (and polygon ring) of ``geoms`` as an (n, 2) array."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    rings = [shapely.get_exterior_ring(p) if p.geom_type == "Polygon" else p for p in parts]
    return [np.asarray(shapely.get_coordinates(r)) for r in rings if not r.is_empty]


def _draw_layer(ax: Any, gdf: gpd.GeoDataFrame, layer: LayerDef, colors: list[str]) -> None:
    """Draw one layer's features (already in metres) in the layer's style."""
    style = layer.style
    lw = float(style.get("weight", 2)) * _PX_TO_PT
    opacity = float(style.get("opacity", 1.0))
    kind = style.get("kind")
    if kind == "polygon":
        fill = float(style.get("fill_opacity", 0.2))
        if len(gdf) > BIG_LAYER:
            _draw_big_polygons(ax, gdf, colors, (fill, opacity, lw, _dashes(style, lw)))
        else:
            patches = [
                patch_from_polygon(g, facecolor=_rgba(c, fill), edgecolor=_rgba(c, opacity))
                for g, c in zip(gdf.geometry, colors, strict=True)
                if g.geom_type in ("Polygon", "MultiPolygon")
            ]
            ax.add_collection(
                PatchCollection(
                    patches, match_original=True, linewidths=lw, linestyle=_dashes(style, lw)
                )
            )
        lines = gdf.geometry.geom_type.str.contains("LineString").to_numpy()
        if lines.any():  # a zones layer may hold an axis line
            _draw_lines(
                ax,
                gdf[lines],
                [c for c, x in zip(colors, lines, strict=True) if x],
                lw,
                opacity,
                style,
            )
    elif kind == "line":
        context = ~carries_project(gdf).to_numpy() if layer.has_status else np.zeros(len(gdf), bool)
        if context.any():  # rivers under their banks, wider
            clw = float(style.get("context_weight", style.get("weight", 2))) * _PX_TO_PT
            ccolors = [c for c, x in zip(colors, context, strict=True) if x]
            _draw_lines(ax, gdf[context], ccolors, clw, opacity, style)
        rest = [c for c, x in zip(colors, context, strict=True) if not x]
        _draw_lines(ax, gdf[~context], rest, lw, opacity, style)
    else:
        size = float(style.get("radius", 5)) * 2 * _PX_TO_PT
        xy = shapely.get_coordinates(gdf.geometry.representative_point().values)
        ax.scatter(xy[:, 0], xy[:, 1], s=size**2, c=colors, edgecolors="white", linewidths=0.6)


def _draw_big_polygons(ax: Any, gdf: gpd.GeoDataFrame, colors: list[str], look: tuple) -> None:
    """A big layer's polygons as one compound path per colour, built on whole arrays (a patch
    per feature costs seconds at 100k features)."""
    fill, opacity, lw, dashes = look
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    colors = np.asarray(colors, dtype=object)
    for color in dict.fromkeys(colors[polygonal]):
        mine = shapely.orient_polygons(geoms[polygonal & (colors == color)])  # holes stay holes
        rings = shapely.get_rings(shapely.get_parts(mine))
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        codes = np.full(len(xy), MplPath.LINETO, np.uint8)
        starts = np.r_[True, ring[1:] != ring[:-1]]
        codes[starts] = MplPath.MOVETO
        codes[np.r_[starts[1:], True]] = MplPath.CLOSEPOLY
        patch = PathPatch(MplPath(xy, codes), facecolor=_rgba(color, fill),
                          edgecolor=_rgba(color, opacity), linewidth=lw, linestyle=dashes,
                          label="_big_layer")  # fmt: skip
        ax.add_artist(patch)  # add_patch would walk every vertex to update the limits


def _draw_lines(
    ax: Any, gdf: gpd.GeoDataFrame, colors: list[str], lw: float, alpha: float, style
) -> None:
    segments, seg_colors = [], []
    for geom, color in zip(gdf.geometry, colors, strict=True):
        for part in _lines([geom]):
            segments.append(part)
            seg_colors.append(_rgba(color, alpha))
    if segments:
        ax.add_collection(
            LineCollection(
                segments, colors=seg_colors, linewidths=lw, linestyle=_dashes(style, lw),
                capstyle="round", joinstyle="round",
            )
        )  # fmt: skip


def _frame_box(c: _Canvas) -> shapely.Polygon:
    """The map frame in metres."""
    (x0, x1), (y0, y1) = c.ax.get_xlim(), c.ax.get_ylim()
    return shapely.box(x0, y0, x1, y1)


def _context_rivers(catalog: Catalog) -> gpd.GeoDataFrame | None:
    """The rivers of the background (features of the rivers layer that carry no project)."""
    rivers = context_layer(catalog, "rivers")
    if rivers is None or rivers.empty:
        return None
    return to_metric(rivers)


# --------------------------------------------------------------------------- furniture

#: The one font every text of the picture is set in.
CJK_FAMILY = "Noto Sans CJK SC"
_KM = {"zh": "公里", "en": "km"}
_M = {"zh": "米", "en": "m"}


def _round_length(target_m: float) -> float:
    """The largest 1-2-5 × 10ⁿ length (metres, at least 100 m) not over ``target_m``.

    >>> _round_length(2600), _round_length(740), _round_length(12000)
    (2000.0, 500.0, 10000.0)
    """
    best = 100.0
    for exp in range(2, 7):
        for m in (1, 2, 5):
            if m * 10**exp <= target_m:
                best = float(m * 10**exp)
    return best


def _scale_bar(c: _Canvas) -> AnchoredSizeBar:
    """A scale bar of a round length (at most a fifth of the map width), lower left."""
    x0, x1 = c.ax.get_xlim()
    y0, y1 = c.ax.get_ylim()
    length = _round_length((x1 - x0) / 5)
    lang = c.view.lang
    label = f"{length / 1000:g} {_KM[lang]}" if length >= 1000 else f"{length:.0f} {_M[lang]}"
    bar = AnchoredSizeBar(
        c.ax.transData, length, label, "lower left", pad=0.4, borderpad=0.6, sep=3 * c.k,
        frameon=True, size_vertical=(y1 - y0) / 220, color=c.theme.text,
        fontproperties=font_manager.FontProperties(family=CJK_FAMILY, size=7 * c.k),
    )  # fmt: skip
    bar.patch.set_facecolor(_rgba(c.theme.background, 0.8))
    bar.patch.set_edgecolor("none")
    c.ax.add_artist(bar)
    return bar


def _north_arrow(c: _Canvas) -> Any:
    """A north arrow in the upper right (grid north is true north within 0.05° here)."""
    k, theme = c.k, c.theme
    corner = offset_copy(c.ax.transAxes, fig=c.fig, x=-18 * k, y=-10 * k, units="points")
    return c.ax.annotate(
        "N", xy=(1, 1), xytext=(0, -28 * k), xycoords=corner, textcoords="offset points",
        ha="center", va="center", fontsize=9 * k, fontweight="bold",
        color=theme.text,
        arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7", "color": theme.text,
                    "lw": 1.4 * k, "shrinkA": 6 * k, "shrinkB": 0},
        path_effects=[withStroke(linewidth=2.5 * k, foreground=theme.halo)],
    )  # fmt: skip
