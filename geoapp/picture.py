"""The static print picture of an embedded view: PNG or SVG drawn with matplotlib (Agg, no tiles).

The picture is drawn in EPSG:4549 metres (CGCS2000 / Gauss-Kruger CM 120E, true to scale and
north-up at Yongkang): features in their layer styles coloured by status, a muted background of
the city outline, rivers and town names, the title, a legend, a scale bar, a north arrow and an
attribution line that says the shapes are schematic.

All text is set in Noto Sans CJK SC (Debian ``fonts-noto-cjk``); :func:`cjk_font` raises
:class:`CJKFontMissing` rather than render boxes ("tofu"). In SVG output text is converted to
paths (``svg.fonttype = "path"``), so the file needs no font where it is opened.

Sizes: a PNG is exactly ``width`` × ``height`` pixels with ``dpi`` in its pHYs chunk; an SVG has
``width="{width}px" height="{height}px"`` and a viewBox in points, so it looks the same as the
PNG. Text sizes are in points: a larger ``dpi`` gives the same layout with bigger text in pixels.

Examples
--------
>>> cat = load_catalog(Path("data"), Path("layers"))  # doctest: +SKIP
>>> view = parse_embed_args({"layers": "urban_villages", "title": "城中村改造区块"}, cat)  # doctest: +SKIP
>>> png = render_picture(cat, view, "png")  # doctest: +SKIP
>>> png[:8]  # doctest: +SKIP
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from shapely.plotting import patch_from_polygon

from geoapp.coords import METRIC_CRS, WGS84, to_metric, transform_coords
from geoapp.embed_params import (
    SERVICE_NAME,
    EmbedView,
    carries_project,
    default_title,
    focus_features,
    select_features,
    view_bbox,
)
from geoapp.picture_labels import _feature_labels, _no_match_note, _river_labels, _town_labels
from geoapp.picture_style import (
    BIG_LAYER,
    CJK_FAMILY,
    _context_rivers,
    _dashes,
    _draw_layer,
    _frame_box,
    _lines,
    _north_arrow,
    _rgba,
    _scale_bar,
    context_layer,
    feature_colors,
)
from geoapp.query.style import feature_color
from geoapp.status import CONTEXT_COLOR, STATUS, STATUSES

if TYPE_CHECKING:  # pragma: no cover
    from geoapp.cache import Cache
    from geoapp.catalog import Catalog

#: Output formats → media type.
FORMATS: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}
#: Layers the muted background is drawn from (when they exist): outline, rivers, town names.
#: Read from the layer definitions, never from layer ids: the outline is the ``city_outline``
#: layer, the rivers the project-less features of a status layer with a ``context_color``, the
#: town names the points of a layer without status.
#: At most this many feature names are written on the map (the rest would be clutter).
SCHEMATIC_NOTE = {"zh": "示意图形，非测绘数据", "en": "schematic shapes, not survey data"}
_HEADINGS = {"zh": ("状态", "图层"), "en": ("Status", "Layers")}
_RIVERS = {"zh": "河道", "en": "Rivers"}
_BILINGUAL = re.compile(r"\s*/\s+(?=[A-Z])")  # "中文 / English" in layer attributions
_PX_TO_PT = 0.75  # layer styles give Leaflet weights in CSS pixels (1/96 in); points are 1/72 in
_RENDER_LOCK = threading.Lock()  # matplotlib's rcParams are global


class CJKFontMissing(RuntimeError):
    """Noto Sans CJK SC is not installed: the picture would show boxes instead of Chinese."""


@dataclass(frozen=True)
class Theme:
    """The picture's colours."""

    background: str
    land: str
    text: str
    muted: str
    halo: str
    river: str
    river_text: str
    frame: str


THEMES = {
    "light": Theme(
        "#ffffff", "#f4f2ec", "#212121", "#78909c", "#ffffff", "#a9cbe8", "#1565c0", "#9e9e9e"
    ),
    "dark": Theme(
        "#1c2024", "#262b30", "#eceff1", "#90a4ae", "#1c2024", "#35607f", "#64b5f6", "#5f6b73"
    ),
}


# --------------------------------------------------------------------------- font


