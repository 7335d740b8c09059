"""Recording a planner's status update: validated on a copy, written atomically, nothing lost."""

from __future__ import annotations

import datetime as dt

import pytest

from geoapp.catalog import load_catalog
from geoapp.cli import main
from geoapp.problems import DataError
from geoapp.recording import StatusUpdate, record_update

TODAY = dt.date(2026, 11, 22)


def snapshot(data):
    return {p.name: p.read_bytes() for p in data.glob("*.csv")}


def test_update_changes_status_and_keeps_the_target(tiny):
    data, layers = tiny
    record_update(
        data,
        layers,
        StatusUpdate("uv-b", "2021-05-10", "topped_out", "住建局通报 2021-12", "主体结顶"),
        TODAY,
    )
    catalog = load_catalog(data, layers)
    p = catalog.projects["uv-b"]
    assert (p["status"], p["status_date"], p["target_status"], p["target_year"]) == (
        "topped_out", "2021-05-10", "topped_out", "2020"
    )  # fmt: skip
    assert p["history"][-1] == {
        "project_id": "uv-b", "date": "2021-05-10", "status": "topped_out", "kind": "update",
        "target_year": "", "source": "住建局通报 2021-12", "quote": "", "note": "主体结顶",
        "verb": "",
    }  # fmt: skip
    row = catalog.layers["urban_villages"].set_index("id").loc["uv-b"]
    assert (row["status"], row["source"]) == ("topped_out", "住建局通报 2021-12")


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (
            StatusUpdate("uv-b", "2027-01-01", "completed", "x"),
            "update: project 'uv-b': date 2027-01-01 is in the future",
        ),
        (
            StatusUpdate("uv-b", "2021-13-01", "completed", "x"),
            "update: project 'uv-b': date '2021-13-01' is not a day (YYYY-MM-DD)",
        ),
        (
            StatusUpdate("uv-b", "2021-01-01", "done", "x"),
            "update: project 'uv-b': status 'done' is not one of: planned, preparing, launched, under_construction, topped_out, completed, accepted, in_service",
        ),
        (
            StatusUpdate("uv-b", "2021-01-01", "completed", " "),
            "update: project 'uv-b': an update needs a source (document, meeting or site visit)",
        ),
        (
            StatusUpdate("uv-b", "2021-01-01", "completed", "a\\nb"),
            "update: project 'uv-b': source must be one line of at most 500 characters",
        ),
        (
            StatusUpdate("nope", "2021-01-01", "completed", "x"),
            "update: project 'nope': unknown project",
        ),
    ],
)
def test_bad_updates_are_refused_and_nothing_is_written(tiny, update, message):
    data, layers = tiny
    before = snapshot(data)
    update = StatusUpdate(
        update.project_id, update.date, update.status, update.source.replace("\\n", "\n")
    )
    with pytest.raises(DataError) as exc:
        record_update(data, layers, update, TODAY)
    assert [str(p) for p in exc.value.problems] == [message]
    assert snapshot(data) == before


def test_hostile_text_is_stored_as_text(tiny):
    data, layers = tiny
    record_update(
        data,
        layers,
        StatusUpdate("uv-a", "2021-01-02", "launched", "<script>x</script>", "'\\\""),
        TODAY,
    )
    assert (
        load_catalog(data, layers).projects["uv-a"]["history"][-1]["source"] == "<script>x</script>"
    )


def test_cli(tiny, capsys):
    data, layers = tiny
    args = ["record-status", "uv-a", "--status", "in_service", "--date", "2022-01-05",
            "--source", "验收会议纪要", "--data", str(data), "--layers", str(layers)]  # fmt: skip
    assert main(args) == 0
    assert capsys.readouterr().out == "recorded: uv-a in_service on 2022-01-05 (验收会议纪要)\n"
    bad = args[:2] + ["--status", "finished"] + args[4:]
    assert main(bad) == 1
    assert capsys.readouterr().err.splitlines()[-1] == "nothing was written"


def test_a_running_app_picks_up_a_recorded_update(tiny, tiny_app, monkeypatch, caplog):
    from geoapp.web import state

    data, layers = tiny
    client = tiny_app.test_client()
    assert client.get("/api/projects/uv-b").get_json()["status"] == "planned"
    record_update(
        data, layers, StatusUpdate("uv-b", "2021-05-10", "topped_out", "住建局通报"), TODAY
    )
    slot = state.slot(tiny_app)
    slot.check_seconds = 0.0
    client.get("/api/projects/uv-b")  # notices the change; the reload runs in the background
    slot.wait(30)
    assert client.get("/api/projects/uv-b").get_json()["status"] == "topped_out"
    # broken data is not served: the last good catalog stays
    (data / "projects.csv").write_text("project_id\n", encoding="utf-8")
    client.get("/api/projects/uv-b")
    slot.wait(30)
    assert client.get("/api/projects/uv-b").get_json()["status"] == "topped_out"
    assert "data changed but does not validate" in caplog.text
