"""The committee's dashboard: leaderboards, the branch × criterion heat map, trends, overdue
work, each for a campaign and, on request, as of a past day."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, render_template

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.projections import queries
from cxzy_saas.web.pages import bp, charts, i18n, mine, nav_link
from cxzy_saas.web.pages.access import committee_reader, opens, signed_in, user
from cxzy_saas.web.pages.audit import branch_name
from cxzy_saas.web.pages.filters import Filters, from_request
from cxzy_saas.web.pages.reads import read_model

BOARD_LEVELS = ("branch", "group", "member")


def board_chart(rows: list[dict[str, Any]], limit: int = 15, width: float = 640) -> Any:
    rated = [row for row in rows if row["composite"] is not None]  # 未参评 has no bar
    bars = [(bar_label(row), row["composite"]) for row in rated[:limit]]
    return charts.bar_chart(bars, i18n.tr("综合得分", "composite score"), width=width)


def bar_label(row: dict[str, Any]) -> str:
    """A group's or a member's bar names its branch too: forty branches each have a 第一党小组.
    The branch is named short (办公室党支部 as 办公室)."""
    if "branch" not in row or row.get("level") == "branch" or row["branch"] == row.get("subject"):
        return str(row["name"])
    branch = branch_name(row["branch"])
    short = branch.removesuffix("党支部") or branch
    return f"{row['name']}{i18n.tr(f'（{short}）', f' ({short})')}"


def view(template: str, filters: Filters, **context: Any) -> str:
    return render_template(template, filters=filters, **context)


nav_link("committee", "pages.dashboard", "总览", "Overview")
nav_link("committee", "pages.board", "排行榜", "Leaderboards", level="branch")
nav_link("committee", "pages.matrix", "条件热力图", "Heat map")
nav_link("committee", "pages.trends", "趋势", "Trends")
nav_link("committee", "pages.overdue", "逾期事项", "Overdue")


@bp.get("/committee")
@signed_in
@opens(COMMITTEE_READERS)
def dashboard() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    with read_model(committee, filters.as_of) as db:
        boards = {lvl: queries.board_rows(db, committee, filters.year, lvl) for lvl in BOARD_LEVELS}
        waiting = queries.approvals(db, committee)
        late = queries.overdue(db, committee, filters.year, filters.today())
        turnout = queries.ballots(db, committee, filters.year, grades=False)
    return view(
        "committee/overview.html",
        filters,
        todo=mine.todo_for(None),
        boards=boards,
        charts={lvl: board_chart(rows, 10, 340) for lvl, rows in boards.items()},
        waiting=len(waiting),
        late=len(late),
        ballots=turnout,
    )


@bp.get("/committee/boards/<level>")
@signed_in
@opens(COMMITTEE_READERS)
def board(level: str) -> str:
    committee_reader()
    if level not in BOARD_LEVELS:
        abort(404)
    committee = user().committee
    filters = from_request(committee)
    with read_model(committee, filters.as_of) as db:
        rows = queries.board_rows(db, committee, filters.year, level)
    return view(
        "committee/board.html", filters, level=level, rows=rows, chart=board_chart(rows, 30)
    )


def criterion_label(key: str) -> str:
    level, number = key.split(":")
    prefix = {"branch": "支", "group": "组", "member": "员"} if i18n.lang() == "zh" else {}
    return f"{prefix.get(level, level[0].upper())}{number}"


@bp.get("/committee/matrix")
@signed_in
@opens(COMMITTEE_READERS)
def matrix() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    with read_model(committee, filters.as_of) as db:
        found = queries.matrix(db, committee, filters.year)
    columns = [criterion_label(c) for c in found["criteria"]]
    rows = [(r["name"], [r["cells"][c] for c in found["criteria"]]) for r in found["rows"]]
    chart = charts.heat_map(rows, columns, i18n.tr("支部 × 评选条件", "branch × criterion"))
    legend = [(criterion_label(c), criterion_text(c)) for c in found["criteria"]]
    return view(
        "committee/matrix.html", filters, found=found, columns=columns, chart=chart, legend=legend
    )


def criterion_text(key: str) -> str:
    """The criterion's words (its first clause), from the default catalogue the plans start
    from: the legend of the heat map's columns."""
    level, number = key.split(":")
    for criterion in default_plan_content()["criteria"]:
        if criterion["level"] == level and str(criterion["number"]) == number:
            return re.split("[，。；]", criterion["text"], maxsplit=1)[0]
    return ""


@bp.get("/committee/trends")
@signed_in
@opens(COMMITTEE_READERS)
def trends() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    with read_model(committee, filters.as_of) as db:
        found = queries.trends(db, committee, filters.year)
    months = [f"{m}月" if i18n.lang() == "zh" else str(m) for m in range(1, 13)]
    branches = found["branches"]
    score_chart = charts.line_chart(
        [(b["name"], b["monthly_score"]) for b in branches],
        months,
        i18n.tr("党员月度平均得分", "members' mean monthly score"),
    )
    most = max([max(b["records"]) for b in branches] + [1])
    top = float(max(10, -(-most // 10) * 10))
    record_chart = charts.line_chart(
        [(b["name"], [float(n) for n in b["records"]]) for b in branches],
        months,
        i18n.tr("日常记载条数", "daily records"),
        top=top,
    )
    return view(
        "committee/trends.html",
        filters,
        branches=branches,
        months=months,
        score_chart=score_chart,
        record_chart=record_chart,
        legend=charts.legend([b["name"] for b in branches]),
    )


@bp.get("/committee/overdue")
@signed_in
@opens(COMMITTEE_READERS)
def overdue() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    with read_model(committee, filters.as_of) as db:
        items = queries.overdue(db, committee, filters.year, filters.today())
    return view("committee/overdue.html", filters, items=items)
