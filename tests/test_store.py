"""The store on both backends: seed and dump, updates under concurrency, crashes, invalid data,
and two app servers sharing one PostgreSQL."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from geoapp.config import ROOT
from geoapp.store import Conflict, Forbidden, Invalid, NotFound, open_store
from geoapp.store.accounts import add_user, create_token, get_user
from geoapp.store.records import approve, list_updates, propose, reject, withdraw
from geoapp.store.snapshot import load_from_store

TODAY = dt.date(2026, 11, 25)
UPDATE = {
    "project_id": "uv-b", "status": "topped_out", "date": "2026-11-20", "kind": "report",
    "source_title": "城中村改造进度通报（第11期）", "source_publisher": "永康市住建局",
    "source_date": "2026-11-21", "source_url": "https://example.gov.cn/notice/11",
    "quote": "乙村区块主体结顶", "note": "现场核实",
}  # fmt: skip


@pytest.fixture
def people(store):
    """A planner, a second planner and a reviewer."""
    for name, role in (("wang", "planner"), ("li", "planner"), ("zhao", "reviewer")):
        add_user(store, name, role, "规划局", "pass-word-123", actor="admin")
    return {n: get_user(store, n) for n in ("wang", "li", "zhao")}


def test_bundled_data_round_trips_byte_for_byte(tmp_path, backend_url):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("store.sqlite*"))
    store = open_store({"DATA_DIR": str(data), "DATABASE_URL": backend_url})
    written = store.dump(tmp_path / "out")
    store.close()
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in written)
    seeds = sorted(
        p.relative_to(data).as_posix() for p in [*data.glob("*.csv"), *data.glob("geojson/*")]
    )
    assert names == seeds
    for name in names:
        assert (tmp_path / "out" / name).read_bytes() == (data / name).read_bytes(), name


def test_approved_update_changes_status_and_dump_validates(tiny, store, people, tmp_path):
    from geoapp.catalog import load_catalog

    data, layers = tiny
    u = propose(store, people["wang"], UPDATE, today=TODAY)
    assert (u["state"], u["author"], u["department"]) == ("pending", "wang", "规划局")
    before = load_from_store(store, layers)
    assert before.projects["uv-b"]["status"] == "planned"  # pending is not served
    approved = approve(store, people["zhao"], u["update_id"])
    assert (approved["state"], approved["reviewed_by"]) == ("approved", "zhao")
    after = load_from_store(store, layers)
    assert after.projects["uv-b"]["status"] == "topped_out"
    assert after.projects["uv-b"]["status_date"] == "2026-11-20"
    assert after.projects["uv-b"]["history"][-1]["source"] == f"update:{u['update_id']}"
    assert after.extra["updates"][u["update_id"]]["source_publisher"] == "永康市住建局"
    out = tmp_path / "out"
    store.dump(out)
    shutil.copytree(data / "seeds", out / "seeds")
    assert load_catalog(out, layers).projects["uv-b"]["status"] == "topped_out"


def test_review_rules(store, people):
    u = propose(store, people["wang"], UPDATE, today=TODAY)
    with pytest.raises(Forbidden, match="other than its author"):
        approve(store, people["wang"], u["update_id"])
    with pytest.raises(Forbidden, match="only its author"):
        withdraw(store, people["li"], u["update_id"])
    with pytest.raises(Invalid, match="reason"):
        reject(store, people["zhao"], u["update_id"], " ")
    assert reject(store, people["zhao"], u["update_id"], "文号不全")["reason"] == "文号不全"
    with pytest.raises(Conflict, match="is rejected, no longer pending"):
        approve(store, people["zhao"], u["update_id"])
    with pytest.raises(NotFound):
        approve(store, people["zhao"], "u-nope")
    assert [x["state"] for x in list_updates(store)] == ["rejected"]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"status": "finished"}, "status", "must be one of"),
        ({"date": "2026-13-01"}, "date", "not a day"),
        ({"date": "2099-01-01"}, "date", "in the future"),
        ({"kind": "rumour"}, "kind", "report"),
        ({"source_title": ""}, "source_title", "required"),
        ({"source_url": "javascript:alert(1)"}, "source_url", "http"),
        ({"note": "x" * 1001}, "note", "at most 1000"),
    ],
)
def test_invalid_update_is_refused_and_changes_nothing(store, people, change, field, message):
    version, audit = store.data_version(), store.backend.read("SELECT COUNT(*) FROM audit")
    with pytest.raises(Invalid) as exc:
        propose(store, people["wang"], {**UPDATE, **change}, today=TODAY)
    assert field in exc.value.errors and message in exc.value.errors[field]
    assert list_updates(store) == []
    assert store.data_version() == version
    assert store.backend.read("SELECT COUNT(*) FROM audit") == audit


def test_unknown_project_and_a_failed_transaction_change_nothing(store, people):
    with pytest.raises(NotFound, match="no project 'nope'"):
        propose(store, people["wang"], {**UPDATE, "project_id": "nope"}, today=TODAY)
    with pytest.raises(RuntimeError), store.write(data=True) as tx:
        tx.execute("DELETE FROM projects")
        raise RuntimeError("a check failed")
    assert len(store.table("projects")) == 3
    assert list_updates(store) == []


def test_history_and_audit_are_append_only(store, people):
    u = propose(store, people["wang"], UPDATE, today=TODAY)
    approve(store, people["zhao"], u["update_id"])
    for sql in (
        "UPDATE audit SET actor = 'x'",
        "DELETE FROM audit",
        "UPDATE status_history SET status = 'planned'",
    ):
        with pytest.raises(Exception, match="append-only"), store.write() as tx:
            tx.execute(sql)
    actions = [r[0] for r in store.backend.read("SELECT action FROM audit ORDER BY seq")]
    assert actions[-2:] == ["update.proposed", "update.approved"]


def test_twenty_planners_at_once(store):
    planners = [add_user(store, f"p{i:02d}", "planner", "住建局", None, "admin") for i in range(20)]
    answers, barrier = [], threading.Barrier(20)

    def one(user):
        barrier.wait()
        answers.append(propose(store, user, {**UPDATE, "note": user.name}, today=TODAY))

    threads = [threading.Thread(target=one, args=(u,)) for u in planners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    pending = list_updates(store, "pending")
    assert len(answers) == 20
    assert sorted(u["note"] for u in pending) == [f"p{i:02d}" for i in range(20)]
    assert {u["update_id"] for u in pending} == {a["update_id"] for a in answers}


SERVER = """
import sys
from werkzeug.serving import make_server
from geoapp.web import create_app
app = create_app({"DATA_DIR": sys.argv[1], "LAYERS_DIR": sys.argv[2], "DATABASE_URL": sys.argv[3],
                  "BASEMAP": "none", "SECRET_KEY": "test"})
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


