"""Layers added and removed through the store, and the layer cache that makes loads cheap.

`geoapp layer add` is one audited store transaction (so a store that already holds records
serves the new layer), `layer remove` keeps every feature as a replaced version, and a catalog
load reads again only the layers whose rows or definition changed.
"""

from __future__ import annotations

import json
import logging
import shutil

import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geoapp import catalog as catalog_module
from geoapp.cli import main
from geoapp.config import ROOT
from geoapp.layer_admin import add_layer, propose_layer, remove_layer
from geoapp.store import layer_cache, open_store
from geoapp.store.accounts import add_user, get_user
from geoapp.store.audit import list_audit
from geoapp.store.features import Edit, write_feature
from geoapp.store.records import approve, propose
from geoapp.store.snapshot import load_from_store
from geoapp.web import create_app
from tests.conftest import write_parcels
from tests.test_store import UPDATE

TITLES = {"zh": "控规地块", "en": "Regulatory parcels"}


@pytest.fixture
def parcels_file(tiny, tmp_path):
    """A GeoJSON file of 40 parcels inside the tiny dataset's city."""
    path = tmp_path / "parcels.geojson"
    write_parcels(tiny[0], path)
    return path


@pytest.fixture
def bundled_copy(tmp_path):
    """The bundled data copied (no store yet), and the bundled layer definitions."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("store.sqlite*", ".cache"))
    return data, ROOT / "layers"


@pytest.fixture(autouse=True)
def fresh_memory():
    """Each test starts with no frame kept in memory (as a new process would)."""
    layer_cache.forget()
    yield
    layer_cache.forget()


@pytest.fixture
def reads(monkeypatch):
    """The layer files the loader reads (and checks), in order."""
    seen: list[str] = []
    real = catalog_module.read_layer

    def spy(path, layer, city=None):
        seen.append(layer.id)
        return real(path, layer, city)

    monkeypatch.setattr(catalog_module, "read_layer", spy)
    return seen


@pytest.fixture
def rows_read(monkeypatch):
    """(layer, features) of every layer file read, by the catalog or to patch one row."""
    import geoapp.loading

    seen: list[tuple[str, int]] = []
    real = geoapp.loading.read_layer

    def spy(path, layer, city=None):
        gdf, problems = real(path, layer, city)
        seen.append((layer.id, -1 if gdf is None else len(gdf)))
        return gdf, problems

    monkeypatch.setattr(geoapp.loading, "read_layer", spy)
    monkeypatch.setattr(catalog_module, "read_layer", spy)
    return seen


def approve_one(store) -> None:
    """An approved update: the store now holds a record (it is no longer a copy of its seed)."""
    add_user(store, "wang", "planner", "规划局", "pass-word-123", actor="admin")
    add_user(store, "zhao", "reviewer", "规划局", "pass-word-123", actor="admin")
    u = propose(store, get_user(store, "wang"), UPDATE)
    approve(store, get_user(store, "zhao"), u["update_id"])


def add(tiny, store, path, user="gis-li"):
    data, layers = tiny
    plan = propose_layer(path, "parcels", TITLES, data, layers)
    return add_layer(plan, data, layers, store=store, user=user)


def test_layer_add_on_a_store_holding_records_is_served(tiny, parcels_file):
    """Before, `layer add` wrote only files, which a store with records never reads in: the
    catalog failed to load ('parcels.geojson: file not found') and the layer never appeared."""
    data, layers = tiny
    store = open_store({"DATA_DIR": str(data)})
    approve_one(store)
    store.close()
    argv = ["layer", "add", str(parcels_file), "--id", "parcels", "--title-zh", "控规地块",
            "--title-en", "Regulatory parcels", "--data", str(data), "--layers", str(layers)]  # fmt: skip
    assert main(argv) == 0
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers)})
    client = app.test_client()
    listed = {lyr["id"]: lyr for lyr in client.get("/api/layers").json["layers"]}
    assert "parcels" in listed
    items = client.get("/ogc/collections/parcels/items?limit=100&f=json").json
    assert items["numberMatched"] == 40
    assert {f["properties"]["version"] for f in items["features"]} == {1}
    uv = client.get("/api/projects/uv-b").json
    assert uv["status"] == "topped_out"  # the record is still served beside the new layer


def test_add_is_one_audited_transaction_and_remove_keeps_every_version(tiny, store, parcels_file):
    data, layers = tiny
    approve_one(store)
    add(tiny, store, parcels_file)
    [entry] = list_audit(store, action="layer.added")
    assert (entry["actor"], entry["target"]) == ("gis-li", "parcels")
    after = entry["after"]
    assert after["features"] == 40 and after["source"] == "parcels.geojson"
    assert after["definition"] == (layers / "parcels.toml").read_text("utf-8")
    assert len(load_from_store(store, layers).layers["parcels"]) == 40

    moved = remove_layer("parcels", data, layers, store=store, user="gis-li")
    assert sorted(p.parent.name for p in moved) == ["history", "history"]
    assert "parcels" not in load_from_store(store, layers).defs
    [entry] = list_audit(store, action="layer.removed")
    assert entry["before"] == {"features": 40}
    kept = store.backend.read(
        "SELECT COUNT(*), MIN(version), MAX(version) FROM feature_versions WHERE layer = ?",
        ("parcels",),
    )
    assert kept == [(40, 1, 1)]
    assert store.backend.read("SELECT COUNT(*) FROM features WHERE layer = 'parcels'") == [(0,)]

    add(tiny, store, parcels_file)  # brought back: each feature's next version
    versions = load_from_store(store, layers).extra["feature_versions"]["parcels"]
    assert set(versions.values()) == {2} and len(versions) == 40


def test_a_layer_the_catalog_refuses_leaves_the_store_untouched(
    tiny, store, parcels_file, tmp_path
):
    data, layers = tiny
    gdf = pyogrio.read_dataframe(parcels_file)
    gdf.loc[3, "geometry"] = shapely.affinity.translate(gdf.geometry[3], xoff=1.0)
    bad = tmp_path / "bad.geojson"
    pyogrio.write_dataframe(gdf, bad)
    before = store.data_version()
    plan = propose_layer(bad, "parcels", TITLES, data, layers)
    with pytest.raises(Exception, match="1 problem"):
        add_layer(plan, data, layers, store=store)
    assert [str(p).split(": lies")[0] for p in plan.problems] == [
        "parcels.geojson: feature 'p-0000004'"
    ]
    assert store.data_version() == before
    assert store.backend.read("SELECT COUNT(*) FROM features WHERE layer = 'parcels'") == [(0,)]
    assert list_audit(store, action="layer.") == []
    assert not (layers / "parcels.toml").exists()


def test_a_restart_takes_a_big_layer_from_its_cache_file(tiny, store, parcels_file, reads,
                                                         monkeypatch):  # fmt: skip
    data, layers = tiny
    monkeypatch.setattr(layer_cache, "DISK_MIN_FEATURES", 10)
    add(tiny, store, parcels_file)
    [cached] = (data / ".cache" / "layers").glob("parcels-*.feather")
    layer_cache.forget()  # a new process
    reads.clear()
    warm = load_from_store(store, layers)
    assert "parcels" not in reads and "parks" in reads  # small layers are read, not kept on disk
    cold_dir = data / ".cache"
    cached.unlink()
    layer_cache.forget()
    cold = load_from_store(store, layers)
    assert reads[-len(cold.defs) :].count("parcels") == 1
    assert cold_dir.exists()
    assert_geodataframe_equal(warm.layers["parcels"], cold.layers["parcels"])
    assert warm.version == cold.version


def test_an_approved_update_reads_no_layer_again(tiny, store, reads):
    data, layers = tiny
    before = load_from_store(store, layers)
    assert sorted(reads) == sorted(before.defs)
    reads.clear()
    approve_one(store)
    after = load_from_store(store, layers)
    assert reads == []
    assert after.projects["uv-b"]["status"] == "topped_out"
    assert after.version != before.version
    assert after.layers["urban_villages"] is not before.layers["urban_villages"]  # joined again
    row = after.layers["urban_villages"].set_index("id").loc["uv-b"]
    assert row["status"] == "topped_out"


def test_a_feature_write_reads_no_layer_whole(tiny, store, reads):
    """The written layer's frame is patched by the one row; the other layers are kept."""
    data, layers = tiny
    load_from_store(store, layers)
    reads.clear()
    doc = json.loads(store.backend.read("SELECT doc FROM features WHERE fid = 'park-a'")[0][0])
    doc["properties"]["name"] = "甲公园（改）"
    _, written = write_feature(store, Edit("parks", "park-a", doc, "feature.replaced"), "gis-li",
                               layers)  # fmt: skip
    assert reads == []
    reads.clear()
    again = load_from_store(store, layers)
    assert reads == []
    names = again.layers["parks"].set_index("id")["name"]
    assert names["park-a"] == "甲公园（改）"
    assert again.version == written.version


