"""Between a branch and its committee: the branch's requests and reports (请示, 汇报) with the
committee's replies, and the tasks the committee assigns (交办任务) with the branch's reports
that they are done. The branch's page and the committee's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.correspondence import (
    AssignTask,
    ReplyToLetter,
    ReportTask,
    SendLetter,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS, COMMITTEE_READERS
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.letters import LetterIn, ReplyIn
from cxzy_saas.web.api.tasks import OFFICERS, TaskIn, TaskReportIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import (
    acting_for,
    committee_reader,
    committee_writer,
    may,
    opens,
    signed_in,
    user,
)
from cxzy_saas.web.pages.branch import branch_app, campaign_year, today
from cxzy_saas.web.pages.forms import Form, forms_of, typed

LETTER_KINDS = {"request": ("请示", "request"), "report": ("汇报", "report")}

nav_link("branch", "pages.branch_letters", "请示汇报与交办任务", "Requests and tasks")
nav_link("committee", "pages.committee_letters", "请示汇报与交办任务", "Requests and tasks")


def branch_items(code: str, year: int) -> dict[str, Any]:
    """The branch's letters (each with the committee's reply) and tasks (each with its
    report), newest first."""
    app = branch_app(code)
    committee = app.parent()
    letters = [
        {"letter": x, "reply": committee.reply(code, x.id)}
        for x in sorted(app.letters(year), key=lambda x: x.on, reverse=True)
    ]
    tasks = [
        {"task": t, "report": app.task_report(t.id)}
        for t in sorted(committee.tasks(year, code), key=lambda t: t.due)
    ]
    return {"letters": letters, "tasks": tasks}


def branch_page(code: str, forms: dict[str, Form] | None = None) -> str:
    app = branch_app(code)
    year = campaign_year(user().committee)
    return render_template(
        "work/letters.html",
        code=code,
        name=app.branch().name,
        year=year,
        **branch_items(code, year),
        forms=forms_of(forms or {"letter": Form({"kind": "request", "on": today()})}),
        LETTER_KINDS=LETTER_KINDS,
        can_write=may(code, BRANCH_WRITERS),
        today=today(),
    )


@bp.get("/branch/<code>/letters")
@signed_in
@opens(OFFICERS, hidden=True)
def branch_letters(code: str) -> str:
    # As the API: the branch's officers and the committee read its correspondence.
    return branch_page(code)


@bp.post("/branch/<code>/letters")
@signed_in
def branch_letter_send(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    form = typed()
    year = campaign_year(user().committee)
    if not form.submit(LetterIn, lambda b: app.send_letter(actor, SendLetter(**b)), year=year):
        return branch_page(code, {"letter": form}), 422
    flash(i18n.tr("已报送党委", "Sent to the committee"))
    return redirect(url_for("pages.branch_letters", code=code))


@bp.post("/branch/<code>/tasks/<uuid:task>/report")
@signed_in
def branch_task_report(code: str, task: UUID) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    form = typed()
    if not form.submit(TaskReportIn, lambda b: app.report_task(actor, ReportTask(task=task, **b))):
        return branch_page(code, {f"task-{task}": form}), 422
    flash(i18n.tr("已报告任务完成", "Reported done"))
    return redirect(url_for("pages.branch_letters", code=code))


def committee_page(forms: dict[str, Form] | None = None) -> str:
    actor = committee_reader()
    committee = tenancy_of(current_app).committee(user().committee)
    year = campaign_year(user().committee)
    branches = committee.committee().branches
    rows = [
        {"code": code, "name": name, **branch_items(code, year)} for code, name in branches.items()
    ]
    return render_template(
        "committee/letters.html",
        year=year,
        rows=rows,
        branches=sorted(branches.items()),
        forms=forms_of(forms or {"task": Form({"on": today()})}),
        LETTER_KINDS=LETTER_KINDS,
        can_write=actor.role == "committee-admin",
        today=today(),
    )


@bp.get("/committee/letters")
@signed_in
@opens(COMMITTEE_READERS)
def committee_letters() -> str:
    return committee_page()


@bp.post("/committee/letters/<branch>/<uuid:letter>/reply")
@signed_in
def committee_letter_reply(branch: str, letter: UUID) -> Response | tuple[str, int]:
    actor = committee_writer()
    committee = tenancy_of(current_app).committee(user().committee)
    form = typed()
    if not form.submit(
        ReplyIn,
        lambda b: committee.reply_to_letter(
            actor, ReplyToLetter(branch=branch, letter=letter, **b)
        ),
    ):
        return committee_page({f"reply-{letter}": form}), 422
    flash(i18n.tr("已答复", "Replied"))
    return redirect(url_for("pages.committee_letters"))


@bp.post("/committee/tasks")
@signed_in
def committee_task_assign() -> Response | tuple[str, int]:
    actor = committee_writer()
    committee = tenancy_of(current_app).committee(user().committee)
    form = typed()
    branch = str(form.value("branch"))
    year = campaign_year(user().committee)
    form.require(bool(branch.strip()), "text.empty", field="branch")
    if not form.submit(
        TaskIn,
        lambda b: committee.assign_task(actor, AssignTask(branch=branch, **b)),
        near="branch",
        year=year,
    ):
        return committee_page({"task": form}), 422
    flash(i18n.tr("任务已交办", "Task assigned"))
    return redirect(url_for("pages.committee_letters"))
