"""The computed ranking of a branch's groups and members (advice for the nomination), read
from the committee's read models (the tables its boards are ranked from), fresh to the
caller's last write (``web/listing.py``)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.domain import ranking as scores
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.projections.boards import branch_inputs
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.openness import own_member_only, visible_to_member
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import SUBJECT_LEVEL_NAMES, ScoredOut, level_out, out_key
from cxzy_saas.web.listing import fresh_model


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
    summary="综合评分与排名（推荐参考）",
    roles=READERS,
    response=RankingOut,
)
def ranking(call: Call, code: str, year: int) -> dict[str, Any]:
    # the committee's log too: its plan is the branch's when it has none, its decisions say
    # which version is in force
    with fresh_model(code, decided=True).read() as tx:
        inputs = branch_inputs(tx, call.committee_code, code, year)
    if inputs is None:
        raise NotFound("plan.not_found", year=year)
    own = own_member_only(call, year)  # a member sees their own row unless the plan opens all
    return {
        "campaign": year,
        "quota": scores.quota(inputs),
        "rows": {
            level: visible_to_member([r.as_dict() for r in scores.rows(inputs, level)], own)
            for level in ("group", "member")
        },
    }
