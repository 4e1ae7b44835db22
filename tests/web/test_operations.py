"""What an operator's tools see: /healthz, /readyz, /metrics, and the logs, whose lines name the
request, user and tenant and never hold a password, a token, a ballot code or a personal field.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
from datetime import date

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import Grant, RegisterUser
from cxzy_saas.application.commands.organisation import EnrolMember
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web.app import create_app
from cxzy_saas.web.requestlog import JsonLines
from tests.web.conftest import as_user, build_small_demo, csrf_token

TOKEN = "scrape-me-please"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("ops"))


def app_over(settings: Settings, **config):  # type: ignore[no-untyped-def]
    return create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False, **config})


def scrape(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return str(response.text)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition ``text`` (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# health


def test_healthz_answers_while_the_process_runs(tmp_path):
    client = app_over(Settings(data_dir=tmp_path / "empty")).test_client()
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_readyz_is_503_until_cxzy_init_made_the_schemas(tmp_path):
    client = app_over(Settings(data_dir=tmp_path / "empty")).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert response.json["checks"]["schemas"]["ok"] is False
    assert response.json["checks"]["database"]["ok"] is True


def test_readyz_is_503_while_the_projector_lags_behind_and_200_once_it_caught_up(demo):
    settings = dataclasses.replace(demo.settings, ready_max_lag=0, metrics_token="op-token")
    client = app_over(settings).test_client()
    assert client.get("/readyz").status_code == 200
    tenancy = Tenancy(settings)
    try:
        tenancy.branch("b01").enrol_member(
            Actor(user="system", role="system", tenant="b01"),
            EnrolMember(member_no="B01950", name="新党员", joined_on=date(2024, 7, 1)),
        )
        stranger = client.get("/readyz")  # the totals, not the deployment's committees
        assert (
            stranger.status_code == 503 and "committees" not in stranger.json["checks"]["projector"]
        )
        lagging = client.get("/readyz", headers={"Authorization": "Bearer op-token"})
        assert lagging.status_code == 503
        projector = lagging.json["checks"]["projector"]
        assert projector["ok"] is False and projector["lag"] >= 1
        assert projector["committees"]["demo"]["lag"] >= 1
        assert projector["committees"]["demo"]["quarantined"] == 0
        wiring.projector(tenancy).catch_up()
    finally:
        tenancy.close()
    assert client.get("/readyz").status_code == 200


@pytest.mark.postgres
def test_readyz_is_503_when_the_database_does_not_answer():
    settings = Settings(database_url="postgresql://cxzy@127.0.0.1:9/nowhere", max_connections=1)
    client = app_over(settings).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": {"ok": False}}
    assert "nowhere" not in response.text  # nothing of the URL


# metrics


def test_metrics_need_the_token_and_are_off_without_one(demo):
    assert app_over(demo.settings).test_client().get("/metrics").status_code == 404
    settings = dataclasses.replace(demo.settings, metrics_token=TOKEN)
    client = app_over(settings).test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_a_command_moves_its_counter_and_requests_are_counted_by_route(demo):
    settings = dataclasses.replace(demo.settings, metrics_token=TOKEN)
    app = app_over(settings)
    client = as_user(app.test_client(), "b01-clerk")
    before = scrape(client)
    page = client.get("/branch/b01/groups")
    form = {"code": "g8", "name": "第八党小组", "csrf_token": csrf_token(page.text)}
    assert client.post("/branch/b01/groups", data=form).status_code == 302
    assert client.post("/branch/b01/groups", data=form).status_code == 422  # exists already
    after = scrape(client)
    ok = {"kind": "form_group", "outcome": "ok"}
    refused = {"kind": "form_group", "outcome": "refused"}
    assert (
        sample(after, "cxzy_commands_total", **ok)
        == sample(before, "cxzy_commands_total", **ok) + 1
    )
    assert (
        sample(after, "cxzy_commands_total", **refused)
        == sample(before, "cxzy_commands_total", **refused) + 1
    )
    route = {"method": "GET", "route": "/branch/<code>/groups", "status": "200"}
    assert sample(after, "cxzy_http_requests_total", **route) >= 1
    assert sample(after, "cxzy_http_request_duration_seconds_count", **route) >= 1


def test_projector_lag_per_committee_and_job_states_appear(demo):
    settings = dataclasses.replace(demo.settings, metrics_token=TOKEN)
    client = app_over(settings).test_client()
    tenancy = Tenancy(settings)
    try:
        tenancy.branch("b02").enrol_member(
            Actor(user="system", role="system", tenant="b02"),
            EnrolMember(member_no="B02950", name="新党员", joined_on=date(2024, 7, 1)),
        )
        text = scrape(client)
        assert sample(text, "cxzy_projector_lag_events", committee="demo") >= 1
        assert sample(text, "cxzy_projector_quarantined_events", committee="demo") == 0
        assert 'cxzy_jobs{state="running"}' in text
        wiring.projector(tenancy).catch_up()
    finally:
        tenancy.close()
    assert sample(scrape(client), "cxzy_projector_lag_events", committee="demo") == 0


def test_429_answers_are_counted_as_rate_limit_refusals(demo):
    settings = dataclasses.replace(demo.settings, metrics_token=TOKEN)
    app = app_over(settings)

    @app.get("/too-often")
    def too_often():  # type: ignore[no-untyped-def]
        return "slow down", 429

    client = app.test_client()
    client.get("/too-often")
    assert sample(scrape(client), "cxzy_rate_limited_total", route="/too-often") == 1


# logs


@pytest.fixture
def log_lines():  # type: ignore[no-untyped-def]
    """Every line the application logs while the test runs, formatted as the server writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