def test_a_damaged_cache_file_is_read_again_from_the_store(tiny, store, parcels_file, reads,
                                                           monkeypatch, caplog):  # fmt: skip
    data, layers = tiny
    monkeypatch.setattr(layer_cache, "DISK_MIN_FEATURES", 10)
    add(tiny, store, parcels_file)
    first = load_from_store(store, layers)
    [cached] = (data / ".cache" / "layers").glob("parcels-*.feather")
    cached.write_bytes(b"not a feather file")
    layer_cache.forget()
    reads.clear()
    with caplog.at_level(logging.WARNING, logger="geoapp.store.layer_cache"):
        again = load_from_store(store, layers)
    assert "parcels" in reads
    assert f"layer cache {cached} unreadable" in caplog.text
    assert_geodataframe_equal(first.layers["parcels"], again.layers["parcels"])


def test_every_bundled_layer_round_trips_through_its_cache_file(bundled_copy, monkeypatch, reads):
    """Feather keeps each column's values and types: the cached frames are the frames read."""
    data, layers = bundled_copy
    monkeypatch.setattr(layer_cache, "DISK_MIN_FEATURES", 0)
    store = open_store({"DATA_DIR": str(data)})
    try:
        first = load_from_store(store, layers)
        assert len(list((data / ".cache" / "layers").glob("*.feather"))) == len(first.defs)
        layer_cache.forget()
        reads.clear()
        again = load_from_store(store, layers)
    finally:
        store.close()
    assert reads == []
    for lid in first.defs:
        assert_geodataframe_equal(first.layers[lid], again.layers[lid])


