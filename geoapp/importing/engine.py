"""Prepare an import (read, check, diff, find conflicts) and apply it (one store transaction).

The CLI and the web use this one engine, against the store (:mod:`geoapp.store`): the layer as
the store holds it is what the file is compared with, and its per-feature stamps are what the
conflicts are checked against. :func:`prepare_import` writes nothing; :func:`apply_import`
refuses a result with problems, or with conflicts not resolved (forced, or chosen per feature),
replaces the layer in one store transaction (validated inside it, previous versions kept, an
audit entry), then mirrors the layer file atomically (keeping its permissions and the previous
file in ``history/``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import json
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geoapp.catalog import validate
from geoapp.files import staged_data
from geoapp.importing.diff import LayerDiff, diff_layers, records, same_shape
from geoapp.importing.encoding import check_garbled
from geoapp.importing.limits import ImportConflict, ImportFailed, ImportLimits, Progress
from geoapp.importing.reading import read_source
from geoapp.importing.sanity import PSEUDO_LABELS, offset_problems
from geoapp.layers import LayerDef, load_layer_defs
from geoapp.loading import read_layer
from geoapp.problems import DataError, Problem
from geoapp.store import Store, StoreError
from geoapp.versions import Conflict, FileVersions, LayerStamps, conflicts


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
    file_versions: FileVersions = field(default_factory=FileVersions)
    expect: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    before: dict[str, dict] = field(default_factory=dict)
    after: dict[str, dict] = field(default_factory=dict)
    held: dict[str, dict] = field(default_factory=dict)
    applied: dict | None = None

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


# --------------------------------------------------------------------------- the store


@contextmanager
def data_store(data_dir: Path, layers_dir: Path, store: Store | None = None) -> Iterator[Store]:
    """``store``, or the one the configuration names for ``data_dir`` (opened, seed files
    edited in a pristine store read in, closed afterwards); ImportFailed if unusable."""
    if store is not None:
        yield store
        return
    from geoapp.config import load_config
    from geoapp.store import open_store

    try:
        opened = open_store(load_config(overrides={"DATA_DIR": str(data_dir)}))
    except (StoreError, ValueError, OSError) as exc:
        raise ImportFailed(f"cannot open the store: {exc}") from None
    try:
        opened.reseed_if_changed(Path(layers_dir))
    except DataError as exc:
        opened.close()
        raise ImportFailed(f"the data files do not validate, nothing read: {exc}") from None
    try:
        yield opened
    finally:
        opened.close()


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
    store: Store | None = None,
) -> ImportResult:
    """Read, reproject, validate and diff an import against the store; raises
    :class:`ImportFailed` if the file is unreadable. Writes nothing."""
    opts = options or ImportOptions()
    opts = replace(opts, src_crs=src_crs or opts.src_crs, encoding=encoding or opts.encoding)
    path, data_dir, layers_dir = Path(path), Path(data_dir), Path(layers_dir)
    layer = _layer_defs(layers_dir, layer_id)[layer_id]
    gdf, notes, file_versions = read_source(
        path, layer, opts.src_crs, opts.encoding,
        limits=opts.limits, feature_crs=opts.feature_crs, progress=opts.progress,
    )  # fmt: skip
    target = data_dir / "geojson" / f"{layer_id}.geojson"
    result = ImportResult(layer_id, path, target, data_dir, layers_dir, None, [], None, notes)
    result.file_versions = file_versions
    from geoapp.store.layers import layer_stamps
    from geoapp.store.snapshot import dump_data

    with data_store(data_dir, layers_dir, store) as st, tempfile.TemporaryDirectory() as tmp:
        with st.backend.reading():
            stamps = layer_stamps(st, layer_id)
            current = dump_data(st, Path(tmp) / "data")
        _prepare(result, gdf, current, opts, stamps)
    return result


def _prepare(result: ImportResult, gdf, current: Path, opts, stamps: LayerStamps) -> None:
    """Check the read features against the layer as the store holds it (``current``, a dump)."""
    say = opts.progress or (lambda _text: None)
    defs = _layer_defs(result.layers_dir, result.layer)
    layer, path = defs[result.layer], result.source
    held = current / "geojson" / f"{layer.id}.geojson"
    old, _ = read_layer(held, layer) if held.exists() else (None, [])
    if held.exists():
        features = json.loads(held.read_text("utf-8")).get("features") or []
        result.held = {str((f.get("properties") or {}).get("id")): f for f in features}
    records_now = {r["id"]: r for r in records(old)} if old is not None else {}
    check_garbled(gdf.drop(columns="geometry"), records_now, path.name)
    gdf = _keep_current(gdf, old, result.notes)
    result.expect = stamps.versions()
    say(f"checking {len(gdf)} features…")
    city = _city_outline(defs, current, layer)
    checked, result.problems = _check(layer_text(gdf, layer), layer, city, path)
    if checked is not None and "id" in checked.columns:
        _compare(result, old, checked, layer, opts, stamps)
    if not result.problems:
        say("checking the whole catalog with the new layer…")
        staged = _staged_problems(current, result.layers_dir, layer.id, layer_text(gdf, layer))
        result.problems = [p for p in staged if p.file != held.name] + [
            Problem(path.name, p.feature, p.message) for p in staged if p.file == held.name
        ]
    result.text = _with_held(layer_text(gdf, layer), result.held, _unchanged(result))


def _unchanged(result: ImportResult) -> set[str]:
    """Ids the diff found unchanged (their text is kept as the store holds it)."""
    if result.diff is None:
        return set()
    changed = {c.id for c in result.diff.changed}
    return {fid for fid in result.after if fid in result.before and fid not in changed}


def _compare(result: ImportResult, old, checked, layer: LayerDef, opts, stamps) -> None:
    """The diff, the web-map offset problems and the version conflicts of a prepared import."""
    result.diff = diff_layers(old, checked, layer)
    result.before = {} if old is None else {r["id"]: r for r in records(old)}
    result.after = {r["id"]: r for r in records(checked) if isinstance(r["id"], str)}
    if old is not None:
        src = (opts.src_crs or "").lower()
        pairs = [
            (c.id, result.before[c.id]["geometry"], result.after[c.id]["geometry"],
             opts.feature_crs.get(c.id, src) or None)
            for c in result.diff.changed
            if c.geometry
        ]  # fmt: skip
        pairs = [p for p in pairs if p[3] in (None, *PSEUDO_LABELS)]
        result.problems += offset_problems(pairs, result.source.name)
    versions = result.file_versions.features.values()
    if not any(v is not None for v in versions) and not all(
        s.seed for s in stamps.current.values()
    ):
        result.notes.append(
            f"{result.source.name} does not say which version of each feature it was exported "
            "with (no 'version' field): every change made since the seed data is protected"
        )
    result.conflicts = conflicts(result.diff, result.file_versions, stamps)


# --------------------------------------------------------------------------- apply


def apply_import(
    result: ImportResult,
    now: dt.datetime | None = None,
    *,
    by: str | None = None,
    force: bool = False,
    keep: Collection[str] = (),
    take: Collection[str] = (),
    store: Store | None = None,
    address: str = "",
) -> Path | None:
    """Replace the layer in the store (one transaction), then mirror its file atomically.

    Returns the history copy of the previous file (None when there was none). Refuses a result
    with problems, and one with conflicts unless each is resolved: ``keep`` (ids whose later
    change stays: the store's feature is kept), ``take`` (ids the file overwrites) or ``force``
    (the file overwrites every one). Refuses too if the layer changed after it was prepared.
    """
    if not result.ok:
        raise ImportFailed(f"{result.source.name}: not applied: {len(result.problems)} problem(s)")
    ids = [c.id for c in result.conflicts]
    open_ = [fid for fid in ids if fid not in keep and fid not in take and not force]
    if open_:
        raise ImportConflict(
            f"{result.source.name}: not applied: {len(open_)} conflict(s) with changes made "
            "after the file was exported: export again and redo the edit, or --force to "
            "overwrite them"
        )
    kept = [fid for fid in ids if fid in keep]
    text = resolved_text(result, kept)
    about = {"file": result.source.name, "forced": [f for f in ids if f not in kept], "kept": kept}
    at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with _import_lock(result.data_dir), data_store(result.data_dir, result.layers_dir, store) as st:
        result.applied = _to_store(st, result, text, by or _who(), at, about, address)
        return _write_layer(result, st, now)


def resolved_text(result: ImportResult, keep: Collection[str]) -> str:
    """The layer text with the store's feature kept, exactly as the store holds it, for each id
    in ``keep`` (an overwrite or a removal undone, a feature removed since left out)."""
    return _with_held(result.text or "", result.held, set(keep)) if keep else result.text or ""


def _with_held(text: str, held: dict[str, dict], keep: set[str]) -> str:
    """``text`` with the features ``keep`` as ``held`` has them: replaced in place, left out if
    not held, added at the end if held but not in ``text``."""
    fc = json.loads(text)
    theirs = {fid: f for fid, f in held.items() if fid in keep}
    features = []
    for f in fc["features"]:
        fid = (f.get("properties") or {}).get("id")
        if fid not in keep:
            features.append(f)
        elif fid in theirs:
            features.append(theirs.pop(fid))
    features += [theirs[fid] for fid in keep if fid in theirs]
    fc["features"] = features
    return json.dumps(fc, ensure_ascii=False, indent=1, default=_json_default) + "\n"


def _to_store(st: Store, result: ImportResult, text: str, by: str, at: str, about: dict,
              address: str) -> dict:  # fmt: skip
    """The import as one store transaction (validated inside it; old versions kept there);
    what the store added, removed and changed."""
    from geoapp.store.errors import Conflict as StoreConflict
    from geoapp.store.layers import replace_layer

    try:
        return replace_layer(st, result.layer, text, by, result.layers_dir, address,
                             expect=result.expect, at=at, about=about)  # fmt: skip
    except StoreConflict as exc:
        raise ImportConflict(f"{result.source.name}: not applied: {exc}") from None
    except (DataError, StoreError) as exc:
        raise ImportFailed(f"the store refused the import, nothing changed: {exc}") from None


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class _import_lock:
    """One import at a time per data directory (an flock on its ``geojson/`` directory)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "geojson"

    def __enter__(self):
        self.path.mkdir(exist_ok=True)
        self.fd = os.open(self.path, os.O_RDONLY)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _write_layer(result: ImportResult, store: Store, now: dt.datetime | None) -> Path | None:
    """Mirror the store's layer into its file: the old one kept in history/, the new one written
    atomically (the store has validated it)."""
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
    store.write_file(f"geojson/{result.layer}.geojson", result.target)
    return history
