"""The web import (导入修正) as GIS staff use it: download, correct with GDAL, upload, read the diff,
resolve a conflict, apply; and what a planner, a broken file, a wrong CRS and a zip bomb get."""

from __future__ import annotations

import html
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pyogrio
import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from geoapp.catalog import JOIN_COLUMNS
from geoapp.store.accounts import add_user, create_token
from geoapp.store.layers import layer_stamps
from tests.test_import_versions import edit  # the GIS colleague's edit in GDAL

LAYER = "urban_villages"
PASSWORD = "pass-word-123"


@pytest.fixture
def app(tiny, tmp_path):
    return gis_app(tiny, tmp_path)


def gis_app(tiny, tmp_path):
    """The app over the tiny dataset with GIS staff li and wang, planner zhou, reviewer zhao."""
    from geoapp.web import create_app

    data, layers = tiny
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "LAYERS_DIR": str(layers),
                      "BASEMAP": "none", "LOGIN_SLOWDOWN_SECONDS": 0,
                      "IMPORT_PENDING_DIR": str(tmp_path / "pending")})  # fmt: skip
    from geoapp.web.state import get_store

    with app.app_context():
        for name, role in (
            ("li", "gis"),
            ("wang", "gis"),
            ("zhou", "planner"),
            ("zhao", "reviewer"),
        ):
            add_user(get_store(), name, role, "自然资源和规划局", PASSWORD, "admin")
    return app


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(app, name: str):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def download(client, tmp_path: Path, name: str) -> Path:
    """The layer as GeoPackage in EPSG:4549, downloaded as a browser would."""
    answer = client.get(f"/export/{LAYER}.gpkg?crs=EPSG:4549")
    assert answer.status_code == 200
    path = tmp_path / name
    path.write_bytes(answer.data)
    return path


def upload(client, path: Path, layer: str = LAYER, src_crs: str = "", lang: str = "zh",
           name: str | None = None):  # fmt: skip
    """Send a file through the upload form (the body in memory: the test client would leave a
    temporary file open for a large one)."""
    token = csrf_of(client.get(f"/import?lang={lang}").get_data(as_text=True))
    fields = {"csrf_token": token, "layer": layer, "src_crs": src_crs, "encoding": "",
              "file": FileStorage(io.BytesIO(path.read_bytes()), name or path.name)}  # fmt: skip
    body, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    return client.post(f"/import?lang={lang}", input_stream=body, content_length=length,
                       content_type=f'multipart/form-data; boundary="{boundary}"')  # fmt: skip


