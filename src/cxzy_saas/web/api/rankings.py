"""The computed ranking of a branch's groups and members (advice for the nomination)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.domain import ranking as scores
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.openness import own_member_only, visible_to_member
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import SUBJECT_LEVEL_NAMES, ScoredOut, level_out, out_key


class RankingRowOut(ScoredOut):
    level = level_out(SUBJECT_LEVEL_NAMES)
    subject = fields.String()
    name = fields.String()
    veto = fields.String(allow_none=True)


class RankingOut(Schema):
    campaign = fields.Integer()
    quota = fields.Dict(
        keys=out_key(validate.OneOf(SUBJECT_LEVEL_NAMES)), values=fields.Integer(allow_none=True)
    )
    rows = fields.Dict(
        keys=out_key(validate.OneOf(SUBJECT_LEVEL_NAMES)),
        values=fields.List(fields.Nested(RankingRowOut)),
    )


@api_route(
    "/branches/<code>/rankings/<int:year>",
    summary="综合评分与排名(推荐参考)",
    roles=READERS,
    response=RankingOut,
)
def ranking(call: Call, code: str, year: int) -> dict[str, Any]:
    inputs = call.branch.score_inputs(year)
    own = own_member_only(call, year)  # a member sees their own row unless the plan opens all
    return {
        "campaign": year,
        "quota": scores.quota(inputs),
        "rows": {
            level: visible_to_member([r.as_dict() for r in scores.rows(inputs, level)], own)
            for level in ("group", "member")
        },
    }
