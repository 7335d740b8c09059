"""Fuzzing the import: whatever the file holds, a message naming the file — never a traceback.

hypothesis builds GeoJSON files with odd ids, values, geometry types, rings that do not close,
coordinates anywhere (swapped, in metres, with a zone prefix), and shapefiles whose .dbf bytes
are scrambled. Every outcome is either :class:`ImportFailed` naming the file or a result whose
problems name the file; the data directory never changes.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geoapp.catalog import load_catalog
from geoapp.export import export
from geoapp.importing import ImportFailed, prepare_import
from geoapp.problems import Problem

from .test_import import snapshot

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False),
    st.text(max_size=12), st.sampled_from(["????", "甲公园", "city_park", "schematic", ""]),
)  # fmt: skip
keys = st.sampled_from([
    "id", "name", "name_en", "accuracy", "park_type", "geometry_source", "version", "status",
    "location_c", "project__1", "colour",
])  # fmt: skip
# around Yongkang in degrees, swapped, in EPSG:4549 metres, with the zone prefix, anywhere
x_y = st.one_of(
    st.tuples(st.floats(120.0, 120.1), st.floats(28.85, 28.95)),
    st.tuples(st.floats(28.85, 28.95), st.floats(120.0, 120.1)),
    st.tuples(st.floats(495_000, 520_000), st.floats(3_195_000, 3_205_000)),
    st.tuples(st.floats(40_495_000, 40_520_000), st.floats(3_195_000, 3_205_000)),
    st.tuples(st.floats(-1e9, 1e9), st.floats(-1e9, 1e9)),
)
rings = st.lists(x_y, min_size=0, max_size=6).map(lambda pts: [list(p) for p in pts])
geometries = st.one_of(
    st.none(),
    rings.map(lambda r: {"type": "Polygon", "coordinates": [r]}),
    rings.map(lambda r: {"type": "Polygon", "coordinates": [r + r[:1]]}),
    rings.map(lambda r: {"type": "LineString", "coordinates": r}),
    x_y.map(lambda p: {"type": "Point", "coordinates": list(p)}),
)
features = st.lists(
    st.builds(
        lambda props, geom: {"type": "Feature", "properties": props, "geometry": geom},
        st.dictionaries(keys, values, max_size=6),
        geometries,
    ),
    max_size=4,
)


def _outcome(path: Path, data: Path, layers: Path, src_crs: str | None = None) -> list[str]:
    """The messages an import gives; fails the test on anything but ImportFailed/problems."""
    try:
        result = prepare_import(path, "parks", data, layers, src_crs=src_crs)
    except ImportFailed as exc:
        assert str(exc).startswith((path.name, "--src-crs", "feature", "--feature-crs")), exc
        return [str(exc)]
    assert all(isinstance(p, Problem) and p.file for p in result.problems)
    return [str(p) for p in result.problems]


@FUZZ
@given(features=features, src_crs=st.sampled_from([None, "EPSG:4549", "gcj02"]))
def test_any_geojson_gives_messages_not_tracebacks(tiny, tmp_path, features, src_crs):
    data, layers = tiny
    before = snapshot(data)
    path = tmp_path / "parks.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's own warnings on odd input are not the point
        _outcome(path, data, layers, src_crs)
    assert snapshot(data) == before


@pytest.fixture
def shapefile(tiny, tmp_path) -> Path:
    """Our own shapefile of the parks layer, unzipped."""
    data, layers = tiny
    out = export(load_catalog(data, layers), "parks", "shp", "EPSG:4549", tmp_path / "p.shp.zip")
    shutil.unpack_archive(out, tmp_path / "shp")
    return next((tmp_path / "shp").rglob("parks.shp"))


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    encoding=st.sampled_from([None, "GBK", "UTF-8", "latin-1"]),
)
def test_scrambled_dbf_gives_messages(tiny, shapefile, edits, encoding):
    data, layers = tiny
    before = snapshot(data)
    dbf = shapefile.with_suffix(".dbf")
    original = dbf.read_bytes()
    raw = bytearray(original)
    for at, byte in edits:
        raw[at % len(raw)] = byte
    dbf.write_bytes(bytes(raw))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = prepare_import(shapefile, "parks", data, layers, encoding=encoding)
            except ImportFailed as exc:
                assert str(exc).startswith(("parks.", "feature")), exc
            else:
                assert all(isinstance(p, Problem) for p in result.problems)
    finally:
        dbf.write_bytes(original)
    assert snapshot(data) == before


@FUZZ
@given(blob=st.binary(max_size=400), name=st.sampled_from(["x.gpkg", "x.zip", "x.kml", "x.shp"]))
def test_random_bytes(tiny, tmp_path, blob, name):
    data, layers = tiny
    path = tmp_path / name
    path.write_bytes(blob)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ImportFailed, match=rf"^{name.replace('.', '[.]')}"):
            prepare_import(path, "parks", data, layers)


def test_a_dbf_header_claiming_billions_of_records_is_read_as_far_as_the_file_goes(shapefile):
    """A damaged record count (here 2³²−1) must not make the encoding check loop for hours."""
    import struct

    from geoapp.importing.encoding import undecodable_record

    dbf = shapefile.with_suffix(".dbf")
    raw = bytearray(dbf.read_bytes())
    raw[4:8] = struct.pack("<I", 2**32 - 1)
    dbf.write_bytes(bytes(raw))
    assert undecodable_record(dbf, "UTF-8") is None  # every record there is UTF-8
    raw[10:12] = b"\0\0"  # and a record length of 0 means no records at all
    dbf.write_bytes(bytes(raw))
    assert undecodable_record(dbf, "ascii") is None
