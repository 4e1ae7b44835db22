"""A new committee admin runs a campaign year in the pages alone (issue 14), in Chromium:
made an account by the demo's admin, signs in with the one-time password, opens the year's
campaign, writes and finalises the committee's plan, approves a branch's plan (which the
branch's clerk writes and submits in its own pages), acknowledges the measures a branch
reported with one submit, assesses the branches for a quarter, opens the boards, names the
commendation and closes the year.

A close freezes the commendation (decision 0011): the year is named first, then closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.web import tenancy_of
from tests.web.conftest import YEAR, Demo, build_small_demo
from tests.web.test_browser import browser, eventually, open_page, serve, shoot  # noqa: F401
from tests.web.test_pages_approvals_items import MEASURES, report_measures

pytestmark = pytest.mark.browser

NEXT = YEAR + 1
NEW_ADMIN = "xin.guanli"
NEW_PASSWORD = "lan-shan-qiao-xin-guan-li"


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser) -> Iterator[tuple[str, Demo]]:  # type: ignore[no-untyped-def]  # noqa: F811
    """The browser tests' demo, with three measures b01 reported to the committee."""
    demo = build_small_demo(tmp_path_factory.mktemp("browser-committee"))
    tenancy = Tenancy(demo.settings)
    try:
        report_measures(tenancy)
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    yield from serve(demo)


def submitted(page, form: str) -> None:  # type: ignore[no-untyped-def]
    """Submit the form matched by ``form`` with its primary (or only) button."""
    found = page.locator(form)
    button = found.locator("button.primary")
    (button if button.count() else found.locator("button[type=submit]")).first.click()
    page.wait_for_load_state()


