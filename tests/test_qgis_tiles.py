"""QGIS reads the vector tiles as GIS staff add them: Layer ▸ Add Vector Tile Layer ▸ XYZ with
the TileJSON's template. Debian's QGIS (python3-qgis, installed by `make system-deps`) runs in
its own Python, headless, draws one z16 tile of the parcels from our server, and the test reads
the pixels back: inside a parcel the fill colour, away from every parcel the background.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import shapely

from geoapp.tiles import TMS
from tests.conftest import serving, write_parcels

QGIS_PYTHON = "/usr/bin/python3"
RENDER = r"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsMapRendererSequentialJob,
                       QgsMapSettings, QgsPointXY, QgsTileMatrix, QgsTileXYZ, QgsVectorTileBasicRenderer,
                       QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
app = QgsApplication([], False)
app.initQgis()
template, z, x, y, probes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
layer = QgsVectorTileLayer(f"type=xyz&url={template}&zmin=0&zmax=20", "parcels")
renderer = QgsVectorTileBasicRenderer()
renderer.setStyles(QgsVectorTileBasicRenderer.simpleStyle(
    QColor(255, 0, 0), QColor(255, 0, 0), 0.1, QColor(255, 0, 0), 0.1, QColor(255, 0, 0),
    QColor(255, 0, 0), 1))
layer.setRenderer(renderer)
settings = QgsMapSettings()
settings.setLayers([layer])
settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
extent = QgsTileMatrix.fromWebMercator(z).tileExtent(QgsTileXYZ(x, y, z))
settings.setExtent(extent)
settings.setOutputSize(QSize(256, 256))
settings.setBackgroundColor(QColor(255, 255, 255))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage()
m2p = settings.mapToPixel()
colours = []
for mx, my in probes:
    p = m2p.transform(QgsPointXY(mx, my))
    c = QColor(image.pixel(int(p.x()), int(p.y())))
    colours.append([c.red(), c.green(), c.blue()])
red = sum(1 for i in range(256) for j in range(256) if QColor(image.pixel(i, j)).green() < 60)
print(json.dumps({"valid": layer.isValid(), "colours": colours, "red": red,
                  "errors": [e.message for e in job.errors()]}))
app.exitQgis()
"""


@pytest.fixture
def parcels_app(tiny, tmp_path):
    """The tiny dataset with 40 parcels added (GeoJSON), served from a thread."""
    from geoapp.layer_admin import add_layer, propose_layer
    from geoapp.web import create_app

    data, layers = tiny
    path = tmp_path / "parcels.geojson"
    gdf = write_parcels(data, path)
    add_layer(propose_layer(path, "parcels", {"zh": "地块", "en": "Parcels"}, data, layers),
              data, layers)  # fmt: skip
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers),
                      "BASEMAP": "none"})  # fmt: skip
    return app, gdf


def render(template: str, tile, probes: list[tuple[float, float]]) -> dict:
    mercator = [TMS.xy(lon, lat) for lon, lat in probes]
    done = subprocess.run(
        [QGIS_PYTHON, "-c", RENDER, template, str(tile.z), str(tile.x), str(tile.y),
         json.dumps(mercator)],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": "/tmp"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_qgis_draws_the_parcels_from_the_xyz_template_of_the_tilejson(parcels_app):
    app, gdf = parcels_app
    with serving(app) as base:
        tilejson = (
            app.test_client()
            .get("/ogc/collections/parcels/tiles/WebMercatorQuad/tilejson.json")
            .json
        )
        template = tilejson["tiles"][0].replace("http://localhost", base)
        assert template == f"{base}/ogc/collections/parcels/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
        parcel = gdf.geometry.iloc[0]
        inside = parcel.representative_point()
        tile = TMS.tile(inside.x, inside.y, 16)
        x0, y0, x1, y1 = TMS.bounds(tile)
        # a probe in the tile but away from every parcel (at least 20 m)
        grid = [
            (x0 + (x1 - x0) * i / 9, y0 + (y1 - y0) * j / 9)
            for i in range(1, 9)
            for j in range(1, 9)
        ]
        far = shapely.union_all(gdf.geometry.values).buffer(0.0002)
        away = next(p for p in grid if not far.contains(shapely.Point(p)))
        answer = render(template, tile, [(inside.x, inside.y), away])
        empty = render(template.replace("/parcels/", "/nope/"), tile, [(inside.x, inside.y)])
    assert answer["valid"] and answer["errors"] == []
    assert answer["colours"] == [[255, 0, 0], [255, 255, 255]]
    assert answer["red"] > 500  # parcels, not a stray pixel
    assert empty["colours"] == [[255, 255, 255]] and empty["red"] == 0  # a 404: nothing drawn
