"""Each user's home: a member's "我的", a group leader's "我的党小组", and on every home the
待办 of this user (what is due, by when, what is overdue); and forms that help: required marks,
every error at once, each tied to its field, subjects that follow the level, edits pre-filled."""

from __future__ import annotations

import re

import pytest

from cxzy_saas import wiring
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import mine
from tests.web.conftest import NEW_LEADER, Demo, as_user, build_small_demo, csrf_token


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("homes"))


def todo_of(html: str) -> str:
    found = re.search(r'<section class="panel todo".*?</section>', html, re.S)
    assert found, "the page has no 待办"
    return found.group(0)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_member_comes_home_to_their_own_work(client):
    as_user(client, "b01-member")
    home = client.get("/", follow_redirects=True)
    assert home.request.path == "/branch/b01/mine"
    assert "我的" in home.text and "我的措施" in home.text and "关于我的日常记载" in home.text
    # Their own row of the member board only (the plan does not open colleagues' scores).
    rows = re.findall(r'<tr data-subject="([^"]+)"', home.text)
    assert rows == ["B01003"]
    todo = text_of(todo_of(home.text))
    assert "民主测评《补充民主测评》进行中" in todo
    assert 'href="/ballot"' in todo_of(home.text)
    # The branch's home shows them their own member row only, too, and no grid to enter.
    branch = client.get("/branch/b01")
    board = branch.text.split("<h3>党员</h3>")[1]
    assert re.findall(r'<tr data-subject="([^"]+)"', board) == ["B01003"]
    assert "只列出前" not in board.split("</table>")[1].split("<h3>")[0]  # no "first 10 of N"
    assert "录入</strong>月度考核" not in branch.text


def test_a_group_leader_comes_home_to_their_group(client):
    as_user(client, NEW_LEADER)
    home = client.get("/", follow_redirects=True)
    assert home.request.path == "/branch/b01/my-group"
    assert "新建党小组" in home.text and "甲新员" in home.text and "乙新员" in home.text
    todo = text_of(todo_of(home.text))
    # The group's members were enrolled this month: no month ended before owes their sheets
    # (tests/integration/test_committee_todo.py counts the months due and overdue).
    assert "1月集中考核" not in todo and "10月集中考核" not in todo


def test_the_branch_home_asks_for_no_sheet_from_members_enrolled_after_its_month(client):
    as_user(client, "b01-clerk")
    todo = text_of(todo_of(client.get("/branch/b01").text))
    assert "1月集中考核" not in todo  # the demo's year is assessed; the new members came later
    grid = client.get("/branch/b01/assessment?month=1").text
    assert "甲新员" not in grid and "乙新员" not in grid


def test_the_committee_admin_sees_the_approvals_waiting_and_a_viewer_nothing_to_do(client):
    as_user(client, "admin")
    todo = text_of(todo_of(client.get("/committee").text))
    assert "新成立党支部报送的活动方案" in todo and "待审批" in todo
    # The committee never assessed the new branch: each quarter past its date, linked to the
    # quarter's grid.
    html = todo_of(client.get("/committee").text)
    assert "党委对新成立党支部的第1季度考核未录入" in text_of(html)
    assert re.search(r'href="/committee/campaigns/\d{4}/branch-assessment\?quarter=1"', html)
    lines = re.findall(r"<li[^>]*>(.*?)</li>", html, re.S)
    counted = [re.search(r"(?:另有|还有)(\d+)(?:项|个党支部)", text_of(line)) for line in lines]
    heading = re.search(r"待办（(\d+)）", html)
    assert heading and int(heading.group(1)) == sum(int(c.group(1)) if c else 1 for c in counted)
    as_user(client, "viewer")
    assert "眼下没有需要您办理的事项" in todo_of(client.get("/committee").text)


