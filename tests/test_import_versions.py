"""Corrections that cannot undo each other: every download records each feature's version (from the
store), imports check it against the store's per-feature stamps.

The story of issue 13, as GIS staff hit it: export (every feature at version 1) → a colleague
imports a corrected shape (that feature at version 2) → importing the first file again would
silently revert it. Now it is refused, naming the feature, its version, when and by whom, unless
--force (or, on the web, a choice per feature); a fresh export imports cleanly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyogrio
import pytest
import shapely

from geoapp.cli import main
from geoapp.config import load_config
from geoapp.importing import ImportFailed, apply_import, prepare_import
from geoapp.store import load_from_store, open_store
from geoapp.store.audit import list_audit
from geoapp.store.layers import layer_stamps
from geoapp.versions import Stamp

from .test_import import snapshot

T1 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
T2 = T1 + dt.timedelta(hours=1)
LAYER = "urban_villages"


def cli(tiny, *args: str) -> int:
    data, layers = tiny
    return main([*args, "--data", str(data), "--layers", str(layers)])


def export_gpkg(tiny, tmp_path: Path, name: str) -> Path:
    """What a GIS colleague downloads: the layer as GeoPackage in EPSG:4549 (`geoapp export`)."""
    out = tmp_path / name
    assert cli(tiny, "export", LAYER, "--format", "gpkg", "--crs", "EPSG:4549", "-o", str(out)) == 0
    return out


def edit(path: Path, out: Path, moves: dict | None = None, **changes) -> Path:
    """Open the download with GDAL, change fields (id → {field: value}) and move shapes
    (id → metres east, in the file's EPSG:4549), save a copy."""
    gdf = pyogrio.read_dataframe(path, layer=LAYER)
    for fid, values in changes.items():
        for col, value in values.items():
            gdf.loc[gdf["id"] == fid.replace("_", "-"), col] = value
    for fid, metres in (moves or {}).items():
        row = gdf["id"] == fid
        gdf.loc[row, "geometry"] = shapely.affinity.translate(gdf.loc[row].geometry.iloc[0], metres)
    pyogrio.write_dataframe(gdf, out, layer=LAYER)
    return out


def later() -> dt.datetime:
    """A time after the store's seed (stamps are to the second; the seed was just now)."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)


def store_of(tiny):
    return open_store(load_config(overrides={"DATA_DIR": str(tiny[0])}))


def stamps(tiny) -> dict[str, Stamp]:
    store = store_of(tiny)
    try:
        return layer_stamps(store, LAYER).current
    finally:
        store.close()


def served(tiny, column: str) -> dict[str, str]:
    """What the service shows now (the catalog as the store holds it)."""
    store = store_of(tiny)
    try:
        gdf = load_from_store(store, tiny[1]).layers[LAYER]
    finally:
        store.close()
    return dict(zip(gdf["id"], gdf[column], strict=True))


def corrected_by_wang(tiny, tmp_path: Path, v1: Path) -> None:
    """王工 moves 乙村区块 40 m east from a survey and imports it (version 2 of uv-b)."""
    fixed = edit(v1, tmp_path / "wang.gpkg", {"uv-b": 40},
                 uv_b={"accuracy": "surveyed", "geometry_source": "2024 测绘"})  # fmt: skip
    data, layers = tiny
    apply_import(prepare_import(fixed, LAYER, data, layers), T1, by="王工")


def test_exports_record_each_features_version(tiny, tmp_path):
    v1 = export_gpkg(tiny, tmp_path, "v1.gpkg")
    assert pyogrio.read_dataframe(v1, layer=LAYER)["version"].tolist() == [1, 1]
    corrected_by_wang(tiny, tmp_path, v1)
    again = pyogrio.read_dataframe(export_gpkg(tiny, tmp_path, "v2.gpkg"), layer=LAYER)
    assert dict(zip(again["id"], again["version"], strict=True)) == {"uv-a": 1, "uv-b": 2}
    got = stamps(tiny)
    assert got["uv-b"] == Stamp(2, "2024-05-01T08:00:00Z", "王工")
    assert (got["uv-a"].version, got["uv-a"].updated_by) == (1, "system")
    assert not (tiny[0] / "versions").exists()  # versions live in the store, nowhere else


def test_an_old_file_cannot_undo_a_later_correction(tiny, tmp_path, capsys):
    data, layers = tiny
    v1 = export_gpkg(tiny, tmp_path, "v1.gpkg")
    corrected_by_wang(tiny, tmp_path, v1)
    mine = edit(v1, tmp_path / "mine.gpkg", uv_a={"name_en": "Block A (north)"})
    after_wang = snapshot(data)
    capsys.readouterr()

    assert cli(tiny, "import", str(mine), "--layer", LAYER, "--apply", "--by", "李工") == 1
    out, err = capsys.readouterr()
    assert "  uv-a: name_en: 'Uv A' → 'Block A (north)'\n" in out
    assert (
        "conflict: mine.gpkg: feature 'uv-b': changed in version 2 (2024-05-01T08:00:00Z, by "
        "王工), after version 1 this file was exported with; the import would overwrite it "
        "(moved 40.0 m; accuracy: 'surveyed' → 'schematic'; geometry_source: '2024 测绘' → "
        "'测试 / test')\n"
    ) in err
    assert "1 conflict(s): nothing written (--force overwrites them)" in err
    assert snapshot(data) == after_wang and stamps(tiny)["uv-b"].updated_by == "王工"
    assert served(tiny, "accuracy")["uv-b"] == "surveyed"

    result = prepare_import(mine, LAYER, data, layers)
    with pytest.raises(ImportFailed, match=r"1 conflict\(s\) .* export again and redo the edit"):
        apply_import(result)
    # the fix: export again, redo the edit, import: no conflict, both corrections kept
    redo = edit(export_gpkg(tiny, tmp_path, "v2.gpkg"), tmp_path / "redo.gpkg",
                uv_a={"name_en": "Block A (north)"})  # fmt: skip
    assert cli(tiny, "import", str(redo), "--layer", LAYER, "--apply", "--by", "李工") == 0
    assert served(tiny, "accuracy") == {"uv-a": "schematic", "uv-b": "surveyed"}
    assert served(tiny, "name_en")["uv-a"] == "Block A (north)"
    assert stamps(tiny)["uv-a"].version == 2 and stamps(tiny)["uv-b"].version == 2


def test_force_overwrites_and_the_audit_says_so(tiny, tmp_path, capsys):
    v1 = export_gpkg(tiny, tmp_path, "v1.gpkg")
    corrected_by_wang(tiny, tmp_path, v1)
    capsys.readouterr()
    assert cli(tiny, "import", str(v1), "--layer", LAYER, "--apply", "--force", "--by", "李工") == 0
    assert served(tiny, "accuracy")["uv-b"] == "schematic"
    assert stamps(tiny)["uv-b"].version == 3 and stamps(tiny)["uv-b"].updated_by == "李工"
    store = store_of(tiny)
    try:
        entries = list_audit(store, action="import.applied")
        kept = store.backend.read(
            "SELECT version, replaced_by FROM feature_versions WHERE fid = 'uv-b' ORDER BY version"
        )
    finally:
        store.close()
    assert [(e["actor"], e["target"], e["after"]["changed"], e["after"]["forced"],
             e["after"]["file"]) for e in entries] == [
        ("李工", LAYER, ["uv-b"], ["uv-b"], "v1.gpkg"),
        ("王工", LAYER, ["uv-b"], [], "wang.gpkg"),
    ]  # fmt: skip
    assert kept == [(1, "王工"), (2, "李工")]  # both earlier versions kept in the store


def test_keep_theirs_per_feature(tiny, tmp_path):
    data, layers = tiny
    v1 = export_gpkg(tiny, tmp_path, "v1.gpkg")
    corrected_by_wang(tiny, tmp_path, v1)
    mine = edit(v1, tmp_path / "mine.gpkg", uv_a={"name_en": "Block A (north)"})
    result = prepare_import(mine, LAYER, data, layers)
    assert [c.id for c in result.conflicts] == ["uv-b"]
    apply_import(result, T2, by="李工", keep={"uv-b"})
    assert served(tiny, "accuracy") == {"uv-a": "schematic", "uv-b": "surveyed"}
    assert served(tiny, "name_en")["uv-a"] == "Block A (north)"
    got = stamps(tiny)
    assert got["uv-b"] == Stamp(2, "2024-05-01T08:00:00Z", "王工")  # untouched
    assert got["uv-a"] == Stamp(2, "2024-05-01T09:00:00Z", "李工")


def test_removed_features_do_not_come_back_from_an_old_file(tiny, tmp_path):
    data, layers = tiny
    v1 = export_gpkg(tiny, tmp_path, "v1.gpkg")
    projects = (data / "projects.csv").read_text("utf-8")
    (data / "projects.csv").write_text(
        projects.replace(",urban_villages,uv-b,", ",urban_villages,,"), "utf-8"
    )
    gdf = pyogrio.read_dataframe(v1, layer=LAYER)
    pyogrio.write_dataframe(gdf[gdf["id"] == "uv-a"], tmp_path / "a.gpkg", layer=LAYER)
    apply_import(prepare_import(tmp_path / "a.gpkg", LAYER, data, layers), later(), by="王工")
    removed = removal(tiny, "uv-b")
    result = prepare_import(v1, LAYER, data, layers)
    assert result.diff.added == ["uv-b"]
    assert [str(c) for c in result.conflicts] == [
        f"feature 'uv-b': removed ({removed}, by 王工), after version 1 this file was exported "
        "with; the import would bring the feature back"
    ]
    apply_import(result, later() + dt.timedelta(minutes=1), by="李工", take={"uv-b"})  # on purpose
    assert (stamps(tiny)["uv-b"].version, stamps(tiny)["uv-b"].updated_by) == (2, "李工")
    assert served(tiny, "name")["uv-b"] == "乙村区块"


def removal(tiny, fid: str) -> str:
    store = store_of(tiny)
    try:
        return layer_stamps(store, LAYER).removed[fid].updated_at
    finally:
        store.close()


def test_an_old_file_cannot_remove_a_feature_changed_since(tiny, tmp_path):
    data, layers = tiny
    (data / "projects.csv").write_text(
        (data / "projects.csv").read_text("utf-8").replace(",urban_villages,uv-b,", ",urban_villages,,"),
        "utf-8",
    )  # fmt: skip
    v1 = export_gpkg(tiny, tmp_path, "v1.gpkg")
    fixed = edit(v1, tmp_path / "wang.gpkg", {"uv-b": 40})
    apply_import(prepare_import(fixed, LAYER, data, layers), later(), by="王工")
    gdf = pyogrio.read_dataframe(v1, layer=LAYER)
    pyogrio.write_dataframe(gdf[gdf["id"] == "uv-a"], tmp_path / "a.gpkg", layer=LAYER)
    result = prepare_import(tmp_path / "a.gpkg", LAYER, data, layers)
    assert result.diff.removed == ["uv-b"]
    at, as_of = stamps(tiny)["uv-b"].updated_at, stamps(tiny)["uv-a"].updated_at  # the seed's
    assert pyogrio.read_dataframe(v1, layer=LAYER)["as_of"].tolist() == [as_of, as_of]
    assert [str(c) for c in result.conflicts] == [
        f"feature 'uv-b': changed in version 2 ({at}, by 王工), after {as_of}, the last change "
        "this file shows; the import would remove it"
    ]
    # a file exported after the correction removes it without a conflict
    fresh = pyogrio.read_dataframe(export_gpkg(tiny, tmp_path, "v2.gpkg"), layer=LAYER)
    pyogrio.write_dataframe(fresh[fresh["id"] == "uv-a"], tmp_path / "b.gpkg", layer=LAYER)
    result = prepare_import(tmp_path / "b.gpkg", LAYER, data, layers)
    assert result.diff.removed == ["uv-b"] and result.conflicts == []


def test_a_layer_changed_between_prepare_and_apply(tiny, tmp_path):
    data, layers = tiny
    v1 = export_gpkg(tiny, tmp_path, "v1.gpkg")
    a = prepare_import(edit(v1, tmp_path / "a.gpkg", uv_a={"name": "甲"}), LAYER, data, layers)
    b = prepare_import(edit(v1, tmp_path / "b.gpkg", uv_b={"name": "乙"}), LAYER, data, layers)
    apply_import(a, T1, by="王工")
    with pytest.raises(ImportFailed, match="changed while the import was prepared; prepare it"):
        apply_import(b, T1, by="李工")
    assert served(tiny, "name") == {"uv-a": "甲", "uv-b": "乙村区块"}


@pytest.mark.parametrize("value", ["latest", "Infinity", "-inf"])
def test_version_field_that_is_not_a_number(tiny, tmp_path, value):
    data, layers = tiny
    path = tmp_path / "v.geojson"
    fc = json.loads((data / "geojson" / "urban_villages.geojson").read_text("utf-8"))
    fc["features"][1]["properties"]["version"] = value
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    with pytest.raises(
        ImportFailed, match=rf"^feature 'uv-b': field 'version' is '{value}', not a"
    ):
        prepare_import(path, LAYER, data, layers)
