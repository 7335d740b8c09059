"""A planner records progress with a PDF in a real browser; a reviewer approves it; the public map
and project page show it (Debian chromium via Playwright, no internet)."""

from __future__ import annotations

import pytest

from geoapp.config import ROOT
from geoapp.status import STATUS
from tests.conftest import serving

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def server(tiny):
    """The app over the tiny dataset with a planner and a reviewer, on a free port."""
    from geoapp.store.accounts import add_user
    from geoapp.web import create_app
    from geoapp.web.state import get_store

    data, layers = tiny
    app = create_app({"DATA_DIR": str(data), "LAYERS_DIR": str(layers), "BASEMAP": "none"})
    with app.app_context():
        add_user(get_store(), "wang", "planner", "住建局", "pass-word-123", "admin")
        add_user(get_store(), "zhao", "reviewer", "规划局", "pass-word-456", "admin")
    with serving(app) as url:
        yield url


def sign_in(page, base: str, name: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


FILL = """(fid) => {
  const f = window.GeoappPlanMap.entries.flatMap(e => e.items).find(f => f.feature.properties.id === fid);
  return f._path.getAttribute('fill');
}"""


def test_planner_records_reviewer_approves_public_map_follows(browser, server, tmp_path):
    planner = browser.new_context().new_page()
    sign_in(planner, server, "wang", "pass-word-123")
    planner.goto(f"{server}/projects/uv-b/record")
    planner.select_option("#status", "topped_out")
    planner.fill("#date", "2026-11-20")
    planner.fill("#source_title", "城中村改造进度通报（第11期）")
    planner.fill("#source_publisher", "永康市住建局")
    planner.fill("#source_date", "2026-11-21")
    planner.fill("#quote", "乙村区块主体结顶")
    pdf = tmp_path / "通报.pdf"
    pdf.write_bytes(PDF)
    planner.set_input_files("#attachment", str(pdf))
    shot(planner, "record-form.png")
    planner.click("button[type=submit]")
    planner.wait_for_selector("text=已提交，待审核")
    assert "待审核" in planner.inner_text("body")
    shot(planner, "record-pending.png")

    reviewer = browser.new_context().new_page()
    sign_in(reviewer, server, "zhao", "pass-word-456")
    reviewer.goto(f"{server}/review")
    assert "城中村改造进度通报（第11期）" in reviewer.inner_text("body")
    shot(reviewer, "review-queue.png")
    reviewer.click("button[value=approve]")
    reviewer.wait_for_selector("text=没有待审核的更新")

    public = browser.new_context().new_page()
    public.goto(f"{server}/")
    public.wait_for_selector(".folium-map[data-geoapp-ready='1']")
    assert public.evaluate(FILL, "uv-b") == STATUS["topped_out"].color
    assert public.evaluate(FILL, "uv-a") == STATUS["planned"].color
    shot(public, "map-after-approval.png")
    public.goto(f"{server}/projects/uv-b")
    text = public.inner_text(".gp-recorded")
    assert "《城中村改造进度通报（第11期）》永康市住建局 2026-11-21" in text
    assert "记录 住建局 wang · 审核 zhao" in text
    href = public.get_attribute(".gp-recorded a", "href")
    shot(public, "project-after-approval.png")
    got = public.request.get(server + href)
    assert (got.status, got.headers["content-type"], got.body()) == (200, "application/pdf", PDF)
