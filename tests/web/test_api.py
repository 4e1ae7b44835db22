"""The JSON API through the Flask test client, over a small demo committee: what a client
sees when it signs in, enters data, corrects it, retries, and reads the boards."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.web.api_demo import app_for, bearer, build

B01 = "/api/v1/branches/b01"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return app_for(build(tmp_path_factory.mktemp("api"))).test_client()


def test_a_token_is_issued_for_a_right_password_only(client):
    ok = client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo"})
    assert ok.status_code == 200
    assert set(ok.json) == {"access_token", "token_type", "expires_in"}
    assert ok.json["token_type"] == "Bearer"
    bad = client.post("/api/v1/auth/token", json={"username": "admin", "password": "nope"})
    assert bad.status_code == 401 and bad.mimetype == "application/problem+json"
    extra = client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": "demo", "x": 1}
    )
    assert extra.status_code == 422 and "x" in extra.json["errors"]


def test_a_clerk_enrols_a_member_and_bad_input_is_a_clear_problem(client):
    clerk = bearer(client, "b01-clerk")
    body = {"member_no": "B01900", "name": "新党员", "joined_on": "2026-07-01", "group": "g1"}
    created = client.post(f"{B01}/members", json=body, headers=clerk)
    assert created.status_code == 201 and created.json["group"] == "g1"
    again = client.post(f"{B01}/members", json=body, headers=clerk)
    assert again.status_code == 409
    missing = client.post(f"{B01}/members", json={"name": "无编号"}, headers=clerk)
    assert missing.status_code == 422 and {"member_no", "joined_on"} <= set(missing.json["errors"])
    malformed = client.post(
        f"{B01}/members", data="{not json", headers={**clerk, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.mimetype == "application/problem+json"
    huge = client.post(
        f"{B01}/members",
        data="x" * (2 * 1024 * 1024),
        headers={**clerk, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    viewer = bearer(client, "viewer")
    assert client.post(f"{B01}/members", json=body, headers=viewer).status_code == 403
    listed = client.get(f"{B01}/members?per_page=500", headers=viewer)
    assert listed.status_code == 200 and "B01900" in {m["member_no"] for m in listed.json["items"]}
    assert client.get(f"{B01}/members?per_page=0", headers=viewer).status_code == 422
    history = client.get(f"{B01}/members/B01900", headers=viewer).json["history"]
    assert [e["event"] for e in history] == ["MemberEnrolled"]
    assert history[0]["actor"]["user"] == "b01-clerk"


def test_a_months_scores_are_entered_once_then_corrected_with_a_reason(client):
    clerk = bearer(client, "b01-clerk")
    plan = client.get(f"{B01}/plans/2026", headers=clerk).json
    items = [i["code"] for i in plan["content"]["items"] if i["level"] == "group"]
    formed = client.post(f"{B01}/groups", json={"code": "g9", "name": "新党小组"}, headers=clerk)
    assert formed.status_code == 201 and formed.headers["Location"] == f"{B01}/groups/g9"
    traced = client.open(f"{B01}/groups", method="TRACE", headers=clerk)
    assert traced.status_code == 405  # RFC 9110: with the methods the resource allows
    assert {"GET", "POST"} <= {m.strip() for m in traced.headers["Allow"].split(",")}
    body = {"year": 2026, "month": 10, "level": "group", "on": "2026-11-05"}
    over = {**body, "scores": {"g9": dict.fromkeys(items, 1000)}}
    refused = client.post(f"{B01}/assessments", json=over, headers=clerk)
    # The document allows any number; the plan's most points refuse it: a 409 (decision 0020).
    assert refused.status_code == 409 and f"scores.{items[0]}" in refused.json["errors"]
    ok = {**body, "scores": {"g9": dict.fromkeys(items, 1)}}
    assessed = client.post(f"{B01}/assessments", json=ok, headers=clerk)
    assert assessed.status_code == 201 and assessed.json["items"][0]["period"] == "2026-10"
    assert client.post(f"{B01}/assessments", json=ok, headers=clerk).status_code == 409
    correction = {
        "year": 2026,
        "month": 12,
        "level": "group",
        "subject": "g1",
        "item": items[0],
        "points": 0,
        "reason": "录入错误",
    }
    fixed = client.post(f"{B01}/assessments/corrections", json=correction, headers=clerk)
    assert fixed.status_code == 200
    assert fixed.json["scores"][items[0]] == 0
    assert fixed.json["corrections"][-1]["reason"] == "录入错误"
    assert (
        client.post(f"{B01}/assessments/corrections", json=correction, headers=clerk).status_code
        == 409
    )  # unchanged points: allowed by the document, refused by the state


def test_a_retry_with_the_same_idempotency_key_returns_the_first_result_and_writes_nothing(
    client,
):
    clerk = {**bearer(client, "b01-clerk"), "Idempotency-Key": "record-7f3a"}
    body = {
        "year": 2026,
        "on": "2026-11-20",
        "level": "member",
        "subject": "B01003",
        "text": "带头参加志愿服务",
    }
    before = client.get(f"{B01}/records?campaign=2026&per_page=1", headers=clerk).json["total"]
    first = client.post(f"{B01}/records", json=body, headers=clerk)
    retry = client.post(f"{B01}/records", json=body, headers=clerk)
    assert first.status_code == retry.status_code == 201
    assert retry.json == first.json and retry.headers["Idempotent-Replayed"] == "true"
    # the first answer's headers too: where the record is, and a position at or past its events
    assert retry.headers["Location"] == first.headers["Location"]
    written = int(first.headers["Cxzy-Position"].split("b01=")[1].split(",")[0])
    replayed = dict(p.split("=") for p in retry.headers["Cxzy-Position"].split(","))
    assert int(replayed["b01"]) >= written
    after = client.get(f"{B01}/records?campaign=2026&per_page=1", headers=clerk).json["total"]
    assert after == before + 1
    reused = client.post(
        f"{B01}/records",
        json={**body, "text": "另一件事"},
        headers={**clerk, "Accept-Language": "zh"},
    )
    assert reused.status_code == 422 and reused.json["code"] == "idempotency.key_reused"
    assert "已用于另一个请求" in reused.json["detail"]
    blank = client.post(f"{B01}/records", json=body, headers={**clerk, "Idempotency-Key": ""})
    assert blank.status_code == 400 and blank.json["code"] == "idempotency.key_malformed"
    # A refused command claims nothing: the same key may be sent again once it is right.
    keyed = {**clerk, "Idempotency-Key": "record-7f3b"}
    bad = client.post(f"{B01}/records", json={**body, "subject": "nobody"}, headers=keyed)
    assert bad.status_code == 409  # a member the body names, not the address's resource
    ok = client.post(f"{B01}/records", json={**body, "subject": "nobody"}, headers=keyed)
    assert ok.status_code == 409  # still refused, and still not replayed as a success
    assert "Idempotent-Replayed" not in ok.headers


def test_a_member_files_their_own_measure_only(client):
    member = bearer(client, "b01-member")
    mine = {
        "year": 2026,
        "level": "member",
        "subject": "B01003",
        "criteria": [1],
        "text": "每月读一本理论书籍",
        "due": "2026-12-31",
    }
    filed = client.post(f"{B01}/measures", json=mine, headers=member)
    assert filed.status_code == 201, filed.json
    other = client.post(f"{B01}/measures", json={**mine, "subject": "B01004"}, headers=member)
    assert other.status_code == 403


def test_a_returned_plan_shows_the_committees_reason_to_the_branch(client):
    admin, clerk = bearer(client, "admin"), bearer(client, "b02-clerk")
    plan = client.get("/api/v1/branches/b02/plans/2026", headers=clerk).json
    assert plan["status"] == "submitted" and plan["decision"] == "approved"
    again = client.post(
        "/api/v1/branches/b02/plans/2026/decision",
        json={"outcome": "returned", "reason": "再议"},
        headers=admin,
    )
    assert again.status_code == 409  # decided already


def test_a_chinese_refusal_names_the_branch_as_the_pages_do(client):
    admin = bearer(client, "admin")
    entry = {"branch": "b02", "level": "member", "subject": "B02999"}
    body = {"entries": [entry], "on": "2026-11-20", "decision_text": "党委表彰决定"}
    refused = client.post(
        "/api/v1/campaigns/2026/commendation",
        json=body,
        headers={**admin, "Accept-Language": "zh"},
    )
    assert refused.status_code == 409 and refused.json["code"] == "commendation.not_approved"
    assert refused.json["params"]["branch"] == "b02"  # the code, for tools
    name = client.get("/api/v1/branches/b02", headers=admin).json["name"]
    assert refused.json["detail"].startswith(f"{name}的党员B02999"), refused.json


def test_branch_users_see_their_own_rows_of_the_boards(client):
    admin = client.get(
        "/api/v1/campaigns/2026/leaderboards/member", headers=bearer(client, "admin")
    )
    assert admin.status_code == 200 and {r["branch"] for r in admin.json["rows"]} == {"b01", "b02"}
    mine = client.get(
        "/api/v1/campaigns/2026/leaderboards/member", headers=bearer(client, "b02-secretary")
    )
    assert mine.status_code == 200 and {r["branch"] for r in mine.json["rows"]} == {"b02"}
    matrix = client.get("/api/v1/campaigns/2026/matrix", headers=bearer(client, "b02-clerk"))
    assert [r["code"] for r in matrix.json["rows"]] == ["b02"]
    viewer = bearer(client, "viewer")
    past = client.get("/api/v1/campaigns/2026/leaderboards/branch?as_of=2026-06-30", headers=viewer)
    assert past.status_code == 200 and past.json["as_of"] == "2026-06-30"
    trends = client.get("/api/v1/campaigns/2026/trends?as_of=2026-03-31", headers=viewer).json
    assert all(b["monthly_score"][5] is None for b in trends["branches"])  # June not yet
    # as the page: a month not begun has no count of records, not 0 recorded
    assert all(b["records"][3:] == [None] * 9 for b in trends["branches"])
    assert all(None not in b["records"][:3] for b in trends["branches"])
    bad = client.get("/api/v1/campaigns/2026/leaderboards/member?as_of=soon", headers=viewer)
    assert bad.status_code == 422
    # a board as of a day to come would be today's passed off as a forecast
    future = client.get(
        "/api/v1/campaigns/2026/leaderboards/member?as_of=2999-01-01", headers=viewer
    )
    assert future.status_code == 409 and future.json["code"] == "as_of.in_future"  # decision 0020
    assert "as_of" in future.json["errors"]
    assert (
        client.get("/api/v1/campaigns/2026/leaderboards/nobody", headers=viewer).status_code == 404
    )
    assert client.get("/api/v1/campaigns/1999/matrix", headers=viewer).status_code == 404
    branches = client.get("/api/v1/branches", headers=bearer(client, "b02-clerk"))
    assert [b["code"] for b in branches.json["items"]] == ["b02"]


def test_the_openapi_document_covers_every_api_route_with_its_schemas(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.")
    paths = spec.json["paths"]
    for rule in client.application.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in paths[template], (method, template)
    enrol = paths["/api/v1/branches/{code}/members"]["post"]
    assert "MemberIn" in str(enrol["requestBody"])
    assert enrol["x-roles"] == ["branch-clerk", "branch-secretary"]
    # the headers a client generated from the document needs: a write's key and answer, a
    # list's read-your-writes
    assert "Idempotency-Key" in [p["name"] for p in enrol["parameters"] if p["in"] == "header"]
    assert {"Cxzy-Position", "Idempotent-Replayed", "Location"} <= set(
        enrol["responses"]["201"]["headers"]
    )
    listed = paths["/api/v1/branches/{code}/records"]["get"]
    assert "Cxzy-After" in [p["name"] for p in listed["parameters"] if p["in"] == "header"]
    # examples a reader can take at their word: a group's code for a group, a board row's
    # status among those the server answers, a day where a day is meant
    assert enrol["requestBody"]["content"]["application/json"]["example"]["group"] == "g1"
    board = paths["/api/v1/campaigns/{year}/leaderboards/{level}"]["get"]["responses"]["200"]
    shown = board["content"]["application/json"]["example"]
    assert shown["rows"][0]["status"] in ("rated", "unrated") and shown["as_of"] is None
    record = listed["responses"]["200"]["content"]["application/json"]["example"]["items"][0]
    assert record["retracted"] is None
    # what a creation leads to next is linked: a client follows the document, not a guess
    for path, target in (
        ("/api/v1/campaigns/{year}/amendments", "close_amendment"),
        ("/api/v1/branches/{code}/tasks", "report_task"),
        ("/api/v1/branches/{code}/letters", "reply_to_letter"),
    ):
        assert target in paths[path]["post"]["responses"]["201"]["links"], path
    docs = client.get("/api/docs").get_data(as_text=True)
    assert "/api/v1/branches/{code}/members" in docs
    assert "93 个接口" in docs or re.search(r"\d+ 个接口", docs)
    enrol_docs = docs[docs.index("登记党员") :]
    assert "member_no" in enrol_docs[:3000] and "组织委员" in enrol_docs[:3000]
    # The page shows each operation's examples: a request and an answer.
    assert "请求示例" in enrol_docs[:6000] and "&#34;member_no&#34;: &#34;B01005&#34;" in enrol_docs
    assert "响应示例" in enrol_docs[:6000]


def test_a_ballot_code_is_good_for_one_cast_on_its_own_ballot_only(client):
    clerk = bearer(client, "b01-clerk")
    body = {
        "year": 2026,
        "title": "补充测评",
        "subjects": [{"level": "member", "subject": "B01003"}, {"level": "group", "subject": "g1"}],
        "codes": {"members": 3},
        "on": "2026-11-20",
    }
    opened = client.post(f"{B01}/ballots", json=body, headers=clerk)
    assert opened.status_code == 201 and len(opened.json["codes"]["members"]) == 3
    ballot, codes = opened.json["id"], opened.json["codes"]["members"]
    grades = {"member:B01003": "excellent", "group:g1": "competent"}
    cast = f"{B01}/ballots/{ballot}/casts"
    assert client.post(cast, json={"code": codes[0], "grades": grades}).status_code == 201
    spent = client.post(cast, json={"code": codes[0], "grades": grades})
    assert spent.status_code == 409 and spent.json["code"] == "ballot.code_used"
    unknown = client.post(cast, json={"code": "ZZZZ-ZZZZ", "grades": grades})
    assert unknown.status_code == 409 and unknown.json["code"] == "ballot.unknown_code"
    partial = client.post(cast, json={"code": codes[1], "grades": {"group:g1": "competent"}})
    assert partial.status_code == 409
    shown = client.get(f"{B01}/ballots/{ballot}", headers=clerk).json
    assert shown["cast"] == {"members": 1} and shown["tallies"] is None  # secret until closed
    closed = client.post(f"{B01}/ballots/{ballot}/close", json={"on": "2026-11-21"}, headers=clerk)
    assert (
        closed.status_code == 200
        and closed.json["tallies"]["member:B01003"]["members"]["excellent"] == 1
    )
    assert client.post(cast, json={"code": codes[2], "grades": grades}).status_code == 409
    again = client.post(f"{B01}/ballots/{ballot}/close", json={"on": "2026-11-22"}, headers=clerk)
    assert again.status_code == 409 and again.json["code"] == "ballot.closed_on"
    assert again.json["params"] == {"on": "2026-11-21"}  # a date, in ISO form
    assert again.json["detail"] == "this ballot was closed on 2026-11-21"


def test_numbers_and_codes_that_differ_only_in_case_are_one_and_group_names_are_unique(client):
    """A clerk typing b01901 for B01901 made a second member nobody could tell from the first;
    two groups called 第一党小组 could not be told apart on any form or board."""
    clerk = bearer(client, "b01-clerk")
    body = {"member_no": "B01902", "name": "新党员甲", "joined_on": "2026-07-01"}
    assert client.post(f"{B01}/members", json=body, headers=clerk).status_code == 201
    lower = client.post(f"{B01}/members", json={**body, "member_no": "b01902"}, headers=clerk)
    assert lower.status_code == 409 and lower.json["code"] == "member.number_taken"
    assert lower.json["params"] == {"member_no": "B01902"}  # the number in use, as stored
    formed = client.post(f"{B01}/groups", json={"code": "gq", "name": "青年党小组"}, headers=clerk)
    assert formed.status_code == 201
    upper = client.post(f"{B01}/groups", json={"code": "GQ", "name": "另一小组"}, headers=clerk)
    assert upper.status_code == 409 and upper.json["params"] == {"group": "gq"}
    same = client.post(f"{B01}/groups", json={"code": "gr", "name": "青年党小组"}, headers=clerk)
    assert same.status_code == 409 and same.json["code"] == "group.name_taken"
    assert same.json["errors"] == {"name": [same.json["detail"]]}
    found = client.get(f"{B01}/members/b01902", headers=clerk)  # the same number, as typed
    assert found.status_code == 200 and found.json["member_no"] == "B01902"
    other = client.post(f"{B01}/groups", json={"code": "gr", "name": "老年党小组"}, headers=clerk)
    assert other.status_code == 201
    renamed = client.put(f"{B01}/groups/gr/name", json={"name": "青年党小组"}, headers=clerk)
    assert renamed.status_code == 409 and renamed.json["code"] == "group.name_taken"


def test_a_refusal_carries_its_code_and_parameters_and_reads_in_the_clients_language(client):
    clerk = bearer(client, "b01-clerk")
    body = {"member_no": "B01901", "name": "另一新党员", "joined_on": "2026-07-01"}
    assert client.post(f"{B01}/members", json=body, headers=clerk).status_code == 201
    again = client.post(f"{B01}/members", json=body, headers=clerk)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert again.json["code"] == "member.number_taken"
    assert again.json["params"] == {"member_no": "B01901"}
    assert again.json["title"] == "exists"
    assert again.json["detail"] == "member number B01901 is taken"
    assert again.json["errors"] == {"member_no": ["member number B01901 is taken"]}
    assert again.headers["Content-Language"] == "en"
    prefers_chinese = {**clerk, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    chinese = client.post(f"{B01}/members", json=body, headers=prefers_chinese)
    assert chinese.status_code == 409 and chinese.headers["Content-Language"] == "zh"
    assert chinese.json["code"] == "member.number_taken"
    assert chinese.json["detail"] == "党员编号 B01901 已被使用。"
    assert chinese.json["errors"] == {"member_no": ["党员编号 B01901 已被使用。"]}
    assert "Accept-Language" in chinese.headers["Vary"]
    # a regional tag stands for its language, in the order of the client's qualities
    for header, language in (
        ("en-US,zh;q=0.9", "en"),
        ("zh-TW,en;q=0.5", "zh"),
        ("fr,zh;q=0.8,en;q=0.7", "zh"),
        ("fr, zh;q=0", "en"),
    ):
        found = client.post(
            f"{B01}/members", json=body, headers={**clerk, "Accept-Language": header}
        )
        assert found.headers["Content-Language"] == language, header


def test_the_secretary_erases_a_members_personal_data_and_it_reads_as_erased(client):
    clerk, secretary = bearer(client, "b01-clerk"), bearer(client, "b01-secretary")
    body = {
        "member_no": "B01950",
        "name": "王小明",
        "joined_on": "2020-07-01",
        "phone": "13800000000",
    }
    assert client.post(f"{B01}/members", json=body, headers=clerk).status_code == 201
    reason = {"reason": "本人申请删除个人信息"}
    refused = client.post(f"{B01}/members/B01950/erasure", json=reason, headers=clerk)
    assert refused.status_code == 403  # a clerk may not: erasure cannot be undone
    erased = client.post(f"{B01}/members/B01950/erasure", json=reason, headers=secretary)
    assert erased.status_code == 200 and erased.json["name"] == "（已删除）"
    shown = client.get(f"{B01}/members/B01950", headers=secretary).json
    assert "王小明" not in str(shown) and "13800000000" not in str(shown)
    again = client.post(f"{B01}/members/B01950/erasure", json=reason, headers=secretary)
    assert again.status_code == 409


def test_the_branchs_own_commendation_of_an_erased_member_reads_as_erased(client):
    """The branch's 通报表扬 and its recommendation upward kept the name in plain text, in the
    answer, the page and the stored event, after the member's erasure (tester)."""
    from cxzy_saas.web import tenancy_of

    secretary = bearer(client, "b01-secretary")
    own = client.get(f"{B01}/own-commendations/2026", headers=secretary).json
    commended = next(c for c in own["commended"] if c["level"] == "member")
    number, name = commended["subject"], commended["name"]
    reason = {"reason": "本人申请删除个人信息"}
    erased = client.post(f"{B01}/members/{number}/erasure", json=reason, headers=secretary)
    assert erased.status_code == 200
    after = client.get(f"{B01}/own-commendations/2026", headers=secretary).json
    shown = next(c for c in after["commended"] if c["subject"] == number)
    assert shown["name"] == "（已删除）" and name not in str(after)
    # its stored events held it in plain text (free text a clerk wrote, a deed material that
    # names the member, is the clerk's words: no erasure can find a name in it)
    log = tenancy_of(client.application).settings.data_dir / "tenants" / "b01.sqlite3"
    with sqlite3.connect(log) as db:
        states = db.execute(
            "SELECT state FROM stored_events WHERE topic LIKE '%:BranchCommendation.%'"
        ).fetchall()
    assert states and all(name.encode() not in state for (state,) in states)


