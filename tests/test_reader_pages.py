"""Every page as a reader meets it in a real browser: no script error, no markup shown as text,
controls in the page language, pinch zoom allowed, and an embed inside an article on a phone
(one finger scrolls the article, two fingers move the map)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import html_page, serving

pytestmark = pytest.mark.browser

UV = "uv-dongku,uv-xishantou,uv-zhoutang,uv-yingjia,uv-shanheli,uv-xumatou,uv-huangtang"
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}


def _pages(bundled) -> list[str]:
    """Every kind of page, each project page included, in both languages where it matters."""
    projects = [f"/projects/{pid}" for pid in sorted(bundled.projects)]
    return [
        "/",
        "/?lang=en",
        "/progress",
        "/progress?lang=en",
        "/embed/builder",
        "/embed/builder?lang=en",
        f"/embed?projects={UV}&title=城中村改造区块",
        "/embed?layers=ring_roads&lang=en&dark=true",
        "/embed?layers=parks&static=true",
        *projects,
        *(p + "?lang=en" for p in projects[:3]),
    ]


def _record(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_every_page_loads_without_error_or_visible_markup(browser, live_server, bundled):
    unplaced = [pid for pid, p in bundled.projects.items() if not p["feature_ids"]]
    assert len(unplaced) >= 13  # the pages that used to show their HTML as text are covered
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = _record(page)
    bad = {}
    for path in _pages(bundled):
        errors.clear()
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        text = page.inner_text("body")
        problems = [*errors]
        if "<" in text or "&lt;" in text or "&amp;" in text:
            problems.append("markup shown as text: " + text[max(0, text.find("<") - 40) :][:120])
        if path.startswith("/projects/") and page.locator("h1").count() != 1:
            problems.append("no heading")
        if problems:
            bad[path] = problems
    page.close()
    assert bad == {}


def test_pinch_zoom_is_allowed_and_controls_speak_the_page_language(browser, live_server):
    page = browser.new_page(**PHONE)
    errors = _record(page)
    for path, zoom_in, layers in (("/", "放大", "图层"), ("/?lang=en", "Zoom in", "Layers")):
        page.goto(live_server + path)
        page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
        viewports = page.eval_on_selector_all("meta[name=viewport]", "ms => ms.map(m => m.content)")
        assert viewports == ["width=device-width, initial-scale=1"]
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == zoom_in
        assert page.get_attribute(".leaflet-control-layers-toggle", "title") == layers
        assert page.get_attribute(".folium-map", "role") == "region"
        assert page.get_attribute(".folium-map", "aria-label").endswith(
            "永康规划一张图" if path == "/" else "Yongkang Planning Map"
        )
    assert errors == []
    page.close()


@pytest.fixture
def article(live_server) -> Iterator[str]:
    """A long news article on its own 127.0.0.1 origin with our embed in the middle."""
    para = "<p>" + "报道正文，" * 120 + "</p>"
    html = f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><body style="margin:0">{para}
<iframe id="map" src="{live_server}/embed?projects={UV}&title=城中村改造区块&basemap=none"
 data-geoapp-embed style="width:375px;height:420px;border:0"></iframe>{para}{para}{para}
<script src="{live_server}/static/js/embed-resize.js" async></script></body></html>"""

    with serving(html_page(html)) as url:
        yield url + "/"


MAP_CENTRE = """() => { for (const k in window) { const v = window[k];
  if (v instanceof L.Map) { const c = v.getCenter(); return [c.lat, c.lng]; } } }"""


