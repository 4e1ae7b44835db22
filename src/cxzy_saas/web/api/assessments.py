"""Monthly assessments (每月集中考核) with their corrections, quarterly inspections (季度检查)
and meetings."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_WRITERS
from cxzy_saas.domain.work import MEETING_KINDS, Meeting
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    MONTH,
    QUARTER,
    SUBJECT,
    SUBJECT_LEVELS,
    YEAR,
    CampaignArgs,
    In,
    page_of,
    paginate,
    text,
)

# monthly assessments


class AssessmentIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    month = fields.Integer(required=True, validate=MONTH)
    level = fields.String(required=True, validate=SUBJECT_LEVELS)
    scores = fields.Dict(
        keys=fields.String(validate=SUBJECT),
        values=fields.Dict(keys=fields.String(), values=fields.Float(allow_nan=False)),
        required=True,
        validate=validate.Length(min=1, max=500),
    )
    on = fields.Date(load_default=None, allow_none=True)


class AssessmentOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    period = fields.String()
    level = fields.String()
    subject = fields.String()
    scores = fields.Dict(keys=fields.String(), values=fields.Float())
    plan_version = fields.Integer()
    on = fields.Date()
    corrections = fields.List(fields.Dict())


class AssessmentArgs(CampaignArgs):
    month = fields.Integer(load_default=None, validate=MONTH)
    level = fields.String(load_default=None, validate=SUBJECT_LEVELS)


class CorrectionIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    month = fields.Integer(required=True, validate=MONTH)
    level = fields.String(required=True, validate=SUBJECT_LEVELS)
    subject = fields.String(required=True, validate=SUBJECT)
    item = fields.String(required=True, validate=validate.Length(min=1, max=40))
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
    b = call.body
    app = call.branch
    app.assess_month(call.actor, b["year"], b["month"], b["level"], b["scores"], b["on"])
    return {"items": [app.assessment(b["year"], b["month"], b["level"], s) for s in b["scores"]]}


@api_route(
    "/branches/<code>/assessments/corrections",
    "POST",
    summary="更正考核分数(注明原因)",
    roles=BRANCH_ASSESSORS,
    body=CorrectionIn,
    response=AssessmentOut,
)
def correct_score(call: Call, code: str) -> Any:
    b = call.body
    call.branch.correct_score(
        call.actor,
        b["year"],
        b["month"],
        b["level"],
        b["subject"],
        b["item"],
        b["points"],
        b["reason"],
    )
    return call.branch.assessment(b["year"], b["month"], b["level"], b["subject"])


# quarterly inspections and meetings


class InspectionIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    quarter = fields.Integer(required=True, validate=QUARTER)
    on = fields.Date(required=True)
    measures_checked = text(required=True)
    gaps = text(required=True)
    weak_links = text(required=True)
    improvements = text(required=True)


class InspectionOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    quarter = fields.Integer()
    on = fields.Date()
    measures_checked = fields.String()
    gaps = fields.String()
    weak_links = fields.String()
    improvements = fields.String()


@api_route(
    "/branches/<code>/inspections",
    summary="季度检查列表",
    roles=READERS,
    query=CampaignArgs,
    response=page_of(InspectionOut),
)
def list_inspections(call: Call, code: str) -> dict[str, Any]:
    year = call.args["campaign"]
    found = [call.branch.inspection(year, q) for q in range(1, 5)]
    return paginate([i for i in found if i is not None], call.args)


@api_route(
    "/branches/<code>/inspections",
    "POST",
    summary="季度检查",
    roles=BRANCH_WRITERS,
    body=InspectionIn,
    response=InspectionOut,
    status=201,
)
def record_inspection(call: Call, code: str) -> Any:
    b = call.body
    call.branch.record_inspection(
        call.actor,
        b["year"],
        b["quarter"],
        b["on"],
        b["measures_checked"],
        b["gaps"],
        b["weak_links"],
        b["improvements"],
    )
    return call.branch.inspection(b["year"], b["quarter"])


class MeetingIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    kind = fields.String(required=True, validate=validate.OneOf(list(MEETING_KINDS)))
    on = fields.Date(required=True)
    title = text(200, required=True)
    attendees = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))
    minutes = text(required=True)


class MeetingOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    kind = fields.String()
    on = fields.Date()
    title = fields.String()
    attendees = fields.Integer()
    minutes = fields.String()


@api_route(
    "/branches/<code>/meetings",
    summary="会议记录列表",
    roles=READERS,
    query=CampaignArgs,
    response=page_of(MeetingOut),
)
def list_meetings(call: Call, code: str) -> dict[str, Any]:
    return paginate(call.branch.meetings(call.args["campaign"]), call.args)


@api_route(
    "/branches/<code>/meetings",
    "POST",
    summary="记录会议",
    roles=BRANCH_WRITERS,
    body=MeetingIn,
    response=MeetingOut,
    status=201,
)
def record_meeting(call: Call, code: str) -> Any:
    b = call.body
    meeting_id = call.branch.record_meeting(
        call.actor, b["year"], b["kind"], b["on"], b["title"], b["attendees"], b["minutes"]
    )
    return call.branch.load(Meeting, meeting_id, "meeting.not_found")
