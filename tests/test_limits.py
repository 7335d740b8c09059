"""Pictures and exports under a per-process gate and a per-client rate limit."""

from __future__ import annotations

import shutil

import pytest

from geoapp.config import ROOT

SMALL = "/embed.png?layers=parks&width=100&height=100&dpi=72"


@pytest.fixture
def limited(tmp_path):
    """The app with a small rate limit and no queue."""
    from geoapp.web import create_app

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data),
            "LAYERS_DIR": str(ROOT / "layers"),
            "BASEMAP": "none",
            "RATE_LIMIT_EXPENSIVE": "2 per minute",
            "EXPENSIVE_QUEUE": 0,
        }
    )
    return app


def test_rate_limit_counts_drawn_pictures_per_client(limited):
    """Two new pictures a minute for this client: the third is 429 with Retry-After."""
    client = limited.test_client()
    assert client.get(SMALL + "&title=a").status_code == 200
    for _ in range(3):  # answers from the cache are not counted
        assert client.get(SMALL + "&title=a").status_code == 200
    assert client.get(SMALL + "&title=b").status_code == 200
    resp = client.get(SMALL + "&title=c")
    assert resp.status_code == 429
    # the window is a minute; the limiter keeps its reset time in whole seconds, rounded up
    assert 0 < int(resp.headers["Retry-After"]) <= 61
    assert resp.json["error"]["code"] == "too_many_requests"
    other = limited.test_client()  # another address is not limited by this one
    resp = other.get(SMALL + "&title=c", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert resp.status_code == 200


def test_rate_limit_applies_to_exports(limited):
    """Exports count too; the API and the map pages are not limited."""
    client = limited.test_client()
    assert client.get("/export/parks.geojson").status_code == 200
    assert client.get("/export/parks.csv").status_code == 200
    assert client.get("/export/parks.kml").status_code == 429
    for _ in range(5):
        assert client.get("/api/layers/parks?limit=1").status_code == 200


def test_busy_gate_answers_503_with_retry_after(limited):
    """While another request holds the only drawing slot (and no queue), a new picture is 503."""
    client = limited.test_client()
    gate = limited.extensions["geoapp.gate"]
    with gate():  # another client's picture is being drawn
        resp = client.get(SMALL + "&title=busy")
        cached_while_busy = client.get("/api/layers/parks?limit=1")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert resp.json == {
        "error": {
            "code": "busy",
            "message": "the server is busy drawing other pictures or exports; try again in a few seconds",
            "param": None,
        }
    }
    assert cached_while_busy.status_code == 200
    assert client.get(SMALL + "&title=busy").status_code == 200  # slot free again
