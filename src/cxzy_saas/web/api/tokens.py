"""Signing in to the API: a bearer token for a username and password."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.domain.errors import NotFound
from cxzy_saas.web.api.auth import TOKEN_SECONDS, serializer
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import In, string
from cxzy_saas.web.problems import Unauthorized


class TokenIn(In):
    username = string(required=True, validate=validate.Length(min=1, max=100))
    password = string(required=True, load_only=True, validate=validate.Length(max=1000))


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


@api_route(
    "/auth/token", "POST", summary="取得访问令牌", scope="public", body=TokenIn, response=TokenOut
)
def token(call: Call) -> dict[str, Any]:
    for committee in sorted(call.tenancy.registry().committees()):
        try:
            call.tenancy.committee(committee).check_password(
                call.body["username"], call.body["password"]
            )
        except NotFound:
            continue
        signed = serializer().dumps({"u": call.body["username"], "c": committee})
        return {"access_token": signed, "token_type": "Bearer", "expires_in": TOKEN_SECONDS}
    raise Unauthorized("unknown user or wrong password")
