"""The committee's campaign in pages: open a year's campaign, write the committee's own plan,
open the boards to branches, name the commendation and close the year (saying first what a
close freezes, decision 0011).

Each form is checked by the API's own schema (``web/api/campaigns.py``, ``plans.py``,
``commendation.py``) and run as the same application command; a refusal is shown on the page
in the page's language with status 422, as every page form does.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.committee import (
    CloseCampaign,
    Commend,
    OpenCampaign,
    SetLeaderboardVisibility,
)
from cxzy_saas.application.commands.plans import DraftPlan
from cxzy_saas.application.committee import CommitteeApplication
from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.domain.errors import InvalidInput, NotFound
from cxzy_saas.web.api.campaigns import CampaignIn, VisibilityIn
from cxzy_saas.web.api.commendation import CommendIn, branch_ranks_of
from cxzy_saas.web.api.plans import CommitteeDraftIn
from cxzy_saas.web.api.schemas import OnIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import committee_reader, committee_writer, opens, signed_in
from cxzy_saas.web.pages.archives import committee_app
from cxzy_saas.web.pages.archives import committee_campaigns as campaign_rows
from cxzy_saas.web.pages.branch import today
from cxzy_saas.web.pages.forms import Form, forms_of, typed
from cxzy_saas.web.pages.plan import COMMITTEE_STATUSES, REVISED, STEPS, render_plan, revise

nav_link("committee", "pages.committee_campaigns", "活动管理", "Campaigns")


def may_write() -> bool:
    return committee_reader().role == "committee-admin"


# the list of campaigns, opening one, the boards' openness


def campaigns_page(failed: dict[str, Form] | None = None) -> str:
    committee_reader()
    app = committee_app()
    rows: list[dict[str, Any]] = []
    for row in campaign_rows(app):
        campaign = app.campaign(row.year)
        rows.append(
            {
                "campaign": campaign,
                "has_plan": app.has_plan(row.year),
                "plan_status": app.plan(row.year).status if app.has_plan(row.year) else None,
                "commended": len(named_of(app, row.year)),
            }
        )
    next_year = max([r["campaign"].year for r in rows], default=int(today()[:4]) - 1) + 1
    return render_template(
        "committee/campaigns.html",
        rows=rows,
        can_write=may_write(),
        forms=forms_of(failed),
        next_year=next_year,
        PLAN_STATUSES=COMMITTEE_STATUSES,
    )


@bp.get("/committee/campaigns")
@signed_in
@opens(COMMITTEE_READERS, hidden=True)
def committee_campaigns() -> str:
    return campaigns_page()


@bp.post("/committee/campaigns")
@signed_in
def committee_campaign_open() -> Response | tuple[str, int]:
    actor = committee_writer()
    form = typed()
    app = committee_app()
    if form.submit(CampaignIn, lambda b: app.open_campaign(actor, OpenCampaign(**b))):
        year = int(form.value("year"))
        flash(i18n.tr(f"已开展 {year} 年度活动", f"Campaign {year} opened"))
        return redirect(url_for("pages.committee_plan", year=year))
    return campaigns_page({"open": form}), 422


@bp.post("/committee/campaigns/<int:year>/openness")
@signed_in
def committee_openness(year: int) -> Response | tuple[str, int]:
    actor = committee_writer()
    form = typed()
    app = committee_app()
    if form.submit(
        VisibilityIn,
        lambda b: app.set_leaderboard_visibility(actor, SetLeaderboardVisibility(year=year, **b)),
    ):
        shown = form.value("open_to_branches") == "true"
        flash(
            i18n.tr(
                f"{year} 年度排行榜{'已向各党支部公开' if shown else '已不再向各党支部公开'}",
                f"Boards of {year} {'opened to' if shown else 'closed to'} branches",
            )
        )
        return redirect(url_for("pages.committee_campaigns"))
    return campaigns_page({f"openness-{year}": form}), 422


# the committee's own plan: the branch plan's page and steps, on the committee's application

MEETING = ("党委会讨论", "Committee discussion")
DRAFT_HINT = (
    "按默认评选条件（先进党支部5条、先进党小组7条、优秀党员6条）起草党委方案，之后可修改；"
    "各党支部的方案以党委方案为模板。",
    "Drafted from the default catalogue; revise it afterwards. Branches' plans start from it.",
)


def plan_page(year: int, failed: dict[str, Form] | None = None) -> str:
    committee_reader()
    app = committee_app()
    app.campaign(year)

    def action(step: str) -> str | None:
        if step == "submit":
            return None  # the committee's plan is in force once finalised: nobody approves it
        if step in ("draft", "revise"):
            return url_for(f"pages.committee_plan_{step}", year=year)
        return url_for("pages.committee_plan_step", year=year, step=step)

    return render_plan(
        app,
        app.committee().name,
        year,
        can_write=may_write(),
        action=action,
        meeting=MEETING,
        draft_hint=DRAFT_HINT,
        failed=failed,
    )


def plan_done(year: int, notice: tuple[str, str]) -> Response:
    flash(i18n.tr(*notice))
    return redirect(url_for("pages.committee_plan", year=year))


@bp.get("/committee/campaigns/<int:year>/plan")
@signed_in
@opens(COMMITTEE_READERS, hidden=True)
def committee_plan(year: int) -> str:
    return plan_page(year)


@bp.post("/committee/campaigns/<int:year>/plan/draft")
@signed_in
def committee_plan_draft(year: int) -> Response | tuple[str, int]:
    actor = committee_writer()
    app = committee_app()
    form = typed()
    if form.submit(CommitteeDraftIn, lambda b: app.draft_plan(actor, DraftPlan(year=year, **b))):
        return plan_done(year, ("已按默认评选条件起草党委方案", "Plan drafted from the catalogue"))
    return plan_page(year, {"draft": form}), 422


@bp.post("/committee/campaigns/<int:year>/plan/revise")
@signed_in
def committee_plan_revise(year: int) -> Response | tuple[str, int]:
    actor = committee_writer()
    form = typed()
    if revise(committee_app(), actor, year, form):
        return plan_done(year, REVISED)
    return plan_page(year, {"revise": form}), 422


@bp.post("/committee/campaigns/<int:year>/plan/<step>")
@signed_in
def committee_plan_step(year: int, step: str) -> Response | tuple[str, int]:
    actor = committee_writer()
    if step not in STEPS or step == "submit":
        raise NotFound("page.step_not_found", step=step)
    schema, act, notice = STEPS[step]
    app = committee_app()
    form = typed()
    if form.submit(schema, lambda b: act(app, actor, year, b)):
        return plan_done(year, ("已记录党委会讨论", notice[1]) if step == "discuss" else notice)
    return plan_page(year, {step: form}), 422


# closing the campaign

FROZEN = (
    ("各党支部的活动方案及党委的审批；党委方案", "plans and their approval"),
    ("每月集中考核及分数更正；党委对支部的季度考核", "monthly and quarterly assessments"),
    ("日常记载、季度检查、支委会会议", "daily records, inspections, meetings"),
    ("党支部措施的报送、确认与完成", "measures: filing, reporting, acknowledging, completing"),
    ("民主评议、民主测评（含投票）", "reviews and ballots (casting included)"),
    ("推荐评选对象及党委的审批", "nominations and the committee's decisions on them"),
    ("事迹材料、年度总结及党委确认", "deed materials, annual summaries and acknowledgements"),
    ("命名表彰（须在结束前完成）", "the commendation (name before closing)"),
)


def close_page(year: int, form: Form | None = None) -> str:
    committee_writer()
    app = committee_app()
    campaign = app.campaign(year)
    return render_template(
        "committee/close.html",
        campaign=campaign,
        commendation=app.commendation(year),
        frozen=FROZEN,
        form=form or Form(),
        # a campaign closes no earlier than its year begins: offer that day before it does
        today=max(today(), f"{year}-01-01"),
    )


@bp.get("/committee/campaigns/<int:year>/close")
@signed_in
@opens(COMMITTEE_READERS, hidden=True)
def committee_close_form(year: int) -> str:
    return close_page(year)


@bp.post("/committee/campaigns/<int:year>/close")
@signed_in
def committee_close(year: int) -> Response | tuple[str, int]:
    actor = committee_writer()
    app = committee_app()
    app.campaign(year)
    form = typed()
    form.values.setdefault("confirm", "")
    if form.value("confirm") != "yes":
        form.errors["confirm"] = i18n.tr(
            "请勾选确认：结束后本年度的内容不能再修改。", "confirm that the year becomes final"
        )
    if form.submit(OnIn, lambda b: app.close_campaign(actor, CloseCampaign(year=year, **b))):
        flash(i18n.tr(f"{year} 年度活动已结束", f"Campaign {year} closed"))
        return redirect(url_for("pages.archives"))
    return close_page(year, form), 422


# the commendation


def candidates(app: CommitteeApplication, year: int) -> list[dict[str, Any]]:
    """Who may be named, by branch: the branch itself, the groups and members the committee
    approved as its nominees, and those the branch recommended upward, with its reason (the
    application refuses anyone else)."""
    named = {(e["branch"], e["level"], e["subject"]) for e in named_of(app, year)}
    ranks = branch_ranks_of(app.tenant, year)
    found = []
    for code, name in sorted(app.committee().branches.items()):
        branch = app.branch_app(code)
        options: list[dict[str, Any]] = [
            {"level": "branch", "subject": code, "name": name, "rank": ranks.get(code)}
        ]
        for (level, subject), upward in sorted(branch.commendable(year).items()):
            shown = branch.subject_name(level, subject)
            options.append({"level": level, "subject": subject, "name": shown, "upward": upward})
        for option in options:
            option["value"] = f"{code}|{option['level']}|{option['subject']}"
            option["named"] = (code, option["level"], option["subject"]) in named
        found.append({"code": code, "name": name, "options": options})
    return found


def named_of(app: CommitteeApplication, year: int) -> list[dict[str, Any]]:
    """Who the year's commendation named so far (none before it is made)."""
    commendation = app.commendation(year)
    return commendation.named if commendation else []