def test_every_overdue_kind_the_api_answers_is_one_its_document_lists(client):
    """Decision 0020: the document is the contract; a client validating answers against its
    enum must not meet a kind it does not list (quarterly meetings, tasks, branch assessments)."""
    spec = client.get("/api/openapi.json").json
    listed = set(spec["components"]["schemas"]["OverdueItemOut"]["properties"]["kind"]["enum"])
    viewer = bearer(client, "viewer")
    found = client.get("/api/v1/campaigns/2026/overdue", headers=viewer).json["items"]
    assert {i["kind"] for i in found} <= listed
    from cxzy_saas.projections.queries import QUARTERLY_MEETINGS

    # the kinds made apart from the monthly and quarterly counts: the meetings a quarter asks
    # for, a task past its due day, a branch the committee did not assess in time
    made = {*QUARTERLY_MEETINGS.values(), "assigned-task", "branch-assessment-missing"}
    assert made <= listed, made - listed


def test_refusals_of_fields_and_of_tokens_are_in_chinese_when_asked(client):
    """Accept-Language: zh gives the pages' words for a schema's refusals and a token's, as it
    gives a domain refusal's (README: detail and errors in Chinese)."""
    zh = {"Accept-Language": "zh-CN", **bearer(client, "viewer")}
    missing = client.get("/api/v1/branches/b01/assessments", headers=zh)
    assert missing.status_code == 422 and missing.json["errors"] == {"campaign": ["此项不能为空"]}
    assert "无效" in missing.json["detail"] or "不符合" in missing.json["detail"]
    bad = client.get("/api/v1/campaigns/2026/leaderboards/member?per_page=abc", headers=zh)
    assert bad.status_code == 422 and bad.json["errors"] == {"per_page": ["应为整数"]}
    anonymous = client.get("/api/v1/branches", headers={"Accept-Language": "zh"})
    assert anonymous.status_code == 401 and "令牌" in anonymous.json["detail"]
    assert all("Accept-Language" in r.headers["Vary"] for r in (missing, bad, anonymous))
    english = client.get("/api/v1/branches/b01/assessments", headers=bearer(client, "viewer"))
    assert english.json["errors"] == {"campaign": ["Missing data for required field."]}


