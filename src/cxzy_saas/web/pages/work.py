"""Measures (措施) of a branch, its groups and members for the campaign: filed against the
criteria of the plan in force, reported up, acknowledged by the branch, marked done."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_PEOPLE
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.work import REPORT_TO
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.measures import AcknowledgeIn, CompleteIn, MeasureIn, ReportIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, signed_in, user
from cxzy_saas.web.pages.branch import branch_reader, campaign_year
from cxzy_saas.web.pages.entry import may, submit, today, typed

TARGETS = {
    "group": ("党小组", "group"),
    "branch": ("党支部", "branch"),
    "committee": ("党委", "committee"),
}
Errors = dict[str, dict[str, str]]
Typed = dict[str, dict[str, Any]]

nav_link("branch", "pages.work_measures", "措施", "Measures")


def plan_in_force(app: BranchApplication, year: int) -> PlanContent | None:
    try:
        return app.plan_content(year)[0]
    except NotFound:
        return None


def subject_choices(app: BranchApplication) -> list[tuple[str, list[tuple[str, str]]]]:
    """The subjects of a form, by level: the branch itself, its groups, its members."""
    return [
        ("branch", [(app.tenant, app.branch().name)]),
        ("group", [(g.code, f"{g.name}({g.code})") for g in app.groups()]),
        ("member", [(m.member_no, f"{m.name}({m.member_no})") for m in app.members()]),
    ]


def subject_names(app: BranchApplication) -> dict[tuple[str, str], str]:
    """Every subject's name, those that left or were dissolved included."""
    names = {("branch", app.tenant): app.branch().name}
    names |= {("group", g.code): g.name for g in app.groups(include_dissolved=True)}
    names |= {("member", m.member_no): m.name for m in app.members(include_left=True)}
    return names


def measures_page(code: str, forms: Typed | None = None, errors: Errors | None = None) -> str:
    app = tenancy_of(current_app).branch(code)
    year = campaign_year(user().committee)
    plan = plan_in_force(app, year)
    measures = sorted(app.measures(year), key=lambda m: (m.done_on is not None, m.due))
    day = today()
    defaults: Typed = {"file": {"level": "member", "due": f"{year}-12-31"}}
    for m in measures:
        defaults[f"report-{m.id}"] = {"to": REPORT_TO[m.level][0], "on": day}
        defaults[f"ack-{m.id}"] = {"on": day}
        defaults[f"done-{m.id}"] = {"on": day}
    return render_template(
        "work/measures.html",
        code=code,
        name=app.branch().name,
        year=year,
        plan=plan,
        measures=measures,
        names=subject_names(app),
        choices=subject_choices(app),
        forms=defaults | (forms or {}),
        errors=errors or {},
        REPORT_TO=REPORT_TO,
        TARGETS=TARGETS,
        can_file=may(code, BRANCH_PEOPLE),
        can_acknowledge=may(code, BRANCH_ASSESSORS),
    )


@bp.get("/branch/<code>/measures")
@signed_in
def work_measures(code: str) -> str:
    branch_reader(code)
    return measures_page(code)


@bp.post("/branch/<code>/measures")
@signed_in
def work_measure_file(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_PEOPLE)
    app = tenancy_of(current_app).branch(code)
    year = campaign_year(user().committee)
    values = typed(lists=["criteria"])
    # A criterion's box is "level:number": only those of the level chosen count.
    level = str(values.get("level", ""))
    picked = [c.split(":", 1)[1] for c in values["criteria"] if c.startswith(f"{level}:")]
    errors = submit(
        MeasureIn,
        values,
        lambda b: app.file_measure(
            actor, year, b["level"], b["subject"], b["criteria"], b["text"], b["due"]
        ),
        field="subject",
        year=year,
        criteria=picked,
    )
    if errors:
        return measures_page(code, {"file": values}, {"file": errors}), 422
    flash(i18n.tr("措施已制定", "The measure was filed"))
    return redirect(url_for("pages.work_measures", code=code))


# (form prefix, schema, who may, command, message when done)
ACTIONS: dict[str, tuple[str, Any, frozenset[str], Any, tuple[str, str]]] = {
    "report": (
        "report",
        ReportIn,
        BRANCH_PEOPLE,
        lambda app, a, mid, b: app.report_measure(a, mid, b["to"], b["on"]),
        ("措施已报告", "Reported"),
    ),
    "acknowledgement": (
        "ack",
        AcknowledgeIn,
        BRANCH_ASSESSORS,
        lambda app, a, mid, b: app.acknowledge_measure(a, mid, b["note"], b["on"]),
        ("措施已确认", "Acknowledged"),
    ),
    "completion": (
        "done",
        CompleteIn,
        BRANCH_PEOPLE,
        lambda app, a, mid, b: app.complete_measure(a, mid, b["on"], b["note"]),
        ("措施已标记完成", "Marked done"),
    ),
}


@bp.post("/branch/<code>/measures/<uuid:measure_id>/<action>")
@signed_in
def work_measure_act(code: str, measure_id: UUID, action: str) -> Response | tuple[str, int]:
    if action not in ACTIONS:
        raise NotFound("not found")
    prefix, schema, roles, command, done = ACTIONS[action]
    actor = acting_for(code, roles)
    app = tenancy_of(current_app).branch(code)
    app.measure(measure_id)  # NotFound (404) for a measure this branch does not have
    form = f"{prefix}-{measure_id}"
    values = typed()
    errors = submit(schema, values, lambda b: command(app, actor, measure_id, b))
    if errors:
        return measures_page(code, {form: values}, {form: errors}), 422
    flash(i18n.tr(*done))
    return redirect(url_for("pages.work_measures", code=code) + f"#m-{measure_id}")
