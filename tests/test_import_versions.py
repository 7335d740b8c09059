"""Corrections that cannot undo each other: exports record the layer version, imports check it.

The story of issue 13: export v0 → a colleague imports a corrected shape (v1) → importing the v0
file again would silently revert it. Now it is refused, naming the feature, the version, when and
by whom, unless --force; a fresh export (v1) imports cleanly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyogrio
import pytest

from geoapp.catalog import load_catalog
from geoapp.cli import main
from geoapp.export import export
from geoapp.importing import ImportFailed, apply_import, prepare_import
from geoapp.versions import FileVersionBook, Stamp

from .test_import import snapshot

T1 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)


def export_gpkg(tiny, tmp_path: Path, name: str) -> Path:
    """What a GIS colleague downloads: the layer as GeoPackage in EPSG:4549."""
    data, layers = tiny
    return export(
        load_catalog(data, layers), "urban_villages", "gpkg", "EPSG:4549", tmp_path / name
    )


def edit(path: Path, out: Path, **changes) -> Path:
    """Open the download, change one feature's fields (id → {field: value}), save a copy."""
    gdf = pyogrio.read_dataframe(path, layer="urban_villages")
    for fid, values in changes.items():
        for col, value in values.items():
            gdf.loc[gdf["id"] == fid.replace("_", "-"), col] = value
    pyogrio.write_dataframe(gdf, out, layer="urban_villages")
    return out


def names(tiny) -> dict[str, str]:
    data, layers = tiny
    gdf = load_catalog(data, layers).layers["urban_villages"]
    return dict(zip(gdf["id"], gdf["name"], strict=True))


def test_exports_record_the_layer_version(tiny, tmp_path):
    data, layers = tiny
    v0 = export_gpkg(tiny, tmp_path, "v0.gpkg")
    assert pyogrio.read_dataframe(v0, layer="urban_villages")["version"].tolist() == [0, 0]
    colleague = edit(v0, tmp_path / "c.gpkg", uv_b={"name": "乙村区块（二期）"})
    apply_import(prepare_import(colleague, "urban_villages", data, layers), T1, by="王工")
    v1 = export_gpkg(tiny, tmp_path, "v1.gpkg")
    assert pyogrio.read_dataframe(v1, layer="urban_villages")["version"].tolist() == [1, 1]
    book = FileVersionBook(data)
    assert book.layer_version("urban_villages") == 1
    assert book.stamps("urban_villages") == {"uv-b": Stamp(1, "2024-05-01T08:00:00Z", "王工")}


def test_an_old_file_cannot_undo_a_later_correction(tiny, tmp_path, capsys):
    data, layers = tiny
    v0 = export_gpkg(tiny, tmp_path, "v0.gpkg")
    colleague = edit(v0, tmp_path / "c.gpkg", uv_b={"name": "乙村区块（二期）"})
    apply_import(prepare_import(colleague, "urban_villages", data, layers), T1, by="王工")
    mine = edit(v0, tmp_path / "mine.gpkg", uv_a={"name_en": "Block A (north)"})
    after_colleague = snapshot(data)

    dirs = ["--data", str(data), "--layers", str(layers)]
    assert main(["import", str(mine), "--layer", "urban_villages", "--apply", *dirs]) == 1
    out, err = capsys.readouterr()
    assert "  uv-b: name: '乙村区块（二期）' → '乙村区块'\n" in out
    assert (
        "conflict: mine.gpkg: feature 'uv-b': changed in version 1 (2024-05-01T08:00:00Z, by "
        "王工), after version 0 this file was exported at; the import would overwrite it "
        "(name: '乙村区块（二期）' → '乙村区块')\n"
    ) in err
    assert "1 conflict(s): nothing written (--force overwrites them)" in err
    assert snapshot(data) == after_colleague and names(tiny)["uv-b"] == "乙村区块（二期）"

    result = prepare_import(mine, "urban_villages", data, layers)
    with pytest.raises(ImportFailed, match=r"1 conflict\(s\) .* export again and redo the edit"):
        apply_import(result)
    # the fix: export again (v1), redo the edit, import: no conflict, both corrections kept
    redo = edit(export_gpkg(tiny, tmp_path, "v1.gpkg"), tmp_path / "redo.gpkg",
                uv_a={"name_en": "Block A (north)"})  # fmt: skip
    assert main(["import", str(redo), "--layer", "urban_villages", "--apply", *dirs]) == 0
    assert names(tiny)["uv-b"] == "乙村区块（二期）"
    en = load_catalog(data, layers).layers["urban_villages"].set_index("id")["name_en"]
    assert en["uv-a"] == "Block A (north)"


