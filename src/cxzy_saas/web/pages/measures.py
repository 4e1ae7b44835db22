"""Measures (措施) of a branch, its groups and members for the campaign: filed against the
criteria of the plan in force, reported up, acknowledged by the branch, marked done. The list
(from the read models, decision 0019) is narrowed by member, group, criterion, status and text;
overdue ones are marked."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.work import (
    AcknowledgeMeasure,
    CompleteMeasure,
    FileMeasure,
    ReportMeasure,
)
from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_PEOPLE
from cxzy_saas.domain.errors import DomainError, NotFound
from cxzy_saas.domain.work import REPORT_TO
from cxzy_saas.projections import lists
from cxzy_saas.web.api.measures import AcknowledgeIn, CompleteIn, MeasureIn, ReportIn
from cxzy_saas.web.listing import fresh_model
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import (
    READERS,
    branch_app,
    branch_reader,
    campaign_year,
    may_act_on,
    page_number,
    plan_in_force,
    today,
)
from cxzy_saas.web.pages.forms import Form, forms_of, typed
from cxzy_saas.web.pages.records import acting_as, chosen_filters, list_filters, subject_views

TARGETS = {
    "group": ("党小组", "group"),
    "branch": ("党支部", "branch"),
    "committee": ("党委", "committee"),
}

STATUSES = {
    "open": ("未完成", "open"),
    "overdue": ("已逾期", "overdue"),
    "done": ("已完成", "done"),
    "reported": ("已报告", "reported"),
    "acknowledged": ("已确认", "acknowledged"),
}
FILTERS = ("member", "group", "criterion", "month", "status", "q")
PER_PAGE = 30

nav_link("branch", "pages.work_measures", "措施", "Measures")


def measures_page(code: str, failed: dict[str, Form] | None = None) -> str:
    app = branch_app(code)
    year = campaign_year(user().committee)
    plan = plan_in_force(app, year)
    chosen = chosen_filters(FILTERS)
    wanted, ignored = list_filters(chosen, lists.MEASURE_STATUSES)
    db = fresh_model(code)
    clock = app.clock().date()
    # Open ones first, the nearest due date first; done ones after them.
    asked = page_number(10**9, PER_PAGE)
    found = lists.measures(db, code, year, wanted, lists.Paging(asked, PER_PAGE, "open"), clock)
    number = page_number(found.total, PER_PAGE)
    if number != asked:
        paging = lists.Paging(number, PER_PAGE, "open")
        found = lists.measures(db, code, year, wanted, paging, clock)
    measures = [SimpleNamespace(**m) for m in found.items]
    shown = {m.id for m in measures}
    for key in failed or {}:  # a refused action's measure is shown, whatever page it is on
        _, _, measure_id = key.partition("-")
        if measure_id and measure_id not in shown and key != "file":
            one = app.measure(UUID(measure_id))
            overdue = one.done_on is None and one.due < clock
            fields = ("year", "level", "subject", "criteria", "text", "due", "reported_to")
            row = {f: getattr(one, f) for f in fields}
            row |= {"acknowledged": one.acknowledged, "done_on": one.done_on, "overdue": overdue}
            measures.insert(0, SimpleNamespace(id=measure_id, **row))
            shown.add(measure_id)
    member = acting_as(code, "member")  # files their own measures only
    own = (member.member or "") if member else None
    groups, names, choices = subject_views(db, code, app.branch().name, own=own)
    day = today()
    defaults = {"file": Form({"level": "member", "due": f"{year}-12-31"})}
    for m in measures:
        defaults[f"report-{m.id}"] = Form({"to": REPORT_TO[m.level][0], "on": day})
        defaults[f"ack-{m.id}"] = Form({"on": day})
        defaults[f"done-{m.id}"] = Form({"on": day})
    return render_template(
        "work/measures.html",
        code=code,
        name=app.branch().name,
        year=year,
        plan=plan,
        measures=measures,
        page=number,
        pages=max(1, -(-found.total // PER_PAGE)),
        total=found.total,
        chosen=chosen,
        ignored=ignored,
        groups=groups,
        STATUSES=STATUSES,
        names=names,
        choices=choices,
        forms=forms_of(defaults | (failed or {})),
        REPORT_TO=REPORT_TO,
        TARGETS=TARGETS,
        can_file=may(code, BRANCH_PEOPLE),
        can_acknowledge=may(code, BRANCH_ASSESSORS),
        # Per measure, the checks its commands make: a member acts on their own only, a group
        # leader acknowledges their own group's members' only.
        own={m.id for m in measures if own_measure(app, code, m)},
        led={m.id for m in measures if may_act_on(app, code, BRANCH_ASSESSORS, m.level, m.subject)},
    )


def own_measure(app: Any, code: str, measure: Any) -> bool:
    """Whether the signed-in user may report or complete ``measure`` (a member their own)."""
    try:
        app.check_own(acting_for(code, BRANCH_PEOPLE), measure.level, measure.subject)
    except DomainError:
        return False
    return True


@bp.get("/branch/<code>/measures")
@signed_in
@opens(READERS)
def work_measures(code: str) -> str:
    branch_reader(code)
    return measures_page(code)


@bp.post("/branch/<code>/measures")
@signed_in
def work_measure_file(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_PEOPLE)
    app = branch_app(code)
    year = campaign_year(user().committee)
    form = typed(lists=["criteria"])
    # A criterion's box is "level:number": only those of the level chosen count.
    level = str(form.values.get("level", ""))
    picked = [c.split(":", 1)[1] for c in form.values["criteria"] if c.startswith(f"{level}:")]
    if form.values["criteria"] and not picked:  # ticked, but of another level only
        form.require(False, "measure.criteria_other_level", field="criteria")
        return measures_page(code, {"file": form}), 422
    if not form.submit(
        MeasureIn,
        lambda b: app.file_measure(actor, FileMeasure(**b)),
        near="subject",
        year=year,
        criteria=picked,
    ):
        return measures_page(code, {"file": form}), 422
    flash(i18n.tr("措施已制定", "The measure was filed"))
    return redirect(url_for("pages.work_measures", code=code))


# (form prefix, schema, who may, command, message when done)
ACTIONS: dict[str, tuple[str, Any, frozenset[str], Any, tuple[str, str]]] = {
    "report": (
        "report",
        ReportIn,
        BRANCH_PEOPLE,
        lambda app, a, mid, b: app.report_measure(a, ReportMeasure(measure_id=mid, **b)),
        ("措施已报告", "Reported"),
    ),
    "acknowledgement": (
        "ack",
        AcknowledgeIn,
        BRANCH_ASSESSORS,
        lambda app, a, mid, b: app.acknowledge_measure(a, AcknowledgeMeasure(measure_id=mid, **b)),
        ("措施已确认", "Acknowledged"),
    ),
    "completion": (
        "done",
        CompleteIn,
        BRANCH_PEOPLE,
        lambda app, a, mid, b: app.complete_measure(a, CompleteMeasure(measure_id=mid, **b)),
        ("措施已标记完成", "Marked done"),
    ),
}


@bp.post("/branch/<code>/measures/<uuid:measure_id>/<action>")
@signed_in
def work_measure_act(code: str, measure_id: UUID, action: str) -> Response | tuple[str, int]:
    if action not in ACTIONS:
        raise NotFound("resource.not_found")
    prefix, schema, roles, command, done = ACTIONS[action]
    actor = acting_for(code, roles)
    app = branch_app(code)
    app.measure(measure_id)  # NotFound (404) for a measure this branch does not have
    form = typed()
    if not form.submit(schema, lambda b: command(app, actor, measure_id, b)):
        return measures_page(code, {f"{prefix}-{measure_id}": form}), 422
    flash(i18n.tr(*done))
    return redirect(url_for("pages.work_measures", code=code) + f"#m-{measure_id}")
