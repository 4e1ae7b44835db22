"""Managing users in the pages: a committee admin manages everyone, a branch secretary the users
of her branch in the roles she may grant; a new user's one-time password is shown once."""

from __future__ import annotations

import re

import pytest

from tests.web.accounts_site import app_for, build, csrf_token, post_form, sign_in

ONE_TIME = re.compile(r'<strong class="one-time" id="one-time">([a-z0-9-]{14})</strong>')


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return app_for(build(tmp_path_factory.mktemp("accounts")))


def as_user(app, username: str):
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def test_an_admin_sees_every_user_by_name_with_roles_and_branches_in_chinese(app):
    admin = as_user(app, "admin")
    assert 'href="/committee/accounts"' in admin.get("/account/password").text
    page = admin.get("/committee/accounts")
    assert page.status_code == 200
    for username in ("admin", "b01-clerk", "b02-secretary", "b01-leader"):
        assert f'data-user="{username}"' in page.text
    assert "b01-clerk姓名" in page.text and "组织委员（第一党支部）" in page.text
    listing = page.text.split('<ul class="entries accounts">')[1].split("</ul>")[0]
    assert "党委管理员" in listing and "branch-clerk" not in listing and ">b01<" not in listing


def test_an_admin_adds_a_group_leader_whose_one_time_password_is_shown_once(app):
    admin = as_user(app, "admin")
    added = post_form(
        admin,
        "/committee/accounts",
        "/committee/accounts",
        display_name="赵小组长",
        username="zhao",
        role="group-leader",
        tenant="b01",
        group="b01/g1",
        member_no="b01/M002",
    )
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    one_time = ONE_TIME.search(added.text)
    assert one_time and "只显示这一次" in added.text
    user = admin.get("/committee/accounts/zhao")
    assert "党小组长（第一党支部·第一党小组）" in user.text
    assert one_time.group(1) not in user.text

    newcomer = app.test_client()
    signed = sign_in(newcomer, "zhao", one_time.group(1))
    assert signed.headers["Location"] == "/account/password"


def test_a_refused_user_keeps_the_form_and_says_why_in_chinese(app):
    admin = as_user(app, "admin")
    taken = post_form(
        admin,
        "/committee/accounts",
        "/committee/accounts",
        display_name="重名",
        username="b01-clerk",
        role="branch-clerk",
        tenant="b01",
    )
    assert taken.status_code == 422 and "用户名 b01-clerk 已存在。" in taken.text
    assert 'value="重名"' in taken.text
    wrong_place = post_form(
        admin,
        "/committee/accounts",
        "/committee/accounts",
        display_name="错位",
        username="cuowei",
        role="committee-admin",
        tenant="b01",
    )
    assert (
        wrong_place.status_code == 422 and "是党委的角色，不能授予党支部的用户" in wrong_place.text
    )
    bad_group = post_form(
        admin,
        "/committee/accounts",
        "/committee/accounts",
        display_name="错组",
        username="cuozu",
        role="group-leader",
        tenant="b02",
        group="b01/g1",
    )
    assert bad_group.status_code == 422 and "所选项不属于所选单位" in bad_group.text


def test_a_secretary_manages_the_users_of_her_branch_only(app):
    secretary = as_user(app, "b01-secretary")
    assert 'href="/branch/b01/accounts"' in secretary.get("/account/password").text
    page = secretary.get("/branch/b01/accounts")
    assert page.status_code == 200
    shown = set(re.findall(r'data-user="([^"]+)"', page.text))
    assert {"b01-clerk", "b01-leader", "b01-member"} <= shown
    assert not shown & {"admin", "viewer", "b01-secretary", "b02-clerk", "b02-secretary"}
    options = re.findall(r'<option value="([a-z-]+)"', page.text.split('name="role"')[1][:2000])
    assert set(options) == {"branch-clerk", "group-leader", "member"}

    for elsewhere in (
        "/branch/b01/accounts/admin",
        "/branch/b01/accounts/b02-clerk",
        "/branch/b02/accounts",
        "/committee/accounts",
    ):
        assert secretary.get(elsewhere).status_code in (403, 404), elsewhere
    forged = post_form(
        secretary,
        "/branch/b01/accounts",
        "/branch/b01/accounts",
        display_name="越权",
        username="yuequan",
        role="committee-admin",
    )
    assert forged.status_code == 422 and "您不能授予" in forged.text
    reset_other = post_form(
        secretary, "/branch/b01/accounts", "/branch/b01/accounts/b02-clerk/reset"
    )
    assert reset_other.status_code == 404


def test_a_secretary_adds_a_clerk_resets_a_password_and_disables_an_account(app):
    secretary = as_user(app, "b01-secretary")
    added = post_form(
        secretary,
        "/branch/b01/accounts",
        "/branch/b01/accounts",
        display_name="钱录入",
        username="qian",
        role="branch-clerk",
    )
    first = ONE_TIME.search(added.text)
    assert added.status_code == 200 and first

    clerk = app.test_client()
    sign_in(clerk, "qian", first.group(1))
    reset = post_form(secretary, "/branch/b01/accounts/qian", "/branch/b01/accounts/qian/reset")
    second = ONE_TIME.search(reset.text)
    assert reset.status_code == 200 and second and second.group(1) != first.group(1)
    assert clerk.get("/account/password").headers["Location"].startswith("/login")

    off = post_form(secretary, "/branch/b01/accounts/qian", "/branch/b01/accounts/qian/disable")
    assert off.status_code == 302
    assert "已停用" in secretary.get("/branch/b01/accounts/qian").text
    assert sign_in(app.test_client(), "qian", second.group(1)).status_code == 422
    on = post_form(secretary, "/branch/b01/accounts/qian", "/branch/b01/accounts/qian/enable")
    assert on.status_code == 302
    assert sign_in(app.test_client(), "qian", second.group(1)).status_code == 302


@pytest.mark.parametrize("username", ["b01-clerk", "b01-leader", "b01-member", "viewer", "auditor"])
def test_other_roles_manage_no_users_and_see_no_link_to_it(app, username):
    client = as_user(app, username)
    page = client.get("/account/password")
    assert "/accounts" not in page.text
    assert client.get("/committee/accounts").status_code in (403, 404)
    assert client.get("/branch/b01/accounts").status_code in (403, 404)
    token = csrf_token(page.text)
    posted = client.post("/branch/b01/accounts/b01-clerk/disable", data={"csrf_token": token})
    assert posted.status_code in (403, 404)


def test_an_admins_own_page_offers_no_revoking_of_their_admin_role(app):
    admin = as_user(app, "admin")
    own = admin.get("/committee/accounts/admin")
    assert "自己的管理员角色由其他管理员收回" in own.text
    assert 'name="role" value="committee-admin"' not in own.text
    other = admin.get("/committee/accounts/b01-clerk")
    assert 'name="role" value="branch-clerk"' in other.text
