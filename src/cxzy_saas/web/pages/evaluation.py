"""Half-year (半年初评) and year-end (年终总评) rounds of a branch: start the round, members'
self-summaries (a member files their own), critique remarks, group summaries (also by group
leaders), the branch's summary, recommendations (half-year), the report to the committee.

Each form is the API's schema and the application's command (``web/api/reviews.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.evaluation import (
    FileBranchSummary,
    FileGroupSummary,
    FileSummary,
    Recommend,
    RecordCritique,
    ReportReview,
    StartReview,
)
from cxzy_saas.application.permissions import BRANCH_PEOPLE, BRANCH_WRITERS
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.evaluation import Review
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.reviews import (
    CritiqueIn,
    GroupSummaryIn,
    RecommendIn,
    ReviewStartIn,
    SummaryIn,
    TextIn,
)
from cxzy_saas.web.api.schemas import OnIn
from cxzy_saas.web.pages import bp, i18n, nav_link, reads
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import (
    READERS,
    branch_app,
    branch_reader,
    campaign_year,
    committee_answer,
    own_member_only,
    today,
)
from cxzy_saas.web.pages.forms import Form, forms_of, typed

STAGES = {"midyear": ("半年初评", "Half-year evaluation"), "year-end": ("年终总评", "Year-end")}
GROUP_WRITERS = BRANCH_WRITERS | {"group-leader"}

Act = Callable[[BranchApplication, Any, int, str, dict[str, Any]], object]
# step: (who, schema, command, Chinese and English notice)
STEPS: dict[str, tuple[frozenset[str], type, Act, tuple[str, str]]] = {
    "summary": (
        BRANCH_PEOPLE,
        SummaryIn,
        lambda app, a, y, s, b: app.file_summary(a, FileSummary(year=y, stage=s, **b)),
        ("个人总结已保存", "Summary filed"),
    ),
    "group-summary": (
        GROUP_WRITERS,
        GroupSummaryIn,
        lambda app, a, y, s, b: app.file_group_summary(a, FileGroupSummary(year=y, stage=s, **b)),
        ("党小组总结已保存", "Group summary filed"),
    ),
    "branch-summary": (
        BRANCH_WRITERS,
        TextIn,
        lambda app, a, y, s, b: app.file_branch_summary(a, FileBranchSummary(year=y, stage=s, **b)),
        ("支部总结已保存", "Branch summary filed"),
    ),
    "report": (
        BRANCH_WRITERS,
        OnIn,
        lambda app, a, y, s, b: app.report_review(a, ReportReview(year=y, stage=s, **b)),
        ("已向党委汇报", "Reported to the committee"),
    ),
}


def check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise NotFound("review.stage_not_found", stage=stage)


def review_page(code: str, stage: str, failed: dict[str, Form] | None = None) -> str:
    actor = branch_reader(code)
    check_stage(stage)
    year = campaign_year(user().committee)
    app = branch_app(code)
    review_id = Review.id_for(code, year, stage)
    review = app.review(year, stage) if app.exists(review_id) else None
    writer = may(code, BRANCH_WRITERS)
    own = actor.member if actor.role == "member" and actor.tenant == code else None
    members = [m for m in app.members() if writer or own is None or m.member_no == own]
    closed_on = reads.closed_on(user().committee, year)
    recommended = review.recommended["member"] if review else []
    if own_member_only(actor, code) is not None:  # a member reads whether they are one
        recommended = [m for m in recommended if m == actor.member]
    return render_template(
        "evaluation/review.html",
        recommended_members=recommended,
        answer=committee_answer(app, "midyear-report", year) if stage == "midyear" else None,
        code=code,
        name=app.branch().name,
        year=year,
        stage=stage,
        stage_name=i18n.tr(*STAGES[stage]),
        review=review,
        open=review is not None and review.reported_on is None and not closed_on,
        closed_on=closed_on,
        members=members,
        groups=app.groups(),
        member_options=[(m.member_no, f"{m.name}（{m.member_no}）") for m in members],
        group_options=[(g.code, g.name) for g in app.groups()],
        names={m.member_no: m.name for m in app.members()} | {g.code: g.name for g in app.groups()},
        forms=forms_of(failed),
        writer=writer,
        group_writer=may(code, GROUP_WRITERS),
        member_writer=own is not None or writer,
        own=own,
        today=today(),
        STAGES=STAGES,
    )


@bp.get("/branch/<code>/evaluation/<stage>")
@signed_in
@opens(READERS)
def branch_review(code: str, stage: str) -> str:
    return review_page(code, stage)


@bp.get("/branch/<code>/evaluation")
@signed_in
@opens(READERS)
def branch_evaluation(code: str) -> Response:
    branch_reader(code)
    year = campaign_year(user().committee)
    late = tenancy_of(current_app).today() >= date(year, 11, 1)  # the year-end round's start
    stage = "year-end" if late else "midyear"
    return redirect(url_for("pages.branch_review", code=code, stage=stage, campaign=year))


def done(code: str, stage: str, year: int, notice: tuple[str, str]) -> Response:
    flash(i18n.tr(*notice))
    return redirect(url_for("pages.branch_review", code=code, stage=stage, campaign=year))


@bp.post("/branch/<code>/evaluation/<stage>/start")
@signed_in
def branch_review_start(code: str, stage: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    check_stage(stage)
    year = campaign_year(user().committee)
    form = typed()
    app = branch_app(code)
    if form.submit(
        ReviewStartIn,
        lambda b: app.start_review(actor, StartReview(**b)),
        year=year,
        stage=stage,
    ):
        return done(code, stage, year, ("已开始", "Started"))
    return review_page(code, stage, {"start": form}), 422


@bp.post("/branch/<code>/evaluation/<stage>/critique")
@signed_in
def branch_review_critique(code: str, stage: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    check_stage(stage)
    year = campaign_year(user().committee)
    form = typed()
    remarks = [r for r in str(form.value("remarks")).splitlines() if r.strip()]
    form.values["remarks"] = form.value("remarks") if remarks else ""
    body = form.check(CritiqueIn, remarks=remarks)
    if not remarks:
        form.errors["remarks"] = i18n.tr("此项不能为空", "required")
    app = branch_app(code)
    if form.run(lambda: app.record_critique(actor, RecordCritique(year=year, stage=stage, **body))):
        return done(code, stage, year, ("讲评意见已记录", "Remarks recorded"))
    return review_page(code, stage, {"critique": form}), 422


@bp.post("/branch/<code>/evaluation/<stage>/recommend")
@signed_in
def branch_review_recommend(code: str, stage: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    check_stage(stage)
    year = campaign_year(user().committee)
    form = typed()
    groups, members = request.form.getlist("groups"), request.form.getlist("members")
    form.values.update(groups=groups, members=members)
    app = branch_app(code)
    if form.submit(
        RecommendIn,
        lambda b: app.recommend(actor, Recommend(year=year, **b)),
        groups=groups,
        members=members,
    ):
        return done(code, stage, year, ("推荐表扬名单已保存", "Recommendations saved"))
    return review_page(code, stage, {"recommend": form}), 422


@bp.post("/branch/<code>/evaluation/<stage>/<step>")
@signed_in
def branch_review_step(code: str, stage: str, step: str) -> str | Response | tuple[str, int]:
    if step not in STEPS:
        raise NotFound("page.step_not_found", step=step)
    roles, schema, act, notice = STEPS[step]
    actor = acting_for(code, roles)
    check_stage(stage)
    year = campaign_year(user().committee)
    form = typed()
    if actor.role == "member":
        form.values["member"] = actor.member or ""  # a member files their own summary only
    app = branch_app(code)
    if form.submit(schema, lambda b: act(app, actor, year, stage, b)):
        return done(code, stage, year, notice)
    return review_page(code, stage, {step: form}), 422


nav_link("branch", "pages.branch_evaluation", "评议", "Evaluation")
