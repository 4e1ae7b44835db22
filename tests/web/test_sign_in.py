"""Sign-in that holds: rate limits (in memory and in Redis), the same time for unknown users,
sessions and tokens that end, a one-time password changed at first sign-in, malformed tokens."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from typing import Any

import pytest
import redis

from cxzy_saas.web.api.auth import serializer
from tests.web.accounts_site import (
    PASSWORD,
    add_user,
    app_for,
    bearer,
    build,
    post_form,
    sign_in,
)

TOKEN = "/api/v1/auth/token"
MEMBERS = "/api/v1/branches/b01/members"
REDIS_URL = os.environ.get("CXZY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_REDIS = os.environ.get("CXZY_REQUIRE_REDIS") == "1"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("sign-in"))


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str:
    """Where the rate limits count: one process's memory, or Redis that all workers share."""
    if request.param == "memory":
        return "memory://"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis is required (CXZY_REQUIRE_REDIS=1) but unreachable: {e}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}; Redis rate-limit tests skipped")
    return REDIS_URL


def attempt(client, username: str, password: str, **headers: str) -> Any:
    return client.post(TOKEN, json={"username": username, "password": password}, headers=headers)


# rate limits


def test_sign_in_is_refused_past_the_limit_and_open_again_after_the_window(site, storage):
    app = app_for(site, rate_limit_storage=storage, sign_in_limit="3 per 5 seconds")
    api, page = app.test_client(), app.test_client()
    assert attempt(api, "b01-clerk", "wrong").status_code == 401
    assert attempt(api, "B01-Clerk ", "wrong").status_code == 401  # the same account
    assert sign_in(page, "b01-clerk", "wrong").status_code == 422  # the page counts with the API

    refused = attempt(api, "b01-clerk", PASSWORD, **{"Accept-Language": "zh"})
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "request.too_many"
    assert "尝试次数过多" in refused.json["detail"]
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 6 and refused.json["params"] == {"seconds": wait}
    on_page = sign_in(page, "b01-clerk")
    assert on_page.status_code == 429 and "尝试次数过多，请" in on_page.text
    assert "Retry-After" in on_page.headers
    assert attempt(api, "b01-leader", PASSWORD).status_code == 200  # other accounts go on

    time.sleep(wait)
    assert attempt(api, "b01-clerk", PASSWORD).status_code == 200


def test_only_failed_attempts_count(site):
    app = app_for(site, sign_in_limit="2 per minute", sign_in_address_limit="2 per minute")
    client = app.test_client()
    for _ in range(6):
        assert attempt(client, "viewer", PASSWORD).status_code == 200


def test_the_limit_per_address_counts_every_account_and_trusts_only_configured_proxies(site):
    behind = app_for(site, sign_in_address_limit="2 per minute", trusted_proxies=1).test_client()
    first, second = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "203.0.113.8"}
    assert attempt(behind, "nobody-1", "x", **first).status_code == 401
    assert attempt(behind, "nobody-2", "x", **first).status_code == 401
    assert attempt(behind, "nobody-3", "x", **first).status_code == 429
    assert attempt(behind, "nobody-4", "x", **second).status_code == 401  # another client

    direct = app_for(site, sign_in_address_limit="2 per minute").test_client()
    assert attempt(direct, "nobody-1", "x", **first).status_code == 401
    assert attempt(direct, "nobody-2", "x", **second).status_code == 401
    # Without a trusted proxy, X-Forwarded-For is the client's own word: not believed.
    assert attempt(direct, "nobody-3", "x", **{"X-Forwarded-For": "203.0.113.9"}).status_code == 429


def test_ballot_code_entry_is_limited_per_address_on_the_page_and_the_api(site, storage):
    app = app_for(site, rate_limit_storage=storage, ballot_limit="2 per 5 seconds")
    client = app.test_client()
    for _ in range(2):
        wrong = post_form(client, "/ballot", "/ballot", code="ABCD-EFGH")
        assert wrong.status_code == 422
    page = post_form(client, "/ballot", "/ballot", code="ABCD-EFGH")
    assert page.status_code == 429 and "尝试次数过多" in page.text
    cast = client.post(
        f"/api/v1/branches/b01/ballots/{uuid.uuid4()}/casts",
        json={"code": "ABCD-EFGH", "grades": {}},
    )
    assert cast.status_code == 429 and cast.json["code"] == "request.too_many"
    assert int(cast.headers["Retry-After"]) >= 1


