"""The bundled registry read one way: names as the seeds write them, every stage by the verb
table, indicators with their comparison and what they count, shapes no surer than their source."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from geoapp.catalog import load_catalog
from geoapp.progress import indicators
from geoapp.registry import name_stem, normalise_text
from geoapp.store import open_store
from geoapp.store.accounts import add_user
from geoapp.store.records import approve, propose
from geoapp.verbs import VERB, VERBS, check_reading

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
NEW_LAYERS = ("platforms", "public_facilities", "culture_tourism")


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def seed_text(file: str) -> str:
    return normalise_text((DATA / "seeds" / file).read_text(encoding="utf-8"))


def features(layer: str) -> list[dict]:
    return json.loads((DATA / "geojson" / f"{layer}.geojson").read_text("utf-8"))["features"]


PROJECTS = {p["project_id"]: p for p in rows("projects.csv")}
HISTORY = rows("status_history.csv")


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("pid", sorted(PROJECTS))
def test_name_occurs_verbatim_in_a_cited_seed_sentence(pid):
    p = PROJECTS[pid]
    cited = [h for h in HISTORY if h["project_id"] == pid and h["kind"] != "update"]
    assert cited, pid
    added = [w for w in p["name_added"].split(";") if w]
    assert all(w in p["name"] for w in added)
    stem = normalise_text(name_stem(p["name"], p["name_added"]))
    assert any(stem in normalise_text(h["quote"]) for h in cited), (pid, stem)
    assert all(stem in seed_text(h["source"]) for h in cited if stem in h["quote"])
    if not added:  # a name that adds nothing is the seed's own wording
        assert any(normalise_text(p["name"]) in seed_text(h["source"]) for h in cited)


def test_composed_names_say_what_they_add():
    composed = {pid: p["name_added"] for pid, p in PROJECTS.items() if p["name_added"]}
    assert composed["west-entrance"] == "改造提升工程"
    assert composed["uv-zhoutang"] == "区块"
    assert composed["kg-fangyan-2"] == "第二中心幼儿园"
    assert "jiuling-xilu" not in composed and PROJECTS["jiuling-xilu"]["name"] == "九铃西路改造"


def test_themed_micro_parks_have_one_name_in_registry_and_layer():
    names = {f["id"]: f["properties"]["name"] for f in features("micro_enterprise_parks")}
    for pid in ("mep-smart-lock", "mep-thermos", "mep-health-medical"):
        assert names[PROJECTS[pid]["feature_ids"]] == PROJECTS[pid]["name"]
    assert names["mep-smart-lock"] == "智能门锁特色产业园区"


def test_zone_names_as_the_plan_writes_them():
    names = {f["properties"]["name"] for f in features("zones")}
    text = seed_text("004_1a100416ab643aa2.txt")
    assert "中心城区" in names and "中心城区片" not in names
    assert all(n in text for n in names)


# --------------------------------------------------------------------------- verbs


def test_every_cited_row_reads_its_stage_from_the_verb_table():
    cited = [h for h in HISTORY if h["kind"] != "update"]
    assert len(cited) == 133
    for h in cited:
        assert h["verb"], h
        assert check_reading(h["verb"], h["status"], h["kind"], h["quote"]) is None, h
        assert h["target_year"] == ("" if h["kind"] == "mention" else h["target_year"])


def test_verb_table_page_and_code_agree():
    doc = (ROOT / "docs" / "verbs.md").read_text(encoding="utf-8")
    table = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \| (target|mention) \|", doc, re.M)
    in_doc = {(v, kind) for v, _, kind in table if v != "wording (`…` = words between)"}
    assert in_doc == {(r.verb, r.kind) for r in VERBS}
    for verb, stage, kind in table:
        if kind == "target":
            assert stage.endswith(VERB[verb].status), verb


def test_vague_verbs_give_no_stage():
    for verb in ("实施", "打造", "推进", "加快", "建设"):
        assert VERB[verb].kind == "mention"
    assert {h["kind"] for h in HISTORY if h["verb"] == "打造"} == {"mention"}


def test_known_misreadings_are_fixed():
    def target(pid):
        p = PROJECTS[pid]
        return p["target_status"], p["target_year"]

    # a 2021 实施 does not lower the 2020 开工建设
    assert target("nansihuan-wujin-nandu") == ("under_construction", "2020")
    assert target("jiefang-nanlu") == ("under_construction", "2020")
    # the five-year plan's 2025 is a deadline; the 2021 report aims at 2021
    assert target("new-g330") == ("completed", "2021")
    # 二期 is its own project; the whole works complete only by the 2021 sentence
    assert target("sanjiang-liuan-phase2") == ("completed", "2020")
    assert PROJECTS["sanjiang-liuan-phase2"]["feature_ids"] == ""
    assert [h["date"] for h in HISTORY if h["project_id"] == "sanjiang-liuan"] == ["2021"]
    # 金台铁路's 十四五 sentence has its row
    jintai = [h for h in HISTORY if h["project_id"] == "jintai-railway"]
    assert [(h["date"], h["kind"], h["verb"]) for h in jintai] == [
        ("2020", "target", "全线通车"),
        ("2021", "mention", "提升"),
    ]
    # 基本完工 is completed
    assert target("yongyi-muqu") == ("completed", "2020")


# --------------------------------------------------------------------------- indicators


INDICATORS = {i["indicator_id"]: i for i in rows("indicators.csv")}


@pytest.mark.parametrize("iid", sorted(INDICATORS))
def test_indicator_keeps_its_comparison(iid):
    i = INDICATORS[iid]
    value = i["target_value"]
    quote = normalise_text(i["quote"])
    m = re.search(re.escape(value) + re.escape(i["unit"]) + "(以上)?", quote)
    assert m, (iid, value, i["unit"])
    assert i["comparison"] == ("≥" if m.group(1) else "="), iid


def test_indicators_count_what_they_say():
    assert INDICATORS["micro-parks-started-2020"]["counts_status"] == "under_construction"
    assert INDICATORS["micro-parks-built-2021"]["counts_status"] == "completed"
    wanted = {"城市堵点", "十字路口", "停车泊位", "美丽河湖", "平原绿化", "病险水库", "绿道", "景区镇",
              "批而未供土地", "存量用地", "用地指标", "未来乡村"}  # fmt: skip
    names = " ".join(i["name"] for i in INDICATORS.values())
    assert {w for w in wanted if w in names} == wanted


def test_a_feature_counts_only_where_a_seed_ties_it(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    layers = ROOT / "layers"
    today = dt.date(2026, 1, 1)
    # two reviewed updates, as a planner records them through the store, written back as files
    store = open_store({"DATA_DIR": str(data)})
    wang = add_user(store, "wang", "planner", "住建局", None, actor="admin")
    zhao = add_user(store, "zhao", "reviewer", "规划局", None, actor="admin")
    for pid, status in (("mep-smart-lock", "under_construction"), ("mep-thermos", "launched")):
        fields = {"project_id": pid, "status": status, "date": "2020-06-01", "kind": "report",
                  "source_title": "测试文件", "source_publisher": "住建局", "source_date": "2020-06-01"}  # fmt: skip
        approve(store, zhao, propose(store, wang, fields, today=today)["update_id"])
    store.dump(data)
    before = {i["indicator_id"]: i for i in indicators(load_catalog(data, layers), "zh")}
    # no seed ties the themed parks to the ten new starts: nothing counts
    started = before["micro-parks-started-2020"]
    assert (started["mapped"], started["completed"]) == (0, 0)
    path = data / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    for row in table:
        if row["indicator_id"] in ("micro-parks-started-2020", "micro-parks-built-2021"):
            row["project_ids"] = "mep-smart-lock;mep-thermos"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    after = {i["indicator_id"]: i for i in indicators(load_catalog(data, layers), "zh")}
    started, built = after["micro-parks-started-2020"], after["micro-parks-built-2021"]
    assert (started["mapped"], started["completed"], started["comparison"]) == (2, 1, "=")
    assert (built["mapped"], built["completed"], built["comparison"]) == (2, 0, "≥")
    assert started["counts_status"]["label"] == "在建"


# --------------------------------------------------------------------------- places


def test_unplaced_projects_say_why_and_placed_ones_do_not():
    for pid, p in PROJECTS.items():
        if p["feature_ids"]:
            assert not p["unplaced_reason"] and not p["unplaced_reason_en"], pid
        else:
            assert p["unplaced_reason"] and p["unplaced_reason_en"], pid


@pytest.mark.parametrize("layer", NEW_LAYERS + ("urban_villages", "micro_enterprise_parks"))
def test_shapes_are_no_surer_than_their_source(layer):
    for f in features(layer):
        props = f["properties"]
        assert props["accuracy"] == "schematic"
        assert props["location_confidence"] in ("low", "unknown")
        unverified = "位置未核实" in props["geometry_source"]
        assert unverified == (props["location_confidence"] == "unknown"), f["id"]
        if not unverified:
            assert "place-hints.md" in props["geometry_source"]


def test_section_labels_only_on_lines_that_are_that_section():
    sections = {f["id"]: f["properties"].get("section") for f in features("ring_roads")}
    assert sections["road-old-g330"] is None
    assert sections["road-dongyong-2"] is None
    assert sections["road-jiuling-xilu"] is None
    names = {f["id"]: f["properties"]["name"] for f in features("ring_roads")}
    assert "城区段" not in names["road-old-g330"]


def test_new_layers_hold_their_projects():
    cat = load_catalog(DATA, ROOT / "layers")
    for layer in NEW_LAYERS:
        assert layer in cat.defs
        mine = [p for p in PROJECTS.values() if p["layer"] == layer]
        placed = {f for p in mine for f in p["feature_ids"].split(";") if f}
        assert placed == set(cat.layers[layer]["id"])
    assert {
        p["project_id"]
        for p in PROJECTS.values()
        if p["layer"] == "culture_tourism" and p["feature_ids"]
    } == {
        "jiefangjie-historic-district",
        "fangyan-scenic-area",
        "zhiying-ancient-town",
        "fangyan-ancient-town",
    }


RANK = {"unknown": 0, "low": 1, "medium-low": 1.5, "medium": 2, "high": 3}


def test_towns_and_zones_are_no_surer_than_place_hints():
    hints = {}
    text = (DATA / "sources" / "place-hints.md").read_text(encoding="utf-8")
    for m in re.finditer(
        r"^\| ([^|]+?) \| [-\d.—]+ \| [-\d.—]+ \| ([a-z-]+|not located) \|", text, re.M
    ):
        hints[m.group(1)] = m.group(2)
    checked = 0
    for layer in ("towns", "zones"):
        for f in features(layer):
            name = f["properties"]["name"]
            hint = hints.get(name) or hints.get(name + "片")  # place-hints writes 中心城区片
            if hint and hint != "not located":
                assert RANK[f["properties"]["location_confidence"]] <= RANK[hint], name
                checked += 1
    assert checked == 19  # 14 towns and five zones have a row in place-hints.md
