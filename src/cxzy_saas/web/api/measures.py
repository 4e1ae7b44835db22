"""Measures (措施) of a branch, its groups and members."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.work import (
    AcknowledgeMeasure,
    CompleteMeasure,
    FileMeasure,
    ReportMeasure,
)
from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_PEOPLE
from cxzy_saas.projections import lists
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import MeasureArgs, filters_of, listed_page_of, paging_of
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    LEVELS,
    SUBJECT,
    YEAR,
    In,
    level_out,
    optional_text,
    string,
    text,
)
from cxzy_saas.web.listing import fresh_model, page_answer


class MeasureIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    level = string(required=True, validate=LEVELS)
    subject = string(required=True, validate=SUBJECT)
    criteria = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=100)),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    text = text(2000, required=True)
    due = fields.Date(required=True)


class MeasureOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    level = level_out()
    subject = fields.String()
    criteria = fields.List(fields.Integer())
    text = fields.String()
    due = fields.Date()
    reported_to = fields.String(allow_none=True)
    acknowledged = fields.Boolean()
    done_on = fields.Date(allow_none=True)


class ReportIn(In):
    to = string(required=True, validate=validate.OneOf(["group", "branch", "committee"]))
    on = fields.Date(required=True)


class AcknowledgeIn(In):
    note = optional_text(2000)
    on = fields.Date(required=True)


class CompleteIn(In):
    on = fields.Date(required=True)
    note = optional_text(2000)


class MeasureRow(MeasureOut):
    overdue = fields.Boolean(metadata={"description": "未完成且已过期限"})


@api_route(
    "/branches/<code>/measures",
    summary="措施列表（可按党员、党小组、评选条件、状态、文字筛选；逾期的标出）",
    roles=READERS,
    query=MeasureArgs,
    response=listed_page_of(MeasureRow),
    ready=True,
)
def list_measures(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    today = call.branch.clock().date()
    found = lists.measures(
        fresh_model(code), code, call.args["campaign"], filters_of(call.args), paging, today
    )
    return page_answer(found, paging, MeasureRow._declared_fields)


@api_route(
    "/branches/<code>/measures",
    "POST",
    summary="制定措施",
    roles=BRANCH_PEOPLE,
    body=MeasureIn,
    response=MeasureOut,
    status=201,
    location=lambda path, out: f"/branches/{path['code']}/measures/{out['id']}",
    links=("get_measure", "report_measure", "acknowledge_measure", "complete_measure"),
    link_parameters={"id": "$response.body#/id"},
)
def file_measure(call: Call, code: str) -> Any:
    measure_id = call.branch.file_measure(call.actor, FileMeasure(**call.body))
    return call.branch.measure(measure_id)


@api_route(
    "/branches/<code>/measures/<uuid:id>", summary="措施", roles=READERS, response=MeasureOut
)
def get_measure(call: Call, code: str, id: UUID) -> Any:
    return call.branch.measure(id)


@api_route(
    "/branches/<code>/measures/<uuid:id>/report",
    "POST",
    summary="措施报告党小组、支部或党委",
    roles=BRANCH_PEOPLE,
    body=ReportIn,
    response=MeasureOut,
)
def report_measure(call: Call, code: str, id: UUID) -> Any:
    call.branch.report_measure(call.actor, ReportMeasure(measure_id=id, **call.body))
    return call.branch.measure(id)


@api_route(
    "/branches/<code>/measures/<uuid:id>/acknowledgement",
    "POST",
    summary="支部确认措施",
    roles=BRANCH_ASSESSORS,
    body=AcknowledgeIn,
    response=MeasureOut,
)
def acknowledge_measure(call: Call, code: str, id: UUID) -> Any:
    call.branch.acknowledge_measure(call.actor, AcknowledgeMeasure(measure_id=id, **call.body))
    return call.branch.measure(id)


@api_route(
    "/branches/<code>/measures/<uuid:id>/completion",
    "POST",
    summary="措施完成",
    roles=BRANCH_PEOPLE,
    body=CompleteIn,
    response=MeasureOut,
)
def complete_measure(call: Call, code: str, id: UUID) -> Any:
    call.branch.complete_measure(call.actor, CompleteMeasure(measure_id=id, **call.body))
    return call.branch.measure(id)
