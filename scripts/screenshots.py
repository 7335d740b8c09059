#!/usr/bin/env python3
"""Screenshots of every view for docs/img/ (desktop 1280×900 and phone 375×667), offline.

    python scripts/screenshots.py            # writes docs/img/*.png

Serves the bundled data with no basemap on a free 127.0.0.1 port and drives Debian's chromium
through Playwright. Look at every picture after running it.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp.web import create_app  # noqa: E402

OUT = ROOT / "docs" / "img"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
UV = "uv-dongku,uv-xishantou,uv-zhoutang,uv-yingjia,uv-shanheli,uv-xumatou,uv-huangtang"
EMBED = f"/embed?projects={UV}&title=城中村改造区块"
MAP_READY = ".folium-map[data-geoapp-ready='1']"
#: an embed's or a project's map once its layers (fetched by URL) are drawn
LOADED = ".folium-map[data-geoapp-loaded='1']"

#: (file name, device, path, what to wait for)
VIEWS = [
    ("map.png", DESKTOP, "/", MAP_READY),
    ("map-en.png", DESKTOP, "/?lang=en", MAP_READY),
    ("map-phone.png", PHONE, "/", MAP_READY),
    ("project.png", DESKTOP, "/projects/uv-dongku", LOADED),
    ("project-phone.png", PHONE, "/projects/uv-dongku", LOADED),
    ("project-unplaced-phone.png", PHONE, "/projects/new-g330", "h1"),
    ("progress.png", DESKTOP, "/progress", "h1"),
    ("progress-phone.png", PHONE, "/progress", "h1"),
    ("embed-phone.png", PHONE, EMBED, LOADED),
    ("embed-dark-phone.png", PHONE, EMBED + "&dark=true", LOADED),
    ("embed.png", DESKTOP, EMBED + "&lang=en", LOADED),
    ("embed-empty-phone.png", PHONE, "/embed?status=completed", LOADED),
    ("embed-empty-dark-en.png", DESKTOP, "/embed?status=completed&lang=en&dark=true", LOADED),
    ("builder.png", DESKTOP, "/embed/builder", "h1"),
    ("source.png", DESKTOP, "/sources/002_68598ea19d7724ed.txt#q-ef85de99", "mark"),
    ("source-phone.png", PHONE, "/sources/002_68598ea19d7724ed.txt#q-ef85de99", "mark"),
]


def _tap_block(page) -> None:
    """On the phone map: tap the 东库 block at city zoom, as a reader would."""
    xy = page.evaluate(
        """() => { const f = window.GeoappPlanMap.entries.flatMap(e => e.items)
          .find(f => f.feature.properties.id === 'uv-dongku');
          const m = window.GeoappPlanMap.map, p = m.latLngToContainerPoint(f.getBounds().getCenter());
          return [p.x, p.y]; }"""
    )
    page.touchscreen.tap(*xy)
    page.wait_for_selector(".gp-sheet:not([hidden]) .gp-identify")


def main() -> None:
    from playwright.sync_api import sync_playwright

    app = create_app({"BASEMAP": "none"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu"],
            )
            for name, device, path, ready in VIEWS:
                page = browser.new_page(**device)
                page.goto(base + path)
                page.wait_for_selector(ready)
                page.wait_for_timeout(1200)  # opening zoom animation, labels
                page.screenshot(path=str(OUT / name))
                if name == "map-phone.png":
                    _tap_block(page)
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(OUT / "map-phone-identify.png"))
                page.close()
                print(OUT / name)
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