@functools.cache
def cjk_font(weight: str = "normal") -> font_manager.FontPath:
    """The Noto Sans CJK SC font file (and face) matplotlib will use; :class:`CJKFontMissing` if none.

    Looks in matplotlib's font list, then asks fontconfig (``fc-list``) for the files and adds
    them (matplotlib's cached list may predate the font's installation).
    """
    prop = font_manager.FontProperties(family=CJK_FAMILY, weight=weight)
    if not any(f.name == CJK_FAMILY for f in font_manager.fontManager.ttflist):
        for path in _fc_list(CJK_FAMILY):
            font_manager.fontManager.addfont(path)
    if not any(f.name == CJK_FAMILY for f in font_manager.fontManager.ttflist):
        raise CJKFontMissing(
            f"the font {CJK_FAMILY!r} is not installed, so Chinese text cannot be drawn; "
            "install Debian's fonts-noto-cjk (`make system-deps`)"
        )
    return font_manager.findfont(prop, fallback_to_default=False)


def _fc_list(family: str) -> list[str]:
    """Font files fontconfig knows for ``family`` (none without fc-list)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    out = subprocess.run(
        [exe, f":family={family}", "file"], capture_output=True, text=True, check=False
    ).stdout
    return sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})


# --------------------------------------------------------------------------- the picture


@dataclass
class Picture:
    """A drawn picture: the figure, its map axes, the view it shows and what its legend lists."""

    figure: Figure
    ax: Any
    view: EmbedView
    title: str
    layers: tuple[str, ...]
    statuses: tuple[str, ...]

    def to_pixel(self, lon: float, lat: float) -> tuple[float, float]:
        """The image pixel (x right, y down from the top-left corner) of a WGS84 point."""
        x, y = transform_coords([lon], [lat], WGS84, METRIC_CRS)
        px, py = self.ax.transData.transform((x[0], y[0]))
        return float(px), float(self.view.height - py)

    def save(self, fmt: str) -> bytes:
        """The picture as PNG or SVG bytes (call inside :func:`drawn_picture`)."""
        return _save(self, fmt)


@dataclass
class _Canvas:
    """What every drawing step needs: the figure, map axes, renderer, view and its features."""

    fig: Figure
    renderer: Any
    catalog: Catalog
    view: EmbedView
    selection: dict[str, gpd.GeoDataFrame]
    theme: Theme
    k: float  # text and furniture scale (below 1 on small pictures)
    ax: Any = None
    shown: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)  # in metres, in the frame

    @property
    def pad(self) -> float:
        """The outer margin in pixels."""
        return 8 * self.k / 72 * self.view.dpi

    @property
    def name_field(self) -> str:
        """The feature name column in the view's language."""
        return "name_en" if self.view.lang == "en" else "name"


def _theme(view: EmbedView) -> Theme:
    """The light or dark theme the view asks for (``auto`` prints light)."""
    return THEMES["dark" if view.dark == "true" else "light"]


def _scale(view: EmbedView) -> float:
    """Shrink text and furniture on small pictures (under 5 × 4 inches)."""
    return float(min(1.0, view.width / view.dpi / 5, view.height / view.dpi / 4))


@contextlib.contextmanager
def drawn_picture(catalog: Catalog, view: EmbedView, with_title: bool = True) -> Iterator[Picture]:
    """Draw the view; use the :class:`Picture` (``save``, ``to_pixel``) inside the block.

    >>> with drawn_picture(cat, view) as pic:  # doctest: +SKIP
    ...     svg = pic.save("svg")
    """
    cjk_font()
    with _RENDER_LOCK, _rendering():
        yield _draw(catalog, view, with_title)


