"""The system of record: an embedded SQLite file by default, PostgreSQL + PostGIS when shared.

>>> store = open_store({"DATA_DIR": "data"})  # doctest: +SKIP
"""

from geoapp.store.core import STORE_FILE, Store, open_store, seed_hash
from geoapp.store.errors import (
    Conflict,
    Forbidden,
    Invalid,
    Locked,
    NotFound,
    StoreError,
    Unauthorized,
)
from geoapp.store.snapshot import load_from_store

__all__ = [
    "STORE_FILE", "Conflict", "Forbidden", "Invalid", "Locked", "NotFound", "Store", "StoreError",
    "Unauthorized", "load_from_store", "open_store", "seed_hash",
]  # fmt: skip
