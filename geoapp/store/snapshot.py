"""The catalog as a read-only snapshot of the store.

The store's rows are written out as seed files into a temporary directory (one consistent read)
and loaded with the same reader and checks as the bundled files, so what is served has passed
exactly the validation ``geoapp validate`` applies. Approved updates come along for the project
pages (their source document and department).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from geoapp.catalog import Catalog, load_catalog
from geoapp.store.core import Store


def load_from_store(store: Store, layers_dir: Path) -> Catalog:
    """The catalog the store holds now; ``DataError`` if it does not validate."""
    from geoapp.store.records import approved_updates

    with tempfile.TemporaryDirectory(prefix="geoapp-snapshot-") as tmp:
        data = Path(tmp) / "data"
        with store.backend.reading():
            version = store.data_version()
            store.dump(data)
            updates = approved_updates(store)
        seeds = store.data_dir / "seeds"
        if seeds.is_dir():
            (data / "seeds").symlink_to(seeds.resolve(), target_is_directory=True)
        catalog = load_catalog(data, Path(layers_dir))
    catalog.data_dir = store.data_dir
    catalog.extra["store_version"] = version
    catalog.extra["updates"] = updates
    return catalog
