"""A closed year is final (decision 0011), through the API: after the committee closes a
campaign year, every write route about that year answers 409 ``campaign.closed`` and writes
nothing; an amendment opened by a committee admin lets one branch-year be corrected, and its
close seals the next revision.

The routes come from the route table: a route added later that is about a year (a year in its
path or its body, or a measure, record or ballot in its path) must have a body here, or this
test fails."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cxzy_saas import wiring
from cxzy_saas.application.evidence import AttachEvidence
from cxzy_saas.domain.recording import BEIJING, Actor
from cxzy_saas.web import read_model_of, tenancy_of
from tests.builders import close_ballots
from tests.web.api_demo import app_for, bearer, build
from tests.web.test_api_matrix import routes, url_for

YEAR = 2026
# The committee's today (Beijing): a year is closed on a day that has come.


def today() -> str:
    """The committee's today, asked when needed: a run across Beijing's midnight outlives a
    date taken when the module was imported."""
    return datetime.now(BEIJING).date().isoformat()


DAY = "2026-12-20"
TEXT = "年终补记"
PDF = b"%PDF-1.4\n%%EOF\n"


def send(client: Any, url: str, method: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    """JSON, or multipart when the body has a file (an evidence upload)."""
    if "file" not in body:
        return client.open(url, method=method, json=body, headers=headers)
    name, data = body["file"]
    fields = {k: v for k, v in body.items() if k != "file"}
    boundary, encoded = encode_multipart({**fields, "file": FileStorage(io.BytesIO(data), name)})
    return client.open(
        url,
        method=method,
        data=encoded,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


# Write routes about a year that a close does not freeze, and why (decision 0011).
NOT_FROZEN = {
    ("POST", "/api/v1/campaigns"): "opens a year",
    ("PUT", "/api/v1/campaigns/<int:year>/leaderboard-visibility"): "what is shown, not a fact",
    ("POST", "/api/v1/campaigns/<int:year>/amendments"): "how a final year is amended",
    ("POST", "/api/v1/campaigns/<int:year>/amendments/<uuid:id>/close"): "ends an amendment",
}


def bodies(samples: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """A body each route's schema accepts, for each frozen write route."""
    member, group = samples["no"], samples["group"]
    return {
        # evidence files (decision 0023): an upload (multipart) and a withdrawal
        ("POST", "/api/v1/branches/<code>/evidence"): {
            "item": "record",
            "item_id": samples["records"],
            "file": ("补充材料.pdf", PDF),
        },
        ("POST", "/api/v1/branches/<code>/evidence/<uuid:id>/withdrawal"): {"reason": TEXT},
        # the rest of the campaign (issue 13)
        ("POST", "/api/v1/branches/<code>/annual-summaries/<int:year>/revisions"): {
            "basic_facts": TEXT,
            "experience": TEXT,
            "problems": TEXT,
            "plans": TEXT,
            "reason": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/letters"): {
            "year": YEAR,
            "kind": "report",
            "title": TEXT,
            "text": TEXT,
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/letters/<uuid:letter>/reply"): {"text": TEXT, "on": DAY},
        ("POST", "/api/v1/branches/<code>/tasks/<uuid:task>/report"): {"text": TEXT, "on": DAY},
        ("POST", "/api/v1/branches/<code>/nominations/<int:year>/renomination"): {
            "entries": [{"level": "member", "subject": member}],
            "answer": TEXT,
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/own-commendations"): {
            "year": YEAR,
            "level": "member",
            "subject": member,
            "forms": ["notice"],
            "text": TEXT,
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/own-commendations/recommendations"): {
            "year": YEAR,
            "level": "member",
            "subject": member,
            "reason": TEXT,
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/plans/<int:year>/member-comments"): {
            "text": TEXT,
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/tasks"): {
            "year": YEAR,
            "title": TEXT,
            "text": TEXT,
            "due": DAY,
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/annual-summaries"): {
            "year": YEAR,
            "basic_facts": TEXT,
            "experience": TEXT,
            "problems": TEXT,
            "plans": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/annual-summaries/<int:year>/reports"): {
            "to": "committee",
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/assessments"): {
            "year": YEAR,
            "month": 12,
            "level": "member",
            "scores": {member: {samples["item"]: 1}},
        },
        ("POST", "/api/v1/branches/<code>/assessments/corrections"): {
            "year": YEAR,
            "month": 1,
            "level": "member",
            "subject": member,
            "item": samples["item"],
            "points": 0,
            "reason": "录入错误",
        },
        ("POST", "/api/v1/branches/<code>/ballots"): {
            "year": YEAR,
            "title": "补充测评",
            "subjects": [{"level": "member", "subject": member}],
            "codes": {"members": 2},
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/ballots/<uuid:id>/casts"): {
            "code": samples["code_to_cast"],
            "grades": {f"member:{member}": "excellent"},
        },
        ("POST", "/api/v1/branches/<code>/ballots/<uuid:id>/close"): {"on": DAY},
        ("POST", "/api/v1/branches/<code>/ballots/<uuid:id>/reissues"): {
            "pool": "members",
            "codes": 1,
        },
        ("PUT", "/api/v1/branches/<code>/deeds/<int:year>/<level>/<subject>"): {"text": TEXT},
        ("POST", "/api/v1/branches/<code>/inspections"): {
            "year": YEAR,
            "quarter": 4,
            "on": DAY,
            "measures_checked": TEXT,
            "gaps": TEXT,
            "weak_links": TEXT,
            "improvements": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/inspections/<int:year>/<int:quarter>/corrections"): {
            "gaps": TEXT + "（更正）",
            "reason": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/meetings/<uuid:id>/corrections"): {
            "attendees": 3,
            "reason": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/measures"): {
            "year": YEAR,
            "level": "member",
            "subject": member,
            "criteria": [1],
            "text": TEXT,
            "due": DAY,
        },
        ("POST", "/api/v1/branches/<code>/measures/<uuid:id>/acknowledgement"): {"on": DAY},
        ("POST", "/api/v1/branches/<code>/measures/<uuid:id>/completion"): {"on": DAY},
        ("POST", "/api/v1/branches/<code>/measures/<uuid:id>/report"): {
            "to": "committee",
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/meetings"): {
            "year": YEAR,
            "kind": "members-meeting",
            "on": DAY,
            "title": TEXT,
            "attendees": 10,
            "minutes": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/nominations"): {
            "year": YEAR,
            "entries": [{"level": "member", "subject": member, "reason": TEXT}],
        },
        ("POST", "/api/v1/branches/<code>/nominations/<int:year>/decisions"): {
            "level": "member",
            "subject": member,
            "outcome": "approved",
        },
        ("POST", "/api/v1/branches/<code>/nominations/<int:year>/submission"): {"on": DAY},
        ("POST", "/api/v1/branches/<code>/plans"): {"year": YEAR, "drafter": "组织委员"},
        ("POST", "/api/v1/branches/<code>/plans/<int:year>/circulation"): {
            "to": "全体党员",
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/plans/<int:year>/comments"): {
            "by": "张三",
            "text": TEXT,
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/plans/<int:year>/decision"): {"outcome": "approved"},
        ("POST", "/api/v1/branches/<code>/plans/<int:year>/discussions"): {
            "on": DAY,
            "minutes": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/plans/<int:year>/finalisation"): {"on": DAY},
        ("POST", "/api/v1/branches/<code>/plans/<int:year>/revisions"): {
            "content": samples["plan_content"],
            "note": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/plans/<int:year>/submission"): {"on": DAY},
        ("POST", "/api/v1/branches/<code>/records"): {
            "year": YEAR,
            "on": DAY,
            "level": "member",
            "subject": member,
            "text": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/records/<uuid:id>/retraction"): {"reason": TEXT},
        ("POST", "/api/v1/branches/<code>/reviews"): {
            "year": YEAR,
            "stage": "year-end",
            "on": DAY,
        },
        ("POST", "/api/v1/branches/<code>/reviews/<int:year>/<stage>/branch-summary"): {
            "text": TEXT
        },
        ("POST", "/api/v1/branches/<code>/reviews/<int:year>/<stage>/critiques"): {
            "member": member,
            "remarks": [TEXT],
        },
        ("POST", "/api/v1/branches/<code>/reviews/<int:year>/<stage>/group-summaries"): {
            "group": group,
            "text": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/reviews/<int:year>/<stage>/recommendations"): {
            "members": [member],
            "reason": TEXT,
        },
        ("POST", "/api/v1/branches/<code>/reviews/<int:year>/<stage>/report"): {"on": DAY},
        ("POST", "/api/v1/branches/<code>/reviews/<int:year>/<stage>/summaries"): {
            "member": member,
            "text": TEXT,
        },
        ("POST", "/api/v1/campaigns/<int:year>/acknowledgements"): {
            "branch": "b01",
            "kind": "measure",
            "subject": samples["measures"],
        },
        ("POST", "/api/v1/campaigns/<int:year>/branch-assessments"): {
            "branch": "b01",
            "quarter": 4,
            "scores": {samples["branch_item"]: 1},
            "on": DAY,
        },
        ("POST", "/api/v1/campaigns/<int:year>/close"): {"on": DAY},
        ("POST", "/api/v1/campaigns/<int:year>/commendation"): {
            "entries": [{"branch": "b02", "level": "branch", "subject": "b02"}],
            "on": DAY,
            "decision_text": "表彰决定",
        },
        ("POST", "/api/v1/campaigns/<int:year>/plan"): {"drafter": "组织委员"},
        ("POST", "/api/v1/campaigns/<int:year>/plan/circulation"): {"to": "各支部", "on": DAY},
        ("POST", "/api/v1/campaigns/<int:year>/plan/comments"): {
            "by": "张三",
            "text": TEXT,
            "on": DAY,
        },
        ("POST", "/api/v1/campaigns/<int:year>/plan/discussions"): {"on": DAY, "minutes": TEXT},
        ("POST", "/api/v1/campaigns/<int:year>/plan/finalisation"): {"on": DAY},
        ("POST", "/api/v1/campaigns/<int:year>/plan/revisions"): {
            "content": samples["committee_plan_content"],
            "note": TEXT,
        },
    }


def about_a_year(app: Any) -> list[tuple[str, str, Any]]:
    """Every write route about a campaign year, from the route table."""
    found = []
    for method, rule, access in routes(app):
        if method == "GET":
            continue
        path = rule.split("?", 1)[0]
        meta = next(
            app.view_functions[r.endpoint].openapi
            for r in app.url_map.iter_rules()
            if r.rule == path and method in r.methods
        )
        body_fields = meta["body"]().fields if meta["body"] else {}
        named = any(
            f"{r}/<uuid:" in path
            for r in ("measures", "records", "ballots", "evidence", "letters", "tasks", "meetings")
        )
        # An upload names the item (of a year) it is attached to.
        if "<int:year>" in path or "year" in body_fields or "item_id" in body_fields or named:
            found.append((method, path, access))
    return found


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    settings = build(tmp_path_factory.mktemp("final"))
    app = app_for(settings)
    client = app.test_client()
    users = ("admin", "b01-clerk", "b01-secretary", "b01-member")
    tokens = {u: bearer(client, u) for u in users}
    tenancy = tenancy_of(app)
    b01 = tenancy.branch("b01")
    assessment = next(a for a in b01.assessments(YEAR) if a.level == "member")
    committee_plan = client.get(f"/api/v1/campaigns/{YEAR}/plan", headers=tokens["admin"]).json
    branch_plan = client.get(f"/api/v1/branches/b01/plans/{YEAR}", headers=tokens["b01-clerk"])
    samples = {
        "code": "b01",
        "year": str(YEAR),
        "no": assessment.subject,
        "item": sorted(assessment.scores)[0],
        "group": b01.groups()[0].code,
        "stage": "midyear",
        "level": "member",
        "subject": assessment.subject,
        "measures": str(b01.measures(YEAR)[0].id),
        "records": str(b01.daily_records(YEAR)[0].id),
        "meetings": str(b01.meetings(YEAR)[0].id),
        "quarter": str(next(q for q in (1, 2, 3) if b01.inspection(YEAR, q))),
        "branch_item": next(
            code
            for code, i in tenancy.committee("demo").plan_content(YEAR)[0].items.items()
            if i.level == "branch"
        ),
        "plan_content": branch_plan.json["content"],
        "committee_plan_content": committee_plan["content"],
    }
    # A ballot opened before the close, with a code left to cast after it.
    opened = client.post(
        "/api/v1/branches/b01/ballots",
        json={
            "year": YEAR,
            "title": "年终测评",
            "subjects": [{"level": "member", "subject": samples["no"]}],
            "codes": {"members": 3},
            "on": "2026-11-20",
        },
        headers=tokens["b01-clerk"],
    )
    assert opened.status_code == 201, opened.json
    samples["ballots"] = opened.json["id"]
    # An evidence file attached before the close, to withdraw after it.
    samples["evidence"] = str(
        b01.attach_evidence(
            Actor("b01-clerk", "branch-clerk", "b01"),
            AttachEvidence(
                item="record", item_id=b01.daily_records(YEAR)[0].id, name="a.pdf", data=PDF
            ),
        )
    )
    samples["code_to_cast"] = opened.json["codes"]["members"][0]
    # A letter to answer and a task to report after the close, both of the year.
    letter = {"year": YEAR, "kind": "request", "title": "请示", "text": TEXT, "on": "2026-11-20"}
    sent = client.post("/api/v1/branches/b01/letters", json=letter, headers=tokens["b01-clerk"])
    assert sent.status_code == 201, sent.json
    samples["letter"] = sent.json["id"]
    task = {"year": YEAR, "title": "任务", "text": TEXT, "due": DAY, "on": "2026-11-20"}
    given = client.post("/api/v1/branches/b01/tasks", json=task, headers=tokens["admin"])
    assert given.status_code == 201, given.json
    samples["task"] = given.json["id"]
    # A measure reported to the committee, never acknowledged before the close.
    measure = {
        "year": YEAR,
        "level": "branch",
        "subject": "b01",
        "criteria": [1],
        "text": "年底前整理支部档案",
        "due": DAY,
    }
    filed = client.post("/api/v1/branches/b01/measures", json=measure, headers=tokens["b01-clerk"])
    assert filed.status_code == 201, filed.json
    samples["reported"] = filed.json["id"]
    sent_up = client.post(
        f"/api/v1/branches/b01/measures/{filed.json['id']}/report",
        json={"to": "committee", "on": today()},
        headers=tokens["b01-clerk"],
    )
    assert sent_up.status_code == 200, sent_up.json
    samples["closed_on"] = today()
    close_ballots(tenancy, YEAR, date.fromisoformat(samples["closed_on"]))  # none open
    shut = client.post(
        f"/api/v1/campaigns/{YEAR}/close",
        json={"on": samples["closed_on"]},
        headers=tokens["admin"],
    )
    assert shut.status_code == 200, shut.json
    return app, client, samples, tokens


def test_every_write_route_about_a_closed_year_answers_409_and_writes_nothing(closed):
    app, client, samples, tokens = closed
    tenancy = tenancy_of(app)
    frozen = bodies(samples)
    found = about_a_year(app)
    listed = {(m, p) for m, p, _ in found}
    assert listed - set(frozen) - set(NOT_FROZEN) == set(), "a body for each new route"
    assert set(frozen) <= listed, "no stale routes here"
    assert len(frozen) >= 45
    for method, path, access in found:
        if (method, path) in NOT_FROZEN:
            continue
        if "branch-clerk" in access.roles:
            headers = tokens["b01-clerk"]
        elif "committee-admin" in access.roles:
            headers = tokens["admin"]
        elif "member" in access.roles:
            headers = tokens["b01-member"]
        else:
            headers = {}  # a ballot cast: a code, no account
        heads = (tenancy.branch("b01").head(), tenancy.committee("demo").head())
        url = url_for(path, samples)
        answer = send(client, url, method, frozen[(method, path)], headers)
        assert answer.status_code == 409, (method, path, answer.json)
        assert answer.json["code"] == "campaign.closed", (method, path, answer.json)
        assert (tenancy.branch("b01").head(), tenancy.committee("demo").head()) == heads, path
        chinese = send(
            client, url, method, frozen[(method, path)], {**headers, "Accept-Language": "zh-CN"}
        )
        assert f"2026 年度活动已于 {samples['closed_on']} 结束" in chinese.json["detail"], path


def test_the_branch_board_of_a_closed_year_does_not_move(closed):
    _, client, samples, tokens = closed
    before = client.get(f"/api/v1/branches/b01/rankings/{YEAR}", headers=tokens["b01-clerk"])
    correction = bodies(samples)[("POST", "/api/v1/branches/<code>/assessments/corrections")]
    refused = client.post(
        "/api/v1/branches/b01/assessments/corrections", json=correction, headers=tokens["b01-clerk"]
    )
    assert refused.status_code == 409
    after = client.get(f"/api/v1/branches/b01/rankings/{YEAR}", headers=tokens["b01-clerk"])
    assert before.status_code == 200 and after.json == before.json


def test_an_amendment_through_the_api(closed):
    app, client, samples, tokens = closed
    admin, clerk = tokens["admin"], tokens["b01-clerk"]
    url = f"/api/v1/campaigns/{YEAR}/amendments"
    body = {"branch": "b01", "reason": "一月份评分录入错误，按原始记录更正"}
    unsealed = client.post(url, json=body, headers=admin)
    assert unsealed.status_code == 409 and unsealed.json["code"] == "archive.not_sealed"
    committee = tenancy_of(app).committee("demo")
    first = committee.seal_archive(Actor("admin", "committee-admin", "demo"), "b01", YEAR)
    assert client.post(url, json=body, headers=clerk).status_code == 403
    opened = client.post(url, json=body, headers=admin)
    assert opened.status_code == 201, opened.json
    amendment = opened.json["id"]
    assert opened.json["open"] and opened.json["revision"] == 2
    listed = client.get(url, headers=admin).json["items"]
    assert [a["id"] for a in listed] == [amendment]

    correction = bodies(samples)[("POST", "/api/v1/branches/<code>/assessments/corrections")]
    fixed = client.post(
        "/api/v1/branches/b01/assessments/corrections", json=correction, headers=clerk
    )
    assert fixed.status_code == 200, fixed.json

    shut = client.post(f"{url}/{amendment}/close", json={"note": "已更正"}, headers=admin)
    assert shut.status_code == 200, shut.json
    assert not shut.json["open"] and shut.json["closed_by"] == "admin"
    again = client.post(
        "/api/v1/branches/b01/assessments/corrections", json=correction, headers=clerk
    )
    assert again.status_code == 409
    seal = committee.archive_seal("b01", YEAR)
    assert seal is not None and seal.revision == 2 and seal.events == first.events + 1


def member_rows(client, tokens) -> tuple[Any, Any]:
    branch = client.get(f"/api/v1/branches/b01/rankings/{YEAR}", headers=tokens["b01-clerk"])
    board = client.get(f"/api/v1/campaigns/{YEAR}/leaderboards/member", headers=tokens["admin"])
    assert branch.status_code == 200 and board.status_code == 200
    return branch.json, board.json


def test_people_who_leave_or_join_later_leave_a_closed_years_boards_as_they_were(closed):
    app, client, samples, tokens = closed
    tenancy = tenancy_of(app)
    b01 = tenancy.branch("b01")
    leaver = next(m.member_no for m in b01.members() if m.member_no != samples["no"])
    project = wiring.projector(tenancy, read_model_of(app, "demo"))
    project.catch_up()  # what the earlier tests wrote
    before = member_rows(client, tokens)
    # dated inside the closed year: it would rewrite the year's membership
    backdated = client.post(
        f"/api/v1/branches/b01/members/{leaver}/departure",
        json={"on": "2026-06-01", "reason": "转出"},
        headers=tokens["b01-clerk"],
    )
    assert backdated.status_code == 409 and backdated.json["code"] == "campaign.closed"
    # a departure and an enrolment of the next year change nothing of this one
    heads = tenancy.committee("demo").head()
    clock = tenancy.clock
    tenancy.clock = lambda: datetime(2027, 1, 12, 2, 0, tzinfo=UTC)
    try:
        left = client.post(
            f"/api/v1/branches/b01/members/{leaver}/departure",
            json={"on": "2027-01-10", "reason": "转出"},
            headers=tokens["b01-clerk"],
        )
        assert left.status_code == 200, left.json
        joined = client.post(
            "/api/v1/branches/b01/members",
            json={
                "member_no": "B01099",
                "name": "新党员",
                "group": samples["group"],
                "joined_on": "2015-07-01",
            },
            headers=tokens["b01-clerk"],
        )
        assert joined.status_code == 201, joined.json
    finally:
        tenancy.clock = clock
    project.catch_up()
    assert tenancy.committee("demo").head() == heads
    assert member_rows(client, tokens) == before


def test_what_the_closed_year_left_unanswered_does_not_wait_on_the_branchs_queue(closed):
    """A measure reported to the committee and never acknowledged read 待审批 for good once
    the year closed (tester)."""
    import re

    from tests.web.conftest import as_user

    app, _, samples, _ = closed
    measure = samples["reported"]
    page = as_user(app.test_client(), "b01-secretary").get("/branch/b01/queue").text
    row = re.search(rf'<tr[^>]*data-subject="{measure}"[^>]*>.*?</tr>', page, re.S)
    assert row is not None and "年度已结束，未处理" in row.group(0) and "待审批" not in row.group(0)
