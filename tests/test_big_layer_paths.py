"""What a request costs must not grow with the size of a layer it does not show.

Beside a million parcels, every worker's first /ogc/collections took 22 s and its first
/api/layers/parcels?bbox= 53 s and 5 GB: the serialiser made every feature's properties and
geometry up front. A small layer's map GeoJSON built the zone table of every feature. These
tests count the work instead of timing it.
"""

from __future__ import annotations

import pytest

import geoapp.query.geojson
from geoapp.layer_admin import add_layer, propose_layer
from geoapp.query.geojson import property_columns
from geoapp.spatial import SpatialIndex
from geoapp.web import create_app
from tests.conftest import write_parcels


@pytest.fixture
def big(tiny, tmp_path):
    """The tiny dataset with 300 parcels added, and its app."""
    data, layers = tiny
    path = tmp_path / "parcels.geojson"
    write_parcels(data, path, 300, (120.00, 28.88, 120.05, 28.92))
    plan = propose_layer(path, "parcels", {"zh": "地块", "en": "Parcels"}, data, layers)
    add_layer(plan, data, layers)
    return create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers),
                       "BASEMAP": "none"})  # fmt: skip


@pytest.fixture
def plain_calls(monkeypatch):
    calls = {"n": 0}
    real = geoapp.query.geojson.plain

    def counting(value):
        calls["n"] += 1
        return real(value)

    monkeypatch.setattr(geoapp.query.geojson, "plain", counting)
    return calls


def test_collections_and_one_feature_make_only_what_they_show(big, plain_calls):
    client = big.test_client()
    assert client.get("/ogc/collections?f=json").status_code == 200
    assert plain_calls["n"] == 0
    one = client.get("/ogc/collections/parcels/items/p-0000123?f=json")
    assert one.status_code == 200 and one.json["id"] == "p-0000123"
    with big.app_context():
        from geoapp.web.state import get_catalog

        layer = get_catalog().defs["parcels"]
    assert plain_calls["n"] == len(property_columns(layer)) - 1  # all but the version
    plain_calls["n"] = 0
    page = client.get("/api/layers/parcels?limit=7").json
    assert len(page["features"]) == 7
    assert plain_calls["n"] == 7 * (len(property_columns(layer)) - 1)
    assert client.get("/ogc/collections/parcels/items/nope?f=json").status_code == 404


def test_a_small_layers_map_geojson_does_not_zone_every_feature(big, monkeypatch):
    def everything(self):
        raise AssertionError("the zone table of every feature was built")

    monkeypatch.setattr(SpatialIndex, "feature_zones", everything)
    client = big.test_client()
    answer = client.get("/map/layers/parks.geojson?lang=zh&basemap=none")
    assert answer.status_code == 200
    [park] = answer.json["features"]
    assert park["properties"]["_zones"] == ["zone-core"]
    assert client.get("/progress").status_code == 200