def _cold(store, data, layers):
    """The catalog as a new process would read it with no layer cache at all."""
    shutil.rmtree(data / ".cache", ignore_errors=True)
    layer_cache.forget()
    return load_from_store(store, layers)


def _parcel(store, fid):
    return json.loads(store.backend.read("SELECT doc FROM features WHERE fid = ?", (fid,))[0][0])


def test_one_feature_writes_patch_the_kept_frame_by_one_row(tiny, store, parcels_file, rows_read):
    """Replace, create, delete: only the written feature is read (and checked); the served
    frame is exactly what a whole read of the layer gives."""
    data, layers = tiny
    add(tiny, store, parcels_file)
    load_from_store(store, layers)
    doc = _parcel(store, "p-0000005")
    doc["properties"]["name"] = "地块五（改）"
    doc["geometry"]["coordinates"][0] = [
        [x + 0.0001, y] for x, y in doc["geometry"]["coordinates"][0]
    ]
    new = dict(doc, id="p-0000041", properties=dict(doc["properties"], id="p-0000041"))
    edits = [Edit("parcels", "p-0000005", doc, "feature.replaced"),
             Edit("parcels", "p-0000041", new, "feature.created"),
             Edit("parcels", "p-0000007", None, "feature.deleted")]  # fmt: skip
    for edit, expected in zip(edits, [[("parcels", 1)], [("parcels", 1)], []], strict=True):
        rows_read.clear()
        _, written = write_feature(store, edit, "gis-li", layers)
        assert rows_read == expected, edit.action
        served = written.layers["parcels"]
        assert_geodataframe_equal(served, _cold(store, data, layers).layers["parcels"])
        load_from_store(store, layers)  # the cold read is the kept frame again
    ids = served["id"].tolist()
    assert len(ids) == 40 and ids[-1] == "p-0000041" and "p-0000007" not in ids
    assert served.set_index("id").loc["p-0000005", "name"] == "地块五（改）"


def test_a_write_that_would_retype_a_column_reads_the_layer_whole(tiny, store, parcels_file,
                                                                  rows_read):  # fmt: skip
    """A gap in an integer column makes a whole read type it as floats, and filling the last
    gap types it as integers again: neither write can patch the frame by its row."""
    data, layers = tiny
    add(tiny, store, parcels_file)
    toml = layers / "parcels.toml"
    text = toml.read_text("utf-8")
    floors = text.index('name = "floors"')
    toml.write_text(text[:floors] + text[floors:].replace("required = true\n", "", 1), "utf-8")
    assert load_from_store(store, layers).layers["parcels"]["floors"].dtype.kind == "i"
    doc = _parcel(store, "p-0000001")
    for value, kind in ((None, "f"), (3, "i")):
        doc["properties"]["floors"] = value
        rows_read.clear()
        edit = Edit("parcels", "p-0000001", doc, "feature.replaced")
        _, written = write_feature(store, edit, "gis-li", layers)
        assert ("parcels", 40) in rows_read, value
        assert written.layers["parcels"]["floors"].dtype.kind == kind
        cold = _cold(store, data, layers).layers["parcels"]
        assert_geodataframe_equal(written.layers["parcels"], cold)
        load_from_store(store, layers)


@pytest.mark.parametrize(
    "backend_url", ["postgresql"], indirect=True
)  # the geom column is PostGIS's
def test_postgis_geometry_of_an_added_layer_in_one_statement(tiny, store, parcels_file):
    """On PostgreSQL every added feature gets its PostGIS geometry (one UPDATE for the layer;
    it was one statement and savepoint per feature), a one-feature write only its own."""
    assert store.backend.name == "postgresql"
    data, layers = tiny
    add(tiny, store, parcels_file)
    rows = store.backend.read(
        "SELECT COUNT(*), COUNT(geom), MIN(ST_SRID(geom)) FROM features WHERE layer = 'parcels'"
    )
    assert rows == [(40, 40, 4326)]
    with store.write() as tx:
        tx.execute("UPDATE features SET geometry = '{\"type\": \"Nonsense\"}' "
                   "WHERE fid = 'p-0000001'")  # fmt: skip
        store.backend.index_geometry(tx, "parcels", "p-0000001")
    assert store.backend.read("SELECT geom FROM features WHERE fid = 'p-0000001'") == [(None,)]
    assert store.backend.read("SELECT COUNT(geom) FROM features WHERE layer = 'parcels'") == [(39,)]