def _draw(catalog: Catalog, view: EmbedView, with_title: bool = True) -> Picture:
    """Title, attribution, map frame, background, features, furniture, labels.

    The title sits in a band of fixed height, so the map below it is the same whatever the
    title says: ``with_title=False`` leaves the band empty for :func:`_titled_png` to fill.
    """
    fig = Figure(figsize=(view.width / view.dpi, view.height / view.dpi), dpi=view.dpi)
    FigureCanvasAgg(fig)
    theme = _theme(view)
    fig.patch.set_facecolor(theme.background)
    c = _Canvas(
        fig, fig.canvas.get_renderer(), catalog, view, select_features(catalog, view), theme,
        _scale(view),
    )  # fmt: skip
    title = default_title(catalog, view)
    top = _title_top(c)
    if with_title:
        _draw_title(c, title)
    bottom = _draw_attribution(c, _attribution(catalog, view, c.selection))
    c.ax = fig.add_axes(
        (c.pad / view.width, bottom / view.height,
         1 - 2 * c.pad / view.width, (top - bottom) / view.height)
    )  # fmt: skip
    _frame(c)
    _draw_context(c)
    c.shown = _shown(c)
    for lid, gdf in c.shown.items():
        _draw_layer(c.ax, gdf, catalog.defs[lid], feature_colors(gdf, catalog.defs[lid]))
    statuses = {s for gdf in focus_features(c.shown).values() for s in gdf["status"]}
    present = tuple(s.code for s in STATUSES if s.code in statuses)
    furniture = [_scale_bar(c), _north_arrow(c)]
    if view.legend:
        furniture.append(_legend(c, present))
    furniture += _no_match_note(c)  # the names keep clear of it
    boxes = [a.get_window_extent(c.renderer) for a in furniture]
    _feature_labels(c, boxes)
    _river_labels(c, boxes)
    _town_labels(c, boxes)
    return Picture(fig, c.ax, view, title, tuple(c.shown), present)


def _title_top(c: _Canvas) -> float:
    """The map's top in pixels: below a title band one line of the title's full size high."""
    probe = c.fig.text(0, 0, "永康Ag", fontsize=15 * c.k, fontweight="bold")
    band = probe.get_window_extent(c.renderer).height
    probe.remove()
    return c.fig.bbox.height - 1.5 * c.pad - band


def _draw_title(c: _Canvas, title: str) -> None:
    """The title at the top left of its band, shrunk to fit one line."""
    w, h = c.fig.bbox.width, c.fig.bbox.height
    text = c.fig.text(
        c.pad / w, 1 - c.pad / h, title, ha="left", va="top", fontsize=15 * c.k,
        fontweight="bold", color=c.theme.text,
    )  # fmt: skip
    width = text.get_window_extent(c.renderer).width
    if width > w - 2 * c.pad:
        text.set_fontsize(text.get_fontsize() * (w - 2 * c.pad) / width * 0.98)


UNVERIFIED_NOTE = {
    "zh": "部分要素位置未核实，仅为示意摆放",
    "en": "some positions are unverified placeholders",
}


def _attribution(catalog: Catalog, view: EmbedView, selection=None) -> list[str]:
    """The attribution pieces: data from elsewhere (the city outline), the notes, the service."""
    pieces: list[str] = []
    for layer in catalog.defs.values():
        parts = [p.strip() for p in _BILINGUAL.split(layer.attribution, maxsplit=1)]
        text = parts[1] if view.lang == "en" and len(parts) > 1 else parts[0]
        if layer.city_outline and text and text not in pieces:
            pieces.append(text)
    notes = [SCHEMATIC_NOTE[view.lang]]
    if any(
        (g.get("location_confidence") == "unknown").any()
        for g in (selection or {}).values()
        if not g.empty
    ):
        notes.append(
            UNVERIFIED_NOTE[view.lang]
        )  # placeholders must not pass for positions in print
    return pieces + notes + [SERVICE_NAME[view.lang]]


def _draw_attribution(c: _Canvas, pieces: list[str]) -> float:
    """The attribution at the bottom, wrapped to the width; returns the map's bottom in pixels."""
    w, h = c.fig.bbox.width, c.fig.bbox.height
    prop = font_manager.FontProperties(family=CJK_FAMILY, size=6.5 * c.k)
    sep = "；" if c.view.lang == "zh" else "; "

    def measure(s: str) -> float:
        return c.renderer.get_text_width_height_descent(s, prop, ismath=False)[0]

    text = c.fig.text(
        c.pad / w, c.pad / h, "\n".join(_wrap(pieces, sep, w - 2 * c.pad, measure)),
        ha="left", va="bottom", fontproperties=prop, color=c.theme.muted, linespacing=1.35,
    )  # fmt: skip
    return 1.5 * c.pad + text.get_window_extent(c.renderer).height


