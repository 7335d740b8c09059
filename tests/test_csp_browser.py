"""Every kind of page works under the Content-Security-Policy, in a real browser.

Each page is opened in Debian's chromium; the test records every ``securitypolicyviolation``
event and console error, and checks the page did what it is for (the map drew its features,
the builder's preview loaded, the API page listed its endpoints).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: Collects CSP violations from the first moment of every document (frames included).
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""
MAP_DRAWN = "() => document.querySelectorAll('.leaflet-overlay-pane path').length > 0"

PAGES = [
    ("/", MAP_DRAWN),
    ("/?lang=en", MAP_DRAWN),
    ("/projects/uv-dongku", MAP_DRAWN),
    ("/progress", "() => document.querySelectorAll('table, .gp-bar, h1').length > 0"),
    ("/embed?layers=urban_villages&title=城中村", MAP_DRAWN),
    ("/embed/builder", "() => !!document.querySelector('iframe')"),
    ("/api/docs", "() => document.body.innerText.includes('/api/layers')"),
    ("/ogc/?f=html", "() => document.querySelectorAll('a').length > 2"),
    ("/ogc/collections/parks/items?f=html&limit=2", "() => document.querySelectorAll('a').length > 2"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "works"), PAGES, ids=[p for p, _ in PAGES])
def test_page_works_under_the_csp(browser, live_server, path, works):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(WATCH)
    try:
        resp = page.goto(live_server + path)
        assert resp.status == 200
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
        page.wait_for_function(works, timeout=15000)
        page.wait_for_timeout(300)  # late scripts (labels, resize) run too
        violations = page.evaluate("window.__csp")
        for frame in page.frames[1:]:  # the builder's preview iframe
            violations += frame.evaluate("window.__csp || []")
        assert violations == []
        assert [e for e in errors if "Content Security Policy" in e] == []
        assert errors == []
    finally:
        page.close()


def test_an_injected_inline_script_would_not_run(browser, live_server):
    """The policy is live: a script added to the page after it was sent is refused."""
    page = browser.new_page()
    page.add_init_script(WATCH)
    try:
        page.goto(live_server + "/progress")
        page.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.__ran = true'; document.body.append(s); }"""
        )
        page.wait_for_function("() => window.__csp.length > 0")
        assert page.evaluate("window.__ran === true") is False
        assert page.evaluate("window.__csp")[0].startswith("script-src-elem inline")
    finally:
        page.close()
