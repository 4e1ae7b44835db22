"""What the committee looks at: the read models of a campaign, now or as of a past day.

Committee users see every branch. A branch user sees its own rows (of leaderboards, the
matrix, trends, overdue work, approvals and ballots) unless the committee has opened the
campaign's boards to the branches, and then only the leaderboards, matrix and trends in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate

from cxzy_saas.domain.committee import TENANT_CODE
from cxzy_saas.domain.decisions import KINDS
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.ranking import RATED, UNRATED
from cxzy_saas.domain.scoring import GRADES
from cxzy_saas.projections import boards, queries
from cxzy_saas.projections.asof import replay
from cxzy_saas.projections.db import ReadModelDB
from cxzy_saas.projections.engine import LOCAL
from cxzy_saas.projections.lists import campaign_known
from cxzy_saas.web import read_model_of, read_models_of, read_port_of, tenancy_of
from cxzy_saas.web.api.campaigns import ANYONE
from cxzy_saas.web.api.list_args import OPTIONAL
from cxzy_saas.web.api.openness import own_member_only, seen_by
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    AsOfArgs,
    FullMatch,
    PageArgs,
    ScoredOut,
    check_level,
    code_text,
    level_out,
    matching,
    out_key,
    string,
)
from cxzy_saas.web.listing import titled


class BoardRowOut(ScoredOut):
    """A board's row: a branch's (``code``) or a group's or member's (``id`` in ``branch``)."""

    code = fields.String(metadata={"description": "a branch's code (branch boards)"})
    id = fields.String(metadata={"description": "a group's code or a member's number"})
    branch = fields.String()
    branch_name = fields.String(metadata={"description": "党支部名称"})
    group = fields.String(allow_none=True, metadata={"description": "党员所在党小组代码"})
    group_name = fields.String(allow_none=True, metadata={"description": "党员所在党小组名称"})
    name = fields.String()


class BoardArgs(AsOfArgs, PageArgs):
    """What every board takes: text searched in names and numbers (``q``), a branch, a group
    (its members on the member board), a band, whether rated, the sort (a column, ``-`` for
    the other way round: ``-rank`` lists the last first, 后进) and the page."""

    q = string(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "名称或编号中包含的文字"},
        **OPTIONAL,
    )
    branch = string(
        validate=matching(TENANT_CODE), metadata={"description": "党支部代码"}, **OPTIONAL
    )
    group = code_text(metadata={"description": "党小组代码"}, **OPTIONAL)
    band = string(validate=validate.OneOf(boards.BANDS), **OPTIONAL)
    status = string(validate=validate.OneOf([RATED, UNRATED]), **OPTIONAL)
    sort = string(
        validate=validate.OneOf([*boards.BOARD_SORTS, *(f"-{s}" for s in boards.BOARD_SORTS)]),
        metadata={
            "description": "排序列；前加 - 为反向（-rank：后进在前）。"
            "党支部榜没有 branch、group 列，党小组榜没有 group 列"
        },
        **OPTIONAL,
    )


class BoardOut(Schema):
    campaign = fields.Integer()
    level = level_out()
    committee = fields.String()
    as_of = fields.Date(allow_none=True)
    rows = fields.List(fields.Nested(BoardRowOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer(metadata={"description": "筛选后的行数"})


class ModelOut(Schema):
    campaign = fields.Integer()
    as_of = fields.Date(allow_none=True)


# A criterion as the matrix names it: its level and number ("member:3").
CRITERION_KEY = FullMatch(re.compile(r"(?:branch|group|member):[0-9]{1,3}"))


class MatrixRowOut(Schema):
    code = fields.String()
    name = fields.String()
    cells = fields.Dict(keys=out_key(CRITERION_KEY), values=fields.Float(allow_none=True))


class MatrixOut(ModelOut):
    criteria = fields.List(fields.String(validate=CRITERION_KEY))
    titles = fields.Dict(
        keys=out_key(CRITERION_KEY),
        values=fields.String(),
        metadata={"description": "每个评选条件的条文（党委方案；无则取支部方案）"},
    )
    rows = fields.List(fields.Nested(MatrixRowOut))


class TrendRowOut(Schema):
    code = fields.String()
    name = fields.String()
    monthly_score = fields.List(fields.Float(allow_none=True), metadata={"description": "12"})
    quarterly_score = fields.List(fields.Float(allow_none=True), metadata={"description": "4"})
    records = fields.List(
        fields.Integer(allow_none=True),
        metadata={"description": "12 个月的日常记载条数；尚未开始的月份为 null"},
    )


class SpreadOut(Schema):
    average = fields.List(fields.Float(allow_none=True), metadata={"description": "12 月平均"})
    q1 = fields.List(fields.Float(allow_none=True), metadata={"description": "12 月下四分位"})
    q3 = fields.List(fields.Float(allow_none=True), metadata={"description": "12 月上四分位"})
    counted = fields.List(
        fields.Integer(), metadata={"description": "12 月各有得分的党支部数（平均只计这些支部）"}
    )


class TrendsOut(ModelOut):
    branches = fields.List(fields.Nested(TrendRowOut))
    committee = fields.Nested(
        SpreadOut, metadata={"description": "各支部党员月度平均得分的党委平均与四分位带"}
    )


class OverdueItemOut(Schema):
    branch = fields.String()
    name = fields.String()
    kind = fields.String(validate=validate.OneOf(queries.OVERDUE_KINDS))
    period = fields.String()
    due = fields.String(metadata={"format": "date"})  # the read model's ISO text
    missing = fields.Integer()


class OverdueOut(ModelOut):
    items = fields.List(fields.Nested(OverdueItemOut))


class ApprovalItemOut(Schema):
    branch = fields.String()
    name = fields.String()
    kind = fields.String(validate=validate.OneOf(KINDS))
    subject = fields.String()
    submission = fields.Integer()
    year = fields.Integer()
    title = fields.String()
    submitted_at = fields.String(metadata={"format": "date-time"})  # the read model's ISO text


class ApprovalsOut(ModelOut):
    items = fields.List(fields.Nested(ApprovalItemOut))


class BallotItemOut(Schema):
    branch = fields.String()
    ballot = fields.UUID()
    title = fields.String()
    issued = fields.Integer()
    cast = fields.Integer()
    closed = fields.Boolean()
    turnout = fields.Float(allow_none=True)
    grades = fields.Dict(keys=out_key(validate.OneOf(GRADES)), values=fields.Integer())


class BallotsOut(ModelOut):
    items = fields.List(fields.Nested(BallotItemOut))


@contextmanager
def read_model(call: Call, year: int) -> Iterator[ReadModelDB]:
    """The live read model, or one replayed to the end of ``as_of``.

    Raises:
        NotFound: the campaign is not (yet) in the read models.
    """
    as_of: date | None = call.args.get("as_of")
    committee = call.committee_code
    live = read_model_of(current_app, committee)
    if as_of is None:
        check_campaign(live, committee, year)
        yield live
        return
    queries.past_day(as_of, tenancy_of(current_app).today())
    call.committee.campaign(year)
    logs, models = read_port_of(current_app, committee), read_models_of(current_app, committee)
    with replay(logs, models, as_of, index=live, committee=committee) as db:
        yield db


def check_campaign(db: ReadModelDB, committee: str, year: int) -> None:
    if not campaign_known(db, committee, year):
        raise NotFound("campaign.not_found", year=year)


def own_rows(call: Call, rows: list[dict[str, Any]], key: str, shared: bool) -> list[Any]:
    """All rows for a committee user, or for everyone once the board is ``shared``; a branch
    user's own rows otherwise."""
    viewer = call.viewer_branch
    if viewer is None or shared:
        return rows
    return [r for r in rows if r.get(key) == viewer]


