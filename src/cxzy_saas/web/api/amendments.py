"""Amendments of a closed or sealed branch-year (更正, decision 0011): a committee admin opens
one for a branch with a reason, the branch's corrections made while it is open name it, and
closing it seals the branch-year again as its next revision."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields

from cxzy_saas.application.commands.committee import CloseAmendment, OpenAmendment
from cxzy_saas.web.api.auth import COMMITTEE_ROLES
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    CODE,
    In,
    PageArgs,
    optional_text,
    page_of,
    paginate,
    string,
    text,
)

ADMINS = {"committee-admin"}


class AmendmentIn(In):
    branch = string(required=True, validate=CODE)
    reason = text(2000, required=True)


class CloseAmendmentIn(In):
    note = optional_text(2000)


class AmendmentOut(Schema):
    id = fields.UUID()
    branch = fields.String()
    year = fields.Integer()
    revision = fields.Integer()
    reason = fields.String()
    open = fields.Boolean()
    note = fields.String()
    opened_at = fields.AwareDateTime()
    opened_by = fields.String(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)


def _one(call: Call, year: int, amendment: UUID) -> dict[str, Any]:
    return next(a for a in call.committee.amendments(year) if a["id"] == str(amendment))


@api_route(
    "/campaigns/<int:year>/amendments",
    summary="年度档案的更正",
    roles=COMMITTEE_ROLES,
    query=PageArgs,
    response=page_of(AmendmentOut),
)
def list_amendments(call: Call, year: int) -> dict[str, Any]:
    call.committee.campaign(year)
    return paginate(call.committee.amendments(year), call.args)


@api_route(
    "/campaigns/<int:year>/amendments",
    "POST",
    summary="发起更正（已结束或已归档的党支部年度）",
    roles=ADMINS,
    body=AmendmentIn,
    response=AmendmentOut,
    status=201,
    links=("close_amendment",),
    link_parameters={"id": "$response.body#/id"},
)
def open_amendment(call: Call, year: int) -> Any:
    amendment = call.committee.open_amendment(call.actor, OpenAmendment(year=year, **call.body))
    return _one(call, year, amendment)


@api_route(
    "/campaigns/<int:year>/amendments/<uuid:id>/close",
    "POST",
    summary="结束更正并重新归档",
    roles=ADMINS,
    body=CloseAmendmentIn,
    response=AmendmentOut,
)
def close_amendment(call: Call, year: int, id: UUID) -> Any:
    call.committee.close_amendment(call.actor, CloseAmendment(year=year, amendment=id, **call.body))
    return _one(call, year, id)