def leaves(messages: object) -> list[str]:
    """The messages of a problem's ``errors`` (by field, nested by field or index)."""
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in leaves(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in leaves(value)]
    return [str(messages)]


def test_every_refusal_of_a_malformed_request_is_in_chinese_when_asked(client):
    """Werkzeug's own refusals (an unknown address, broken JSON, a form body, a wrong method)
    and marshmallow's rarer messages (an unknown field, a body that is not an object)."""
    zh = {"Accept-Language": "zh-CN", **bearer(client, "admin")}
    answers = [
        client.get("/api/v1/campaigns/abc", headers=zh),
        client.get("/api/v1/branches/b01/records/not-a-uuid", headers=zh),
        client.post(
            "/api/v1/auth/token", data="{", headers={**zh, "Content-Type": "application/json"}
        ),
        client.post("/api/v1/auth/token", data={"username": "x"}, headers=zh),
        client.delete("/api/v1/campaigns", headers=zh),
        client.get("/api/v1/branches/b01/assessments?campaign=2026&period=1", headers=zh),
        client.post("/api/v1/campaigns", json=[1], headers=zh),
    ]
    allowed = re.compile(r"JSON|Content-Type|application/json|Allow|Accept|errors")
    for answer in answers:
        assert answer.status_code in (400, 404, 405, 415, 422), answer.status_code
        words = [answer.json["detail"], *leaves(answer.json.get("errors", {}))]
        for text in words:
            assert not re.search(r"[A-Za-z]{4,}", allowed.sub("", text)), text
        assert answer.headers["Content-Language"] == "zh"
    assert answers[4].headers["Allow"]


def test_the_documents_chinese_is_punctuated_in_full_width(client):
    """Summaries, descriptions and examples a Chinese reader reads: a comma, semicolon, colon or
    bracket beside Chinese is full-width (an English sentence glossing a word keeps its own)."""
    spec = client.get("/api/openapi.json").json
    half_width = re.compile(r"[\u4e00-\u9fff）][;:,(]|[;:,][\u4e00-\u9fff（]")
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and (hit := half_width.search(node)):
            found.append(node[max(0, hit.start() - 10) : hit.end() + 10])

    walk(spec)
    assert found == []
