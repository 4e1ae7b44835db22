"""Half-year and year-end evaluation: reviews, democratic rating ballots, the computed
ranking, nominations, deed materials and the annual summary."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from cxzy_saas.application.permissions import BRANCH_PEOPLE, BRANCH_WRITERS, COMMITTEE_WRITERS
from cxzy_saas.domain.evaluation import STAGES
from cxzy_saas.domain.scoring import GRADES, POOLS
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    SUBJECT_LEVELS,
    YEAR,
    CampaignArgs,
    In,
    OnIn,
    check_level,
    page_of,
    paginate,
    text,
)

STAGE = validate.OneOf(STAGES)
SUBJECT = validate.Length(min=1, max=40)

# reviews (半年初评, 年终总评)


class ReviewStartIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    stage = fields.String(required=True, validate=STAGE)
    on = fields.Date(required=True)


class ReviewOut(Schema):
    year = fields.Integer()
    stage = fields.String()
    summaries = fields.Dict(keys=fields.String(), values=fields.String())
    remarks = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    group_summaries = fields.Dict(keys=fields.String(), values=fields.String())
    branch_summary = fields.String(allow_none=True)
    recommended = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    reported_on = fields.Date(allow_none=True)


class SummaryIn(In):
    member = fields.String(required=True, validate=SUBJECT)
    text = text(required=True)


class CritiqueIn(In):
    member = fields.String(required=True, validate=SUBJECT)
    remarks = fields.List(text(2000), required=True, validate=validate.Length(min=1, max=50))


class GroupSummaryIn(In):
    group = fields.String(required=True, validate=SUBJECT)
    text = text(required=True)


class TextIn(In):
    text = text(required=True)


class RecommendIn(In):
    groups = fields.List(fields.String(validate=SUBJECT), load_default=list)
    members = fields.List(fields.String(validate=SUBJECT), load_default=list)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


@api_route(
    "/branches/<code>/reviews",
    summary="开始半年初评或年终总评",
    roles=BRANCH_WRITERS,
    method="POST",
    body=ReviewStartIn,
    response=ReviewOut,
    status=201,
)
def start_review(call: Call, code: str) -> Any:
    b = call.body
    call.branch.start_review(call.actor, b["year"], b["stage"], b["on"])
    return call.branch.review(b["year"], b["stage"])


@api_route(
    "/branches/<code>/reviews/<int:year>/<stage>", summary="评议", roles=READERS, response=ReviewOut
)
def get_review(call: Call, code: str, year: int, stage: str) -> Any:
    return call.branch.review(year, stage)


def review_step(rule: str, summary: str, roles: Any, body: type[Schema], act: Any) -> None:
    def view(call: Call, code: str, year: int, stage: str) -> Any:
        act(call.branch, call.actor, year, stage, call.body)
        return call.branch.review(year, stage)

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
    lambda app, a, y, s, b: app.file_summary(a, y, s, b["member"], b["text"]),
)
review_step(
    "critiques",
    "讲评意见",
    BRANCH_WRITERS,
    CritiqueIn,
    lambda app, a, y, s, b: app.record_critique(a, y, s, b["member"], b["remarks"]),
)
review_step(
    "group-summaries",
    "党小组总结",
    BRANCH_WRITERS | {"group-leader"},
    GroupSummaryIn,
    lambda app, a, y, s, b: app.file_group_summary(a, y, s, b["group"], b["text"]),
)
review_step(
    "branch-summary",
    "支部总结",
    BRANCH_WRITERS,
    TextIn,
    lambda app, a, y, s, b: app.file_branch_summary(a, y, s, b["text"]),
)
review_step(
    "recommendations",
    "推荐表扬(半年初评)",
    BRANCH_WRITERS,
    RecommendIn,
    lambda app, a, y, s, b: app.recommend(a, y, b["groups"], b["members"], b["reason"]),
)
review_step(
    "report",
    "向党委汇报",
    BRANCH_WRITERS,
    OnIn,
    lambda app, a, y, s, b: app.report_review(a, y, s, b["on"]),
)


# democratic rating (民主测评)


class BallotSubject(In):
    level = fields.String(required=True, validate=SUBJECT_LEVELS)
    subject = fields.String(required=True, validate=SUBJECT)


class BallotIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    title = text(200, required=True)
    subjects = fields.List(
        fields.Nested(BallotSubject), required=True, validate=validate.Length(min=1, max=500)
    )
    codes = fields.Dict(
        keys=fields.String(validate=validate.OneOf(POOLS)),
        values=fields.Integer(validate=validate.Range(min=0, max=2000)),
        required=True,
    )
    on = fields.Date(required=True)


class BallotOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    title = fields.String()
    subjects = fields.List(fields.Dict())
    issued = fields.Dict(keys=fields.String(), values=fields.Integer())
    cast = fields.Dict(keys=fields.String(), values=fields.Integer())
    closed_on = fields.Date(allow_none=True)
    tallies = fields.Dict(allow_none=True)


class OpenedOut(BallotOut):
    codes = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class CastIn(In):
    code = fields.String(required=True, validate=validate.Length(min=4, max=20))
    grades = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=60)),
        values=fields.String(validate=validate.OneOf(GRADES)),
        required=True,
    )


class CastOut(Schema):
    cast = fields.Boolean()


def ballot_out(ballot: Any) -> dict[str, Any]:
    return {
        "id": ballot.id,
        "year": ballot.year,
        "title": ballot.title,
        "subjects": ballot.subjects,
        "issued": ballot.issued,
        "cast": {pool: ballot.cast_count(pool) for pool in ballot.issued},
        "closed_on": ballot.closed_on,
        # Tallies are shown once the ballot is closed: a running count would tell raters how
        # the others voted before they cast.
        "tallies": ballot.tallies if ballot.closed_on else None,
    }


@api_route(
    "/branches/<code>/ballots",
    summary="民主测评列表",
    roles=READERS,
    query=CampaignArgs,
    response=page_of(BallotOut),
)
def list_ballots(call: Call, code: str) -> dict[str, Any]:
    return paginate([ballot_out(b) for b in call.branch.ballots(call.args["campaign"])], call.args)


@api_route(
    "/branches/<code>/ballots",
    "POST",
    summary="发起民主测评并生成一次性测评码(只显示这一次)",
    roles=BRANCH_WRITERS,
    body=BallotIn,
    response=OpenedOut,
    status=201,
)
def open_ballot(call: Call, code: str) -> dict[str, Any]:
    b = call.body
    subjects = [(s["level"], s["subject"]) for s in b["subjects"]]
    ballot_id, codes = call.branch.open_ballot(
        call.actor, b["year"], b["title"], subjects, b["codes"], b["on"]
    )
    return {**ballot_out(call.branch.ballot(ballot_id)), "codes": codes}


@api_route(
    "/branches/<code>/ballots/<uuid:id>", summary="民主测评", roles=READERS, response=BallotOut
)
def get_ballot(call: Call, code: str, id: UUID) -> dict[str, Any]:
    return ballot_out(call.branch.ballot(id))


@api_route(
    "/branches/<code>/ballots/<uuid:id>/close",
    "POST",
    summary="结束测评并计票",
    roles=BRANCH_WRITERS,
    body=OnIn,
    response=BallotOut,
)
def close_ballot(call: Call, code: str, id: UUID) -> dict[str, Any]:
    call.branch.close_ballot(call.actor, id, call.body["on"])
    return ballot_out(call.branch.ballot(id))


@api_route(
    "/branches/<code>/ballots/<uuid:id>/casts",
    "POST",
    summary="凭测评码投票(无需账号,每码一次)",
    scope="ballot",
    body=CastIn,
    response=CastOut,
    status=201,
)
def cast_ballot(call: Call, code: str, id: UUID) -> dict[str, Any]:
    call.branch.cast_ballot(id, call.body["code"], call.body["grades"])
    return {"cast": True}


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
