"""What the reviewer typed as real users, refused clearly in the API (a domain refusal of a
schema-valid request: 409 and its code; bad input: 422) and on the pages (422, Chinese saying
what is wrong), never accepted and never a 500."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cxzy_saas.domain.recording import BEIJING
from cxzy_saas.web import tenancy_of
from tests.web.api_demo import app_for, bearer, build
from tests.web.conftest import as_user, csrf_token
from tests.web.test_pages_evaluation import text_of

B01 = "/api/v1/branches/b01"
YEAR = 2026


@pytest.fixture(scope="module")
def site(tmp_path_factory):  # type: ignore[no-untyped-def]
    return build(tmp_path_factory.mktemp("input-rules"))


@pytest.fixture
def client(site):  # type: ignore[no-untyped-def]
    return app_for(site).test_client()


def tomorrow() -> str:
    return (datetime.now(BEIJING).date() + timedelta(days=1)).isoformat()


def post(client, page: str, action: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def test_the_api_refuses_a_skipped_year_a_close_before_the_start_and_future_dates(client):
    admin = bearer(client, "admin")
    skipped = client.post(
        "/api/v1/campaigns", json={"year": 2030, "title": "跳跃年份"}, headers=admin
    )
    assert skipped.status_code == 409 and skipped.json["code"] == "campaign.year_not_next"
    early = client.post(f"/api/v1/campaigns/{YEAR}/close", json={"on": "2019-01-01"}, headers=admin)
    assert early.status_code == 409 and early.json["code"] == "campaign.closed_before_start"
    # half a year of records after a close dated in June: a year closes after its year-end
    june = client.post(f"/api/v1/campaigns/{YEAR}/close", json={"on": "2026-06-01"}, headers=admin)
    assert june.status_code == 409 and june.json["code"] == "campaign.closed_before_year_end"
    # a close or a commendation takes effect when it is recorded: never dated on a day to come
    later = client.post(f"/api/v1/campaigns/{YEAR}/close", json={"on": tomorrow()}, headers=admin)
    assert later.status_code == 409 and later.json["code"] == "date.in_future", later.json
    named = {"entries": [{"branch": "b01", "level": "branch", "subject": "b01"}]}
    commend = {**named, "on": tomorrow(), "decision_text": "提前表彰"}
    ahead = client.post(f"/api/v1/campaigns/{YEAR}/commendation", json=commend, headers=admin)
    assert ahead.status_code == 409 and ahead.json["code"] == "date.in_future", ahead.json
    listed = client.get(f"/api/v1/campaigns/{YEAR}/commendation", headers=admin).json
    (decision,) = listed["decisions"]  # the demo's one decision, cited with its day and words
    assert decision["on"] == f"{YEAR}-12-20" and decision["decision_text"].startswith("关于命名")
    assert decision["named"] == listed["named"]
    assert client.get(f"/api/v1/campaigns/{YEAR}", headers=admin).json["closed_on"] is None
    clerk = bearer(client, "b01-clerk")
    if tomorrow()[:4] == str(YEAR):
        record = {
            "year": YEAR,
            "on": tomorrow(),
            "level": "member",
            "subject": "B01001",
            "text": "明天的事",
        }
        future = client.post(f"{B01}/records", json=record, headers=clerk)
        assert future.status_code == 409 and future.json["code"] == "date.in_future"
    member = {"member_no": "B01950", "name": "未来人", "joined_on": "2030-01-01"}
    joined = client.post(f"{B01}/members", json=member, headers=clerk)
    assert joined.status_code == 409 and joined.json["code"] == "date.in_future"
    for phone in ("abc", "-1"):
        bad = {**member, "joined_on": "2020-07-01", "phone": phone}
        answer = client.post(f"{B01}/members", json=bad, headers=clerk)
        assert answer.status_code == 422 and "phone" in answer.json["errors"], phone


def test_the_pages_say_what_is_wrong_in_chinese(client):
    admin = as_user(client, "admin")
    page = "/committee/campaigns"
    title = post(admin, page, page, {"year": YEAR + 1, "title": "长" * 3000})
    assert title.status_code == 422
    assert "不能超过 200 个字" in text_of(title.text) and "请选择" not in title.text
    skipped = post(admin, page, page, {"year": 2030, "title": "跳跃年份"})
    assert skipped.status_code == 422 and "应为 2027 年度" in text_of(skipped.text)
    close = f"/committee/campaigns/{YEAR}/close"
    early = post(admin, close, close, {"on": "2019-01-01", "confirm": "yes"})
    assert early.status_code == 422 and "早于 2026 年度活动的开始" in text_of(early.text)
    no_day = post(admin, close, close, {"on": "2026-02-30", "confirm": "yes"})
    assert no_day.status_code == 422 and "没有这一天（2026-02-30）" in text_of(no_day.text)

    accounts = "/committee/accounts"
    for name in ("Zhangsi", "9zhang"):
        refused = post(
            admin,
            accounts,
            accounts,
            {
                "username": name,
                "display_name": "张四",
                "role": "committee-viewer",
                "tenant": "demo",
            },
        )
        shown = text_of(refused.text)
        assert refused.status_code == 422, name
        assert "以小写字母开头，只能用小写字母、数字和 . _ -" in shown
        assert "只能用字母、数字、- 和 _" not in shown
    assert "小写字母开头，可用小写字母、数字和 . _ -" in admin.get(accounts).text
    client.get("/logout")

    clerk = as_user(client, "b01-clerk")
    members = "/branch/b01/members"
    phone = post(
        clerk,
        members,
        members,
        {"member_no": "B01951", "name": "王五", "joined_on": "2020-07-01", "phone": "abc"},
    )
    assert phone.status_code == 422 and "电话号码应为 5 到 20 位数字" in text_of(phone.text)
    joined = post(
        clerk, members, members, {"member_no": "B01952", "name": "王六", "joined_on": "2030-01-01"}
    )
    assert joined.status_code == 422 and "晚于今天" in text_of(joined.text)
    records = "/branch/b01/records"
    long = post(
        clerk,
        records,
        records,
        {
            "year": YEAR,
            "on": "2026-03-01",
            "level": "member",
            "subject": "B01001",
            "text": "字" * 20000,
        },
    )
    assert long.status_code == 422
    assert "不能超过 5000 个字" in text_of(long.text) and "请选择" not in long.text


def test_branch_pages_refuse_a_month_or_campaign_that_is_none_instead_of_showing_another(client):
    clerk = as_user(client, "b01-clerk")
    for path in ("/branch/b01/assessment", "/branch/b01/import"):
        assert clerk.get(path).status_code == 200, path
        month = clerk.get(f"{path}?month=13")
        assert month.status_code == 422 and "月份应为 1 到 12" in text_of(month.text), path
    for path in ("/branch/b01/records", "/branch/b01/assessment", "/branch/b01"):
        campaign = clerk.get(f"{path}?campaign=1999")
        assert campaign.status_code == 404, path
        assert "1999 年度活动不存在" in text_of(campaign.text), path
        assert clerk.get(f"{path}?campaign={YEAR}").status_code == 200, path


def test_moves_roles_measure_completions_and_letters_dated_after_today_are_refused_unwritten(
    client,
):
    """Each of these says when something happened; a day still to come is refused (409
    ``date.in_future``) and nothing is written."""
    secretary = bearer(client, "b01-secretary")
    branch = tenancy_of(client.application).branch("b01")
    head = branch.head()
    later = tomorrow()
    member = f"{B01}/members/B01003"
    letter = {"year": YEAR, "kind": "report", "title": "来信", "text": "正文", "on": later}
    asked = [
        (f"{member}/group", {"group": "g2", "on": later}),
        (f"{member}/roles", {"role": "organiser", "on": later}),
        (f"{B01}/letters", letter),
    ]
    if later[:4] == str(YEAR):  # a completion must also fall in its campaign's year
        listed = client.get(f"{B01}/measures?campaign={YEAR}&status=open", headers=secretary)
        measure = listed.json["items"][0]["id"]
        asked.append((f"{B01}/measures/{measure}/completion", {"on": later, "note": "提前写好"}))
    for path, body in asked:
        answer = client.post(path, json=body, headers=secretary)
        assert answer.status_code == 409, (path, answer.json)
        assert answer.json["code"] == "date.in_future", path
    assert branch.head() == head


def test_a_day_is_written_as_the_document_says_and_typed_in_full_width_on_the_pages(client):
    viewer = bearer(client, "viewer")
    board = f"/api/v1/campaigns/{YEAR}/leaderboards/member"
    for written in ("20260630", "2026-W26-1", "２０２６-０６-３０"):
        found = client.get(board, query_string={"as_of": written}, headers=viewer)
        assert found.status_code == 422 and "as_of" in found.json["errors"], written
    assert (
        client.get(board, query_string={"as_of": "2026-06-30"}, headers=viewer).status_code == 200
    )
    # a Chinese input method types full-width digits: the page reads the day they mean
    clerk = as_user(client, "b01-clerk")
    records = "/branch/b01/records"
    typed = {"year": YEAR, "on": "２０２６-０３-０１", "level": "member", "subject": "B01001"}
    saved = post(clerk, records, records, {**typed, "text": "全角日期录入的记载"})
    assert saved.status_code == 302, text_of(saved.text)
    wrong = post(clerk, records, records, {**typed, "on": "２０２６-０２-３０", "text": "没有这天"})
    assert wrong.status_code == 422 and "没有这一天（2026-02-30）" in text_of(wrong.text)
