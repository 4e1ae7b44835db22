"""The committee's campaign in pages (issue 14): open a campaign, write the committee's plan,
assess branches each quarter, open the boards, name the commendation, close the year (after
saying what a close freezes), amend a sealed branch-year. Refusals are shown on the page in
Chinese (422); roles that may not act get 403, branch users 404."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import BEIJING, Actor
from cxzy_saas.web import tenancy_of
from tests.builders import close_ballots, decide_waiting
from tests.web.conftest import COMMITTEE, YEAR, Demo, as_user, build_small_demo, system
from tests.web.test_pages_evaluation import post, text_of

NEXT = YEAR + 1


def today() -> str:
    """The committee's today, asked when needed: a run across Beijing's midnight outlives a
    date taken when the module was imported."""
    return datetime.now(BEIJING).date().isoformat()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("committee-campaign"))


def test_the_campaign_list_is_in_the_committee_menu_and_offers_forms_to_the_admin_only(client):
    page = as_user(client, "admin").get("/committee")
    assert 'href="/committee/campaigns"' in page.text and "活动管理" in page.text
    assert 'href="/committee/quarterly"' in page.text and "季度考核" in page.text
    listed = client.get("/committee/campaigns")
    assert listed.status_code == 200
    shown = text_of(listed.text)
    assert f"{YEAR} 年度" in shown and "进行中" in shown and "开展新一年度活动" in shown
    assert f'action="/committee/campaigns/{YEAR}/openness"' in listed.text

    client.get("/logout")
    viewer = as_user(client, "viewer")
    seen = viewer.get("/committee/campaigns")
    assert seen.status_code == 200 and "活动管理" in seen.text
    assert "开展新一年度活动" not in seen.text and "/openness" not in seen.text
    assert viewer.get(f"/committee/campaigns/{YEAR}/close").status_code == 403
    token_page = "/committee/campaigns"
    opened = post(viewer, token_page, "/committee/campaigns", {"year": NEXT, "title": "x"})
    assert opened.status_code == 403


def test_branch_users_do_not_find_the_committee_pages(client):
    clerk = as_user(client, "b01-clerk")
    for path in (
        "/committee/campaigns",
        f"/committee/campaigns/{YEAR}/plan",
        f"/committee/campaigns/{YEAR}/branch-assessment",
        f"/committee/campaigns/{YEAR}/commendation",
        f"/committee/campaigns/{YEAR}/amendments",
    ):
        assert clerk.get(path).status_code == 404, path
    assert 'href="/committee/campaigns"' not in clerk.get("/branch/b01").text


def test_the_admin_opens_a_campaign_and_writes_the_committee_plan_in_pages(client):
    admin = as_user(client, "admin")
    page = "/committee/campaigns"
    blank = post(admin, page, page, {"year": NEXT, "title": ""})
    assert blank.status_code == 422 and "此项不能为空" in blank.text
    opened = post(admin, page, page, {"year": NEXT, "title": f"{NEXT}年度创先争优活动"})
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/committee/campaigns/{NEXT}/plan")
    again = post(admin, page, page, {"year": NEXT, "title": "重复"})
    assert again.status_code == 422
    assert 'class="error"' in again.text

    plan = f"/committee/campaigns/{NEXT}/plan"
    shown = admin.get(plan)
    assert shown.status_code == 200 and "本年度尚未起草方案" in shown.text
    no_drafter = post(admin, plan, f"{plan}/draft", {"drafter": ""})
    assert no_drafter.status_code == 422 and "此项不能为空" in no_drafter.text
    assert post(admin, plan, f"{plan}/draft", {"drafter": "党委组织部"}).status_code == 302
    drafted = text_of(admin.get(plan).text)
    assert "草稿" in drafted and "党委会讨论" in drafted and "指导思想" in drafted
    assert "报党委审批" not in drafted  # the committee's plan is submitted to nobody
    bad_day = post(admin, plan, f"{plan}/discuss", {"on": "1月5日", "minutes": "讨论"})
    assert bad_day.status_code == 422 and "日期格式应为" in bad_day.text
    # A step is dated neither before the draft (today) nor after today (Beijing).
    # tomorrow as the server will see it
    later = (datetime.now(BEIJING).date() + timedelta(days=1)).isoformat()
    ahead = post(admin, plan, f"{plan}/discuss", {"on": later, "minutes": "党委会讨论通过"})
    assert ahead.status_code == 422 and "晚于今天" in text_of(ahead.text)
    discussed = post(admin, plan, f"{plan}/discuss", {"on": today(), "minutes": "党委会讨论通过"})
    assert discussed.status_code == 302
    assert post(admin, plan, f"{plan}/finalise", {"on": today()}).status_code == 302
    final = text_of(admin.get(plan).text)
    assert "已定稿" in final and "支委会讨论" not in final  # the committee's own words
    # the campaigns list shows the plan's state, not "drafted" whatever it is
    listed = admin.get("/committee/campaigns").text
    card = next(c for c in listed.split('<li class="card') if f"{NEXT} 年度" in c)
    assert "党委方案：已定稿" in text_of(card) and "已起草" not in card
    # a step no longer offered (finalised in another tab) keeps its refusal on the page
    twice = post(admin, plan, f"{plan}/finalise", {"on": today()})
    assert twice.status_code == 422 and 'class="error" role="alert"' in twice.text
    redraft = post(admin, plan, f"{plan}/draft", {"drafter": "党委组织部"})
    assert redraft.status_code == 422 and 'class="error" role="alert"' in redraft.text
    assert post(admin, plan, f"{plan}/submit", {"on": f"{NEXT}-01-07"}).status_code == 404

    client.get("/logout")
    viewer = as_user(client, "viewer")
    assert viewer.get(plan).status_code == 200
    refused = post(viewer, plan, f"{plan}/discuss", {"on": f"{NEXT}-01-08", "minutes": "x"})
    assert refused.status_code == 403


def grid_form(client, year: int, quarter: int, cells: dict[str, str]):  # type: ignore[no-untyped-def]
    page = f"/committee/campaigns/{year}/branch-assessment?quarter={quarter}"
    # dated within the quarter's last month, and not after today (an assessment may not be)
    on = min(date(year, 3 * quarter, 28), date.fromisoformat(today()))
    data = {"quarter": quarter, "on": on.isoformat(), **cells}
    return post(client, page, f"/committee/campaigns/{year}/branch-assessment", data)


def open_cells(client, year: int, quarter: int) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The grid's inputs: branch -> its item codes (branches not assessed yet)."""
    page = client.get(f"/committee/campaigns/{year}/branch-assessment?quarter={quarter}").text
    found: dict[str, list[str]] = {}
    for branch, item in re.findall(r'name="p\.([^".]+)\.([^"]+)"', page):
        found.setdefault(branch, []).append(item)
    return found


