"""The committee's campaigns (创先争优活动): opened, closed, the leaderboard's visibility."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from cxzy_saas.application.commands.committee import (
    CloseCampaign,
    OpenCampaign,
    SetLeaderboardVisibility,
)
from cxzy_saas.application.permissions import COMMITTEE_WRITERS
from cxzy_saas.domain.plan import Campaign
from cxzy_saas.web.api.auth import COMMITTEE_ROLES
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
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
    location=lambda path, out: f"/campaigns/{out['year']}",
    links=("get_campaign", "draft_committee_plan", "close_campaign", "set_visibility"),
    link_parameters={"year": "$response.body#/year"},
)
def open_campaign(call: Call) -> Any:
    call.committee.open_campaign(call.actor, OpenCampaign(**call.body))
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
    call.committee.close_campaign(call.actor, CloseCampaign(year=year, **call.body))
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
    command = SetLeaderboardVisibility(year=year, **call.body)
    call.committee.set_leaderboard_visibility(call.actor, command)
    return call.committee.campaign(year)