def _wrap(pieces: list[str], sep: str, width: float, measure) -> list[str]:
    """Greedy line breaking between pieces; a piece longer than a line breaks between characters."""
    lines: list[str] = []
    line = ""
    for i, piece in enumerate(pieces):
        piece = piece + (sep if i < len(pieces) - 1 else "")
        if measure(line + piece) <= width:
            line += piece
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        for ch in piece:
            if line and measure(line + ch) > width:
                lines.append(line)
                line = ""
            line += ch
    if line:
        lines.append(line.rstrip())
    return lines


def _frame(c: _Canvas) -> None:
    """Map limits: the view's bbox in metres, widened to the axes' shape (1 m = 1 m both ways)."""
    minx, miny, maxx, maxy = view_bbox(c.catalog, c.view, c.selection)
    midx = (minx + maxx) / 2
    xs, ys = transform_coords(
        [minx, maxx, maxx, minx, midx, midx],
        [miny, miny, maxy, maxy, miny, maxy],
        WGS84,
        METRIC_CRS,
    )
    box = c.ax.get_window_extent(c.renderer)
    aspect = box.width / box.height
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    half_w, half_h = (xs.max() - xs.min()) / 2, (ys.max() - ys.min()) / 2
    if half_w / half_h < aspect:
        half_w = half_h * aspect
    else:
        half_h = half_w / aspect
    c.ax.set_xlim(cx - half_w, cx + half_w)
    c.ax.set_ylim(cy - half_h, cy + half_h)
    c.ax.set_xticks([])
    c.ax.set_yticks([])
    c.ax.set_facecolor(c.theme.background)
    for spine in c.ax.spines.values():
        spine.set_edgecolor(c.theme.frame)
        spine.set_linewidth(0.6)


def _shown(c: _Canvas) -> dict[str, gpd.GeoDataFrame]:
    """The selected features inside the map frame, in metres, per layer."""
    frame = _frame_box(c)
    out = {}
    for lid, gdf in c.selection.items():
        metric = to_metric(gdf)
        hollow = not float(c.catalog.defs[lid].style.get("fill_opacity", 0.2))
        drawn = metric.geometry.boundary if hollow else metric.geometry  # an outline only shows
        metric = metric[drawn.intersects(frame).to_numpy()]  # where its line crosses the frame
        if len(metric) > BIG_LAYER:  # simplified for the scale: half a pixel is not seen
            px = (frame.bounds[2] - frame.bounds[0]) / c.ax.get_window_extent(c.renderer).width
            metric = metric.set_geometry(shapely.simplify(metric.geometry.values, px / 2))
        if not metric.empty:
            out[lid] = metric
    return out


def _draw_context(c: _Canvas) -> None:
    """The muted background: the city's land, the rivers."""
    outline = context_layer(c.catalog, "outline")
    if outline is not None and not outline.empty:
        for geom in to_metric(outline).geometry:
            c.ax.add_patch(patch_from_polygon(geom, facecolor=c.theme.land, edgecolor="none"))
    rivers = _context_rivers(c.catalog)
    if rivers is not None:
        parts = _lines(rivers.geometry.values)
        c.ax.add_collection(
            LineCollection(parts, colors=c.theme.river, linewidths=2.2 * c.k, capstyle="round")
        )


def _layer_color(gdf: gpd.GeoDataFrame) -> str:
    """A status layer's legend colour: its one status's colour, else the neutral context colour."""
    statuses = set(gdf.loc[carries_project(gdf), "status"])
    one = len(statuses) == 1 and statuses <= set(STATUS)
    return STATUS[statuses.pop()].color if one else CONTEXT_COLOR


