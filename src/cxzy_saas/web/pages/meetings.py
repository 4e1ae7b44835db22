"""The record of a branch's meetings: the branch committee discusses the campaign (支委会讨论
创先争优工作) at least once a quarter; critique meetings, members' meetings, talks..."""

from __future__ import annotations

from uuid import UUID

from flask import flash, redirect, render_template, url_for
from marshmallow import fields
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.work import CorrectMeeting, RecordMeeting
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.work import MEETING_KINDS, Meeting
from cxzy_saas.web.api.meetings import ATTENDEES, MeetingCorrectionIn, MeetingIn
from cxzy_saas.web.api.schemas import text
from cxzy_saas.web.pages import bp, i18n, nav_link, reads
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import READERS, branch_app, branch_reader, campaign_year, today
from cxzy_saas.web.pages.forms import Form, refusal_of, typed

KINDS_EN = {
    "committee-discussion": "branch committee discusses the campaign",
    "committee-life": "the branch committee's own organisational life",
    "critique": "critique meeting",
    "members-meeting": "members' meeting",
    "preparation": "preparation meeting",
    "talk": "talk with a commended member",
    "conveyance": "conveying the commendation",
}
MEETING_LABELS = {k: (zh, KINDS_EN.get(k, k)) for k, zh in MEETING_KINDS.items()}

nav_link("branch", "pages.work_meetings", "会议记录", "Meetings")


class CorrectionForm(MeetingCorrectionIn):
    """The page's correction form sends every field, filled with what the record says: one
    left empty is refused as empty, not taken for unchanged."""

    title = text(200, required=True)
    attendees = fields.Integer(required=True, validate=ATTENDEES)
    minutes = text(required=True)


def meetings_page(
    code: str, form: Form | None = None, correcting: tuple[UUID, Form] | None = None
) -> str:
    app = branch_app(code)
    year = campaign_year(user().committee)
    meetings = sorted(app.meetings(year), key=lambda m: m.on, reverse=True)
    # each record's correction form, filled with what it says now (a refused one as typed)
    fixes = {m.id: Form({f: str(getattr(m, f)) for f in Meeting.CORRECTABLE}) for m in meetings}
    lost = ""  # a refused correction of a meeting this page does not show: said on top
    if correcting is not None:
        if correcting[0] not in fixes:
            lost = refusal_of(correcting[1])
        fixes[correcting[0]] = correcting[1]
    return render_template(
        "work/meetings.html",
        code=code,
        name=app.branch().name,
        year=year,
        meetings=meetings,
        form=form or Form({"kind": "committee-discussion", "on": today()}),
        fixes=fixes,
        failed=correcting[0] if correcting else None,
        lost=lost,
        MEETING_LABELS=MEETING_LABELS,
        # a closed year is final: nothing to record or correct (an amendment is the way)
        can_write=may(code, BRANCH_WRITERS) and not reads.closed_on(user().committee, year),
    )


@bp.get("/branch/<code>/meetings")
@signed_in
@opens(READERS)
def work_meetings(code: str) -> str:
    branch_reader(code)
    return meetings_page(code)


@bp.post("/branch/<code>/meetings")
@signed_in
def work_meeting(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    year = campaign_year(user().committee)
    form = typed()
    if not form.submit(
        MeetingIn,
        lambda b: app.record_meeting(actor, RecordMeeting(**b)),
        year=year,
    ):
        return meetings_page(code, form), 422
    flash(i18n.tr("会议已记录", "The meeting was recorded"))
    return redirect(url_for("pages.work_meetings", code=code))


@bp.post("/branch/<code>/meetings/<uuid:meeting>/correction")
@signed_in
def work_meeting_correction(code: str, meeting: UUID) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    form = typed()
    if not form.submit(
        CorrectionForm,
        lambda b: app.correct_meeting(actor, CorrectMeeting(meeting_id=meeting, **b)),
    ):
        return meetings_page(code, correcting=(meeting, form)), 422
    flash(i18n.tr("会议记录已更正", "The meeting's record was corrected"))
    return redirect(url_for("pages.work_meetings", code=code, _anchor=f"m-{meeting}"))
