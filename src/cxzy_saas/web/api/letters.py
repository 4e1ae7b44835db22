"""A branch's requests (请示) and reports (汇报) to its committee, and the committee's replies."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.correspondence import ReplyToLetter, SendLetter
from cxzy_saas.application.permissions import BRANCH_WRITERS, COMMITTEE_WRITERS
from cxzy_saas.domain.correspondence import KINDS, Letter
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import YEAR, CampaignArgs, In, page_of, paginate, string, text
from cxzy_saas.web.api.tasks import OFFICERS


class LetterIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    kind = string(required=True, validate=validate.OneOf(list(KINDS)))
    title = text(200, required=True)
    text = text(required=True)
    on = fields.Date(required=True)


class ReplyIn(In):
    text = text(required=True)
    on = fields.Date(required=True)


class ReplyOut(Schema):
    text = fields.String()
    on = fields.Date()
    by = fields.String()


class LetterOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    title = fields.String()
    text = fields.String()
    on = fields.Date()
    reply = fields.Nested(ReplyOut, allow_none=True)


def letter_out(call: Call, code: str, letter: Letter) -> dict[str, Any]:
    reply = call.committee.reply(code, letter.id)
    return {
        "id": letter.id,
        "year": letter.year,
        "kind": letter.kind,
        "title": letter.title,
        "text": letter.text,
        "on": letter.on,
        "reply": None
        if reply is None
        else {"text": reply.text, "on": reply.on, "by": committee_user(call, reply)},
    }


def committee_user(call: Call, reply: Any) -> str:
    history = call.committee.history(reply.id)
    return str(history[0]["actor"].get("user", "")) if history else ""


@api_route(
    "/branches/<code>/letters",
    "POST",
    summary="党支部向党委请示或汇报",
    roles=BRANCH_WRITERS,
    body=LetterIn,
    response=LetterOut,
    status=201,
    links=("reply_to_letter",),
    link_parameters={"letter": "$response.body#/id"},
)
def send_letter(call: Call, code: str) -> dict[str, Any]:
    letter_id = call.branch.send_letter(call.actor, SendLetter(**call.body))
    return letter_out(call, code, call.branch.letter(letter_id))


@api_route(
    "/branches/<code>/letters",
    summary="党支部的请示、汇报及党委答复",
    roles=OFFICERS,
    query=CampaignArgs,
    response=page_of(LetterOut),
)
def list_letters(call: Call, code: str) -> dict[str, Any]:
    found = paginate(call.branch.letters(call.args["campaign"]), call.args)
    return {**found, "items": [letter_out(call, code, x) for x in found["items"]]}


@api_route(
    "/branches/<code>/letters/<uuid:letter>/reply",
    "POST",
    summary="党委答复党支部的请示或汇报",
    roles=COMMITTEE_WRITERS,
    body=ReplyIn,
    response=LetterOut,
)
def reply_to_letter(call: Call, code: str, letter: UUID) -> dict[str, Any]:
    call.committee.reply_to_letter(
        call.actor, ReplyToLetter(branch=code, letter=letter, **call.body)
    )
    return letter_out(call, code, call.branch.letter(letter))
