"""Pages of the rest of the campaign (issue 13): re-nomination after a return, the branch's own
commendation, tasks, requests and reports."""

from __future__ import annotations

import re
from datetime import date

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.evaluation import DecideNominee, Shortlist, SubmitNomination
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.web import tenancy_of
from tests.web.conftest import COMMITTEE, NEW_GROUP, YEAR, Demo, as_user, build_small_demo, system
from tests.web.test_pages_evaluation import FRESH, MEMBERS, add_fresh_branch, post, text_of

RETURNED = "请补充全年具体事例"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    demo = build_small_demo(tmp_path_factory.mktemp("pages-rest"))
    tenancy = Tenancy(demo.settings)
    try:
        add_fresh_branch(tenancy)
        branch = tenancy.branch(FRESH)
        entries = [{"level": "member", "subject": MEMBERS[0]}]
        branch.shortlist(system(FRESH), Shortlist(year=YEAR, entries=entries))
        branch.submit_nomination(system(FRESH), SubmitNomination(year=YEAR, on=date(YEAR, 11, 20)))
        tenancy.committee(COMMITTEE).decide_nominee(
            system(COMMITTEE),
            DecideNominee(
                branch=FRESH,
                year=YEAR,
                level="member",
                subject=MEMBERS[0],
                outcome="returned",
                reason=RETURNED,
            ),
        )
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    return demo


def test_a_returned_nominee_is_nominated_again_from_the_page_with_an_answer(client):
    as_user(client, f"{FRESH}-clerk")
    page = f"/branch/{FRESH}/nomination"
    shown = text_of(client.get(page).text)
    assert "答复退回理由，重新推荐" in shown and RETURNED in shown
    key = f"member:{MEMBERS[0]}"
    empty = post(client, page, f"{page}/again", {"pick": key, "answer": "", "on": "2026-11-25"})
    assert empty.status_code == 422
    sent = post(
        client,
        page,
        f"{page}/again",
        {
            "pick": key,
            "answer": "已补充全年具体事例",
            "on": "2026-11-25",
            f"reason.{key}": "事迹突出",
        },
    )
    assert sent.status_code == 302
    after = text_of(client.get(page).text)
    assert "退回与重新推荐" in after and "已补充全年具体事例" in after
    assert "第 2 次" in after and "答复退回理由，重新推荐" not in after


def test_a_request_is_sent_answered_and_a_task_assigned_and_reported_through_the_pages(client):
    as_user(client, "b01-clerk")
    page = "/branch/b01/letters"
    sent = post(
        client,
        page,
        page,
        {
            "kind": "request",
            "title": "关于表彰名额的请示",
            "text": "请予批示。",
            "on": "2026-11-30",
        },
    )
    assert sent.status_code == 302
    assert "关于表彰名额的请示" in text_of(client.get(page).text)
    empty = post(client, page, page, {"kind": "request", "title": "", "text": "", "on": ""})
    assert empty.status_code == 422
    as_user(client, "admin")
    cpage = "/committee/letters"
    shown = client.get(cpage).text
    letter = re.search(r"/committee/letters/b01/([0-9a-f-]{36})/reply", shown)
    assert letter is not None
    replied = post(client, cpage, letter.group(0), {"text": "同意。", "on": "2026-12-01"})
    assert replied.status_code == 302
    assigned = post(
        client,
        cpage,
        "/committee/tasks",
        {
            "branch": "b01",
            "title": "组织学习先进事迹",
            "text": "年底前完成",
            "due": "2026-12-31",
            "on": "2026-11-30",
        },
    )
    assert assigned.status_code == 302
    as_user(client, "b01-clerk")
    shown = client.get(page).text
    assert "同意。" in shown and "组织学习先进事迹" in shown
    task = re.search(r"/branch/b01/tasks/([0-9a-f-]{36})/report", shown)
    assert task is not None
    done = post(client, page, task.group(0), {"text": "已完成学习", "on": "2026-11-30"})
    assert done.status_code == 302
    assert "已于 2026-11-30 报告完成" in client.get(page).text
    as_user(client, "b01-member")
    assert client.get(page).status_code == 404  # officers only, as in the API


def test_a_filed_annual_summary_is_corrected_from_the_page(client):
    as_user(client, "b01-secretary")
    page = "/branch/b01/deeds"
    shown = client.get(page).text
    assert "更正年度总结" in shown
    fields = {
        "basic_facts": "全年开展创先争优活动的基本情况(更正)",
        "experience": "坚持平时考核与集中考核相结合",
        "problems": "学习深度和创新不足",
        "plans": "明年继续完善考核办法",
    }
    empty = post(client, page, "/branch/b01/annual-summary/revision", {**fields, "reason": ""})
    assert empty.status_code == 422
    fixed = post(
        client, page, "/branch/b01/annual-summary/revision", {**fields, "reason": "补充说明"}
    )
    assert fixed.status_code == 302
    after = text_of(client.get(page).text)
    assert "(更正)" in after and "已更正" in after
    as_user(client, "b01-leader")
    assert "更正年度总结" not in client.get(page).text  # the leader writes deeds, not summaries


