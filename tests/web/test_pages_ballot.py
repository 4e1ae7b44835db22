"""The secret ballot's pages through the Flask test client: a rater's steps (code, criteria and
rows, confirmation, cast), the slips a clerk prints, lost slips, the close."""

from __future__ import annotations

import dataclasses
import re
from uuid import UUID

import pytest

from cxzy_saas import wiring
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.app import create_app
from tests.web.conftest import PUBLIC_URL, YEAR, Demo, as_user, build_small_demo, csrf_token

GRADES = {"member:B01001": "excellent", "member:B01002": "competent", "group:g1": "basic"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("ballot-pages"))


def project(client) -> None:  # type: ignore[no-untyped-def]
    """The read models catch up (the test app runs no projector of its own)."""
    tenancy = tenancy_of(client.application)
    projector = wiring.projector(tenancy)
    try:
        projector.catch_up()
    finally:
        projector.db.close()


def graded(code: str, token: str, step: str, grades: dict[str, str]) -> dict[str, str]:
    return {
        "code": code,
        "csrf_token": token,
        "step": step,
        **{f"g.{k}": v for k, v in grades.items()},
    }


def test_a_rater_reads_the_criteria_first_then_grades_checks_and_casts_once(client, demo):
    page = client.get("/ballot")
    assert page.status_code == 200 and "测评码" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "same-origin"  # never to another site
    # the page names its icon, so that the browser asks no /favicon.ico, which the access log
    # would keep with the time of each rater's visit
    assert '<link rel="icon" href="data:,">' in page.text
    token = csrf_token(page.text)
    unknown = client.post("/ballot", data={"code": "AAAA-AAAA-AAAA", "csrf_token": token})
    assert unknown.status_code == 422 and "测评码无效" in unknown.text
    code = demo.codes[0].lower().replace("-", " ")  # typed from paper, any case and spacing
    rating = client.post("/ballot", data={"code": code, "csrf_token": token})
    assert rating.status_code == 200 and "补充民主测评" in rating.text
    text = rating.text
    # the criteria come first: the plan's conditions of an excellent member and a group
    assert (
        text.index("优秀党员评选条件") < text.index("先进党小组评选条件") < text.index("测评对象")
    )
    assert "综合党小组" in text  # names come from the branch, not from the ballot's events
    assert re.search(r'已选 <strong class="done">0</strong>/<span class="total">3</span>', text)
    assert 'src="/static/ballot.js"' in text and "<script>" not in text  # no inline script
    target = re.search(r'action="(/b/[A-Z0-9]+)"', text)
    assert target
    address = target.group(1)

    partial = client.post(
        address, data=graded(code, token, "review", {"member:B01001": "excellent"})
    )
    assert partial.status_code == 422 and "请为每个测评对象选择等次" in partial.text
    # said above the criteria (folded now), not below them out of a phone's screen
    assert partial.text.index('id="rating-error"') < partial.text.index('class="criteria"')
    assert '<details class="criteria" open>' not in partial.text
    assert 'value="excellent" checked' in partial.text
    assert re.search(r'已选 <strong class="done">1</strong>/', partial.text)

    confirm = client.post(address, data=graded(code, token, "review", GRADES))
    assert confirm.status_code == 200 and "请核对您的测评" in confirm.text
    assert "提交后不能修改" in confirm.text and "优秀 1 个" in confirm.text
    edit = client.post(address, data=graded(code, token, "edit", GRADES))
    assert edit.status_code == 200 and 'name="g.group:g1" value="basic" checked' in edit.text

    cast = client.post(address, data=graded(code, token, "cast", GRADES))
    assert cast.status_code == 302 and cast.headers["Location"] == "/ballot/done"
    done = client.get("/ballot/done")
    assert "测评已提交" in done.text and "优秀" not in done.text  # the grades are not echoed
    spent = client.post("/ballot", data={"code": code, "csrf_token": token})
    assert spent.status_code == 422 and "该测评码已经使用过" in spent.text
    again = client.post(address, data=graded(code, token, "cast", GRADES))
    assert again.status_code == 422 and "该测评码已经使用过" in again.text
    assert client.get("/b/NOSUCHBALLOT").status_code == 404


def test_a_clerk_prints_eight_slips_a_page_with_the_public_short_address(client, demo):
    as_user(client, "b02-clerk")
    page = client.get("/branch/b02/ballots")
    token = csrf_token(page.text)
    empty = client.post(
        "/branch/b02/ballots", data={"title": "专项测评", "members": "2", "csrf_token": token}
    )
    assert empty.status_code == 422 and "请至少选择一个测评对象" in empty.text
    bad = client.post(
        "/branch/b02/ballots",
        data={"title": "专项测评", "subject": "group:g1", "members": "两张", "csrf_token": token},
    )
    assert bad.status_code == 422 and "测评码数量应为 0–2000 的整数" in bad.text
    opened = client.post(
        "/branch/b02/ballots",
        data={
            "title": "专项测评",
            "subject": "group:g1",
            "members": "9",
            "constituents": "3",
            "csrf_token": token,
        },
    )
    assert opened.status_code == 200 and opened.headers["Cache-Control"] == "no-store"
    pages = opened.text.split('<section class="slip-page">')[1:]
    assert [p.count('<article class="slip">') for p in pages] == [8, 4]
    codes = re.findall(r'<p class="code">([A-Z0-9-]+)</p>', opened.text)
    assert len(codes) == 12 and all(re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){2}", c) for c in codes)
    assert opened.text.count("<svg") == 12  # a QR code on every slip
    address = re.search(re.escape(PUBLIC_URL) + r"(/b/[A-Z0-9]{10})<", opened.text)
    assert address, "the slips carry the configured public address"
    assert "localhost" not in opened.text  # never the request's host

    project(client)
    rater = client.application.test_client()
    form = rater.get(address.group(1))
    assert form.status_code == 200 and "专项测评" in form.text
    rating = rater.post(
        address.group(1), data={"code": codes[0], "csrf_token": csrf_token(form.text)}
    )
    assert rating.status_code == 200 and 'name="g.group:g1"' in rating.text
    assert "先进党小组评选条件" in rating.text and "优秀党员评选条件" not in rating.text

    as_user(client, "viewer")
    token = csrf_token(client.get("/branch/b02/ballots").text)
    refused = client.post("/branch/b02/ballots", data={"title": "x", "csrf_token": token})
    assert refused.status_code == 403


