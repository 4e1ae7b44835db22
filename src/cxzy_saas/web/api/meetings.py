"""A branch's meetings (支委会, 讲评会, 党员大会...)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.work import RecordMeeting
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.work import MEETING_KINDS, Meeting
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import YEAR, CampaignArgs, In, page_of, paginate, string, text


class MeetingIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    kind = string(required=True, validate=validate.OneOf(list(MEETING_KINDS)))
    on = fields.Date(required=True)
    title = text(200, required=True)
    attendees = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))
    minutes = text(required=True)


class MeetingOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    kind = fields.String(validate=validate.OneOf(list(MEETING_KINDS)))
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
    meeting_id = call.branch.record_meeting(call.actor, RecordMeeting(**call.body))
    return call.branch.load(Meeting, meeting_id, "meeting.not_found")
