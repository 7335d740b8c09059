"""Reload on change: one background rebuild per change per process, the old data served meanwhile."""

from __future__ import annotations

import json
import threading
import time

from geoapp.problems import DataError, Problem
from geoapp.web import create_app
from geoapp.web.state import CatalogSlot, get_catalog, slot


def test_one_reload_for_many_requests_and_the_old_catalog_meanwhile():
    version = {"v": 1}
    loads: list[int] = []
    release = threading.Event()

    def load():
        loads.append(version["v"])
        if len(loads) > 1:
            release.wait(10)
        return f"catalog v{version['v']}"

    s = CatalogSlot(lambda: version["v"], load, check_seconds=0)
    assert s.get() == "catalog v1"
    version["v"] = 2
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(s.get())) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert seen == ["catalog v1"] * 12  # nobody waited for the reload
    assert s.reloading
    release.set()
    s.wait(10)
    assert s.get() == "catalog v2"
    assert loads == [1, 2]  # exactly one reload for twelve requests


def test_bad_data_keeps_the_old_catalog_and_is_not_retried():
    version = {"v": 1}
    errors: list[Exception] = []
    calls = {"n": 0}

    def load():
        calls["n"] += 1
        if version["v"] == 2:
            raise DataError([Problem("parks.geojson", "park-a", "has no geometry")])
        return f"catalog v{version['v']}"

    s = CatalogSlot(lambda: version["v"], load, errors.append, check_seconds=0)
    assert s.get() == "catalog v1"
    version["v"] = 2
    for _ in range(3):
        assert s.get() == "catalog v1"
        s.wait(5)
    assert calls["n"] == 2
    assert [str(e) for e in errors] == ["parks.geojson: feature 'park-a': has no geometry"]
    version["v"] = 3
    s.get()
    s.wait(5)
    assert s.get() == "catalog v3"


def test_a_changed_file_is_served_after_the_background_reload(tiny):
    data, layers = tiny
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers)})
    client = app.test_client()

    def name() -> str:
        return client.get("/ogc/collections/parks/items/park-a?f=json").json["properties"]["name"]

    assert name() == "甲公园"
    path = data / "geojson" / "parks.geojson"
    fc = json.loads(path.read_text("utf-8"))
    fc["features"][0]["properties"]["name"] = "甲公园（改）"
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    slot(app).check_seconds = 0
    time.sleep(0.01)
    with app.app_context():
        old = get_catalog()
    slot(app).wait(30)
    assert name() == "甲公园（改）"
    with app.app_context():
        assert get_catalog().version != old.version