def opened(call: Call, year: int) -> bool:
    """Whether the committee has opened the campaign's boards to its branches: today's
    decision, read from the live model whatever day a view shows (an as-of replay would give
    that day's, and show a branch what it may no longer see)."""
    committee = call.committee_code
    return queries.board_open(read_model_of(current_app, committee), committee, year)


@api_route(
    "/campaigns/<int:year>/leaderboards/<level>",
    summary="排行榜（可按日期回溯）",
    roles=ANYONE,
    query=BoardArgs,
    response=BoardOut,
)
def leaderboard(call: Call, year: int, level: str) -> dict[str, Any]:
    check_level(level)
    args = call.args
    if args["sort"]:  # a column the level's rows have (a branch has no branch or group)
        try:
            validate.OneOf(boards.sorts_of(level))(args["sort"].lstrip("-"))
        except ValidationError as error:
            raise ValidationError({"sort": error.messages}) from None
    # Whether the board is open to branches is today's decision, whatever day is shown.
    shared = opened(call, year)
    own = own_member_only(call, year) if level == "member" else None
    query = boards.BoardQuery(
        **{k: args[k] for k in ("q", "branch", "group", "band", "status", "sort")},
        page=args["page"],
        per_page=args["per_page"],
        only_branch=None if shared else call.viewer_branch,
        only_subject=own,  # a member's own row, unless the plan opens all
    )
    with read_model(call, year) as db, db.read() as tx:
        rows, total = boards.read_board(tx, call.committee_code, year, level, query)
    return {
        "campaign": year,
        "level": level,
        "committee": call.committee_code,
        "as_of": args["as_of"],
        "rows": rows,
        "page": args["page"],
        "per_page": args["per_page"],
        "total": total,
    }


