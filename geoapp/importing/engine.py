"""Prepare an import (read, check, diff, find conflicts) and apply it (one atomic write).

The CLI and the web use this one engine. :func:`prepare_import` writes nothing;
:func:`apply_import` refuses a result with problems, or with conflicts unless forced, writes the
layer atomically (keeping its permissions and the previous file in ``history/``), re-validates
the catalog and records the new layer version with who and when.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geoapp.catalog import validate
from geoapp.files import staged_data, write_atomic
from geoapp.importing.diff import LayerDiff, diff_layers, records, same_shape
from geoapp.importing.encoding import check_garbled
from geoapp.importing.limits import ImportConflict, ImportFailed, ImportLimits, Progress
from geoapp.importing.reading import read_source
from geoapp.importing.sanity import PSEUDO_LABELS, offset_problems
from geoapp.layers import LayerDef, load_layer_defs
from geoapp.loading import read_layer
from geoapp.problems import DataError, Problem
from geoapp.versions import Conflict, VersionBook, conflicts, version_book


@dataclass
class ImportOptions:
    """How to read the file: its CRS, text encoding, per-feature CRS, limits, progress."""

    src_crs: str | None = None
    encoding: str | None = None
    feature_crs: dict[str, str] = field(default_factory=dict)
    limits: ImportLimits = field(default_factory=ImportLimits)
    progress: Progress | None = None


@dataclass
class ImportResult:
    """A prepared import: the candidate layer text, its problems, the diff, conflicts and notes."""

    layer: str
    source: Path
    target: Path
    data_dir: Path
    layers_dir: Path
    text: str | None
    problems: list[Problem]
    diff: LayerDiff | None
    notes: list[str]
    base: int | None = None
    version: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the import can be applied (conflicts need ``force``)."""
        return self.text is not None and not self.problems

    @property
    def warnings(self) -> list[str]:
        """Changes worth a second look (shapes moved but still schematic)."""
        return self.diff.warnings() if self.diff else []


# --------------------------------------------------------------------------- layer files


def layer_text(gdf: gpd.GeoDataFrame, layer: LayerDef) -> str:
    """The layer file: RFC 7946 GeoJSON as the bundled files are written (indent 1, ids on top)."""
    order = [f.name for f in layer.all_fields]
    order = order[:3] + order[6:] + order[3:6]  # id, name, name_en, own fields, accuracy…
    extra = [c for c in gdf.columns if c not in order and c != "geometry"]
    features = []
    for props, geom in zip(
        gdf.drop(columns="geometry").to_dict("records"), gdf.geometry, strict=True
    ):
        clean = {k: props[k] for k in order + extra if k in props and not _missing(props[k])}
        features.append({
            "type": "Feature", "id": clean.get("id"), "properties": clean,
            "geometry": None if geom is None else shapely.geometry.mapping(geom),
        })  # fmt: skip
    fc = {"type": "FeatureCollection", "features": features}
    return json.dumps(fc, ensure_ascii=False, indent=1, default=_json_default) + "\n"


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to GeoJSON")


def _city_outline(defs: dict[str, LayerDef], data_dir: Path, layer: LayerDef):
    """The city outline the loader checks features against (None when importing it)."""
    outline = next((d for d in defs.values() if d.city_outline), None)
    if outline is None or outline.id == layer.id:
        return None
    gdf, problems = read_layer(data_dir / "geojson" / f"{outline.id}.geojson", outline)
    return None if gdf is None or problems or gdf.empty else shapely.union_all(gdf.geometry.values)


def _check(text: str, layer: LayerDef, city, source: Path):
    """Validate the candidate layer file with the catalog's loader; problems name the source."""
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / f"{layer.id}.geojson"
        candidate.write_text(text, "utf-8")
        gdf, problems = read_layer(candidate, layer, city)
    return gdf, [Problem(source.name, p.feature, p.message) for p in problems]


def _staged_problems(data_dir: Path, layers_dir: Path, layer_id: str, text: str) -> list[Problem]:
    """Validate the whole catalog with the new layer in place, in a staging copy of links."""
    with staged_data(data_dir, {f"geojson/{layer_id}.geojson": text}) as staged:
        _, problems = validate(staged, layers_dir)
    return problems