def test_lost_slips_are_voided_and_reissued_and_the_close_keeps_to_the_year(client, demo):
    as_user(client, "b01-clerk")
    page = client.get("/branch/b01/ballots")
    token = csrf_token(page.text)
    held = demo.codes[3]  # a slip the secretary still holds
    base = f"/branch/b01/ballots/{demo.ballot_id}"
    reissued = client.post(
        f"{base}/reissue",
        data={"pool": "members", "mode": "listed", "void": held, "codes": "1", "csrf_token": token},
    )
    assert reissued.status_code == 200 and reissued.headers["Cache-Control"] == "no-store"
    [new] = re.findall(r'<p class="code">([A-Z0-9-]+)</p>', reissued.text)
    rater = client.application.test_client()
    entry = rater.get("/ballot")
    voided = rater.post("/ballot", data={"code": held, "csrf_token": csrf_token(entry.text)})
    assert voided.status_code == 422 and "已作废" in voided.text
    works = rater.post("/ballot", data={"code": new, "csrf_token": csrf_token(entry.text)})
    assert works.status_code == 200 and "测评对象" in works.text

    late = client.post(f"{base}/close", data={"on": "2027-01-03", "csrf_token": token})
    assert late.status_code == 422 and "测评日期应在 2026 年内" in late.text
    today = tenancy_of(client.application).today().isoformat()
    closed = client.post(f"{base}/close", data={"on": today, "csrf_token": token})
    assert closed.status_code == 302
    # the slips' address says so at once, before a rater types a code and grades everyone
    project(client)
    short = tenancy_of(client.application).branch("b01").ballot(UUID(demo.ballot_id)).short
    after = rater.get(f"/b/{short}")
    assert after.status_code == 200 and f"本次测评已于 {today} 结束" in after.text
    assert 'name="code"' not in after.text


def test_no_slips_without_a_public_address(demo):
    settings = dataclasses.replace(
        demo.settings, web=dataclasses.replace(demo.settings.web, public_url="")
    )
    app = create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    client = app.test_client()
    as_user(client, "b02-clerk")
    token = csrf_token(client.get("/branch/b02/ballots").text)
    refused = client.post(
        "/branch/b02/ballots",
        data={"title": "专项测评", "subject": "group:g1", "members": "2", "csrf_token": token},
    )
    assert refused.status_code == 422 and "对外访问地址" in refused.text
    assert 'class="code"' not in refused.text


def test_an_opening_or_a_reissue_sent_twice_makes_its_codes_once(client, demo):
    """A double click, or a reload of the answer, opened a second ballot with other codes; a
    reissue sent again voided the slips just printed."""
    as_user(client, "b02-clerk")
    page = client.get("/branch/b02/ballots").text
    once = re.search(r'name="once" value="([0-9a-f]+)"', page)
    assert once
    form = {
        "title": "双击测试",
        "subject": "group:g1",
        "members": "2",
        "csrf_token": csrf_token(page),
        "once": once.group(1),
    }
    branch = tenancy_of(client.application).branch("b02")
    before = len(branch.ballots(YEAR))
    first = client.post("/branch/b02/ballots", data=form)
    assert first.status_code == 200 and first.text.count('<p class="code">') == 2
    again = client.post("/branch/b02/ballots", data=form)
    assert again.status_code == 302
    assert "没有重复生成测评码" in client.get(again.headers["Location"]).text
    opened = [b for b in branch.ballots(YEAR) if b.title == "双击测试"]
    assert len(branch.ballots(YEAR)) == before + 1 and len(opened) == 1
    page = client.get("/branch/b02/ballots").text
    once = re.search(
        rf'ballots/{opened[0].id}/reissue"[^>]*>.*?name="once" value="([0-9a-f]+)"', page, re.S
    )
    assert once
    reissue = {
        "pool": "members",
        "mode": "unspent",
        "codes": "2",
        "csrf_token": csrf_token(page),
        "once": once.group(1),
    }
    printed = client.post(f"/branch/b02/ballots/{opened[0].id}/reissue", data=reissue)
    kept = re.findall(r'<p class="code">([A-Z0-9-]+)</p>', printed.text)
    assert printed.status_code == 200 and len(kept) == 2
    resent = client.post(f"/branch/b02/ballots/{opened[0].id}/reissue", data=reissue)
    assert resent.status_code == 302
    ballot = branch.ballot(opened[0].id)
    assert ballot.issued["members"] == 2  # the two just printed still stand
