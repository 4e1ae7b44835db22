"""Campaign plans (活动方案): each branch's own, and the committee's, with their workflow.

The same steps serve both; a branch's plan lives under ``/branches/<code>/plans/<year>``, the
committee's under ``/campaigns/<year>/plan``. The committee approves or returns a branch's
submitted plan with a decision in its own log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.plans import (
    CirculatePlan,
    CommentOnPlan,
    DecidePlan,
    DiscussPlan,
    DraftPlan,
    FinalisePlan,
    RevisePlan,
    SubmitPlan,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS, COMMITTEE_WRITERS
from cxzy_saas.application.plans import PlanCommands
from cxzy_saas.domain.plan import Plan
from cxzy_saas.web.api.auth import COMMITTEE_ROLES
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.plan_content import PlanContentIn
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import YEAR, In, OnIn, optional_text, string, text


class CommitteeDraftIn(In):
    """The committee's plan of the URL's year."""

    drafter = text(50, required=True)
    content = fields.Nested(PlanContentIn, load_default=None, allow_none=True)


class DraftIn(CommitteeDraftIn):
    year = fields.Integer(required=True, validate=YEAR)


class MinutesIn(In):
    on = fields.Date(required=True)
    minutes = text(required=True)


class RevisionIn(In):
    content = fields.Nested(PlanContentIn, required=True)
    note = optional_text(2000)


class CirculationIn(In):
    to = text(200, required=True)
    on = fields.Date(required=True)


class CommentIn(In):
    by = text(100, required=True)
    text = text(required=True)
    on = fields.Date(required=True)


class DecisionIn(In):
    outcome = string(required=True, validate=validate.OneOf(["approved", "returned"]))
    reason = optional_text(2000)


class CommentOut(Schema):
    by = fields.String()
    text = fields.String()
    on = fields.String()


class DiscussionOut(Schema):
    on = fields.String()
    minutes = fields.String()


class PlanOut(Schema):
    year = fields.Integer()
    status = fields.String()
    version = fields.Integer()
    drafter = fields.String()
    submissions = fields.Integer()
    decision = fields.String(allow_none=True)
    content = fields.Nested(PlanContentIn)
    comments = fields.List(fields.Nested(CommentOut))
    discussions = fields.List(fields.Nested(DiscussionOut))


def plan_out(app: PlanCommands, plan: Plan, decision: str | None = None) -> dict[str, Any]:
    return {
        "year": plan.year,
        "status": plan.status,
        "version": plan.version_no,
        "drafter": plan.drafter,
        "submissions": plan.submissions,
        "decision": decision,
        "content": plan.versions[-1],
        "comments": plan.comments,
        "discussions": plan.discussions,
    }


Step = Callable[[PlanCommands, Any, int, dict[str, Any]], object]

STEPS: list[tuple[str, str, type[Schema], Step]] = [
    (
        "discussions",
        "支委会讨论方案",
        MinutesIn,
        lambda app, a, y, b: app.discuss_plan(a, DiscussPlan(year=y, **b)),
    ),
    (
        "revisions",
        "修改方案",
        RevisionIn,
        lambda app, a, y, b: app.revise_plan(a, RevisePlan(year=y, **b)),
    ),
    (
        "circulation",
        "征求意见",
        CirculationIn,
        lambda app, a, y, b: app.circulate_plan(a, CirculatePlan(year=y, **b)),
    ),
    (
        "comments",
        "记录意见",
        CommentIn,
        lambda app, a, y, b: app.comment_on_plan(a, CommentOnPlan(year=y, **b)),
    ),
    (
        "finalisation",
        "定稿",
        OnIn,
        lambda app, a, y, b: app.finalise_plan(a, FinalisePlan(year=y, **b)),
    ),
]


def register_plan_routes(
    prefix: str,
    name: str,
    app_of: Callable[[Call], PlanCommands],
    readers: Any,
    writers: Any,
) -> None:
    """The plan's read, draft and workflow steps under ``prefix`` (with ``<int:year>``)."""

    def show(call: Call, year: int) -> dict[str, Any]:
        app = app_of(call)
        decision = app.plan_decision(year) if hasattr(app, "plan_decision") else None
        return plan_out(app, app.plan(year), decision)

    def read(call: Call, year: int, **_: Any) -> dict[str, Any]:
        return show(call, year)

    read.__name__ = f"{name}_plan"
    api_route(f"{prefix}", summary="活动方案", roles=readers, response=PlanOut)(read)

    for rule, summary, schema, step in STEPS:

        def act(call: Call, year: int, _step: Step = step, **_: Any) -> dict[str, Any]:
            _step(app_of(call), call.actor, year, call.body)
            return show(call, year)

        act.__name__ = f"{name}_plan_{rule}"
        api_route(
            f"{prefix}/{rule}",
            "POST",
            summary=summary,
            roles=writers,
            body=schema,
            response=PlanOut,
        )(act)


