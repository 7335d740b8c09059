"""Layer definitions: one TOML file per layer in ``layers/``, validated when read.

A definition gives the layer's id, zh/en title and description, geometry types, field schema,
style, popup and tooltip fields, draw order and attribution. Every layer also has the base
fields of :data:`BASE_FIELDS`.

Examples
--------
>>> from pathlib import Path
>>> defs = load_layer_defs(Path(__file__).parent.parent / "layers")  # doctest: +SKIP
>>> defs["parks"].title["zh"]  # doctest: +SKIP
'公园绿地'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geoapp.problems import DataError, Problem
from geoapp.status import ACCURACY, LOCATION_CONFIDENCE

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
FIELD_TYPES = {"str", "int", "float", "bool"}
GEOMETRY_TYPES = {
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
}
STYLE_KINDS = {"line", "polygon", "point"}


@dataclass(frozen=True)
class Field:
    """One attribute of a layer's features."""

    name: str
    type: str = "str"
    required: bool = False
    label: dict[str, str] = field(default_factory=dict)
    values: tuple[str, ...] | None = None
    value_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def label_for(self, lang: str = "zh") -> str:
        """The field's label in ``lang``, falling back to its name."""
        return self.label.get(lang) or self.label.get("zh") or self.name

    def value_label(self, value: Any, lang: str = "zh") -> str:
        """The label of one allowed value in ``lang`` (the value itself if it has none)."""
        labels = self.value_labels.get(str(value))
        if not labels:
            return "" if value is None else str(value)
        return labels[1] if lang == "en" else labels[0]


def _enum_field(name: str, zh: str, en: str, vocab: dict[str, tuple[str, str]]) -> Field:
    return Field(name, "str", True, {"zh": zh, "en": en}, tuple(vocab), dict(vocab))


BASE_FIELDS: tuple[Field, ...] = (
    Field("id", "str", True, {"zh": "编号", "en": "ID"}),
    Field("name", "str", True, {"zh": "名称", "en": "Name (zh)"}),
    Field("name_en", "str", True, {"zh": "英文名称", "en": "Name"}),
    _enum_field("accuracy", "图形精度", "Accuracy", ACCURACY),
    _enum_field("location_confidence", "位置可信度", "Location confidence", LOCATION_CONFIDENCE),
    Field("geometry_source", "str", True, {"zh": "图形来源", "en": "Geometry source"}),
)
BASE_FIELD_NAMES = tuple(f.name for f in BASE_FIELDS)


@dataclass(frozen=True)
class LayerDef:
    """A layer as ``layers/<id>.toml`` defines it."""

    id: str
    order: int
    geometry_types: tuple[str, ...]
    has_status: bool
    title: dict[str, str]
    description: dict[str, str]
    attribution: str
    popup: tuple[str, ...]
    tooltip: tuple[str, ...]
    style: dict[str, Any]
    fields: tuple[Field, ...]
    city_outline: bool = False
    #: Its areas are the zones every ``zone`` filter names (see :mod:`geoapp.query.zones`).
    zones: bool = False
    reference: dict[str, Any] | None = None
    path: Path | None = None

    @property
    def all_fields(self) -> tuple[Field, ...]:
        """Base fields followed by the layer's own."""
        return BASE_FIELDS + self.fields

    def field(self, name: str) -> Field | None:
        """The field called ``name``, or None."""
        return next((f for f in self.all_fields if f.name == name), None)

    def title_for(self, lang: str = "zh") -> str:
        """The layer title in ``lang``."""
        return self.title.get(lang) or self.title["zh"]

    def description_for(self, lang: str = "zh") -> str:
        """The layer description in ``lang``."""
        return self.description.get(lang) or self.description.get("zh", "")


# Pseudo-fields a popup may name: they come from the project registry, not the layer file.
REGISTRY_FIELDS = ("status", "status_date", "target_status", "target_year", "project_id")


def _check_definition(raw: dict[str, Any], path: Path) -> list[Problem]:
    """Every problem with one raw definition, each naming the file."""
    p: list[Problem] = []
    name = path.name

    def bad(msg: str) -> None:
        p.append(Problem(name, None, msg))

    for key in ("id", "order", "geometry_types", "title", "style"):
        if key not in raw:
            bad(f"missing key '{key}'")
    if p:
        return p
    if not isinstance(raw["id"], str) or not ID_PATTERN.match(raw["id"]):
        bad(f"id {raw['id']!r} is not an ASCII slug (a-z, 0-9, '-', '_')")
    elif raw["id"] != path.stem:
        bad(f"id '{raw['id']}' does not match the file name '{path.stem}'")
    unknown_geom = set(raw["geometry_types"]) - GEOMETRY_TYPES
    if unknown_geom:
        bad(f"unknown geometry types {sorted(unknown_geom)}")
    for key in ("title", "description"):
        if key in raw and not (
            isinstance(raw[key], dict) and raw[key].get("zh") and raw[key].get("en")
        ):
            bad(f"'{key}' needs both zh and en")
    if raw["style"].get("kind") not in STYLE_KINDS:
        bad(f"style.kind must be one of {sorted(STYLE_KINDS)}")
    names = set(BASE_FIELD_NAMES)
    for f in raw.get("fields", []):
        fname = f.get("name", "")
        if not ID_PATTERN.match(fname or "-"):
            bad(f"field name {fname!r} is not an ASCII identifier")
        if fname in names:
            bad(f"field '{fname}' is defined twice (or repeats a base field)")
        names.add(fname)
        if f.get("type", "str") not in FIELD_TYPES:
            bad(f"field '{fname}' has unknown type {f.get('type')!r}")
    for key in ("popup", "tooltip"):
        for fname in raw.get(key, []):
            if fname not in names and fname not in REGISTRY_FIELDS:
                bad(f"{key} names unknown field '{fname}'")
    return p


def _build(raw: dict[str, Any], path: Path) -> LayerDef:
    fields = tuple(
        Field(
            name=f["name"],
            type=f.get("type", "str"),
            required=bool(f.get("required", False)),
            label=dict(f.get("label", {})),
            values=tuple(f["values"]) if "values" in f else None,
            value_labels={k: tuple(v) for k, v in f.get("value_labels", {}).items()},
        )
        for f in raw.get("fields", [])
    )
    return LayerDef(
        id=raw["id"],
        order=int(raw["order"]),
        geometry_types=tuple(raw["geometry_types"]),
        has_status=bool(raw.get("has_status", False)),
        title=dict(raw["title"]),
        description=dict(raw.get("description", {})),
        attribution=raw.get("attribution", ""),
        popup=tuple(raw.get("popup", ["name"])),
        tooltip=tuple(raw.get("tooltip", ["name"])),
        style=dict(raw["style"]),
        fields=fields,
        city_outline=bool(raw.get("city_outline", False)),
        zones=bool(raw.get("zones", False)),
        reference=dict(raw["reference"]) if "reference" in raw else None,
        path=path,
    )


def load_layer_defs(directory: Path) -> dict[str, LayerDef]:
    """Read and validate every ``*.toml`` in ``directory``, in draw order.

    Raises :class:`DataError` listing every problem in every file.
    """
    problems: list[Problem] = []
    defs: list[LayerDef] = []
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise DataError([Problem(str(directory), None, "no layer definitions (*.toml) found")])
    for path in files:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(Problem(path.name, None, f"unreadable TOML: {exc}"))
            continue
        found = _check_definition(raw, path)
        problems.extend(found)
        if not found:
            defs.append(_build(raw, path))
    if problems:
        raise DataError(problems)
    return {d.id: d for d in sorted(defs, key=lambda d: (d.order, d.id))}
