"""The branch's own commendation of its advanced groups and excellent members (通报表扬, 奖状
证书, 奖品) and its recommendation of outstanding ones to the committee."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.correspondence import CommendOwn, RecommendUpward
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.commendation import FORMS
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    SUBJECT,
    SUBJECT_LEVEL_NAMES,
    SUBJECT_LEVELS,
    YEAR,
    In,
    level_out,
    string,
    text,
)


class CommendOwnIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    level = string(required=True, validate=SUBJECT_LEVELS)
    subject = string(required=True, validate=SUBJECT)
    forms = fields.List(
        string(validate=validate.OneOf(list(FORMS))),
        required=True,
        validate=validate.Length(min=1, max=3),
        metadata={"description": "notice 通报表扬，certificate 颁发奖状证书，prize 颁发奖品"},
    )
    text = text(5000, required=True)
    on = fields.Date(required=True)


class RecommendUpwardIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    level = string(required=True, validate=SUBJECT_LEVELS)
    subject = string(required=True, validate=SUBJECT)
    reason = text(5000, required=True)
    on = fields.Date(required=True)


class CommendedOut(Schema):
    level = level_out(SUBJECT_LEVEL_NAMES)
    subject = fields.String()
    name = fields.String()
    forms = fields.List(fields.String())
    text = fields.String()
    on = fields.Date()


class RecommendedOut(Schema):
    level = level_out(SUBJECT_LEVEL_NAMES)
    subject = fields.String()
    name = fields.String()
    reason = fields.String()
    on = fields.Date()


class BranchCommendationOut(Schema):
    year = fields.Integer()
    commended = fields.List(fields.Nested(CommendedOut))
    recommended = fields.List(fields.Nested(RecommendedOut))


def commendation_out(call: Call, year: int) -> dict[str, Any]:
    found = call.branch.branch_commendation(year)
    if found is None:
        return {"year": year, "commended": [], "recommended": []}
    return {"year": year, "commended": found.commended, "recommended": found.recommended}


@api_route(
    "/branches/<code>/own-commendations/<int:year>",
    summary="党支部对本支部先进党小组、优秀党员的表彰及向上级的推荐",
    roles=READERS,
    response=BranchCommendationOut,
)
def get_branch_commendation(call: Call, code: str, year: int) -> dict[str, Any]:
    return commendation_out(call, year)


@api_route(
    "/branches/<code>/own-commendations",
    "POST",
    summary="党支部表彰先进党小组或优秀党员（通报表扬、颁发奖状证书、颁发奖品）",
    roles=BRANCH_WRITERS,
    body=CommendOwnIn,
    response=BranchCommendationOut,
    status=201,
)
def commend_own(call: Call, code: str) -> dict[str, Any]:
    call.branch.commend_own(call.actor, CommendOwn(**call.body))
    return commendation_out(call, call.body["year"])


@api_route(
    "/branches/<code>/own-commendations/recommendations",
    "POST",
    summary="党支部向上级党委推荐事迹突出的党小组或党员，提请上级表彰",
    roles=BRANCH_WRITERS,
    body=RecommendUpwardIn,
    response=BranchCommendationOut,
    status=201,
)
def recommend_upward(call: Call, code: str) -> dict[str, Any]:
    call.branch.recommend_upward(call.actor, RecommendUpward(**call.body))
    return commendation_out(call, call.body["year"])
