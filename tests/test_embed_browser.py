"""An article on another origin embeds /embed in a phone-sized iframe (real chromium, offline)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import html_page, serving

pytestmark = pytest.mark.browser

UV = "uv-dongku,uv-xishantou,uv-zhoutang,uv-yingjia,uv-shanheli,uv-xumatou,uv-huangtang"


@pytest.fixture
def host_page(live_server) -> Iterator[str]:
    """An 'article' on its own 127.0.0.1 port with our iframe and resize script."""
    html = f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><body style="margin:0"><p>报道正文</p>
<iframe id="map" src="{live_server}/embed?projects={UV}&title=城中村改造区块&basemap=none"
 data-geoapp-embed style="width:375px;height:150px;border:0"></iframe>
<script src="{live_server}/static/js/embed-resize.js" async></script></body></html>"""

    with serving(html_page(html)) as url:
        yield url + "/"


def test_embed_in_a_phone_iframe(browser, live_server, host_page):
    page = browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(host_page)
    frame = page.frame_locator("#map")
    frame.locator(".folium-map").wait_for()
    # the resize script has set the iframe to the embed's own height (title + map + legend)
    page.wait_for_function("parseInt(document.getElementById('map').style.height) > 150")
    height = page.evaluate("parseInt(document.getElementById('map').style.height)")
    assert 280 <= height <= 700
    inner = page.frames[1]
    inner.wait_for_load_state("load")  # embed.js (deferred) has run
    # folium opens at the city centre and animates fitBounds to the story: wait until it settles
    inner.wait_for_function(
        "() => Object.values(window).some(v => v instanceof L.Map && !v._animatingZoom && v._loaded)"
        " && !document.querySelector('.leaflet-zoom-anim')"
    )
    drawn = inner.evaluate(
        """() => Array.from(document.querySelectorAll('path.leaflet-interactive'))
               .map(p => p.getAttribute('stroke')).length"""
    )
    ids = inner.evaluate(
        """() => { const out = [];
          for (const k in window) { const v = window[k];
            if (v && v instanceof L.GeoJSON) v.eachLayer(l => out.push(l.feature.properties.id)); }
          return out.sort(); }"""
    )
    villages = sorted(UV.split(","))
    assert [i for i in ids if i.startswith("uv-")] == villages  # the chosen blocks, no others
    assert not [i for i in ids if i.startswith(("road-", "park-", "mep-", "bank-"))]
    assert drawn >= len(villages)
    assert inner.inner_text("h1") == "城中村改造区块"
    sizes = inner.evaluate(
        """() => Array.from(document.querySelectorAll('path.leaflet-interactive'))
               .filter(p => p.getAttribute('fill') !== 'none')
               .map(p => { const b = p.getBBox(); return Math.max(b.width, b.height) + +p.getAttribute('stroke-width'); })"""
    )
    assert (
        len(sizes) == len(villages) and min(sizes) >= 10
    )  # every block at least 10 px: visible, tappable
    assert "查看完整地图" in inner.inner_text(".gp-embed-note")
    assert [u for u in requests if not u.startswith("http://127.0.0.1:")] == []
    assert errors == []
    page.close()
