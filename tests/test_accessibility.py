"""axe-core (vendored, injected by the test, never loaded by a page) on every kind of page, on a
desktop and a phone, in zh and en, light and dark: no serious or critical violation."""

from __future__ import annotations

import pytest

from geoapp.assets import static_dir

pytestmark = pytest.mark.browser

AXE = static_dir() / "vendor" / "axe-core@4.10.3" / "axe.min.js"
UV = "uv-dongku,uv-xishantou,uv-zhoutang,uv-yingjia,uv-shanheli,uv-xumatou,uv-huangtang"
PAGES = [
    "/",
    "/?lang=en",
    "/progress",
    "/progress?lang=en",
    "/projects/uv-dongku",
    "/projects/new-g330?lang=en",
    f"/embed?projects={UV}&title=城中村改造区块",
    f"/embed?projects={UV}&title=Blocks&lang=en&dark=true",
    "/embed/builder",
]
RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


PHONE_PAGES = ["/", "/projects/uv-dongku", PAGES[6], "/embed/builder?lang=en"]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_no_serious_or_critical_violation(browser, live_server, phone):
    size = {"width": 375, "height": 667} if phone else {"width": 1280, "height": 900}
    page = browser.new_page(viewport=size, is_mobile=phone, has_touch=phone, bypass_csp=True)
    found = {}
    for path in PHONE_PAGES if phone else PAGES:
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN)
        if violations:
            found[path] = violations
    page.close()
    assert found == {}, found
