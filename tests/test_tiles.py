"""Vector tiles: exact features in a known tile, dropping at low zooms, metadata, GDAL as a client."""

from __future__ import annotations

import json
import logging
import threading

import mapbox_vector_tile
import morecantile
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from werkzeug.serving import make_server

from geoapp import synthetic, tiles
from geoapp.catalog import load_catalog
from geoapp.status import STATUS
from geoapp.tile_attributes import TILE_FIELDS
from geoapp.web import create_app
from geoapp.web.state import slot

TMS = morecantile.tms.get("WebMercatorQuad")
TILE = "/ogc/collections/{}/tiles/WebMercatorQuad/{}/{}/{}"
TO_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


@pytest.fixture
def client(tiny_app):
    return tiny_app.test_client()


def tile_of(lon: float, lat: float, z: int) -> morecantile.Tile:
    return TMS.tile(lon, lat, z)


def expected_ring(lon: float, lat: float, d: float, t: morecantile.Tile) -> set[tuple[int, int]]:
    """The corners of a conftest square in tile units (y down), computed with pyproj."""
    b = TMS.xy_bounds(t)
    scale = 4096 / (b.right - b.left)
    out = set()
    for x, y in [(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)]:
        mx, my = TO_3857.transform(x, y)
        out.add((round((mx - b.left) * scale), round((b.top - my) * scale)))
    return out


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def test_exact_features_of_a_known_tile(client):
    t = tile_of(120.041, 28.891, 14)
    r = client.get(TILE.format("urban_villages", t.z, t.y, t.x))
    assert (
        r.status_code == 200 and r.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    )
    layer = decode(r.data)["urban_villages"]
    assert layer["extent"] == 4096
    feats = {f["properties"]["id"]: f for f in layer["features"]}
    assert sorted(feats) == ["uv-a", "uv-b"]
    assert feats["uv-a"]["properties"] == {
        "id": "uv-a",
        "name": "甲村区块",
        "name_en": "Uv A",
        "status": "planned",
        "location_confidence": "low",
        "color": STATUS["planned"].color,  # the status palette's colour
        # the project's target (accepted by 2020, still planned: overdue), its one step, its zone
        "project_id": "uv-a",
        "target_status": "accepted",
        "target_year": "2020",
        "overdue": True,
        "steps": "2020 planned",
        "zones": "zone-core",
    }
    assert feats["uv-a"]["geometry"]["type"] == "Polygon"
    ring = feats["uv-a"]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    assert {tuple(c) for c in ring} == expected_ring(120.040, 28.890, 0.002, t)


def test_small_features_drop_out_at_low_zooms(client):
    # the 200 m blocks are under 2 pixels at z10 (150 m a pixel); the 10 km zone is not
    t = tile_of(120.041, 28.891, 10)
    assert client.get(TILE.format("urban_villages", t.z, t.y, t.x)).status_code == 204
    zones = decode(client.get(TILE.format("zones", t.z, t.y, t.x)).data)["zones"]
    assert [f["properties"]["id"] for f in zones["features"]] == ["zone-core"]
    t12 = tile_of(120.041, 28.891, 12)
    blocks = decode(client.get(TILE.format("urban_villages", t12.z, t12.y, t12.x)).data)
    assert sorted(f["properties"]["id"] for f in blocks["urban_villages"]["features"]) == [
        "uv-a",
        "uv-b",
    ]


def test_lines_are_simplified_and_clipped_to_the_buffer(tiny_app):
    with tiny_app.app_context():
        from geoapp.web.state import get_catalog

        tileset = tiles.tileset_for(get_catalog())
    t = tile_of(120.01, 28.9025, 16)
    feats = decode(tileset.tile("ring_roads", t.z, t.y, t.x))["ring_roads"]["features"]
    [road] = feats
    assert road["geometry"]["type"] == "LineString"
    xs, ys = np.array(road["geometry"]["coordinates"]).T
    assert xs.min() >= -64 and xs.max() <= 4096 + 64  # clipped to the buffer
    assert len(xs) == 2  # a straight road stays two points