def test_the_quarterly_grid_checks_every_cell_then_saves_each_branch(client):
    admin = as_user(client, "admin")
    page = admin.get(f"/committee/campaigns/{YEAR}/branch-assessment?quarter=4")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "2026 年第4季度党委考核党支部" in shown and "新成立党支部" in shown
    rows = open_cells(admin, YEAR, 4)
    assert list(rows) == ["b03"], "b01 and b02 are assessed for the fourth quarter already"
    first = "b03"
    items = rows[first]
    assert 'data-branch="b01" class="done"' in page.text
    nothing = grid_form(admin, YEAR, 4, {})
    assert nothing.status_code == 422 and "请至少填写一个党支部的分数" in nothing.text
    cells = {f"p.{first}.{code}": "5" for code in items}
    cells[f"p.{first}.{items[0]}"] = "100000"
    wrong = grid_form(admin, YEAR, 4, cells)
    assert wrong.status_code == 422
    assert 'class="invalid"' in wrong.text and 'value="100000"' in wrong.text
    cells[f"p.{first}.{items[0]}"] = "5"
    saved = grid_form(admin, YEAR, 4, cells)
    assert saved.status_code == 302
    after = admin.get(saved.headers["Location"])
    assert "第4季度考核已保存" in text_of(after.text)
    assert f'name="p.{first}.{items[0]}"' not in after.text  # read-only now
    assert "本季度各党支部均已考核" in text_of(after.text)

    client.get("/logout")
    viewer = as_user(client, "viewer")
    read = viewer.get(f"/committee/campaigns/{YEAR}/branch-assessment?quarter=3")
    assert read.status_code == 200 and 'name="p.' not in read.text
    assert grid_form(viewer, YEAR, 3, {f"p.b03.{items[0]}": "5"}).status_code == 403


