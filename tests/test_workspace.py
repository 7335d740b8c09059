"""Accounts, review and the audit trail through the web: what a planner and a reviewer do, and
what an attacker tries (no credentials, the wrong role, self-approval, no CSRF token, <script>)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from geoapp.store.accounts import add_user, create_token
from tests.test_pages import embedded_features, layer_specs

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
UPDATE = {
    "status": "topped_out", "date": "2026-11-20", "kind": "report",
    "source_title": "进度通报<script>alert(1)</script>", "source_publisher": "永康市住建局",
    "source_date": "2026-11-21", "quote": "乙村区块主体结顶", "note": "<script>alert(2)</script>",
}  # fmt: skip
HOSTILE = ("<script>alert(1)</script>", "<script>alert(2)</script>")


@pytest.fixture
def app(tiny):
    from geoapp.web import create_app

    data, layers = tiny
    return create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers),
                       "BASEMAP": "none", "LOGIN_SLOWDOWN_SECONDS": 0,
                       "SSO_HEADER": "X-Remote-User", "SSO_TRUSTED_PROXIES": "10.0.0.5"})  # fmt: skip


@pytest.fixture
def tokens(app):
    from geoapp.web.state import get_store

    with app.app_context():
        store = get_store()
        out = {}
        for name, role in (
            ("wang", "planner"),
            ("li", "planner"),
            ("zhao", "reviewer"),
            ("qian", "reviewer"),
        ):
            add_user(store, name, role, "规划局", "pass-word-123", "admin")
            out[name] = {"Authorization": f"Bearer {create_token(store, name, 'admin')[1]}"}
    return out


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, name: str, password: str = "pass-word-123"):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"name": name, "password": password, "csrf_token": token, "next": "/review"}
    )


def test_write_api_needs_credentials_the_right_role_and_another_reviewer(app, tokens):
    c = app.test_client()
    r = c.post("/api/projects/uv-b/updates", json=UPDATE)
    assert (r.status_code, r.json) == (401, {"error": {"code": "unauthorized", "param": None,
                                                       "message": "sign in first (a session or an API token)"}})  # fmt: skip
    r = c.post(
        "/api/projects/uv-b/updates", json=UPDATE, headers={"Authorization": "Bearer gk_nope"}
    )
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
    r = c.post("/api/projects/uv-b/updates", json=UPDATE, headers=tokens["wang"])
    assert r.status_code == 201 and r.json["state"] == "pending" and r.json["author"] == "wang"
    uid = r.json["update_id"]
    r = c.post(f"/api/updates/{uid}/approve", headers=tokens["li"])
    assert r.status_code == 403 and r.json["error"]["message"].startswith(
        "role 'planner' may not review"
    )
    mine = c.post("/api/projects/uv-b/updates", json=UPDATE, headers=tokens["zhao"]).json[
        "update_id"
    ]
    r = c.post(f"/api/updates/{mine}/approve", headers=tokens["zhao"])
    assert (r.status_code, r.json["error"]["message"]) == (
        403,
        "an update needs a reviewer other than its author",
    )
    assert c.post(f"/api/updates/{uid}/approve", headers=tokens["zhao"]).json["state"] == "approved"
    r = c.post(f"/api/updates/{uid}/approve", headers=tokens["qian"])
    assert (r.status_code, r.json["error"]["code"]) == (409, "conflict")
    r = c.post(f"/api/updates/{mine}/reject", json={"reason": "文号不全"}, headers=tokens["qian"])
    assert (r.json["state"], r.json["reason"]) == ("rejected", "文号不全")
    assert c.get("/api/projects/uv-b").json["status"] == "topped_out"
    assert [u["update_id"] for u in c.get("/api/updates?state=approved").json["updates"]] == [uid]
    assert c.get("/api/updates?state=pending").status_code == 401


def test_invalid_input_says_what_to_fix(app, tokens):
    c = app.test_client()
    r = c.post(
        "/api/projects/uv-b/updates",
        json={**UPDATE, "status": "done", "source_title": ""},
        headers=tokens["wang"],
    )
    assert r.status_code == 400
    assert r.json["error"]["param"] == "status"
    assert (
        "status: must be one of" in r.json["error"]["message"]
        and "source_title: required" in r.json["error"]["message"]
    )
    assert (
        c.post("/api/projects/nope/updates", json=UPDATE, headers=tokens["wang"]).status_code == 404
    )
    assert (
        c.post(
            "/api/projects/uv-b/updates",
            data="[1]",
            content_type="application/json",
            headers=tokens["wang"],
        ).status_code
        == 400
    )
    assert c.get("/api/updates", headers=tokens["wang"]).json == {"updates": []}


def test_multipart_upload_is_kept_and_checked(app, tokens):
    c = app.test_client()
    form = {**UPDATE, "attachment": (io.BytesIO(PDF), "通报.pdf")}
    r = c.post(
        "/api/projects/uv-b/updates",
        data=form,
        headers=tokens["wang"],
        content_type="multipart/form-data",
    )
    assert r.status_code == 201 and r.json["attachment_id"].startswith("a-")
    aid = r.json["attachment_id"]
    assert c.get(f"/attachments/{aid}").status_code == 404  # pending: not public
    got = c.get(f"/attachments/{aid}", headers=tokens["li"])
    assert (got.status_code, got.mimetype, got.data) == (200, "application/pdf", PDF)
    fake = {**UPDATE, "attachment": (io.BytesIO(b"<html><script>x</script>"), "a.pdf")}
    r = c.post(
        "/api/projects/uv-b/updates",
        data=fake,
        headers=tokens["wang"],
        content_type="multipart/form-data",
    )
    assert (
        r.status_code == 400
        and "a.pdf is not a PDF, PNG or JPEG file" in r.json["error"]["message"]
    )
    app.config["MAX_UPLOAD_BYTES"] = 100
    big = {**UPDATE, "attachment": (io.BytesIO(PDF * 10), "big.pdf")}
    r = c.post(
        "/api/projects/uv-b/updates",
        data=big,
        headers=tokens["wang"],
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "at most 0.0 MB" in r.json["error"]["message"]


def test_sign_in_sets_a_safe_cookie_and_forms_need_their_csrf_token(app, tokens):
    c = app.test_client()
    r = sign_in(c, "wang")
    assert r.status_code == 302 and r.headers["Location"] == "/review"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = c.get("/projects/uv-b/record")
    assert page.status_code == 200 and "记录进展" in page.get_data(as_text=True)
    r = c.post("/projects/uv-b/record", data=UPDATE)
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    r = c.post(
        "/projects/uv-b/record", data={**UPDATE, "csrf_token": csrf_of(page.get_data(as_text=True))}
    )
    assert r.status_code == 303 and "recorded=u-" in r.headers["Location"]
    # the API with the session cookie also needs the token (in a header)
    assert c.post("/api/projects/uv-b/updates", json=UPDATE).status_code == 400
    r = c.post(
        "/api/projects/uv-b/updates",
        json=UPDATE,
        headers={"X-CSRFToken": csrf_of(page.get_data(as_text=True))},
    )
    assert r.status_code == 201
    out = csrf_of(c.get("/logout").get_data(as_text=True))
    assert c.post("/logout", data={"csrf_token": out}).status_code == 302
    assert c.get("/projects/uv-b/record").status_code == 401


def test_secure_cookie_is_configurable(tiny):
    from geoapp.web import create_app

    data, layers = tiny
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers),
                      "SESSION_COOKIE_SECURE": True, "SECRET_KEY": "k"})  # fmt: skip
    from geoapp.web.state import get_store

    with app.app_context():
        add_user(get_store(), "wang", "planner", "", "pass-word-123", "admin")
    c = app.test_client()
    assert "Secure" in sign_in(c, "wang").headers["Set-Cookie"]


def test_failed_sign_ins_slow_down_then_lock_with_a_clear_message(app, tokens):
    c = app.test_client()
    for _ in range(4):
        r = sign_in(c, "wang", "wrong-password")
        assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    r = sign_in(c, "wang", "wrong-password")
    assert r.status_code == 429 and "账户已暂时锁定" in r.get_data(as_text=True)
    r = sign_in(c, "wang")  # the right password does not help while locked
    assert r.status_code == 429
    en = c.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in en and "User name" in en
    audit = c.get("/api/audit?action=login.failed", headers=tokens["zhao"]).json["entries"]
    assert len(audit) == 6 and {e["target"] for e in audit} == {"wang"}


def test_single_sign_on_header_only_from_the_trusted_proxy(app, tokens):
    c = app.test_client()
    trusted = {"REMOTE_ADDR": "10.0.0.5"}
    r = c.get("/review", headers={"X-Remote-User": "zhao"}, environ_base=trusted)
    assert r.status_code == 200 and "zhao (reviewer)" in r.get_data(as_text=True)
    r = c.get("/review", headers={"X-Remote-User": "zhao", "Accept": "application/json"})
    assert r.status_code == 401  # the header from anybody else is ignored
    r = c.get(
        "/review",
        headers={"X-Remote-User": "nobody", "Accept": "application/json"},
        environ_base=trusted,
    )
    assert r.status_code == 403 and r.json["error"]["message"] == "no active account 'nobody'"


def test_review_queue_pages_and_audit(app, tokens):
    c = app.test_client()
    uid = c.post("/api/projects/uv-b/updates", json=UPDATE, headers=tokens["wang"]).json[
        "update_id"
    ]
    sign_in(c, "zhao")
    queue = c.get("/review").get_data(as_text=True)
    assert f'id="update-{uid}"' in queue and "待审核" in queue
    r = c.post(f"/review/{uid}", data={"decision": "approve"})
    assert r.status_code == 400  # no CSRF token
    r = c.post(f"/review/{uid}", data={"decision": "approve", "csrf_token": csrf_of(queue)})
    assert r.status_code == 303
    page = c.get("/projects/uv-b").get_data(as_text=True)
    assert "永康市住建局" in page and "规划局 wang" in page and "审核 zhao" in page
    rows = list(
        csv.DictReader(
            io.StringIO(c.get("/audit?format=csv&action=update.").get_data(as_text=True))
        )
    )
    assert [r["action"] for r in rows] == ["update.approved", "update.proposed"]
    assert (
        rows[0]["actor"] == "zhao"
        and '"state": "pending"' in rows[0]["before"]
        and '"state": "approved"' in rows[0]["after"]
    )
    assert c.get("/api/audit", headers=tokens["wang"]).status_code == 403


def test_script_in_note_and_source_title_is_text_everywhere(app, tokens):
    c = app.test_client()
    uid = c.post("/api/projects/uv-b/updates", json=UPDATE, headers=tokens["wang"]).json[
        "update_id"
    ]
    sign_in(c, "zhao")
    pages = ["/projects/uv-b", "/review", "/audit"]
    html = {p: c.get(p).get_data(as_text=True) for p in pages}
    c.post(f"/review/{uid}", data={"decision": "approve", "csrf_token": csrf_of(html["/review"])})
    anon = app.test_client()
    html.update({"after:" + p: anon.get(p).get_data(as_text=True) for p in ("/projects/uv-b", "/")})
    html["after:/review"] = c.get("/review").get_data(as_text=True)
    for where, text in html.items():
        for bad in HOSTILE:
            assert bad not in text, where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html["after:/projects/uv-b"]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html["after:/projects/uv-b"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html["/review"]


def test_an_approved_update_cites_its_own_document_not_a_seed_page(app, tokens):
    c = app.test_client()
    fields = {
        **UPDATE,
        "source_title": "进度通报",
        "note": "",
        "source_url": "https://zjj.example/tb/1",
    }
    uid = c.post("/api/projects/uv-b/updates", json=fields, headers=tokens["wang"]).json[
        "update_id"
    ]
    assert c.post(f"/api/updates/{uid}/approve", headers=tokens["zhao"]).json["state"] == "approved"
    anon = app.test_client()
    page = anon.get("/projects/uv-b").get_data(as_text=True)
    assert '<a href="https://zjj.example/tb/1" rel="noopener noreferrer">' in page
    assert "《进度通报》永康市住建局 2026-11-21" in page
    # the map page fetches its layers, popups included, from the URLs it names
    features = embedded_features(anon.get("/").get_data(as_text=True), anon)
    popup = features["uv-b"]["properties"]["_popup"]
    assert "<a href='https://zjj.example/tb/1' target='_top'>《进度通报》</a>永康市住建局" in popup
    for html in (page, popup):
        assert "/sources/update:" not in html  # the seed-article page does not exist for an update
    assert anon.get("/sources/update:" + uid).status_code == 404


ROOT_PATH = re.compile(r"""(?:href|src)=\\?["'](/[^"'\\]*)""")


def test_every_link_of_the_map_pages_keeps_the_prefix_the_app_is_mounted_under(app):
    """Behind a proxy at /plan, 记录进展 and every other link of the map pages stay under /plan."""
    c = app.test_client()
    base = "http://localhost/plan"
    token = csrf_of(c.get("/login", base_url=base).get_data(as_text=True))
    with app.app_context():
        from geoapp.web.state import get_store

        add_user(get_store(), "wang", "planner", "规划局", "pass-word-123", "admin")
    r = c.post("/login", base_url=base,
               data={"name": "wang", "password": "pass-word-123", "csrf_token": token, "next": "/"})  # fmt: skip
    assert r.status_code in (302, 303)
    project = c.get("/projects/uv-b", base_url=base).get_data(as_text=True)
    assert 'href="/plan/projects/uv-b/record?lang=zh"' in project
    assert c.get("/plan/projects/uv-b/record", base_url="http://localhost").status_code == 404
    assert c.get("/projects/uv-b/record", base_url=base).status_code == 200
    pages = ["/", "/?lang=en", "/projects/uv-b", "/progress", "/embed?layers=urban_villages"]
    for path in pages:
        html = c.get(path, base_url=base).get_data(as_text=True)
        links = ROOT_PATH.findall(html)
        assert links and [u for u in links if not u.startswith("/plan/")] == [], path
    full = c.get("/", base_url=base).get_data(as_text=True)
    specs = layer_specs(full)
    assert specs and all(s["url"].startswith("/plan/map/layers/") for s in specs)
    popups = [
        f["properties"]["_popup"]
        for s in specs
        for f in c.get(s["url"].removeprefix("/plan"), base_url=base).get_json()["features"]
    ]
    assert any("href='/plan/projects/uv-b/record?lang=zh'" in p for p in popups)


def _multipart(form: dict) -> dict:
    """A multipart body in memory (the test client spools large ones to a file it leaves open)."""
    boundary, body = encode_multipart(form)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_a_planner_attaches_a_scan_of_several_megabytes(app, tokens):
    """记录进展 takes attachments up to MAX_UPLOAD_BYTES (10 MiB), in the browser form and through
    the API: the CSRF check reads the body before the view, so the limit is set before it."""
    scan = PDF[:-6] + b"0" * (3 * 1024 * 1024) + PDF[-6:]  # a 3 MiB PDF
    c = app.test_client()
    sign_in(c, "wang")
    page = c.get("/projects/uv-b/record").get_data(as_text=True)
    form = {
        **UPDATE,
        "csrf_token": csrf_of(page),
        "attachment": FileStorage(io.BytesIO(scan), "扫描件.pdf"),
    }
    r = c.post("/projects/uv-b/record", **_multipart(form))
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    form = {**UPDATE, "attachment": FileStorage(io.BytesIO(scan), "scan.pdf")}
    r = c.post("/api/projects/uv-b/updates", headers=tokens["li"], **_multipart(form))
    assert r.status_code == 201
    pending = c.get("/api/updates?state=pending", headers=tokens["zhao"]).json["updates"]
    ids = [u["attachment_id"] for u in pending]
    assert len(ids) == 2 and all(ids)
    for aid in ids:
        assert c.get(f"/attachments/{aid}", headers=tokens["zhao"]).data == scan
    # 21 MiB of body, sent as bytes: the server refuses it by its length, before reading it
    too_big = dict(data=b"0" * (21 * 1024 * 1024), content_type="multipart/form-data; boundary=x")
    r = c.post("/projects/uv-b/record", headers={"Accept": "text/html"}, **too_big)
    assert r.status_code == 413 and "上传内容过大" in r.get_data(as_text=True)
    r = c.post("/api/projects/uv-b/updates", headers=tokens["li"], **too_big)
    assert r.status_code == 413 and r.json["error"]["message"] == (
        "request body too large (the limit is 20.2 MB)"
    )


def test_every_link_and_form_of_the_workspace_keeps_the_prefix(app):
    """Behind a proxy at /plan, the workspace pages (record, review, audit, import, sign-in and
    out) link and post under /plan too."""
    c = app.test_client()
    base = "http://localhost/plan"
    with app.app_context():
        from geoapp.web.state import get_store

        add_user(get_store(), "zhou", "admin", "规划局", "pass-word-123", "admin")
    login = c.get("/login", base_url=base).get_data(as_text=True)
    targets = re.compile(r"""(?:href|src|action)=["'](/[^"']*)""")
    assert [u for u in targets.findall(login) if not u.startswith("/plan/")] == []
    r = c.post("/login", base_url=base, data={"name": "zhou", "password": "pass-word-123",
               "csrf_token": csrf_of(login), "next": "/"})  # fmt: skip
    assert r.status_code in (302, 303)
    for path in ["/projects/uv-b/record", "/review", "/audit", "/import", "/logout"]:
        page = c.get(path, base_url=base)
        assert page.status_code == 200, path
        urls = targets.findall(page.get_data(as_text=True))
        assert urls and [u for u in urls if not u.startswith("/plan/")] == [], path
