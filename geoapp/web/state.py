"""Where views reach the catalog: built once per app, rebuilt when the data files change.

Every ``RELOAD_CHECK_SECONDS`` a request looks at the data files' sizes and modification times
(cheap); if they changed — an import, a recorded status — the catalog is loaded again. New data
that does not validate is not served: the old catalog stays and the problems are logged.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask, current_app

from geoapp.catalog import Catalog, data_files, load_catalog
from geoapp.problems import DataError

_LOCK = threading.Lock()
RELOAD_CHECK_SECONDS = 5.0


def register(app: Flask) -> None:
    """Prepare the slot; the catalog is loaded on first use, not at import or app creation."""
    app.extensions["geoapp.catalog"] = None
    app.extensions["geoapp.catalog.stamp"] = (None, 0.0)


def data_stamp(data_dir: Path, layers_dir: Path) -> tuple:
    """Names, sizes and mtimes of every file the catalog reads (a change means reload)."""
    return tuple(
        (p.name, s.st_size, s.st_mtime_ns)
        for p in data_files(data_dir, layers_dir)
        if (s := p.stat())
    )


def get_catalog() -> Catalog:
    """The current app's catalog (loaded on first use, reloaded when the files change)."""
    app = current_app
    catalog = app.extensions.get("geoapp.catalog")
    stamp, checked = app.extensions["geoapp.catalog.stamp"]
    if catalog is not None and time.monotonic() - checked < RELOAD_CHECK_SECONDS:
        return catalog
    with _LOCK:
        catalog = app.extensions.get("geoapp.catalog")
        data, layers = Path(app.config["DATA_DIR"]), Path(app.config["LAYERS_DIR"])
        now = data_stamp(data, layers)
        if catalog is None:
            catalog = load_catalog(data, layers)  # a broken start-up raises: nothing to serve
        elif now != stamp:
            try:
                catalog = load_catalog(data, layers)
            except DataError as exc:
                app.logger.error(
                    "data changed but does not validate; still serving the old data:\n%s", exc
                )
        app.extensions["geoapp.catalog"] = catalog
        app.extensions["geoapp.catalog.stamp"] = (now, time.monotonic())
    return catalog


def set_catalog(app: Flask, catalog: Catalog) -> None:
    """Swap in a new catalog (after an import or a status update in this process)."""
    app.extensions["geoapp.catalog"] = catalog
    data, layers = Path(app.config["DATA_DIR"]), Path(app.config["LAYERS_DIR"])
    app.extensions["geoapp.catalog.stamp"] = (data_stamp(data, layers), time.monotonic())
