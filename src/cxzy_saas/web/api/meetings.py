"""A branch's meetings (支委会, 讲评会, 党员大会...)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.work import CorrectMeeting, RecordMeeting
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.work import MAX_ATTENDEES, MEETING_KINDS, Meeting
from cxzy_saas.projections import lists
from cxzy_saas.projections.lists import MEETING_SORTS
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import OPTIONAL, filters_of, listed_page_of, paging_of
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import MONTH, YEAR, CampaignArgs, In, string, text
from cxzy_saas.web.listing import fresh_model, page_answer

ATTENDEES = validate.Range(min=1, max=MAX_ATTENDEES)


class MeetingIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    kind = string(required=True, validate=validate.OneOf(list(MEETING_KINDS)))
    on = fields.Date(required=True)
    title = text(200, required=True)
    attendees = fields.Integer(required=True, validate=ATTENDEES)
    minutes = text(required=True)


class MeetingCorrectionIn(In):
    """A new title, attendance or minutes (the others left out), and why."""

    reason = text(1000, required=True)
    title = text(200, load_default=None)
    attendees = fields.Integer(load_default=None, validate=ATTENDEES)
    minutes = text(load_default=None)


class MeetingOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    kind = fields.String(validate=validate.OneOf(list(MEETING_KINDS)))
    on = fields.Date()
    title = fields.String()
    attendees = fields.Integer()
    minutes = fields.String()


class MeetingArgs(CampaignArgs):
    kind = string(validate=validate.OneOf(list(MEETING_KINDS)), **OPTIONAL)
    month = fields.Integer(load_default=None, allow_none=True, validate=MONTH)
    q = string(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "标题或记录包含的文字"},
        **OPTIONAL,
    )
    sort = string(validate=validate.OneOf(list(MEETING_SORTS)), **OPTIONAL)


@api_route(
    "/branches/<code>/meetings",
    summary="会议记录列表（可按类别、月份、文字筛选）",
    roles=READERS,
    query=MeetingArgs,
    response=listed_page_of(MeetingOut),
    ready=True,
)
def list_meetings(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    found = lists.meetings(
        fresh_model(code), code, call.args["campaign"], filters_of(call.args), paging
    )
    return page_answer(found, paging, MeetingOut._declared_fields)


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
    meeting_id = call.branch.record_meeting(call.actor, RecordMeeting(**call.body))
    return call.branch.load(Meeting, meeting_id, "meeting.not_found")


@api_route(
    "/branches/<code>/meetings/<uuid:id>/corrections",
    "POST",
    summary="更正会议记录（写明理由；原记录和更正都留在历史中）",
    roles=BRANCH_WRITERS,
    body=MeetingCorrectionIn,
    response=MeetingOut,
)
def correct_meeting(call: Call, code: str, id: UUID) -> Any:
    call.branch.correct_meeting(call.actor, CorrectMeeting(meeting_id=id, **call.body))
    return call.branch.meeting(id)
