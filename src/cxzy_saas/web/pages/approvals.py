"""The committee's approvals queue: approve or return what branches submitted, with a reason;
acknowledge what they reported, one by one or several measures and reports at once. Each card
shows what is decided (the plan, measure, report or nominee, read from the branch's
application) and links to it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.committee import Acknowledge
from cxzy_saas.application.commands.evaluation import DecideNominee
from cxzy_saas.application.commands.plans import DecidePlan
from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.domain.errors import DomainError, InvalidInput, NotFound
from cxzy_saas.domain.plan import TEXT_FIELDS
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections import lists, queries
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n, nav_link, reads
from cxzy_saas.web.pages.access import committee_reader, committee_writer, opens, signed_in, user
from cxzy_saas.web.pages.filters import Filters, from_request
from cxzy_saas.web.pages.forms import Form, forms_of, typed
from cxzy_saas.web.pages.plan import TEXT_LABELS, WEIGHTS
from cxzy_saas.web.pages.reads import read_model

ACKNOWLEDGED = ("measure", "midyear-report", "annual-summary")


def waiting(filters: Filters) -> list[dict[str, Any]]:
    """The queue: the chosen year's (``?campaign=``), or, when none is chosen, every open
    year's (a next year's plans arrive while this year's work is still decided); from the read
    model, as of a day; for today, without what the committee's own log shows decided already
    (the projector may be a moment behind a decision just made). A closed year's undecided
    items are left out, as from the to-do count: the year is final (decision 0011), so nothing
    of it can be decided any more."""
    committee = user().committee
    chosen = "campaign" in request.args
    with read_model(committee, filters.as_of) as db:
        rows = [
            r
            for r in queries.approvals(db, committee, open_years=True)
            if not chosen or r["year"] == filters.year
        ]
        rows = lists.with_measure_titles(db, rows)
    rows = reads.titled(rows)
    if filters.as_of is not None:
        return rows
    app = tenancy_of(current_app).committee(committee)
    return [
        r
        for r in rows
        if app.decision(r["branch"], r["kind"], r["subject"], r["submission"]) is None
    ]


def row_key(row: dict[str, Any]) -> str:
    return f"{row['branch']}|{row['kind']}|{row['subject']}|{row['submission']}"


EXCERPT = 160
SUMMARY_LABELS = {
    "basic_facts": ("基本情况", "Basic facts"),
    "experience": ("经验做法", "Experience"),
    "problems": ("存在问题", "Problems"),
    "plans": ("今后打算", "Plans"),
}


def excerpt(text: object) -> str:
    shown = " ".join(str(text or "").split())
    return shown if len(shown) <= EXCERPT else shown[:EXCERPT] + "……"


def item_of(row: dict[str, Any], as_of: date | None = None) -> dict[str, Any] | None:
    """What the card decides: its lines (label, text) and the page that shows it whole; None
    when the branch's application no longer has it (the card still shows its title). As of
    a past day, what was done after it is left out."""
    app = tenancy_of(current_app).branch(row["branch"])
    try:
        return ITEMS[row["kind"]](app, row, as_of)
    except (KeyError, NotFound, ValueError):
        return None


def plan_item(
    app: BranchApplication, row: dict[str, Any], as_of: date | None = None
) -> dict[str, Any]:
    year = int(row["subject"])
    plan = app.plan(year)
    # the version sent in the card's submission: a revision made since is not what it asks
    number = plan.submitted_versions.get(row.get("submission") or 0, plan.version_no)
    content = plan.versions[number - 1]
    weights = content.get("composite_weights", {})
    lines = [
        (i18n.tr("版本", "Version"), i18n.tr(f"第 {number} 版", str(number))),
        (i18n.tr("起草人", "Drafted by"), plan.drafter),
    ]
    lines += [(i18n.tr(*TEXT_LABELS[f]), excerpt(content.get(f))) for f in TEXT_FIELDS[:2]]
    lines.append(
        (
            i18n.tr("综合评分权重", "Composite weights"),
            " · ".join(f"{i18n.tr(zh, en)} {weights.get(k, 0):g}" for k, zh, en in WEIGHTS),
        )
    )
    link = url_for("pages.branch_plan", code=app.tenant, campaign=year)
    return {"lines": lines, "link": link, "link_text": i18n.tr("查看方案全文", "Read the plan")}


def measure_item(
    app: BranchApplication, row: dict[str, Any], as_of: date | None = None
) -> dict[str, Any]:
    measure = app.measure(UUID(row["subject"]))
    if row["title"] == i18n.KINDS["measure"][0]:  # the stored title: as of a day, no lists
        row["title"] = lists.cut(" ".join(measure.text.split()))
    try:
        criteria = app.plan_content(measure.year)[0].criteria[measure.level]
    except NotFound:
        criteria = {}
    wanted = "；".join(
        f"{i18n.tr(f'第{n}条', f'#{n}')} {excerpt(criteria.get(n, ''))}".strip()
        for n in measure.criteria
    )
    lines = [
        (i18n.tr("措施", "Measure"), measure.text),
        (i18n.tr("对应评选条件", "Criteria"), wanted),
        (i18n.tr("完成期限", "Due"), measure.due.isoformat()),
    ]
    if measure.done_on and (as_of is None or measure.done_on <= as_of):
        lines.append((i18n.tr("已完成", "Done"), measure.done_on.isoformat()))
    link = url_for("pages.work_measures", code=app.tenant, campaign=measure.year)
    return {
        "lines": lines,
        "link": f"{link}#m-{measure.id}",
        "link_text": i18n.tr("查看措施", "Open the measure"),
    }


def midyear_item(
    app: BranchApplication, row: dict[str, Any], as_of: date | None = None
) -> dict[str, Any]:
    year = int(row["subject"])
    review = app.review(year, "midyear")
    names = {("group", g.code): g.name for g in app.groups(include_dissolved=True)}
    names |= {("member", m.member_no): m.name for m in app.members(include_left=True)}
    recommended = getattr(review, "recommended", {}) or {}
    picked = "、".join(
        names.get((level, s), s)
        for level in ("group", "member")
        for s in recommended.get(level, [])
    )
    lines = [(i18n.tr("支部初评总结", "Branch summary"), excerpt(review.branch_summary))]
    if picked:
        lines.append((i18n.tr("推选表扬", "Recommended"), picked))
    link = url_for("pages.branch_review", code=app.tenant, stage="midyear", campaign=year)
    return {"lines": lines, "link": link, "link_text": i18n.tr("查看半年初评", "Open the review")}


def summary_item(
    app: BranchApplication, row: dict[str, Any], as_of: date | None = None
) -> dict[str, Any]:
    year = int(row["subject"])
    summary = app.annual_summary(year)
    lines = [
        (i18n.tr(*pair), excerpt(getattr(summary, field))) for field, pair in SUMMARY_LABELS.items()
    ]
    link = url_for("pages.branch_review", code=app.tenant, stage="year-end", campaign=year)
    return {"lines": lines, "link": link, "link_text": i18n.tr("查看年度总结", "Open the summary")}


def nominee_item(
    app: BranchApplication, row: dict[str, Any], as_of: date | None = None
) -> dict[str, Any]:
    year, level, subject = row["subject"].split(":", 2)
    nomination = app.nomination(int(year))
    entry = nomination.entry(level, subject) or {}
    rank = entry.get("rank")
    composite = entry.get("composite")
    lines = [
        (i18n.label(i18n.LEVELS, level), app.subject_name(level, subject)),
        (
            i18n.tr("综合得分与排名", "Composite and rank"),
            (
                f"{composite:.2f}"
                if isinstance(composite, int | float)
                else i18n.tr("未参评", "unrated")
            )
            + (i18n.tr(f" · 第 {rank} 名", f" · rank {rank}") if rank else ""),
        ),
    ]
    if entry.get("departs"):
        lines.append(
            (i18n.tr("偏离排名的理由", "Why it departs from the ranking"), entry.get("reason", ""))
        )
    elif entry.get("reason"):
        lines.append((i18n.tr("推荐理由", "Reason"), entry["reason"]))
    link = url_for("pages.branch_nomination", code=app.tenant, campaign=int(year))
    return {
        "lines": lines,
        "link": link,
        "link_text": i18n.tr("查看推荐名单", "Open the nomination"),
    }


ITEMS = {
    "plan": plan_item,
    "measure": measure_item,
    "midyear-report": midyear_item,
    "annual-summary": summary_item,
    "nominee": nominee_item,
}


def queue_page(
    filters: Filters, forms: dict[str, Form] | None = None, can_decide: bool = True
) -> str:
    rows = waiting(filters)
    return render_template(
        "committee/approvals.html",
        filters=filters,
        rows=rows,
        items={row_key(r): item_of(r, filters.as_of) for r in rows},
        can_decide=can_decide and filters.as_of is None,
        row_key=row_key,
        forms=forms_of(forms),
        ACKNOWLEDGED=ACKNOWLEDGED,
    )


nav_link("committee", "pages.approvals", "审批", "Approvals")


@bp.get("/committee/approvals")
@signed_in
@opens(COMMITTEE_READERS)
def approvals() -> str:
    actor = committee_reader()
    filters = from_request(user().committee)
    return queue_page(filters, can_decide=actor.role == "committee-admin")


def decide(actor: Actor, form: Form) -> None:
    """One decision, by the committee's application (which validates it, as for the API).

    Raises:
        DomainError: the application's refusal.
        ValueError: a year that is not a number.
    """
    app = tenancy_of(current_app).committee(actor.tenant)
    branch, kind, subject = form.value("branch"), form.value("kind"), form.value("subject")
    outcome, reason = form.value("outcome"), form.value("reason")
    if kind == "plan":
        app.decide_plan(
            actor, DecidePlan(branch=branch, year=int(subject), outcome=outcome, reason=reason)
        )
    elif kind == "nominee":
        year, level, who = subject.split(":", 2)
        app.decide_nominee(
            actor,
            DecideNominee(
                branch=branch,
                year=int(year),
                level=level,
                subject=who,
                outcome=outcome,
                reason=reason,
            ),
        )
    elif kind in ACKNOWLEDGED:
        if outcome != "acknowledged":
            raise InvalidInput(
                "decision.acknowledge_only", field="outcome", kind=kind, outcome=outcome
            )
        year = form.value("year")
        app.acknowledge(
            actor,
            Acknowledge(branch=branch, year=int(year), kind=kind, subject=subject, note=reason),
        )
    else:
        raise InvalidInput("decision.unknown_approval", field="kind", kind=kind)


@bp.post("/committee/approvals")
@signed_in
def approvals_decide() -> str | Response | tuple[str, int]:
    actor = committee_writer()
    form = typed()
    subject, outcome = form.value("subject"), form.value("outcome")
    try:
        if not subject:
            raise InvalidInput("decision.nothing_to_decide", field="subject")
        decide(actor, form)
    except (DomainError, ValueError) as error:
        refusal = (
            error
            if isinstance(error, DomainError)
            else InvalidInput("decision.malformed_subject", field="subject")
        )
        form.error = i18n.message(refusal)
        key = "|".join(form.value(name) for name in ("branch", "kind", "subject", "submission"))
        return queue_page(from_request(user().committee), {key: form}), 422
    done = {"approved": "已批准", "returned": "已退回", "acknowledged": "已收悉"}
    flash(i18n.tr(done.get(outcome, "已完成"), f"Done: {outcome}"))
    return redirect(url_for("pages.approvals"))


@bp.post("/committee/approvals/acknowledgements")
@signed_in
def approvals_acknowledge_many() -> str | Response | tuple[str, int]:
    """Acknowledge every item ticked (measures, half-year reports, annual summaries), each by
    its own command; those refused stay in the queue with their refusal."""
    actor = committee_writer()
    filters = from_request(user().committee)
    picked = set(request.form.getlist("pick"))
    rows = [r for r in waiting(filters) if row_key(r) in picked and r["kind"] in ACKNOWLEDGED]
    bulk = Form(values={"note": request.form.get("note", "")})
    if not rows:
        bulk.error = i18n.tr("请先勾选要确认收悉的事项", "tick what to acknowledge first")
        return queue_page(filters, {"bulk": bulk}), 422
    done = 0
    refused: dict[str, Form] = {}
    for row in rows:
        form = Form(values={**row, "reason": bulk.value("note"), "outcome": "acknowledged"})
        try:
            decide(actor, form)
        except (DomainError, ValueError) as error:
            if not isinstance(error, DomainError):
                error = InvalidInput("decision.malformed_subject", field="subject")
            form.error = i18n.message(error)
            refused[row_key(row)] = form
        else:
            done += 1
    if done:
        flash(i18n.tr(f"已确认收悉 {done} 项", f"{done} acknowledged"))
    if refused:
        bulk.error = i18n.tr(
            f"有 {len(refused)} 项未能确认，原因见各项。", f"{len(refused)} refused: see each item."
        )
        return queue_page(from_request(user().committee), {"bulk": bulk, **refused}), 422
    return redirect(url_for("pages.approvals"))
