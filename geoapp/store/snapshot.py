"""The catalog as a read-only snapshot of the store.

The store's rows are written out as seed files into a temporary directory (one consistent read)
and loaded with the same reader and checks as the bundled files, so what is served has passed
exactly the validation ``geoapp validate`` applies. Approved updates come along for the project
pages (their source document and department), and every feature's version (the OGC ``ETag``)
and each layer's last change (what every download says it shows: its ``as_of``).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import shapely

from geoapp.catalog import Catalog, data_version, load_catalog
from geoapp.layers import load_layer_defs
from geoapp.store import layer_cache
from geoapp.store.core import Store

#: ``catalog.extra`` key: layer → feature id → the feature's store version.
FEATURE_VERSIONS = "feature_versions"
#: ``catalog.extra`` key: layer → the time of its last change (UTC, ISO 8601).
LAYER_AS_OF = "layer_as_of"


def all_feature_versions(store: Store) -> dict[str, dict[str, int]]:
    """layer → feature id → version, for every feature the store holds."""
    out: dict[str, dict[str, int]] = {}
    for layer, fid, version in store.backend.read("SELECT layer, fid, version FROM features"):
        out.setdefault(layer, {})[fid] = int(version)
    return out


def layer_times(store: Store) -> dict[str, str]:
    """layer → the time of its last change: a feature changed, added or removed."""
    out: dict[str, str] = {}
    for sql in (
        "SELECT layer, MAX(updated_at) FROM features GROUP BY layer",
        "SELECT layer, MAX(replaced_at) FROM feature_versions GROUP BY layer",
    ):
        for layer, at in store.backend.read(sql):
            out[layer] = max(out.get(layer, ""), at or "")
    return out


def dump_data(store: Store, data: Path, skip: set[str] = frozenset()) -> Path:
    """Write the store as this thread sees it as a data directory ``data`` (the seed articles
    linked in; the layers in ``skip`` left out); ``data``."""
    store.dump(data, skip={f"geojson/{layer}.geojson" for layer in skip})
    seeds = store.data_dir / "seeds"
    if seeds.is_dir():
        (data / "seeds").symlink_to(seeds.resolve(), target_is_directory=True)
    return data


@dataclass(frozen=True)
class OneFeature:
    """A write that changed one feature: its layer's key before it, and its new GeoJSON text
    (None: removed)."""

    layer: str
    before: str
    fid: str
    doc: str | None


def catalog_of(store: Store, layers_dir: Path, change: OneFeature | None = None) -> Catalog:
    """The catalog the store holds as this thread sees it (inside a write transaction: its state
    so far); ``DataError`` if it does not validate.

    Layers unchanged since a load kept their frame (:mod:`geoapp.store.layer_cache`) are not
    written out, read or checked again; after a ``change`` of one feature its layer's kept frame
    is patched by that row where that is exact; the frames read or patched go into
    ``extra[FRESH]`` for :func:`layer_cache.keep` once the transaction has committed.
    """
    from geoapp.store.records import approved_updates

    keys = layer_cache.layer_keys(store, layers_dir)
    preloaded = layer_cache.cached(store, keys)
    fresh: dict = {}
    if change is not None and change.layer not in preloaded:
        frame = _patched(store, Path(layers_dir), change, preloaded)
        if frame is not None:
            preloaded[change.layer] = fresh[change.layer] = frame
    with tempfile.TemporaryDirectory(prefix="geoapp-snapshot-") as tmp:
        extra = {
            "store_version": store.data_version(),
            "updates": approved_updates(store),
            FEATURE_VERSIONS: all_feature_versions(store),
            LAYER_AS_OF: layer_times(store),
        }
        data = dump_data(store, Path(tmp) / "data", skip=set(preloaded))
        catalog = load_catalog(data, Path(layers_dir), preloaded, fresh)
        # the layers by their keys (a cached layer's file is not written), the rest by bytes
        tables = data_version(sorted(data.glob("*.csv")) + sorted(Path(layers_dir).glob("*.toml")))
    catalog.data_dir = store.data_dir
    catalog.extra.update(extra)
    catalog.extra[layer_cache.FRESH] = {lid: (keys[lid], gdf) for lid, gdf in fresh.items()}
    layer_part = "|".join(f"{k}={v}" for k, v in sorted(keys.items()))
    catalog.version = hashlib.sha256(f"{tables}|{layer_part}".encode()).hexdigest()[:16]
    return catalog


def _patched(store: Store, layers_dir: Path, change: OneFeature, preloaded: dict):
    """The changed layer's kept frame patched by the one feature (None: read it whole)."""
    defs = load_layer_defs(layers_dir)
    outline = next((d.id for d in defs.values() if d.city_outline), None)
    if change.layer not in defs or change.layer == outline or outline not in preloaded:
        return None
    city = shapely.union_all(preloaded[outline].geometry.values)
    return layer_cache.patched(
        store, defs[change.layer], change.before, change.fid, change.doc, city
    )


def kept(store: Store, layers_dir: Path, catalog: Catalog, committed: bool = False) -> Catalog:
    """``catalog`` after keeping the layers it read (call once its transaction has committed;
    ``committed``: it was read in a read transaction, so the keys need no second look)."""
    fresh = catalog.extra.pop(layer_cache.FRESH, {})
    layer_cache.keep(store, Path(layers_dir), fresh, verify=not committed)
    return catalog


def load_from_store(store: Store, layers_dir: Path) -> Catalog:
    """The catalog the store holds now (one read transaction); ``DataError`` if it does not
    validate."""
    with store.backend.reading():
        catalog = catalog_of(store, layers_dir)
    return kept(store, layers_dir, catalog, committed=True)
