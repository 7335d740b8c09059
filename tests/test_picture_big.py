"""Big layers in pictures: one compound path per colour, simplified for the scale; colours by the
one style rule on whole columns."""

from __future__ import annotations

import numpy as np
import shapely
from matplotlib.colors import to_hex
from matplotlib.path import Path as MplPath

from geoapp import picture, picture_style
from geoapp.embed_params import parse_embed_args
from geoapp.picture import drawn_picture
from geoapp.picture_style import feature_colors
from geoapp.query.style import feature_color


def test_feature_colours_are_the_one_rule_row_by_row(bundled):
    for lid, gdf in bundled.layers.items():
        rows = gdf.drop(columns="geometry").to_dict("records")
        layer = bundled.defs[lid]
        assert feature_colors(gdf, layer) == [feature_color(layer, r) for r in rows], lid


def test_a_big_layer_is_one_path_per_colour(bundled, monkeypatch):
    monkeypatch.setattr(picture_style, "BIG_LAYER", 0)
    monkeypatch.setattr(picture, "BIG_LAYER", 0)
    args = {"layers": "urban_villages", "width": "600", "height": "400", "dpi": "100"}
    layer, gdf = bundled.defs["urban_villages"], bundled.layers["urban_villages"]
    with drawn_picture(bundled, parse_embed_args(args, bundled)) as pic:
        paths = [a for a in pic.ax.get_children() if a.get_label() == "_big_layer"]
    colours = list(dict.fromkeys(feature_colors(gdf, layer)))
    assert [to_hex(p.get_edgecolor()) for p in paths] == colours
    fill = float(layer.style["fill_opacity"])
    assert [round(p.get_facecolor()[3], 6) for p in paths] == [fill] * len(colours)
    # every ring of every block is in the paths: one MOVETO and one CLOSEPOLY each
    rings = len(shapely.get_rings(shapely.get_parts(gdf.geometry.values)))
    codes = np.concatenate([p.get_path().codes for p in paths])
    assert (codes == MplPath.MOVETO).sum() == (codes == MplPath.CLOSEPOLY).sum() == rings