@pytest.mark.parametrize(
    "url, status",
    [
        (TILE.format("nope", 14, 6816, 13653), 404),
        ("/ogc/collections/parks/tiles/WorldMercatorWGS84Quad/14/6816/13653", 404),
        ("/ogc/collections/parks/tiles/WorldCRS84Quad/14/16384/0", 404),  # 2^14 rows only
        ("/ogc/collections/parks/tiles/WorldCRS84Quad/tilejson.json", 404),
        (TILE.format("parks", 21, 0, 0), 404),
        (TILE.format("parks", 3, 8, 0), 404),
        (TILE.format("parks", 14, 6816, 13653) + "?f=pbf", 400),
        ("/ogc/collections/nope/tiles", 404),
        ("/ogc/collections/parks/tiles/WebMercatorQuad?limit=1", 400),
        ("/ogc/tileMatrixSets/WorldMercatorWGS84Quad", 404),
    ],
)
def test_bad_tile_requests_are_json_errors(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert set(r.json["error"]) == {"code", "message", "param"}


def test_tileset_metadata_and_tilejson(client):
    sets = client.get("/ogc/collections/parks/tiles").json
    summary, crs84 = sets["tilesets"]
    assert summary["dataType"] == "vector" and summary["tileMatrixSetURI"] == tiles.TMS_URI
    assert crs84["tileMatrixSetURI"].endswith("/WorldCRS84Quad") and crs84["crs"].endswith("CRS84")
    meta84 = client.get("/ogc/collections/parks/tiles/WorldCRS84Quad").json
    t84 = tiles.SCHEMES["WorldCRS84Quad"].tile(120.031, 28.901, 14)
    [lim84] = [lim for lim in meta84["tileMatrixSetLimits"] if lim["tileMatrix"] == "14"]
    assert (
        (lim84["minTileCol"], lim84["maxTileCol"]) == (t84.x, t84.x) == (27309, 27309)
    )  # ⌊300.031 / (360 / 2¹⁵)⌋
    assert (lim84["minTileRow"], lim84["maxTileRow"]) == (t84.y, t84.y)
    meta = client.get("/ogc/collections/parks/tiles/WebMercatorQuad").json
    item = next(lk for lk in meta["links"] if lk["rel"] == "item")
    assert item["href"] == (
        "http://localhost/ogc/collections/parks/tiles/WebMercatorQuad/"
        "{tileMatrix}/{tileRow}/{tileCol}"
    )
    assert item["type"] == "application/vnd.mapbox-vector-tile"
    limits = {lim["tileMatrix"]: lim for lim in meta["tileMatrixSetLimits"]}
    t = tile_of(120.031, 28.901, 14)
    assert limits["14"]["minTileCol"] == limits["14"]["maxTileCol"] == t.x
    assert limits["14"]["minTileRow"] == limits["14"]["maxTileRow"] == t.y
    tj = client.get("/ogc/collections/parks/tiles/WebMercatorQuad/tilejson.json").json
    assert tj["tilejson"] == "3.0.0" and tj["scheme"] == "xyz"
    assert tj["tiles"] == [
        "http://localhost/ogc/collections/parks/tiles/WebMercatorQuad/{z}/{y}/{x}"
    ]
    assert tj["bounds"] == [120.03, 28.9, 120.032, 28.902]
    assert tj["vector_layers"][0]["id"] == "parks"
    assert set(tj["vector_layers"][0]["fields"]) == {
        "id",
        "name",
        "name_en",
        "status",
        "location_confidence",
        "color",
    }  # fmt: skip (the park is linked to no project: no project keys)
    uv = client.get("/ogc/collections/urban_villages/tiles/WebMercatorQuad/tilejson.json").json
    assert uv["vector_layers"][0]["fields"] == {
        "id": "String", "name": "String", "name_en": "String", "status": "String",
        "location_confidence": "String", "color": "String", "project_id": "String",
        "target_status": "String", "target_year": "String", "overdue": "Boolean",
        "steps": "String", "zones": "String",
    }  # fmt: skip
    schema = client.get("/ogc/collections/urban_villages/tiles/WebMercatorQuad").json
    props = schema["layers"][0]["propertiesSchema"]["properties"]
    assert props["overdue"] == {"type": "boolean"} and props["steps"] == {"type": "string"}
    assert set(props) == set(uv["vector_layers"][0]["fields"])
    tms = client.get("/ogc/tileMatrixSets/WebMercatorQuad").json
    assert tms["id"] == "WebMercatorQuad" and tms["crs"].endswith("EPSG/0/3857")
    assert len(tms["tileMatrices"]) == 25
    collection = client.get("/ogc/collections/parks?f=json").json
    assert any(lk["rel"].endswith("tilesets-vector") for lk in collection["links"])


def test_tiles_follow_the_data_version(tiny, tiny_app):
    data, _ = tiny
    client = tiny_app.test_client()
    t = tile_of(120.031, 28.901, 15)
    url = TILE.format("parks", t.z, t.y, t.x)
    before = decode(client.get(url).data)["parks"]["features"][0]["properties"]["name"]
    assert before == "甲公园"
    path = data / "geojson" / "parks.geojson"
    fc = json.loads(path.read_text("utf-8"))
    fc["features"][0]["properties"]["name"] = "甲公园（改）"
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    s = slot(tiny_app)
    s.check_seconds = 0
    client.get(url)
    s.wait(30)
    after = decode(client.get(url).data)["parks"]["features"][0]["properties"]["name"]
    assert after == "甲公园（改）"


def test_the_byte_budget_keeps_the_largest_features(tiny, monkeypatch):
    data, _ = tiny
    city = synthetic.city_outline(data)
    gdf = synthetic.parcels(shapely.box(120.00, 28.88, 120.03, 28.91).intersection(city), 600)
    catalog = load_catalog(*tiny)
    layer = tiles.LayerTiles.build(catalog.defs["parks"], gdf)
    t = tile_of(120.015, 28.895, 14)
    full = tiles.render_tile(layer, "parcels", t.z, t.y, t.x)
    monkeypatch.setattr(tiles, "MAX_TILE_BYTES", len(full) // 3)
    cut = tiles.render_tile(layer, "parcels", t.z, t.y, t.x)
    assert 0 < len(cut) <= len(full) // 3
    kept = {f["properties"]["id"] for f in decode(cut)["parcels"]["features"]}
    rows = gdf["id"].isin(kept).to_numpy()
    # every feature kept is at least as large as every one dropped from the tile
    everyone = {f["properties"]["id"] for f in decode(full)["parcels"]["features"]}
    dropped = gdf["id"].isin(everyone - kept).to_numpy()
    assert layer.sizes[rows].min() >= layer.sizes[dropped].max()


def test_no_tile_over_500_kb_for_100k_parcels(tiny):
    data, _ = tiny
    gdf = synthetic.parcels(synthetic.city_outline(data), 100_000, seed=7)
    catalog = load_catalog(*tiny)
    layer = tiles.LayerTiles.build(catalog.defs["parks"], gdf)
    centre = shapely.Point(120.08, 28.90)  # the densest part of the city
    sizes = {}
    for z in range(8, 17):
        t = tile_of(centre.x, centre.y, z)
        data = tiles.render_tile(layer, "parcels", t.z, t.y, t.x)
        sizes[z] = len(data)
        if data:
            n = len(decode(data)["parcels"]["features"])
            assert n <= tiles.MAX_TILE_FEATURES
    assert max(sizes.values()) <= 500_000
    assert sizes[8] == 0 and sizes[16] > 0  # dropped at city scale, drawn at street scale


@pytest.fixture
def live_tiny(tiny):
    data, layers = tiny
    app = create_app({"DATA_DIR": str(data), "LAYERS_DIR": str(layers), "BASEMAP": "none"})
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


def test_gdal_reads_the_xyz_tiles_from_a_live_server(live_tiny):
    t = tile_of(120.041, 28.891, 14)
    url = f"{live_tiny}{TILE.format('urban_villages', t.z, t.y, t.x)}"
    got = pyogrio.read_dataframe(
        f"MVT:/vsicurl?url={url}&use_head=no&list_dir=no",
        layer="urban_villages", X=t.x, Y=t.y, Z=t.z,
    )  # fmt: skip
    assert got.crs.to_epsg() == 3857
    assert sorted(got["id"]) == ["uv-a", "uv-b"]
    assert list(got.sort_values("id")["name"]) == ["甲村区块", "乙村区块"]
    a = got.set_index("id").geometry["uv-a"]
    want = shapely.transform(shapely.box(120.040, 28.890, 120.042, 28.892), _to_3857)
    unit = (TMS.xy_bounds(t).right - TMS.xy_bounds(t).left) / 4096
    assert a.symmetric_difference(want).area < 4 * unit * want.length


def _to_3857(coords: np.ndarray) -> np.ndarray:
    return np.column_stack(TO_3857.transform(coords[:, 0], coords[:, 1]))


@pytest.fixture
def served_tiny(tiny):
    """``geoapp serve`` on the tiny data in a subprocess (GDAL's OGC API driver holds the GIL
    while it downloads, so the server cannot be a thread of this process)."""
    from tests.test_server import start_server, stop_server

    data, layers = tiny
    proc, port = start_server(
        "--workers", "1", env={"GEOAPP_DATA_DIR": str(data), "GEOAPP_LAYERS_DIR": str(layers)}
    )
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def test_gdal_ogcapi_driver_reads_the_collection_at_a_high_zoom(served_tiny):
    """GDAL's OGC API driver, given only the collection URL, offers every served zoom and reads
    exactly the layer's features at z14 (from the WorldCRS84Quad tileset it prefers)."""
    crs84 = tiles.SCHEMES["WorldCRS84Quad"]
    squares = {"uv-a": (120.040, 28.890), "uv-b": (120.050, 28.895)}
    for lon, lat in squares.values():  # each square lies inside one z14 tile: one piece each
        assert crs84.tile(lon, lat, 14) == crs84.tile(lon + 0.002, lat + 0.002, 14)
    url = f"OGCAPI:{served_tiny}/ogc/collections/urban_villages"
    names = [name for name, _ in pyogrio.list_layers(url)]
    assert names == [f"Zoom level {z}" for z in range(tiles.MIN_ZOOM, tiles.MAX_ZOOM + 1)]
    got = pyogrio.read_dataframe(url, layer="Zoom level 14")
    assert got.crs.equals("OGC:CRS84")
    assert sorted(got["id"]) == ["uv-a", "uv-b"]
    assert list(got.sort_values("id")["name"]) == ["甲村区块", "乙村区块"]
    unit = 360 / 2**15 / 4096  # degrees per tile unit at z14 (the matrix is 2^15 tiles wide)
    for fid, (lon, lat) in squares.items():
        want = shapely.box(lon, lat, lon + 0.002, lat + 0.002)
        piece = got.set_index("id").geometry[fid]
        assert piece.symmetric_difference(want).area < 2 * unit * want.length


def expand_steps(steps: str | None, dates: list[str]) -> list[list[str | None]]:
    """A tile's ``steps`` (the dates where the status changes) at every source date, the way the
    map reads them: the status of the last change on or before the date, None before the first."""
    changes = [s.split(" ") for s in steps.split(";")] if steps else []
    return [[d, next((s for c, s in reversed(changes) if c <= d), None)] for d in dates]


def as_display(props: dict, dates: list[str]) -> dict:
    """A tile feature's attributes as the keys the map's controls read from a small layer."""
    return {
        "id": props["id"],
        "_status": props.get("status", ""),
        "_target": props.get("target_status", ""),
        "_overdue": props.get("overdue", False),
        "_project": props.get("project_id", ""),
        "_steps": expand_steps(props.get("steps"), dates) if props.get("project_id") else [],
        "_zones": props["zones"].split(";") if props.get("zones") else [],
        "_color": props["color"],
    }


@pytest.fixture
def reported(tiny):
    """The tiny data with a reviewed update: uv-b topped out in 2021 (its 2020 target reached),
    uv-a still planned (its 2020 target, accepted, overdue)."""
    from tests.conftest import tiny_registry, write_csv

    data, _ = tiny
    reg = tiny_registry()
    for p in reg["projects.csv"]:
        if p["project_id"] == "uv-b":
            p.update(status="topped_out", status_date="2021")
    reg["status_history.csv"].append({
        "project_id": "uv-b", "date": "2021", "status": "topped_out", "kind": "update",
        "target_year": "", "source": "update:u-test", "quote": "", "note": "",
    })  # fmt: skip
    for name in ("projects.csv", "status_history.csv"):
        write_csv(data / name, reg[name])
    return tiny


def test_tile_attributes_are_what_the_join_and_the_display_say(reported):
    import datetime as dt

    from geoapp.maps import MapOptions
    from geoapp.query.display import display_layer

    catalog = load_catalog(*reported)
    today = dt.date(2026, 12, 2)
    layer = tiles.LayerTiles.build(
        catalog.defs["urban_villages"], catalog.layers["urban_villages"], catalog, today
    )
    t = tile_of(120.041, 28.891, 14)
    feats = decode(tiles.render_tile(layer, "urban_villages", t.z, t.y, t.x))
    got = {f["properties"]["id"]: f["properties"] for f in feats["urban_villages"]["features"]}
    assert {k: got["uv-b"][k] for k in got["uv-b"] if k not in TILE_FIELDS} == {
        "color": STATUS["topped_out"].color,
        "project_id": "uv-b",
        "target_status": "topped_out",
        "target_year": "2020",  # reached: not overdue, so no overdue key
        "steps": "2020 planned;2021 topped_out",
        "zones": "zone-core",
    }
    join = catalog.layers["urban_villages"].set_index("id")
    for fid in ("uv-a", "uv-b"):
        assert got[fid]["status"] == join.at[fid, "status"]
        assert got[fid]["target_status"] == join.at[fid, "target_status"]
        assert got[fid]["target_year"] == join.at[fid, "target_year"]
    assert got["uv-a"]["overdue"] is True and got["uv-a"]["status"] == "planned"
    # every key the map's controls read from a small layer, the same from the tile
    shown = display_layer(catalog, "urban_villages", MapOptions(today=today))["features"]
    keys = ("id", "_status", "_target", "_overdue", "_project", "_steps", "_zones", "_color")
    want = {f["id"]: {k: f["properties"][k] for k in keys} for f in shown}
    assert {fid: as_display(p, catalog.source_dates) for fid, p in got.items()} == want
    assert want["uv-b"]["_steps"] == [["2020", "planned"], ["2021", "topped_out"]]


def test_a_new_year_makes_cached_tiles_overdue(tiny, monkeypatch):
    import datetime as dt

    catalog = load_catalog(*tiny)
    tileset = tiles.TileSet(catalog)
    t = tile_of(120.041, 28.891, 14)

    def uv_a() -> dict:
        data = tileset.tile("urban_villages", t.z, t.y, t.x)
        return next(f for f in decode(data)["urban_villages"]["features"]
                    if f["properties"]["id"] == "uv-a")["properties"]  # fmt: skip

    class Day(dt.date):
        year_now = 2020

        @classmethod
        def today(cls):
            return cls(cls.year_now, 6, 1)

    monkeypatch.setattr(tiles.dt, "date", Day)
    tileset._today = Day.today()
    assert "overdue" not in uv_a()  # the 2020 target is not yet missed in 2020
    Day.year_now = 2021
    assert uv_a()["overdue"] is True