def _layer_defs(layers_dir: Path, layer_id: str) -> dict[str, LayerDef]:
    """The layer definitions; ImportFailed if unreadable or the layer is unknown."""
    try:
        defs = load_layer_defs(layers_dir)
    except DataError as exc:
        raise ImportFailed(str(exc)) from None
    if layer_id not in defs:
        raise ImportFailed(f"unknown layer '{layer_id}': expected one of {', '.join(defs)}")
    return defs


def _keep_current(gdf: gpd.GeoDataFrame, old, notes: list[str]) -> gpd.GeoDataFrame:
    """Keep current shapes the import matches within ~1 cm, and texts a shapefile cut ('…')."""
    if old is None or "id" not in gdf.columns:
        return gdf
    current = {r["id"]: r for r in records(old)}
    geoms, restored = list(gdf.geometry), 0
    for i, fid in enumerate(gdf["id"]):
        before = current.get(fid) if isinstance(fid, str) else None
        if before is None:
            continue
        if same_shape(before["geometry"], geoms[i], 1e-7):
            geoms[i] = before["geometry"]
        for col in gdf.columns:
            value, was = gdf.at[gdf.index[i], col], before.get(col)
            if isinstance(value, str) and value.endswith("…") and isinstance(was, str):
                if len(was.encode()) > 254 and was.startswith(value[:-1]) and was != value:
                    gdf.at[gdf.index[i], col] = was
                    restored += 1
    if restored:
        notes.append(f"{restored} text value(s) a shapefile had cut to 254 bytes kept in full")
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326"))


# --------------------------------------------------------------------------- prepare


def prepare_import(
    path: Path,
    layer_id: str,
    data_dir: Path,
    layers_dir: Path,
    src_crs: str | None = None,
    encoding: str | None = None,
    *,
    options: ImportOptions | None = None,
    book: VersionBook | None = None,
) -> ImportResult:
    """Read, reproject, validate and diff an import; raises :class:`ImportFailed` if unreadable."""
    opts = options or ImportOptions()
    opts = replace(opts, src_crs=src_crs or opts.src_crs, encoding=encoding or opts.encoding)
    say = opts.progress or (lambda _text: None)
    path, data_dir, layers_dir = Path(path), Path(data_dir), Path(layers_dir)
    defs = _layer_defs(layers_dir, layer_id)
    layer, book = defs[layer_id], book or version_book(data_dir)
    target = data_dir / "geojson" / f"{layer_id}.geojson"
    gdf, notes, base = read_source(
        path, layer, opts.src_crs, opts.encoding,
        limits=opts.limits, feature_crs=opts.feature_crs, progress=opts.progress,
    )  # fmt: skip
    old, _ = read_layer(target, layer) if target.exists() else (None, [])
    current = {r["id"]: r for r in records(old)} if old is not None else {}
    check_garbled(gdf.drop(columns="geometry"), current, path.name)
    gdf = _keep_current(gdf, old, notes)
    result = ImportResult(layer_id, path, target, data_dir, layers_dir, None, [], None, notes)
    result.base, result.version = base, book.layer_version(layer_id)
    say(f"checking {len(gdf)} features…")
    city = _city_outline(defs, data_dir, layer)
    checked, result.problems = _check(layer_text(gdf, layer), layer, city, path)
    if checked is not None and "id" in checked.columns:
        _compare(result, old, checked, layer, opts, book)
    if not result.problems:
        say("checking the whole catalog with the new layer…")
        staged = _staged_problems(data_dir, layers_dir, layer_id, layer_text(gdf, layer))
        result.problems = [p for p in staged if p.file != target.name] + [
            Problem(path.name, p.feature, p.message) for p in staged if p.file == target.name
        ]
    result.text = layer_text(gdf, layer)
    return result


