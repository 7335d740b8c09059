"""The catalog as a read-only snapshot of the store.

The store's rows are written out as seed files into a temporary directory (one consistent read)
and loaded with the same reader and checks as the bundled files, so what is served has passed
exactly the validation ``geoapp validate`` applies. Approved updates come along for the project
pages (their source document and department), and every feature's version (the OGC ``ETag``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from geoapp.catalog import Catalog, load_catalog
from geoapp.store.core import Store

#: ``catalog.extra`` key: layer → feature id → the feature's store version.
FEATURE_VERSIONS = "feature_versions"


def all_feature_versions(store: Store) -> dict[str, dict[str, int]]:
    """layer → feature id → version, for every feature the store holds."""
    out: dict[str, dict[str, int]] = {}
    for layer, fid, version in store.backend.read("SELECT layer, fid, version FROM features"):
        out.setdefault(layer, {})[fid] = int(version)
    return out


def catalog_of(store: Store, layers_dir: Path) -> Catalog:
    """The catalog the store holds as this thread sees it (inside a write transaction: its state
    so far); ``DataError`` if it does not validate."""
    from geoapp.store.records import approved_updates

    with tempfile.TemporaryDirectory(prefix="geoapp-snapshot-") as tmp:
        data = Path(tmp) / "data"
        version = store.data_version()
        store.dump(data)
        extra = {
            "store_version": version,
            "updates": approved_updates(store),
            FEATURE_VERSIONS: all_feature_versions(store),
        }
        seeds = store.data_dir / "seeds"
        if seeds.is_dir():
            (data / "seeds").symlink_to(seeds.resolve(), target_is_directory=True)
        catalog = load_catalog(data, Path(layers_dir))
    catalog.data_dir = store.data_dir
    catalog.extra.update(extra)
    return catalog


def load_from_store(store: Store, layers_dir: Path) -> Catalog:
    """The catalog the store holds now (one read transaction); ``DataError`` if it does not
    validate."""
    with store.backend.reading():
        return catalog_of(store, layers_dir)