def test_an_unknown_user_takes_as_long_to_refuse_as_a_wrong_password(site):
    client = app_for(site).test_client()
    attempt(client, "admin", "warm-up")
    known, unknown = [], []
    for n in range(7):  # interleaved, so that the machine's load falls on both alike
        for username, times in (("admin", known), (f"nobody-{n}", unknown)):
            started = time.perf_counter()
            assert attempt(client, username, "wrong horse battery").status_code == 401
            times.append(time.perf_counter() - started)
    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    # argon2 takes about 0.1 s; without the dummy hash an unknown user took 1-3 ms
    assert known_median > 0.02
    assert 0.6 < unknown_median / known_median < 1.6, (known_median, unknown_median)


# sessions and tokens that end


def test_signing_out_ends_every_session_and_token_of_the_account(site):
    app = app_for(site)
    laptop, phone, api = app.test_client(), app.test_client(), app.test_client()
    username = "signs-out"
    add_user(site, username, password=PASSWORD)
    assert sign_in(laptop, username).status_code == 302
    assert sign_in(phone, username).status_code == 302
    token = bearer(api, username)
    assert api.get(MEMBERS, headers=token).status_code == 200
    copied = laptop.get_cookie("session").value

    out = post_form(laptop, "/account/password", "/logout")
    assert out.status_code == 302 and out.headers["Location"] == "/login"
    assert phone.get("/branch/b01/members").headers["Location"].startswith("/login")
    assert api.get(MEMBERS, headers=token).status_code == 401
    laptop.set_cookie("session", copied)  # a copy of the cookie kept from before
    assert laptop.get("/branch/b01/members").headers["Location"].startswith("/login")
    assert sign_in(laptop, username).status_code == 302  # signing in again works
    assert laptop.get("/branch/b01/members").status_code == 200
    # the same through the API: a client signs out with its token
    token = bearer(api, username)
    answer = api.post(TOKEN, json={"username": username, "password": PASSWORD})
    assert answer.headers["Cache-Control"] == "no-store"  # a credential: kept by no cache
    assert api.post("/api/v1/auth/sign-out").status_code == 401  # whose? a token says
    out = api.post("/api/v1/auth/sign-out", headers=token)
    assert out.status_code == 200 and out.json == {"signed_out": True}
    assert api.get(MEMBERS, headers=token).status_code == 401
    assert laptop.get("/branch/b01/members").headers["Location"].startswith("/login")


def test_a_password_change_ends_the_other_sessions_and_tokens_and_keeps_this_one(site):
    app = app_for(site)
    here, there, api = app.test_client(), app.test_client(), app.test_client()
    username = "changes-password"
    add_user(site, username, password=PASSWORD)
    sign_in(here, username)
    sign_in(there, username)
    token = bearer(api, username)
    new = "冬天的松树 stands still 2032"
    changed = post_form(
        here, "/account/password", "/account/password", current=PASSWORD, new=new, repeat=new
    )
    assert changed.status_code == 302 and changed.headers["Location"] == "/"
    assert here.get("/branch/b01/members").status_code == 200
    assert there.get("/branch/b01/members").headers["Location"].startswith("/login")
    assert api.get(MEMBERS, headers=token).status_code == 401
    assert attempt(api, username, PASSWORD).status_code == 401
    assert api.get(MEMBERS, headers=bearer(api, username, new)).status_code == 200


