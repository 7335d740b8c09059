"""Recording progress from the command line: through the store, as a named user, reviewed."""

from __future__ import annotations

import pytest

from geoapp.cli import main
from geoapp.store import open_store
from geoapp.store.records import list_updates


@pytest.fixture
def users(tiny):
    data, _ = tiny
    for name, role in (("wang", "planner"), ("zhao", "reviewer")):
        assert (
            main(
                ["user", "add", name, "--role", role, "--department", "住建局", "--data", str(data)]
            )
            == 0
        )
    return data


def record(data, *extra):
    return main(["record-status", "uv-a", "--user", "wang", "--status", "in_service", "--date",
                 "2022-01-05", "--source", "验收会议纪要", "--data", str(data), *extra])  # fmt: skip


def fresh(app, client, url):
    """The answer after the app has noticed a change and reloaded in the background."""
    from geoapp.web import state

    slot = state.slot(app)
    slot.check_seconds = 0.0
    client.get(url)
    slot.wait(30)
    return client.get(url).get_json()


def test_cli_proposes_and_another_user_approves(users, tiny, tiny_app, capsys):
    data, _ = tiny
    client = tiny_app.test_client()
    assert client.get("/api/projects/uv-a").get_json()["status"] == "planned"
    assert record(data, "--quote", "甲村区块完成验收") == 0
    out = capsys.readouterr().out
    update_id = out.split()[1]
    assert out == f"recorded {update_id} (uv-a in_service on 2022-01-05): pending review\n"
    store = open_store({"DATA_DIR": str(data)})
    [u] = list_updates(store)
    assert (u["state"], u["author"], u["source_publisher"], u["department"]) == (
        "pending",
        "wang",
        "住建局",
        "住建局",
    )
    assert (
        fresh(tiny_app, client, "/api/projects/uv-a")["status"] == "planned"
    )  # pending: not public
    assert main(["review", "approve", update_id, "--user", "wang", "--data", str(data)]) == 1
    assert "may not review" in capsys.readouterr().err
    assert main(["review", "approve", update_id, "--user", "zhao", "--data", str(data)]) == 0
    assert fresh(tiny_app, client, "/api/projects/uv-a")["status"] == "in_service"
    store.close()


def test_bad_updates_say_what_to_fix_and_write_nothing(users, capsys):
    assert record(users, "--kind", "report", "--url", "ftp://x") == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: project 'uv-a': source_url: must be an http:// or https:// address without spaces",
        "nothing was written",
    ]
    assert main(["record-status", "nope", "--user", "wang", "--status", "completed", "--date",
                 "2022-01-05", "--source", "x", "--data", str(users)]) == 1  # fmt: skip
    assert capsys.readouterr().err == "error: no project 'nope'\n"
    assert main(["record-status", "uv-a", "--user", "zhao2", "--status", "completed", "--date",
                 "2022-01-05", "--source", "x", "--data", str(users)]) == 1  # fmt: skip
    assert capsys.readouterr().err == "error: no active account 'zhao2'\n"
    store = open_store({"DATA_DIR": str(users)})
    assert list_updates(store) == []
    store.close()


def test_broken_seed_files_are_not_read_in(tiny, tiny_app, caplog):
    data, _ = tiny
    client = tiny_app.test_client()
    assert client.get("/api/projects/uv-b").get_json()["status"] == "planned"
    (data / "projects.csv").write_text("project_id\n", encoding="utf-8")
    assert fresh(tiny_app, client, "/api/projects/uv-b")["status"] == "planned"
    assert "seed files changed but do not validate" in caplog.text
