"""The committee's own commands: campaigns, its quarterly assessment of each branch,
acknowledgements, the commendation, and user accounts with their grants."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.permissions import COMMITTEE_READERS, COMMITTEE_WRITERS
from cxzy_saas.domain.accounts import GRANTABLE
from cxzy_saas.domain.decisions import KINDS
from cxzy_saas.web.api.auth import COMMITTEE_ROLES
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    CODE,
    LEVELS,
    QUARTER,
    YEAR,
    In,
    OnIn,
    PageArgs,
    page_of,
    paginate,
    text,
)

ANYONE = set(COMMITTEE_ROLES) | {"branch-secretary", "branch-clerk", "group-leader", "member"}

# campaigns


class CampaignIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    title = text(200, required=True)


class CampaignOut(Schema):
    year = fields.Integer()
    title = fields.String()
    closed_on = fields.Date(allow_none=True)
    leaderboard_open = fields.Boolean()


class VisibilityIn(In):
    open_to_branches = fields.Boolean(required=True)


@api_route(
    "/campaigns",
    summary="创先争优活动列表",
    roles=ANYONE,
    query=PageArgs,
    response=page_of(CampaignOut),
)
def list_campaigns(call: Call) -> dict[str, Any]:
    from cxzy_saas.domain.plan import Campaign

    found = [
        call.committee.load(Campaign, i, "record.not_found") for i in call.committee.campaign_ids()
    ]
    return paginate(sorted(found, key=lambda c: c.year), call.args)


@api_route(
    "/campaigns",
    "POST",
    summary="开展年度活动",
    roles=COMMITTEE_WRITERS,
    body=CampaignIn,
    response=CampaignOut,
    status=201,
)
def open_campaign(call: Call) -> Any:
    call.committee.open_campaign(call.actor, call.body["year"], call.body["title"])
    return call.committee.campaign(call.body["year"])


@api_route("/campaigns/<int:year>", summary="年度活动", roles=ANYONE, response=CampaignOut)
def get_campaign(call: Call, year: int) -> Any:
    return call.committee.campaign(year)


@api_route(
    "/campaigns/<int:year>/close",
    "POST",
    summary="结束年度活动",
    roles=COMMITTEE_WRITERS,
    body=OnIn,
    response=CampaignOut,
)
def close_campaign(call: Call, year: int) -> Any:
    call.committee.close_campaign(call.actor, year, call.body["on"])
    return call.committee.campaign(year)


@api_route(
    "/campaigns/<int:year>/leaderboard-visibility",
    "PUT",
    summary="排行榜是否向各支部公开",
    roles=COMMITTEE_WRITERS,
    body=VisibilityIn,
    response=CampaignOut,
)
def set_visibility(call: Call, year: int) -> Any:
    call.committee.set_leaderboard_visibility(call.actor, year, call.body["open_to_branches"])
    return call.committee.campaign(year)


# the committee's assessment of each branch, each quarter


class BranchAssessmentIn(In):
    branch = fields.String(required=True, validate=CODE)
    quarter = fields.Integer(required=True, validate=QUARTER)
    scores = fields.Dict(keys=fields.String(), values=fields.Float(allow_nan=False), required=True)
    on = fields.Date(required=True)


class BranchAssessmentOut(Schema):
    id = fields.UUID()
    period = fields.String()
    subject = fields.String()
    scores = fields.Dict(keys=fields.String(), values=fields.Float())
    on = fields.Date()
    corrections = fields.List(fields.Dict())


class BranchArgs(In):
    branch = fields.String(required=True, validate=CODE)


@api_route(
    "/campaigns/<int:year>/branch-assessments",
    summary="党委对支部的季度考核",
    roles=COMMITTEE_READERS,
    query=BranchArgs,
    response=BranchAssessmentOut,
    many=True,
)
def branch_assessments(call: Call, year: int) -> Any:
    return call.committee.branch_assessments(call.args["branch"], year)


@api_route(
    "/campaigns/<int:year>/branch-assessments",
    "POST",
    summary="党委季度考核支部",
    roles=COMMITTEE_WRITERS,
    body=BranchAssessmentIn,
    response=BranchAssessmentOut,
    status=201,
)
def assess_branch(call: Call, year: int) -> Any:
    b = call.body
    call.committee.assess_branch(call.actor, b["branch"], year, b["quarter"], b["scores"], b["on"])
    found = call.committee.branch_assessments(b["branch"], year)
    return next(a for a in found if a.period.endswith(f"Q{b['quarter']}"))


# acknowledgements of what branches report


class AcknowledgementIn(In):
    branch = fields.String(required=True, validate=CODE)
    kind = fields.String(
        required=True, validate=validate.OneOf([k for k in KINDS if k not in ("plan", "nominee")])
    )
    subject = fields.String(required=True, validate=validate.Length(min=1, max=60))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class DecisionOut(Schema):
    id = fields.UUID()
    branch = fields.String()
    kind = fields.String()
    subject = fields.String()
    submission = fields.Integer()
    outcome = fields.String()
    reason = fields.String()
    against_advice = fields.Boolean()


@api_route(
    "/campaigns/<int:year>/acknowledgements",
    "POST",
    summary="党委确认支部报送的措施、半年初评报告或年度总结",
    roles=COMMITTEE_WRITERS,
    body=AcknowledgementIn,
    response=DecisionOut,
    status=201,
)
def acknowledge(call: Call, year: int) -> Any:
    b = call.body
    call.tenancy.branch(b["branch"])  # 404 for an unknown branch before anything else
    decision_id = call.committee.acknowledge(
        call.actor, b["branch"], b["kind"], b["subject"], b["note"]
    )
    from cxzy_saas.domain.decisions import Decision

    return call.committee.load(Decision, decision_id, "decision.not_found")


# commendation (命名表彰)


class NamedIn(In):
    branch = fields.String(required=True, validate=CODE)
    level = fields.String(required=True, validate=LEVELS)
    subject = fields.String(load_default="", validate=validate.Length(max=40))


class CommendIn(In):
    entries = fields.List(
        fields.Nested(NamedIn), required=True, validate=validate.Length(min=1, max=1000)
    )
    on = fields.Date(required=True)
    decision_text = text(required=True)


class CommendationOut(Schema):
    year = fields.Integer()
    named = fields.List(fields.Dict())


@api_route(
    "/campaigns/<int:year>/commendation",
    summary="表彰名单",
    roles=ANYONE,
    response=CommendationOut,
)
def get_commendation(call: Call, year: int) -> dict[str, Any]:
    call.committee.campaign(year)
    commendation = call.committee.commendation(year)
    return {"year": year, "named": commendation.named if commendation else []}


@api_route(
    "/campaigns/<int:year>/commendation",
    "POST",
    summary="命名表彰",
    roles=COMMITTEE_WRITERS,
    body=CommendIn,
    response=CommendationOut,
)
def commend(call: Call, year: int) -> dict[str, Any]:
    b = call.body
    call.committee.commend(call.actor, year, b["entries"], b["on"], b["decision_text"])
    return get_commendation.__wrapped__(call, year)  # type: ignore[attr-defined]


# accounts and grants (events in the committee's log)


class AccountIn(In):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_.-]{1,39}$"))
    display_name = text(50, required=True)
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=8, max=200)
    )


class GrantIn(In):
    role = fields.String(required=True, validate=validate.OneOf(GRANTABLE))
    tenant = fields.String(required=True, validate=CODE)


class MemberLinkIn(In):
    branch = fields.String(required=True, validate=CODE)
    member_no = fields.String(required=True, validate=validate.Length(min=1, max=20))


class AccountOut(Schema):
    username = fields.String()
    display_name = fields.String()
    grants = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))
    members = fields.Dict(keys=fields.String(), values=fields.String())


ADMINS = {"committee-admin"}


@api_route(
    "/accounts", summary="用户列表", roles=ADMINS, query=PageArgs, response=page_of(AccountOut)
)
def list_accounts(call: Call) -> dict[str, Any]:
    return paginate(sorted(call.committee.accounts(), key=lambda a: a.username), call.args)


@api_route(
    "/accounts",
    "POST",
    summary="注册用户",
    roles=ADMINS,
    body=AccountIn,
    response=AccountOut,
    status=201,
)
def register_account(call: Call) -> Any:
    b = call.body
    call.committee.register_user(call.actor, b["username"], b["display_name"], b["password"])
    return call.committee.account(b["username"])


def check_grant_tenant(call: Call, tenant: str) -> None:
    """A grant names this committee or one of its branches (NotFound otherwise)."""
    if tenant != call.committee_code:
        from cxzy_saas.domain.errors import NotFound

        if tenant not in call.committee.committee().branches:
            raise NotFound("branch.not_found", branch=tenant)


@api_route(
    "/accounts/<username>/grants",
    "POST",
    summary="授予权限",
    roles=ADMINS,
    body=GrantIn,
    response=AccountOut,
)
def grant(call: Call, username: str) -> Any:
    check_grant_tenant(call, call.body["tenant"])
    call.committee.grant(call.actor, username, call.body["role"], call.body["tenant"])
    return call.committee.account(username)


@api_route(
    "/accounts/<username>/revocations",
    "POST",
    summary="收回权限",
    roles=ADMINS,
    body=GrantIn,
    response=AccountOut,
)
def revoke(call: Call, username: str) -> Any:
    call.committee.revoke(call.actor, username, call.body["role"], call.body["tenant"])
    return call.committee.account(username)


@api_route(
    "/accounts/<username>/member",
    "PUT",
    summary="关联党员身份(党员角色用)",
    roles=ADMINS,
    body=MemberLinkIn,
    response=AccountOut,
)
def link_member(call: Call, username: str) -> Any:
    check_grant_tenant(call, call.body["branch"])
    call.committee.link_member(call.actor, username, call.body["branch"], call.body["member_no"])
    return call.committee.account(username)