def test_the_menu_link_of_the_quarterly_grid_opens_the_latest_campaign(client):
    admin = as_user(client, "admin")
    found = admin.get("/committee/quarterly")
    assert found.status_code == 302 and "/branch-assessment" in found.headers["Location"]


def test_the_boards_are_opened_to_branches_and_a_second_identical_change_is_refused(client):
    admin = as_user(client, "admin")
    page = "/committee/campaigns"
    action = f"/committee/campaigns/{YEAR}/openness"
    opened = post(admin, page, action, {"open_to_branches": "true"})
    assert opened.status_code == 302
    assert "已向各党支部公开" in text_of(admin.get(page).text)
    again = post(admin, page, action, {"open_to_branches": "true"})
    assert again.status_code == 422 and 'class="error"' in again.text
    assert post(admin, page, action, {"open_to_branches": "false"}).status_code == 302


def test_a_double_click_on_the_quarterly_grid_says_saved_twice(client):
    """The second copy finds every row it would save recorded (read-only now): it is the
    same form, saved already, not a grid left blank."""
    admin = as_user(client, "admin")
    grid = f"/committee/campaigns/{YEAR}/branch-assessment"
    page = admin.get(f"{grid}?quarter=2").text
    cells = re.findall(r'name="(p\.[^."]+\.[^"]+)"', page)
    branch = cells[0].split(".")[1]
    form = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "once": re.search(r'name="once" value="([0-9a-f]{32})"', page).group(1),
        "quarter": "2",
        "on": datetime.now(BEIJING).date().isoformat(),
        **{c: "8" for c in cells if c.split(".")[1] == branch},
    }
    first, second = (admin.post(grid, data=form) for _ in range(2))
    assert first.status_code == second.status_code == 302
    assert "已保存" in admin.get(second.headers["Location"]).text


