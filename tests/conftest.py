"""Shared fixtures: a small dataset built in tmp_path, the bundled data, the app and its client."""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geoapp.config import ROOT

SEED_NAME = "900_tiny.txt"
SEED_TEXT = (
    "本报讯 加快城中村改造，\n甲村区块完成验收，乙村\n区块结顶。实施示例路\n改造提升工程。\n"
)
LAYER_FILES = ("boundary", "parks", "ring_roads", "urban_villages", "zones")


def _poly(lon: float, lat: float, d: float = 0.002) -> dict:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _base(fid: str, name: str, **extra) -> dict:
    props = {
        "id": fid,
        "name": name,
        "name_en": fid.replace("-", " ").title(),
        "accuracy": "schematic",
        "location_confidence": "low",
        "geometry_source": "测试 / test",
    }
    props.update(extra)
    return props


def tiny_features() -> dict[str, list[dict]]:
    """The tiny dataset's features per layer (boundary comes from the bundled file)."""

    def feat(fid, name, geom, **extra):
        return {"type": "Feature", "properties": _base(fid, name, **extra), "geometry": geom}

    return {
        "parks": [feat("park-a", "甲公园", _poly(120.030, 28.900), park_type="city_park")],
        "ring_roads": [
            feat(
                "road-a",
                "示例路",
                {"type": "LineString", "coordinates": [[120.00, 28.90], [120.02, 28.905]]},
                road_class="arterial",
            )
        ],
        "urban_villages": [
            feat("uv-a", "甲村区块", _poly(120.040, 28.890), block_type="urban_village"),
            feat("uv-b", "乙村区块", _poly(120.050, 28.895), block_type="urban_village"),
        ],
        "zones": [
            feat(
                "zone-core",
                "中心城区片",
                _poly(119.98, 28.86, 0.1),
                zone_type="district",
            )
        ],
    }


def write_csv(path: Path, rows: list[dict]) -> None:
    """Write rows (dicts with the same keys) as UTF-8 CSV."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def tiny_registry() -> dict[str, list[dict]]:
    """The tiny dataset's registry tables."""
    src = SEED_NAME
    project = {
        "name_en": "",
        "category": "urban_village",
        "status": "planned",
        "status_date": "2020",
        "target_year": "2020",
        "note": "",
    }
    return {
        "sources.csv": [
            {
                "file": src,
                "title": "测试稿",
                "publication": "测试",
                "date": "2020",
                "date_precision": "year",
                "date_basis": "test",
                "sha256": hashlib.sha256(SEED_TEXT.encode("utf-8")).hexdigest(),
            }
        ],
        "projects.csv": [
            {
                **project,
                "project_id": "uv-a",
                "name": "甲村区块",
                "name_en": "Block A",
                "layer": "urban_villages",
                "feature_ids": "uv-a",
                "target_status": "accepted",
            },
            {
                **project,
                "project_id": "uv-b",
                "name": "乙村区块",
                "name_en": "Block B",
                "layer": "urban_villages",
                "feature_ids": "uv-b",
                "target_status": "topped_out",
            },
            {
                **project,
                "project_id": "road-a",
                "name": "示例路改造提升工程",
                "name_en": "Road A",
                "layer": "ring_roads",
                "feature_ids": "road-a",
                "category": "road",
                "target_status": "launched",
            },
        ],  # fmt: skip
        "status_history.csv": [
            {
                "project_id": "uv-a",
                "date": "2020",
                "status": "accepted",
                "kind": "target",
                "target_year": "2020",
                "source": src,
                "quote": "甲村区块完成验收",
                "note": "",
            },
            {
                "project_id": "uv-b",
                "date": "2020",
                "status": "topped_out",
                "kind": "target",
                "target_year": "2020",
                "source": src,
                "quote": "乙村区块结顶",
                "note": "",
            },
            {
                "project_id": "road-a",
                "date": "2020",
                "status": "launched",
                "kind": "target",
                "target_year": "2020",
                "source": src,
                "quote": "实施示例路改造提升工程。",
                "note": "",
            },
        ],  # fmt: skip
        "indicators.csv": [
            {
                "indicator_id": "uv-2020",
                "name": "城中村改造",
                "name_en": "Urban villages",
                "layer": "urban_villages",
                "match_field": "",
                "match_values": "",
                "target_value": "2",
                "unit": "个",
                "target_year": "2020",
                "source": src,
                "quote": "加快城中村改造",
            },
        ],  # fmt: skip
    }


def make_dataset(root: Path) -> tuple[Path, Path]:
    """Build the tiny dataset under ``root``; return (data_dir, layers_dir)."""
    data, layers = root / "data", root / "layers"
    (data / "geojson").mkdir(parents=True)
    (data / "seeds").mkdir()
    layers.mkdir()
    for lid in LAYER_FILES:
        shutil.copy(ROOT / "layers" / f"{lid}.toml", layers / f"{lid}.toml")
    shutil.copy(
        ROOT / "data" / "geojson" / "boundary.geojson", data / "geojson" / "boundary.geojson"
    )
    for lid, features in tiny_features().items():
        fc = {"type": "FeatureCollection", "features": features}
        (data / "geojson" / f"{lid}.geojson").write_text(
            json.dumps(fc, ensure_ascii=False), "utf-8"
        )
    (data / "seeds" / SEED_NAME).write_text(SEED_TEXT, encoding="utf-8")
    for name, rows in tiny_registry().items():
        write_csv(data / name, rows)
    return data, layers


