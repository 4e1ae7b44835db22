"""The branch's plan (活动方案) and its workflow: draft from the default catalogue, the 支委会
discussion, revisions, circulation for comments, comments, finalisation, submission; with the
plan's history and the committee's decision on each submission (and a return's reason).

Each step is the application's command behind the API's schema, as ``web/api/plans.py``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.plans import (
    CirculatePlan,
    CommentOnPlan,
    DiscussPlan,
    DraftPlan,
    FinalisePlan,
    RevisePlan,
    SubmitPlan,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.application.plans import PlanCommands
from cxzy_saas.domain.errors import InvalidInput, NotFound
from cxzy_saas.domain.plan import SUBMITTED, TEXT_FIELDS, Plan
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web.api.plans import CirculationIn, CommentIn, DraftIn, MinutesIn, RevisionIn
from cxzy_saas.web.api.schemas import OnIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import READERS, branch_app, branch_reader, campaign_year, today
from cxzy_saas.web.pages.forms import Form, forms_of, typed

TEXT_LABELS = {
    "guiding_ideology": ("指导思想", "Guiding ideology"),
    "assessment_method": ("考核办法", "Assessment method"),
    "selection_method": ("评选办法", "Selection method"),
    "commendation_method": ("表彰办法", "Commendation method"),
    "organisation": ("组织领导", "Organisation"),
}
STATUSES = {
    "draft": ("草稿", "draft"),
    "discussed": ("支委会已讨论", "discussed"),
    "circulated": ("征求意见中", "circulated for comments"),
    "final": ("已定稿", "final"),
    "submitted": ("已报党委", "submitted"),
    "revised": ("已修改", "revised"),
}
EVENTS = {
    "PlanDrafted": ("起草", "drafted"),
    "PlanDiscussed": ("支委会讨论", "discussed by the branch committee"),
    "PlanRevised": ("修改", "revised"),
    "PlanCirculated": ("征求意见", "circulated"),
    "PlanCommentRecorded": ("收到意见", "comment"),
    "PlanFinalised": ("定稿", "finalised"),
    "PlanSubmitted": ("报党委审批", "submitted"),
}
# The committee's own plan is discussed by the 党委会, not a branch's 支委会.
COMMITTEE_STATUSES = {**STATUSES, "discussed": ("党委会已讨论", "discussed")}
COMMITTEE_EVENTS = {**EVENTS, "PlanDiscussed": ("党委会讨论", "discussed by the committee")}


def statuses_of(app: object) -> dict[str, tuple[str, str]]:
    """A plan's statuses in the words of whose plan it is (a branch's or the committee's)."""
    return STATUSES if isinstance(app, BranchApplication) else COMMITTEE_STATUSES


WEIGHTS = (
    ("work", "日常考核", "work"),
    ("rating", "民主测评", "rating"),
    ("target", "目标完成", "target"),
)

Act = Callable[[Any, Any, int, dict[str, Any]], object]
# step: (schema, command, Chinese and English notice)
STEPS: dict[str, tuple[type, Act, tuple[str, str]]] = {
    "discuss": (
        MinutesIn,
        lambda app, a, y, b: app.discuss_plan(a, DiscussPlan(year=y, **b)),
        ("已记录支委会讨论", "Discussion recorded"),
    ),
    "circulate": (
        CirculationIn,
        lambda app, a, y, b: app.circulate_plan(a, CirculatePlan(year=y, **b)),
        ("方案已印发征求意见", "Circulated for comments"),
    ),
    "comment": (
        CommentIn,
        lambda app, a, y, b: app.comment_on_plan(a, CommentOnPlan(year=y, **b)),
        ("意见已记录", "Comment recorded"),
    ),
    "finalise": (
        OnIn,
        lambda app, a, y, b: app.finalise_plan(a, FinalisePlan(year=y, **b)),
        ("方案已定稿", "Plan finalised"),
    ),
    "submit": (
        OnIn,
        lambda app, a, y, b: app.submit_plan(a, SubmitPlan(year=y, **b)),
        ("方案已报党委审批", "Plan submitted to the committee"),
    ),
}


def decisions(app: BranchApplication, plan: Plan) -> dict[int, Any]:
    """The committee's decision on each submission of the plan (None while it waits)."""
    committee = app.parent()
    return {
        n: committee.decision(app.tenant, "plan", str(plan.year), n)
        for n in range(1, plan.submissions + 1)
    }


def history(app: PlanCommands, plan: Plan, decided: dict[int, Any]) -> list[dict[str, Any]]:
    """The plan's events, oldest first, each submission followed by the committee's decision."""
    rows: list[dict[str, Any]] = []
    events = EVENTS if isinstance(app, BranchApplication) else COMMITTEE_EVENTS
    for event in app.history(plan.id):
        name, fields = event["event"], event["fields"]
        rows.append(
            {
                "what": i18n.tr(*events.get(name, (name, name))),
                "event": name,
                "at": event["recorded_at"],
                "actor": event["actor"],
                "fields": fields,
            }
        )
        decision = decided.get(fields.get("submission", 0)) if name == "PlanSubmitted" else None
        if decision is not None:
            rows.append(
                {
                    "what": i18n.label(i18n.OUTCOMES, decision.outcome),
                    "event": "Decision",
                    "at": decision.created_on,
                    "actor": {},
                    "fields": {"outcome": decision.outcome, "reason": decision.reason},
                }
            )
    return rows


