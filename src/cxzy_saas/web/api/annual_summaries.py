"""A branch's annual summary (年度总结), filed once and reported to the members' meeting and the
committee."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.correspondence import ReviseAnnualSummary
from cxzy_saas.application.commands.evaluation import FileAnnualSummary, ReportAnnualSummary
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.projections import lists
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import SummaryArgs, filters_of, listed_page_of, paging_of
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import YEAR, In, out_key, string, text
from cxzy_saas.web.listing import fresh_model, page_answer


class AnnualSummaryIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    basic_facts = text(required=True)
    experience = text(required=True)
    problems = text(required=True)
    plans = text(required=True)


REPORTED_TO = ("members-meeting", "committee")


class AnnualSummaryOut(Schema):
    year = fields.Integer()
    basic_facts = fields.String()
    experience = fields.String()
    problems = fields.String()
    plans = fields.String()
    reported = fields.Dict(keys=out_key(validate.OneOf(REPORTED_TO)), values=fields.Date())
    revisions = fields.Integer()


class SummaryRevisionIn(In):
    basic_facts = text(required=True)
    experience = text(required=True)
    problems = text(required=True)
    plans = text(required=True)
    reason = text(2000, required=True)


class SummaryReportIn(In):
    to = string(required=True, validate=validate.OneOf(REPORTED_TO))
    on = fields.Date(required=True)


@api_route(
    "/branches/<code>/annual-summaries",
    summary="年度总结列表（可按年度、报告情况、文字筛选）",
    roles=READERS,
    query=SummaryArgs,
    response=listed_page_of(AnnualSummaryOut),
    ready=True,
)
def list_annual_summaries(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    found = lists.summaries(
        fresh_model(code), code, filters_of(call.args), paging, call.args["campaign"]
    )
    return page_answer(found, paging, AnnualSummaryOut._declared_fields)


@api_route(
    "/branches/<code>/annual-summaries",
    "POST",
    summary="年度总结",
    roles=BRANCH_WRITERS,
    body=AnnualSummaryIn,
    response=AnnualSummaryOut,
    status=201,
    location=lambda path, out: f"/branches/{path['code']}/annual-summaries/{out['year']}",
    links=("get_annual_summary", "report_annual_summary"),
    link_parameters={"year": "$response.body#/year"},
)
def file_annual_summary(call: Call, code: str) -> Any:
    call.branch.file_annual_summary(call.actor, FileAnnualSummary(**call.body))
    return call.branch.annual_summary(call.body["year"])


@api_route(
    "/branches/<code>/annual-summaries/<int:year>",
    summary="年度总结",
    roles=READERS,
    response=AnnualSummaryOut,
)
def get_annual_summary(call: Call, code: str, year: int) -> Any:
    return call.branch.annual_summary(year)


@api_route(
    "/branches/<code>/annual-summaries/<int:year>/reports",
    "POST",
    summary="向党员大会或党委报告年度总结",
    roles=BRANCH_WRITERS,
    body=SummaryReportIn,
    response=AnnualSummaryOut,
)
def report_annual_summary(call: Call, code: str, year: int) -> Any:
    call.branch.report_annual_summary(call.actor, ReportAnnualSummary(year=year, **call.body))
    return call.branch.annual_summary(year)


@api_route(
    "/branches/<code>/annual-summaries/<int:year>/revisions",
    "POST",
    summary="更正已报的年度总结（形成新的修订版，历次版本保留在历史中，须重新报告）",
    roles=BRANCH_WRITERS,
    body=SummaryRevisionIn,
    response=AnnualSummaryOut,
)
def revise_annual_summary(call: Call, code: str, year: int) -> Any:
    call.branch.revise_annual_summary(call.actor, ReviseAnnualSummary(year=year, **call.body))
    return call.branch.annual_summary(year)
