"""Approvals with the item (issue 14): each card shows what is decided and links to it; several
measures are acknowledged with one submit; a returned plan or nominee shows the branch the way
back to sending it again."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.evaluation import Shortlist, SubmitNomination
from cxzy_saas.application.commands.work import CompleteMeasure, FileMeasure, ReportMeasure
from cxzy_saas.application.tenancy import Tenancy
from tests.web.conftest import WAITING_BRANCH, YEAR, Demo, as_user, build_small_demo, system
from tests.web.test_pages_evaluation import FRESH, MEMBERS, add_fresh_branch, post, text_of

MEASURES = ("开展党员先锋岗创建", "建立结对帮扶台账", "每月组织一次主题党日")
DONE_LATER = "整理支部活动档案"  # filed and reported a week ago, completed today


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    demo = build_small_demo(tmp_path_factory.mktemp("approvals-items"))
    tenancy = Tenancy(demo.settings)
    try:
        add_fresh_branch(tenancy)
        branch = tenancy.branch(FRESH)
        entries = [{"level": "member", "subject": MEMBERS[0]}]
        branch.shortlist(system(FRESH), Shortlist(year=YEAR, entries=entries))
        branch.submit_nomination(system(FRESH), SubmitNomination(year=YEAR, on=date(YEAR, 11, 20)))
        report_measures(tenancy)
        report_and_complete_later(tenancy)
        project(demo)
    finally:
        tenancy.close()
    return demo


def report_measures(tenancy: Tenancy) -> None:
    """b01 files the three MEASURES of its own and reports them to the committee."""
    b01 = tenancy.branch("b01")
    for text in MEASURES:
        measure = b01.file_measure(
            system("b01"),
            FileMeasure(
                year=YEAR,
                level="branch",
                subject="b01",
                criteria=[1, 2],
                text=text,
                due=date(YEAR, 12, 31),
            ),
        )
        b01.report_measure(
            system("b01"),
            ReportMeasure(measure_id=measure, to="committee", on=tenancy.today()),
        )


def report_and_complete_later(tenancy: Tenancy) -> None:
    today = tenancy.today()
    b01 = tenancy.branch("b01")
    week_ago = datetime.combine(today - timedelta(days=7), datetime.min.time(), UTC)
    clock, tenancy.clock = tenancy.clock, lambda: week_ago.replace(hour=2)
    try:
        measure = b01.file_measure(
            system("b01"),
            FileMeasure(
                year=YEAR,
                level="branch",
                subject="b01",
                criteria=[1],
                text=DONE_LATER,
                due=date(YEAR, 12, 31),
            ),
        )
        b01.report_measure(
            system("b01"),
            ReportMeasure(measure_id=measure, to="committee", on=week_ago.date()),
        )
    finally:
        tenancy.clock = clock
    b01.complete_measure(system("b01"), CompleteMeasure(measure_id=measure, on=today))


def project(demo: Demo) -> None:
    tenancy = Tenancy(demo.settings)
    try:
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()


def card(html: str, kind: str, needle: str = "") -> str:
    """The text of the first card of ``kind`` that contains ``needle``."""
    for found in re.findall(rf'<li class="card"[^>]*data-kind="{kind}".*?</li>', html, re.S):
        if needle in found:
            return found
    raise AssertionError(f"no {kind} card with {needle!r}")


def test_each_card_shows_and_links_what_is_decided(client):
    page = as_user(client, "admin").get("/committee/approvals").text
    plan = card(page, "plan")
    assert "指导思想" in plan and "综合评分权重" in plan and "组织委员" in plan
    assert f'href="/branch/{WAITING_BRANCH}/plan?campaign={YEAR}"' in plan
    measure = card(page, "measure", MEASURES[0])
    assert "对应评选条件" in measure and "第1条" in measure and f"{YEAR}-12-31" in measure
    # each measure is told apart by its own words, in the card's title and in the 待办
    titles = re.findall(r'data-kind="measure".*?<p>([^<]+)<span', page, re.S)
    assert len(set(titles)) == len(titles) and "党支部措施" not in "".join(titles), titles
    todo = client.get("/committee").text
    assert sum(f"《{m[:29]}" in todo for m in MEASURES) == len(MEASURES)
    assert re.search(rf'href="/branch/b01/measures\?campaign={YEAR}#m-[0-9a-f-]+"', measure)
    nominee = card(page, "nominee")
    assert "赵一" in nominee and "综合得分与排名" in nominee
    title = nominee.split("<p>")[1].split("<span")[0]
    assert title == "推荐优秀党员：赵一"  # the name, not B04001
    assert "《推荐优秀党员：赵一》" in todo  # the 待办 names them too
    assert f'href="/branch/{FRESH}/nomination?campaign={YEAR}"' in nominee
    # the linked pages open for the committee
    for link in (f"/branch/{WAITING_BRANCH}/plan?campaign={YEAR}", "/branch/b01/measures"):
        assert client.get(link).status_code == 200


def test_approvals_as_of_a_past_day_show_the_item_as_it_stood_then(client, demo):
    """Not the completion recorded later; and a measure's card is titled once, not
    "党支部措施" twice (an as-of read model keeps no lists to take its words from)."""
    tenancy = Tenancy(demo.settings)
    try:
        day = tenancy.today() - timedelta(days=3)
    finally:
        tenancy.close()
    page = as_user(client, "admin").get(f"/committee/approvals?as_of={day.isoformat()}").text
    measure = card(page, "measure", DONE_LATER)
    assert "已完成" not in measure
    title = measure.split("<p>")[1].split("<span")[0]
    assert "党支部措施" not in title and DONE_LATER in title
    today = client.get("/committee/approvals").text
    assert "已完成" in card(today, "measure", DONE_LATER)


def test_a_plan_card_as_of_a_past_day_shows_the_version_then_submitted(client, demo):
    """A plan returned, revised and sent again: as of the day of its first submission the card
    showed the latest version, which did not exist yet (tester)."""
    tenancy = Tenancy(demo.settings)
    try:
        plans = {c: tenancy.branch(c).plan(YEAR) for c in ("b01", "b02")}
        code, plan = next((c, p) for c, p in plans.items() if len(p.submitted_versions) > 1)
        name = tenancy.branch(code).branch().name
    finally:
        tenancy.close()
    first, later = plan.submitted_versions[1], plan.submitted_versions[2]
    assert first < later
    day = plan.submitted_days[1].isoformat()
    page = as_user(client, "admin").get(f"/committee/approvals?as_of={day}").text
    shown = text_of(card(page, "plan", name))
    assert f"第 {first} 版" in shown and f"第 {later} 版" not in shown


def test_several_measures_are_acknowledged_with_one_submit(client):
    client.get("/logout")
    viewer = as_user(client, "viewer")
    seen = viewer.get("/committee/approvals").text
    assert 'id="bulk"' not in seen and 'name="pick"' not in seen
    page = "/committee/approvals"
    action = "/committee/approvals/acknowledgements"
    assert post(viewer, page, action, {"pick": "x"}).status_code == 403
    client.get("/logout")

    admin = as_user(client, "admin")
    html = admin.get(page).text
    assert 'id="bulk"' in html and "批量确认收悉" in html
    keys = [
        re.search(r'name="pick" value="([^"]+)"', card(html, "measure", text)).group(1)  # type: ignore[union-attr]
        for text in (*MEASURES, DONE_LATER)
    ]
    nothing = post(admin, page, action, {"note": "收悉"})
    assert nothing.status_code == 422 and "请先勾选要确认收悉的事项" in nothing.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get(page).text).group(1)  # type: ignore[union-attr]
    done = admin.post(
        action,
        data={"csrf_token": token, "pick": [*keys[:2], keys[3]], "note": "已收悉，请抓好落实"},
    )
    assert done.status_code == 302
    after = admin.get(page).text
    assert "已确认收悉 3 项" in text_of(after)
    assert MEASURES[0] not in after and MEASURES[1] not in after and MEASURES[2] in after
    assert DONE_LATER not in after
    # one measure left: no bulk form for a single item, its own button stays
    assert 'id="bulk"' not in after
    again = admin.post(action, data={"csrf_token": token, "pick": keys[:1]})
    assert again.status_code == 422  # decided already: no longer in the queue


def test_a_returned_plan_and_nominee_show_the_branch_the_way_back(client, demo):
    admin = as_user(client, "admin")
    page = "/committee/approvals"
    html = admin.get(page).text
    nominee = card(html, "nominee")
    subject = re.search(r'data-subject="([^"]+)"', nominee).group(1)  # type: ignore[union-attr]
    returned = post(
        admin,
        page,
        page,
        {
            "branch": FRESH,
            "kind": "nominee",
            "subject": subject,
            "submission": 1,
            "year": YEAR,
            "outcome": "returned",
            "reason": "请补充全年具体事例",
        },
    )
    assert returned.status_code == 302
    plan = {
        "branch": WAITING_BRANCH,
        "kind": "plan",
        "subject": str(YEAR),
        "submission": 1,
        "year": YEAR,
        "outcome": "returned",
        "reason": "请细化评分细则",
    }
    assert post(admin, page, page, plan).status_code == 302
    project(demo)
    client.get("/logout")

    clerk = as_user(client, f"{FRESH}-clerk")
    queue = clerk.get(f"/branch/{FRESH}/queue").text
    assert f'href="/branch/{FRESH}/nomination?campaign={YEAR}#again"' in queue
    assert "答复退回理由，重新推荐" in queue
    assert clerk.get(f"/branch/{FRESH}/nomination?campaign={YEAR}").status_code == 200
    client.get("/logout")

    secretary = as_user(client, f"{WAITING_BRANCH}-secretary")
    queue = secretary.get(f"/branch/{WAITING_BRANCH}/queue").text
    assert f'href="/branch/{WAITING_BRANCH}/plan?campaign={YEAR}#revise"' in queue
    assert 'id="revise"' in secretary.get(f"/branch/{WAITING_BRANCH}/plan").text
    client.get("/logout")

    # the committee reads the queue but is not offered the branch's way back
    viewer = as_user(client, "viewer")
    assert "#revise" not in viewer.get(f"/branch/{WAITING_BRANCH}/queue").text