def _compare(result: ImportResult, old, checked, layer: LayerDef, opts, book) -> None:
    """The diff, the web-map offset problems and the version conflicts of a prepared import."""
    result.diff = diff_layers(old, checked, layer)
    if old is not None:
        before = {r["id"]: r["geometry"] for r in records(old)}
        after = {r["id"]: r["geometry"] for r in records(checked) if isinstance(r["id"], str)}
        src = (opts.src_crs or "").lower()
        pairs = [
            (c.id, before[c.id], after[c.id], opts.feature_crs.get(c.id, src) or None)
            for c in result.diff.changed
            if c.geometry
        ]
        pairs = [p for p in pairs if p[3] in (None, *PSEUDO_LABELS)]
        result.problems += offset_problems(pairs, result.source.name)
    if result.base is None and book.layer_version(layer.id) > 0:
        result.notes.append(
            f"{result.source.name} does not say which version it was exported from (no "
            "'version' field): changes made since version 0 are protected"
        )
    result.conflicts = conflicts(result.diff, result.base or 0, book, layer.id)


# --------------------------------------------------------------------------- apply


def apply_import(
    result: ImportResult,
    now: dt.datetime | None = None,
    *,
    by: str | None = None,
    force: bool = False,
    book: VersionBook | None = None,
) -> Path | None:
    """Write the layer atomically (keeping the old file in history/); then re-validate the catalog.

    Returns the history copy (None when the layer is new). Refuses a result with problems, and
    one with conflicts unless ``force``; records the new layer version (who, when).
    """
    if not result.ok:
        raise ImportFailed(f"{result.source.name}: not applied: {len(result.problems)} problem(s)")
    if result.conflicts and not force:
        raise ImportConflict(
            f"{result.source.name}: not applied: {len(result.conflicts)} conflict(s) with "
            "changes made after the file was exported: export again and redo the edit, or "
            "--force to overwrite them"
        )
    book = book or version_book(result.data_dir)
    with _import_lock(result.data_dir):
        if book.layer_version(result.layer) != result.version:
            raise ImportConflict(
                f"{result.source.name}: not applied: layer '{result.layer}' changed while the "
                "import was prepared; prepare it again"
            )
        _to_store(result, by or _who())
        history = _write_layer(result, now)
        diff = result.diff or LayerDiff()
        changed = diff.added + [c.id for c in diff.changed]
        forced = [c.id for c in result.conflicts] if force else []
        note = f"import of {result.source.name}" + (f"; forced over {forced}" if forced else "")
        book.record(result.layer, changed, diff.removed, by or _who(), now, note)
    return history


def _to_store(result: ImportResult, by: str) -> None:
    """The import as one store transaction (validated inside it; old versions kept there)."""
    from geoapp.problems import DataError
    from geoapp.store import StoreError
    from geoapp.store.layers import import_into_store

    try:
        import_into_store(result.data_dir, result.layers_dir, result.layer, result.text or "", by)
    except (DataError, StoreError) as exc:
        raise ImportFailed(f"the store refused the import, nothing changed: {exc}") from None


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class _import_lock:
    """One import at a time per data directory (an flock on the ``versions/`` directory)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "versions"

    def __enter__(self):
        self.path.mkdir(exist_ok=True)
        self.fd = os.open(self.path, os.O_RDONLY)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _write_layer(result: ImportResult, now: dt.datetime | None) -> Path | None:
    """Keep the old file in history/, write the new one, put the old back if the catalog fails."""
    geojson = result.target.parent
    history = None
    if result.target.exists():
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
        (geojson / "history").mkdir(exist_ok=True)
        history = geojson / "history" / f"{result.layer}.{stamp}.geojson"
        n = 1
        while history.exists():
            n += 1
            history = geojson / "history" / f"{result.layer}.{stamp}-{n}.geojson"
        shutil.copy2(result.target, history)
    write_atomic(result.target, result.text or "")
    _, problems = validate(result.data_dir, result.layers_dir)
    if problems:  # should not happen (the staged check passed): put the old file back
        if history is not None:
            write_atomic(result.target, history.read_text("utf-8"))
        raise ImportFailed("the catalog did not validate after writing; the old layer is back: "
                           + "; ".join(str(p) for p in problems[:5]))  # fmt: skip
    return history
