"""The parameters of an embedded view (``/embed``, ``/embed.png``, ``/embed.svg``, ``/oembed``).

:func:`parse_embed_args` turns query arguments (any mapping of str → str, such as Flask's
``request.args``) into an :class:`EmbedView`; :func:`select_features` applies its filters to a
catalog and :func:`view_bbox` gives the extent to show. No Flask here: a bad value raises
:class:`EmbedParamError` (a ``ValueError``) naming the parameter; the web layer turns it into a
400 with ``param``.

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
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import shapely

from geoapp.coords import METRIC_CRS, WGS84, transform_coords
from geoapp.status import STATUS, status_by_label

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.catalog import Catalog

#: Map (and picture) title length limit, in characters.
MAX_TITLE = 120
#: Picture size limits in pixels, and dots per inch.
SIZE_RANGE = (100, 4000)
DPI_RANGE = (72, 600)
LANGS = ("zh", "en")
DARK_MODES = ("true", "false", "auto")
#: Layer holding the zones the ``zone`` parameter names.
ZONE_LAYER = "zones"
#: Default extent margin around the chosen features (fraction of the extent on each side) and
#: the smallest extent a fitted view shows (metres), so one small block is not blown up.
FIT_MARGIN = 0.06
FIT_MIN_SIZE_M = 1500.0

_TRUE = ("1", "true", "yes", "on", "")
_FALSE = ("0", "false", "no", "off")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class EmbedParamError(ValueError):
    """A bad embed parameter; ``param`` names it (for the 400 response)."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


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


