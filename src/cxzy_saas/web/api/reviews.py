"""Half-year and year-end evaluation rounds: summaries, critiques, recommendations, report."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.evaluation import (
    FileBranchSummary,
    FileGroupSummary,
    FileSummary,
    Recommend,
    RecordCritique,
    ReportReview,
    StartReview,
)
from cxzy_saas.application.permissions import BRANCH_PEOPLE, BRANCH_WRITERS
from cxzy_saas.domain.evaluation import STAGES, Review
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.openness import own_member_only
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    GROUP,
    SUBJECT,
    SUBJECT_LEVEL_NAMES,
    YEAR,
    In,
    OnIn,
    optional_text,
    out_key,
    string,
    text,
)

STAGE = validate.OneOf(STAGES)

# reviews (半年初评, 年终总评)


class ReviewStartIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    stage = string(required=True, validate=STAGE)
    on = fields.Date(required=True)


class ReviewOut(Schema):
    year = fields.Integer()
    stage = fields.String(validate=STAGE)
    summaries = fields.Dict(keys=out_key(SUBJECT), values=fields.String())
    remarks = fields.Dict(keys=out_key(SUBJECT), values=fields.List(fields.String()))
    group_summaries = fields.Dict(keys=out_key(SUBJECT), values=fields.String())
    branch_summary = fields.String(allow_none=True)
    recommended = fields.Dict(
        keys=out_key(validate.OneOf(SUBJECT_LEVEL_NAMES)), values=fields.List(fields.String())
    )
    reported_on = fields.Date(allow_none=True)


class SummaryIn(In):
    member = string(required=True, validate=SUBJECT)
    text = text(required=True)


class CritiqueIn(In):
    member = string(required=True, validate=SUBJECT)
    remarks = fields.List(text(2000), required=True, validate=validate.Length(min=1, max=50))


class GroupSummaryIn(In):
    group = string(required=True, validate=GROUP)
    text = text(required=True)


class TextIn(In):
    text = text(required=True)


class RecommendIn(In):
    groups = fields.List(
        string(validate=SUBJECT), load_default=list, validate=validate.Length(max=500)
    )
    members = fields.List(
        string(validate=SUBJECT), load_default=list, validate=validate.Length(max=500)
    )
    reason = optional_text(2000)


@api_route(
    "/branches/<code>/reviews",
    summary="开始半年初评或年终总评",
    roles=BRANCH_WRITERS,
    method="POST",
    body=ReviewStartIn,
    response=ReviewOut,
    status=201,
    location=lambda path, out: f"/branches/{path['code']}/reviews/{out['year']}/{out['stage']}",
    links=(
        "get_review",
        "review_summaries",
        "review_critiques",
        "review_group_summaries",
        "review_branch_summary",
        "review_recommendations",
        "review_report",
    ),
    link_parameters={"year": "$response.body#/year", "stage": "$response.body#/stage"},
)
def start_review(call: Call, code: str) -> Any:
    call.branch.start_review(call.actor, StartReview(**call.body))
    return call.branch.review(call.body["year"], call.body["stage"])


@api_route(
    "/branches/<code>/reviews/<int:year>/<stage>", summary="评议", roles=READERS, response=ReviewOut
)
def get_review(call: Call, code: str, year: int, stage: str) -> Any:
    return as_seen(call, call.branch.review(year, stage))


def as_seen(call: Call, review: Review) -> Any:
    """The round as the caller may read it: a member reads their own self-summary and the
    critique remarks about them, not their colleagues' (as the round's page shows it); the
    group and branch summaries are the branch's. Of the members recommended for praise, a
    member reads whether they are one, unless the plan opens colleagues' (decision 0018), as
    the nomination's page shows the half-year's outcome."""
    if call.actor.role != "member":
        return review
    own = call.actor.member or ""
    public = ("year", "stage", "group_summaries", "branch_summary", "reported_on")
    recommended = review.recommended
    if own_member_only(call, review.year) is not None:
        recommended = {**recommended, "member": [m for m in recommended["member"] if m == own]}
    return {
        **{name: getattr(review, name) for name in public},
        "recommended": recommended,
        "summaries": {m: t for m, t in review.summaries.items() if m == own},
        "remarks": {m: r for m, r in review.remarks.items() if m == own},
    }


def review_step(rule: str, summary: str, roles: Any, body: type[Schema], act: Any) -> None:
    def view(call: Call, code: str, year: int, stage: str) -> Any:
        act(call.branch, call.actor, year, stage, call.body)
        return as_seen(call, call.branch.review(year, stage))

    view.__name__ = "review_" + rule.replace("-", "_")
    api_route(
        f"/branches/<code>/reviews/<int:year>/<stage>/{rule}",
        "POST",
        summary=summary,
        roles=roles,
        body=body,
        response=ReviewOut,
    )(view)


review_step(
    "summaries",
    "个人总结",
    BRANCH_PEOPLE,
    SummaryIn,
    lambda app, a, y, s, b: app.file_summary(a, FileSummary(year=y, stage=s, **b)),
)
review_step(
    "critiques",
    "讲评意见",
    BRANCH_WRITERS,
    CritiqueIn,
    lambda app, a, y, s, b: app.record_critique(a, RecordCritique(year=y, stage=s, **b)),
)
review_step(
    "group-summaries",
    "党小组总结",
    BRANCH_WRITERS | {"group-leader"},
    GroupSummaryIn,
    lambda app, a, y, s, b: app.file_group_summary(a, FileGroupSummary(year=y, stage=s, **b)),
)
review_step(
    "branch-summary",
    "支部总结",
    BRANCH_WRITERS,
    TextIn,
    lambda app, a, y, s, b: app.file_branch_summary(a, FileBranchSummary(year=y, stage=s, **b)),
)
review_step(
    "recommendations",
    "推荐表扬（半年初评）",
    BRANCH_WRITERS,
    RecommendIn,
    lambda app, a, y, s, b: app.recommend(a, Recommend(year=y, **b)),
)
review_step(
    "report",
    "向党委汇报",
    BRANCH_WRITERS,
    OnIn,
    lambda app, a, y, s, b: app.report_review(a, ReportReview(year=y, stage=s, **b)),
)
