"""The quarterly inspection of the branch (季度检查) and the record of its meetings (支委会讨论
创先争优工作 at least once a quarter, critique meetings, members' meetings, talks...)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.work import MEETING_KINDS
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.inspections import InspectionIn
from cxzy_saas.web.api.meetings import MeetingIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, signed_in, user
from cxzy_saas.web.pages.branch import branch_reader, campaign_year
from cxzy_saas.web.pages.entry import may, submit, today, typed, when

KINDS_EN = {
    "committee-discussion": "branch committee discusses the campaign",
    "critique": "critique meeting",
    "members-meeting": "members' meeting",
    "preparation": "preparation meeting",
    "talk": "talk with a commended member",
    "conveyance": "conveying the commendation",
}
MEETING_LABELS = {k: (zh, KINDS_EN.get(k, k)) for k, zh in MEETING_KINDS.items()}

nav_link("branch", "pages.work_inspections", "季度检查", "Inspections")
nav_link("branch", "pages.work_meetings", "会议记录", "Meetings")


def inspections_page(code: str, form: dict[str, Any] | None = None, errors: Any = None) -> str:
    app = tenancy_of(current_app).branch(code)
    year = campaign_year(user().committee)
    quarters = []
    for quarter in range(1, 5):
        inspection = app.inspection(year, quarter)
        recorded = app.history(inspection.id)[0] if inspection else None
        quarters.append(
            {
                "quarter": quarter,
                "inspection": inspection,
                "who": recorded["actor"].get("user", "") if recorded else "",
                "when": when(recorded["recorded_at"]) if recorded else "",
            }
        )
    next_quarter = next((q["quarter"] for q in quarters if q["inspection"] is None), 4)
    return render_template(
        "work/inspections.html",
        code=code,
        name=app.branch().name,
        year=year,
        quarters=quarters,
        form=form or {"quarter": str(next_quarter), "on": today()},
        errors=errors or {},
        can_write=may(code, BRANCH_WRITERS),
    )


@bp.get("/branch/<code>/inspections")
@signed_in
def work_inspections(code: str) -> str:
    branch_reader(code)
    return inspections_page(code)


@bp.post("/branch/<code>/inspections")
@signed_in
def work_inspection(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = tenancy_of(current_app).branch(code)
    year = campaign_year(user().committee)
    values = typed()
    errors = submit(
        InspectionIn,
        values,
        lambda b: app.record_inspection(
            actor,
            year,
            b["quarter"],
            b["on"],
            b["measures_checked"],
            b["gaps"],
            b["weak_links"],
            b["improvements"],
        ),
        year=year,
    )
    if errors:
        return inspections_page(code, values, errors), 422
    flash(i18n.tr("季度检查已记录", "The inspection was recorded"))
    return redirect(url_for("pages.work_inspections", code=code))


def meetings_page(code: str, form: dict[str, Any] | None = None, errors: Any = None) -> str:
    app = tenancy_of(current_app).branch(code)
    year = campaign_year(user().committee)
    meetings = sorted(app.meetings(year), key=lambda m: m.on, reverse=True)
    return render_template(
        "work/meetings.html",
        code=code,
        name=app.branch().name,
        year=year,
        meetings=meetings,
        form=form or {"kind": "committee-discussion", "on": today()},
        errors=errors or {},
        MEETING_LABELS=MEETING_LABELS,
        can_write=may(code, BRANCH_WRITERS),
    )


@bp.get("/branch/<code>/meetings")
@signed_in
def work_meetings(code: str) -> str:
    branch_reader(code)
    return meetings_page(code)


@bp.post("/branch/<code>/meetings")
@signed_in
def work_meeting(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = tenancy_of(current_app).branch(code)
    year = campaign_year(user().committee)
    values = typed()
    errors = submit(
        MeetingIn,
        values,
        lambda b: app.record_meeting(
            actor, year, b["kind"], b["on"], b["title"], b["attendees"], b["minutes"]
        ),
        year=year,
    )
    if errors:
        return meetings_page(code, values, errors), 422
    flash(i18n.tr("会议已记录", "The meeting was recorded"))
    return redirect(url_for("pages.work_meetings", code=code))
