"""A closed year is final (decision 0011), on the pages: the branch's forms about a closed
year answer with the refusal in Chinese and write nothing; the archive pages show an
amendment and the revision it sealed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import (
    CloseAmendment,
    OpenAmendment,
)
from cxzy_saas.application.commands.work import FileMeasure, RecordDaily, ReportMeasure
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections import queries
from cxzy_saas.web import read_model_of, tenancy_of
from tests.builders import close_year
from tests.web.api_demo import bearer
from tests.web.conftest import COMMITTEE, YEAR, Demo, as_user, build_small_demo, csrf_token

ADMIN = Actor(user="admin", role="committee-admin", tenant=COMMITTEE)
CLERK = Actor(user="b01-clerk", role="branch-clerk", tenant="b01")
CLOSED = "2026 年度活动已于 2026-12-31 结束"
REASON = "漏记年终志愿服务，按签到表补记"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    demo = build_small_demo(tmp_path_factory.mktemp("pages-final"))
    tenancy = Tenancy(demo.settings)
    try:
        committee = tenancy.committee(COMMITTEE)
        # a measure b01 reports to the committee, which the year closes over unacknowledged
        b01, clerk = tenancy.branch("b01"), Actor("b01-clerk", "branch-clerk", "b01")
        measure = b01.file_measure(
            clerk,
            FileMeasure(
                year=YEAR,
                level="branch",
                subject="b01",
                criteria=[1],
                text="整理档案",
                due=date(YEAR, 12, 31),
            ),
        )
        b01.report_measure(
            clerk, ReportMeasure(measure_id=measure, to="committee", on=tenancy.today())
        )
        close_year(tenancy, YEAR)
        committee.seal_archive(ADMIN, "b02", YEAR)
        amendment = committee.open_amendment(
            ADMIN, OpenAmendment(year=YEAR, branch="b02", reason=REASON)
        )
        b02 = tenancy.branch("b02")
        b02.record_daily(
            Actor(user="b02-clerk", role="branch-clerk", tenant="b02"),
            RecordDaily(
                year=YEAR,
                on=date(YEAR, 11, 20),  # a day gone by: a record is of what happened
                level="member",
                subject=b02.members()[0].member_no,
                text="年终志愿服务",
            ),
        )
        committee.close_amendment(
            ADMIN, CloseAmendment(year=YEAR, amendment=amendment, note="已补记")
        )
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    return demo


def post(client, page: str, action: str, **data: Any):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def forms(app: Any, client: Any) -> list[tuple[str, str, dict[str, str]]]:
    b01 = tenancy_of(app).branch("b01")
    # The record shown first on the list (a retraction's refusal is shown beside its record).
    found = re.search(r'id="r-([0-9a-f-]{36})"', client.get("/branch/b01/records").text)
    assert found
    member = b01.members()[0].member_no
    measure = b01.measures(YEAR)[0].id
    record = found.group(1)
    assessment = next(a for a in b01.assessments(YEAR) if a.level == "member")
    group = next(
        g.code
        for g in b01.groups()
        if assessment.subject in {m.member_no for m in b01.group_members(g.code)}
    )
    return [
        (
            "/branch/b01/records",
            "/branch/b01/records",
            {
                "on": "2026-12-30",
                "level": "member",
                "subject": member,
                "text": "补记",
                "criterion": "",
                "evidence": "",
            },
        ),
        ("/branch/b01/records", f"/branch/b01/records/{record}/retraction", {"reason": "记错"}),
        (
            "/branch/b01/measures",
            "/branch/b01/measures",
            {
                "level": "member",
                "subject": member,
                "text": "补订措施",
                "due": "2026-12-30",
                "criteria": "member:2",
            },
        ),
        (
            "/branch/b01/measures",
            f"/branch/b01/measures/{measure}/completion",
            {"on": "2026-12-30", "note": ""},
        ),
        (
            f"/branch/b01/assessment?month={int(assessment.period[5:7])}",
            "/branch/b01/assessment/correction",
            {
                "grid": group,
                "month": str(int(assessment.period[5:7])),
                "subject": assessment.subject,
                "item": sorted(assessment.scores)[0],
                "points": "0",
                "reason": "录入错误",
            },
        ),
    ]


def test_the_branch_forms_about_a_closed_year_are_refused_in_chinese(client, app):
    """The records, measures and score-correction forms, each page posting to its command."""
    as_user(client, "b01-clerk")
    b01 = tenancy_of(app).branch("b01")
    for page, action, data in forms(app, client):
        head = b01.head()
        refused = post(client, page, action, **data)
        # The pages answer a refusal beside the form it concerns, as 422 (web/pages/forms.py).
        assert refused.status_code == 422, (action, refused.status_code)
        assert CLOSED in refused.text, action
        assert b01.head() == head, action


def test_the_archive_pages_show_the_amendment_and_its_revision(client):
    as_user(client, "auditor")
    listing = client.get("/committee/archives").text
    row = next(r for r in listing.split("<tr") if 'data-branch="b02"' in r)
    assert "已归档" in row and "第 2 版" in row
    page = client.get(f"/committee/archives/b02/{YEAR}/verify")
    assert page.status_code == 200
    text = page.text
    assert "校验通过" in text and "第 2 版" in text and "更正记录" in text
    assert REASON in text and "已补记" in text


def test_a_trail_says_which_events_were_recorded_under_an_amendment(client, app):
    as_user(client, "auditor")
    member = tenancy_of(app).branch("b02").members()[0].member_no
    # the whole trail on one page (it pages by 50 otherwise; the amendment is at the end)
    page = client.get(f"/committee/audit/trail?branch=b02&subject={member}&per_page=1000")
    assert page.status_code == 200
    assert "年终志愿服务" in page.text and "更正中记录" in page.text


def test_a_closed_years_undecided_items_are_not_offered_for_decision(client, app):
    """What the year left waiting (b01's measure report) can no longer be answered: the
    queue and the overview's count leave it out rather than offer buttons that answer 422."""
    with app.app_context():
        db = read_model_of(app, COMMITTEE)
        left = [a for a in queries.approvals(db, COMMITTEE) if a["year"] == YEAR]
    assert left, "the fixture leaves items of the closed year undecided"
    admin = as_user(client, "admin")
    page = admin.get(f"/committee/approvals?campaign={YEAR}").text
    assert 'value="acknowledged"' not in page and 'name="pick"' not in page
    assert 'value="approved"' not in page and "没有待审批的事项" in page
    overview = admin.get(f"/committee?campaign={YEAR}").text
    assert re.search(r'id="waiting-count">0<', overview)
    for branch in ("b01", "b03"):  # nor the branch's home, whatever day the close names
        home = admin.get(f"/branch/{branch}?campaign={YEAR}").text
        assert "<strong>0</strong>项等待党委审批" in home, branch
    # nor does the API list them as waiting for the committee
    api = app.test_client()
    waiting = api.get(f"/api/v1/campaigns/{YEAR}/approvals", headers=bearer(api, "admin"))
    assert waiting.status_code == 200 and waiting.json["items"] == []


def test_a_closed_years_rounds_say_they_are_closed_not_in_progress(client):
    """A round of a closed year (reported or not) is locked, and offers no form."""
    as_user(client, "b01-secretary")
    for stage in ("midyear", "year-end"):
        page = client.get(f"/branch/b01/evaluation/{stage}?campaign={YEAR}").text
        assert "进行中" not in page, stage
        assert "本轮记录已锁定" in page, stage
        assert 'name="remarks"' not in page, stage


def test_a_closed_years_ballots_offer_no_form_to_open_close_or_reissue(client):
    as_user(client, "b01-secretary")
    page = client.get(f"/branch/b01/ballots?campaign={YEAR}").text
    assert f"{YEAR} 年度活动已于" in page and "不能再发起" in page
    for action in ("/reissue", '/close"', "发起并打印测评票"):
        assert action not in page, action


def test_a_closed_year_asks_nothing_more_of_the_branch_in_its_to_do(client):
    for user in ("b01-member", "b01-clerk"):
        as_user(client, user)
        home = client.get("/branch/b01").text
        assert "眼下没有需要您办理的事项" in home, user
