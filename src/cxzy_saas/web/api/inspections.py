"""Quarterly inspections (季度检查) of a branch."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from cxzy_saas.application.commands.work import RecordInspection
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    QUARTER,
    YEAR,
    CampaignArgs,
    In,
    page_of,
    paginate,
    text,
)


class InspectionIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    quarter = fields.Integer(required=True, validate=QUARTER)
    on = fields.Date(required=True)
    measures_checked = text(required=True)
    gaps = text(required=True)
    weak_links = text(required=True)
    improvements = text(required=True)


class InspectionOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    quarter = fields.Integer()
    on = fields.Date()
    measures_checked = fields.String()
    gaps = fields.String()
    weak_links = fields.String()
    improvements = fields.String()


@api_route(
    "/branches/<code>/inspections",
    summary="季度检查列表",
    roles=READERS,
    query=CampaignArgs,
    response=page_of(InspectionOut),
)
def list_inspections(call: Call, code: str) -> dict[str, Any]:
    year = call.args["campaign"]
    found = [call.branch.inspection(year, q) for q in range(1, 5)]
    return paginate([i for i in found if i is not None], call.args)


@api_route(
    "/branches/<code>/inspections",
    "POST",
    summary="季度检查",
    roles=BRANCH_WRITERS,
    body=InspectionIn,
    response=InspectionOut,
    status=201,
)
def record_inspection(call: Call, code: str) -> Any:
    call.branch.record_inspection(call.actor, RecordInspection(**call.body))
    return call.branch.inspection(call.body["year"], call.body["quarter"])
