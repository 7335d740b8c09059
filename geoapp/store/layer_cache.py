"""Validated layer frames kept between catalog loads: in memory, and on disk for big layers.

A layer's frame — what :func:`geoapp.loading.read_layer` reads and checks — depends only on its
rows in the store, its definition and the city outline it is checked against. :func:`layer_keys`
sums those up per layer (row count, summed versions, last change, removed versions — every write
moves one of them; a reseed changes the seed files' hash — the definition's bytes and the
outline's own sum) in two aggregate queries.
A catalog load takes a layer whose key still matches from the previous load in this process, or
from the Feather file an earlier load wrote (a layer of :data:`DISK_MIN_FEATURES` or more), and
reads and checks only the layers that changed: a status update reloads no layer, a restart with
a 100k-feature layer reads one Feather file instead of parsing and checking 116 MB of GeoJSON.
A frame is trusted because it passed every check when it was first read; it is kept only once
its transaction has committed (:func:`keep` compares the key again), so a rolled-back write
never leaves a frame behind.

Examples
--------
>>> keys = layer_keys(store, Path("layers"))  # doctest: +SKIP
>>> frames = cached(store, keys)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import geoapp
from geoapp.layers import LayerDef, load_layer_defs
from geoapp.store.core import Store

#: bump when what a cached frame holds changes (the loader's output, the key's parts)
FORMAT = 1
#: layers with at least this many features are also kept on disk (smaller ones read in ms)
DISK_MIN_FEATURES = 5000
#: ``catalog.extra`` key: layer id → (key, frame) read and checked by this load
FRESH = "fresh_layers"
CACHE_DIR = Path(".cache") / "layers"

log = logging.getLogger(__name__)
#: frames kept in memory (one per store and layer; the oldest go first)
MEMORY_ENTRIES = 32
_memory: OrderedDict[tuple[str, str], tuple[str, gpd.GeoDataFrame]] = OrderedDict()
_lock = threading.Lock()


def _row_sums(store: Store) -> dict[str, tuple]:
    """layer → (features, summed versions, last change, removed versions) as the store holds it."""
    sums = {
        layer: (int(n), int(v or 0), at or "")
        for layer, n, v, at in store.backend.read(
            "SELECT layer, COUNT(*), SUM(version), MAX(updated_at) FROM features GROUP BY layer"
        )
    }
    removed = dict(store.backend.read(
        "SELECT layer, COUNT(*) FROM feature_versions GROUP BY layer"))  # fmt: skip
    return {layer: (*s, int(removed.get(layer, 0))) for layer, s in sums.items()}


def layer_keys(store: Store, layers_dir: Path) -> dict[str, str]:
    """layer id → a key that changes whenever what its frame would be changes ({} if the
    definitions do not load: then nothing is taken from the cache)."""
    try:
        defs = load_layer_defs(Path(layers_dir))
    except Exception:  # noqa: BLE001 - DataError: the load reports the definitions' problems
        return {}
    sums = _row_sums(store)
    outline = next((sums.get(d.id) for d in defs.values() if d.city_outline), None)
    seed = store.meta("seed")  # a reseed puts the same counts back: its files' hash differs
    keys = {}
    for lid in defs:
        h = hashlib.sha256(
            f"{FORMAT}|{geoapp.__version__}|{seed}|{sums.get(lid)}|{outline}|".encode()
        )
        h.update((Path(layers_dir) / f"{lid}.toml").read_bytes())
        keys[lid] = h.hexdigest()[:20]
    return keys


def _where(store: Store) -> str:
    return store.backend.describe()


def _path(store: Store, layer: str, key: str) -> Path:
    return store.data_dir / CACHE_DIR / f"{layer}-{key}.feather"


def cached(store: Store, keys: dict[str, str]) -> dict[str, gpd.GeoDataFrame]:
    """The frames whose key still matches: from memory, else from disk."""
    out = {}
    for layer, key in keys.items():
        with _lock:
            hit = _memory.get((_where(store), layer))
        if hit is not None and hit[0] == key:
            out[layer] = hit[1]
            continue
        path = _path(store, layer, key)
        if path.exists():
            try:
                out[layer] = gpd.read_feather(path)
            except Exception as exc:  # noqa: BLE001 - a damaged cache file: read the store instead
                log.warning("layer cache %s unreadable (%s); reading the layer again", path, exc)
    return out


def keep(store: Store, layers_dir: Path, fresh: dict[str, tuple[str, gpd.GeoDataFrame]],
         verify: bool = True) -> None:  # fmt: skip
    """Keep the frames a load read, if their layer is still as they were read (``verify``: look
    again after a write transaction, whose frames may describe a state that was rolled back)."""
    if not fresh:
        return
    now = layer_keys(store, layers_dir) if verify else None
    for layer, (key, frame) in fresh.items():
        if now is not None and now.get(layer) != key:
            continue
        with _lock:
            _memory[(_where(store), layer)] = (key, frame)
            _memory.move_to_end((_where(store), layer))
            while len(_memory) > MEMORY_ENTRIES:
                _memory.popitem(last=False)
        if len(frame) >= DISK_MIN_FEATURES:
            _save(store, layer, key, frame)


def _save(store: Store, layer: str, key: str, frame: gpd.GeoDataFrame) -> None:
    """Write the frame atomically; drop the layer's older files. A failure only costs speed."""
    path = _path(store, layer, key)
    if path.exists():
        return
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_feather(tmp)
        os.replace(tmp, path)
    except Exception as exc:  # noqa: BLE001 - read-only data dir, odd column types, full disk
        log.warning("layer %s not cached on disk (%s): the next start reads it again", layer, exc)
        tmp.unlink(missing_ok=True)
        return
    mine = re.compile(re.escape(layer) + r"-[0-9a-f]{20}\.feather")
    for old in path.parent.glob("*.feather"):
        if old != path and mine.fullmatch(old.name):
            old.unlink(missing_ok=True)


