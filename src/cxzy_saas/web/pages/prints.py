"""Print views (A4, ``@media print``): the month's assessment grid, a ballot's paper form
(测评表), the nomination table, the plan and the annual summary of a branch-year.

Each is a page of its own, without the site's menus, laid out for an A4 sheet
(``static/print.css``); the browser prints it (or saves it as PDF). What a page shows is what
the user may read on the interactive page it comes from (the same access checks, the same
scoping of a group leader's or a member's grid)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import render_template

from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.evaluation import Nomination
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import signed_in, user
from cxzy_saas.web.pages.assessment import build_grids, month_args, scoped_grids
from cxzy_saas.web.pages.branch import branch_app, branch_reader, campaign_year
from cxzy_saas.web.pages.nomination import LEVELS as NOMINATION_LEVELS
from cxzy_saas.web.pages.nomination import for_reader, lines_of
from cxzy_saas.web.pages.plan import TEXT_LABELS, WEIGHTS

BALLOT_GRADES = ("excellent", "competent", "basic", "incompetent")
LEVEL_TITLES = {"branch": "党支部", "group": "党小组", "member": "党员"}


def printed(template: str, code: str, title: str, **context: Any) -> str:
    app = branch_app(code)
    return render_template(
        f"print/{template}.html", code=code, branch=app.branch().name, title=title, **context
    )


@bp.get("/branch/<code>/print/month")
@signed_in
def print_month(code: str) -> str:
    actor = branch_reader(code)
    year = campaign_year(user().committee)
    month = month_args(year)
    app = branch_app(code)
    content, _ = app.plan_content(year)
    grids = scoped_grids(actor, content, build_grids(app, content, year, month))
    # each month's score as every board has it: its items weighed under its own plan version
    versions, _ = app.plan_versions(year)
    scores = {
        (grid.level, r.subject): versions[r.version].month_score(grid.level, r.recorded)
        for grid in grids
        for r in grid.rows
        if r.recorded is not None and r.version in versions
    }
    return printed(
        "month",
        code,
        i18n.tr(f"{year}年{month}月集中考核评分表", f"Assessment of {year}-{month:02d}"),
        grids=grids,
        scores=scores,
        year=year,
        month=month,
    )


@bp.get("/branch/<code>/print/ballots/<uuid:ballot_id>")
@signed_in
def print_ballot_form(code: str, ballot_id: UUID) -> str:
    branch_reader(code)
    app = branch_app(code)
    ballot = app.ballot(ballot_id)
    rows = [
        {"level": s["level"], "name": app.subject_name(s["level"], s["subject"])}
        for s in ballot.subjects
    ]
    return printed(
        "ballot_form",
        code,
        i18n.tr(f"{ballot.title}（测评表）", f"{ballot.title}: ballot form"),
        ballot=ballot,
        rows=rows,
        grades=BALLOT_GRADES,
    )


@bp.get("/branch/<code>/print/nomination")
@signed_in
def print_nomination(code: str) -> str:
    reader = branch_reader(code)
    year = campaign_year(user().committee)
    app = branch_app(code)
    lines, quota = lines_of(app, year)
    lines = for_reader(reader, code, lines)
    nomination = app.nomination(year) if app.exists(Nomination.id_for(app.tenant, year)) else None
    chosen = (
        {(e["level"], e["subject"]): e.get("reason", "") for e in nomination.entries}
        if nomination
        else {}
    )
    outcomes: dict[tuple[str, str], str] = {}
    if nomination and nomination.submitted_on:
        # Every submission's decisions: a re-nomination leaves earlier approvals standing, with
        # the reasons they were nominated for.
        reasons = {
            (e["level"], e["subject"]): e.get("reason", "")
            for number in sorted(nomination.submitted)
            for e in nomination.submitted[number]
        }
        for key, decision in app.nominee_decisions(nomination).items():
            if decision is None:
                continue
            outcomes[key] = decision.outcome
            if decision.outcome == "approved":
                chosen.setdefault(key, reasons.get(key, ""))
    return printed(
        "nomination",
        code,
        i18n.tr(f"{year}年度先进党小组、优秀党员推荐表", f"Nominations of {year}"),
        levels=NOMINATION_LEVELS,
        lines=lines,
        quota=quota,
        chosen=chosen,
        outcomes=outcomes,
        nomination=nomination,
        level_titles=LEVEL_TITLES,
    )


@bp.get("/branch/<code>/print/plan")
@signed_in
def print_plan(code: str) -> str:
    branch_reader(code)
    year = campaign_year(user().committee)
    app = branch_app(code)
    plan = app.plan(year)
    content, version = app.plan_content(year)
    return printed(
        "plan",
        code,
        i18n.tr(f"{year}年度创先争优活动实施方案", f"Campaign plan of {year}"),
        content=content,
        version=version,
        texts=[(i18n.tr(*TEXT_LABELS[k]), content.data.get(k, "")) for k in TEXT_LABELS],
        WEIGHTS=WEIGHTS,
        items=sorted(content.items.values(), key=lambda i: (i.level, i.criterion, i.code)),
        levels=("branch", "group", "member"),
        level_titles=LEVEL_TITLES,
        plan=plan,
    )


@bp.get("/branch/<code>/print/annual-summary")
@signed_in
def print_annual_summary(code: str) -> str | tuple[str, int]:
    branch_reader(code)
    year = campaign_year(user().committee)
    app = branch_app(code)
    try:
        summary = app.annual_summary(year)
    except NotFound as error:
        return render_template("error.html", status=404, error=i18n.message(error)), 404
    sections = [
        ("一、基本情况", summary.basic_facts),
        ("二、主要经验", summary.experience),
        ("三、存在问题", summary.problems),
        ("四、今后打算", summary.plans),
    ]
    return printed(
        "summary",
        code,
        i18n.tr(f"{year}年度创先争优活动总结", f"Annual summary of {year}"),
        sections=sections,
    )
