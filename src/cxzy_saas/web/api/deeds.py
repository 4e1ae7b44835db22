"""Deed materials (事迹材料) of commended subjects, every version kept."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.evaluation import WriteDeeds
from cxzy_saas.application.permissions import BRANCH_ASSESSORS
from cxzy_saas.projections import lists
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import DeedArgs, filters_of, listed_page_of, paging_of
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import In, check_level, level_out, string, text
from cxzy_saas.web.listing import fresh_model, page_answer


class DeedsIn(In):
    text = text(50000, required=True)
    attachments = fields.List(
        string(validate=validate.Length(max=500)),
        load_default=list,
        validate=validate.Length(max=100),
    )


class DeedsOut(Schema):
    year = fields.Integer()
    level = level_out()
    subject = fields.String()
    text = fields.String()
    versions = fields.Integer()
    attachments = fields.List(fields.String())


def deeds_out(deeds: Any) -> dict[str, Any]:
    return {
        "year": deeds.year,
        "level": deeds.level,
        "subject": deeds.subject,
        "text": deeds.versions[-1],
        "versions": len(deeds.versions),
        "attachments": deeds.attachments,
    }


@api_route(
    "/branches/<code>/deeds",
    summary="事迹材料列表（可按党员、党小组、对象、文字筛选）",
    roles=READERS,
    query=DeedArgs,
    response=listed_page_of(DeedsOut),
    ready=True,
)
def list_deeds(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    found = lists.deeds(
        fresh_model(code), code, call.args["campaign"], filters_of(call.args), paging
    )
    return page_answer(found, paging, DeedsOut._declared_fields)


@api_route(
    "/branches/<code>/deeds/<int:year>/<level>/<subject>",
    summary="事迹材料",
    roles=READERS,
    response=DeedsOut,
)
def get_deeds(call: Call, code: str, year: int, level: str, subject: str) -> dict[str, Any]:
    return deeds_out(call.branch.deeds(year, level, subject))


@api_route(
    "/branches/<code>/deeds/<int:year>/<level>/<subject>",
    "PUT",
    summary="撰写或修改事迹材料（每次修改保留版本）",
    roles=BRANCH_ASSESSORS,
    body=DeedsIn,
    response=DeedsOut,
)
def write_deeds(call: Call, code: str, year: int, level: str, subject: str) -> dict[str, Any]:
    check_level(level)
    command = WriteDeeds(year=year, level=level, subject=subject, **call.body)
    call.branch.write_deeds(call.actor, command)
    return deeds_out(call.branch.deeds(year, level, subject))