def commendation_page(year: int, form: Form | None = None) -> str:
    committee_reader()
    app = committee_app()
    campaign = app.campaign(year)
    branches = app.committee().branches
    commendation = app.commendation(year)
    return render_template(
        "committee/commendation.html",
        campaign=campaign,
        named=[
            {**e, "branch_name": branches.get(e["branch"], "")}
            for e in (commendation.named if commendation else [])
        ],
        decisions=commendation.decisions if commendation else [],
        candidates=candidates(app, year),
        can_write=may_write() and campaign.closed_on is None,
        form=form or Form(),
        today=today(),
    )


@bp.get("/committee/campaigns/<int:year>/commendation")
@signed_in
@opens(COMMITTEE_READERS, hidden=True)
def committee_commendation(year: int) -> str:
    return commendation_page(year)


def entries_of(form: Form) -> list[dict[str, str]]:
    entries = []
    for value in form.value("entries", []):
        parts = str(value).split("|", 2)
        if len(parts) != 3:
            form.refuse(InvalidInput("commendation.no_entries", field="entries"))
            return []
        branch, level, subject = parts
        # a 先进党支部's reason, needed when a branch ranked above it is not named
        reason = str(form.value(f"reason.{branch}", "")) if level == "branch" else ""
        entries.append({"branch": branch, "level": level, "subject": subject, "reason": reason})
    return entries


@bp.post("/committee/campaigns/<int:year>/commendation")
@signed_in
def committee_commend(year: int) -> Response | tuple[str, int]:
    actor = committee_writer()
    app = committee_app()
    app.campaign(year)
    form = typed(lists=["entries"])
    entries = entries_of(form)
    if form.submit(
        CommendIn,
        lambda b: app.commend(
            actor, Commend(year=year, **b, branch_ranks=branch_ranks_of(app.tenant, year))
        ),
        near="entries",
        entries=entries,
    ):
        flash(i18n.tr(f"已命名表彰 {len(entries)} 个", f"{len(entries)} named"))
        return redirect(url_for("pages.committee_commendation", year=year))
    return commendation_page(year, form), 422
