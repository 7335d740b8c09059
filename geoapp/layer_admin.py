"""Layers added and removed without code: ``geoapp layer add`` / ``geoapp layer remove``.

:func:`propose_layer` reads a GIS file (any format :mod:`geoapp.importing` reads, reprojected to
WGS84) and proposes a definition from its fields: each column's type, a label, a vocabulary for a
text column with few distinct values, a style from the geometry type. :func:`add_layer` puts the
features into the store in one audited transaction (``layer.added``, the definition in the
entry), validating the whole catalog inside it with the new definition staged, then writes
``layers/ID.toml`` and mirrors the layer into ``data/geojson/ID.geojson`` (nothing on any
error); the catalog it validated primes the layer cache, so the next start does not read the
layer again. :func:`remove_layer` takes the features out in one audited transaction
(``layer.removed``; each feature kept as a replaced version) and moves both files into
``history/`` folders, refusing while the registry still points at the layer.

Examples
--------
>>> plan = propose_layer(Path("parcels.gpkg"), "parcels", {"zh": "地块", "en": "Parcels"},
...                      data_dir, layers_dir)  # doctest: +SKIP
>>> print(plan.definition)  # doctest: +SKIP
id = "parcels"
...
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geoapp.files import staged_data, write_atomic
from geoapp.importing import ImportFailed, ImportLimits, read_source
from geoapp.layers import BASE_FIELD_NAMES, ID_PATTERN, LayerDef, load_layer_defs
from geoapp.problems import DataError, Problem
from geoapp.query.clean import is_missing
from geoapp.status import ACCURACY, LOCATION_CONFIDENCE

#: A text column with at most this many distinct values (and repeats) becomes a vocabulary.
MAX_VOCABULARY = 12
#: Colours for new non-status layers, taken in turn by the layer count.
PALETTE = ("#8d6e63", "#5c6bc0", "#26a69a", "#ab47bc", "#78909c", "#d4a017")
_KINDS = {"Point": "point", "MultiPoint": "point", "LineString": "line",
          "MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}  # fmt: skip


class LayerAdminError(Exception):
    """The layer cannot be added or removed; the message names the file and what to do."""


@dataclass
class LayerPlan:
    """A proposed layer: its definition (TOML text), its features and what was done."""

    layer_id: str
    definition: str
    features: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    source: str = ""  # the file it was read from (for the audit entry)


def _field_type(values: pd.Series) -> str:
    """str, int, float or bool: the narrowest type every present value has."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "float"
    return "str"


def _propose_field(name: str, values: pd.Series) -> dict[str, Any]:
    """One field's definition from its column."""
    ftype = _field_type(values)
    out: dict[str, Any] = {"name": name, "type": ftype, "label": {"zh": name, "en": name}}
    present = values.dropna()
    if len(present) == len(values) and len(values):
        out["required"] = True
    if ftype == "str":
        distinct = sorted({str(v) for v in present})
        if 1 < len(distinct) <= MAX_VOCABULARY and len(present) >= 2 * len(distinct):
            out["values"] = distinct
    return out


def _field_name(column: str) -> str:
    """A column name as a field name (lower case ASCII slug)."""
    name = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in column.lower())
    return name if ID_PATTERN.match(name) else f"f_{name}"[:64]


def _fill_base_fields(gdf: gpd.GeoDataFrame, layer_id: str, opts: dict[str, str], notes) -> None:
    """Ids, names, accuracy, confidence and source for features that lack them."""
    n = len(gdf)
    if "id" not in gdf.columns or gdf["id"].isna().all():
        gdf["id"] = [f"{layer_id}-{i:06d}" for i in range(1, n + 1)]
        notes.append(
            f"the file has no 'id' field: ids {layer_id}-000001 … were given in file order"
        )
    if "name" not in gdf.columns:
        gdf["name"] = gdf["id"]
        notes.append("the file has no 'name' field: the id is the name")
    if "name_en" not in gdf.columns:
        gdf["name_en"] = gdf["name"].where(gdf["name"].map(lambda v: str(v).isascii()), gdf["id"])
    for col, value in (("accuracy", opts["accuracy"]),
                       ("location_confidence", opts["location_confidence"]),
                       ("geometry_source", opts["geometry_source"])):  # fmt: skip
        if col not in gdf.columns:
            gdf[col] = value
        else:
            gdf[col] = gdf[col].where(gdf[col].notna(), value)