def render_plan(
    app: PlanCommands,
    name: str,
    year: int,
    *,
    can_write: bool,
    action: Callable[[str], str | None],
    meeting: tuple[str, str],
    draft_hint: tuple[str, str],
    failed: dict[str, Form] | None = None,
    print_url: str | None = None,
) -> str:
    """The plan page of a branch or of the committee: ``action(step)`` is the URL a step's form
    posts to (None: no such step here, as the committee's plan is not submitted to anyone);
    ``print_url``: its A4 print view, where it has one (a branch's, ``pages/prints.py``)."""
    plan = app.plan(year) if app.has_plan(year) else None
    decided = decisions(app, plan) if plan and isinstance(app, BranchApplication) else {}
    latest = decided.get(plan.submissions) if plan else None
    answering = latest if plan and plan.status == SUBMITTED and latest else None
    return render_template(
        "plan/plan.html",
        name=name,
        year=year,
        plan=plan,
        content=plan.content if plan else None,
        decision=latest,
        answering=answering if answering and answering.outcome == "returned" else None,
        history=history(app, plan, decided) if plan else [],
        forms=forms_of(failed),
        can_write=can_write,
        action=action,
        meeting=i18n.tr(*meeting),
        draft_hint=i18n.tr(*draft_hint),
        today=today(),
        TEXT_LABELS=TEXT_LABELS,
        STATUSES=statuses_of(app),
        WEIGHTS=WEIGHTS,
        print_url=print_url if plan else None,  # nothing to print before a draft
    )


def plan_page(code: str, failed: dict[str, Form] | None = None) -> str:
    branch_reader(code)
    app = branch_app(code)

    def action(step: str) -> str:
        if step in ("draft", "revise"):
            return url_for(f"pages.branch_plan_{step}", code=code)
        return url_for("pages.branch_plan_step", code=code, step=step)

    year = campaign_year(user().committee)
    return render_plan(
        app,
        app.branch().name,
        year,
        can_write=may(code, BRANCH_WRITERS),
        action=action,
        meeting=("支委会讨论", "Branch committee discussion"),
        draft_hint=(
            "按党委默认评选条件（先进党支部5条、先进党小组7条、优秀党员6条）起草，之后可修改。",
            "Drafted from the committee's default catalogue; revise it afterwards.",
        ),
        failed=failed,
        print_url=url_for("pages.print_plan", code=code, campaign=year),
    )


@bp.get("/branch/<code>/plan")
@signed_in
@opens(READERS)
def branch_plan(code: str) -> str:
    return plan_page(code)


def done(code: str, year: int, notice: tuple[str, str]) -> Response:
    flash(i18n.tr(*notice))
    return redirect(url_for("pages.branch_plan", code=code, campaign=year))


@bp.post("/branch/<code>/plan/draft")
@signed_in
def branch_plan_draft(code: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed()
    app = branch_app(code)
    if form.submit(DraftIn, lambda b: app.draft_plan(actor, DraftPlan(**b)), year=year):
        return done(code, year, ("已按默认评选条件起草方案", "Plan drafted from the catalogue"))
    return plan_page(code, {"draft": form}), 422


@bp.post("/branch/<code>/plan/<step>")
@signed_in
def branch_plan_step(code: str, step: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    if step not in STEPS:
        raise NotFound("page.step_not_found", step=step)
    schema, act, notice = STEPS[step]
    year = campaign_year(user().committee)
    form = typed()
    app = branch_app(code)
    if form.submit(schema, lambda b: act(app, actor, year, b)):
        return done(code, year, notice)
    return plan_page(code, {step: form}), 422


def weights_of(form: Form) -> dict[str, float]:
    """The composite weights typed, each a number not below 0 (refused next to the field)."""
    weights = {}
    for key, _, _ in WEIGHTS:
        text = str(form.value(f"w_{key}")).strip()
        try:
            weights[key] = float(text)
            if weights[key] < 0:
                raise ValueError(text)
        except ValueError:
            form.errors[f"w_{key}"] = i18n.tr("请输入不小于 0 的数字", "a number, 0 or more")
    return weights


def revise(app: PlanCommands, actor: Actor, year: int, form: Form) -> bool:
    """Revise the plan with the texts and weights typed (a new version); False when refused."""
    form.values["composite_weights"] = ""  # a place for the domain's refusal of the weights
    content = copy.deepcopy(app.plan(year).versions[-1])
    content.update({name: form.value(name) for name in TEXT_FIELDS})
    content["composite_weights"] = weights_of(form)
    for name in TEXT_FIELDS:
        if not str(form.value(name)).strip():
            form.refuse(InvalidInput("text.empty", field=name))
    return form.submit(
        RevisionIn,
        lambda b: app.revise_plan(actor, RevisePlan(year=year, **b)),
        content=content,
    )


REVISED = ("方案已修改，形成新版本", "Plan revised: a new version")


@bp.post("/branch/<code>/plan/revise")
@signed_in
def branch_plan_revise(code: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed()
    if revise(branch_app(code), actor, year, form):
        return done(code, year, REVISED)
    return plan_page(code, {"revise": form}), 422


nav_link("branch", "pages.branch_plan", "活动方案", "Plan")


@bp.app_template_global("plan_rules")
def plan_rules(content: Any) -> list[str]:
    """The plan's rules as sentences a member reads (not ``bands:True`` or a dict)."""
    return [i18n.tr(zh, en) for zh, en in content.rule_texts()]
