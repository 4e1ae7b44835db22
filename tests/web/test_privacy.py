"""Personal fields (gender, phone, ID number) only for the roles that keep the roll (the
branch's secretary and clerk, the committee's admins) and for the member themself: in the API,
the member's page and history, the export of the roll, and never in the audit trail."""

from __future__ import annotations

import csv
import io

import pytest

from tests.web.accounts_site import PHONES, app_for, bearer, build, sign_in

MAY_SEE = {"admin", "b01-secretary", "b01-clerk"}
EVERYONE = ("admin", "viewer", "auditor", "b01-secretary", "b01-clerk", "b01-leader", "b01-member")
COLLEAGUE = "M002"  # b01-member is M001


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return app_for(build(tmp_path_factory.mktemp("privacy")))


def test_the_fixture_gives_every_member_a_phone(app):
    client = app.test_client()
    body = client.get("/api/v1/branches/b01/members/M002", headers=bearer(client, "admin")).json
    assert body["phone"] == PHONES["M002"] and body["gender"] == "女"


@pytest.mark.parametrize("username", EVERYONE)
def test_the_api_shows_a_colleagues_phone_only_to_the_roles_that_keep_the_roll(app, username):
    client = app.test_client()
    response = client.get(
        f"/api/v1/branches/b01/members/{COLLEAGUE}", headers=bearer(client, username)
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    if username in MAY_SEE:
        assert response.json["phone"] == PHONES[COLLEAGUE]
        assert response.json["history"][0]["fields"]["phone"] == PHONES[COLLEAGUE]
    else:
        assert PHONES[COLLEAGUE] not in text
        assert "phone" not in response.json and "gender" not in response.json
        assert not {"phone", "gender"} & set(response.json["history"][0]["fields"])
        assert response.json["history"][0]["fields"]["name"] == "李娜"  # names stay


def test_a_member_sees_their_own_personal_fields(app):
    client = app.test_client()
    own = client.get("/api/v1/branches/b01/members/M001", headers=bearer(client, "b01-member"))
    assert own.json["phone"] == PHONES["M001"]
    assert own.json["history"][0]["fields"]["phone"] == PHONES["M001"]


@pytest.mark.parametrize("username", EVERYONE)
def test_the_members_page_shows_the_phone_to_the_same_roles(app, username):
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    page = client.get(f"/branch/b01/members/{COLLEAGUE}")
    assert page.status_code == 200
    assert (PHONES[COLLEAGUE] in page.text) == (username in MAY_SEE)
    own = client.get("/branch/b01/members/M001")
    assert (PHONES["M001"] in own.text) == (username in MAY_SEE | {"b01-member"})


@pytest.mark.parametrize("username", ["admin", "viewer", "auditor", "b01-clerk", "b01-leader"])
def test_the_export_of_the_roll_fills_the_personal_columns_for_the_same_roles(app, username):
    client = app.test_client()
    sign_in(client, username)
    response = client.get("/branch/b01/export/members.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, *members = rows
    phone = header.index("电话")
    assert len(members) == 2 and {m[1] for m in members} == {"王芳", "李娜"}
    expected = {PHONES["M001"], PHONES["M002"]} if username in MAY_SEE else {""}
    assert {m[phone] for m in members} == expected


def test_a_member_may_not_export_the_roll(app):
    client = app.test_client()
    sign_in(client, "b01-member")
    assert client.get("/branch/b01/export/members.csv").status_code == 403


@pytest.mark.parametrize("username", ["admin", "auditor"])
def test_the_audit_trail_never_shows_personal_fields(app, username):
    client = app.test_client()
    sign_in(client, username)
    page = client.get(f"/committee/audit/trail?branch=b01&subject={COLLEAGUE}")
    assert page.status_code == 200 and "个人信息" in page.text
    assert PHONES[COLLEAGUE] not in page.text
