"""The HTML pages through the Flask test client: sign-in, CSRF, who may open what, form errors."""

from __future__ import annotations

import re
from datetime import date

import pytest

from cxzy_saas.application.commands.work import FileMeasure, ReportMeasure
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web import tenancy_of
from tests.web.conftest import (
    NEW_GROUP,
    WAITING_BRANCH,
    Demo,
    as_user,
    build_small_demo,
    csrf_token,
    sign_in,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("pages"))


def test_sign_in_sends_each_role_home_and_a_wrong_password_keeps_the_name(client):
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.text and 'lang="zh-CN"' in page.text
    wrong = sign_in(client, "b01-clerk", "nope")
    assert wrong.status_code == 422
    assert "用户名或密码错误" in wrong.text and 'value="b01-clerk"' in wrong.text
    assert sign_in(client, "b01-clerk").headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/branch/b01"
    assert sign_in(client, "viewer").status_code == 302
    assert client.get("/").headers["Location"] == "/committee"


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    response = client.get("/committee/matrix?campaign=2026")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/committee/matrix")
    page = client.get(response.headers["Location"])
    token = csrf_token(page.text)
    back = client.post(
        "/login",
        data={
            "username": "admin",
            "password": "demo",
            "next": "/committee/matrix?campaign=2026",
            "csrf_token": token,
        },
    )
    assert back.headers["Location"] == "/committee/matrix?campaign=2026"
    token = csrf_token(client.get("/login").text)  # signing in starts a new session
    elsewhere = client.post(
        "/login",
        data={
            "username": "admin",
            "password": "demo",
            "next": "//evil.example",
            "csrf_token": token,
        },
    )
    assert elsewhere.headers["Location"] == "/"


def test_forms_without_the_csrf_token_are_refused_and_the_api_is_exempt(client):
    refused = client.post("/login", data={"username": "admin", "password": "demo"})
    assert refused.status_code == 400 and "页面已过期" in refused.text
    as_user(client, "admin")
    forged = client.post("/logout")
    assert forged.status_code == 400
    assert client.get("/committee").status_code == 200  # still signed in
    decide = client.post(
        "/committee/approvals",
        data={"branch": WAITING_BRANCH, "kind": "plan", "subject": "2026", "outcome": "approved"},
    )
    assert decide.status_code == 400
    api = client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo"})
    assert api.status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf_token(client.get("/committee").text)})
    assert out.status_code == 302
    assert client.get("/committee").status_code == 302


BRANCH_PAGES = ["/branch/b01", "/branch/b01/queue", "/branch/b01/assessment"]
COMMITTEE_PAGES = [
    "/committee",
    "/committee/boards/member",
    "/committee/matrix",
    "/committee/trends",
    "/committee/overdue",
    "/committee/approvals",
]


@pytest.mark.parametrize("path", BRANCH_PAGES + COMMITTEE_PAGES + ["/branch/nope"])
def test_another_branchs_pages_and_the_committees_do_not_exist_for_a_branch_user(client, path):
    as_user(client, "b02-clerk")
    response = client.get(path)
    assert response.status_code == 404, path
    assert "页面不存在" in response.text