def test_the_committees_todo_words_a_quarter_with_branches_left_and_the_rest_waiting(client):
    quarter = {"kind": "branch-assessment", "branch": "c", "due": "2026-10-15", "overdue": True}
    with client.application.test_request_context("/"):
        many = mine._worded({**quarter, "name": "甲支部", "period": "2026-Q3", "count": 4}, None)
        more = mine._worded(
            {"kind": "approvals", "branch": "c", "due": None, "overdue": False, "count": 12}, None
        )
    assert many.text == "第3季度党支部考核：还有4个党支部未录入"
    assert many.link == "/committee/campaigns/2026/branch-assessment?quarter=3"
    assert (more.text, more.link) == ("另有12项报送待审批", "/committee/approvals")
    # The heading counts the things to do, not the lines: 4 branches and 12 submissions.
    assert (many.things, more.things) == (4, 12)


def test_the_daily_record_offers_the_members_first_and_shows_every_error_at_once(client):
    as_user(client, "b01-clerk")
    page = client.get("/branch/b01/records")
    form = page.text.split('id="new"')[1].split("</form>")[0]
    # The level is 党员, so a member is the subject chosen, not the branch.
    chosen = re.search(
        r'<optgroup label="([^"]+)" data-level="(\w+)">(?:(?!</optgroup>).)*selected', form, re.S
    )
    assert chosen and chosen.group(2) == "member"
    assert form.count('class="req"') >= 4  # date, level, subject, text
    answer = client.post(
        "/branch/b01/records",
        data={
            "csrf_token": csrf_token(page.text),
            "on": "",
            "level": "member",
            "subject": "B01001",
            "text": "",
        },
    )
    assert answer.status_code == 422
    form = answer.text.split('id="new"')[1].split("</form>")[0]
    for name in ("on", "text"):
        tied = re.search(rf'name="{name}"[^>]*aria-describedby="([^"]+)"', form)
        assert tied, name
        assert re.search(rf'<span class="error" id="{tied.group(1)}">\S', form), name


def test_a_group_leader_is_offered_their_own_members_to_record(client):
    as_user(client, NEW_LEADER)
    page = client.get("/branch/b01/records")
    form = page.text.split('id="new"')[1].split("</form>")[0]
    subjects = re.findall(
        r'<option value="([^"]*)"[^>]*>[^<]*</option>',
        form.split('name="subject"')[1].split("</select>")[0],
    )
    assert subjects == ["B01901", "B01902"]


def test_a_correction_shows_every_error_at_once(client):
    as_user(client, "b01-clerk")
    page = client.get("/branch/b01/assessment?month=3")
    grid = re.search(r'name="grid" value="(g\d)"', page.text)
    item = re.search(r'<select name="item"[^>]*>\s*<option value="([^"]+)"', page.text)
    subject = re.search(r'<select name="subject"[^>]*>\s*<option value="([^"]+)"', page.text)
    assert grid and item and subject
    answer = client.post(
        "/branch/b01/assessment/correction",
        data={
            "csrf_token": csrf_token(page.text),
            "grid": grid.group(1),
            "month": "3",
            "subject": subject.group(1),
            "item": item.group(1),
            "points": "999",
            "reason": "",
        },
    )
    assert answer.status_code == 422
    assert "的分数应在 0 到" in answer.text  # the points
    assert re.search(r'name="reason"[^>]*aria-invalid="true"', answer.text)  # and the reason


def test_the_self_summary_form_starts_from_the_summary_filed(client):
    as_user(client, "b01-member")
    page = client.get("/branch/b01/evaluation/year-end").text
    filed = re.search(r'<td class="prose">([^<—]+)</td>', page)  # their summary, filed
    assert filed
    assert re.search(r'<textarea name="text"[^>]*>' + re.escape(filed.group(1).strip()), page)


def test_checkboxes_sit_beside_their_names(client):
    with client.get("/static/site.css") as response:
        css = response.text
    assert "input:not([type=radio]):not([type=checkbox])" in css
    assert re.search(r"input\[type=checkbox\][^{]*\{[^}]*display: inline-block", css)


