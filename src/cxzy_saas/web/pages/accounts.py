"""Managing users (用户管理): a committee admin manages every user of the committee at
``/committee/accounts``; a branch secretary the users of her branch at
``/branch/<code>/accounts``, in the roles she may grant (clerk, group leader, member).

A user is added with a first role and, unless the manager types one, a one-time password that
is shown once on the next page and must be changed at first sign-in; a password is reset the
same way. Grants are given and revoked, accounts disabled and enabled, members linked. Every
change is an event in the committee's log (``application/accounts.py`` decides who may).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, url_for
from marshmallow import validate
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.committee import (
    AddUser,
    DisableUser,
    EnableUser,
    Grant,
    LinkMember,
    ResetPassword,
    Revoke,
)
from cxzy_saas.application.committee import CommitteeApplication
from cxzy_saas.domain.accounts import GRANTABLE, SECRETARY_GRANTS, USERNAME, Account
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.accounts import USERNAME_ERROR
from cxzy_saas.web.api.schemas import CODE, FullMatch, In, string, text
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, opens, signed_in, user
from cxzy_saas.web.pages.forms import Form, forms_of, typed


class AddUserIn(In):
    username = string(required=True, validate=FullMatch(USERNAME, USERNAME_ERROR))
    display_name = text(50, required=True)
    role = string(required=True, validate=validate.OneOf(GRANTABLE))
    tenant = string(required=True, validate=CODE)
    group = string(load_default=None, validate=CODE)
    member_no = string(load_default=None, validate=validate.Length(max=20))


class GrantIn(In):
    role = string(required=True, validate=validate.OneOf(GRANTABLE))
    tenant = string(required=True, validate=CODE)
    group = string(load_default=None, validate=CODE)


class LinkIn(In):
    member_no = string(required=True, validate=validate.Length(min=1, max=20))


def where(code: str | None, endpoint: str, **values: Any) -> str:
    """The URL of a page of the committee's desk (``code`` None) or of branch ``code``'s."""
    if code is None:
        return url_for(f"pages.committee_{endpoint}", **values)
    return url_for(f"pages.branch_{endpoint}", code=code, **values)


class Desk:
    """The desk of one manager of accounts: the committee's admin (``code`` None) or the
    secretary of branch ``code``."""

    def __init__(self, code: str | None) -> None:
        principal = user()
        self.code = code
        # NotFound for another branch's secretary, Forbidden for any other role.
        self.actor: Actor = (
            acting_for(principal.committee, {"committee-admin"})
            if code is None
            else acting_for(code, {"branch-secretary"})
        )
        self.app: CommitteeApplication = tenancy_of(current_app).committee(principal.committee)
        self.committee_code = principal.committee
        self.names: dict[str, str] = dict(self.app.committee().branches)  # every branch's
        self.branches = self.names if code is None else {code: self.names[code]}  # its own

    @property
    def roles(self) -> tuple[str, ...]:
        return GRANTABLE if self.code is None else SECRETARY_GRANTS

    def tenants(self) -> list[tuple[str, str]]:
        """Where a grant may be given, by name."""
        found = [] if self.code else [(self.committee_code, i18n.tr("党委", "the committee"))]
        return found + sorted(self.branches.items())

    def groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The groups a leader may lead, by branch name: values "branch/group"."""
        tenancy = tenancy_of(current_app)
        return [
            (name, [(f"{b}/{g.code}", g.name) for g in tenancy.branch(b).groups()])
            for b, name in sorted(self.branches.items())
        ]

    def members(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The members a user may be linked to, by branch name: values "branch/number"."""
        tenancy = tenancy_of(current_app)
        return [
            (
                name,
                [
                    (f"{b}/{m.member_no}", f"{m.name}（{m.member_no}）")
                    for m in tenancy.branch(b).members()
                ],
            )
            for b, name in sorted(self.branches.items())
        ]

    def grant_text(self, grant: dict[str, str]) -> str:
        """The role and where it is held, by name: 组织委员（第一党支部·第一党小组）."""
        role = i18n.label(i18n.ROLES, grant["role"])
        if grant["tenant"] == self.committee_code:
            return role
        place = self.names.get(grant["tenant"], grant["tenant"])
        if grant.get("group"):
            branch = tenancy_of(current_app).branch(grant["tenant"])
            groups = {g.code: g.name for g in branch.groups(include_dissolved=True)}
            place += "·" + groups.get(grant["group"], grant["group"])
        return i18n.tr(f"{role}（{place}）", f"{role} ({place})")

    def page(self, template: str, **context: Any) -> str:
        return render_template(
            template,
            desk=self,
            roles=[(r, i18n.label(i18n.ROLES, r)) for r in self.roles],
            **context,
        )


def split(value: str | None, branch: str, form: Form, field: str) -> str | None:
    """The code in a "branch/code" choice, which must be of ``branch`` (else the form fails)."""
    if not value:
        return None
    prefix, _, code = value.partition("/")
    if prefix != branch or not code:
        form.errors[field] = i18n.tr("所选项不属于所选单位。", "not of the chosen branch")
        return None
    return code


def one_time_page(desk: Desk, account: Account, password: str) -> Response:
    """The one-time password, shown once: never cached, never stored."""
    response = make_response(
        desk.page("accounts/one_time.html", account=account, password=password)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# the list of users, and adding one


def list_page(desk: Desk, form: Form | None = None) -> str:
    accounts = desk.app.managed_accounts(desk.actor)
    return desk.page("accounts/list.html", accounts=accounts, form=form or Form())


nav_link("committee", "pages.committee_accounts", "用户管理", "Users")
nav_link("branch", "pages.branch_accounts", "用户", "Users")


@bp.get("/committee/accounts")
@signed_in
@opens({"committee-admin"})
def committee_accounts() -> str:
    return list_page(Desk(None))


@bp.get("/branch/<code>/accounts")
@signed_in
@opens({"branch-secretary"})
def branch_accounts(code: str) -> str:
    return list_page(Desk(code))


def add(desk: Desk) -> Response | tuple[str, int]:
    form = typed()
    tenant = desk.code or form.values.get("tenant", "")
    fixed = {
        "tenant": tenant,
        "group": split(form.values.get("group"), tenant, form, "group"),
        "member_no": split(form.values.get("member_no"), tenant, form, "member_no"),
    }
    body = form.check(AddUserIn, **fixed)
    one_time = ""

    def add_user() -> None:
        nonlocal one_time
        one_time = desk.app.add_user(desk.actor, AddUser(**body)) or ""

    if not form.run(add_user, "username"):
        return list_page(desk, form), 422
    return one_time_page(desk, desk.app.account(body["username"]), one_time)


@bp.post("/committee/accounts")
@signed_in
def committee_add() -> Response | tuple[str, int]:
    return add(Desk(None))


@bp.post("/branch/<code>/accounts")
@signed_in
def branch_add(code: str) -> Response | tuple[str, int]:
    return add(Desk(code))


# one user


def user_page(desk: Desk, username: str, failed: dict[str, Form] | None = None) -> str:
    account = desk.app.managed_account(desk.actor, username)
    return desk.page("accounts/user.html", account=account, forms=forms_of(failed))


@bp.get("/committee/accounts/<username>")
@signed_in
def committee_user(username: str) -> str:
    return user_page(Desk(None), username)


@bp.get("/branch/<code>/accounts/<username>")
@signed_in
def branch_user(code: str, username: str) -> str:
    return user_page(Desk(code), username)


def act(desk: Desk, username: str, action: str) -> Response | tuple[str, int]:
    desk.app.managed_account(desk.actor, username)  # 404 for a user not of this desk
    app, actor, form = desk.app, desk.actor, typed()
    done: tuple[str, str]
    if action == "reset":
        password = app.reset_password(actor, ResetPassword(username=username))
        return one_time_page(desk, app.account(username), password)
    if action == "grant":
        tenant = desk.code or form.values.get("tenant", "")
        group = split(form.values.get("group"), tenant, form, "group")
        ok = form.submit(
            GrantIn,
            lambda b: app.grant(actor, Grant(username=username, **b)),
            near="role",
            tenant=tenant,
            group=group,
        )
        done = ("已授权。", "Granted")
    elif action == "revoke":
        role, tenant = form.values.get("role", ""), form.values.get("tenant", "")
        ok = form.run(
            lambda: app.revoke(actor, Revoke(username=username, role=role, tenant=tenant))
        )
        done = ("已收回权限；该用户的登录随即失效。", "Revoked; the user's sessions ended")
    elif action == "link":
        branch = desk.code or form.values.get("member_no", "").partition("/")[0]
        member_no = split(form.values.get("member_no"), branch, form, "member_no")
        ok = form.submit(
            LinkIn,
            lambda b: app.link_member(actor, LinkMember(username=username, branch=branch, **b)),
            near="member_no",
            member_no=member_no,
        )
        done = ("已关联党员。", "Linked")
    elif action == "disable":
        ok = form.run(lambda: app.disable(actor, DisableUser(username=username)))
        done = ("已停用；该用户的登录随即失效。", "Disabled; the user's sessions ended")
    elif action == "enable":
        ok = form.run(lambda: app.enable(actor, EnableUser(username=username)))
        done = ("已启用。", "Enabled")
    else:
        raise NotFound("resource.not_found")
    if not ok:
        return user_page(desk, username, {action: form}), 422
    flash(i18n.tr(*done))
    return redirect(where(desk.code, "user", username=username))


@bp.post("/committee/accounts/<username>/<action>")
@signed_in
def committee_act(username: str, action: str) -> Response | tuple[str, int]:
    return act(Desk(None), username, action)


@bp.post("/branch/<code>/accounts/<username>/<action>")
@signed_in
def branch_act(code: str, username: str, action: str) -> Response | tuple[str, int]:
    return act(Desk(code), username, action)
