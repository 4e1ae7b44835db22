"""The committee's quarterly assessment of its branches (党委每季度考核党支部) as one grid:
the branches × the branch-level items of the committee's plan, one quarter at a time.

Every cell is checked first (the domain's own check of one cell, as the branch's monthly grid
does); then each branch's row is the API's ``AssessBranch`` command, checked by the API's schema.
A row refused by the application is shown with its refusal; rows accepted are saved.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.committee import AssessBranch
from cxzy_saas.application.committee import CommitteeApplication
from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.branch_assessments import BranchAssessmentIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import committee_reader, committee_writer, opens, signed_in
from cxzy_saas.web.pages.archives import committee_app
from cxzy_saas.web.pages.archives import committee_campaigns as campaign_rows
from cxzy_saas.web.pages.assessment import Row, cell_error
from cxzy_saas.web.pages.branch import today
from cxzy_saas.web.pages.forms import Form, sent_before

nav_link("committee", "pages.committee_quarterly", "季度考核", "Quarterly assessment")


def current_quarter(year: int) -> int:
    now = tenancy_of(current_app).today()
    if year < now.year:
        return 4
    if year > now.year:
        return 1
    return (now.month - 1) // 3 + 1


def quarter_of(year: int) -> int:
    wanted = request.values.get("quarter", "")
    return int(wanted) if wanted in ("1", "2", "3", "4") else current_quarter(year)


def plan_of(app: CommitteeApplication, year: int) -> PlanContent | None:
    try:
        return app.plan_content(year)[0]
    except NotFound:
        return None


def rows_of(app: CommitteeApplication, year: int, quarter: int) -> list[Row]:
    period = f"{year}-Q{quarter}"
    rows = []
    for code, name in sorted(app.committee().branches.items()):
        found = {a.period: a for a in app.branch_assessments(code, year)}
        recorded = found.get(period)
        previous = found.get(f"{year}-Q{quarter - 1}")
        rows.append(
            Row(
                subject=code,
                name=name,
                recorded=dict(recorded.scores) if recorded else None,
                previous=dict(previous.scores) if previous else None,
            )
        )
    return rows


def grid_page(
    year: int, quarter: int, rows: list[Row] | None = None, form: Form | None = None
) -> str:
    actor = committee_reader()
    app = committee_app()
    campaign = app.campaign(year)
    content = plan_of(app, year)
    return render_template(
        "committee/quarterly.html",
        campaign=campaign,
        quarter=quarter,
        content=content,
        items=content.items_for("branch") if content else [],
        rows=rows if rows is not None else rows_of(app, year, quarter),
        can_write=actor.role == "committee-admin" and campaign.closed_on is None,
        form=form or Form(),
        today=today(),
    )


@bp.get("/committee/quarterly")
@signed_in
@opens(COMMITTEE_READERS, hidden=True)
def committee_quarterly() -> Response:
    """The menu's link: the grid of the latest campaign."""
    committee_reader()
    years = [c.year for c in campaign_rows(committee_app())]
    if not years:
        return redirect(url_for("pages.committee_campaigns"))
    return redirect(url_for("pages.committee_branch_assessment", year=years[0]))


@bp.get("/committee/campaigns/<int:year>/branch-assessment")
@signed_in
@opens(COMMITTEE_READERS, hidden=True)
def committee_branch_assessment(year: int) -> str:
    return grid_page(year, quarter_of(year))


@bp.post("/committee/campaigns/<int:year>/branch-assessment")
@signed_in
def committee_branch_assess(year: int) -> Response | tuple[str, int]:
    actor = committee_writer()
    app = committee_app()
    app.campaign(year)
    quarter = quarter_of(year)
    if sent_before():  # a double click: the rows it saved are read-only now, so say saved
        flash(i18n.tr(f"第{quarter}季度考核已保存", f"Quarter {quarter} saved"))
        return redirect(url_for("pages.committee_branch_assessment", year=year, quarter=quarter))
    form = Form(values={"on": request.form.get("on", ""), "quarter": str(quarter)})
    content = plan_of(app, year)
    rows = rows_of(app, year, quarter)
    if content is None:
        form.error = i18n.tr("请先起草党委方案", "draft the committee's plan first")
        return grid_page(year, quarter, rows, form), 422
    items = content.items_for("branch")
    wanted: list[tuple[Row, dict[str, Any]]] = []
    for row in rows:
        if row.recorded is not None:
            continue
        row.typed = {i.code: request.form.get(f"p.{row.subject}.{i.code}", "") for i in items}
        if not any(v.strip() for v in row.typed.values()):
            continue  # a branch left blank is assessed another time
        for item in items:
            error = cell_error(content, "branch", item, row.typed[item.code])
            if error:
                row.errors[item.code] = error
        scores = {code: value.strip() for code, value in row.typed.items()}
        wanted.append((row, scores))
    if not wanted:
        form.error = i18n.tr("请至少填写一个党支部的分数。", "fill in at least one branch")
    failed = form.failed or any(row.errors for row, _ in wanted)
    saved: list[Row] = []
    if not failed:
        for row, scores in wanted:
            one = Form(values={"on": form.value("on"), "scores": ""})
            if one.submit(
                BranchAssessmentIn,
                lambda b: app.assess_branch(actor, AssessBranch(year=year, **b)),
                near="scores",
                branch=row.subject,
                quarter=quarter,
                scores=scores,
            ):
                saved.append(row)
                continue
            failed = True
            if "on" in one.errors:
                form.errors["on"] = one.errors["on"]
            else:
                row.errors["_row"] = one.errors.get("scores") or one.error
    if saved:
        names = [row.name for row in saved]
        flash(
            i18n.tr(
                f"第{quarter}季度考核已保存：{'、'.join(names)}",
                f"Quarter {quarter} saved: {', '.join(names)}",
            )
        )
    if not failed:
        return redirect(url_for("pages.committee_branch_assessment", year=year, quarter=quarter))
    if saved:  # read again: the rows saved are read-only now, the refused keep what was typed
        refused = {row.subject: row for row, _ in wanted if row not in saved}
        rows = [refused.get(r.subject, r) for r in rows_of(app, year, quarter)]
    return grid_page(year, quarter, rows, form), 422