def _layer_rows(c: _Canvas) -> list[tuple[Any, str]]:
    """One legend symbol per drawn layer (and the rivers), in the layer's geometry and style."""
    rows: list[tuple[Any, str]] = []
    for lid, gdf in c.shown.items():
        layer = c.catalog.defs[lid]
        style, title = layer.style, layer.title_for(c.view.lang)
        color = _layer_color(gdf) if layer.has_status else feature_colors(gdf, layer)[0]
        lw = float(style.get("weight", 2)) * _PX_TO_PT
        dash = _dashes(style, lw)
        linked = carries_project(gdf)
        if style["kind"] == "polygon":
            fill = _rgba(color, 0.35 if float(style.get("fill_opacity", 0.2)) else 0.0)
            patch = Patch(facecolor=fill, edgecolor=color, linewidth=min(lw, 1.5), linestyle=dash)
            rows.append((patch, title))
        elif style["kind"] == "line":
            if layer.has_status and not linked.all():
                river = feature_color(layer, {})  # the context colour
                rows.append((Line2D([], [], color=river, linewidth=3), _RIVERS[c.view.lang]))
            if not layer.has_status or linked.any():
                line = Line2D([], [], color=color, linewidth=min(lw, 3), linestyle=dash)
                rows.append((line, title))
        else:
            rows.append((Line2D([], [], color=color, marker="o", linestyle="none"), title))
    return rows


def _legend(c: _Canvas, present: tuple[str, ...]) -> Legend:
    """The legend (status swatches, then layer symbols) in the corner that hides least."""
    head_status, head_layers = _HEADINGS[c.view.lang]
    blank = Line2D([], [], linestyle="none")
    rows: list[tuple[Any, str]] = []
    if present:
        rows.append((blank, head_status))
        for code in present:
            color = STATUS[code].color
            rows.append(
                (
                    Patch(facecolor=_rgba(color, 0.6), edgecolor=color),
                    STATUS[code].label(c.view.lang),
                )
            )
    layer_rows = _layer_rows(c)
    if layer_rows:
        rows += [(blank, head_layers)] + layer_rows
    headings = [i for i, (h, _) in enumerate(rows) if h is blank]
    corners = (
        ("upper left", "lower right")
        if len(rows) > 3
        else ("upper left", "lower right", "lower left")
    )
    shape = _focus_shape(c)
    best: tuple[float, str] | None = None
    for loc in corners:
        legend = _make_legend(c, rows, headings, loc)
        box = legend.get_window_extent(c.renderer).transformed(c.ax.transData.inverted())
        hidden = shape.intersection(shapely.box(*box.extents)).area
        legend.remove()
        if best is None or hidden < best[0] - 1e-6:
            best = (hidden, loc)
    return _make_legend(c, rows, headings, best[1] if best else "upper left")


def _focus_shape(c: _Canvas) -> shapely.Geometry:
    """The drawn features the story is about (lines widened), to keep the legend off them; many
    features: the grid cells (the widening's size) they meet, one R-tree query, no union."""
    focus = focus_features(c.shown) or c.shown
    (x0, x1), (y0, y1) = c.ax.get_xlim(), c.ax.get_ylim()
    step = (x1 - x0) / 150
    geoms = np.asarray([g for gdf in focus.values() for g in gdf.geometry.values], dtype=object)
    if len(geoms) <= BIG_LAYER:
        return shapely.union_all(shapely.buffer(geoms, step)) if len(geoms) else shapely.Polygon()
    xs, ys = np.arange(x0, x1, step), np.arange(y0, y1, step)
    gx, gy = np.meshgrid(xs, ys)
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + step, gy.ravel() + step)
    hit = np.unique(shapely.STRtree(geoms).query(cells, predicate="intersects")[0])
    return shapely.coverage_union_all(cells[hit]) if len(hit) else shapely.Polygon()


def _make_legend(c: _Canvas, rows: list[tuple[Any, str]], headings: list[int], loc: str) -> Legend:
    legend = c.ax.legend(
        [h for h, _ in rows], [label for _, label in rows], loc=loc, fontsize=7.5 * c.k,
        frameon=True, framealpha=0.88, facecolor=c.theme.background, edgecolor=c.theme.frame,
        labelcolor=c.theme.text, handlelength=1.8, handleheight=0.9, borderpad=0.6,
        labelspacing=0.45, borderaxespad=0.6,
    )  # fmt: skip
    for i in headings:
        legend.get_texts()[i].set_fontweight("bold")
    return legend


# --------------------------------------------------------------------------- output