def test_a_new_committee_admin_runs_a_campaign_year_in_the_pages(open_page, site):  # noqa: F811
    _, demo = site
    # the demo's admin makes the new admin's account; the one-time password is shown once
    admin = open_page("admin")
    admin.goto("/committee/accounts")
    add = admin.locator("#add-user")
    add.locator("input[name=display_name]").fill("新任党委管理员")
    add.locator("input[name=username]").fill(NEW_ADMIN)
    add.locator("select[name=role]").select_option("committee-admin")
    add.locator("select[name=tenant]").select_option("demo")
    submitted(admin, "#add-user")
    one_time = admin.inner_text("#one-time").strip()

    new = open_page()
    new.goto("/login")
    new.fill("input[name=username]", NEW_ADMIN)
    new.fill("input[name=password]", one_time)
    new.click("form button.primary")
    new.wait_for_load_state()
    new.fill("input[name=current]", one_time)
    new.fill("input[name=new]", NEW_PASSWORD)
    new.fill("input[name=repeat]", NEW_PASSWORD)
    new.click("form button.primary")
    new.wait_for_load_state()

    # the campaign, from the menu
    new.click("nav.main a:has-text('活动管理')")
    new.wait_for_url("**/committee/campaigns")
    opening = new.locator("#open-campaign")
    assert opening.locator("input[name=year]").input_value() == str(NEXT)
    submitted(new, "#open-campaign form")
    new.wait_for_url(f"**/committee/campaigns/{NEXT}/plan")
    assert f"已开展 {NEXT} 年度活动" in new.inner_text(".notice")

    # the committee's plan: drafted from the catalogue, discussed, finalised
    new.fill("input[name=drafter]", "党委组织部")
    submitted(new, "form[action$='/plan/draft']")
    assert "草稿" in new.inner_text("main")
    discuss = "form[action$='/plan/discuss']"
    new.locator(discuss).locator("textarea[name=minutes]").fill("党委会讨论通过活动方案")
    submitted(new, discuss)
    submitted(new, "form[action$='/plan/finalise']")
    assert "已定稿" in new.inner_text("main")
    shoot(new, "committee-plan.png")

    # a branch writes its plan for the year from the committee's and submits it
    clerk = open_page("b01-clerk")
    plan = f"/branch/b01/plan?campaign={NEXT}"
    eventually(clerk, plan, lambda: f"{NEXT}年创先争优活动方案" in clerk.inner_text("h1"))
    clerk.fill("input[name=drafter]", "组织委员")
    submitted(clerk, "form[action$='/plan/draft']")
    minutes = clerk.locator("form[action$='/plan/discuss'] textarea[name=minutes]")
    minutes.fill("支委会讨论方案")
    submitted(clerk, "form[action$='/plan/discuss']")
    submitted(clerk, "form[action$='/plan/finalise']")
    submitted(clerk, "form[action$='/plan/submit']")
    assert "方案已报党委审批" in clerk.inner_text(".notice")

    # approvals: the card shows the plan and links to it
    card = new.locator("li[data-branch='b01'][data-kind='plan']")
    eventually(new, "/committee/approvals", lambda: card.count() == 1)
    assert "指导思想" in card.inner_text() and "组织委员" in card.inner_text()
    assert card.locator("a:has-text('查看方案全文')").get_attribute("href") == (
        f"/branch/b01/plan?campaign={NEXT}"
    )
    shoot(new, "approvals.png")
    card.locator("textarea[name=reason]").fill("同意")
    card.locator("button[value=approved]").click()
    new.wait_for_load_state()
    assert new.inner_text(".notice") == "已批准"

    # the measures b01 reported, acknowledged together
    bulk = new.locator("#bulk")
    for text in MEASURES:
        assert text in new.inner_text("ul.queue")
    bulk.locator("button[data-select-all]").click()
    assert new.locator("input[name=pick]:checked").count() == len(MEASURES)
    bulk.locator("textarea[name=note]").fill("已收悉，请抓好落实")
    bulk.locator("button.primary").click()
    new.wait_for_load_state()
    assert f"已确认收悉 {len(MEASURES)} 项" in new.inner_text(".notice")
    assert MEASURES[0] not in new.inner_text("main")

    # the quarterly assessment of every branch, one grid, at the end of the new year's first
    # quarter (a quarter is assessed once it has begun): the served application's clock moves
    tenancy_of(demo.app).clock = SimulatedClock(datetime(NEXT, 3, 31, 2, tzinfo=UTC))
    new.goto("/committee/campaigns")
    new.locator(f"#campaign-{NEXT} a:has-text('季度考核支部')").click()
    new.wait_for_load_state()
    assert f"{NEXT} 年第1季度党委考核党支部" in new.inner_text("h1")
    cells = new.locator("input[name^='p.']")
    assert cells.count() == 3 * 5  # three branches × five branch items
    for i in range(cells.count()):
        cells.nth(i).fill("8" if i % 2 else "9.5")
    cells.nth(0).fill("11")
    submitted(new, "#grid form")
    assert "应在 0 到 10 之间" in new.inner_text("#grid td.invalid .error")
    assert new.locator("input[name^='p.']").nth(1).input_value() == "8"  # what was typed stays
    new.locator("#grid td.invalid input").fill("10")
    submitted(new, "#grid form")
    assert "第1季度考核已保存" in new.inner_text(".notice")
    assert new.locator("input[name^='p.']").count() == 0
    assert "本季度各党支部均已考核" in new.inner_text("#grid")
    shoot(new, "committee-quarterly.png")

    # the boards opened to branches
    new.goto("/committee/campaigns")
    new.locator(f"#campaign-{NEXT} button:has-text('排行榜向各党支部公开')").click()
    new.wait_for_load_state()
    assert "已向各党支部公开" in new.inner_text(f"#campaign-{NEXT}")

    # the commendation: named before the close, which freezes it. Both are dated on a day that
    # has come, at the year's end: the served application's clock moves to that day.
    tenancy_of(demo.app).clock = SimulatedClock(datetime(NEXT, 12, 21, 2, tzinfo=UTC))
    new.locator(f"#campaign-{NEXT} a:has-text('命名表彰')").click()
    new.wait_for_load_state()
    new.check("input[name=entries][value='b01|branch|b01']")
    new.fill("textarea[name=decision_text]", "党委关于表彰先进党支部的决定")
    new.fill("input[name=on]", f"{NEXT}-12-20")
    submitted(new, "form[action$='/commendation']")
    assert "已命名表彰 1 个" in new.inner_text(".notice")
    assert "先进党支部" in new.inner_text("#named")

    # the close: the page says what it freezes; unconfirmed it refuses
    new.goto("/committee/campaigns")
    new.locator(f"#campaign-{NEXT} a:has-text('结束活动')").click()
    new.wait_for_load_state()
    assert "每月集中考核" in new.inner_text("ul.frozen")
    shoot(new, "committee-close.png")
    submitted(new, "main form")
    assert "请勾选确认" in new.inner_text("main")
    new.check("input[name=confirm]")
    submitted(new, "main form")
    new.wait_for_url("**/committee/archives")
    assert f"{NEXT} 年度活动已结束" in new.inner_text(".notice")
    new.goto("/committee/campaigns")
    assert "已于" in new.inner_text(f"#campaign-{NEXT}")
    assert new.locator(f"#campaign-{NEXT} a:has-text('结束活动')").count() == 0