class Table(HTMLParser):
    """The diff table's body rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.inside = self.cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.rows[-1].append("")
            self.cell = True
        elif self.cell and tag in ("br", "div"):
            self.rows[-1][-1] += " "

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.inside = False
        elif tag == "td":
            self.cell = False

    def handle_data(self, data):
        if self.inside and self.cell:
            self.rows[-1][-1] += data


def table(html: str) -> list[list[str]]:
    parser = Table()
    parser.feed(html)
    return [[" ".join(c.split()) for c in row] for row in parser.rows]


def apply_form(client, page: str, url: str, **choices):
    """Submit the Apply form of a diff page with a choice per conflict."""
    form = {"csrf_token": csrf_of(page), "seen": re.search(r'name="seen" value="(\w+)"', page)[1]}
    form.update({f"choice-{fid}": choice for fid, choice in choices.items()})
    return client.post(f"{url}/apply", data=form)


def stamps(app) -> dict:
    from geoapp.web.state import get_store

    with app.app_context():
        return {
            k: (s.version, s.updated_by)
            for k, s in layer_stamps(get_store(), LAYER).current.items()
        }


def test_gis_staff_correct_a_layer_and_resolve_a_conflict(app, tmp_path):
    li, wang = signed_in(app, "li"), signed_in(app, "wang")
    assert '<a href="/import?lang=zh">导入修正</a>' in li.get("/import").get_data(as_text=True)
    mine_v1 = download(li, tmp_path, "li_v1.gpkg")
    # 王工 corrects 乙村区块 from a survey and sends it back first
    fixed = edit(download(wang, tmp_path, "wang_v1.gpkg"), tmp_path / "wang.gpkg", {"uv-b": 40},
                 uv_b={"accuracy": "surveyed", "geometry_source": "2024 测绘"})  # fmt: skip
    answer = upload(wang, fixed)
    assert answer.status_code == 303
    url = answer.headers["Location"].split("?")[0]
    page = wang.get(url).get_data(as_text=True)
    assert table(page) == [
        ["uv-b 乙村区块", "修改", "40.0",
         "accuracy: schematic → surveyed geometry_source: 测试 / test → 2024 测绘",
         "schematic → surveyed", "", ""],
    ]  # fmt: skip
    done = apply_form(wang, page, url)
    assert done.status_code == 303
    assert "已导入" in wang.get(url).get_data(as_text=True)
    assert stamps(app)["uv-b"] == (2, "wang")

    # 李工 still has the first download: he renames 甲村区块 in English, and his file also holds
    # the old shape of 乙村区块
    mine = edit(mine_v1, tmp_path / "li.gpkg", uv_a={"name_en": "Block A (north)"})
    answer = upload(li, mine)
    url = answer.headers["Location"].split("?")[0]
    page = li.get(url).get_data(as_text=True)
    rows = table(page)
    assert rows[1] == [
        "uv-a 甲村区块",
        "修改",
        "",
        "name_en: Uv A → Block A (north)",
        "schematic → schematic",
        "",
        "",
    ]
    assert rows[0][:5] == [
        "uv-b 乙村区块", "修改", "40.0",
        "accuracy: surveyed → schematic geometry_source: 2024 测绘 → 测试 / test",
        "surveyed → schematic",
    ]  # fmt: skip
    assert rows[0][5].startswith("moved 40.0 m but its accuracy is still 'schematic'")
    assert rows[0][6].startswith("您下载后已被修改: 版本 2, ") and ", wang " in rows[0][6]
    assert "feature 'uv-b': changed in version 2 (" in rows[0][6]
    assert 'name="choice-uv-b" value="keep" checked' in page
    assert "stroke-dasharray" not in page and '"dashArray": "6 5"' in page  # before: dashed

    # applying without a choice is refused; taking mine overwrites 王工's survey on purpose
    form = {"csrf_token": csrf_of(page), "seen": re.search(r'name="seen" value="(\w+)"', page)[1]}
    missing = li.post(f"{url}/apply", data=form)
    assert missing.status_code == 400 and "请为每个冲突选择: uv-b" in missing.get_data(as_text=True)
    assert apply_form(li, page, url, **{"uv-b": "take"}).status_code == 303
    result = li.get(url).get_data(as_text=True)
    assert "<th>冲突：采用我的</th><td>uv-b</td>" in result
    assert "<th>修改</th><td>uv-a, uv-b</td>" in result
    assert stamps(app) == {"uv-a": (2, "li"), "uv-b": (3, "li")}

    # the audit trail (a reviewer's token) has both imports, by their authors
    with app.app_context():
        from geoapp.web.state import get_store

        token = create_token(get_store(), "zhao", "admin")[1]
    entries = (
        app.test_client()
        .get("/api/audit?action=import.applied", headers={"Authorization": f"Bearer {token}"})
        .json["entries"]
    )
    assert [(e["actor"], e["target"], e["after"]["changed"], e["after"]["forced"],
             e["after"]["file"]) for e in entries] == [
        ("li", LAYER, ["uv-a", "uv-b"], ["uv-b"], "li.gpkg"),
        ("wang", LAYER, ["uv-b"], [], "wang.gpkg"),
    ]  # fmt: skip
    served = li.get(f"/api/layers/{LAYER}?limit=10").json["features"]
    assert {f["id"]: f["properties"]["version"] for f in served} == {"uv-a": 2, "uv-b": 3}


def test_keep_theirs_leaves_the_colleagues_change(app, tmp_path):
    li, wang = signed_in(app, "li"), signed_in(app, "wang")
    mine_v1 = download(li, tmp_path, "li_v1.gpkg")
    fixed = edit(mine_v1, tmp_path / "wang.gpkg", uv_b={"name": "乙村区块（二期）"})
    url = upload(wang, fixed).headers["Location"].split("?")[0]
    apply_form(wang, wang.get(url).get_data(as_text=True), url)
    mine = edit(mine_v1, tmp_path / "li.gpkg", uv_a={"name": "甲村区块（北）"})
    url = upload(li, mine).headers["Location"].split("?")[0]
    page = li.get(url).get_data(as_text=True)
    assert apply_form(li, page, url, **{"uv-b": "keep"}).status_code == 303
    names = {
        f["id"]: f["properties"]["name"] for f in li.get(f"/api/layers/{LAYER}").json["features"]
    }
    assert names == {"uv-a": "甲村区块（北）", "uv-b": "乙村区块（二期）"}
    assert stamps(app) == {"uv-a": (2, "li"), "uv-b": (2, "wang")}


def test_a_page_drawn_before_a_colleagues_import_cannot_apply(app, tmp_path):
    li, wang = signed_in(app, "li"), signed_in(app, "wang")
    v1 = download(li, tmp_path, "v1.gpkg")
    url = upload(li, edit(v1, tmp_path / "li.gpkg", uv_a={"name": "甲"})).headers["Location"]
    url = url.split("?")[0]
    page = li.get(url).get_data(as_text=True)
    other = upload(wang, edit(v1, tmp_path / "w.gpkg", uv_b={"name": "乙"})).headers["Location"]
    other = other.split("?")[0]
    apply_form(wang, wang.get(other).get_data(as_text=True), other)
    late = apply_form(li, page, url)
    assert late.status_code == 409
    assert "图层或文件在您查看后已变化，请重新核对差异" in late.get_data(as_text=True)
    assert stamps(app)["uv-a"] == (1, "system")


def test_a_planner_may_not_import(app, tmp_path):
    zhou = signed_in(app, "zhou")
    assert zhou.get("/import").status_code == 403
    assert "导入修正" not in zhou.get("/projects/uv-a/record").get_data(as_text=True)
    li = signed_in(app, "li")
    url = upload(li, download(li, tmp_path, "v1.gpkg")).headers["Location"].split("?")[0]
    assert zhou.get(url).status_code == 403  # nor see another's upload
    anonymous = app.test_client().get("/import", headers={"Accept": "text/html"})
    assert (
        anonymous.status_code == 302
        and anonymous.headers["Location"] == "/login?lang=zh&next=/import"
    )
    other_gis = signed_in(app, "wang")
    assert other_gis.get(url).status_code == 404  # an upload is bound to who made it


def test_every_post_needs_the_csrf_token(app, tmp_path):
    li = signed_in(app, "li")
    path = download(li, tmp_path, "v1.gpkg")
    answer = li.post("/import", data={"layer": LAYER, "file": (io.BytesIO(path.read_bytes()), "a.gpkg")},
                     content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 400 and "CSRF" in answer.get_data(as_text=True)


def test_a_malformed_file_names_the_file(app, tmp_path):
    li = signed_in(app, "li")
    bad = tmp_path / "broken<b>.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    url = upload(li, bad).headers["Location"].split("?")[0]
    page = li.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "<h1>无法导入 broken_b_.geojson</h1>" in text  # the kept name, escaped by design
    assert "broken_b_.geojson" in re.search(r'role="alert">([^<]*)<', text)[1]
    assert "<b>" not in text


def test_an_unclosed_ring_names_the_feature(app, tmp_path):
    li = signed_in(app, "li")
    path = tmp_path / "ring.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": '
        '"uv-a", "name": "甲村区块", "accuracy": "schematic", "location_confidence": "low", '
        '"geometry_source": "t"}, "geometry": {"type": "Polygon", "coordinates": [[[120.04, '
        "28.89], [120.042, 28.89], [120.042, 28.892], [120.04, 28.892]]]}}]}",
        "utf-8",
    )
    url = upload(li, path).headers["Location"].split("?")[0]
    answer = li.get(url + "?lang=en")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "<h1>Cannot import ring.geojson</h1>" in text
    assert "ring.geojson: feature 'uv-a': broken geometry" in html.unescape(text)


def test_a_wrong_crs_is_named_and_can_be_changed(app, tmp_path):
    li = signed_in(app, "li")
    v1 = download(li, tmp_path, "v1.gpkg")
    gdf = pyogrio.read_dataframe(v1, layer=LAYER).drop(columns=JOIN_COLUMNS)
    gdf = gdf.rename(columns=lambda c: c[:10])  # as GDAL cuts them
    shp = tmp_path / "villages.shp"
    pyogrio.write_dataframe(gdf, shp)
    shp.with_suffix(".prj").unlink()  # as some tools leave it
    archive = tmp_path / "villages.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("villages.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    url = upload(li, archive, src_crs="EPSG:4326").headers["Location"].split("?")[0]
    page = li.get(url + "?lang=en")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "<h1>Cannot import villages.zip</h1>" in text
    assert (
        "villages.zip: feature 'uv-a' and 1 other feature(s): coordinates (503902, 3197078) are "
        "metres but EPSG:4326 is degrees; say --src-crs EPSG:4549"
    ) in html.unescape(text)
    token = csrf_of(text)
    fixed = li.post(f"{url}/options?lang=en", data={"csrf_token": token, "layer": LAYER,
                                                   "src_crs": "EPSG:4549", "encoding": ""})  # fmt: skip
    assert fixed.status_code == 303
    page = li.get(url + "?lang=en").get_data(as_text=True)
    assert "unchanged 2" in page and "The file is the same as the current data" in page


def test_an_oversized_zip_is_refused_before_extraction(app, tmp_path):
    app.config["IMPORT_MAX_BYTES"] = 2 * 1024 * 1024
    li = signed_in(app, "li")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("villages.geojson", b" " * (8 * 1024 * 1024))
    assert bomb.stat().st_size < 64 * 1024
    url = upload(li, bomb).headers["Location"].split("?")[0]
    answer = li.get(url)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 413
    assert "<h1>无法导入 bomb.zip</h1>" in text
    assert "bomb.zip: 8.0 MiB uncompressed, more than the import limit of 2.0 MiB" in text
    big = tmp_path / "big.geojson"
    big.write_bytes(b" " * (3 * 1024 * 1024 + 10))
    answer = upload(li, big)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 413 and "<h1>无法导入 </h1>" in text
    assert "the upload is larger than the import limit of 2.0 MiB (IMPORT_MAX_BYTES)" in text
    small = tmp_path / "small.geojson"  # over MAX_CONTENT_LENGTH, within the import limit
    small.write_text(" " * (1536 * 1024))
    answer = upload(li, small)
    assert answer.status_code == 303


def test_english_pages(app, tmp_path):
    li = signed_in(app, "li")
    page = li.get("/import?lang=en").get_data(as_text=True)
    assert "<h1>Import corrections</h1>" in page and 'lang="en"' in page
    v1 = download(li, tmp_path, "v1.gpkg")
    url = upload(li, edit(v1, tmp_path / "e.gpkg", uv_a={"name": "甲"}), lang="en").headers[
        "Location"
    ]
    page = li.get(url).get_data(as_text=True)
    assert "<h1>Import differences: e.gpkg</h1>" in page and "<th>Moved (m)</th>" in page
    assert table(page) == [
        ["uv-a 甲", "changed", "", "name: 甲村区块 → 甲", "schematic → schematic", "", ""]
    ]
