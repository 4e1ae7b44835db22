"""ECharts in a real browser (decision 0022): served by the product from node_modules, the
trends with a working branch picker, average and quartile band, the heat map with criterion
titles; the server's SVG stays for print and without script. Also board search and paging.

The browser, the served demo and ``open_page`` are test_browser.py's fixtures, imported."""

# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.test_browser import (  # noqa: F401  (fixtures)
    PHONE,
    browser,
    open_page,
    shoot,
    site,
)
from tests.web.test_browser import pytestmark as browser_mark

pytestmark = browser_mark
ECHARTS = (
    Path(__file__).resolve().parents[2] / "node_modules" / "echarts" / "dist" / "echarts.min.js"
)


@pytest.fixture(autouse=True)
def echarts_installed():
    assert ECHARTS.is_file(), "run npm ci first (package.json pins echarts)"


def test_the_product_serves_echarts_and_its_licence_itself(open_page):
    page = open_page()
    script = page.request.get("/vendor/echarts/echarts.min.js")
    assert script.status == 200 and "javascript" in script.headers["content-type"]
    licence = page.request.get("/vendor/echarts/LICENSE.txt")
    assert licence.status == 200 and "Apache License" in licence.text()
    assert page.request.get("/vendor/echarts/package.json").status == 404
    assert page.request.get("/vendor/../pyproject.toml").status == 404


def test_trends_draw_with_echarts_and_the_picker_changes_the_lines(open_page):
    admin = open_page("admin")
    errors: list[str] = []
    admin.on("pageerror", lambda e: errors.append(str(e)))
    admin.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    admin.goto("/committee/trends")
    admin.wait_for_function("window.cxzyCharts && window.cxzyCharts.score")
    assert admin.locator("html.has-echarts").count() == 1
    assert admin.locator("#trend-score canvas").count() >= 1
    assert not admin.locator("#trend-score + .chart-fallback svg.chart").is_visible()

    def names() -> list[str]:
        return admin.evaluate("window.cxzyCharts.score.getOption().series.map(s => s.name)")

    shown = names()
    assert "党委平均" in shown and "四分位带（25%–75%）" in shown
    options = admin.locator("#trend-picker option")
    assert options.count() >= 2
    chosen = [n for n in shown if n in admin.locator("#trend-picker").inner_text()]
    # pick exactly one branch: the chart keeps the average and band and that one line
    one = options.nth(0)
    admin.select_option("#trend-picker", [one.get_attribute("value")])
    assert one.inner_text() in names() and len(names()) == 4
    assert len(chosen) >= 1
    option = admin.evaluate("window.cxzyCharts.score.getOption()")
    assert option["dataZoom"] and option["legend"][0]["data"]
    assert option["xAxis"][0]["data"][0] == "1月"  # the Chinese locale of the page
    shoot(admin, "trends-echarts.png")
    admin.emulate_media(media="print")
    assert admin.locator("#trend-score + .chart-fallback svg.chart").is_visible()
    assert not admin.locator("#trend-score").is_visible()
    assert not errors, errors


def test_the_heat_map_draws_with_criterion_titles_in_a_tooltip_that_opens_on_a_tap(open_page):
    phone = open_page("admin", viewport=PHONE)
    phone.goto("/committee/matrix")
    phone.wait_for_function("window.cxzyCharts && window.cxzyCharts.heat")
    option = phone.evaluate("window.cxzyCharts.heat.getOption()")
    assert option["xAxis"][0]["data"][0] == "支1"
    assert option["tooltip"][0]["triggerOn"] == "mousemove|click"
    box = phone.locator("#heat-map canvas").first.bounding_box()
    assert box and box["height"] > 200
    # every column wide enough for its figures (they overprinted at 390 px): the panel scrolls
    # sideways, the page does not
    columns = len(option["xAxis"][0]["data"])
    assert box["width"] >= 150 + 32 * columns
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # a tap on the first cell shows its branch, criterion title and figure
    phone.evaluate(
        "(() => { const c = window.cxzyCharts.heat;"
        " c.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0}); })()"
    )
    tip = phone.locator("#heat-map div").filter(has_text="得分率")
    assert tip.count() >= 1
    text = tip.first.inner_text()
    assert "支1" in text or "组" in text or "员" in text
    shoot(phone, "heat-map-echarts-phone.png", full_page=False)


def test_without_echarts_the_pages_still_show_the_svg(open_page, site, monkeypatch):
    page = open_page("admin")
    page.route("**/vendor/echarts/**", lambda route: route.abort())
    page.goto("/committee/trends")
    assert page.locator(".chart-fallback svg.chart").first.is_visible()
    assert page.locator("html.has-echarts").count() == 0


def test_board_search_and_paging_in_the_browser(open_page):
    admin = open_page("admin")
    admin.goto("/committee/boards/member?per_page=10")
    total = int("".join(c for c in admin.inner_text("#board-total") if c.isdigit()))
    assert admin.locator("table.board tbody tr[data-subject]").count() == min(10, total)
    if total > 10:
        admin.click("nav.pager a[rel=next] >> nth=0")
        admin.wait_for_url("**page=2**")
        assert "第 2 / " in admin.inner_text("nav.pager")
    first_name = admin.locator("table.board tbody tr[data-subject] td").nth(1).inner_text()
    admin.fill("#board-search input[name=q]", first_name)
    admin.click("#board-search button")
    admin.wait_for_url("**q=**")
    rows = admin.locator("table.board tbody tr[data-subject]")
    assert rows.count() >= 1 and all(
        first_name in rows.nth(i).inner_text() for i in range(rows.count())
    )
    admin.click("th a[data-sort=composite]")
    admin.wait_for_url("**sort=composite**")
    admin.click("#bottom-view")
    admin.wait_for_url("**sort=-rank**")
    ranks = [
        int(t)
        for t in admin.locator(
            "table.board tbody tr[data-subject] td:first-child"
        ).all_inner_texts()
        if t.isdigit()
    ]
    assert ranks == sorted(ranks, reverse=True)
    shoot(admin, "board-bottom.png")


def test_the_big_screen_fills_1920_by_1080_and_refreshes_in_place(open_page):
    screen = open_page("admin", viewport={"width": 1920, "height": 1080})
    screen.goto("/committee/screen")
    assert screen.locator("#top-list li").count() >= 1
    assert screen.locator(".keys strong").count() == 7
    shoot(screen, "big-screen.png", full_page=False)
    size = screen.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= 1920 and size[1] <= 1080, size  # one screen, no scrolling
    screen.evaluate("window.stayed = true")
    before = screen.locator("#top-list").inner_text()
    screen.evaluate("window.cxzyScreen.refresh()")
    screen.wait_for_function("document.body.dataset.updated")
    assert screen.evaluate("window.stayed") is True  # updated in place, not reloaded
    assert screen.locator("#top-list").inner_text() == before
    assert "更新于" in screen.inner_text("#refresh-note")
    shoot(screen, "big-screen.png", full_page=False)
