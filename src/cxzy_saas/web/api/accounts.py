"""User accounts of the committee and their grants (events in the committee's log)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.committee import (
    DisableUser,
    EnableUser,
    Grant,
    LinkMember,
    RegisterUser,
    ResetPassword,
    Revoke,
)
from cxzy_saas.application.passwords import MAX_LENGTH
from cxzy_saas.domain.accounts import GRANTABLE, USERNAME
from cxzy_saas.web.api.routing import Call, api_route, shown_once
from cxzy_saas.web.api.schemas import (
    CODE,
    GROUP,
    FullMatch,
    In,
    PageArgs,
    out_key,
    page_of,
    paginate,
    string,
    text,
)

# The domain's rule (USERNAME), in words: put in Chinese by web/pages/i18n.SCHEMA_MESSAGES.
USERNAME_ERROR = "Not a valid user name: 2-40 of a-z, 0-9, . _ -, starting with a letter."


class AccountIn(In):
    username = string(required=True, validate=FullMatch(USERNAME, USERNAME_ERROR))
    display_name = text(50, required=True)
    password = string(
        required=True, load_only=True, validate=validate.Length(min=8, max=MAX_LENGTH)
    )


class RevokeIn(In):
    role = string(required=True, validate=validate.OneOf(GRANTABLE))
    tenant = string(required=True, validate=CODE)


class GrantIn(RevokeIn):
    group = string(
        load_default=None,
        allow_none=True,
        validate=GROUP,
        metadata={"description": "the party group a group leader leads (group leaders only)"},
    )


class StatusIn(In):
    active = fields.Boolean(required=True)


class MemberLinkIn(In):
    branch = string(required=True, validate=CODE)
    member_no = string(required=True, validate=validate.Length(min=1, max=20))


class GrantOut(Schema):
    role = fields.String(validate=validate.OneOf(GRANTABLE))
    tenant = fields.String()
    group = fields.String(metadata={"description": "a group leader's group"})


class AccountOut(Schema):
    username = fields.String()
    display_name = fields.String()
    grants = fields.List(fields.Nested(GrantOut))
    members = fields.Dict(
        keys=out_key(CODE),
        values=fields.String(),
        metadata={"description": "the member number of this user in each branch"},
    )
    active = fields.Function(lambda account: not account.disabled)
    must_change_password = fields.Boolean()


ADMINS = {"committee-admin"}


@api_route(
    "/accounts", summary="用户列表", roles=ADMINS, query=PageArgs, response=page_of(AccountOut)
)
def list_accounts(call: Call) -> dict[str, Any]:
    return paginate(sorted(call.committee.accounts(), key=lambda a: a.username), call.args)


@api_route(
    "/accounts",
    "POST",
    summary="注册用户",
    roles=ADMINS,
    body=AccountIn,
    response=AccountOut,
    status=201,
    location=lambda path, out: f"/accounts/{out['username']}",
    links=("get_account", "grant", "revoke", "link_member", "set_status", "reset_password"),
    link_parameters={"username": "$response.body#/username"},
)
def register_account(call: Call) -> Any:
    call.committee.register_user(call.actor, RegisterUser(**call.body))
    return call.committee.account(call.body["username"])


@api_route("/accounts/<username>", summary="用户", roles=ADMINS, response=AccountOut)
def get_account(call: Call, username: str) -> Any:
    return call.committee.account(username)


def check_grant_tenant(call: Call, tenant: str) -> None:
    """A grant names this committee or one of its branches (NotFound otherwise)."""
    if tenant != call.committee_code:
        from cxzy_saas.domain.errors import NotFound

        if tenant not in call.committee.committee().branches:
            raise NotFound("branch.not_found", field="tenant", branch=tenant)


@api_route(
    "/accounts/<username>/grants",
    "POST",
    summary="授予权限",
    roles=ADMINS,
    body=GrantIn,
    response=AccountOut,
)
def grant(call: Call, username: str) -> Any:
    check_grant_tenant(call, call.body["tenant"])
    call.committee.grant(call.actor, Grant(username=username, **call.body))
    return call.committee.account(username)


@api_route(
    "/accounts/<username>/revocations",
    "POST",
    summary="收回权限（该用户的会话和令牌随即失效）",
    roles=ADMINS,
    body=RevokeIn,
    response=AccountOut,
)
def revoke(call: Call, username: str) -> Any:
    call.committee.revoke(call.actor, Revoke(username=username, **call.body))
    return call.committee.account(username)


@api_route(
    "/accounts/<username>/member",
    "PUT",
    summary="关联党员身份（党员角色用）",
    roles=ADMINS,
    body=MemberLinkIn,
    response=AccountOut,
)
def link_member(call: Call, username: str) -> Any:
    check_grant_tenant(call, call.body["branch"])
    call.committee.link_member(call.actor, LinkMember(username=username, **call.body))
    return call.committee.account(username)


@api_route(
    "/accounts/<username>/status",
    "PUT",
    summary="停用或启用用户（停用后其会话和令牌随即失效）",
    roles=ADMINS,
    body=StatusIn,
    response=AccountOut,
)
def set_status(call: Call, username: str) -> Any:
    if call.body["active"]:
        call.committee.enable(call.actor, EnableUser(username=username))
    else:
        call.committee.disable(call.actor, DisableUser(username=username))
    return call.committee.account(username)


class ResetIn(In):
    """An empty object: the path names the user (a body that is not, is refused before
    anything runs, as on every write route)."""


class ResetOut(Schema):
    username = fields.String()
    one_time_password = fields.String(
        metadata={
            "description": "shown this once (a retry with the same Idempotency-Key leaves it "
            "out): the user changes it at /auth/password before anything else"
        }
    )
    must_change_password = fields.Boolean()


@api_route(
    "/accounts/<username>/password-resets",
    "POST",
    summary="重置密码：生成一次性密码（只显示这一次；该用户的会话和令牌随即失效）",
    roles=ADMINS,
    body=ResetIn,
    response=ResetOut,
    kept=shown_once("one_time_password"),
)
def reset_password(call: Call, username: str) -> dict[str, Any]:
    password = call.committee.reset_password(call.actor, ResetPassword(username=username))
    return {"username": username, "one_time_password": password, "must_change_password": True}