def test_a_returned_plan_waits_on_the_branch_home_with_its_reason_and_way_back(client):
    as_user(client, "admin")
    page = client.get("/committee/approvals")
    form = re.search(
        r'name="branch" value="b03"><input type="hidden" name="kind" value="plan">\s*'
        r'<input type="hidden" name="subject" value="([^"]+)"><input type="hidden" '
        r'name="submission" value="([^"]+)">\s*<input type="hidden" name="year" value="(\d+)">',
        page.text,
    )
    assert form
    subject, submission, year = form.groups()
    answer = client.post(
        "/committee/approvals",
        data={
            "csrf_token": csrf_token(page.text),
            "branch": "b03",
            "kind": "plan",
            "subject": subject,
            "submission": submission,
            "year": year,
            "reason": "请补充季度检查安排",
            "outcome": "returned",
        },
    )
    assert answer.status_code == 302
    project(client)
    as_user(client, "b03-secretary")
    todo = todo_of(client.get("/", follow_redirects=True).text)
    assert "党委退回活动方案" in todo and "请补充季度检查安排" in todo
    assert 'href="/branch/b03/plan"' in todo


def project(client) -> None:  # type: ignore[no-untyped-def]
    """The read models catch up (the test app runs no projector of its own)."""
    tenancy = tenancy_of(client.application)
    projector = wiring.projector(tenancy)
    try:
        projector.catch_up()
    finally:
        projector.db.close()


def test_an_open_evaluation_round_asks_for_the_self_summaries_not_filed(client):
    as_user(client, "b01-clerk")
    todo = todo_of(client.get("/branch/b01").text)
    assert re.search(r"年终总评进行中：还有\d+名党员未交个人总结", text_of(todo))
    assert 'href="/branch/b01/evaluation/year-end"' in todo
    as_user(client, "b01-member")  # who filed theirs
    assert "请填写个人总结" not in todo_of(client.get("/branch/b01/mine").text)


def test_the_branch_home_counts_what_stands_not_what_was_sent_before():
    """A nominee returned, then sent again and approved, is no longer "returned"; another
    year's submissions are not this year's."""
    from cxzy_saas.web.pages.mine import standing_of

    def sent(kind, subject, submission, year, outcome):  # type: ignore[no-untyped-def]
        return {
            "kind": kind,
            "subject": subject,
            "submission": submission,
            "year": year,
            "outcome": outcome,
        }

    queue = [
        sent("nominee", "2025:member:B01013", 2, 2025, "approved"),
        sent("nominee", "2025:member:B01013", 1, 2025, "returned"),
        sent("plan", "2025", 1, 2025, None),
        sent("measure", "m-2026", 1, 2026, None),
    ]
    standing = standing_of(queue, 2025)
    assert [s["outcome"] for s in standing if s["kind"] == "nominee"] == ["approved"]
    assert [s["kind"] for s in standing] == ["nominee", "plan"]


def test_a_fresh_deployment_without_a_campaign_owes_nothing(tmp_path):
    """Branches and members loaded, no campaign opened yet: no quarter or month is overdue (the
    dashboard said 26 items late, and its to-do linked to a campaign page that is not there)."""
    from tests.web import accounts_site

    app = accounts_site.app_for(accounts_site.build(tmp_path))
    client = app.test_client()
    project(client)
    accounts_site.sign_in(client, "admin")
    for page in ("/committee", "/branch/b01"):
        todo = todo_of(client.get(page).text)
        assert "眼下没有需要您办理的事项" in todo, (page, todo)
    assert "0 项逾期" in text_of(client.get("/committee").text)
    assert "没有逾期事项" in text_of(client.get("/committee/overdue").text)
    accounts_site.sign_in(client, "b01-clerk")
    assert "眼下没有需要您办理的事项" in todo_of(client.get("/branch/b01").text)