def test_a_branch_user_cannot_post_to_another_branch(client):
    as_user(client, "b02-clerk")
    token = csrf_token(client.get("/branch/b02").text)
    response = client.post(
        "/branch/b01/assessment", data={"grid": NEW_GROUP, "month": "10", "csrf_token": token}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("path", BRANCH_PAGES + COMMITTEE_PAGES)
def test_committee_staff_read_every_page(client, path):
    as_user(client, "viewer")
    assert client.get(path).status_code == 200, path


def test_committee_staff_cannot_enter_a_branchs_scores_and_a_viewer_cannot_decide(client):
    as_user(client, "admin")
    token = csrf_token(client.get("/committee").text)
    scores = client.post(
        "/branch/b01/assessment", data={"grid": NEW_GROUP, "month": "10", "csrf_token": token}
    )
    assert scores.status_code == 403
    as_user(client, "viewer")
    token = csrf_token(client.get("/committee").text)
    decide = client.post(
        "/committee/approvals",
        data={
            "branch": WAITING_BRANCH,
            "kind": "plan",
            "subject": "2026",
            "submission": "1",
            "outcome": "approved",
            "csrf_token": token,
        },
    )
    assert decide.status_code == 403


def test_the_dashboard_takes_an_as_of_date_and_says_what_is_wrong_with_a_bad_one(client):
    as_user(client, "admin")
    past = client.get("/committee/boards/branch?campaign=2026&as_of=2026-03-31")
    assert past.status_code == 200 and "显示截至 2026-03-31" in past.text and "<svg" in past.text
    then = client.get("/committee?campaign=2026&as_of=2026-03-31").text
    assert "查看往日数据时不列待办事项" in then and 'class="overdue"' not in then
    bad = client.get("/committee?as_of=soon")
    assert bad.status_code == 200 and "日期格式应为年-月-日" in bad.text
    # typed with a Chinese input method, as the forms take it; a NUL is not echoed back
    wide = client.get("/committee/boards/branch?campaign=2026&as_of=２０２６－０３－３１").text
    assert "显示截至 2026-03-31" in wide
    nul = client.get("/committee?as_of=%00")
    assert nul.status_code == 200 and "\x00" not in nul.text and "日期格式应为年-月-日" in nul.text
    english = client.get("/lang/en?next=/committee/matrix")
    assert english.headers["Location"] == "/committee/matrix"
    assert "Branch × criterion" in client.get("/committee/matrix").text
    client.get("/lang/zh")


def grid_form(token: str, **cells: str) -> dict[str, str]:
    # December: the new group's members were enrolled this month (2026-12), so they owe no
    # earlier month's sheet
    return {"grid": NEW_GROUP, "month": "12", "csrf_token": token, **cells}


def test_the_assessment_grid_shows_errors_next_to_the_cells_and_keeps_what_was_typed(client, demo):
    as_user(client, "b01-clerk")
    page = client.get("/branch/b01/assessment?month=12")
    assert page.status_code == 200 and "新建党小组" in page.text
    first, second = demo.new_members
    cells = {f"p.{first}.M{i}": "8" for i in range(1, 7)}
    cells |= {f"p.{second}.M{i}": "7.5" for i in range(1, 7)}
    cells[f"p.{first}.M2"] = "11"
    cells[f"p.{second}.M3"] = "很好"
    cells[f"p.{second}.M4"] = ""
    failed = client.post("/branch/b01/assessment", data=grid_form(csrf_token(page.text), **cells))
    assert failed.status_code == 422
    assert re.search(r"员2（[^）]+）的分数应在 0 到 10 之间", failed.text)
    assert re.search(r"员3（[^）]+）的分数应为数字", failed.text)
    assert "请填写 员4" in failed.text
    assert 'value="11"' in failed.text and 'value="很好"' in failed.text
    cells[f"p.{first}.M2"], cells[f"p.{second}.M3"], cells[f"p.{second}.M4"] = "9", "6", "5.5"
    saved = client.post("/branch/b01/assessment", data=grid_form(csrf_token(page.text), **cells))
    assert saved.status_code == 302
    again = client.get(saved.headers["Location"])
    assert "已保存" in again.text and f'name="p.{first}.M1"' not in again.text
    twice = client.post("/branch/b01/assessment", data=grid_form(csrf_token(page.text), **cells))
    assert twice.status_code == 422 and "12月已全部考核" in twice.text and "更正" in twice.text


def test_a_return_needs_a_reason_and_keeps_the_form(client):
    as_user(client, "admin")
    page = client.get("/committee/approvals")
    assert "新成立党支部" in page.text
    form = {
        "branch": WAITING_BRANCH,
        "kind": "plan",
        "subject": "2026",
        "submission": "1",
        "csrf_token": csrf_token(page.text),
    }
    failed = client.post(
        "/committee/approvals", data={**form, "outcome": "returned", "reason": " "}
    )
    assert failed.status_code == 422 and "退回须写明理由" in failed.text


def test_the_committee_acknowledges_a_measure_a_branch_reported_to_it(client, app):
    clerk = Actor("b01-clerk", "branch-clerk", "b01")
    branch = tenancy_of(app).branch("b01")
    measure = branch.file_measure(
        clerk,
        FileMeasure(
            year=2026,
            level="branch",
            subject="b01",
            criteria=[1],
            text="开展党员志愿服务月活动",
            due=date(2026, 12, 31),
        ),
    )
    branch.report_measure(
        clerk, ReportMeasure(measure_id=measure, to="committee", on=tenancy_of(app).today())
    )
    as_user(client, "admin")
    page = client.get("/committee/approvals")
    assert 'name="year" value="2026"' in page.text  # each row's form says its campaign
    form = {
        "branch": "b01",
        "kind": "measure",
        "subject": str(measure),
        "submission": "1",
        "year": "2026",
        "reason": "已收悉,请抓好落实",
        "csrf_token": csrf_token(page.text),
    }
    wrong = client.post("/committee/approvals", data={**form, "outcome": "approved"})
    assert wrong.status_code == 422  # a measure is acknowledged, never approved
    done = client.post("/committee/approvals", data={**form, "outcome": "acknowledged"})
    assert done.status_code == 302
    decision = tenancy_of(app).committee("demo").decision("b01", "measure", str(measure), 1)
    assert decision is not None and decision.outcome == "acknowledged"
    assert decision.reason == "已收悉,请抓好落实"


@pytest.mark.parametrize("path", BRANCH_PAGES + COMMITTEE_PAGES + ["/branch/b01/ballots"])
def test_every_page_reads_in_english_on_request(client, path):
    as_user(client, "admin")
    client.get("/lang/en")
    page = client.get(path)
    assert page.status_code == 200 and '<html lang="en">' in page.text, path
    assert "Sign out" in page.text


def test_the_ballot_page_reads_in_english_without_an_account(client):
    client.get("/lang/en")
    page = client.get("/ballot")
    assert "Ballot code" in page.text
    wrong = client.post("/ballot", data={"code": "ZZZZ-ZZZZ", "csrf_token": csrf_token(page.text)})
    assert "unknown ballot code" in wrong.text


def test_a_branch_sees_its_standing_as_of_a_past_day(client):
    as_user(client, "b01-clerk")
    today = client.get("/branch/b01")
    past = client.get("/branch/b01?campaign=2026&as_of=2026-01-31")
    assert today.status_code == past.status_code == 200
    assert "2026-01-31" in past.text and past.text != today.text
    bad = client.get("/branch/b01?as_of=someday")
    assert bad.status_code == 200 and "日期格式" in bad.text  # a note, and today's figures
    future = client.get("/branch/b01?as_of=2999-01-01")
    assert future.status_code == 200 and "晚于今天" in future.text
    assert "截至 2999-01-01" not in future.text