register_plan_routes(
    "/branches/<code>/plans/<int:year>",
    "branch",
    lambda call: call.branch,
    READERS,
    BRANCH_WRITERS,
)
register_plan_routes(
    "/campaigns/<int:year>/plan",
    "committee",
    lambda call: call.committee,
    set(COMMITTEE_ROLES) | {"branch-secretary", "branch-clerk"},
    COMMITTEE_WRITERS,
)


# What a drafted plan's steps are (OpenAPI links from the draft to them).
BRANCH_PLAN_STEPS = (
    "branch_plan",
    *(f"branch_plan_{rule}" for rule, *_ in STEPS),
    "submit_branch_plan",
    "decide_branch_plan",
)
COMMITTEE_PLAN_STEPS = ("committee_plan", *(f"committee_plan_{rule}" for rule, *_ in STEPS))


@api_route(
    "/branches/<code>/plans",
    "POST",
    summary="起草支部方案（默认评选条件）",
    roles=BRANCH_WRITERS,
    body=DraftIn,
    response=PlanOut,
    status=201,
    location=lambda path, out: f"/branches/{path['code']}/plans/{out['year']}",
    links=BRANCH_PLAN_STEPS,
    link_parameters={"year": "$response.body#/year"},
)
def draft_branch_plan(call: Call, code: str) -> dict[str, Any]:
    call.branch.draft_plan(call.actor, DraftPlan(**call.body))
    return plan_out(call.branch, call.branch.plan(call.body["year"]))


@api_route(
    "/campaigns/<int:year>/plan",
    "POST",
    summary="起草党委方案",
    roles=COMMITTEE_WRITERS,
    body=CommitteeDraftIn,
    response=PlanOut,
    status=201,
    location=lambda path, out: f"/campaigns/{path['year']}/plan",
    links=COMMITTEE_PLAN_STEPS,
)
def draft_committee_plan(call: Call, year: int) -> dict[str, Any]:
    call.committee.draft_plan(call.actor, DraftPlan(year=year, **call.body))
    return plan_out(call.committee, call.committee.plan(year))


@api_route(
    "/branches/<code>/plans/<int:year>/submission",
    "POST",
    summary="报党委审批",
    roles=BRANCH_WRITERS,
    body=OnIn,
    response=PlanOut,
)
def submit_branch_plan(call: Call, code: str, year: int) -> dict[str, Any]:
    call.branch.submit_plan(call.actor, SubmitPlan(year=year, **call.body))
    return plan_out(call.branch, call.branch.plan(year), call.branch.plan_decision(year))


@api_route(
    "/branches/<code>/plans/<int:year>/decision",
    "POST",
    summary="党委批准或退回支部方案",
    roles=COMMITTEE_WRITERS,
    body=DecisionIn,
    response=PlanOut,
)
def decide_branch_plan(call: Call, code: str, year: int) -> dict[str, Any]:
    call.committee.decide_plan(call.actor, DecidePlan(branch=code, year=year, **call.body))
    return plan_out(call.branch, call.branch.plan(year), call.branch.plan_decision(year))


class MemberCommentIn(In):
    text = text(required=True)
    on = fields.Date(required=True)


@api_route(
    "/branches/<code>/plans/<int:year>/member-comments",
    "POST",
    summary="党员或党小组长对征求意见的方案初稿提出意见（署名为本人编号或本小组）",
    roles={"member", "group-leader"},
    body=MemberCommentIn,
    response=PlanOut,
)
def comment_as_member(call: Call, code: str, year: int) -> dict[str, Any]:
    command = CommentOnPlan(year=year, by="", **call.body)
    call.branch.comment_as_member(call.actor, command)
    return plan_out(call.branch, call.branch.plan(year), call.branch.plan_decision(year))
