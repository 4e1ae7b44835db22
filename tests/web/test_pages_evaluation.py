"""The plan and evaluation pages through the Flask test client: the plan's content and
workflow, the half-year and year-end rounds, the nomination beside the ranking, deed materials
and the annual summary; who may open and write what."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import Grant, LinkMember, RegisterUser
from cxzy_saas.application.commands.organisation import EnrolMember, FormGroup
from cxzy_saas.application.commands.plans import DecidePlan, DraftPlan
from cxzy_saas.application.commands.work import AssessMonth
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.demo.build import DEMO_PASSWORD
from cxzy_saas.domain.recording import BEIJING
from tests.web.conftest import (
    COMMITTEE,
    WAITING_BRANCH,
    YEAR,
    Demo,
    as_user,
    build_small_demo,
    csrf_token,
    system,
)

FRESH = "b04"  # groups and members, a drafted plan, a month assessed; no rounds, no nomination
EMPTY = "b05"  # no plan yet
RETURN_REASON = "请补充党小组目标分解"
MEMBERS = ("B04001", "B04002", "B04003")


def add_branch(tenancy: Tenancy, code: str, name: str) -> None:
    tenancy.add_branch(COMMITTEE, code, name)
    committee = tenancy.committee(COMMITTEE)
    for role in ("secretary", "clerk", "leader", "member"):
        username = f"{code}-{role}"
        granted = {"leader": "group-leader", "member": "member"}.get(role, f"branch-{role}")
        committee.register_user(
            system(COMMITTEE),
            RegisterUser(username=username, display_name=username, password=DEMO_PASSWORD),
        )
        committee.grant(system(COMMITTEE), Grant(username=username, role=granted, tenant=code))


def add_fresh_branch(tenancy: Tenancy) -> None:
    add_branch(tenancy, FRESH, "测试党支部")
    branch = tenancy.branch(FRESH)
    actor = system(FRESH)
    branch.form_group(actor, FormGroup(code="g1", name="第一党小组"))
    branch.enrol_members(
        actor,
        [
            EnrolMember(member_no=no, name=name, group="g1", joined_on=date(2015, 7, 1))
            for no, name in zip(MEMBERS, ("赵一", "钱二", "孙三"), strict=True)
        ],
    )
    tenancy.committee(COMMITTEE).link_member(
        system(COMMITTEE),
        LinkMember(username=f"{FRESH}-member", branch=FRESH, member_no=MEMBERS[2]),
    )
    branch.draft_plan(actor, DraftPlan(year=YEAR, drafter="组织委员"))
    content, _ = branch.plan_content(YEAR)
    items = content.items_for("member")
    # Three members ranked 1, 2, 3: full points, half, none.
    scores = {
        no: {i.code: i.max_points * share for i in items}
        for no, share in zip(MEMBERS, (1.0, 0.5, 0.0), strict=True)
    }
    branch.assess_month(actor, AssessMonth(year=YEAR, month=10, level="member", scores=scores))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    demo = build_small_demo(tmp_path_factory.mktemp("pages-evaluation"))
    tenancy = Tenancy(demo.settings)
    try:
        add_fresh_branch(tenancy)
        add_branch(tenancy, EMPTY, "待起草党支部")
        tenancy.committee(COMMITTEE).decide_plan(
            system(COMMITTEE),
            DecidePlan(branch=WAITING_BRANCH, year=YEAR, outcome="returned", reason=RETURN_REASON),
        )
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    return demo


def post(client, page: str, action: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    """Post a form of ``page`` (its CSRF token) to ``action``."""
    token = csrf_token(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token, "campaign": YEAR})


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# the plan


def test_the_plan_page_shows_the_content_and_the_reason_of_a_return(client):
    page = as_user(client, f"{WAITING_BRANCH}-clerk").get(f"/branch/{WAITING_BRANCH}/plan")
    assert page.status_code == 200
    assert "指导思想" in page.text and "评选条件" in page.text and "综合评分权重" in page.text
    assert "退回理由" in page.text and RETURN_REASON in page.text
    assert "本次修改答复党委第 1 次报批的退回意见" in page.text
    assert 'name="csrf_token"' in page.text


def test_a_workflow_step_changes_the_status_and_shows_in_the_history(client):
    as_user(client, f"{EMPTY}-clerk")
    page = f"/branch/{EMPTY}/plan"
    assert "尚未起草方案" in client.get(page).text
    blank = post(client, page, f"/branch/{EMPTY}/plan/draft", {"drafter": " "})
    assert blank.status_code == 422 and "此项不能为空" in blank.text
    drafted = post(client, page, f"/branch/{EMPTY}/plan/draft", {"drafter": "李组织"})
    assert drafted.status_code == 302
    assert "草稿" in client.get(page).text
    discussed = post(
        client,
        page,
        f"/branch/{EMPTY}/plan/discuss",
        {"on": datetime.now(BEIJING).date().isoformat(), "minutes": "同意印发"},
    )
    assert discussed.status_code == 302
    shown = client.get(page).text
    assert "支委会已讨论" in shown and "同意印发" in shown
    wrong = post(
        client, page, f"/branch/{EMPTY}/plan/circulate", {"to": "全体党员", "on": "2026-13-01"}
    )
    assert wrong.status_code == 422
    assert "没有这一天（2026-13-01）" in wrong.text and 'value="全体党员"' in wrong.text


def test_a_revision_answers_the_return_and_refuses_bad_weights_next_to_the_field(client):
    as_user(client, f"{WAITING_BRANCH}-secretary")
    page = f"/branch/{WAITING_BRANCH}/plan"
    form = {
        "guiding_ideology": "以党的创新理论为指导",
        "assessment_method": "每月考核",
        "selection_method": "民主推荐",
        "commendation_method": "七一表彰",
        "organisation": "书记负责",
        "w_work": "abc",
        "w_rating": "30",
        "w_target": "10",
        "note": "按党委意见修改",
    }
    refused = post(client, page, f"/branch/{WAITING_BRANCH}/plan/revise", form)
    assert refused.status_code == 422
    assert "请输入不小于 0 的数字" in refused.text and 'value="abc"' in refused.text
    revised = post(client, page, f"/branch/{WAITING_BRANCH}/plan/revise", {**form, "w_work": "50"})
    assert revised.status_code == 302
    shown = text_of(client.get(page).text)
    assert "已修改" in shown and "第 2 版" in shown and "答复党委退回意见" in shown


# the evaluation rounds


def test_a_round_is_started_a_member_files_their_own_summary_and_the_branch_reports(client):
    page = f"/branch/{FRESH}/evaluation/midyear"
    as_user(client, f"{FRESH}-clerk")
    started = post(client, page, f"{page}/start", {"on": "2026-07-01"})
    assert started.status_code == 302
    as_user(client, f"{FRESH}-member")
    mine = client.get(page).text
    assert "孙三" in mine and "赵一" not in mine
    filed = post(client, page, f"{page}/summary", {"member": MEMBERS[0], "text": "半年来认真学习"})
    assert filed.status_code == 302
    as_user(client, f"{FRESH}-clerk")
    shown = client.get(page).text
    assert "半年来认真学习" in shown
    review = client.get(page)  # the member's summary went to their own number, not another's
    assert re.search(r"孙三.*?半年来认真学习", review.text, re.S)
    early = post(client, page, f"{page}/report", {"on": "2026-07-10"})
    assert early.status_code == 422 and "请先填写支部的总结，再向党委汇报。" in early.text
    assert "file the branch" not in early.text  # no English beside the Chinese
    critique = post(client, page, f"{page}/critique", {"member": MEMBERS[0], "remarks": ""})
    assert critique.status_code == 422 and "此项不能为空" in critique.text
    assert (
        post(client, page, f"{page}/branch-summary", {"text": "对照条件查找差距"}).status_code
        == 302
    )
    assert post(client, page, f"{page}/report", {"on": "2026-07-10"}).status_code == 302
    assert "已于 2026-07-10 向党委汇报" in client.get(page).text


# the nomination


def test_a_departing_nominee_without_a_reason_is_refused_next_to_the_field(client):
    as_user(client, f"{FRESH}-secretary")
    page = f"/branch/{FRESH}/nomination"
    shown = client.get(page)
    assert shown.status_code == 200 and "综合得分" in shown.text and "孙三" in shown.text
    refused = post(client, page, page, {"pick": f"member:{MEMBERS[2]}"})
    assert refused.status_code == 422
    assert "与计算排名不一致（第 3 名），须写明理由" in refused.text
    assert f'value="member:{MEMBERS[2]}" aria-label="推荐 孙三" checked' in refused.text
    # the group was never assessed nor rated: 未参评, listed apart, and shortlisting it needs
    # a reason like any departure from the ranking
    assert "未参评（没有可计分的考核或测评" in shown.text
    unrated = post(
        client,
        page,
        page,
        {"pick": [f"member:{MEMBERS[2]}", "group:g1"], f"reason.member:{MEMBERS[2]}": "群众公认"},
    )
    assert unrated.status_code == 422
    assert "未参评（没有可计分的考核或测评），推荐须写明理由" in unrated.text
    saved = post(
        client,
        page,
        page,
        {
            "pick": [f"member:{MEMBERS[2]}", "group:g1"],
            f"reason.member:{MEMBERS[2]}": "群众公认",
            "reason.group:g1": "新组建,支部大会推举",
        },
    )
    assert saved.status_code == 302
    again = client.get(page).text
    assert "群众公认" in again and "尚未报送" in again
    assert post(client, page, f"{page}/submit", {"on": "2026-12-01"}).status_code == 302
    assert "已于 2026-12-01 报送党委" in client.get(page).text


def test_the_committee_decision_on_each_nominee_shows_with_the_reason(client):
    page = as_user(client, "b01-clerk").get("/branch/b01/nomination")
    assert page.status_code == 200 and "党委审批" in page.text
    assert 'name="pick"' not in page.text  # submitted: read only


# deeds and the annual summary


def test_deed_materials_keep_their_versions(client):
    as_user(client, "b01-secretary")
    page = "/branch/b01/deeds"
    shown = client.get(page).text
    assert "优秀党员" in shown and "年度总结" in shown
    action = "/branch/b01/deeds/member/B01006"
    first = post(client, page, action, {"text": "扎根基层,服务群众", "attachments": ""})
    assert first.status_code == 302
    second = post(client, page, action, {"text": "扎根基层,服务群众,带头攻坚"})
    assert second.status_code == 302
    text = text_of(client.get(page).text)
    assert "带头攻坚" in text and "第 1 版" in text
    same = post(client, page, action, {"text": "扎根基层,服务群众,带头攻坚"})
    assert same.status_code == 422 and "事迹材料没有变化。" in same.text
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = post(client, page, action, {"text": "扎根基层,服务群众,带头攻坚"})
    assert english.status_code == 422 and "nothing changed" in english.text


def test_the_annual_summary_is_filed_and_reported(client):
    as_user(client, f"{FRESH}-clerk")
    page = f"/branch/{FRESH}/deeds"
    fields = {"basic_facts": "党员3名", "experience": "", "problems": "学习不够", "plans": "加强"}
    refused = post(client, page, f"/branch/{FRESH}/annual-summary", fields)
    assert (
        refused.status_code == 422 and "此项不能为空" in refused.text and "学习不够" in refused.text
    )
    filed = post(client, page, f"/branch/{FRESH}/annual-summary", {**fields, "experience": "经验"})
    assert filed.status_code == 302
    reported = post(
        client,
        page,
        f"/branch/{FRESH}/annual-summary/report",
        {"to": "committee", "on": "2026-11-28"},
    )
    assert reported.status_code == 302 and "2026-11-28" in client.get(page).text
    again = post(
        client,
        page,
        f"/branch/{FRESH}/annual-summary/report",
        {"to": "committee", "on": "2026-11-29"},
    )
    assert again.status_code == 422 and "年度总结已于 2026-11-28 向党委报告。" in again.text


# who may open and write what

PAGES = ["/plan", "/evaluation/midyear", "/evaluation/year-end", "/nomination", "/deeds"]


@pytest.mark.parametrize("path", PAGES)
def test_another_branchs_user_gets_404(client, path):
    assert as_user(client, "b02-clerk").get(f"/branch/b01{path}").status_code == 404


@pytest.mark.parametrize("path", PAGES)
def test_a_committee_viewer_reads_and_gets_403_on_writes(client, path):
    as_user(client, "viewer")
    page = client.get(f"/branch/b01{path}")
    assert page.status_code == 200 and "保存" not in text_of(page.text)
    token = csrf_token(page.text)
    writes = {
        "/plan": "/branch/b01/plan/discuss",
        "/evaluation/midyear": "/branch/b01/evaluation/midyear/branch-summary",
        "/evaluation/year-end": "/branch/b01/evaluation/year-end/critique",
        "/nomination": "/branch/b01/nomination",
        "/deeds": "/branch/b01/annual-summary",
    }
    refused = client.post(writes[path], data={"csrf_token": token, "text": "x"})
    assert refused.status_code == 403


def test_a_write_without_the_csrf_token_is_refused(client):
    as_user(client, "b01-clerk")
    assert client.post("/branch/b01/plan/discuss", data={"minutes": "x"}).status_code == 400


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_switch_to_english(client, path):
    as_user(client, "b01-clerk")
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get(f"/branch/b01{path}")
    assert page.status_code == 200 and 'lang="en"' in page.text
