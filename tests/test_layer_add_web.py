"""新增图层 on the web, as GIS staff use it: upload a GeoPackage, read the proposed definition,
edit its title, add it; and what a planner, a bad id, an edited id, a file outside the city and
a hostile title get. The browser test does the whole flow in chromium."""

from __future__ import annotations

import html
import io
import re

import pyogrio
import pytest
import shapely
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from geoapp.store.audit import list_audit
from tests.conftest import serving, write_parcels_gpkg
from tests.test_gis_import import csrf_of, gis_app, signed_in

PASSWORD = "pass-word-123"


@pytest.fixture
def app(tiny, tmp_path):
    return gis_app(tiny, tmp_path)


@pytest.fixture
def gpkg(tiny, tmp_path):
    return write_parcels_gpkg(tiny[0], tmp_path / "kg_parcels.gpkg")


def send(client, path, lang="zh", **fields):
    values = {"layer_id": "parcels", "title_zh": "控规地块", "title_en": "Regulatory parcels",
              "src_crs": "", "encoding": "", "accuracy": "approximate",
              "location_confidence": "medium", "source": "", **fields}  # fmt: skip
    token = csrf_of(client.get(f"/layers/new?lang={lang}").get_data(as_text=True))
    form = {"csrf_token": token, **values,
            "file": FileStorage(io.BytesIO(path.read_bytes()), path.name)}  # fmt: skip
    body, length, boundary = stream_encode_multipart(form, use_tempfile=False)
    return client.post(f"/layers/new?lang={lang}", input_stream=body, content_length=length,
                       content_type=f'multipart/form-data; boundary="{boundary}"')  # fmt: skip


def definition_of(page: str) -> str:
    return html.unescape(re.search(r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>',
                                   page, re.S).group(1))  # fmt: skip


def test_gis_staff_add_a_layer_with_an_edited_title(app, gpkg):
    client = signed_in(app, "li")
    answer = send(client, gpkg)
    assert answer.status_code == 303
    review = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert '<strong class="gp-count">40</strong>' in review
    assert "reprojected from EPSG:4549 to WGS84" in review
    assert "<td><code>land_use</code></td><td>str</td>" in review
    assert "A, B, G, M, R" in review
    definition = definition_of(review)
    assert 'title = { zh = "控规地块", en = "Regulatory parcels" }' in definition
    token = csrf_of(review)
    edited = definition.replace('zh = "控规地块"', 'zh = "控规地块（2024版）"', 1)
    done = client.post(answer.headers["Location"].split("?")[0] + "/add",
                       data={"csrf_token": token, "definition": edited})  # fmt: skip
    assert done.status_code == 303, done.get_data(as_text=True)
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已添加图层" in page and "40 个要素已在一次事务中写入数据库" in page
    layers = {lyr["id"]: lyr for lyr in client.get("/api/layers").json["layers"]}
    assert layers["parcels"]["title"]["zh"] == "控规地块（2024版）"
    assert client.get("/ogc/collections/parcels/items?f=json").json["numberMatched"] == 40
    assert "控规地块（2024版）" in client.get("/").get_data(as_text=True)
    from geoapp.web.state import get_store

    with app.app_context():
        [entry] = list_audit(get_store(), action="layer.added")
    assert (entry["actor"], entry["target"], entry["after"]["features"]) == ("li", "parcels", 40)
    assert entry["after"]["definition"] == edited
    again = client.post(done.headers["Location"].split("?")[0] + "/add", data={"csrf_token": token})
    assert again.status_code == 303  # added once: the page shows what was added