def _drag(cdp, starts: list[tuple[float, float]], dy: float, steps: int = 12) -> None:
    """Touch the screen with len(starts) fingers and move them all up by dy px."""

    def points(k):
        return [
            {"x": x, "y": y - dy * k / steps, "id": i, "radiusX": 2, "radiusY": 2}
            for i, (x, y) in enumerate(starts)
        ]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points(0)})
    for k in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points(k)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_one_finger_scrolls_the_article_two_fingers_move_the_map(browser, article):
    page = browser.new_page(**PHONE)
    errors = _record(page)
    page.goto(article)
    frame = page.frame_locator("#map")
    frame.locator(".folium-map").wait_for()
    inner = page.frames[1]
    inner.wait_for_load_state("load")
    inner.wait_for_function(
        "() => Object.values(window).some(v => v instanceof L.Map && !v._animatingZoom && v._loaded)"
        " && !document.querySelector('.leaflet-zoom-anim')"
    )
    handler = "() => Object.values(window).find(v => v instanceof L.Map).gestureHandling.enabled()"
    assert inner.evaluate(handler) is True
    page.evaluate("document.getElementById('map').scrollIntoView({block: 'center'})")
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before_scroll, before_centre = page.evaluate("window.scrollY"), inner.evaluate(MAP_CENTRE)
    cdp = page.context.new_cdp_session(page)

    _drag(cdp, [(x, y)], 150)  # one finger over the map
    page.wait_for_timeout(400)
    assert page.evaluate("window.scrollY") > before_scroll + 100  # the article scrolled
    assert inner.evaluate(MAP_CENTRE) == before_centre  # the map stayed put

    page.wait_for_timeout(1000)  # the article's fling comes to rest
    page.evaluate("document.getElementById('map').scrollIntoView({block: 'center'})")
    page.wait_for_timeout(200)
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    scroll = page.evaluate("window.scrollY")
    _drag(cdp, [(x - 40, y + 40), (x + 40, y + 40)], 120)  # two fingers
    page.wait_for_timeout(600)
    after = inner.evaluate(MAP_CENTRE)
    assert after[0] < before_centre[0] - 0.001  # dragging up moves the view south
    assert abs(page.evaluate("window.scrollY") - scroll) < 5  # the article did not move
    assert errors == []
    page.close()


FEATURE_STYLE = """(fid) => {
  const f = window.GeoappPlanMap.entries.flatMap(e => e.items).find(f => f.feature.properties.id === fid);
  const p = f._path;
  return [p.getAttribute('stroke'), p.getAttribute('stroke-dasharray'), p.getAttribute('fill-opacity')];
}"""


def test_colour_by_status_target_or_overdue(browser, live_server, bundled):
    from geoapp.status import MAP_BACKGROUND, OVERDUE_COLOR, STATUS

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = _record(page)
    page.goto(live_server + "/")
    page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
    bg = page.evaluate("getComputedStyle(document.querySelector('.folium-map')).backgroundColor")
    light = MAP_BACKGROUND["light"]
    assert bg == "rgb({}, {}, {})".format(*(int(light[i : i + 2], 16) for i in (1, 3, 5)))
    planned = STATUS["planned"].color
    # 东库区块: named in a plan (planned), target 2020 结顶 (topped out), overdue; 东永一线 is not
    # overdue (its target year has not come)
    assert page.evaluate(FEATURE_STYLE, "uv-dongku")[0] == planned
    page.select_option(".gp-mode", "target")
    stroke, dash, fill = page.evaluate(FEATURE_STYLE, "uv-dongku")
    assert (stroke, dash, fill) == (STATUS["topped_out"].color, "6 4", "0")
    assert page.is_visible(".gp-legend-kind >> text=虚线轮廓：规划目标（非完成）")
    page.select_option(".gp-mode", "overdue")
    assert page.evaluate(FEATURE_STYLE, "uv-dongku")[0] == OVERDUE_COLOR
    assert page.is_visible(".gp-legend-overdue >> text=逾期未见完成报道")
    assert not page.is_visible(".gp-legend-status")
    page.select_option(".gp-mode", "status")
    assert page.evaluate(FEATURE_STYLE, "uv-dongku") == [planned, "6 5", "0.25"]  # unverified
    assert errors == []
    page.close()


