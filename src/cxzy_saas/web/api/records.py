"""Daily records (日常记载) of what a member, a group or the branch did."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.work import RecordDaily, RetractRecord
from cxzy_saas.application.permissions import BRANCH_ASSESSORS
from cxzy_saas.projections import lists
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import RecordArgs, filters_of, listed_page_of, paging_of
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


class RecordIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    on = fields.Date(required=True)
    level = string(required=True, validate=LEVELS)
    subject = string(required=True, validate=SUBJECT)
    text = text(5000, required=True)
    criterion = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=100)
    )
    evidence = optional_text(2000)


class RecordOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    on = fields.Date()
    level = level_out()
    subject = fields.String()
    criterion = fields.Integer(allow_none=True)
    text = fields.String()
    evidence = fields.String()
    retracted = fields.String(allow_none=True)


class RetractIn(In):
    reason = text(1000, required=True)


@api_route(
    "/branches/<code>/records",
    summary="日常记载列表（可按党员、党小组、评选条件、月份、状态、文字筛选）",
    roles=READERS,
    query=RecordArgs,
    response=listed_page_of(RecordOut),
    ready=True,
)
def list_records(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    found = lists.records(
        fresh_model(code), code, call.args["campaign"], filters_of(call.args), paging
    )
    return page_answer(found, paging, RecordOut._declared_fields)


@api_route(
    "/branches/<code>/records",
    "POST",
    summary="日常记载",
    roles=BRANCH_ASSESSORS,
    body=RecordIn,
    response=RecordOut,
    status=201,
    location=lambda path, out: f"/branches/{path['code']}/records/{out['id']}",
    links=("get_record", "retract_record"),
    link_parameters={"id": "$response.body#/id"},
)
def record_daily(call: Call, code: str) -> Any:
    record_id = call.branch.record_daily(call.actor, RecordDaily(**call.body))
    return call.branch.daily_record(record_id)


@api_route(
    "/branches/<code>/records/<uuid:id>", summary="日常记载", roles=READERS, response=RecordOut
)
def get_record(call: Call, code: str, id: UUID) -> Any:
    return call.branch.daily_record(id)


@api_route(
    "/branches/<code>/records/<uuid:id>/retraction",
    "POST",
    summary="撤回记载（注明原因）",
    roles=BRANCH_ASSESSORS,
    body=RetractIn,
    response=RecordOut,
)
def retract_record(call: Call, code: str, id: UUID) -> Any:
    call.branch.retract_record(call.actor, RetractRecord(record_id=id, **call.body))
    return call.branch.daily_record(id)
