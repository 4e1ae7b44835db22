"""The committee's own assessment of each branch, each quarter."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.committee import AssessBranch
from cxzy_saas.application.permissions import COMMITTEE_READERS, COMMITTEE_WRITERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import CODE, ITEM, QUARTER, CorrectionOut, In, out_key, string


class BranchAssessmentIn(In):
    branch = string(required=True, validate=CODE)
    quarter = fields.Integer(required=True, validate=QUARTER)
    scores = fields.Dict(
        keys=string(validate=ITEM),
        values=fields.Float(allow_nan=False),
        required=True,
        validate=validate.Length(min=1, max=100),
    )
    on = fields.Date(required=True)


class BranchAssessmentOut(Schema):
    id = fields.UUID()
    period = fields.String()
    subject = fields.String()
    scores = fields.Dict(keys=out_key(ITEM), values=fields.Float())
    on = fields.Date()
    corrections = fields.List(fields.Nested(CorrectionOut))


class BranchArgs(In):
    branch = string(required=True, validate=CODE)


@api_route(
    "/campaigns/<int:year>/branch-assessments",
    summary="党委对支部的季度考核",
    roles=COMMITTEE_READERS,
    query=BranchArgs,
    response=BranchAssessmentOut,
    many=True,
)
def branch_assessments(call: Call, year: int) -> Any:
    return call.committee.branch_assessments(call.args["branch"], year)


@api_route(
    "/campaigns/<int:year>/branch-assessments",
    "POST",
    summary="党委季度考核支部",
    roles=COMMITTEE_WRITERS,
    body=BranchAssessmentIn,
    response=BranchAssessmentOut,
    status=201,
)
def assess_branch(call: Call, year: int) -> Any:
    command = AssessBranch(year=year, **call.body)
    call.committee.assess_branch(call.actor, command)
    found = call.committee.branch_assessments(command.branch, year)
    return next(a for a in found if a.period.endswith(f"Q{command.quarter}"))