def _hex(css: str) -> str:
    r, g, b = (int(x) for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.mark.parametrize("dark", ["false", "true"])
def test_embed_text_is_readable_light_and_dark(browser, live_server, dark):
    from geoapp.status import MAP_BACKGROUND, contrast_ratio

    page = browser.new_page(**PHONE)
    page.goto(f"{live_server}/embed?projects={UV}&title=城中村&dark={dark}")
    page.wait_for_selector(".folium-map")
    colours = page.evaluate(
        """() => { const s = e => getComputedStyle(document.querySelector(e));
        return [s('body').backgroundColor, s('.folium-map').backgroundColor, s('h1').color,
                s('.gp-embed-note').color, s('.gp-embed-note a').color]; }"""
    )
    body, map_bg, title, note, link = (_hex(c) for c in colours)
    assert map_bg == MAP_BACKGROUND["dark" if dark == "true" else "light"]
    for text in (title, note, link):
        assert contrast_ratio(text, body) >= 4.5, (text, body)
    page.close()


LABELS = """() => Array.from(document.querySelectorAll('.gp-label')).map(e => {
  const b = e.getBoundingClientRect();
  return {id: e.dataset.feature, text: e.textContent, box: [b.left, b.top, b.right, b.bottom]};
})"""


def _overlaps(labels: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
            if l1 < r2 and l2 < r1 and t1 < b2 and t2 < b1:
                out.append((a["id"], b["id"]))
    return out


@pytest.mark.parametrize(("lang", "size"), [("zh", (1280, 900)), ("en", (375, 667))])
def test_labels_at_city_zoom_for_every_layer_without_overlap(
    browser, live_server, bundled, lang, size
):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors = _record(page)
    page.goto(f"{live_server}/?lang={lang}")
    page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
    page.wait_for_function("() => !window.GeoappPlanMap.map._animatingZoom")
    page.wait_for_function("() => +document.querySelector('.folium-map').dataset.labels > 0")
    if size[0] < 600:  # a phone at city zoom: zoom in one step, as a reader would
        page.evaluate("window.GeoappPlanMap.map.zoomIn(1, {animate: false})")
        page.wait_for_timeout(200)
    labels = page.evaluate(LABELS)
    layer_of = {fid: lid for lid, gdf in bundled.layers.items() for fid in gdf["id"]}
    labelled = {layer_of[lab["id"]] for lab in labels}
    expected = set(bundled.layers) - {"boundary"}
    if size[0] >= 600:
        assert labelled == expected
    else:
        assert len(labelled) >= 4
    assert _overlaps(labels) == []
    names = {fid: (r["name_en"] if lang == "en" else r["name"])
             for gdf in bundled.layers.values() for r in gdf.to_dict("records") for fid in [r["id"]]}  # fmt: skip
    assert all(lab["text"] == names[lab["id"]] for lab in labels)
    # switching a layer's labels off removes them; the others stay apart
    page.locator(".gp-labels-switch input[value='towns']").uncheck() if size[0] >= 600 else None
    if size[0] >= 600:
        after = page.evaluate(LABELS)
        assert not [lab for lab in after if layer_of[lab["id"]] == "towns"]
        assert _overlaps(after) == []
    assert errors == []
    page.close()


CENTRE_OF = """(fid) => {
  const f = window.GeoappPlanMap.entries.flatMap(e => e.items).find(f => f.feature.properties.id === fid);
  const m = window.GeoappPlanMap.map, p = m.latLngToContainerPoint(f.getBounds().getCenter());
  const r = m.getContainer().getBoundingClientRect();
  return [p.x + r.left, p.y + r.top, m.getZoom()];
}"""


def _phone_map_at_city_zoom(browser, live_server):
    """The full map on a phone, drawn and still (no zoom animation): (page, console errors)."""
    page = browser.new_page(**PHONE)
    errors = _record(page)
    page.goto(live_server + "/")
    page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
    page.wait_for_function("() => !window.GeoappPlanMap.map._animatingZoom")
    page.wait_for_timeout(300)
    return page, errors


def test_a_tap_on_a_block_at_city_zoom_reaches_it(browser, live_server, bundled):
    page, errors = _phone_map_at_city_zoom(browser, live_server)
    x, y, zoom = page.evaluate(CENTRE_OF, "uv-dongku")
    assert zoom <= 11  # city zoom: the whole of Yongkang on a phone
    page.touchscreen.tap(x, y)
    page.wait_for_selector(".gp-sheet:not([hidden]) .gp-identify")
    entries = page.locator(".gp-sheet .gp-identify button").all_inner_texts()
    assert "东库区块（位置示意）" in entries and len(entries) >= 2
    zones = bundled.layers["zones"].set_index("id")
    assert entries[-1] == zones.loc["zone-central-city", "name"]  # the big zone comes last
    sheet = page.locator(".gp-sheet").bounding_box()
    assert sheet["width"] == 375 and sheet["y"] + sheet["height"] == pytest.approx(667, abs=1)
    page.locator(".gp-sheet .gp-identify button", has_text="东库区块").tap()
    page.wait_for_selector(".gp-sheet .gp-popup")
    text = page.inner_text(".gp-sheet")
    assert "东库区块" in text and "状态：谋划" in text
    page.locator(".gp-sheet-close").tap()
    assert page.locator(".gp-sheet").is_hidden()
    # small areas are drawn above big ones: every block's path comes after the zones' paths
    order = page.evaluate(
        """() => { const ids = []; const paths = Array.from(document.querySelectorAll('path'));
        for (const e of window.GeoappPlanMap.entries) for (const f of e.items)
          if (f._path) ids.push([f.feature.properties.id, paths.indexOf(f._path)]);
        return Object.fromEntries(ids); }"""
    )
    blocks = [order[f] for f in bundled.layers["urban_villages"]["id"]]
    zones_gdf = bundled.layers["zones"]
    zones = [
        order[f]
        for f, g in zip(zones_gdf["id"], zones_gdf.geom_type, strict=True)
        if "Polygon" in g
    ]
    assert min(blocks) > max(zones)
    assert errors == []
    page.close()


def test_builder_copies_checks_bbox_and_keeps_its_state_in_the_address(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    errors = _record(page)
    page.goto(live_server + "/embed/builder?lang=en")
    page.select_option("select[name=lang]", "en")
    code = page.input_value("#gp-code")
    assert 'title="Yongkang Planning Map"' in code and "lang=en" in code
    page.fill("input[name=bbox]", "120.1,28.9,120.0")  # three numbers
    assert page.is_visible("#gp-bbox-error") and page.is_disabled("#gp-copy")
    assert page.input_value("#gp-code") == ""
    page.fill("input[name=bbox]", "120.00,28.86,120.07,28.92")
    page.fill("input[name=dpi]", "300")
    assert not page.is_visible("#gp-bbox-error") and page.is_enabled("#gp-copy")
    assert "dpi=300" in page.get_attribute("#gp-png", "href")
    assert "dpi" not in page.input_value("#gp-code")  # picture-only
    page.click("#gp-copy")
    page.wait_for_function("document.getElementById('gp-copied').textContent !== ''")
    assert page.inner_text("#gp-copied") == "Copied to the clipboard"
    assert page.evaluate("navigator.clipboard.readText()") == page.input_value("#gp-code")
    # the address bar holds the state: opening it again restores the form
    shared = page.url
    assert "#" in shared and "bbox=120.00%2C28.86%2C120.07%2C28.92" in shared
    again = context.new_page()
    again.goto(shared)
    assert again.input_value("input[name=bbox]") == "120.00,28.86,120.07,28.92"
    assert again.input_value("select[name=lang]") == "en"
    assert again.input_value("#gp-code") == page.input_value("#gp-code")
    # set the view by panning the preview
    preview = again.frame_locator("#gp-preview")
    preview.locator(".folium-map").wait_for()
    frame = again.frames[1]
    frame.wait_for_function(
        "() => Object.values(window).some(v => v instanceof L.Map && v._loaded && !v._animatingZoom)"
    )
    frame.evaluate(
        "() => Object.values(window).find(v => v instanceof L.Map).setView([28.80, 120.20], 13, {animate: false})"
    )
    again.click("#gp-use-view")
    west, south, east, north = map(float, again.input_value("input[name=bbox]").split(","))
    assert west < 120.20 < east and south < 28.80 < north
    assert errors == []
    context.close()


def _placed(bundled, zone: str | None = None, without: str = "") -> str:
    """How many placed projects the map should count (in a zone, without a layer)."""
    zones = bundled.index.feature_zones()
    return str(
        sum(
            1
            for p in bundled.projects.values()
            if p["feature_ids"]
            and p["layer"] != without
            and (zone is None or any(zone in zones.get(f, []) for f in p["feature_ids"]))
        )
    )


def test_the_address_bar_follows_the_map_and_restores_it(browser, live_server, bundled):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = _record(page)
    page.goto(live_server + "/")
    page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
    page.wait_for_function("() => !window.GeoappPlanMap.map._animatingZoom")
    visible = lambda p: p.get_attribute(".folium-map", "data-visible-projects")  # noqa: E731
    # switching a layer off changes the project count
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers label", has_text="城中村改造与未来社区").locator(
        "input"
    ).uncheck()
    assert visible(page) == _placed(bundled, without="urban_villages")
    page.select_option(".gp-zone", "zone-gushan")  # zooms to the zone
    page.select_option(".gp-mode", "target")
    assert visible(page) == _placed(bundled, "zone-gushan", "urban_villages")
    url = page.url
    assert "zone=zone-gushan" in url and "mode=target" in url and "off=urban_villages" in url
    centre = page.evaluate(
        "() => { const c = window.GeoappPlanMap.map.getCenter(); return [c.lat, c.lng]; }"
    )
    again = browser.new_page(viewport={"width": 1280, "height": 900})
    again.goto(url)
    again.wait_for_selector(".folium-map[data-geoapp-ready='1']")
    assert (
        again.input_value(".gp-zone") == "zone-gushan" and again.input_value(".gp-mode") == "target"
    )
    assert visible(again) == _placed(bundled, "zone-gushan", "urban_villages")
    assert (
        again.evaluate(
            "() => window.GeoappPlanMap.map.hasLayer(window.GeoappPlanMap.entries.find(e => e.id === 'urban_villages').group)"
        )
        is False
    )
    restored = again.evaluate(
        "() => { const c = window.GeoappPlanMap.map.getCenter(); return [c.lat, c.lng]; }"
    )
    assert restored == pytest.approx(centre, abs=1e-4)
    assert errors == []
    page.close()
    again.close()


def test_a_tap_on_a_block_at_city_zoom_lists_only_what_is_under_the_finger(
    browser, live_server, bundled
):
    page, errors = _phone_map_at_city_zoom(browser, live_server)
    listed = {}
    for fid in bundled.layers["urban_villages"]["id"]:
        page.evaluate("document.querySelector('.folium-map').removeAttribute('data-identified')")
        x, y, zoom = page.evaluate(CENTRE_OF, fid)
        assert zoom <= 11
        page.touchscreen.tap(x, y)
        page.wait_for_selector(".folium-map[data-identified]")
        listed[fid] = page.get_attribute(".folium-map", "data-identified").split()
        page.evaluate("window.GeoappPlanMap.map.closePopup()")
    assert all(fid in ids for fid, ids in listed.items()), listed
    assert max(len(ids) for ids in listed.values()) <= 3, listed
    assert errors == []
    page.close()
