"""Signing in to the API: a bearer token for a username and password, and changing one's own
password (a one-time password must be changed before a token is issued for it).

Both routes are rate-limited per account and per address, failed attempts counted, together
with the sign-in page (``web/limits.py``).
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.committee import ChangePassword, SignOut
from cxzy_saas.application.passwords import MAX_LENGTH
from cxzy_saas.application.signin import authenticate
from cxzy_saas.domain.errors import Forbidden, NotFound
from cxzy_saas.web.api.auth import TOKEN_SECONDS, Principal, principal, token_for
from cxzy_saas.web.api.routing import Call, api_route, json_body, shown_once
from cxzy_saas.web.api.schemas import In, string
from cxzy_saas.web.problems import Unauthorized


class TokenIn(In):
    username = string(required=True, validate=validate.Length(min=1, max=100))
    password = string(required=True, load_only=True, validate=validate.Length(max=MAX_LENGTH))


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class PasswordIn(TokenIn):
    new_password = string(
        required=True, load_only=True, validate=validate.Length(min=1, max=MAX_LENGTH)
    )


class PasswordOut(Schema):
    changed = fields.Boolean()


@api_route(
    "/auth/token",
    "POST",
    summary="取得访问令牌",
    scope="public",
    body=TokenIn,
    response=TokenOut,
    kept=shown_once("access_token"),  # a credential: Cache-Control no-store (RFC 6749 5.1)
)
def token(call: Call) -> dict[str, Any]:
    try:
        signed = authenticate(call.tenancy, call.body["username"], call.body["password"])
    except NotFound:
        raise Unauthorized("unknown user or wrong password") from None
    if signed.account.must_change_password:
        raise Forbidden("password.change_required")
    return {
        "access_token": token_for(signed.committee, signed.account),
        "token_type": "Bearer",
        "expires_in": TOKEN_SECONDS,
    }


@api_route(
    "/auth/password",
    "POST",
    summary="修改本人密码（一次性密码须先修改；原有令牌全部失效）",
    scope="public",
    body=PasswordIn,
    response=PasswordOut,
)
def change_own_password(call: Call) -> dict[str, Any]:
    try:
        signed = authenticate(call.tenancy, call.body["username"], call.body["password"])
    except NotFound:
        raise Unauthorized("unknown user or wrong password") from None
    user = Principal.of(signed.account, signed.committee)
    call.tenancy.committee(signed.committee).change_password(
        user.self_actor(),
        ChangePassword(
            username=user.username, current=call.body["password"], new=call.body["new_password"]
        ),
    )
    return {"changed": True}


class SignedOutOut(Schema):
    signed_out = fields.Boolean()


@api_route(
    "/auth/sign-out",
    "POST",
    summary="退出登录：本账户的所有令牌和页面会话立即失效（须附访问令牌）",
    scope="public",  # any account, whatever its roles: its own sessions only
    response=SignedOutOut,
)
def sign_out(call: Call) -> dict[str, Any]:
    if request.get_data():
        json_body()  # no body is asked for; a malformed one is a 400, as on every route
    user = principal()  # 401 without a valid token
    call.tenancy.committee(user.committee).sign_out(
        user.self_actor(), SignOut(username=user.username)
    )
    return {"signed_out": True}
