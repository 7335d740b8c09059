"""Embed view parameters: parsing, the feature selection and the fitted extent, on the bundled data."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest
from shapely.geometry import Point

from geoapp import embed_params
from geoapp.embed_params import (
    EmbedParamError,
    EmbedView,
    default_layers,
    default_title,
    fit_bbox,
    parse_embed_args,
    select_features,
    view_bbox,
)

DEFAULT_LAYERS = (
    "boundary", "parks", "platforms", "micro_enterprise_parks", "culture_tourism", "sanjiang_liuan",
    "urban_villages", "ring_roads", "public_facilities",
)  # fmt: skip
RIVERS = ["river-huaxi", "river-nanxi", "river-yongkangjiang"]


def ids(selection) -> dict[str, list[str]]:
    """Layer id → feature ids, in order."""
    return {lid: list(gdf["id"]) for lid, gdf in selection.items()}


def selected(catalog, **args) -> dict[str, list[str]]:
    """The feature ids the query arguments select."""
    return ids(select_features(catalog, parse_embed_args(args, catalog)))


def test_defaults(bundled):
    assert default_layers(bundled) == DEFAULT_LAYERS
    assert parse_embed_args({}, bundled) == EmbedView(
        layers=DEFAULT_LAYERS, projects=(), status=(), zone=None, bbox=None, title="", lang="zh",
        basemap=None, dark="auto", static=False, legend=True, width=1200, height=900, dpi=150,
    )  # fmt: skip


def test_every_parameter(bundled):
    args = {
        "layers": " urban_villages, boundary,urban_villages ,",
        "projects": "uv-dongku,uv-xishantou",
        "status": "在建,planned,under construction",
        "zone": "zone-central-city",
        "bbox": "120.0,28.85,120.1,28.95",
        "title": "  城中村\n改造区块 ",
        "lang": "en",
        "basemap": "none",
        "dark": "1",
        "static": "",
        "legend": "off",
        "width": "800",
        "height": "450",
        "dpi": "72",
        "utm_source": "ignored",
    }
    assert parse_embed_args(args, bundled, basemaps=["osm", "none"]) == EmbedView(
        layers=("boundary", "urban_villages"),  # draw order, duplicates dropped
        projects=("uv-dongku", "uv-xishantou"),
        status=("under_construction", "planned"),  # labels become codes
        zone="zone-central-city",
        bbox=(120.0, 28.85, 120.1, 28.95),
        title="城中村 改造区块",
        lang="en",
        basemap="none",
        dark="true",
        static=True,
        legend=False,
        width=800,
        height=450,
        dpi=72,
    )


ZONES = (
    "zone-eco-leisure-belt, zone-north-agri, zone-central-agri, zone-east-eco-agri, "
    "zone-central-city, zone-gushan"
)


@pytest.mark.parametrize(
    ("args", "param", "message"),
    [
        ({"layers": "parks,nope,zzz"}, "layers", "unknown layer 'nope'; expected one of: boundary, "
         "zones, parks, platforms, micro_enterprise_parks, culture_tourism, sanjiang_liuan, "
         "urban_villages, ring_roads, public_facilities, towns"),
        ({"projects": "uv-dongku,uv-nope"}, "projects", "unknown project 'uv-nope'; expected one of: "
         "nansihuan-wujin-nandu, nansihuan-nandu-g330, beisanhuan, jiefang-nanlu, shenglijie-ext, "
         "jiuling-xilu, west-entrance, east-entrance, nandu-jinsheng-ext, old-g330, new-g330, "
         "dongyong-2, dongyong-1, fangyan-link, jintai-railway, yongwu-expressway, yongyi-muqu, "
         "hangli-hsr, yiwu-songlong-expressway, wenyihe-expressway, … (105 in all)"),
        ({"status": "done"}, "status", "unknown status 'done'; expected one of: planned, preparing, "
         "launched, under_construction, topped_out, completed, accepted, in_service"),
        ({"zone": "zone-nope"}, "zone", f"unknown zone 'zone-nope'; expected one of: {ZONES}"),
        ({"zone": "yongkang"}, "zone", f"unknown zone 'yongkang'; expected one of: {ZONES}"),
        # the 东永一线 axis is a line in the zones layer, not a zone
        ({"zone": "zone-dongyong-axis"}, "zone",
         f"unknown zone 'zone-dongyong-axis'; expected one of: {ZONES}"),
        ({"bbox": "120,28.8,120.1"}, "bbox",
         "bbox must be four numbers: minlon,minlat,maxlon,maxlat (or six, with heights)"),
        ({"bbox": "120,28.8,120.1,nan"}, "bbox", "bbox must be a finite number, not 'nan'"),
        ({"bbox": "120.1,28.8,120,28.9"}, "bbox", "bbox is inverted: min must not exceed max"),
        ({"title": "长" * 121}, "title", "title must be at most 120 characters, not 121"),
        ({"lang": "fr"}, "lang", "lang must be one of: zh, en"),
        ({"dark": "maybe"}, "dark", "dark must be one of: true, false, auto"),
        ({"static": "sometimes"}, "static", "static must be true or false, not 'sometimes'"),
        ({"legend": "2"}, "legend", "legend must be true or false, not '2'"),
        ({"width": "99"}, "width", "width must be between 100 and 4000"),
        ({"height": "4001"}, "height", "height must be between 100 and 4000"),
        ({"height": "1e3"}, "height", "height must be an integer, not '1e3'"),
        ({"width": "²"}, "width", "width must be an integer, not '²'"),
        ({"dpi": "71"}, "dpi", "dpi must be between 72 and 600"),
        ({"basemap": "google"}, "basemap", "basemap must be one of: osm, none"),
    ],
)  # fmt: skip
def test_bad_values_name_the_parameter(bundled, args, param, message):
    with pytest.raises(EmbedParamError) as info:
        parse_embed_args(args, bundled, basemaps=["osm", "none"])
    assert (info.value.param, info.value.message) == (param, message)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_basemap_without_a_list_must_be_a_name(bundled):
    assert parse_embed_args({"basemap": "tianditu"}, bundled).basemap == "tianditu"
    with pytest.raises(EmbedParamError, match="not a basemap name"):
        parse_embed_args({"basemap": "<script>"}, bundled)


def test_projects_select_exactly_their_features(bundled):
    projects = "uv-dongku,uv-xishantou"
    assert selected(bundled, projects=projects, layers="urban_villages") == {
        "urban_villages": ["uv-xishantou", "uv-dongku"]
    }
    # the boundary and the rivers carry no project: they stay as context
    assert selected(bundled, projects=projects) == {
        "boundary": ["yongkang"],
        "sanjiang_liuan": RIVERS,
        "urban_villages": ["uv-xishantou", "uv-dongku"],
    }


def test_a_project_with_several_features(bundled):
    assert selected(bundled, projects="sanjiang-liuan", layers="sanjiang_liuan") == {
        "sanjiang_liuan": [
            "river-huaxi", "bank-huaxi-left", "bank-huaxi-right",
            "river-nanxi", "bank-nanxi-left", "bank-nanxi-right",
            "river-yongkangjiang", "bank-yongkangjiang-left", "bank-yongkangjiang-right",
        ]
    }  # fmt: skip


def test_status_filter(bundled):
    parks = ["park-nanxiwan-wetland", "park-longchuan", "park-tashan", "park-xiangzhang"]
    assert selected(bundled, status="planned", layers="parks") == {"parks": parks}
    # nothing is under construction yet: only the context is left
    assert selected(bundled, status="在建") == {"boundary": ["yongkang"], "sanjiang_liuan": RIVERS}
    # an unplaced project is known but has nothing on the map
    assert selected(bundled, projects="hangli-hsr", layers="ring_roads") == {}


def test_zone_keeps_what_intersects_it_and_the_zone_itself(bundled):
    assert selected(bundled, zone="zone-gushan", layers="urban_villages,ring_roads,towns") == {
        "zones": ["zone-gushan"],
        "ring_roads": ["road-dongyong-1"],
        "towns": ["town-gushan"],
    }


def test_selection_on_the_tiny_dataset(tiny):
    from geoapp.catalog import load_catalog

    catalog = load_catalog(*tiny)
    # park-a is linked to no project in the tiny registry: context, kept by the project filter
    assert selected(catalog, layers="urban_villages,parks", projects="uv-b") == {
        "parks": ["park-a"],
        "urban_villages": ["uv-b"],
    }
    assert selected(catalog, zone="zone-core", layers="ring_roads") == {
        "zones": ["zone-core"],
        "ring_roads": ["road-a"],
    }


def test_view_bbox(bundled):
    view = parse_embed_args({"bbox": "120.0,28.85,120.1,28.95"}, bundled)
    assert view_bbox(bundled, view) == (120.0, 28.85, 120.1, 28.95)
    fitted = view_bbox(bundled, parse_embed_args({"projects": "uv-dongku,uv-xishantou"}, bundled))
    assert [round(v, 4) for v in fitted] == [120.0001, 28.8923, 120.0629, 28.9058]
    # nothing to fit: the whole city
    empty = view_bbox(
        bundled, parse_embed_args({"status": "completed", "layers": "parks"}, bundled)
    )
    assert [round(v, 3) for v in empty] == [119.864, 28.74, 120.372, 29.125]


def test_fit_bbox_has_a_minimum_size():
    minx, miny, maxx, maxy = fit_bbox([Point(120.05, 28.9)], min_size_m=2000)
    assert round((maxx - minx) * 97_500) == 2000  # ~97.5 km per degree of longitude at 28.9°N
    assert round((maxy - miny) * 110_800, -1) == 2000


def test_to_query_round_trips(bundled):
    args = {"layers": "urban_villages", "status": "planned", "title": "城中村", "lang": "en",
            "bbox": "120.01,28.85,120.1,28.95", "legend": "false", "dark": "true"}  # fmt: skip
    view = parse_embed_args(args, bundled)
    query = view.to_query(default_layers(bundled))
    assert query == {
        "layers": "urban_villages", "status": "planned", "bbox": "120.01,28.85,120.1,28.95",
        "title": "城中村", "lang": "en", "dark": "true", "legend": "false",
    }  # fmt: skip
    assert parse_embed_args(query, bundled) == view
    assert parse_embed_args({}, bundled).to_query(default_layers(bundled)) == {}


def test_default_title(bundled):
    def title(**args):
        return default_title(bundled, parse_embed_args(args, bundled))

    assert title(title="城中村改造区块") == "城中村改造区块"
    assert title(layers="urban_villages,boundary") == "城中村改造与未来社区"
    assert (
        title(layers="urban_villages", lang="en")
        == "Urban-village redevelopment and future community"
    )
    assert title() == "永康规划一张图"
    assert title(lang="en") == "Yongkang planning map"


def test_doctests():
    assert doctest.testmod(embed_params).failed == 0


def test_core_modules_do_not_import_flask():
    code = (
        "import sys, geoapp.embed_params, geoapp.picture, geoapp.oembed; "
        "print('flask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
