"""Deed materials (事迹材料) of the branch's commended subjects, every version kept, on one page
with the annual summary (年度总结; its forms post to ``annual_summary``).

The forms are the API's schemas and the application's commands (``web/api/deeds.py``).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.evaluation import WriteDeeds
from cxzy_saas.application.permissions import BRANCH_ASSESSORS, BRANCH_WRITERS
from cxzy_saas.domain.commendation import AnnualSummary, DeedMaterial
from cxzy_saas.web.api.deeds import DeedsIn
from cxzy_saas.web.api.schemas import check_level
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import (
    READERS,
    branch_app,
    branch_reader,
    campaign_year,
    committee_answer,
    may_act_on,
    today,
)
from cxzy_saas.web.pages.forms import Form, forms_of, typed

SUMMARY_FIELDS = (
    ("basic_facts", "基本情况", "Basic facts"),
    ("experience", "主要经验", "Experience"),
    ("problems", "存在问题", "Problems"),
    ("plans", "今后打算", "Plans"),
)
AUDIENCES = {
    "members-meeting": ("党员大会", "members' meeting"),
    "committee": ("党委", "committee"),
}


def commended(app: BranchApplication, year: int) -> list[dict[str, Any]]:
    """The branch's commended subjects, each with its deed material (or None)."""
    commendation = app.parent().commendation(year)
    named = [e for e in commendation.named if e["branch"] == app.tenant] if commendation else []
    subjects = []
    for entry in named:
        deeds_id = DeedMaterial.id_for(app.tenant, year, entry["level"], entry["subject"])
        deeds = app.deeds(year, entry["level"], entry["subject"]) if app.exists(deeds_id) else None
        subjects.append({**entry, "deeds": deeds, "key": f"{entry['level']}:{entry['subject']}"})
    return subjects


FORM_LABELS = {
    "notice": ("通报表扬", "public praise"),
    "certificate": ("颁发奖状证书", "certificate"),
    "prize": ("颁发奖品", "prize"),
}


def subject_choices(app: BranchApplication) -> list[tuple[str, str]]:
    """The branch's groups and members as ``level:subject`` choices, by name."""
    groups = [(f"group:{g.code}", g.name) for g in app.groups()]
    members = [(f"member:{m.member_no}", f"{m.name}（{m.member_no}）") for m in app.members()]
    return groups + members


def deeds_page(code: str, failed: dict[str, Form] | None = None) -> str:
    branch_reader(code)
    year = campaign_year(user().committee)
    app = branch_app(code)
    has_summary = app.exists(AnnualSummary.id_for(code, year))
    subjects = commended(app, year)
    return render_template(
        "evaluation/deeds.html",
        code=code,
        name=app.branch().name,
        year=year,
        subjects=subjects,
        writable={
            s["key"]
            for s in subjects
            if may_act_on(app, code, BRANCH_ASSESSORS, s["level"], s["subject"], writing=True)
        },
        own=app.branch_commendation(year),
        choices=subject_choices(app),
        FORMS=FORM_LABELS,
        summary=app.annual_summary(year) if has_summary else None,
        answer=committee_answer(app, "annual-summary", year) if has_summary else None,
        forms=forms_of(failed),
        can_write=may(code, BRANCH_ASSESSORS),  # deeds: a group leader writes their group's
        can_summarise=may(code, BRANCH_WRITERS),
        today=today(),
        SUMMARY_FIELDS=SUMMARY_FIELDS,
        AUDIENCES=AUDIENCES,
    )


@bp.get("/branch/<code>/deeds")
@signed_in
@opens(READERS)
def branch_deeds(code: str) -> str:
    return deeds_page(code)


def done(code: str, year: int, notice: tuple[str, str], anchor: str) -> Response:
    flash(i18n.tr(*notice))
    return redirect(url_for("pages.branch_deeds", code=code, campaign=year) + anchor)


@bp.post("/branch/<code>/deeds/<level>/<subject>")
@signed_in
def branch_deeds_write(code: str, level: str, subject: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_ASSESSORS)
    check_level(level)
    year = campaign_year(user().committee)
    form = typed()
    attachments = [a.strip() for a in str(form.value("attachments")).splitlines() if a.strip()]
    app = branch_app(code)

    def write(body: dict[str, Any]) -> None:
        app.write_deeds(actor, WriteDeeds(year=year, level=level, subject=subject, **body))

    if form.submit(DeedsIn, write, attachments=attachments):
        return done(code, year, ("事迹材料已保存（保留历次版本）", "Deeds saved"), f"#d-{subject}")
    return deeds_page(code, {f"{level}:{subject}": form}), 422


nav_link("branch", "pages.branch_deeds", "事迹与年度总结", "Deeds and summary")
