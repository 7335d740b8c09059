"""Every validation rule: a fixture that breaks it and the exact message it gives."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import shapely
from shapely.geometry import Point, mapping, shape

from geoapp.catalog import validate
from geoapp.cli import main
from geoapp.config import ROOT
from geoapp.coords import METRIC_CRS, transform_geometry, wgs84_to_gcj02


def messages(data: Path, layers: Path) -> list[str]:
    """Every problem, as the CLI prints it."""
    catalog, problems = validate(data, layers)
    assert (catalog is None) == bool(problems)
    return [str(p) for p in problems]


def edit_layer(data: Path, layer: str, change) -> None:
    """Load a layer file, let ``change`` edit the dict, write it back."""
    path = data / "geojson" / f"{layer}.geojson"
    fc = json.loads(path.read_text("utf-8"))
    change(fc)
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")


def edit_csv(data: Path, name: str, change) -> None:
    """Load a registry CSV, let ``change`` edit the rows, write it back."""
    path = data / name
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def park(fc: dict) -> dict:
    return fc["features"][0]


def test_tiny_dataset_is_valid(tiny):
    assert messages(*tiny) == []


def test_bundled_data_validates_clean():
    assert messages(ROOT / "data", ROOT / "layers") == []


def test_unreadable_file(tiny):
    data, layers = tiny
    (data / "geojson" / "parks.geojson").write_text(
        '{"type": "FeatureCollection", "features": [', "utf-8"
    )
    msgs = messages(data, layers)
    assert len(msgs) == 1
    assert msgs[0].startswith("parks.geojson: unreadable GeoJSON: ")


def test_missing_file(tiny):
    data, layers = tiny
    (data / "geojson" / "parks.geojson").unlink()
    assert messages(data, layers) == ["parks.geojson: file not found"]


def test_invalid_geometry(tiny):
    data, layers = tiny
    bowtie = [[120.03, 28.90], [120.04, 28.91], [120.04, 28.90], [120.03, 28.91], [120.03, 28.90]]
    edit_layer(data, "parks", lambda fc: park(fc)["geometry"].update(coordinates=[bowtie]))
    assert messages(data, layers) == [
        "parks.geojson: feature 'park-a': invalid geometry: Self-intersection[120.035 28.905]"
    ]


def test_a_field_null_in_every_feature_is_reported_not_a_traceback(tiny):
    data, layers = tiny
    edit_layer(data, "parks", lambda fc: park(fc)["properties"].update(park_type=None))
    assert messages(data, layers) == [
        "parks.geojson: feature 'park-a': missing required field 'park_type'"
    ]


def test_empty_and_missing_geometry(tiny):
    data, layers = tiny

    def change(fc):
        fc["features"][0]["geometry"] = {"type": "Polygon", "coordinates": []}
        extra = json.loads(json.dumps(fc["features"][0]))
        extra["properties"]["id"] = "park-b"
        extra["geometry"] = None
        fc["features"].append(extra)

    edit_layer(data, "parks", change)
    assert messages(data, layers) == [
        "parks.geojson: feature 'park-a': has an empty geometry",
        "parks.geojson: feature 'park-b': has no geometry",
    ]


def test_wrong_geometry_type(tiny):
    data, layers = tiny
    point = {"type": "Point", "coordinates": [120.03, 28.90]}
    edit_layer(data, "parks", lambda fc: park(fc).update(geometry=point))
    assert messages(data, layers) == [
        "parks.geojson: feature 'park-a': geometry type Point is not allowed here (Polygon, MultiPolygon)"
    ]


def test_metres_file(tiny):
    data, layers = tiny

    def to_metres(fc):
        geom = transform_geometry(shape(park(fc)["geometry"]), "EPSG:4326", METRIC_CRS)
        park(fc)["geometry"] = mapping(geom)

    edit_layer(data, "parks", to_metres)
    assert messages(data, layers) == [
        "parks.geojson: feature 'park-a': coordinates (502926, 3198186) look like projected "
        "metres (e.g. EPSG:4549), not WGS84 lon/lat"
    ]


def test_swapped_lon_lat(tiny):
    data, layers = tiny

    def swap(fc):
        geom = shape(park(fc)["geometry"])
        park(fc)["geometry"] = mapping(shapely.transform(geom, lambda xy: xy[:, ::-1]))

    edit_layer(data, "parks", swap)
    assert messages(data, layers) == [
        "parks.geojson: feature 'park-a': coordinates (28.9000, 120.0300) look like lat/lon: "
        "longitude and latitude are swapped"
    ]


def test_crs_member_naming_a_projected_crs(tiny):
    data, layers = tiny
    edit_layer(
        data,
        "parks",
        lambda fc: fc.update(
            crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}
        ),
    )
    assert messages(data, layers) == [
        "parks.geojson: declares CRS EPSG:4549; layer files must be RFC 7946 WGS84 lon/lat without "
        "a 'crs' member (bring other CRSs in with `geoapp import --src-crs`)"
    ]


def east_edge_point(data: Path) -> Point:
    """A point 10 m inside the city's easternmost vertex."""
    fc = json.loads((data / "geojson" / "boundary.geojson").read_text("utf-8"))
    city = shape(fc["features"][0]["geometry"])
    east = max(shapely.get_coordinates(city).tolist())
    return Point(east[0] - 0.0001, east[1])


