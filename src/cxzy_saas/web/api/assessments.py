"""Monthly assessments (每月集中考核) with their corrections."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.work import AssessMonth, CorrectScore
from cxzy_saas.application.permissions import BRANCH_ASSESSORS
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    ITEM,
    MONTH,
    SUBJECT,
    SUBJECT_LEVEL_NAMES,
    SUBJECT_LEVELS,
    YEAR,
    CampaignArgs,
    CorrectionOut,
    In,
    level_out,
    out_key,
    page_of,
    paginate,
    string,
    text,
)


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


class AssessmentArgs(CampaignArgs):
    month = fields.Integer(load_default=None, validate=MONTH)
    level = string(load_default=None, validate=SUBJECT_LEVELS)


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
    summary="每月集中考核列表",
    roles=READERS,
    query=AssessmentArgs,
    response=page_of(AssessmentOut),
)
def list_assessments(call: Call, code: str) -> dict[str, Any]:
    month, level = call.args["month"], call.args["level"]
    found = [
        a
        for a in call.branch.assessments(call.args["campaign"])
        if (month is None or a.period == f"{a.year}-{month:02d}")
        and (level is None or a.level == level)
    ]
    return paginate(found, call.args)


@api_route(
    "/branches/<code>/assessments",
    "POST",
    summary="每月集中考核(一个党小组或全部党小组,一次提交)",
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
    summary="更正考核分数(注明原因)",
    roles=BRANCH_ASSESSORS,
    body=CorrectionIn,
    response=AssessmentOut,
)
def correct_score(call: Call, code: str) -> Any:
    c = CorrectScore(**call.body)
    call.branch.correct_score(call.actor, c)
    return call.branch.assessment(c.year, c.month, c.level, c.subject)