@api_route(
    "/campaigns/<int:year>/matrix",
    summary="支部 × 评选条件对比",
    roles=ANYONE,
    query=AsOfArgs,
    response=MatrixOut,
)
def matrix(call: Call, year: int) -> dict[str, Any]:
    with read_model(call, year) as db:
        result = queries.matrix(db, call.committee_code, year)
        result["rows"] = own_rows(call, result["rows"], "code", opened(call, year))
    return {**result, "as_of": call.args["as_of"]}


@api_route(
    "/campaigns/<int:year>/trends",
    summary="月度与季度趋势",
    roles=ANYONE,
    query=AsOfArgs,
    response=TrendsOut,
)
def trends(call: Call, year: int) -> dict[str, Any]:
    with read_model(call, year) as db:
        result = queries.trends(db, call.committee_code, year, day_of(call))
        shared = opened(call, year)
        result["branches"] = own_rows(call, result["branches"], "code", shared)
        if call.viewer_branch is not None and not shared:  # the others' figures, even pooled
            result["committee"] = queries.spread([b["monthly_score"] for b in result["branches"]])
    return {**result, "as_of": call.args["as_of"]}


def branch_items(call: Call, year: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Items of every branch for the committee, a branch user's own otherwise (these lists
    stay private to each branch even when the committee opens the boards)."""
    return {
        "campaign": year,
        "as_of": call.args["as_of"],
        "items": own_rows(call, items, "branch", False),
    }


def day_of(call: Call) -> date:
    as_of: date | None = call.args["as_of"]
    if as_of is not None:
        return as_of
    now: datetime = call.tenancy.now()
    return now.astimezone(LOCAL).date()


@api_route(
    "/campaigns/<int:year>/overdue",
    summary="逾期未完成的工作",
    roles=ANYONE,
    query=AsOfArgs,
    response=OverdueOut,
)
def overdue(call: Call, year: int) -> dict[str, Any]:
    with read_model(call, year) as db:
        items = queries.overdue(db, call.committee_code, year, day_of(call))
    return branch_items(call, year, items)


@api_route(
    "/campaigns/<int:year>/approvals",
    summary="待党委审批的事项",
    roles=ANYONE,
    query=AsOfArgs,
    response=ApprovalsOut,
)
def approvals(call: Call, year: int) -> dict[str, Any]:
    with read_model(call, year) as db:
        # a closed year's undecided items wait for no one: it is final (decision 0011)
        found = queries.approvals(db, call.committee_code, open_years=True)
        items = [i for i in found if i["year"] == year]
    # a member reads whom their branch nominated of themselves only (decision 0018)
    items = seen_by(own_member_only(call, year), items)
    return branch_items(call, year, titled(items))


@api_route(
    "/campaigns/<int:year>/ballots",
    summary="民主测评参与率与等次分布",
    roles=ANYONE,
    query=AsOfArgs,
    response=BallotsOut,
)
def ballots(call: Call, year: int) -> dict[str, Any]:
    with read_model(call, year) as db:
        items = queries.ballots(db, call.committee_code, year)
    return branch_items(call, year, items)