def test_disabling_and_revoking_end_the_users_sessions_and_tokens(site):
    app = app_for(site)
    admin, browser, api = app.test_client(), app.test_client(), app.test_client()
    username = "is-disabled"
    add_user(site, username, password=PASSWORD)
    admin_token = bearer(admin, "admin")
    sign_in(browser, username)
    token = bearer(api, username)
    status = f"/api/v1/accounts/{username}/status"

    off = admin.put(status, json={"active": False}, headers=admin_token)
    assert off.status_code == 200 and off.json["active"] is False
    assert api.get(MEMBERS, headers=token).status_code == 401
    assert browser.get("/branch/b01/members").headers["Location"].startswith("/login")
    refused, wrong = attempt(api, username, PASSWORD), attempt(api, username, "wrong")
    assert refused.status_code == wrong.status_code == 401 and refused.json == wrong.json
    own = admin.put("/api/v1/accounts/admin/status", json={"active": False}, headers=admin_token)
    assert own.status_code == 403 and own.json["code"] == "account.own"

    assert admin.put(status, json={"active": True}, headers=admin_token).status_code == 200
    token = bearer(api, username)
    revoke = admin.post(
        f"/api/v1/accounts/{username}/revocations",
        json={"role": "branch-clerk", "tenant": "b01"},
        headers=admin_token,
    )
    assert revoke.status_code == 200 and revoke.json["grants"] == []
    assert api.get(MEMBERS, headers=token).status_code == 401


@pytest.mark.parametrize(
    "data",
    [
        {"u": "admin"},
        {"u": "admin", "c": "demo"},
        {"c": "demo", "v": 0},
        {"u": 1, "c": "demo", "v": 0},
        {"u": "admin", "c": "demo", "v": "0"},
        {"u": "admin", "c": "demo", "v": True},
        {"u": "admin", "c": ["demo"], "v": 0},
        {"u": "admin", "c": "nowhere", "v": 0},
        {"u": "nobody", "c": "demo", "v": 0},
        ["admin", "demo", 0],
        "admin",
        None,
    ],
    ids=repr,
)
def test_a_correctly_signed_token_with_missing_or_wrong_fields_is_401(site, data):
    app = app_for(site)
    client = app.test_client()
    with app.app_context():
        signed = serializer().dumps(data)
        good = serializer().dumps({"u": "admin", "c": "demo", "v": 0})
    response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {signed}"})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    ok = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {good}"})
    assert ok.status_code == 200
    with client.session_transaction() as session:  # the same fields in a session cookie
        session["user"] = data
    assert client.get("/committee/accounts").headers["Location"].startswith("/login")


# the first sign-in with a one-time password


def test_a_one_time_password_opens_only_the_page_that_changes_it(site):
    app = app_for(site)
    client, api = app.test_client(), app.test_client()
    one_time = add_user(site, "first-time", "branch-clerk", "b01")
    signed = sign_in(client, "first-time", one_time, next="/branch/b01/members")
    assert signed.headers["Location"] == "/account/password"
    assert client.get("/branch/b01/members").headers["Location"] == "/account/password"
    refused = attempt(api, "first-time", one_time)
    assert refused.status_code == 403 and refused.json["code"] == "password.change_required"
    page = client.get("/account/password")
    assert page.status_code == 200 and "一次性密码" in page.text

    def change(current: str, new: str, repeat: str | None = None) -> Any:
        return post_form(
            client,
            "/account/password",
            "/account/password",
            current=current,
            new=new,
            repeat=new if repeat is None else repeat,
        )

    weak = change(one_time, "password1")
    assert weak.status_code == 422 and "密码太容易被猜到" in weak.text
    assert one_time not in weak.text  # what was typed is never shown again
    mismatch = change(one_time, "冬天的松树 stands still 2032", "冬天的松树")
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    wrong = change("not-it", "冬天的松树 stands still 2032")
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    done = change(one_time, "冬天的松树 stands still 2032")
    assert done.headers["Location"] == "/"
    assert client.get("/branch/b01/members").status_code == 200
    assert attempt(api, "first-time", one_time).status_code == 401
    assert attempt(api, "first-time", "冬天的松树 stands still 2032").status_code == 200


def test_an_api_user_changes_a_one_time_password_through_the_api(site):
    client = app_for(site).test_client()
    one_time = add_user(site, "api-first", "committee-viewer", "demo")
    new = "春天的柳树 grows fast 2033"
    body = {"username": "api-first", "password": one_time, "new_password": "password1"}
    weak = client.post("/api/v1/auth/password", json=body)
    assert weak.status_code == 422 and weak.json["code"] == "password.weak"
    changed = client.post("/api/v1/auth/password", json={**body, "new_password": new})
    assert changed.status_code == 200 and changed.json == {"changed": True}
    assert attempt(client, "api-first", new).status_code == 200
    wrong = client.post("/api/v1/auth/password", json={**body, "password": one_time})
    assert wrong.status_code == 401
