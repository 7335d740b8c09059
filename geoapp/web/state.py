"""Where views reach the store and the catalog, rebuilt when the data version changes.

The catalog is a snapshot of the store (:mod:`geoapp.store`), held by a :class:`CatalogSlot`
keyed by an abstract *data version*: here the store's served-data version (one cheap query; a
pristine store first reads in edited seed files, see :func:`store_version`). Every
``RELOAD_CHECK_SECONDS`` one request asks for the version; if it changed, **one** background
thread per process rebuilds the catalog while every request keeps being served the old one
(single-flight: requests arriving during a reload never start another). New data that does not
validate is not served: the old catalog stays, the problems are logged, and that version is not
tried again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path

from flask import Flask, current_app

from geoapp.catalog import Catalog, data_files
from geoapp.problems import DataError
from geoapp.store import Store, load_from_store, open_store

#: how often a request asks the store for its version (two servers agree within this + a reload)
RELOAD_CHECK_SECONDS = 1.0
SLOT = "geoapp.catalog"
STORE = "geoapp.store"
_STORE_LOCK = threading.Lock()


class CatalogSlot:
    """The served catalog, its data version and the single-flight reload.

    >>> slot = CatalogSlot(lambda: "v1", lambda: {"n": 1})
    >>> slot.get()
    {'n': 1}
    """

    def __init__(
        self,
        version: Callable[[], Hashable],
        load: Callable[[], Catalog],
        on_error: Callable[[Exception], None] | None = None,
        check_seconds: float = RELOAD_CHECK_SECONDS,
    ) -> None:
        self._version_of = version
        self._load = load
        self._on_error = on_error or (lambda exc: None)
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._version: Hashable = None
        self._checked = 0.0
        self._reload: threading.Thread | None = None

    def get(self) -> Catalog:
        """The catalog: loaded on first use; a changed version starts a reload in the background."""
        catalog = self._catalog
        if catalog is None:
            return self._first_load()
        if time.monotonic() - self._checked >= self.check_seconds:
            self._check()
        return catalog

    def _first_load(self) -> Catalog:
        """Nothing to serve yet: load in this request (a broken start-up raises)."""
        with self._lock:
            if self._catalog is None:
                version = self._version_of()
                self._catalog = self._load()
                self._version, self._checked = version, time.monotonic()
            return self._catalog

    def _check(self) -> None:
        """Read the version under the lock; start one reload thread if it changed."""
        with self._lock:
            if time.monotonic() - self._checked < self.check_seconds:
                return  # another request just checked
            self._checked = time.monotonic()
            if self.reloading:
                return
            version = self._version_of()
            if version == self._version:
                return
            self._reload = threading.Thread(
                target=self._rebuild, args=(version,), name="geoapp-reload", daemon=True
            )
            self._reload.start()

    @property
    def reloading(self) -> bool:
        """True while a background reload runs."""
        return self._reload is not None and self._reload.is_alive()

    def _rebuild(self, version: Hashable) -> None:
        """Build the new catalog off the request path, then swap it in under the lock."""
        try:
            catalog = self._load()
        except Exception as exc:  # noqa: BLE001 — any failure: keep serving the old catalog
            self._on_error(exc)
            with self._lock:
                self._version = version  # don't retry this version; serve the old data
            return
        with self._lock:
            self._catalog, self._version = catalog, version

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a running reload to finish (for tests and scripts)."""
        thread = self._reload
        if thread is not None:
            thread.join(timeout)

    def set(self, catalog: Catalog) -> None:
        """Swap in a catalog built elsewhere (after an import or a status update in this process)."""
        version = self._version_of()
        with self._lock:
            self._catalog, self._version, self._checked = catalog, version, time.monotonic()


def data_stamp(data_dir: Path, layers_dir: Path) -> tuple:
    """Names, sizes and mtimes of every file the catalog reads: the file-backed data version."""
    stamp = []
    for p in data_files(data_dir, layers_dir):
        try:
            s = p.stat()
        except FileNotFoundError:  # replaced or removed between listing and stat
            continue
        stamp.append((p.name, s.st_size, s.st_mtime_ns))
    return tuple(stamp)


def store_of(app: Flask) -> Store:
    """The app's store (opened, created and seeded from the data directory on first use)."""
    store = app.extensions.get(STORE)
    if store is None:
        with _STORE_LOCK:
            store = app.extensions.get(STORE)
            if store is None:
                store = app.extensions[STORE] = open_store(app.config)
    return store


def get_store() -> Store:
    """The current app's store."""
    return store_of(current_app)


def store_version(app: Flask) -> Hashable:
    """The data version: the store's, after reading in seed files edited in a pristine store."""
    store = store_of(app)
    data, layers = Path(app.config["DATA_DIR"]), Path(app.config["LAYERS_DIR"])
    files = data_stamp(data, layers)
    if files != app.extensions.get("geoapp.files.stamp"):
        app.extensions["geoapp.files.stamp"] = files
        try:
            store.reseed_if_changed(layers)
        except DataError as exc:
            app.logger.error("seed files changed but do not validate; not read in:\n%s", exc)
    return (store.data_version(), tuple(f for f in files if f[0].endswith(".toml")))


def register(app: Flask) -> None:
    """Prepare the slot; the store and catalog are opened on first use, not at app creation."""
    layers = Path(app.config["LAYERS_DIR"])

    def on_error(exc: Exception) -> None:
        if isinstance(exc, DataError):
            app.logger.error(
                "data changed but does not validate; still serving the old data:\n%s", exc
            )
        else:
            app.logger.error("reloading the data failed; still serving the old data", exc_info=exc)

    app.extensions[SLOT] = CatalogSlot(
        version=lambda: store_version(app),
        load=lambda: load_from_store(store_of(app), layers),
        on_error=on_error,
    )


def slot(app: Flask | None = None) -> CatalogSlot:
    """The app's catalog slot."""
    return (app or current_app).extensions[SLOT]


def get_catalog() -> Catalog:
    """The current app's catalog (loaded on first use, reloaded in the background on change)."""
    return slot().get()


def set_catalog(app: Flask, catalog: Catalog) -> None:
    """Swap in a new catalog (after an import or a status update in this process)."""
    slot(app).set(catalog)


def refresh_catalog() -> Catalog:
    """Rebuild the catalog now, in this request (after an approval made in this process)."""
    app = current_app._get_current_object()
    catalog = load_from_store(store_of(app), Path(app.config["LAYERS_DIR"]))
    slot(app).set(catalog)
    return catalog