def test_force_overwrites_and_says_so(tiny, tmp_path):
    data, layers = tiny
    v0 = export_gpkg(tiny, tmp_path, "v0.gpkg")
    colleague = edit(v0, tmp_path / "c.gpkg", uv_b={"name": "乙村区块（二期）"})
    apply_import(prepare_import(colleague, "urban_villages", data, layers), T1, by="王工")
    result = prepare_import(v0, "urban_villages", data, layers)
    assert [c.id for c in result.conflicts] == ["uv-b"]
    apply_import(result, T1 + dt.timedelta(hours=1), by="李工", force=True)
    assert names(tiny)["uv-b"] == "乙村区块"
    log = FileVersionBook(data).log("urban_villages")
    assert [(e["version"], e["updated_by"], e["changed"], e["note"]) for e in log] == [
        (1, "王工", ["uv-b"], "import of c.gpkg"),
        (2, "李工", ["uv-b"], "import of v0.gpkg; forced over ['uv-b']"),
    ]


def test_removed_features_do_not_come_back_from_an_old_file(tiny, tmp_path):
    data, layers = tiny
    v0 = export_gpkg(tiny, tmp_path, "v0.gpkg")
    projects = (data / "projects.csv").read_text("utf-8")
    (data / "projects.csv").write_text(
        projects.replace(",urban_villages,uv-b,", ",urban_villages,,"), "utf-8"
    )
    gdf = pyogrio.read_dataframe(v0, layer="urban_villages")
    pyogrio.write_dataframe(gdf[gdf["id"] == "uv-a"], tmp_path / "a.gpkg", layer="urban_villages")
    apply_import(prepare_import(tmp_path / "a.gpkg", "urban_villages", data, layers), T1, by="王工")
    result = prepare_import(v0, "urban_villages", data, layers)
    assert result.diff.added == ["uv-b"]
    assert [str(c) for c in result.conflicts] == [
        "feature 'uv-b': changed in version 1 (2024-05-01T08:00:00Z, by 王工), after version 0 "
        "this file was exported at; the import would bring back the feature removed then"
    ]


def test_a_layer_changed_between_prepare_and_apply(tiny, tmp_path):
    data, layers = tiny
    v0 = export_gpkg(tiny, tmp_path, "v0.gpkg")
    a = prepare_import(edit(v0, tmp_path / "a.gpkg", uv_a={"name": "甲"}), "urban_villages",
                       data, layers)  # fmt: skip
    b = prepare_import(edit(v0, tmp_path / "b.gpkg", uv_b={"name": "乙"}), "urban_villages",
                       data, layers)  # fmt: skip
    apply_import(a, T1, by="王工")
    with pytest.raises(ImportFailed, match="changed while the import was prepared; prepare it"):
        apply_import(b, T1, by="李工")
    assert names(tiny) == {"uv-a": "甲", "uv-b": "乙村区块"}


def test_version_field_that_is_not_a_number(tiny, tmp_path):
    data, layers = tiny
    path = tmp_path / "v.geojson"
    fc = json.loads((data / "geojson" / "urban_villages.geojson").read_text("utf-8"))
    fc["features"][1]["properties"]["version"] = "latest"
    path.write_text(json.dumps(fc, ensure_ascii=False), "utf-8")
    with pytest.raises(ImportFailed, match=r"^feature 'uv-b': field 'version' is 'latest', not a"):
        prepare_import(path, "urban_villages", data, layers)
