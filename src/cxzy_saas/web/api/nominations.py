"""The nomination (推荐) of a branch's groups and members, and the committee's decision on each
nominee."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.evaluation import (
    DecideNominee,
    Renominate,
    Shortlist,
    SubmitNomination,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS, COMMITTEE_WRITERS
from cxzy_saas.domain.decisions import OUTCOMES
from cxzy_saas.projections import lists
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import NominationArgs, filters_of, listed_page_of, paging_of
from cxzy_saas.web.api.openness import own_member_only, visible_to_member
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    SUBJECT,
    SUBJECT_LEVEL_NAMES,
    SUBJECT_LEVELS,
    YEAR,
    In,
    OnIn,
    level_out,
    optional_text,
    string,
    text,
)
from cxzy_saas.web.listing import fresh_model, page_answer


class EntryIn(In):
    level = string(required=True, validate=SUBJECT_LEVELS)
    subject = string(required=True, validate=SUBJECT)
    reason = optional_text(2000)


class ShortlistIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    entries = fields.List(
        fields.Nested(EntryIn), required=True, validate=validate.Length(min=1, max=500)
    )


class EntryOut(Schema):
    level = level_out(SUBJECT_LEVEL_NAMES)
    subject = fields.String()
    rank = fields.Integer(allow_none=True)
    composite = fields.Float(allow_none=True)
    departs = fields.Boolean(metadata={"description": "the entry departs from the ranking"})
    reason = fields.String()


class NomineeDecisionOut(Schema):
    level = level_out(SUBJECT_LEVEL_NAMES)
    subject = fields.String()
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    reason = fields.String()


class RenominateIn(In):
    entries = fields.List(
        fields.Nested(EntryIn), required=True, validate=validate.Length(min=1, max=500)
    )
    answer = text(5000, required=True)
    on = fields.Date(required=True)


class ReturnedOut(Schema):
    level = level_out(SUBJECT_LEVEL_NAMES)
    subject = fields.String()
    reason = fields.String()


class ReopeningOut(Schema):
    submission = fields.Integer()
    returned = fields.List(fields.Nested(ReturnedOut))
    answer = fields.String()


class NominationOut(Schema):
    year = fields.Integer()
    entries = fields.List(fields.Nested(EntryOut))
    submissions = fields.Integer()
    submitted_on = fields.Date(allow_none=True)
    decisions = fields.List(fields.Nested(NomineeDecisionOut))
    returned = fields.List(fields.Nested(ReturnedOut))
    reopenings = fields.List(fields.Nested(ReopeningOut))


class NomineeDecisionIn(In):
    level = string(required=True, validate=SUBJECT_LEVELS)
    subject = string(required=True, validate=SUBJECT)
    outcome = string(required=True, validate=validate.OneOf(["approved", "returned"]))
    reason = optional_text(2000)


def as_seen(call: Call, nomination: dict[str, Any]) -> dict[str, Any]:
    """A nomination as the caller may read it: a member reads the groups' entries and their
    own, with their scores and decisions, not their colleagues' (as the nomination page shows
    it), unless the plan opens colleagues' scores (decision 0018)."""
    own = own_member_only(call, nomination["year"])
    if own is None:
        return nomination

    return {
        **nomination,
        **{
            key: visible_to_member(nomination[key], own)
            for key in ("entries", "decisions", "returned")
        },
        "reopenings": [
            {**r, "returned": visible_to_member(r["returned"], own)}
            for r in nomination["reopenings"]
        ],
    }


def seen_filters(filters: lists.Filters, own: str | None) -> lists.Filters | None:
    """The filters a caller who sees their own member entries only (``own``) may apply: by
    themselves, and by a group's own entry; a filter naming a colleague matches nothing (None),
    for the count of matches would tell whether the colleague was nominated (decision 0018).
    """
    if own is None:
        return filters
    if filters.member not in (None, own):
        return None
    if filters.subject is not None and filters.subject != own:
        if filters.level == "member":
            return None
        filters = replace(filters, level="group")  # only a group's entry may answer it
    elif filters.level == "member":
        filters = replace(filters, member=own)
    if filters.group is not None:  # the group's own entry, not its members'
        if filters.subject not in (None, filters.group):
            return None
        filters = replace(filters, group=None, subject=filters.group, level="group")
    return filters


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
    return as_seen(
        call,
        {
            "year": year,
            "entries": nomination.entries,
            "submissions": nomination.submissions,
            "submitted_on": nomination.submitted_on,
            "decisions": decisions,
            "returned": (
                call.branch.returned_nominees(nomination) if nomination.submitted_on else []
            ),
            "reopenings": nomination.reopenings,
        },
    )


@api_route(
    "/branches/<code>/nominations",
    summary="推荐名单列表（可按年度、党员、党小组、报送与审批情况筛选）",
    roles=READERS,
    query=NominationArgs,
    response=listed_page_of(NominationOut),
    ready=True,
)
def list_nominations(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    year = call.args["campaign"] or call.tenancy.today().year
    asked = filters_of(call.args)
    # a colleague asked for: nothing to say, not even whether ("-" begins no code)
    filters = seen_filters(asked, own_member_only(call, year)) or replace(asked, member="-")
    found = lists.nominations(
        fresh_model(code, decided=True), code, filters, paging, call.args["campaign"]
    )
    answer = page_answer(found, paging, NominationOut._declared_fields)
    answer["items"] = [as_seen(call, item) for item in answer["items"]]
    return answer


@api_route(
    "/branches/<code>/nominations",
    "POST",
    summary="推荐名单（偏离排名须说明理由，提交前可修改）",
    roles=BRANCH_WRITERS,
    body=ShortlistIn,
    response=NominationOut,
    links=("get_nomination", "submit_nomination", "decide_nominee"),
    link_parameters={"year": "$response.body#/year"},
)
def shortlist(call: Call, code: str) -> dict[str, Any]:
    call.branch.shortlist(call.actor, Shortlist(**call.body))
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
    call.branch.submit_nomination(call.actor, SubmitNomination(year=year, **call.body))
    return nomination_out(call, code, year)


@api_route(
    "/branches/<code>/nominations/<int:year>/decisions",
    "POST",
    summary="党委审批推荐对象（批准或退回）",
    roles=COMMITTEE_WRITERS,
    body=NomineeDecisionIn,
    response=NominationOut,
)
def decide_nominee(call: Call, code: str, year: int) -> dict[str, Any]:
    call.committee.decide_nominee(call.actor, DecideNominee(branch=code, year=year, **call.body))
    return nomination_out(call, code, year)


@api_route(
    "/branches/<code>/nominations/<int:year>/renomination",
    "POST",
    summary="党委退回推荐对象后，答复退回理由并重新推荐（新的一次报送，历次报送均保留）",
    roles=BRANCH_WRITERS,
    body=RenominateIn,
    response=NominationOut,
)
def renominate(call: Call, code: str, year: int) -> dict[str, Any]:
    call.branch.renominate(call.actor, Renominate(year=year, **call.body))
    return nomination_out(call, code, year)