def test_the_branch_commends_its_own_and_recommends_upward_from_the_page(client):
    as_user(client, "b01-secretary")
    page = "/branch/b01/deeds"
    assert "党支部的表彰与向上级推荐" in client.get(page).text
    none = post(
        client,
        page,
        "/branch/b01/own-commendation",
        {"subject": "group:g3", "text": "组织生活严密", "on": "2026-11-30"},
    )
    assert none.status_code == 422  # no form chosen
    token_page = client.get(page).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page)
    assert token is not None
    made = client.post(
        "/branch/b01/own-commendation",
        data={
            "csrf_token": token.group(1),
            "campaign": YEAR,
            "subject": "group:g3",
            "forms": ["notice", "prize"],
            "text": "组织生活严密",
            "on": "2026-11-30",
        },
    )
    assert made.status_code == 302, text_of(made.text)[:3000]
    shown = text_of(client.get(page).text)
    assert "通报表扬、颁发奖品" in shown
    upward = post(
        client,
        page,
        "/branch/b01/own-commendation/upward",
        {"subject": "group:g3", "reason": "事迹突出", "on": "2026-11-30"},
    )
    assert upward.status_code == 302
    assert "已向上级推荐" in client.get(page).text
    # the committee reads the request beside its nominees, and may name the group on it
    as_user(client, "admin")
    commend = f"/committee/campaigns/{YEAR}/commendation"
    offered = text_of(client.get(commend).text)
    assert "（党支部提请表彰：事迹突出）" in offered
    named = post(
        client,
        commend,
        commend,
        {"entries": "b01|group|g3", "on": "2026-11-30", "decision_text": "党委表彰决定"},
    )
    assert named.status_code == 302, text_of(named.text)[:2000]
    assert "先进党小组" in text_of(client.get(commend).text)


def test_a_form_of_the_deeds_page_sent_twice_saves_once(client, app):
    """The evaluation pages' forms carry the one-time key too (a double click)."""
    as_user(client, "b01-secretary")
    page = client.get("/branch/b01/deeds").text
    form = page[page.index('id="commend"') :]
    keys = dict(re.findall(r'name="(csrf_token|once|campaign)" value="([^"]+)"', form)[:3])
    assert set(keys) == {"csrf_token", "once", "campaign"}
    group = f"group:{NEW_GROUP}"  # commended by nobody yet
    body = {**keys, "subject": group, "forms": ["notice"], "text": "两次", "on": "2026-11-30"}
    answers = [client.post("/branch/b01/own-commendation", data=body) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302]
    own = tenancy_of(app).branch("b01").branch_commendation(YEAR)
    assert own is not None
    assert sum(1 for c in own.commended if c["subject"] == NEW_GROUP) == 1


def test_the_assessment_page_shows_a_leader_their_group_and_a_member_their_own_row(client):
    as_user(client, "b01-leader")
    leader = client.get("/branch/b01/assessment?month=10").text
    assert re.findall(r'id="grid-([^"]+)"', leader) == ["g1"]
    as_user(client, "b01-secretary")
    secretary = client.get("/branch/b01/assessment?month=10").text
    assert {"g1", "g2", "groups"} <= set(re.findall(r'id="grid-([^"]+)"', secretary))
    as_user(client, "b01-member")
    member = client.get("/branch/b01/assessment?month=10").text
    assert "B01003" in member and "B01001" not in member


def test_the_nomination_page_shows_whom_the_half_year_review_recommended(client):
    as_user(client, "b01-clerk")
    shown = text_of(client.get("/branch/b01/nomination").text)
    assert "半年初评推选表扬：" in shown and "推荐其他对象须写明理由" in shown
    named = shown.split("半年初评推选表扬：")[1].split("。")[0]
    assert not re.search(r"B\d{5}", named), named  # by name
    # a member reads the groups, and themself if named, but no colleague, by name or number
    as_user(client, "b01-member")
    member = text_of(client.get("/branch/b01/nomination").text)
    theirs = member.split("半年初评推选表扬：")[1].split("。")[0]
    assert not re.search(r"B\d{5}", theirs) and set(theirs.split("；")[0].split("、")) <= set(
        named.split("；")[0].split("、")
    )


@pytest.mark.parametrize("username", ["b01-member", "b01-leader"])
def test_a_branchs_correspondence_is_no_page_for_its_members_as_in_the_api(client, username):
    as_user(client, username)
    assert client.get("/branch/b01/letters").status_code == 404
    as_user(client, "b01-secretary")
    assert client.get("/branch/b01/letters").status_code == 200


def test_the_branch_reads_the_committees_acknowledgement_of_its_reports(client):
    """The committee acknowledged the half-year report and the annual summary: the branch's
    pages said only that they were reported (tester)."""
    as_user(client, "b01-secretary")
    for page in (
        f"/branch/b01/evaluation/midyear?campaign={YEAR}",
        f"/branch/b01/deeds?campaign={YEAR}",
    ):
        shown = client.get(page).text
        found = re.search(r'<p class="notice" id="committee-answer">([^<]+)</p>', shown)
        assert found is not None, page
        assert re.fullmatch(r"党委已于 \d{4}-\d{2}-\d{2} 收悉(：.+|。)", found.group(1)), (
            found.group(1)
        )
