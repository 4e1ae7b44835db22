"""Print views through the Flask test client: each A4 page of a branch-year (the month's grid,
a ballot's paper form, the nomination table, the plan, the annual summary) is reached from its
interactive page, shows its Chinese title and content without the site's menus, and keeps the
interactive page's access rules (another branch: 404; a member sees their own row only)."""

from __future__ import annotations

import re

import pytest

from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages.i18n import BEIJING
from tests.web.conftest import COMMITTEE, YEAR, Demo, as_user, build_small_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("prints"))


def print_urls(app) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Each print view: (the page that links to it, its address)."""
    b01 = tenancy_of(app).branch("b01")
    ballot = b01.ballots(YEAR)[0]
    return {
        "month": ("/branch/b01/assessment?month=3", "/branch/b01/print/month?month=3"),
        "ballot": ("/branch/b01/ballots", f"/branch/b01/print/ballots/{ballot.id}"),
        "nomination": ("/branch/b01/nomination", "/branch/b01/print/nomination"),
        "plan": ("/branch/b01/plan", "/branch/b01/print/plan"),
        "summary": ("/branch/b01/deeds", "/branch/b01/print/annual-summary"),
    }


EXPECTED = {
    "month": [f"办公室党支部{YEAR}年3月集中考核评分表", "月得分", "考核人"],
    "ballot": ["（测评表）", "优秀", "基本合格", "不合格", "□"],
    "nomination": ["先进党小组、优秀党员推荐表", "优秀党员", "推荐理由"],
    "plan": [
        f"办公室党支部{YEAR}年度创先争优活动实施方案",
        "评选条件",
        "考核评分项目",
        "综合评分权重：日常考核",
        "党支部得分由本级",
    ],
    "summary": ["年度创先争优活动总结", "一、基本情况", "四、今后打算"],
}


def test_each_print_view_is_linked_and_shows_its_document(client, app) -> None:  # type: ignore[no-untyped-def]
    as_user(client, "b01-secretary")
    for name, (source, url) in print_urls(app).items():
        linking = client.get(source)
        assert linking.status_code == 200, name
        assert url.split("?")[0] in linking.text, (name, "no print link")
        page = client.get(url)
        assert page.status_code == 200, (name, page.text[:300])
        assert 'href="/static/print.css' in page.text and '<nav class="main">' not in page.text
        for words in EXPECTED[name]:
            assert words in page.text, (name, words)


def test_print_views_keep_the_pages_access_rules(client, app) -> None:  # type: ignore[no-untyped-def]
    as_user(client, "b02-clerk")
    for name, (_, url) in print_urls(app).items():
        assert client.get(url).status_code == 404, name
    member = app.test_client()
    as_user(member, "b01-member")
    grid = member.get("/branch/b01/print/month?month=3")
    assert grid.status_code == 200
    # their own row, not their colleagues' (the plan does not open them, decision 0018)
    names = [m.name for m in tenancy_of(app).branch("b01").members()]
    assert len([n for n in names if f"<th>{n}</th>" in grid.text]) == 1


def test_a_branch_without_a_plan_is_offered_no_print_that_would_fail(client, app) -> None:  # type: ignore[no-untyped-def]
    """Print links only where there is something to print: each one offered opens."""
    tenancy = tenancy_of(app)
    if "b08" not in tenancy.committee(COMMITTEE).committee().branches:
        tenancy.add_branch(COMMITTEE, "b08", "新建党支部")
    as_user(client, "admin")
    sources = ["/branch/b08/plan", "/branch/b08/nomination", "/branch/b08/deeds"]
    sources.append("/branch/b08/assessment?month=3")
    offered = 0
    for source in sources:
        page = client.get(source)
        for url in re.findall(r'href="(/branch/b08/print/[^"]+)"', page.text):
            offered += 1
            assert client.get(url.replace("&amp;", "&")).status_code == 200, (source, url)
    plan = client.get("/branch/b08/plan")
    assert plan.status_code == 200 and "打印方案" not in plan.text


def test_a_months_sheet_lists_only_members_enrolled_by_its_end(client, app, demo) -> None:  # type: ignore[no-untyped-def]
    b01 = tenancy_of(app).branch("b01")
    late = b01.member(demo.new_members[0])  # registered today, after October
    registered = late.created_on.astimezone(BEIJING).date()
    before = registered.month - 1
    assert before >= 1, "the fixture registers the new members after January"
    as_user(client, "b01-secretary")
    earlier = client.get(f"/branch/b01/print/month?month={before}").text
    assert late.name not in earlier
    that_month = client.get(f"/branch/b01/print/month?month={registered.month}").text
    assert late.name in that_month


def test_the_nomination_table_keeps_the_approvals_of_earlier_submissions(client, app) -> None:  # type: ignore[no-untyped-def]
    """The demo's committee approved some of a branch's nominees and returned one, and the
    branch answered with a second submission: the printed table lists every approved nominee,
    of either submission, with the committee's decision, as the interactive page does."""
    tenancy = tenancy_of(app)
    code = next(c for c in ("b01", "b02") if tenancy.branch(c).nomination(YEAR).submissions > 1)
    branch = tenancy.branch(code)
    nomination = branch.nomination(YEAR)
    approved = {
        branch.subject_name(*key)
        for key, decision in branch.nominee_decisions(nomination).items()
        if decision is not None and decision.outcome == "approved"
    }
    latest = {branch.subject_name(e["level"], e["subject"]) for e in nomination.entries}
    assert approved - latest, "the demo approves someone of the first submission only"
    as_user(client, f"{code}-secretary")
    page = client.get(f"/branch/{code}/print/nomination")
    rows = {}
    for row in page.text.split("<tr>")[1:]:
        name = re.search(r"<th>([^<]+)</th>", row)
        if name and "✓" in row:
            rows[name.group(1)] = row
    assert set(rows) == approved | latest
    assert all("批准" in rows[name] for name in approved)
    # scores to two places, as every other page writes them (78.50, not 78.5)
    figures = [f for row in rows.values() for f in re.findall(r"<td>(\d+\.\d+)</td>", row)]
    assert figures and all(len(f.split(".")[1]) == 2 for f in figures), figures


def test_a_months_sheet_scores_each_row_as_the_boards_do(client, app) -> None:  # type: ignore[no-untyped-def]
    """Not the sum of the points: each item weighed under the plan version assessed under."""
    from cxzy_saas.domain import ranking

    as_user(client, "b01-clerk")
    sheet = client.get("/branch/b01/print/month?month=3").text
    b01 = tenancy_of(app).branch("b01")
    versions, _ = b01.plan_versions(YEAR)
    checked = 0
    for member in b01.members():
        found = [
            a
            for a in b01.assessments(YEAR)
            if a.level == "member" and a.subject == member.member_no and a.period.endswith("-03")
        ]
        if not found:
            continue
        score = ranking.scored(versions, found[0])
        row = re.search(rf"<th>{member.name}</th>(.*?)</tr>", sheet, re.S)
        assert row and f"{score:.2f}" in row.group(1), member.name
        assert f"{sum(found[0].scores.values()):.1f}" not in row.group(1).split("<td>")[-1]
        for points in found[0].scores.values():  # each item's points as entered: 7.25 is 7.25
            assert f"<td>{points:g}</td>" in row.group(1)
        checked += 1
    assert checked >= 3
