"""Unplaced, not invisible: the full map lists the projects not on it, and search opens their page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, live_server):
    p = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(live_server + "/")
    p.wait_for_selector(".folium-map[data-geoapp-ready='1']")
    p.errors = errors
    yield p
    p.close()


def test_full_map_lists_unplaced_projects_with_the_reason(page, bundled):
    unplaced = bundled.unplaced_projects()
    summary = page.locator(".gp-unplaced-list summary")
    assert summary.inner_text() == f"未上图项目 ({len(unplaced)})"
    summary.click()
    items = page.locator(".gp-unplaced-list li").all_inner_texts()
    assert len(items) == len(unplaced) == 63
    assert "殡仪馆迁建工程 — 未找到公开定位" in items
    assert "三江六岸提升二期工程 — 未说明二期包括哪几段河岸" in items
    assert page.errors == []


def test_search_finds_an_unplaced_project_and_opens_its_page(page):
    page.fill(".gp-search", "物流港")
    results = page.locator(".gp-results li")
    assert results.all_inner_texts() == ["中国五金物流港 — 未找到公开定位"]
    results.first.locator("a").click()
    page.wait_for_url("**/projects/hardware-logistics-port?lang=zh")
    assert page.locator("h1").inner_text() == "中国五金物流港"
    assert "中国五金物流港、黄城里综合体开工建设" in page.inner_text("body")
    page.go_back()
    page.wait_for_selector(".folium-map[data-geoapp-ready='1']")
    page.fill(".gp-search", "funeral")  # English names too
    assert page.locator(".gp-results li").all_inner_texts() == ["殡仪馆迁建工程 — 未找到公开定位"]