# the year closes below: the grid's rows are read-only after it
def test_commendation_then_close_then_an_amendment_of_a_sealed_branch_year(client, demo):
    admin = as_user(client, "admin")
    commend = f"/committee/campaigns/{YEAR}/commendation"
    shown = admin.get(commend)
    assert shown.status_code == 200
    # the demo named two branches, their approved groups and members; b03 is still free
    assert "先进党小组：文秘党小组（已命名）" in text_of(shown.text)
    # the decision that named them is cited with its day
    assert re.search(
        r"\d{4}-\d\d-\d\d 党委命名表彰决定（命名 \d+ 个）：关于命名表彰", text_of(shown.text)
    )
    assert 'value="b01|branch|b01" disabled' in shown.text
    assert 'value="b03|branch|b03">' in shown.text
    none = post(admin, commend, commend, {"on": today(), "decision_text": "表彰决定"})
    assert none.status_code == 422 and "请选择" in text_of(none.text)
    # a group of a branch that nominated nobody is no approved nominee, said so
    unnominated = {"entries": "b03|group|g1", "on": today(), "decision_text": "表彰决定"}
    refused = post(admin, commend, commend, unnominated)
    assert refused.status_code == 422 and "不是已批准的推荐对象" in text_of(refused.text)
    early = {"entries": "b03|branch|b03", "on": f"{YEAR - 1}-12-02", "decision_text": "表彰决定"}
    before = post(admin, commend, commend, early)
    assert before.status_code == 422 and f"表彰日期应在 {YEAR} 年内或之后" in text_of(before.text)
    named = post(
        admin,
        commend,
        commend,
        {"entries": "b03|branch|b03", "on": today(), "decision_text": "党委表彰决定"},
    )
    assert named.status_code == 302
    table = admin.get(commend).text
    assert 'data-level="branch" data-subject="b03"' in table
    assert "先进党支部：新成立党支部（已命名）" in text_of(table)

    close = f"/committee/campaigns/{YEAR}/close"
    # the archive list and a seal refused for an open year lead to the close
    assert f'href="{close}"' in admin.get("/committee/archives").text
    assert f'href="{close}"' in admin.get(f"/committee/archives/b02/{YEAR}/seal").text
    form = text_of(admin.get(close).text)
    for frozen in ("每月集中考核", "日常记载", "命名表彰", "不能再录入或修改"):
        assert frozen in form
    unconfirmed = post(admin, close, close, {"on": today()})
    assert unconfirmed.status_code == 422 and "请勾选确认" in unconfirmed.text
    # a ballot still open would never be counted: its branch closes it first
    ballots_open = post(admin, close, close, {"on": today(), "confirm": "yes"})
    assert ballots_open.status_code == 422
    assert "民主测评没有结束" in text_of(ballots_open.text)
    close_ballots(tenancy_of(admin.application), YEAR, date.fromisoformat(today()), COMMITTEE)
    # nor would a plan or a nominee still waiting for the committee ever be decided
    waiting = post(admin, close, close, {"on": today(), "confirm": "yes"})
    assert waiting.status_code == 422 and "等待党委审批" in text_of(waiting.text)
    decide_waiting(
        tenancy_of(admin.application), YEAR, Actor("admin", "committee-admin", COMMITTEE)
    )
    closed_on = today()
    closed = post(admin, close, close, {"on": closed_on, "confirm": "yes"})
    assert closed.status_code == 302 and closed.headers["Location"].endswith("/committee/archives")
    assert f"{YEAR} 年度活动已结束" in text_of(admin.get("/committee/archives").text)
    listed = text_of(admin.get("/committee/campaigns").text)
    assert f"已于 {closed_on} 结束" in listed
    # after the close the year is final: the commendation form is gone, assessing is refused
    assert 'name="entries"' not in admin.get(commend).text
    assert 'name="p.' not in admin.get(f"/committee/campaigns/{YEAR}/branch-assessment").text
    # a form sent from a page opened before the close is refused with the close's reason
    frozen = f"{YEAR} 年度活动已于 {closed_on} 结束"
    late = post(
        admin,
        commend,
        commend,
        {"entries": "b02|group|g1", "on": today(), "decision_text": "补充表彰"},
    )
    assert late.status_code == 422 and frozen in text_of(late.text)
    plan = f"/committee/campaigns/{YEAR}/plan"
    step = post(admin, plan, f"{plan}/finalise", {"on": today()})
    assert step.status_code == 422 and frozen in text_of(step.text)
    items = [f"B{n}" for n in range(1, 6)]
    grid = grid_form(admin, YEAR, 1, {f"p.b03.{i}": "5" for i in items})
    assert grid.status_code == 422 and frozen in text_of(grid.text)

    amend = f"/committee/campaigns/{YEAR}/amendments"
    # nothing sealed yet: the page says so and offers no form that could only be refused
    before = admin.get(amend).text
    assert 'id="none-sealed"' in before and 'name="reason"' not in before
    assert 'href="/committee/archives"' in before and "（未归档）" not in before
    unsealed = post(admin, amend, amend, {"branch": "b01", "reason": "更正一项错录的分数"})
    assert unsealed.status_code == 422
    assert f"办公室党支部的 {YEAR} 年度档案尚未归档" in text_of(unsealed.text)  # by name
    tenancy = Tenancy(demo.settings)
    try:
        tenancy.committee(COMMITTEE).seal_archive(system(COMMITTEE), "b01", YEAR)
    finally:
        tenancy.close()
    sealed = admin.get(amend).text
    assert 'name="reason"' in sealed and 'option value="b01"' in sealed
    assert 'option value="b02"' not in sealed  # only a sealed branch-year can be amended
    no_reason = post(admin, amend, amend, {"branch": "b01", "reason": ""})
    assert no_reason.status_code == 422 and "此项不能为空" in no_reason.text
    opened = post(admin, amend, amend, {"branch": "b01", "reason": "更正一项错录的分数"})
    assert opened.status_code == 302
    page = admin.get(amend).text
    assert 'data-open="yes"' in page and "更正一项错录的分数" in page and "更正中" in page
    assert "· admin" not in page  # who opened it, as colleagues call them
    close_action = re.search(r'action="(/committee/campaigns/\d+/amendments/[^"]+/close)"', page)
    assert close_action
    resealed = post(admin, amend, close_action.group(1), {"note": "已更正"})
    assert resealed.status_code == 302
    assert 'data-open="no"' in admin.get(amend).text
    twice = post(admin, amend, close_action.group(1), {"note": "再次结束"})
    assert twice.status_code == 422 and 'class="error" role="alert"' in twice.text

    client.get("/logout")
    viewer = as_user(client, "viewer")
    assert viewer.get(amend).status_code == 200
    assert post(viewer, amend, amend, {"branch": "b01", "reason": "x"}).status_code == 403


