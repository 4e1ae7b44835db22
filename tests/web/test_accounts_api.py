"""The accounts routes of the API: the same rules as the pages and the command line."""

from __future__ import annotations

import pytest

from tests.web.accounts_site import COMMITTEE, PASSWORD, app_for, bearer, build


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return app_for(build(tmp_path_factory.mktemp("accounts-api"))).test_client()


def test_an_admin_registers_a_user_with_a_strong_password_and_grants_a_leaders_group(client):
    admin = bearer(client, "admin")
    body = {"username": "zhou", "display_name": "周组长", "password": "password1"}
    weak = client.post("/api/v1/accounts", json=body, headers=admin)
    assert weak.status_code == 422 and weak.json["code"] == "password.weak"
    made = client.post("/api/v1/accounts", json={**body, "password": PASSWORD}, headers=admin)
    assert made.status_code == 201 and made.json["active"] is True
    assert made.json["must_change_password"] is False
    granted = client.post(
        "/api/v1/accounts/zhou/grants",
        json={"role": "group-leader", "tenant": "b01", "group": "g1"},
        headers=admin,
    )
    assert granted.status_code == 200
    assert granted.json["grants"] == [{"role": "group-leader", "tenant": "b01", "group": "g1"}]
    members = client.get("/api/v1/branches/b01/members", headers=bearer(client, "zhou"))
    assert members.status_code == 200


@pytest.mark.parametrize(
    ("grant", "code"),
    [
        ({"role": "committee-admin", "tenant": "b01"}, "account.committee_role"),
        ({"role": "branch-clerk", "tenant": "demo"}, "account.branch_role"),
        ({"role": "branch-clerk", "tenant": "b01", "group": "g1"}, "account.group_for_leaders"),
        ({"role": "group-leader", "tenant": "b01", "group": "g9"}, "group.not_found"),
        ({"role": "branch-clerk", "tenant": "b09"}, "branch.not_found"),
    ],
)
def test_a_grant_must_fit_where_it_is_given(client, grant, code):
    response = client.post(
        "/api/v1/accounts/b01-leader/grants", json=grant, headers=bearer(client, "admin")
    )
    # Each is allowed by the document and refused for what the committee holds: 409.
    assert response.status_code == 409 and response.json["code"] == code


def test_an_admin_resets_a_users_password_which_is_shown_once_and_must_be_changed(client):
    admin = bearer(client, "admin")
    before = bearer(client, "b01-clerk")
    assert client.get("/api/v1/branches/b01/members", headers=before).status_code == 200
    key = {**admin, "Idempotency-Key": "reset-b01-clerk"}
    reset = client.post("/api/v1/accounts/b01-clerk/password-resets", json={}, headers=key)
    assert reset.status_code == 200, reset.json
    one_time = reset.json["one_time_password"]
    assert reset.json["username"] == "b01-clerk" and reset.json["must_change_password"] is True
    assert reset.headers["Cache-Control"] == "no-store"  # a secret: in no cache
    # a retry answers the same, less the password, which is shown once
    again = client.post("/api/v1/accounts/b01-clerk/password-resets", json={}, headers=key)
    assert again.status_code == 200 and "one_time_password" not in again.json
    # the user's tokens end; the old password no longer signs in; the new one must be changed
    assert client.get("/api/v1/branches/b01/members", headers=before).status_code == 401
    old = client.post("/api/v1/auth/token", json={"username": "b01-clerk", "password": PASSWORD})
    assert old.status_code == 401
    first = client.post("/api/v1/auth/token", json={"username": "b01-clerk", "password": one_time})
    assert first.status_code == 403 and first.json["code"] == "password.change_required"
    changed = client.post(
        "/api/v1/auth/password",
        json={"username": "b01-clerk", "password": one_time, "new_password": PASSWORD + "x"},
    )
    assert changed.status_code == 200
    assert bearer(client, "b01-clerk", PASSWORD + "x")
    # only an admin resets, and only a user of the committee
    secretary = bearer(client, "b02-secretary")
    refused = client.post("/api/v1/accounts/b02-clerk/password-resets", json={}, headers=secretary)
    assert refused.status_code == 403
    nobody = client.post("/api/v1/accounts/nobody/password-resets", json={}, headers=admin)
    assert nobody.status_code == 404
    own = client.post("/api/v1/accounts/admin/password-resets", json={}, headers=admin)
    assert own.status_code == 403 and own.json["code"] == "account.own_reset"


def test_an_admin_may_not_revoke_their_own_admin_role(client):
    """Else the sole admin of a fresh deployment locks the committee out of its accounts."""
    admin = bearer(client, "admin")
    own = client.post(
        "/api/v1/accounts/admin/revocations",
        json={"role": "committee-admin", "tenant": COMMITTEE},
        headers={**admin, "Accept-Language": "zh-CN"},
    )
    assert own.status_code == 403 and own.json["code"] == "account.own_admin"
    assert "其他管理员" in own.json["detail"]
    still = client.get("/api/v1/accounts/admin", headers=admin)
    assert {"role": "committee-admin", "tenant": COMMITTEE} in still.json["grants"]
