"""Quarterly inspections (季度检查) of a branch."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from cxzy_saas.application.commands.work import CorrectInspection, RecordInspection
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.projections import lists
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import InspectionArgs, filters_of, listed_page_of, paging_of
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import QUARTER, YEAR, In, text
from cxzy_saas.web.listing import fresh_model, page_answer


class InspectionIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    quarter = fields.Integer(required=True, validate=QUARTER)
    on = fields.Date(required=True)
    measures_checked = text(required=True)
    gaps = text(required=True)
    weak_links = text(required=True)
    improvements = text(required=True)


class InspectionCorrectionIn(In):
    """New text for the findings that were wrong (the others left out), and why."""

    reason = text(1000, required=True)
    measures_checked = text(load_default=None)
    gaps = text(load_default=None)
    weak_links = text(load_default=None)
    improvements = text(load_default=None)


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
    summary="季度检查列表（可按季度、月份、文字筛选）",
    roles=READERS,
    query=InspectionArgs,
    response=listed_page_of(InspectionOut),
    ready=True,
)
def list_inspections(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    found = lists.inspections(
        fresh_model(code), code, call.args["campaign"], filters_of(call.args), paging
    )
    return page_answer(found, paging, InspectionOut._declared_fields)


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


@api_route(
    "/branches/<code>/inspections/<int:year>/<int:quarter>/corrections",
    "POST",
    summary="更正季度检查（写明理由；原记录和更正都留在历史中）",
    roles=BRANCH_WRITERS,
    body=InspectionCorrectionIn,
    response=InspectionOut,
)
def correct_inspection(call: Call, code: str, year: int, quarter: int) -> Any:
    command = CorrectInspection(year=year, quarter=quarter, **call.body)
    call.branch.correct_inspection(call.actor, command)
    return call.branch.inspection(year, quarter)
