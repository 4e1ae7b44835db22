"""Twenty clients at once over real HTTP, on SQLite and on PostgreSQL: every request ends 2xx
or 409, and the log holds exactly the writes that were answered 2xx, none lost or doubled."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from werkzeug.serving import make_server

from cxzy_saas.application.commands.committee import Grant, OpenCampaign, RegisterUser
from cxzy_saas.application.commands.organisation import FormGroup
from cxzy_saas.application.commands.plans import DraftPlan
from cxzy_saas.application.commands.work import AssessMonth
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web.app import create_app
from tests.builders import a_clerk, a_member
from tests.conftest import random_code

CLIENTS = 20


@pytest.fixture
def server(settings) -> Iterator[tuple[str, Tenancy, str]]:
    """A committee with one branch, a campaign and a plan, served on a free port; the tests
    share one PostgreSQL database, so codes and the user's name are random."""
    tenancy = Tenancy(settings)
    system = Actor(user="system", role="system", tenant="*")
    cc, bb, clerk = random_code("c"), random_code("b"), random_code("u")
    tenancy.add_committee(cc, "测试党委")
    tenancy.add_branch(cc, bb, "第一党支部")
    committee, branch = tenancy.committee(cc), tenancy.branch(bb)
    committee.open_campaign(system, OpenCampaign(year=2026, title="2026年度活动"))
    branch.form_group(a_clerk(bb), FormGroup(code="g1", name="第一党小组"))
    branch.enrol_members(a_clerk(bb), [a_member("M001"), a_member("M002", "李娜")])
    branch.draft_plan(a_clerk(bb), DraftPlan(year=2026, drafter="组织委员"))
    committee.register_user(
        system, RegisterUser(username=clerk, display_name="录入员", password="secret-pass")
    )
    committee.grant(system, Grant(username=clerk, role="branch-clerk", tenant=bb))
    app = create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}/api/v1/branches/{bb}", tenancy, clerk
    finally:
        http.shutdown()
        app.extensions["cxzy.tenancy"].close()
        tenancy.close()


def post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def token(base: str, user: str) -> dict[str, str]:
    root = base.split("/branches/")[0]
    status, body = post(f"{root}/auth/token", {"username": user, "password": "secret-pass"}, {})
    assert status == 200
    return {"Authorization": f"Bearer {body['access_token']}"}


def at_once(request: Callable[[int], tuple[int, Any]]) -> list[tuple[int, Any]]:
    """Run ``request(i)`` for 20 clients released together."""
    start = threading.Barrier(CLIENTS)
    results: list[tuple[int, Any]] = [(0, None)] * CLIENTS

    def client(i: int) -> None:
        start.wait()
        results[i] = request(i)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_clients_record_for_one_member_and_every_record_is_kept_once(server):
    base, tenancy, user = server
    bb = base.rsplit("/", 1)[-1]
    auth = token(base, user)
    results = at_once(
        lambda i: post(
            f"{base}/records",
            {
                "year": 2026,
                "on": "2026-03-02",
                "level": "member",
                "subject": "M001",
                "text": f"第{i}条记载",
            },
            auth,
        )
    )
    assert Counter(status for status, _ in results) == {201: CLIENTS}
    texts = sorted(r.text for r in tenancy.branch(bb).daily_records(2026))
    assert texts == sorted(f"第{i}条记载" for i in range(CLIENTS))


def test_twenty_clients_assess_one_member_month_and_exactly_one_wins(server):
    base, tenancy, user = server
    bb = base.rsplit("/", 1)[-1]
    auth = token(base, user)
    items = [i.code for i in tenancy.branch(bb).plan(2026).content.items_for("member")]
    results = at_once(
        lambda i: post(
            f"{base}/assessments",
            {
                "year": 2026,
                "month": 3,
                "level": "member",
                "on": "2026-04-02",
                "scores": {"M001": dict.fromkeys(items, i % 5)},
            },
            auth,
        )
    )
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: CLIENTS - 1}
    winner = next(body for status, body in results if status == 201)
    stored = tenancy.branch(bb).assessment(2026, 3, "member", "M001")
    assert stored.scores == winner["items"][0]["scores"]


def test_twenty_clients_correct_one_score_and_each_success_is_one_event(server):
    base, tenancy, user = server
    bb = base.rsplit("/", 1)[-1]
    auth = token(base, user)
    app = tenancy.branch(bb)
    items = [i.code for i in app.plan(2026).content.items_for("member")]
    app.assess_month(
        a_clerk(bb),
        AssessMonth(
            year=2026,
            month=3,
            level="member",
            scores={"M002": dict.fromkeys(items, 0)},
            on=date(2026, 4, 1),
        ),
    )
    results = at_once(
        lambda i: post(
            f"{base}/assessments/corrections",
            {
                "year": 2026,
                "month": 3,
                "level": "member",
                "subject": "M002",
                "item": items[0],
                "points": 1 + i % 3,
                "reason": f"复核{i}",
            },
            auth,
        )
    )
    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {200, 409, 422}  # 422: the points equal the value just set
    assert statuses[200] >= 1
    assessment = app.assessment(2026, 3, "member", "M002")
    assert len(assessment.corrections) == statuses[200]
    applied = sorted(c["reason"] for c in assessment.corrections)
    # Each success's own correction is in the log, once; the failures' are not.
    answered = sorted(f"复核{i}" for i, (status, _) in enumerate(results) if status == 200)
    assert applied == answered


def test_twenty_retries_with_one_idempotency_key_write_once(server):
    base, tenancy, user = server
    bb = base.rsplit("/", 1)[-1]
    auth = {**token(base, user), "Idempotency-Key": "same-request"}
    body = {
        "year": 2026,
        "on": "2026-03-05",
        "level": "member",
        "subject": "M002",
        "text": "只记一次",
    }
    results = at_once(lambda i: post(f"{base}/records", body, auth))
    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {201, 409} and statuses[201] >= 1
    assert len({b["id"] for s, b in results if s == 201}) == 1
    kept = [r for r in tenancy.branch(bb).daily_records(2026) if r.text == "只记一次"]
    assert len(kept) == 1
