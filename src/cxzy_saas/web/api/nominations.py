"""The computed ranking, the nomination and the committee's decisions on it, deed materials
and the annual summary."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.permissions import BRANCH_WRITERS, COMMITTEE_WRITERS
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    SUBJECT,
    SUBJECT_LEVELS,
    YEAR,
    In,
    OnIn,
    check_level,
    text,
)

# the computed ranking and the nomination


class RankingOut(Schema):
    campaign = fields.Integer()
    quota = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))
    rows = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()))


@api_route(
    "/branches/<code>/rankings/<int:year>",
    summary="综合评分与排名(推荐参考)",
    roles=READERS,
    response=RankingOut,
)
def ranking(call: Call, code: str, year: int) -> dict[str, Any]:
    from cxzy_saas.domain import ranking as scores

    inputs = call.branch.score_inputs(year)
    return {
        "campaign": year,
        "quota": scores.quota(inputs),
        "rows": {
            level: [r.as_dict() for r in scores.rows(inputs, level)]
            for level in ("group", "member")
        },
    }


class EntryIn(In):
    level = fields.String(required=True, validate=SUBJECT_LEVELS)
    subject = fields.String(required=True, validate=SUBJECT)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class ShortlistIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    entries = fields.List(
        fields.Nested(EntryIn), required=True, validate=validate.Length(min=1, max=500)
    )


class NominationOut(Schema):
    year = fields.Integer()
    entries = fields.List(fields.Dict())
    submissions = fields.Integer()
    submitted_on = fields.Date(allow_none=True)
    decisions = fields.List(fields.Dict())


class NomineeDecisionIn(In):
    level = fields.String(required=True, validate=SUBJECT_LEVELS)
    subject = fields.String(required=True, validate=SUBJECT)
    outcome = fields.String(required=True, validate=validate.OneOf(["approved", "returned"]))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


def nomination_out(call: Call, code: str, year: int) -> dict[str, Any]:
    nomination = call.branch.nomination(year)
    committee = call.committee
    decisions = []
    for entry in nomination.entries:
        decision = committee.decision(
            code, "nominee", f"{year}:{entry['level']}:{entry['subject']}", nomination.submissions
        )
        if decision is not None:
            decisions.append(
                {
                    "level": entry["level"],
                    "subject": entry["subject"],
                    "outcome": decision.outcome,
                    "reason": decision.reason,
                }
            )
    return {
        "year": year,
        "entries": nomination.entries,
        "submissions": nomination.submissions,
        "submitted_on": nomination.submitted_on,
        "decisions": decisions,
    }


@api_route(
    "/branches/<code>/nominations",
    "POST",
    summary="推荐名单(偏离排名须说明理由,提交前可修改)",
    roles=BRANCH_WRITERS,
    body=ShortlistIn,
    response=NominationOut,
)
def shortlist(call: Call, code: str) -> dict[str, Any]:
    call.branch.shortlist(call.actor, call.body["year"], call.body["entries"])
    return nomination_out(call, code, call.body["year"])


@api_route(
    "/branches/<code>/nominations/<int:year>",
    summary="推荐名单及党委审批",
    roles=READERS,
    response=NominationOut,
)
def get_nomination(call: Call, code: str, year: int) -> dict[str, Any]:
    return nomination_out(call, code, year)


@api_route(
    "/branches/<code>/nominations/<int:year>/submission",
    "POST",
    summary="报送推荐名单",
    roles=BRANCH_WRITERS,
    body=OnIn,
    response=NominationOut,
)
def submit_nomination(call: Call, code: str, year: int) -> dict[str, Any]:
    call.branch.submit_nomination(call.actor, year, call.body["on"])
    return nomination_out(call, code, year)


@api_route(
    "/branches/<code>/nominations/<int:year>/decisions",
    "POST",
    summary="党委审批推荐对象(批准或退回)",
    roles=COMMITTEE_WRITERS,
    body=NomineeDecisionIn,
    response=NominationOut,
)
def decide_nominee(call: Call, code: str, year: int) -> dict[str, Any]:
    b = call.body
    call.committee.decide_nominee(
        call.actor, code, year, b["level"], b["subject"], b["outcome"], b["reason"]
    )
    return nomination_out(call, code, year)


# deed materials and the annual summary


class DeedsIn(In):
    text = text(50000, required=True)
    attachments = fields.List(fields.String(validate=validate.Length(max=500)), load_default=list)


class DeedsOut(Schema):
    year = fields.Integer()
    level = fields.String()
    subject = fields.String()
    text = fields.String()
    versions = fields.Integer()
    attachments = fields.List(fields.String())


def deeds_out(deeds: Any) -> dict[str, Any]:
    return {
        "year": deeds.year,
        "level": deeds.level,
        "subject": deeds.subject,
        "text": deeds.versions[-1],
        "versions": len(deeds.versions),
        "attachments": deeds.attachments,
    }


@api_route(
    "/branches/<code>/deeds/<int:year>/<level>/<subject>",
    summary="事迹材料",
    roles=READERS,
    response=DeedsOut,
)
def get_deeds(call: Call, code: str, year: int, level: str, subject: str) -> dict[str, Any]:
    return deeds_out(call.branch.deeds(year, level, subject))


@api_route(
    "/branches/<code>/deeds/<int:year>/<level>/<subject>",
    "PUT",
    summary="撰写或修改事迹材料(每次修改保留版本)",
    roles=BRANCH_WRITERS,
    body=DeedsIn,
    response=DeedsOut,
)
def write_deeds(call: Call, code: str, year: int, level: str, subject: str) -> dict[str, Any]:
    check_level(level)
    call.branch.write_deeds(
        call.actor, year, level, subject, call.body["text"], call.body["attachments"]
    )
    return deeds_out(call.branch.deeds(year, level, subject))


class AnnualSummaryIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    basic_facts = text(required=True)
    experience = text(required=True)
    problems = text(required=True)
    plans = text(required=True)


class AnnualSummaryOut(Schema):
    year = fields.Integer()
    basic_facts = fields.String()
    experience = fields.String()
    problems = fields.String()
    plans = fields.String()
    reported = fields.Dict(keys=fields.String(), values=fields.Date())


class SummaryReportIn(In):
    to = fields.String(required=True, validate=validate.OneOf(["members-meeting", "committee"]))
    on = fields.Date(required=True)


@api_route(
    "/branches/<code>/annual-summaries",
    "POST",
    summary="年度总结",
    roles=BRANCH_WRITERS,
    body=AnnualSummaryIn,
    response=AnnualSummaryOut,
    status=201,
)
def file_annual_summary(call: Call, code: str) -> Any:
    b = call.body
    call.branch.file_annual_summary(
        call.actor, b["year"], b["basic_facts"], b["experience"], b["problems"], b["plans"]
    )
    return call.branch.annual_summary(b["year"])


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
    call.branch.report_annual_summary(call.actor, year, call.body["to"], call.body["on"])
    return call.branch.annual_summary(year)