def test_gcj02_feature_is_recognised(tiny):
    data, layers = tiny
    p = east_edge_point(data)
    lon, lat = wgs84_to_gcj02(p.x, p.y)
    square = mapping(Point(lon, lat).buffer(0.0002, quad_segs=1))
    edit_layer(data, "parks", lambda fc: park(fc).update(geometry=square))
    assert messages(data, layers) == [
        "parks.geojson: feature 'park-a': lies outside the city outline, but inside it after a "
        "GCJ-02 → WGS84 conversion: the file looks like GCJ-02 (bring it in with `geoapp import "
        "--src-crs gcj02`)"
    ]


def test_gcj02_boundary_is_recognised(tiny):
    # the outline as AMap publishes it: our WGS84 outline converted to GCJ-02
    data, layers = tiny

    def to_gcj(fc):
        geom = transform_geometry(shape(fc["features"][0]["geometry"]), "EPSG:4326", "gcj02")
        fc["features"][0]["geometry"] = mapping(geom)

    edit_layer(data, "boundary", to_gcj)
    msgs = messages(data, layers)
    assert msgs[0].startswith("boundary.geojson: centroid lies 5")
    assert msgs[0].endswith(
        " m from the GeoNames postal-code centroid of 永康市 (CC BY 4.0) (at most 300 m); after a "
        "GCJ-02 → WGS84 conversion it would be close: the file looks like GCJ-02"
    )


def test_outside_the_city(tiny):
    data, layers = tiny
    far = {"type": "LineString", "coordinates": [[120.5, 28.9], [120.51, 28.91]]}
    edit_layer(data, "ring_roads", lambda fc: park(fc).update(geometry=far))
    assert messages(data, layers) == [
        "ring_roads.geojson: feature 'road-a': lies outside Yongkang: bounds "
        "(120.5000, 28.9000, 120.5100, 28.9100)"
    ]


def test_duplicate_ids_in_a_file_and_across_layers(tiny):
    data, layers = tiny
    edit_layer(data, "urban_villages", lambda fc: fc["features"][1]["properties"].update(id="uv-a"))
    edit_layer(data, "parks", lambda fc: park(fc)["properties"].update(id="road-a"))
    msgs = messages(data, layers)
    assert "urban_villages.geojson: feature 'uv-a': duplicate id" in msgs
    assert "ring_roads.geojson: feature 'road-a': duplicate id: also in parks.geojson" in msgs
    assert (
        "projects.csv: row 'uv-b': points at feature 'uv-b', which is not in layer 'urban_villages'"
        in msgs
    )


def test_missing_required_field_and_bad_values(tiny):
    data, layers = tiny

    def change(fc):
        props = park(fc)["properties"]
        del props["name_en"]
        props["accuracy"] = "rough"
        props["park_type"] = "theme_park"

    edit_layer(data, "parks", change)
    assert messages(data, layers) == [
        "parks.geojson: feature 'park-a': missing required field 'name_en'",
        "parks.geojson: feature 'park-a': field 'accuracy' has value 'rough', not one of: "
        "surveyed, approximate, schematic",
        "parks.geojson: feature 'park-a': field 'park_type' has value 'theme_park', not one of: "
        "wetland_park, city_park, forest_park, pocket_park, community_park",
    ]


def test_unknown_field_and_bad_id(tiny):
    data, layers = tiny

    def change(fc):
        park(fc)["properties"]["colour"] = "red"
        park(fc)["properties"]["id"] = "公园"

    edit_layer(data, "parks", change)
    assert messages(data, layers) == [
        "parks.geojson: feature '公园': id is not an ASCII slug (a-z, 0-9, '-', '_')",
        "parks.geojson: unknown field 'colour' (not in layers/parks.toml)",
    ]


def test_registry_row_pointing_at_missing_feature(tiny):
    data, layers = tiny
    edit_csv(data, "projects.csv", lambda rows: rows[0].update(feature_ids="uv-a;uv-zzz"))
    assert messages(data, layers) == [
        "projects.csv: row 'uv-a': points at feature 'uv-zzz', which is not in layer 'urban_villages'"
    ]


def test_source_file_missing(tiny):
    data, layers = tiny
    (data / "seeds" / "900_tiny.txt").unlink()
    msgs = messages(data, layers)
    assert msgs[0] == f"sources.csv: row '900_tiny.txt': source file not found in {data / 'seeds'}"
    assert (
        "status_history.csv: row 'uv-a (line 2)': source '900_tiny.txt' is not a known source file (sources.csv)"
        in msgs
    )


