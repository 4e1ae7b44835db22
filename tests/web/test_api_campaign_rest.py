"""The rest of the campaign as the guidance text describes it (issue 13), through the API:
group-scoped leaders, re-nomination after a return, branch commendation, assigned tasks,
requests and reports, and the small walls taken down."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cxzy_saas.application.commands.committee import Grant, LinkMember, RegisterUser
from cxzy_saas.application.commands.organisation import EnrolMember, FormGroup
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.demo.build import DEMO_PASSWORD
from cxzy_saas.domain.recording import BEIJING, Actor
from tests.web.api_demo import app_for, bearer, build
from tests.web.conftest import sign_in

B01 = "/api/v1/branches/b01"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("rest"))


@pytest.fixture(scope="module")
def client(site):
    return app_for(site).test_client()


def members_by_group(client, headers) -> dict[str, list[str]]:
    listed = client.get(f"{B01}/members?per_page=500", headers=headers).json["items"]
    found: dict[str, list[str]] = {}
    for m in listed:
        found.setdefault(m["group"], []).append(m["member_no"])
    return found


def test_a_group_leader_acts_for_their_own_groups_members_only(client):
    leader = bearer(client, "b01-leader")
    clerk = bearer(client, "b01-clerk")
    groups = members_by_group(client, clerk)
    own, other = groups["g1"][0], groups["g2"][0]
    plan = client.get(f"{B01}/plans/2026", headers=clerk).json
    item = next(i["code"] for i in plan["content"]["items"] if i["level"] == "member")
    fix = {"year": 2026, "month": 10, "level": "member", "item": item, "reason": "复核更正"}
    current = client.get(f"{B01}/assessments?campaign=2026&per_page=500", headers=clerk).json
    points = {
        a["subject"]: a["scores"][item]
        for a in current["items"]
        if a["period"] == "2026-10" and a["level"] == "member"
    }
    mine = {**fix, "subject": own, "points": 1 if points[own] != 1 else 2}
    assert (
        client.post(f"{B01}/assessments/corrections", json=mine, headers=leader).status_code == 200
    )
    theirs = {**fix, "subject": other, "points": 1 if points[other] != 1 else 2}
    refused = client.post(f"{B01}/assessments/corrections", json=theirs, headers=leader)
    assert refused.status_code == 403 and refused.json["code"] == "leader.not_own_group"
    group_fix = {**fix, "level": "group", "subject": "g1", "points": 1}
    group_item = next(i["code"] for i in plan["content"]["items"] if i["level"] == "group")
    group_fix["item"] = group_item
    refused = client.post(f"{B01}/assessments/corrections", json=group_fix, headers=leader)
    assert refused.status_code == 403 and refused.json["code"] == "leader.members_only"
    record = {"year": 2026, "on": "2026-11-02", "level": "member", "text": "带头完成任务"}
    ok = client.post(f"{B01}/records", json={**record, "subject": own}, headers=leader)
    assert ok.status_code == 201, ok.json
    no = client.post(f"{B01}/records", json={**record, "subject": other}, headers=leader)
    assert no.status_code == 403
    # The branch's clerk corrects any member's score.
    assert (
        client.post(f"{B01}/assessments/corrections", json=theirs, headers=clerk).status_code == 200
    )


def test_a_group_leader_completes_their_own_groups_measures_only(client, site):
    leader = bearer(client, "b01-leader")
    clerk = bearer(client, "b01-clerk")
    groups = members_by_group(client, clerk)
    listed = client.get(f"{B01}/measures?campaign=2026&per_page=500", headers=clerk).json["items"]
    open_ = [m for m in listed if not m.get("done_on")]
    by_subject = {(m["level"], m["subject"]): m for m in open_}
    theirs = next(m for m in open_ if m["level"] == "member" and m["subject"] in groups["g2"])
    mine = next(m for m in open_ if m["level"] == "member" and m["subject"] in groups["g1"])
    done = {"on": "2026-11-20", "note": "已完成"}
    refused = client.post(f"{B01}/measures/{theirs['id']}/completion", json=done, headers=leader)
    assert refused.status_code == 403 and refused.json["code"] == "leader.not_own_group"
    branch = by_subject.get(("branch", "b01"))
    if branch is not None:  # the branch's own measure is the branch's writers' to complete
        no = client.post(f"{B01}/measures/{branch['id']}/completion", json=done, headers=leader)
        assert no.status_code == 403
    ok = client.post(f"{B01}/measures/{mine['id']}/completion", json=done, headers=leader)
    assert ok.status_code == 200, ok.json
    # The page offers 标记完成 on the leader's group's measures only.
    pages = app_for(site).test_client()
    sign_in(pages, "b01-leader")
    page = pages.get("/branch/b01/measures?campaign=2026&per_page=200").text
    assert f"/branch/b01/measures/{theirs['id']}/completion" not in page


def test_a_group_leader_writes_their_own_groups_deed_materials(client):
    leader = bearer(client, "b01-leader")
    body = {"text": "本小组全年圆满完成各项任务。", "attachments": []}
    mine = client.put(f"{B01}/deeds/2026/group/g1", json=body, headers=leader)
    assert mine.status_code == 200, mine.json
    assert mine.json["text"] == body["text"]
    theirs = client.put(f"{B01}/deeds/2026/group/g2", json=body, headers=leader)
    assert theirs.status_code == 403


def test_a_returned_nominee_is_renominated_as_a_new_submission_with_the_history_kept(client):
    viewer = bearer(client, "viewer")
    found = {
        code: client.get(f"/api/v1/branches/{code}/nominations/2026", headers=viewer).json
        for code in ("b01", "b02")
    }
    # The demo's committee returned one member and the branch answered with a second submission.
    code, again = next((c, n) for c, n in found.items() if n["reopenings"])
    reopening = again["reopenings"][0]
    assert again["submissions"] == 2 and reopening["submission"] == 1
    assert reopening["returned"][0]["reason"] == "事迹材料不够具体，请补充后再报"
    assert "补充" in reopening["answer"]
    assert [d["outcome"] for d in again["decisions"]] == ["approved"]
    clerk = bearer(client, f"{code}-clerk")
    body = {
        "entries": [
            {"level": e["level"], "subject": e["subject"], "reason": "补充"}
            for e in again["entries"]
        ],
        "answer": "再次补充",
        "on": "2026-12-20",
    }
    url = f"/api/v1/branches/{code}/nominations/2026/renomination"
    refused = client.post(url, json=body, headers=clerk)
    assert refused.status_code == 409 and refused.json["code"] == "nomination.nothing_returned"
    assert client.post(url, json={**body, "answer": ""}, headers=clerk).status_code == 422
    history = client.get(f"/api/v1/branches/{code}/nominations/2026", headers=viewer).json
    assert history["submissions"] == 2


def test_the_committee_assigns_a_task_and_the_branch_reports_it_done(client):
    admin, clerk = bearer(client, "admin"), bearer(client, "b01-clerk")
    body = {
        "year": 2026,
        "title": "组织学习先进事迹",
        "text": "组织全体党员学习受表彰者的事迹",
        "due": "2026-12-31",
        "on": "2026-11-30",
    }
    assert client.post(f"{B01}/tasks", json=body, headers=clerk).status_code == 403
    early = client.post(f"{B01}/tasks", json={**body, "due": "2026-11-01"}, headers=admin)
    assert early.status_code == 409 and early.json["code"] == "task.due_before_assigned"
    assigned = client.post(f"{B01}/tasks", json=body, headers=admin)
    assert assigned.status_code == 201 and assigned.json["report"] is None
    task = assigned.json["id"]
    other = bearer(client, "b02-clerk")
    report = {"text": "已组织学习,党员撰写心得", "on": "2026-11-30"}  # a day already past
    stranger = client.post(f"/api/v1/branches/b02/tasks/{task}/report", json=report, headers=other)
    assert stranger.status_code == 404  # another branch's task is none of b02's
    done = client.post(f"{B01}/tasks/{task}/report", json=report, headers=clerk)
    assert done.status_code == 200 and done.json["report"]["on"] == "2026-11-30"
    again = client.post(f"{B01}/tasks/{task}/report", json=report, headers=clerk)
    assert again.status_code == 409
    listed = client.get(f"{B01}/tasks?campaign=2026", headers=clerk).json["items"]
    assert [t["title"] for t in listed if t["id"] == task] == ["组织学习先进事迹"]


def test_a_branch_sends_a_request_and_the_committee_answers_it(client):
    admin, clerk = bearer(client, "admin"), bearer(client, "b01-clerk")
    body = {
        "year": 2026,
        "kind": "request",
        "title": "关于增加优秀党员名额的请示",
        "text": "我支部党员人数较少,请求增加名额。",
        "on": "2026-11-30",
    }
    assert (
        client.post(f"{B01}/letters", json={**body, "kind": "x"}, headers=clerk).status_code == 422
    )
    sent = client.post(f"{B01}/letters", json=body, headers=clerk)
    assert sent.status_code == 201 and sent.json["reply"] is None
    letter = sent.json["id"]
    answer = {"text": "同意按决定0018的规则执行。", "on": "2026-12-01"}
    assert (
        client.post(f"{B01}/letters/{letter}/reply", json=answer, headers=clerk).status_code == 403
    )
    early = {**answer, "on": "2026-11-29"}  # the day before the letter was sent
    before = client.post(f"{B01}/letters/{letter}/reply", json=early, headers=admin)
    assert before.status_code == 409 and before.json["code"] == "date.before_previous_step"
    replied = client.post(f"{B01}/letters/{letter}/reply", json=answer, headers=admin)
    assert replied.status_code == 200 and replied.json["reply"]["by"] == "admin"
    assert (
        client.post(f"{B01}/letters/{letter}/reply", json=answer, headers=admin).status_code == 409
    )
    listed = client.get(f"{B01}/letters?campaign=2026", headers=clerk).json["items"]
    assert any(x["id"] == letter and x["reply"]["text"] == answer["text"] for x in listed)
    # paged as every list: page and per_page are taken, the total said
    for kind in ("letters", "tasks"):
        whole = client.get(f"{B01}/{kind}?campaign=2026", headers=clerk).json
        one = client.get(f"{B01}/{kind}?campaign=2026&per_page=1&page=2", headers=clerk).json
        assert one["total"] == whole["total"] == len(whole["items"]) >= 2, kind
        assert one["items"] == whole["items"][1:2] and one["per_page"] == 1, kind


def test_the_branch_commends_its_own_and_recommends_one_upward(client):
    clerk = bearer(client, "b01-clerk")
    url = f"{B01}/own-commendations"
    before = client.get(f"{url}/2026", headers=clerk).json
    # The demo's branch commended its shortlist (and recommended a group upward): one more.
    assert before["commended"]
    taken = {c["subject"] for c in before["commended"]}
    member = next(
        m for ms in members_by_group(client, clerk).values() for m in ms if m not in taken
    )
    body = {
        "year": 2026,
        "level": "member",
        "subject": member,
        "forms": ["notice", "certificate"],
        "text": "全年组织生活严密",
        "on": "2026-11-30",
    }
    assert client.post(url, json={**body, "forms": []}, headers=clerk).status_code == 422
    ahead = client.post(url, json={**body, "on": "2099-01-05"}, headers=clerk)
    assert ahead.status_code == 409 and ahead.json["code"] == "date.in_future"
    upward = {
        "year": 2026,
        "level": "member",
        "subject": member,
        "reason": "事迹突出",
        "on": "2026-11-30",
    }
    early = client.post(f"{url}/recommendations", json=upward, headers=clerk)
    assert early.status_code == 409 and early.json["code"] == "commendation.not_commended"
    made = client.post(url, json=body, headers=clerk)
    assert made.status_code == 201
    assert made.json["commended"][-1]["forms"] == ["notice", "certificate"]
    assert client.post(url, json=body, headers=clerk).status_code == 409
    later = {**upward, "on": "2099-01-05"}
    ahead = client.post(f"{url}/recommendations", json=later, headers=clerk)
    assert ahead.status_code == 409 and ahead.json["code"] == "date.in_future"
    sent = client.post(f"{url}/recommendations", json=upward, headers=clerk)
    assert sent.status_code == 201, sent.json
    assert sent.json["recommended"][-1]["reason"] == "事迹突出"
    viewer = bearer(client, "viewer")
    read = client.get(f"{url}/2026", headers=viewer).json
    assert read["commended"][-1]["subject"] == member == read["recommended"][-1]["subject"]


def test_a_filed_annual_summary_is_corrected_as_a_revision_kept_in_history(client):
    clerk = bearer(client, "b02-clerk")
    url = "/api/v1/branches/b02/annual-summaries"
    summary = client.get(f"{url}/2026", headers=clerk)
    if summary.status_code == 404:
        body = {"year": 2026, "basic_facts": "a", "experience": "b", "problems": "c", "plans": "d"}
        assert client.post(url, json=body, headers=clerk).status_code == 201
        summary = client.get(f"{url}/2026", headers=clerk)
    old = summary.json
    revision = {
        "basic_facts": old["basic_facts"] + "(更正:党员人数)",
        "experience": old["experience"],
        "problems": old["problems"],
        "plans": old["plans"],
        "reason": "党员人数统计有误",
    }
    revised = client.post(f"{url}/2026/revisions", json=revision, headers=clerk)
    assert revised.status_code == 200, revised.json
    assert revised.json["basic_facts"].endswith("(更正:党员人数)")
    assert revised.json["revisions"] == old["revisions"] + 1 and revised.json["reported"] == {}
    same = client.post(f"{url}/2026/revisions", json=revision, headers=clerk)
    assert same.status_code == 409 and same.json["code"] == "summary.unchanged"


def test_a_member_reads_their_own_scores_only_unless_the_plan_opens_them(client):
    member, secretary = bearer(client, "b01-member"), bearer(client, "b01-secretary")
    ranking = client.get(f"{B01}/rankings/2026", headers=member).json["rows"]["member"]
    assert [r["subject"] for r in ranking] == ["B01003"]  # the demo's member account
    everyone = client.get(f"{B01}/rankings/2026", headers=secretary).json["rows"]["member"]
    assert len(everyone) > 1
    listed = client.get(
        f"{B01}/assessments?campaign=2026&level=member&per_page=500", headers=member
    ).json["items"]
    assert listed and {a["subject"] for a in listed} == {"B01003"}
    board = client.get("/api/v1/campaigns/2026/leaderboards/member", headers=member).json["rows"]
    assert [r["id"] for r in board] == ["B01003"]  # their own row, not an empty board


def add_branch(site, code: str) -> None:
    """A new branch with a group g1, two members, and its clerk, leader (of g1) and member."""
    tenancy = Tenancy(site)
    try:
        tenancy.add_branch("demo", code, "新成立党支部")
        system = Actor("system", "system", code)
        branch = tenancy.branch(code)
        branch.form_group(system, FormGroup(code="g1", name="第一党小组"))
        numbers = [f"{code.upper()}001", f"{code.upper()}002"]
        branch.enrol_members(
            system,
            [
                EnrolMember(member_no=n, name=name, group="g1", joined_on=date(2015, 7, 1))
                for n, name in zip(numbers, ("周一", "吴二"), strict=True)
            ],
        )
        committee = tenancy.committee("demo")
        cte = Actor("system", "system", "demo")
        for role, granted, group in (
            ("clerk", "branch-clerk", None),
            ("leader", "group-leader", "g1"),
            ("member", "member", None),
        ):
            username = f"{code}-{role}"
            account = RegisterUser(username=username, display_name=username, password=DEMO_PASSWORD)
            committee.register_user(cte, account)
            committee.grant(cte, Grant(username=username, role=granted, tenant=code, group=group))
        link = LinkMember(username=f"{code}-member", branch=code, member_no=numbers[0])
        committee.link_member(cte, link)
    finally:
        tenancy.close()


def test_a_branch_plan_starts_from_the_committees_and_members_comment_on_it(site, client):
    add_branch(site, "b07")
    clerk, member = bearer(client, "b07-clerk"), bearer(client, "b07-member")
    leader = bearer(client, "b07-leader")
    url = "/api/v1/branches/b07/plans"
    drafted = client.post(url, json={"year": 2026, "drafter": "组织委员"}, headers=clerk)
    assert drafted.status_code == 201, drafted.json
    committee = client.get("/api/v1/campaigns/2026/plan", headers=clerk).json
    assert drafted.json["content"]["criteria"] == committee["content"]["criteria"]
    today = datetime.now(BEIJING).date().isoformat()  # a step is dated neither before the draft
    comment = {"text": "建议增加学习内容", "on": today}
    early = client.post(f"{url}/2026/member-comments", json=comment, headers=member)
    assert early.status_code == 409  # not circulated yet
    steps = [
        ("discussions", {"on": today, "minutes": "支委会讨论"}),
        ("circulation", {"to": "全体党员", "on": today}),
    ]
    for step, body in steps:
        assert client.post(f"{url}/2026/{step}", json=body, headers=clerk).status_code == 200
    mine = client.post(f"{url}/2026/member-comments", json=comment, headers=member)
    assert mine.status_code == 200, mine.json
    assert mine.json["comments"][-1]["by"] == "党员 B07001"
    group = client.post(f"{url}/2026/member-comments", json=comment, headers=leader)
    assert group.status_code == 200 and group.json["comments"][-1]["by"] == "第一党小组"
    assert (
        client.post(f"{url}/2026/member-comments", json=comment, headers=clerk).status_code == 403
    )


def test_the_openapi_document_shows_the_ballot_grade_keys_with_an_example(client):
    document = client.get("/api/openapi.json").json
    schemas = document["components"]["schemas"]
    cast = next(
        s
        for name, s in schemas.items()
        if name.startswith("Cast") and "grades" in s.get("properties", {})
    )
    grades = cast["properties"]["grades"]
    assert (
        "member:<member number>" in grades["description"]
        and "group:<group code>" in grades["description"]
    )
    assert grades["example"]["group:g1"] == "basic"
    assert set(grades["additionalProperties"]["enum"]) == {
        "excellent",
        "competent",
        "basic",
        "incompetent",
    }


def test_a_member_reads_only_their_own_line_of_the_nomination_table(client, site):
    clerk = bearer(client, "b01-clerk")
    listed = client.get(f"{B01}/members?per_page=500", headers=clerk).json["items"]
    pages = app_for(site).test_client()
    sign_in(pages, "b01-member")
    for url in (
        "/branch/b01/nomination?campaign=2026",
        "/branch/b01/print/nomination?campaign=2026",
    ):
        page = pages.get(url)
        assert page.status_code == 200
        shown = [m["name"] for m in listed if m["name"] in page.text]
        assert len(shown) == 1, (url, shown)  # their own line, not the branch's scores
    # The branch's secretary reads every line.
    secretary = app_for(site).test_client()
    sign_in(secretary, "b01-secretary")
    page = secretary.get("/branch/b01/nomination?campaign=2026").text
    assert sum(m["name"] in page for m in listed) > 1


def test_a_route_that_takes_no_parameter_refuses_one_rather_than_ignoring_it(client):
    """A ranking asked ?as_of= answered today's, and ?page= its whole length."""
    secretary = bearer(client, "b01-secretary")
    for asked in ("as_of=2026-06-30", "page=1&per_page=5", "foo=1"):
        found = client.get(f"{B01}/rankings/2026?{asked}", headers=secretary)
        assert found.status_code == 422, asked
        assert set(found.json["errors"]) == {p.split("=")[0] for p in asked.split("&")}
    assert client.get(f"{B01}/rankings/2026", headers=secretary).status_code == 200
    assert client.get(f"{B01}?foo=1", headers=secretary).status_code == 422