def _rendering():
    """rcParams for the picture (the font, SVG text as paths, stable SVG ids)."""
    return matplotlib.rc_context(
        {"font.family": [CJK_FAMILY], "svg.fonttype": "path", "svg.hashsalt": "geoapp",
         "axes.unicode_minus": False, "path.simplify": True}
    )  # fmt: skip


def _save(picture: Picture, fmt: str) -> bytes:
    view, buf = picture.view, io.BytesIO()
    title = picture.title
    if fmt == "png":
        meta = {"Title": title, "Software": None, "Disclaimer": SCHEMATIC_NOTE[view.lang]}
        picture.figure.savefig(buf, format="png", dpi=view.dpi, metadata=meta)
        return buf.getvalue()
    if fmt == "svg":
        picture.figure.savefig(
            buf, format="svg", dpi=view.dpi, metadata={"Date": None, "Title": title}
        )
        return _svg_size(buf.getvalue(), view.width, view.height)
    raise ValueError(f"unknown picture format {fmt!r} (one of {', '.join(FORMATS)})")


def _svg_size(svg: bytes, width: int, height: int) -> bytes:
    """Give the root <svg> pixel width/height (its viewBox stays in points)."""
    text = svg.decode("utf-8")
    root = re.search(r"<svg\b[^>]*>", text)
    assert root is not None, "matplotlib wrote no <svg> element"
    tag = re.sub(r'\swidth="[^"]*"', f' width="{width}px"', root.group(0), count=1)
    tag = re.sub(r'\sheight="[^"]*"', f' height="{height}px"', tag, count=1)
    return (text[: root.start()] + tag + text[root.end() :]).encode("utf-8")


def _titled_png(body: bytes, catalog: Catalog, view: EmbedView) -> bytes:
    """The untitled map ``body`` (PNG) with the view's title drawn into its band."""
    title = default_title(catalog, view)
    full = Figure(figsize=(view.width / view.dpi, view.height / view.dpi), dpi=view.dpi)
    FigureCanvasAgg(full)
    probe = _Canvas(full, full.canvas.get_renderer(), catalog, view, {}, _theme(view), _scale(view))
    rows = max(1, int(view.height - _title_top(probe)) - 1)  # the band, clear of the map frame
    strip = Figure(figsize=(view.width / view.dpi, rows / view.dpi), dpi=view.dpi)
    FigureCanvasAgg(strip)
    strip.patch.set_facecolor(probe.theme.background)
    c = dataclasses.replace(probe, fig=strip, renderer=strip.canvas.get_renderer())
    _draw_title(c, title)
    strip.canvas.draw()
    image = Image.open(io.BytesIO(body))
    image.paste(Image.frombuffer("RGBA", strip.canvas.get_width_height(),
                                 strip.canvas.buffer_rgba(), "raw", "RGBA", 0, 1), (0, 0))  # fmt: skip
    info = PngInfo()
    info.add_text("Title", title)
    info.add_text("Disclaimer", SCHEMATIC_NOTE[view.lang])
    out = io.BytesIO()
    image.save(out, format="png", pnginfo=info, dpi=(view.dpi, view.dpi))
    return out.getvalue()


def _untitled_png(catalog: Catalog, view: EmbedView) -> bytes:
    """The picture of the view with its title band left empty (what every title shares)."""
    with drawn_picture(catalog, view, with_title=False) as picture:
        return picture.save("png")


def render_picture(
    catalog: Catalog, view: EmbedView, fmt: str = "png", maps: Cache | None = None
) -> bytes:
    """The view as PNG or SVG bytes (see the module docstring for sizes and fonts).

    A PNG is the untitled map with the title drawn in: ``maps`` (a :class:`~geoapp.cache.Cache`)
    keeps untitled maps, so pictures that differ only in their title draw the map once.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown picture format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "svg":
        with drawn_picture(catalog, view) as picture:
            return picture.save(fmt)
    untitled = dataclasses.replace(view, title="")
    build = functools.partial(_untitled_png, catalog, untitled)
    body = maps.get((catalog.version, "png", untitled), build) if maps is not None else build()
    with _RENDER_LOCK, _rendering():
        return _titled_png(body, catalog, view)