PASSWORD = "Kx9-unmistakable-pass"


def test_a_sign_in_and_a_cast_leave_no_secret_in_the_logs(demo, log_lines):
    tenancy = Tenancy(demo.settings)
    try:
        committee, system = tenancy.committee("demo"), Actor("system", "system", "demo")
        committee.register_user(
            system, RegisterUser(username="logcheck", display_name="日志", password=PASSWORD)
        )
        committee.grant(system, Grant(username="logcheck", role="branch-clerk", tenant="b01"))
        member = tenancy.branch("b01").member("B01001")
        personal = [member.name, member.phone]
    finally:
        tenancy.close()
    app = app_over(demo.settings)
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token",
        json={"username": "logcheck", "password": PASSWORD},
        headers={"X-Request-Id": "req-0123456789"},
    ).json["access_token"]
    page = client.get("/login")
    signed_in = client.post(
        "/login",
        data={"username": "logcheck", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert signed_in.status_code == 302
    members = client.get(
        "/api/v1/branches/b01/members/B01001", headers={"Authorization": f"Bearer {token}"}
    )
    assert members.status_code == 200
    page = as_user(client, "b01-secretary").get("/branch/b01/members/B01001")
    assert page.status_code == 200
    voter = app.test_client()
    ballot = voter.get("/ballot")
    code = demo.codes[0]
    voter.post("/ballot", data={"code": code, "csrf_token": csrf_token(ballot.text)})
    cast = voter.post(
        f"/api/v1/branches/b01/ballots/{demo.ballot_id}/casts",
        json={"code": demo.codes[1], "grades": {}},
    )
    assert cast.status_code < 500
    lines = log_lines()
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    access = [line for line in lines if line["logger"] == "cxzy.access"]
    assert access and all({"request_id", "route", "status", "ms"} <= set(line) for line in access)
    signed = next(line for line in access if line["route"] == "/api/v1/auth/token")
    assert signed["request_id"] == "req-0123456789"
    by_user = next(line for line in access if line.get("user") == "logcheck")
    assert by_user["tenant"] == "b01"
    assert by_user["route"] == "/api/v1/branches/<code>/members/<no>"
    secrets = [PASSWORD, token, demo.codes[0], demo.codes[1], *[p for p in personal if p]]
    for secret in secrets:
        assert secret not in text, secret
    assert not [line for line in access if "/ballot" in line["route"]]  # no cast, no time