def test_history_citing_an_unknown_source(tiny):
    data, layers = tiny
    edit_csv(data, "status_history.csv", lambda rows: rows[0].update(source="999_nowhere.txt"))
    assert messages(data, layers) == [
        "status_history.csv: row 'uv-a (line 2)': source '999_nowhere.txt' is not a known source "
        "file (sources.csv)"
    ]


def test_quote_not_found(tiny):
    data, layers = tiny
    edit_csv(data, "status_history.csv", lambda rows: rows[1].update(quote="乙村区块完成验收"))
    assert messages(data, layers) == [
        "status_history.csv: row 'uv-b (line 3)': quote not found in its source '900_tiny.txt': 乙村区块完成验收…"
    ]


def test_quote_matches_across_line_breaks(tiny):
    # the seed breaks "乙村\n区块结顶" across lines, as the newspaper layout does
    data, layers = tiny
    assert messages(data, layers) == []


def test_changed_source_file(tiny):
    data, layers = tiny
    seed = data / "seeds" / "900_tiny.txt"
    seed.write_text(seed.read_text("utf-8") + "追加。", "utf-8")
    assert messages(data, layers) == [
        "sources.csv: row '900_tiny.txt': sha256 differs: the source file has changed"
    ]


def test_status_outside_the_vocabulary(tiny):
    data, layers = tiny
    edit_csv(
        data, "status_history.csv", lambda rows: rows[0].update(status="finished", kind="done")
    )
    msgs = messages(data, layers)
    assert msgs[-2:] == [
        "status_history.csv: row 'uv-a (line 2)': status 'finished' is not one of: planned, "
        "preparing, launched, under_construction, topped_out, completed, accepted, in_service",
        "status_history.csv: row 'uv-a (line 2)': kind 'done' is not target, mention, report or update",
    ]


def test_stored_status_must_agree_with_history(tiny):
    # a target is not a completion: claiming 'accepted' from a target entry is an error
    data, layers = tiny
    edit_csv(data, "projects.csv", lambda rows: rows[0].update(status="accepted"))
    assert messages(data, layers) == [
        "projects.csv: row 'uv-a': status columns ('accepted', '2020', 'accepted', '2020') disagree "
        "with its history, which gives ('planned', '2020', 'accepted', '2020')"
    ]


def test_feature_in_two_projects(tiny):
    data, layers = tiny
    edit_csv(data, "projects.csv", lambda rows: rows[1].update(feature_ids="uv-a"))
    assert messages(data, layers) == [
        "projects.csv: row 'uv-b': feature 'uv-a' already belongs to project 'uv-a'"
    ]


def test_indicator_problems(tiny):
    data, layers = tiny
    edit_csv(
        data, "indicators.csv", lambda rows: rows[0].update(match_field="colour", target_value="x")
    )
    assert messages(data, layers) == [
        "indicators.csv: row 'uv-2020': match_field 'colour' is not a field of layer 'urban_villages'",
        "indicators.csv: row 'uv-2020': target_value is not a number",
    ]


def test_layer_definition_problems(tiny):
    data, layers = tiny
    path = layers / "parks.toml"
    path.write_text(
        path.read_text("utf-8").replace('popup = ["name"', 'popup = ["nickname"'), "utf-8"
    )
    assert messages(data, layers) == ["parks.toml: popup names unknown field 'nickname'"]


def test_every_problem_in_one_run(tiny):
    data, layers = tiny
    edit_layer(data, "parks", lambda fc: park(fc)["properties"].pop("name"))
    edit_csv(data, "status_history.csv", lambda rows: rows[1].update(quote="不存在的句子"))
    assert len(messages(data, layers)) == 2


def test_cli_validate_ok_prints_table(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["layer", "features", "谋划", "前期", "启动", "在建", "结顶", "建成",
                              "验收", "投用", "unplaced"]  # fmt: skip
    assert out[1].split() == ["boundary", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0"]
    assert ["urban_villages", "8", "11", "0", "0", "0", "0", "0", "0", "0", "3"] in [
        r.split() for r in out
    ]
    assert ["public_facilities", "5", "25", "0", "0", "0", "0", "0", "0", "0", "20"] in [
        r.split() for r in out
    ]
    assert out[-1].startswith("ok: 72 features, 105 projects, data version ")


def test_cli_validate_errors_exit_1(tiny, capsys):
    data, layers = tiny
    edit_csv(data, "status_history.csv", lambda rows: rows[1].update(quote="不存在的句子"))
    assert main(["validate", "--data", str(data), "--layers", str(layers)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: status_history.csv: row 'uv-b (line 3)': quote not found in its source "
        "'900_tiny.txt': 不存在的句子…",
        f"1 problem(s) in {data}",
    ]
