"""Daily records (日常记载): what a member, a group or the branch did, dated, newest first.

Evidence is never required. A record is never edited or deleted: a mistaken one is retracted
with a reason, and the list keeps showing what the retraction withdrew, struck through, beside
who retracted it and when.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.work import RecordDaily, RetractRecord
from cxzy_saas.application.permissions import BRANCH_ASSESSORS
from cxzy_saas.web.api.records import RecordIn, RetractIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, may, signed_in, user
from cxzy_saas.web.pages.branch import (
    branch_app,
    branch_reader,
    campaign_year,
    page_number,
    plan_in_force,
    subject_choices,
    subject_names,
    today,
    when,
)
from cxzy_saas.web.pages.forms import Form, forms_of, typed

PER_PAGE = 20

nav_link("branch", "pages.work_records", "日常记载", "Daily records")


def stamp(event: dict[str, Any]) -> dict[str, str]:
    return {"who": event["actor"].get("user", ""), "when": when(event["recorded_at"])}


def records_page(code: str, failed: dict[str, Form] | None = None) -> str:
    app = branch_app(code)
    year = campaign_year(user().committee)
    # Newest first: by the day the record belongs to, then by the order it was recorded.
    found = list(enumerate(app.daily_records(year)))
    found.sort(key=lambda pair: (pair[1].on, pair[0]), reverse=True)
    number = page_number(len(found), PER_PAGE)
    shown = [r for _, r in found[(number - 1) * PER_PAGE : number * PER_PAGE]]
    rows = []
    for record in shown:
        history = app.history(record.id)
        retraction = next((e for e in history if e["event"] == "DailyRecordRetracted"), None)
        rows.append(
            {
                "record": record,
                "recorded": stamp(history[0]),
                "retracted": stamp(retraction) if retraction else None,
            }
        )
    day = today()
    defaults = {"record": Form({"on": day, "level": "member"})}
    return render_template(
        "work/records.html",
        code=code,
        name=app.branch().name,
        year=year,
        plan=plan_in_force(app, year),
        rows=rows,
        page=number,
        pages=max(1, -(-len(found) // PER_PAGE)),
        total=len(found),
        names=subject_names(app),
        choices=subject_choices(app),
        forms=forms_of(defaults | (failed or {})),
        can_write=may(code, BRANCH_ASSESSORS),
    )


@bp.get("/branch/<code>/records")
@signed_in
def work_records(code: str) -> str:
    branch_reader(code)
    return records_page(code)


@bp.post("/branch/<code>/records")
@signed_in
def work_record(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_ASSESSORS)
    app = branch_app(code)
    year = campaign_year(user().committee)
    form = typed()
    if not form.submit(
        RecordIn,
        lambda b: app.record_daily(actor, RecordDaily(**b)),
        near="subject",
        year=year,
    ):
        return records_page(code, {"record": form}), 422
    flash(i18n.tr("记载已保存", "The record was saved"))
    return redirect(url_for("pages.work_records", code=code))


@bp.post("/branch/<code>/records/<uuid:record_id>/retraction")
@signed_in
def work_record_retract(code: str, record_id: UUID) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_ASSESSORS)
    app = branch_app(code)
    app.daily_record(record_id)  # NotFound (404) for a record this branch does not have
    form = typed()
    if not form.submit(
        RetractIn, lambda b: app.retract_record(actor, RetractRecord(record_id=record_id, **b))
    ):
        return records_page(code, {f"retract-{record_id}": form}), 422
    flash(i18n.tr("记载已撤回", "The record was retracted"))
    return redirect(url_for("pages.work_records", code=code) + f"#r-{record_id}")