def start_server(tiny, url: str) -> tuple[subprocess.Popen, str]:
    """An app server in its own process; (process, base URL)."""
    data, layers = tiny
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(data), str(layers), url],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)  # fmt: skip
    port = proc.stdout.readline().strip()
    assert port, "the app server did not start"
    return proc, f"http://127.0.0.1:{port}"


def post(base: str, path: str, token: str, body: dict) -> tuple[int, dict]:
    """POST JSON with a bearer token; (status, body)."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(base + path, json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_sigkill_mid_writes_keeps_every_answered_update(tiny, store):
    add_user(store, "wang", "planner", "规划局", None, "admin")
    _, token = create_token(store, "wang", "admin")
    proc, base = start_server(tiny, store.backend.url if hasattr(store.backend, "url") else "")
    answered: list[str] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            try:
                status, body = post(base, "/api/projects/uv-a/updates", token,
                                    {**UPDATE, "project_id": "uv-a", "note": f"w{n}-{i}"})  # fmt: skip
            except (OSError, http.client.HTTPException):  # the server was killed mid-answer
                return
            if status == 201:
                answered.append(body["update_id"])
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(answered) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    stop.set()
    for t in threads:
        t.join(30)
    assert len(answered) >= 30
    reopened = open_store(
        {"DATA_DIR": str(store.data_dir), "DATABASE_URL": getattr(store.backend, "url", "")}
    )
    stored = {u["update_id"] for u in list_updates(reopened)}
    reopened.close()
    assert set(answered) <= stored


def test_two_servers_on_one_postgresql_agree_within_two_seconds(tiny, postgres_url):
    from tests.postgres import fresh_database

    url = fresh_database(postgres_url)
    store = open_store({"DATA_DIR": str(tiny[0]), "DATABASE_URL": url})
    wang = add_user(store, "wang", "planner", "规划局", None, "admin")
    add_user(store, "zhao", "reviewer", "规划局", None, "admin")
    _, token = create_token(store, "zhao", "admin")
    servers = [start_server(tiny, url) for _ in range(2)]
    try:
        import urllib.request

        def status_on(base: str) -> str:
            with urllib.request.urlopen(f"{base}/api/projects/uv-b", timeout=10) as resp:
                return json.loads(resp.read())["status"]

        assert [status_on(b) for _, b in servers] == ["planned", "planned"]
        u = propose(store, wang, UPDATE, today=TODAY)
        assert post(servers[0][1], f"/api/updates/{u['update_id']}/approve", token, {})[0] == 200
        start = time.monotonic()
        while status_on(servers[1][1]) != "topped_out":
            assert time.monotonic() - start < 2.0, "the second server did not see the change in 2 s"
            time.sleep(0.05)
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(10)
            proc.stdout.close()


def test_an_import_is_one_transaction_with_versions_kept(tiny, store):
    from geoapp.problems import DataError
    from geoapp.store.layers import feature_versions, replace_layer

    _, layers = tiny
    text = (store.data_dir / "geojson" / "parks.geojson").read_text("utf-8")
    fc = json.loads(text)
    before = feature_versions(store, "parks")
    assert before["park-a"]["version"] == 1
    fc["features"][0]["properties"]["name"] = "甲公园（改）"
    diff = replace_layer(store, "parks", json.dumps(fc, ensure_ascii=False), "gis-li", layers)
    assert diff == {"added": [], "removed": [], "changed": ["park-a"], "unchanged": 0}
    after = feature_versions(store, "parks")["park-a"]
    assert (after["version"], after["updated_by"]) == (2, "gis-li")
    kept = store.backend.read("SELECT fid, version, doc FROM feature_versions")
    assert [(r[0], r[1], json.loads(r[2])["properties"]["name"]) for r in kept] == [
        ("park-a", 1, "甲公园")
    ]
    assert load_from_store(store, layers).layers["parks"]["name"].tolist() == ["甲公园（改）"]
    version = store.data_version()
    fc["features"][0]["geometry"] = None
    with pytest.raises(DataError, match="park-a.*has no geometry"):
        replace_layer(store, "parks", json.dumps(fc), "gis-li", layers)
    assert store.data_version() == version
    assert feature_versions(store, "parks")["park-a"]["version"] == 2


def test_an_older_store_gets_the_columns_a_newer_seed_format_has(tiny, backend_url):
    data, _ = tiny
    cfg = {"DATA_DIR": str(data), "DATABASE_URL": backend_url}
    store = open_store(cfg)
    with store.write() as tx:
        tx.execute("ALTER TABLE status_history DROP COLUMN verb")
        assert "verb" not in store.backend.columns(tx, "status_history")
    store.close()
    again = open_store(cfg)
    with again.write() as tx:
        assert "verb" in again.backend.columns(tx, "status_history")
    again.close()