def write_parcels(data: Path, path: Path, n: int = 40, box=(120.00, 28.88, 120.03, 28.91)):
    """``n`` synthetic parcels inside the city and ``box`` (an int ``floors`` column added),
    written as GeoJSON to ``path``; the frame."""
    import numpy as np
    import pyogrio
    import shapely

    from geoapp import synthetic

    city = synthetic.city_outline(data)
    gdf = synthetic.parcels(shapely.box(*box).intersection(city), n)
    gdf["floors"] = np.arange(n) % 6 + 1
    pyogrio.write_dataframe(gdf, path)
    return gdf


def write_parcels_gpkg(data: Path, path: Path):
    """40 parcels in EPSG:4549 as GIS staff would bring them (no id column, a land-use code
    ``Land_Use``, floors and a floor-area ratio) as a GeoPackage at ``path``."""
    import numpy as np
    import pyogrio
    import shapely

    from geoapp import synthetic

    city = synthetic.city_outline(data)
    gdf = synthetic.parcels(shapely.box(120.00, 28.88, 120.03, 28.91).intersection(city), 40)
    gdf = gdf.drop(columns=["id", "name_en", "accuracy", "location_confidence", "geometry_source"])
    gdf = gdf.rename(columns={"land_use": "Land_Use"})
    gdf["floors"] = np.arange(40) % 6 + 1
    gdf["far"] = np.round(np.linspace(0.5, 2.5, 40), 2)
    pyogrio.write_dataframe(gdf.to_crs("EPSG:4549"), path, layer=path.stem)
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """A small valid dataset in tmp_path: (data_dir, layers_dir)."""
    return make_dataset(tmp_path)


@pytest.fixture(scope="session")
def bundled():
    """The bundled catalog, loaded once."""
    from geoapp.catalog import load_catalog

    return load_catalog(ROOT / "data", ROOT / "layers")


@pytest.fixture
def app(tmp_path: Path):
    """The app over the bundled data (copied, so a test may change it)."""
    from geoapp.web import create_app

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("store.sqlite*"))
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data),
            "LAYERS_DIR": str(ROOT / "layers"),
            "BASEMAP": "none",
        }
    )


@pytest.fixture
def client(app):
    """A Flask test client."""
    return app.test_client()


@pytest.fixture
def tiny_app(tiny):
    """The app over the tiny dataset."""
    from geoapp.web import create_app

    data, layers = tiny
    return create_app(
        {"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers), "BASEMAP": "none"}
    )


# --- the store on both backends ----------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL + PostGIS server for the whole session (started and stopped here)."""
    from tests.postgres import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request) -> str:
    """'' (the embedded SQLite file) or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return ""
    from tests.postgres import fresh_database

    return fresh_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(tiny, backend_url):
    """A store over the tiny dataset on the backend under test."""
    from geoapp.store import open_store

    data, _ = tiny
    store = open_store({"DATA_DIR": str(data), "DATABASE_URL": backend_url})
    yield store
    store.close()


# --- browser tests ------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def live_server() -> Iterator[str]:
    """The app over the bundled data on 127.0.0.1 (a free port), stopped afterwards."""
    from geoapp.web import create_app

    with serving(create_app({"BASEMAP": "none"})) as url:
        yield url


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; its base URL; stopped afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def _serve_process(config: dict, log: str | None, port_queue) -> None:
    """Run the app in this (spawned) process; with ``log``, append each request's path and query
    string to that file."""
    import logging

    from geoapp.web import create_app

    app = create_app(config)

    def logged(environ, start_response):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "") + "\n")
        return app(environ, start_response)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, logged if log else app, threaded=True)
    port_queue.put(server.server_port)
    server.serve_forever()


@contextmanager
def serving_process(config: dict, log: str | None = None) -> Iterator[str]:
    """Serve the app built from ``config`` in its own process on 127.0.0.1 (a free port); its base
    URL; stopped afterwards. For GDAL as the client: pyogrio holds the GIL while GDAL waits on
    HTTP, so a server thread in the test's own process would never answer."""
    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Queue()
    proc = ctx.Process(target=_serve_process, args=(config, log, ports), daemon=True)
    proc.start()
    try:
        yield f"http://127.0.0.1:{ports.get(timeout=60)}"
    finally:
        proc.terminate()
        proc.join(10)
        ports.close()
        ports.join_thread()


def html_page(html: str):
    """A WSGI app answering every GET with ``html`` (an article page on another origin, for embeds)."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [html.encode()]

    return app


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, with its background networking off."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), (
        "Debian chromium is missing: run `make system-deps` (apt-get install chromium)"
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
