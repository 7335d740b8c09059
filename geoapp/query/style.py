"""The one style rule: a feature's colour comes from its layer definition (``layers/*.toml``).

The map, the print picture and the QGIS/SLD/KML styles all read it, so a feature has the same
colour everywhere:

- a layer with status is categorised on ``status`` (the vocabulary's colours); its features that
  carry no project (the rivers of 三江六岸) are *context*, drawn in ``style.context_color``;
- a layer whose style gives ``colors`` per value of one of its fields is categorised on that field;
- any other layer has one colour, ``style.color``.

>>> from geoapp.layers import load_layer_defs  # doctest: +SKIP
>>> feature_color(defs["zones"], {"zone_type": "axis"})  # doctest: +SKIP
'#d81b60'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geoapp.layers import LayerDef
from geoapp.status import CONTEXT_COLOR, STATUSES


@dataclass(frozen=True)
class Category:
    """One class of a layer's style: the value it matches ('' = none), label, colour, width (px)."""

    value: str
    label: str
    color: str
    width: float


def symbology(layer: LayerDef) -> tuple[str | None, list[Category]]:
    """The field a layer is styled on (None: one symbol for all) and its categories.

    Status layers are categorised on ``status`` (features with no project get the context
    colour); layers whose style gives ``colors`` per value of a field on that field.
    """
    style = layer.style
    weight = float(style.get("weight", 1.0 if style["kind"] == "point" else 2.0))
    if layer.has_status:
        cats = [Category(s.code, f"{s.zh} {s.en}", s.color, weight) for s in STATUSES]
        none_color = style.get("context_color", CONTEXT_COLOR)
        none_width = float(style.get("context_weight", weight))
        ctx = style.get("context_label") or {"zh": "无项目", "en": "no project"}
        none = Category("", f"{ctx['zh']} {ctx['en']}", none_color, none_width)
        return "status", cats + [none]
    colors = style.get("colors") or {}
    field = next((f for f in layer.fields if f.values and set(colors) <= set(f.values)), None)
    if colors and field is not None:
        return field.name, [
            Category(v, f"{field.value_label(v, 'zh')} {field.value_label(v, 'en')}", c, weight)
            for v, c in colors.items()
        ]
    return None, [Category("", layer.title_for("zh"), style.get("color", CONTEXT_COLOR), weight)]


def is_context(layer: LayerDef, props: Mapping[str, Any]) -> bool:
    """True for a feature of a status layer that carries no project (drawn as background)."""
    return layer.has_status and not props.get("project_id")


def feature_color(layer: LayerDef, props: Mapping[str, Any]) -> str:
    """The colour of one feature (its properties as a mapping), by :func:`symbology`."""
    attr, cats = symbology(layer)
    if attr is None:
        return cats[0].color
    value = None if attr == "status" and is_context(layer, props) else props.get(attr)
    by_value = {c.value: c.color for c in cats}
    if value and value in by_value:
        return by_value[value]
    return by_value.get("", layer.style.get("color", CONTEXT_COLOR))


def feature_width(layer: LayerDef, props: Mapping[str, Any]) -> float:
    """The line width (px) of one feature: the context width for context features."""
    style = layer.style
    weight = float(style.get("weight", 3))
    return float(style.get("context_weight", weight)) if is_context(layer, props) else weight