def _toml_value(value: Any) -> str:
    """A TOML value (strings, numbers, booleans, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"


def definition_text(raw: dict[str, Any], source: str) -> str:
    """A layer definition as TOML, in the layout of the bundled ``layers/*.toml``."""
    lines = [f"# {raw['title']['zh']} — added with `geoapp layer add` from {source}."]
    for key in ("id", "order", "geometry_types", "has_status", "title", "description",
                "attribution", "popup", "tooltip"):  # fmt: skip
        lines.append(f"{key} = {_toml_value(raw[key])}")
    lines += ["", "[style]"] + [f"{k} = {_toml_value(v)}" for k, v in raw["style"].items()]
    for f in raw["fields"]:
        lines += ["", "[[fields]]"] + [f"{k} = {_toml_value(v)}" for k, v in f.items()]
    return "\n".join(lines) + "\n"


def _next_order(layers_dir: Path) -> int:
    """After every existing layer."""
    try:
        defs = load_layer_defs(layers_dir)
    except Exception:  # noqa: BLE001 — a broken definition is reported by validation later
        return 100
    return max((d.order for d in defs.values()), default=0) + 10


def _raw_definition(
    gdf: gpd.GeoDataFrame, layer_id: str, titles: dict[str, str], fields, order: int, count: int
) -> dict[str, Any]:
    types = sorted(set(gdf.geometry.geom_type.dropna()))
    kind = _KINDS.get(types[0], "polygon") if types else "polygon"
    multi = {"Polygon": "MultiPolygon", "LineString": "MultiLineString", "Point": "MultiPoint"}
    geometry_types = sorted({t for g in types for t in (g, multi.get(g, g))})
    style: dict[str, Any] = {"kind": kind, "color": PALETTE[count % len(PALETTE)], "weight": 1.5,
                             "opacity": 0.9}  # fmt: skip
    if kind == "polygon":
        style["fill_opacity"] = 0.3
    if kind == "point":
        style["radius"] = 4
    own = [f["name"] for f in fields][:4]
    return {
        "id": layer_id, "order": order, "geometry_types": geometry_types, "has_status": False,
        "title": titles, "description": {"zh": titles["zh"], "en": titles["en"]},
        "attribution": titles.get("attribution", ""),
        "popup": ["name", *own, "accuracy", "geometry_source"], "tooltip": ["name"],
        "style": style, "fields": fields,
    }  # fmt: skip


def propose_layer(
    path: Path,
    layer_id: str,
    titles: dict[str, str],
    data_dir: Path,
    layers_dir: Path,
    *,
    src_crs: str | None = None,
    encoding: str | None = None,
    accuracy: str = "schematic",
    location_confidence: str = "medium",
    geometry_source: str | None = None,
    limits: ImportLimits | None = None,
) -> LayerPlan:
    """Read the file and propose the layer: definition text, features, notes (nothing written)."""
    _check_new_id(layer_id, data_dir, layers_dir)
    if accuracy not in ACCURACY or location_confidence not in LOCATION_CONFIDENCE:
        raise LayerAdminError(
            f"--accuracy must be one of {', '.join(ACCURACY)}; "
            f"--location-confidence one of {', '.join(LOCATION_CONFIDENCE)}"
        )
    provisional = LayerDef(layer_id, 0, (), False, dict(titles), {}, "", (), (), {}, ())
    try:
        gdf, notes, _ = read_source(Path(path), provisional, src_crs, encoding, limits=limits)
    except ImportFailed as exc:
        raise LayerAdminError(str(exc)) from None
    renamed = {
        c: _field_name(c) for c in gdf.columns if c != "geometry" and c not in BASE_FIELD_NAMES
    }
    gdf = gdf.rename(columns=renamed)
    source = geometry_source or f"导入自 {Path(path).name} / imported from {Path(path).name}"
    opts = {"accuracy": accuracy, "location_confidence": location_confidence,
            "geometry_source": source}  # fmt: skip
    _fill_base_fields(gdf, layer_id, opts, notes)
    fields = [_propose_field(c, gdf[c]) for c in renamed.values()]
    count = len(list(Path(layers_dir).glob("*.toml")))
    raw = _raw_definition(gdf, layer_id, titles, fields, _next_order(layers_dir), count)
    return LayerPlan(layer_id, definition_text(raw, Path(path).name), gdf, notes,
                     source=Path(path).name)  # fmt: skip


def _check_new_id(layer_id: str, data_dir: Path, layers_dir: Path) -> None:
    if not ID_PATTERN.match(layer_id):
        raise LayerAdminError(f"--id {layer_id!r} is not an ASCII slug (a-z, 0-9, '-', '_')")
    for existing in (Path(layers_dir) / f"{layer_id}.toml",
                     Path(data_dir) / "geojson" / f"{layer_id}.geojson"):  # fmt: skip
        if existing.exists():
            raise LayerAdminError(f"{existing}: a layer '{layer_id}' exists already")


def feature_docs(gdf: gpd.GeoDataFrame, layer: LayerDef) -> list[tuple[str, str, str | None]]:
    """(id, feature text, geometry text) per feature, as the store keeps an added layer: compact
    RFC 7946 GeoJSON, properties in the definition's order, missing values left out. Geometries
    are written in one vectorised call (``shapely.to_geojson``), so 1M features take seconds."""
    order = [f.name for f in layer.all_fields]
    order = order[:3] + order[6:] + order[3:6]  # id, name, name_en, own fields, accuracy…
    cols = [c for c in order if c in gdf.columns]
    cols += [c for c in gdf.columns if c not in cols and c != "geometry"]
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    texts = shapely.to_geojson(geoms)
    opt = orjson.OPT_SERIALIZE_NUMPY
    out = []
    for props, geometry in zip(gdf[cols].to_dict("records"), texts, strict=True):
        clean = {k: v for k, v in props.items() if not is_missing(v)}
        fid = clean.get("id")
        head = b'{"type":"Feature","id":' + orjson.dumps(fid) + b',"properties":'
        body = orjson.dumps(clean, option=opt, default=_json_default).decode()
        doc = head.decode() + body + ',"geometry":' + (geometry or "null") + "}"
        out.append((str(fid), doc, geometry))
    return out


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to GeoJSON")


def _problems_of(exc: Exception, layer_id: str) -> list[Problem]:
    return list(getattr(exc, "problems", None) or [Problem(f"{layer_id}.toml", None, str(exc))])


def add_layer(
    plan: LayerPlan, data_dir: Path, layers_dir: Path, store=None, user: str = "gis",
    address: str = "",
) -> tuple[Path, Path]:  # fmt: skip
    """Put the layer into the store in one audited transaction (the whole catalog validated
    inside it, with the new definition staged), then write ``layers/ID.toml`` and mirror the
    layer into ``data/geojson/ID.geojson``; both paths. Nothing changes on any problem."""
    from geoapp.importing.engine import data_store
    from geoapp.store import Conflict, StoreError
    from geoapp.store import layers as store_layers
    from geoapp.store.snapshot import kept

    _check_new_id(plan.layer_id, data_dir, layers_dir)
    toml = Path(layers_dir) / f"{plan.layer_id}.toml"
    geojson = Path(data_dir) / "geojson" / f"{plan.layer_id}.geojson"
    with staged_data(layers_dir, {toml.name: plan.definition}) as staged:
        try:
            layer = load_layer_defs(staged)[plan.layer_id]
        except Exception as exc:  # noqa: BLE001 — DataError: the definition's own problems
            plan.problems = _problems_of(exc, plan.layer_id)
            raise LayerAdminError(f"{len(plan.problems)} problem(s): nothing written") from None
        about = {"definition": plan.definition, "source": plan.source}
        try:
            with data_store(data_dir, layers_dir, store) as st:
                catalog = store_layers.add_layer(st, plan.layer_id, feature_docs(
                    plan.features, layer), user, staged, address, about)  # fmt: skip
                write_atomic(toml, plan.definition)  # a reload sees the layer from now on
                st.write_file(f"geojson/{plan.layer_id}.geojson", geojson)
                kept(st, layers_dir, catalog)
        except DataError as exc:
            plan.problems = exc.problems
            raise LayerAdminError(f"{len(plan.problems)} problem(s): nothing written") from None
        except (Conflict, StoreError, ImportFailed) as exc:
            raise LayerAdminError(str(exc)) from None
    return toml, geojson


def remove_layer(
    layer_id: str, data_dir: Path, layers_dir: Path, now: dt.datetime | None = None,
    store=None, user: str = "gis", address: str = "",
) -> list[Path]:  # fmt: skip
    """Take the layer out of the store in one audited transaction (its features kept as
    replaced versions), then move its definition and file into ``history/`` folders; where they
    went. Refused while the registry points at the layer."""
    from geoapp.importing.engine import data_store
    from geoapp.store import Conflict, StoreError
    from geoapp.store import layers as store_layers

    toml = Path(layers_dir) / f"{layer_id}.toml"
    geojson = Path(data_dir) / "geojson" / f"{layer_id}.geojson"
    try:
        with data_store(data_dir, layers_dir, store) as st:
            held = st.backend.read("SELECT COUNT(*) FROM features WHERE layer = ?", (layer_id,))
            if not toml.exists() and not held[0][0]:
                raise LayerAdminError(f"{toml}: no layer '{layer_id}'")
            with _without(layers_dir, toml.name) as staged:
                store_layers.remove_layer(st, layer_id, user, staged, address)
    except DataError as exc:
        raise LayerAdminError(f"{exc}: nothing was removed") from None
    except (Conflict, StoreError, ImportFailed) as exc:
        raise LayerAdminError(str(exc)) from None
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    moved = []
    for path in (toml, geojson):  # the definition first: the layer leaves the catalog at once
        if path.exists():
            target = path.parent / "history" / f"{layer_id}.{stamp}{path.suffix}"
            target.parent.mkdir(exist_ok=True)
            shutil.move(path, target)
            moved.append(target)
    return moved


@contextmanager
def _without(layers_dir: Path, name: str) -> Iterator[Path]:
    """The layer definitions as links, without ``name``."""
    with staged_data(layers_dir) as staged:
        (staged / name).unlink(missing_ok=True)
        yield staged
