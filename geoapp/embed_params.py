"""The parameters of an embedded view (``/embed``, ``/embed.png``, ``/embed.svg``, ``/oembed``).

:func:`parse_embed_args` turns query arguments (any mapping of str → str, such as Flask's
``request.args``) into an :class:`EmbedView`; :func:`select_features` applies its filters to a
catalog and :func:`view_bbox` gives the extent to show. Values are parsed by :mod:`geoapp.params` (the same
rules and messages as every other door); a bad one raises :class:`~geoapp.errors.BadParameter`
naming the parameter, which the web layer turns into a 400.

Filters, in order:

- ``layers`` chooses the layers (default: every layer with status, plus the city boundary; the
  rivers are the un-projected features of ``sanjiang_liuan``);
- ``projects`` and ``status`` keep, in those layers, the features that carry a project of those
  ids / in those statuses. Features that carry no project (the boundary, rivers, towns, zones)
  are *context*: these filters never remove them;
- ``zone`` keeps the features that intersect the zone's shape and adds the zone itself (under
  ``zones``) so a map can draw the area the filter used.

Examples
--------
>>> cat = load_catalog(Path("data"), Path("layers"))  # doctest: +SKIP
>>> view = parse_embed_args({"projects": "uv-dongku,uv-xishantou"}, cat)  # doctest: +SKIP
>>> sel = select_features(cat, view)  # doctest: +SKIP
>>> sorted(sel["urban_villages"]["id"])  # doctest: +SKIP
['uv-dongku', 'uv-xishantou']
>>> view.to_query(default_layers(cat))  # doctest: +SKIP
{'projects': 'uv-dongku,uv-xishantou'}
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoapp.coords import METRIC_CRS, WGS84, transform_coords
from geoapp.errors import BadParameter
from geoapp.params import (
    parse_bbox,
    parse_bool,
    parse_choice,
    parse_lang,
    parse_list,
    parse_optional_integer,
    parse_status,
    shown,
)
from geoapp.query import FeatureQuery, parse_zone, select, zone_layer, zone_shape

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog

#: Map (and picture) title length limit, in characters.
MAX_TITLE = 120
#: Picture size limits in pixels, and dots per inch.
SIZE_RANGE = (100, 4000)
DPI_RANGE = (72, 600)
DARK_MODES = ("true", "false", "auto")
#: Default extent margin around the chosen features (fraction of the extent on each side) and
#: the smallest extent a fitted view shows (metres), so one small block is not blown up.
FIT_MARGIN = 0.06
FIT_MIN_SIZE_M = 1500.0

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
#: Kept for callers that caught the old name: a bad embed parameter is a BadParameter.
EmbedParamError = BadParameter


@dataclass(frozen=True)
class EmbedView:
    """What an embedded map or picture shows; build it with :func:`parse_embed_args`."""

    layers: tuple[str, ...]
    projects: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    zone: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    title: str = ""
    lang: str = "zh"
    basemap: str | None = None
    dark: str = "auto"
    static: bool = False
    legend: bool = True
    width: int = 1200
    height: int = 900
    dpi: int = 150

    def to_query(self, default_layers: Sequence[str] | None = None) -> dict[str, str]:
        """The query arguments that rebuild this view (only those that differ from defaults).

        ``layers`` is left out when it equals ``default_layers``; ``width``, ``height`` and
        ``dpi`` are picture-only and left out (add them for a picture URL).

        >>> EmbedView(layers=("parks",), status=("planned",), lang="en").to_query()
        {'layers': 'parks', 'status': 'planned', 'lang': 'en'}
        """
        out: dict[str, str] = {}
        if default_layers is None or tuple(self.layers) != tuple(default_layers):
            out["layers"] = ",".join(self.layers)
        defaults = EmbedView(layers=())
        for f in dataclasses.fields(self):
            if f.name in ("layers", "width", "height", "dpi"):
                continue
            value = getattr(self, f.name)
            if value == getattr(defaults, f.name):
                continue
            if isinstance(value, bool):
                out[f.name] = "true" if value else "false"
            elif isinstance(value, tuple):
                out[f.name] = ",".join(_fmt(v) for v in value)
            else:
                out[f.name] = str(value)
        return out


def _fmt(value: object) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def default_layers(catalog: Catalog) -> tuple[str, ...]:
    """Every layer with status, plus the city outline, in draw order."""
    return tuple(lid for lid, d in catalog.defs.items() if d.has_status or d.city_outline)


# --------------------------------------------------------------------------- parsing


def _arg(args: Mapping[str, str], name: str) -> str | None:
    """The raw value of an optional argument; blank counts as absent (an editor's empty box)."""
    raw = args.get(name)
    return raw if raw is not None and raw.strip() else None


def _ids(args: Mapping[str, str], name: str, known: Iterable[str], what: str) -> tuple[str, ...]:
    """A comma list of known ids (blanks dropped); () when absent."""
    raw = _arg(args, name)
    if raw is None:
        return ()
    items = ",".join(p for p in raw.split(",") if p.strip())
    return tuple(parse_list(items, name, known, what)) if items else ()


def _title(args: Mapping[str, str]) -> str:
    title = " ".join((args.get("title") or "").split())
    if len(title) > MAX_TITLE:
        raise BadParameter(
            f"title must be at most {MAX_TITLE} characters, not {len(title)}", "title"
        )
    return title


def _dark(args: Mapping[str, str]) -> str:
    value = (_arg(args, "dark") or "auto").strip().lower()
    value = {"1": "true", "yes": "true", "on": "true", "0": "false", "no": "false"}.get(
        value, value
    )
    return parse_choice({"off": "false"}.get(value, value), "dark", DARK_MODES, "auto")


def _basemap(args: Mapping[str, str], basemaps: Sequence[str] | None) -> str | None:
    value = _arg(args, "basemap")
    if value is None:
        return None
    if basemaps is not None:
        return parse_choice(value, "basemap", basemaps, "")
    if not _SLUG.match(value.strip()):
        raise BadParameter(f"basemap is not a basemap name: {shown(value)}", "basemap")
    return value.strip()


def _size(args: Mapping[str, str], name: str, default: int, bounds: tuple[int, int]) -> int:
    return parse_optional_integer(_arg(args, name), name, default, *bounds)


def parse_embed_args(
    args: Mapping[str, str],
    catalog: Catalog,
    *,
    default_lang: str = "zh",
    basemaps: Sequence[str] | None = None,
) -> EmbedView:
    """Parse query arguments into an :class:`EmbedView`, checking ids against ``catalog``.

    Unknown arguments are ignored (tracking parameters survive); a bad value raises
    :class:`~geoapp.errors.BadParameter`. ``basemaps``, if given, is the list of allowed
    basemap names.

    >>> cat = load_catalog(Path("data"), Path("layers"))  # doctest: +SKIP
    >>> parse_embed_args({"layers": "parks", "lang": "en"}, cat).layers  # doctest: +SKIP
    ('parks',)
    """
    layers = _ids(args, "layers", catalog.defs, "layer") or default_layers(catalog)
    status = _arg(args, "status")
    bbox = _arg(args, "bbox")
    return EmbedView(
        layers=tuple(lid for lid in catalog.defs if lid in layers),  # draw order
        projects=_ids(args, "projects", catalog.projects, "project"),
        status=tuple(parse_status(status)) if status else (),
        zone=parse_zone(_arg(args, "zone"), catalog),
        bbox=None if bbox is None else parse_bbox(bbox),
        title=_title(args),
        lang=parse_lang(_arg(args, "lang"), default_lang),
        basemap=_basemap(args, basemaps),
        dark=_dark(args),
        static=parse_bool(args.get("static"), "static", False),
        legend=parse_bool(args.get("legend"), "legend", True),
        width=_size(args, "width", 1200, SIZE_RANGE),
        height=_size(args, "height", 900, SIZE_RANGE),
        dpi=_size(args, "dpi", 150, DPI_RANGE),
    )


# --------------------------------------------------------------------------- selection


def carries_project(gdf: gpd.GeoDataFrame) -> pd.Series:
    """True for the features linked to a project (the rest are context)."""
    return gdf["project_id"].notna() if "project_id" in gdf else pd.Series(False, index=gdf.index)


def feature_query(view: EmbedView) -> FeatureQuery:
    """The view's filters as the one feature query (status and projects spare the context)."""
    return FeatureQuery(
        layers=view.layers, status=view.status or None, projects=view.projects or None,
        zone=view.zone, context=True,
    )  # fmt: skip


def select_features(catalog: Catalog, view: EmbedView) -> dict[str, gpd.GeoDataFrame]:
    """The features the view shows: layer id → GeoDataFrame (EPSG:4326), in draw order.

    A ``zone`` adds the zone itself, so the map can draw the area the filter used. Layers left
    with no feature are omitted; row order within a layer is the catalog's.

    >>> sel = select_features(cat, parse_embed_args({"status": "planned"}, cat))  # doctest: +SKIP
    """
    rows = select(catalog, feature_query(view))
    if view.zone:
        lid = zone_layer(catalog.defs)
        gdf = catalog.layers[lid]
        own = int(np.flatnonzero((gdf["id"] == view.zone).to_numpy())[0])
        rows[lid] = sorted(set(rows.get(lid, [])) | {own})
    return {lid: catalog.layers[lid].iloc[rows[lid]] for lid in catalog.defs if rows.get(lid)}


def focus_features(selection: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The selected features that carry a project (what the story is about), per layer."""
    out = {lid: gdf[carries_project(gdf).to_numpy()] for lid, gdf in selection.items()}
    return {lid: gdf for lid, gdf in out.items() if not gdf.empty}


def nothing_matches(
    catalog: Catalog, view: EmbedView, selection: Mapping[str, gpd.GeoDataFrame]
) -> bool:
    """True when the view asks for projects and none matches (the map must say so).

    The city outline and context features are drawn whatever the filters, so "nothing shown"
    is not the test: a view of project layers with no project feature left is.
    """
    asks = any(catalog.defs[lid].has_status for lid in view.layers)
    return asks and not focus_features(selection)


def fit_bbox(
    geoms: Sequence[shapely.Geometry] | gpd.GeoSeries,
    margin: float = FIT_MARGIN,
    min_size_m: float = FIT_MIN_SIZE_M,
) -> tuple[float, float, float, float]:
    """A lon/lat bbox around ``geoms`` with a margin, at least ``min_size_m`` metres wide/high.

    >>> from shapely import Point
    >>> [round(v, 4) for v in fit_bbox([Point(120.05, 28.9)])]
    [120.0423, 28.8932, 120.0577, 28.9068]
    """
    minx, miny, maxx, maxy = shapely.total_bounds(shapely.union_all(list(geoms)))
    xs, ys = transform_coords([minx, maxx], [miny, maxy], WGS84, METRIC_CRS)
    cx, cy = (xs[0] + xs[1]) / 2, (ys[0] + ys[1]) / 2
    half_w = max((xs[1] - xs[0]) * (1 + 2 * margin), min_size_m) / 2
    half_h = max((ys[1] - ys[0]) * (1 + 2 * margin), min_size_m) / 2
    lon, lat = transform_coords(
        [cx - half_w, cx + half_w], [cy - half_h, cy + half_h], METRIC_CRS, WGS84
    )
    return (float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1]))


def view_bbox(
    catalog: Catalog, view: EmbedView, selection: Mapping[str, gpd.GeoDataFrame] | None = None
) -> tuple[float, float, float, float]:
    """The view's bbox: ``view.bbox``, else a fit of the features that carry a project, else of
    the zone, else of the city outline.
    """
    if view.bbox is not None:
        minx, miny, maxx, maxy = view.bbox
        if minx < maxx and miny < maxy:
            return view.bbox
        return fit_bbox([shapely.Point(minx, miny), shapely.Point(maxx, maxy)])  # a line or point
    selection = select_features(catalog, view) if selection is None else selection
    focus = focus_features(selection)
    if focus:
        return fit_bbox(pd.concat([g.geometry for g in focus.values()]))
    if view.zone:
        return fit_bbox([zone_shape(catalog, view.zone)])
    outline = [lid for lid, d in catalog.defs.items() if d.city_outline]
    geoms = pd.concat([catalog.layers[lid].geometry for lid in outline]) if outline else []
    if len(geoms) == 0:
        geoms = pd.concat([g.geometry for g in catalog.layers.values()])
    return fit_bbox(geoms, min_size_m=0)


def default_title(catalog: Catalog, view: EmbedView) -> str:
    """``view.title``, else the one story layer's title, else the service's name.

    >>> default_title(cat, EmbedView(layers=("urban_villages",)))  # doctest: +SKIP
    '城中村改造与未来社区'
    """
    if view.title:
        return view.title
    story = [lid for lid in view.layers if catalog.defs[lid].has_status]
    if len(story) == 1:
        return catalog.defs[story[0]].title_for(view.lang)
    return SERVICE_NAME[view.lang]


#: The service's name, per language (also the oEmbed provider_name).
SERVICE_NAME = {"zh": "永康规划一张图", "en": "Yongkang planning map"}
