"""Monthly assessments (每月集中考核) with their corrections."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.work import AssessMonth, CorrectScore
from cxzy_saas.application.permissions import BRANCH_ASSESSORS
from cxzy_saas.projections import lists
from cxzy_saas.projections.lists import ASSESSMENT_SORTS
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import (
    OPTIONAL,
    BranchListArgs,
    filters_of,
    listed_page_of,
    paging_of,
)
from cxzy_saas.web.api.openness import own_member_only
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    ITEM,
    MONTH,
    SUBJECT,
    SUBJECT_LEVEL_NAMES,
    SUBJECT_LEVELS,
    YEAR,
    CorrectionOut,
    In,
    level_out,
    out_key,
    string,
    text,
)
from cxzy_saas.web.listing import fresh_model, page_answer


class AssessmentIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    month = fields.Integer(required=True, validate=MONTH)
    level = string(required=True, validate=SUBJECT_LEVELS)
    scores = fields.Dict(
        keys=string(validate=SUBJECT),
        values=fields.Dict(
            keys=string(validate=ITEM),
            values=fields.Float(allow_nan=False),
            validate=validate.Length(min=1, max=100),
        ),
        required=True,
        validate=validate.Length(min=1, max=500),
    )
    on = fields.Date(load_default=None, allow_none=True)


class AssessmentOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    period = fields.String()
    level = level_out(SUBJECT_LEVEL_NAMES)
    subject = fields.String()
    scores = fields.Dict(keys=out_key(ITEM), values=fields.Float())
    plan_version = fields.Integer()
    on = fields.Date()
    corrections = fields.List(fields.Nested(CorrectionOut))


class AssessmentArgs(BranchListArgs):
    month = fields.Integer(load_default=None, allow_none=True, validate=MONTH)
    level = string(load_default=None, allow_none=True, validate=SUBJECT_LEVELS)
    sort = string(validate=validate.OneOf(list(ASSESSMENT_SORTS)), **OPTIONAL)


class CorrectionIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    month = fields.Integer(required=True, validate=MONTH)
    level = string(required=True, validate=SUBJECT_LEVELS)
    subject = string(required=True, validate=SUBJECT)
    item = string(required=True, validate=ITEM)
    points = fields.Float(required=True, allow_nan=False)
    reason = text(1000, required=True)


class AssessedOut(Schema):
    items = fields.List(fields.Nested(AssessmentOut))


@api_route(
    "/branches/<code>/assessments",
    summary="每月集中考核列表（可按月份、层级、党员、党小组筛选）",
    roles=READERS,
    query=AssessmentArgs,
    response=listed_page_of(AssessmentOut),
    ready=True,
)
def list_assessments(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    year = call.args["campaign"]
    filters = replace(filters_of(call.args), own_member=own_member_only(call, year))
    found = lists.assessments(fresh_model(code), code, year, filters, paging)
    return page_answer(found, paging, AssessmentOut._declared_fields)


@api_route(
    "/branches/<code>/assessments",
    "POST",
    summary="每月集中考核（一个党小组或全部党小组，一次提交）",
    roles=BRANCH_ASSESSORS,
    body=AssessmentIn,
    response=AssessedOut,
    status=201,
)
def assess_month(call: Call, code: str) -> dict[str, Any]:
    c = AssessMonth(**call.body)
    call.branch.assess_month(call.actor, c)
    return {"items": [call.branch.assessment(c.year, c.month, c.level, s) for s in c.scores]}


@api_route(
    "/branches/<code>/assessments/corrections",
    "POST",
    summary="更正考核分数（注明原因）",
    roles=BRANCH_ASSESSORS,
    body=CorrectionIn,
    response=AssessmentOut,
)
def correct_score(call: Call, code: str) -> Any:
    c = CorrectScore(**call.body)
    call.branch.correct_score(call.actor, c)
    return call.branch.assessment(c.year, c.month, c.level, c.subject)
