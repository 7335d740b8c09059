"""永康规划一张图 — Yongkang planning map service.

The core modules (layers, loading, catalog, spatial, maps, export, ogc) never import Flask;
the web adapter lives in :mod:`geoapp.web` (``from geoapp.web import create_app``).
"""

__version__ = "0.1.0"