def test_what_a_body_names_and_is_not_there_is_409_what_the_address_names_is_404(client):
    """Decision 0020: the address's resource exists; a client that followed a link to it must
    not take it for gone because the body named something that is not there."""
    clerk, admin = bearer(client, "b01-clerk"), bearer(client, "admin")
    record = {
        "year": 2026,
        "on": "2026-11-20",
        "level": "member",
        "subject": "B01999",
        "text": "记",
    }
    nobody = client.post(f"{B01}/records", json=record, headers=clerk)
    assert (nobody.status_code, nobody.json["code"]) == (409, "member.not_found")
    no_year = client.post(
        f"{B01}/records", json={**record, "subject": "B01001", "year": 2031}, headers=clerk
    )
    assert no_year.status_code == 409, no_year.json
    moved = {"group": "g99", "on": "2026-11-20"}
    no_group = client.post(f"{B01}/members/B01001/group", json=moved, headers=clerk)
    assert (no_group.status_code, no_group.json["code"]) == (409, "group.not_found")
    assert client.get(f"{B01}/members/B01999", headers=clerk).status_code == 404
    gone = client.post(f"{B01}/members/B01999/group", json={**moved, "group": "g1"}, headers=clerk)
    assert gone.status_code == 404  # the address's member
    amendment = {"branch": "zz99", "reason": "补录"}
    elsewhere = client.post("/api/v1/campaigns/2026/amendments", json=amendment, headers=admin)
    assert elsewhere.status_code == 409, elsewhere.json