def forget(store: Store | None = None) -> None:
    """Drop the frames kept in memory (all, or one store's)."""
    with _lock:
        for k in [k for k in _memory if store is None or k[0] == _where(store)]:
            del _memory[k]


def patched(store: Store, layer: LayerDef, before: str, fid: str, doc: str | None,
            city) -> gpd.GeoDataFrame | None:  # fmt: skip
    """The kept frame of ``layer`` (as of key ``before``) with one feature replaced, added
    (``doc``, its GeoJSON text) or removed (``doc`` None), checked like a read of the layer; None
    when that cannot be exact — no such frame, a layer with a reference point, the feature does
    not read or check, or its values would change a column's type — and the layer is read
    whole instead. One write to a layer of a million features then costs a row, not a layer.
    """
    with _lock:
        hit = _memory.get((_where(store), layer.id))
    if hit is None or hit[0] != before or layer.reference:
        return None
    base = hit[1]
    at = np.flatnonzero(base["id"].to_numpy(dtype=object) == fid)
    if len(at) > 1 or (doc is None and not len(at)):
        return None
    parts = [base.iloc[: at[0]], base.iloc[at[0] + 1 :]] if len(at) else [base]
    if doc is not None:
        row = _one_row(doc, layer, city, base)
        if row is None:
            return None
        parts.insert(1 if len(at) else len(parts), row)
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=base.crs)
    return out if _same_types(base, out) else None


def _one_row(doc: str, layer: LayerDef, city, base: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """The feature read and checked as the layer's reader would, in the frame's column types."""
    from geoapp.loading import read_layer

    with tempfile.TemporaryDirectory(prefix="geoapp-row-") as tmp:
        path = Path(tmp) / f"{layer.id}.geojson"
        path.write_text('{"type": "FeatureCollection", "features": [' + doc + "]}", "utf-8")
        row, problems = read_layer(path, layer, city)
    if row is None or problems or list(row.columns) != list(base.columns):
        return None
    for col in row.columns:
        have, want = row[col], base[col].dtype
        if col == "geometry" or have.dtype == want:
            continue
        value = have.iloc[0]
        if want.kind == "O":
            if not (value is None or isinstance(value, str)):
                return None  # a cold read would type the column from this value
            row[col] = have.astype(object)
            continue
        try:
            cast = have.astype(want)
        except (TypeError, ValueError):
            return None
        if not (cast.iloc[0] == value or (pd.isna(cast.iloc[0]) and pd.isna(value))):
            return None
        row[col] = cast
    return row


def _same_types(base: gpd.GeoDataFrame, out: gpd.GeoDataFrame) -> bool:
    """Whether a whole read would type every column as ``base`` had it: a float column that
    lost its last gap or fraction would be read as integers."""
    for col in base.columns:
        if out[col].dtype != base[col].dtype:
            return False
        if base[col].dtype.kind == "f" and _whole(out[col]) and not _whole(base[col]):
            return False
    return True


def _whole(values: pd.Series) -> bool:
    """No gap and no fraction: what a whole read would type as integers."""
    arr = values.to_numpy()
    return not np.isnan(arr).any() and bool((arr == np.floor(arr)).all())