def _id_list(args: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma list of ids, blanks dropped, duplicates removed (first one kept)."""
    raw = args.get(name) or ""
    return tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))


def _known(values: tuple[str, ...], known: Mapping | set, name: str, what: str) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise EmbedParamError(name, f"unknown {what} {', '.join(repr(u) for u in unknown)}")


def _status_codes(args: Mapping[str, str]) -> tuple[str, ...]:
    codes = []
    for value in _id_list(args, "status"):
        try:
            codes.append(status_by_label(value).code)
        except KeyError:
            known = ", ".join(STATUS)
            raise EmbedParamError("status", f"unknown status {value!r} (one of {known})") from None
    return tuple(dict.fromkeys(codes))


def parse_bbox(text: str, param: str = "bbox") -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` in WGS84 degrees, checked.

    >>> parse_bbox("120.0,28.85,120.1,28.95")
    (120.0, 28.85, 120.1, 28.95)
    """
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise EmbedParamError(param, "expected four numbers: minlon,minlat,maxlon,maxlat")
    minx, miny, maxx, maxy = values
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise EmbedParamError(
            param, "needs -180 ≤ minlon < maxlon ≤ 180, -90 ≤ minlat < maxlat ≤ 90"
        )
    return minx, miny, maxx, maxy


def _bool(args: Mapping[str, str], name: str, default: bool) -> bool:
    raw = args.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EmbedParamError(name, f"expected true or false, got {raw!r}")


def _int(args: Mapping[str, str], name: str, default: int, bounds: tuple[int, int]) -> int:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise EmbedParamError(name, f"expected an integer, got {raw!r}") from None
    lo, hi = bounds
    if not lo <= value <= hi:
        raise EmbedParamError(name, f"must be between {lo} and {hi}, got {value}")
    return value


def _choice(args: Mapping[str, str], name: str, choices: Sequence[str], default: str) -> str:
    value = (args.get(name) or default).strip().lower()
    if value not in choices:
        raise EmbedParamError(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _title(args: Mapping[str, str]) -> str:
    title = " ".join((args.get("title") or "").split())
    if len(title) > MAX_TITLE:
        raise EmbedParamError("title", f"at most {MAX_TITLE} characters, got {len(title)}")
    return title


def _dark(args: Mapping[str, str]) -> str:
    value = (args.get("dark") or "auto").strip().lower()
    if value in ("1", "yes", "on"):
        value = "true"
    if value in ("0", "no", "off"):
        value = "false"
    if value not in DARK_MODES:
        raise EmbedParamError("dark", f"must be one of {', '.join(DARK_MODES)}, got {value!r}")
    return value


def _basemap(args: Mapping[str, str], basemaps: Sequence[str] | None) -> str | None:
    value = (args.get("basemap") or "").strip()
    if not value:
        return None
    if basemaps is not None and value not in basemaps:
        raise EmbedParamError(
            "basemap", f"unknown basemap {value!r} (one of {', '.join(basemaps)})"
        )
    if basemaps is None and not _SLUG.match(value):
        raise EmbedParamError("basemap", f"not a basemap name: {value!r}")
    return value


def parse_embed_args(
    args: Mapping[str, str],
    catalog: Catalog,
    *,
    default_lang: str = "zh",
    basemaps: Sequence[str] | None = None,
) -> EmbedView:
    """Parse query arguments into an :class:`EmbedView`, checking ids against ``catalog``.

    Unknown arguments are ignored (tracking parameters survive); a bad value raises
    :class:`EmbedParamError`. ``basemaps``, if given, is the list of allowed basemap names.

    >>> cat = load_catalog(Path("data"), Path("layers"))  # doctest: +SKIP
    >>> parse_embed_args({"layers": "parks", "lang": "en"}, cat).layers  # doctest: +SKIP
    ('parks',)
    """
    layers = _id_list(args, "layers") or default_layers(catalog)
    _known(layers, catalog.defs, "layers", "layer")
    projects = _id_list(args, "projects")
    _known(projects, catalog.projects, "projects", "project")
    zone = (args.get("zone") or "").strip() or None
    if zone is not None:
        _zone_shape(catalog, zone)
    bbox = parse_bbox(args["bbox"]) if (args.get("bbox") or "").strip() else None
    return EmbedView(
        layers=tuple(lid for lid in catalog.defs if lid in layers),  # draw order
        projects=projects,
        status=_status_codes(args),
        zone=zone,
        bbox=bbox,
        title=_title(args),
        lang=_choice(args, "lang", LANGS, default_lang),
        basemap=_basemap(args, basemaps),
        dark=_dark(args),
        static=_bool(args, "static", False),
        legend=_bool(args, "legend", True),
        width=_int(args, "width", 1200, SIZE_RANGE),
        height=_int(args, "height", 900, SIZE_RANGE),
        dpi=_int(args, "dpi", 150, DPI_RANGE),
    )


# --------------------------------------------------------------------------- selection


def _zone_shape(catalog: Catalog, zone_id: str) -> shapely.Geometry:
    """The zone feature's geometry; :class:`EmbedParamError` for an unknown or non-area zone."""
    zones = catalog.layers.get(ZONE_LAYER)
    match = zones[zones["id"] == zone_id] if zones is not None else None
    if match is None or match.empty:
        raise EmbedParamError("zone", f"unknown zone {zone_id!r}")
    geom = match.geometry.iloc[0]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise EmbedParamError("zone", f"zone {zone_id!r} is a {geom.geom_type}, not an area")
    return geom


def carries_project(gdf: gpd.GeoDataFrame) -> pd.Series:
    """True for the features linked to a project (the rest are context)."""
    return gdf["project_id"].notna() if "project_id" in gdf else pd.Series(False, index=gdf.index)


def select_features(catalog: Catalog, view: EmbedView) -> dict[str, gpd.GeoDataFrame]:
    """The features the view shows: layer id → GeoDataFrame (EPSG:4326), in draw order.

    Layers left with no feature are omitted; row order within a layer is the catalog's.

    >>> sel = select_features(cat, parse_embed_args({"status": "planned"}, cat))  # doctest: +SKIP
    """
    zone = _zone_shape(catalog, view.zone) if view.zone else None
    out: dict[str, gpd.GeoDataFrame] = {}
    for lid in catalog.defs:
        gdf = catalog.layers[lid]
        keep = pd.Series(lid in view.layers, index=gdf.index)
        linked = carries_project(gdf)
        if view.projects:
            keep &= ~linked | gdf["project_id"].isin(view.projects)
        if view.status:
            keep &= ~linked | gdf["status"].isin(view.status)
        if zone is not None:
            keep &= gdf.geometry.intersects(zone)
            if lid == ZONE_LAYER:
                keep |= gdf["id"] == view.zone
        if keep.any():
            out[lid] = gdf[keep.to_numpy()]
    return out


def focus_features(selection: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The selected features that carry a project (what the story is about), per layer."""
    out = {lid: gdf[carries_project(gdf).to_numpy()] for lid, gdf in selection.items()}
    return {lid: gdf for lid, gdf in out.items() if not gdf.empty}


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
        return view.bbox
    selection = select_features(catalog, view) if selection is None else selection
    focus = focus_features(selection)
    if focus:
        return fit_bbox(pd.concat([g.geometry for g in focus.values()]))
    if view.zone:
        return fit_bbox([_zone_shape(catalog, view.zone)])
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
