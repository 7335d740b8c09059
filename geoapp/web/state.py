"""Where views reach the catalog: built once per app, rebuilt when the data changes."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app

from geoapp.catalog import Catalog, load_catalog

_LOCK = threading.Lock()


def register(app: Flask) -> None:
    """Prepare the slot; the catalog is loaded on first use, not at import or app creation."""
    app.extensions["geoapp.catalog"] = None


def get_catalog() -> Catalog:
    """The current app's catalog (loaded on first use)."""
    app = current_app
    catalog = app.extensions.get("geoapp.catalog")
    if catalog is None:
        with _LOCK:
            catalog = app.extensions.get("geoapp.catalog")
            if catalog is None:
                catalog = load_catalog(Path(app.config["DATA_DIR"]), Path(app.config["LAYERS_DIR"]))
                app.extensions["geoapp.catalog"] = catalog
    return catalog


def set_catalog(app: Flask, catalog: Catalog) -> None:
    """Swap in a new catalog (after an import or a status update)."""
    app.extensions["geoapp.catalog"] = catalog