def test_a_planner_may_not_and_bad_forms_say_why(app, gpkg):
    form = signed_in(app, "li").get("/layers/new").get_data(as_text=True)
    assert '<option value="schematic" selected>示意</option>' in form  # labels in zh, codes sent
    assert '<option value="unknown">位置未核实</option>' in form
    planner = signed_in(app, "zhou")
    refused = planner.get("/layers/new")
    assert refused.status_code == 403
    record = planner.get("/projects/uv-a/record")
    assert record.status_code == 200 and "新增图层" not in record.get_data(as_text=True)
    client = signed_in(app, "li")
    bad = send(client, gpkg, layer_id="地块")
    assert bad.status_code == 400
    assert "图层标识只能用小写字母、数字、- 和 _" in bad.get_data(as_text=True)
    bad_en = send(client, gpkg, lang="en", title_en="")
    assert bad_en.status_code == 400
    assert "give the layer&#39;s Chinese and English titles" in bad_en.get_data(as_text=True)
    taken = send(client, gpkg, layer_id="parks")
    page = client.get(taken.headers["Location"]).get_data(as_text=True)
    assert "a layer &#39;parks&#39; exists already" in page


def test_an_edited_id_or_a_feature_outside_the_city_writes_nothing(app, gpkg, tmp_path):
    client = signed_in(app, "li")
    answer = send(client, gpkg)
    review = client.get(answer.headers["Location"]).get_data(as_text=True)
    moved = definition_of(review).replace('id = "parcels"', 'id = "other"', 1)
    bad = client.post(answer.headers["Location"].split("?")[0] + "/add",
                      data={"csrf_token": csrf_of(review), "definition": moved})  # fmt: skip
    assert bad.status_code == 400
    assert "图层定义的 id 必须是 parcels" in bad.get_data(as_text=True)
    gdf = pyogrio.read_dataframe(gpkg)
    gdf.loc[3, "geometry"] = shapely.affinity.translate(gdf.geometry[3], xoff=90_000)
    outside = tmp_path / "outside.gpkg"
    pyogrio.write_dataframe(gdf, outside)
    answer = send(client, outside)
    review = client.get(answer.headers["Location"]).get_data(as_text=True)
    failed = client.post(answer.headers["Location"].split("?")[0] + "/add",
                         data={"csrf_token": csrf_of(review)})  # fmt: skip
    assert failed.status_code == 400
    text = failed.get_data(as_text=True)
    assert "parcels.geojson: feature &#39;parcels-000004&#39;: lies outside Yongkang" in text
    assert "parcels" not in [lyr["id"] for lyr in client.get("/api/layers").json["layers"]]
    from geoapp.web.state import get_store

    with app.app_context():
        assert list_audit(get_store(), action="layer.") == []


def test_a_hostile_title_is_shown_as_text(app, gpkg):
    client = signed_in(app, "li")
    answer = send(client, gpkg, title_zh="<script>alert(1)</script>")
    review = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in review
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in review


@pytest.mark.browser
def test_adding_a_layer_in_the_browser(browser, app, gpkg):
    with serving(app) as base:
        page = browser.new_context().new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/login")
        page.fill("#name", "li")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{base}/import")
        page.click("nav >> text=新增图层")
        page.set_input_files("#f-file", str(gpkg))
        page.fill("#f-id", "parcels")
        page.fill("#f-zh", "控规地块")
        page.fill("#f-en", "Regulatory parcels")
        page.click("button[type=submit]")
        assert page.inner_text(".gp-count") == "40"
        text = re.sub(
            r'(?m)^color = "#[0-9a-f]{6}"$', 'color = "#e53935"', page.input_value("#f-def")
        )
        page.fill("#f-def", text)
        page.click("text=添加图层")
        assert "已添加图层" in page.inner_text("h1")
        page.click("text=在地图上查看")
        page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
        drawn = page.evaluate(
            "window.GeoappPlanMap.entries.filter(e => e.id === 'parcels').map(e => e.items.length)"
        )
        assert drawn == [40]
        colours = page.evaluate(
            "[...document.querySelectorAll('path.leaflet-interactive')]"
            ".map(p => p.getAttribute('stroke'))"
        )
        assert colours.count("#e53935") == 40, sorted(set(colours))
        assert errors == []
