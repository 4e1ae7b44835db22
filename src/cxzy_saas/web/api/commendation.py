"""The commendation (命名表彰): the committee names advanced branches, groups and excellent
members."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.committee import Commend
from cxzy_saas.application.permissions import COMMITTEE_WRITERS
from cxzy_saas.projections import boards
from cxzy_saas.web import read_model_of
from cxzy_saas.web.api.campaigns import ANYONE
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import CODE, LEVELS, In, level_out, optional_text, string, text


class NamedIn(In):
    branch = string(required=True, validate=CODE)
    level = string(required=True, validate=LEVELS)
    subject = optional_text(40)
    reason = optional_text(
        2000,
        metadata={
            "description": "理由；命名排名在未被命名的党支部之后的先进党支部时必填（不以票取人）"
        },
    )


class CommendIn(In):
    entries = fields.List(
        fields.Nested(NamedIn), required=True, validate=validate.Length(min=1, max=1000)
    )
    on = fields.Date(required=True)
    decision_text = text(required=True)


class NamedOut(Schema):
    branch = fields.String()
    level = level_out()
    subject = fields.String()
    name = fields.String()
    title = fields.String()
    reason = fields.String(metadata={"description": "命名理由"})
    against_advice = fields.Boolean(
        metadata={"description": "与党支部排名不一致（排名在前的党支部未被命名）"}
    )


class CommendationDecisionOut(Schema):
    on = fields.Date(metadata={"description": "命名日期"})
    decision_text = fields.String(metadata={"description": "表彰决定"})
    named = fields.List(fields.Nested(NamedOut), metadata={"description": "该决定命名的对象"})


class CommendationOut(Schema):
    year = fields.Integer()
    named = fields.List(fields.Nested(NamedOut))
    decisions = fields.List(
        fields.Nested(CommendationDecisionOut), metadata={"description": "各次命名决定"}
    )


def branch_ranks_of(committee: str, year: int) -> dict[str, int | None]:
    """The committee's branch board as the live read model holds it: the advice a naming of
    先进党支部 follows or departs from (none before the campaign is on the board)."""
    with read_model_of(current_app, committee).read() as tx:
        return boards.branch_ranks(tx, committee, year)


@api_route(
    "/campaigns/<int:year>/commendation",
    summary="表彰名单",
    roles=ANYONE,
    response=CommendationOut,
)
def get_commendation(call: Call, year: int) -> dict[str, Any]:
    call.committee.campaign(year)
    commendation = call.committee.commendation(year)
    if commendation is None:
        return {"year": year, "named": [], "decisions": []}
    decisions = [{**d, "named": d["entries"]} for d in commendation.decisions]
    return {"year": year, "named": commendation.named, "decisions": decisions}


@api_route(
    "/campaigns/<int:year>/commendation",
    "POST",
    summary="命名表彰",
    roles=COMMITTEE_WRITERS,
    body=CommendIn,
    response=CommendationOut,
)
def commend(call: Call, year: int) -> dict[str, Any]:
    ranks = branch_ranks_of(call.committee_code, year)
    call.committee.commend(call.actor, Commend(year=year, **call.body, branch_ranks=ranks))
    return get_commendation.__wrapped__(call, year)  # type: ignore[attr-defined]