@pytest.mark.parametrize("username", ["admin", "viewer", "auditor"])
def test_no_link_of_the_campaign_pages_is_refused_to_the_committee_role_offered_it(
    client, username
):
    as_user(client, username)
    start = ["/committee/campaigns", "/committee/quarterly"]
    seen: set[str] = set()
    queue = list(start)
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302), (username, url, response.status_code)
        if response.status_code == 302:
            queue.append(response.location)
            continue
        for link in re.findall(r'href="(/committee/campaigns[^"#]*)"', response.text):
            queue.append(link.replace("&amp;", "&"))
    assert len(seen) >= 5


def test_unknown_years_and_malformed_forms_are_answered_not_failed(client):
    admin = as_user(client, "admin")
    for path in (
        "/committee/campaigns/2099/plan",
        "/committee/campaigns/2099/close",
        "/committee/campaigns/2099/branch-assessment",
        "/committee/campaigns/2099/commendation",
        "/committee/campaigns/2099/amendments",
    ):
        assert admin.get(path).status_code == 404, path
    page = "/committee/campaigns"
    amend = f"/committee/campaigns/{YEAR}/amendments"
    closing = post(admin, amend, f"{amend}/not-an-id/close", {"note": ""})
    assert closing.status_code == 404
    odd = post(admin, page, f"/committee/campaigns/{YEAR}/openness", {"open_to_branches": "也许"})
    assert odd.status_code == 422
    commend = f"/committee/campaigns/{YEAR}/commendation"
    junk = post(admin, commend, commend, {"entries": "b01", "on": "x", "decision_text": "决定"})
    assert junk.status_code == 422
    grid = f"/committee/campaigns/{YEAR}/branch-assessment"
    bad_day = post(admin, grid, grid, {"quarter": "9", "on": "昨天", "p.b03.B1": "5"})
    assert bad_day.status_code == 422


def test_the_year_select_shows_each_campaigns_title_once(client):
    admin = as_user(client, "admin")
    page = admin.get(f"/committee?campaign={YEAR}").text
    options = re.findall(r'<option value="(\d{4})"[^>]*>([^<]+)</option>', page)
    assert options
    for year, text in options:
        assert text.count(year) == 1, text  # not "2026 2026年度创先争优活动"
