"""The year-end nomination (推荐): the computed ranking beside the shortlist, a reason for each
entry that departs from it, saving (redone until submitted), submitting, and afterwards the
committee's decision on each nominee with the reason of a return.

The ranking is advice ("不以票取人"): the page marks which choices depart from it and asks for
their reason next to the row, with the domain's own rule; the command checks it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.evaluation import Renominate, Shortlist, SubmitNomination
from cxzy_saas.application.midyear import midyear_basis
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain import ranking as scores
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.evaluation import Nomination, departs
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web.api.nominations import RenominateIn, ShortlistIn
from cxzy_saas.web.api.openness import visible_to_member
from cxzy_saas.web.api.schemas import OnIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import (
    READERS,
    branch_app,
    branch_reader,
    campaign_year,
    own_member_only,
    today,
)
from cxzy_saas.web.pages.forms import Form, typed

LEVELS = ("group", "member")


@dataclass
class Line:
    """One ranked subject: the computed row, whether it is chosen, and its reason."""

    row: scores.Row
    chosen: bool = False
    reason: str = ""
    error: str = ""
    departs: bool = False
    decision: Any = None

    @property
    def key(self) -> str:
        return f"{self.row.level}:{self.row.subject}"


def mark_departures(lines: dict[str, list[Line]]) -> None:
    """The domain's rule (``Nomination.revise``): a chosen subject departs from the ranking if
    it ranks below the number chosen at its level, or a veto bars it."""
    for level_lines in lines.values():
        count = sum(1 for line in level_lines if line.chosen)
        for line in level_lines:
            line.departs = line.chosen and departs(line.row.as_dict(), count)


def lines_of(app: BranchApplication, year: int) -> tuple[dict[str, list[Line]], dict[str, Any]]:
    inputs = app.score_inputs(year)
    lines = {level: [Line(r) for r in scores.rows(inputs, level)] for level in LEVELS}
    return lines, scores.quota(inputs)


def for_reader(actor: Actor, code: str, lines: dict[str, list[Line]]) -> dict[str, list[Line]]:
    """A member reads their own member line only, unless the plan opens colleagues' scores
    (decision 0018): the nomination table shows every member's scores and grade."""
    own = own_member_only(actor, code)
    if own is None:
        return lines
    return {**lines, "member": [x for x in lines.get("member", []) if x.row.subject == own]}


def saved(app: BranchApplication, year: int) -> Nomination | None:
    found = app.exists(Nomination.id_for(app.tenant, year))
    return app.nomination(year) if found else None


def nomination_page(
    code: str,
    lines: dict[str, list[Line]] | None = None,
    form: Form | None = None,
    submit_form: Form | None = None,
    again_form: Form | None = None,
) -> str:
    reader = branch_reader(code)
    year = campaign_year(user().committee)
    app = branch_app(code)
    try:
        computed, quota = lines_of(app, year)
    except NotFound as error:
        return render_template("error.html", status=404, error=i18n.message(error))
    computed = for_reader(reader, code, computed)
    nomination = saved(app, year)
    if lines is None:
        lines = computed
        entries = {(e["level"], e["subject"]): e for e in nomination.entries} if nomination else {}
        for level_lines in lines.values():
            for line in level_lines:
                entry = entries.get((line.row.level, line.row.subject))
                line.chosen, line.reason = entry is not None, (entry or {}).get("reason", "")
        mark_departures(lines)
    returned: list[dict[str, str]] = []
    if nomination and nomination.submitted_on:
        # Every submission's decisions: a re-nomination leaves earlier approvals standing.
        decided = app.nominee_decisions(nomination)
        for level_lines in lines.values():
            for line in level_lines:
                key = (line.row.level, line.row.subject)
                if key in decided:
                    line.chosen = True
                    line.decision = decided[key]
        returned = app.returned_nominees(nomination)
    names = {
        (line.row.level, line.row.subject): line.row.name
        for level_lines in lines.values()
        for line in level_lines
    }
    half_year = midyear_basis(app, year, app.score_inputs(year).plan)
    own = own_member_only(reader, code)
    if half_year["midyear"] and own is not None:
        # of the members the half-year recommended, a member reads whether they are one, as
        # of the table their own line only (decision 0018); their colleagues showed as numbers
        mine = [s for s in half_year["midyear"].get("member", []) if s == own]
        half_year["midyear"] = {**half_year["midyear"], "member": mine}
    reopenings = nomination.reopenings if nomination else []
    if own is not None:  # nor whose nomination the committee returned, and why
        reopenings = [
            {**r, "returned": seen}
            for r in reopenings
            if (seen := visible_to_member(r["returned"], own))
        ]
    return render_template(
        "evaluation/nomination.html",
        half_year=half_year,
        code=code,
        name=app.branch().name,
        year=year,
        lines=lines,
        quota=quota,
        nomination=nomination,
        form=form or Form(),
        submit_form=submit_form or Form(),
        again_form=again_form or Form(),
        returned=returned,
        reopenings=reopenings,
        names=names,
        can_write=may(code, BRANCH_WRITERS),
        today=today(),
    )


@bp.get("/branch/<code>/nomination")
@signed_in
@opens(READERS)
def branch_nomination(code: str) -> str:
    return nomination_page(code)


@bp.post("/branch/<code>/nomination")
@signed_in
def branch_nomination_save(code: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    app = branch_app(code)
    lines, _ = lines_of(app, year)
    picked = set(request.form.getlist("pick"))
    for level_lines in lines.values():
        for line in level_lines:
            line.chosen = line.key in picked
            line.reason = request.form.get(f"reason.{line.key}", "")
    mark_departures(lines)
    chosen = [line for level_lines in lines.values() for line in level_lines if line.chosen]
    form = Form(values={"entries": ""})
    for line in chosen:
        if line.departs and not line.reason.strip() and line.row.rank is None:
            line.error = i18n.tr(
                "未参评（没有可计分的考核或测评），推荐须写明理由",
                "unrated (nothing to score): give a reason",
            )
        elif line.departs and not line.reason.strip():
            line.error = i18n.tr(
                f"与计算排名不一致（第 {line.row.rank} 名"
                f"{'，已被否决' if line.row.veto else ''}），须写明理由",
                f"departs from the ranking (rank {line.row.rank}): give a reason",
            )
    if not chosen:
        form.error = i18n.tr("请至少推荐一个党小组或党员", "shortlist at least one")
    entries = [
        {"level": line.row.level, "subject": line.row.subject, "reason": line.reason}
        for line in chosen
    ]
    ready = not form.error and not any(line.error for line in chosen)
    if ready and form.submit(
        ShortlistIn, lambda b: app.shortlist(actor, Shortlist(**b)), year=year, entries=entries
    ):
        flash(i18n.tr("推荐名单已保存（报送前可修改）", "Shortlist saved (editable until sent)"))
        return redirect(url_for("pages.branch_nomination", code=code, campaign=year))
    if form.errors:
        form.error = form.errors.pop("entries")
    return nomination_page(code, lines, form), 422


@bp.post("/branch/<code>/nomination/submit")
@signed_in
def branch_nomination_submit(code: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    app = branch_app(code)
    form = typed()
    if form.submit(OnIn, lambda b: app.submit_nomination(actor, SubmitNomination(year=year, **b))):
        flash(i18n.tr("推荐名单已报送党委", "Nomination sent to the committee"))
        return redirect(url_for("pages.branch_nomination", code=code, campaign=year))
    return nomination_page(code, submit_form=form), 422


@bp.post("/branch/<code>/nomination/again")
@signed_in
def branch_nomination_again(code: str) -> str | Response | tuple[str, int]:
    """Answer the committee's return with a new submission of the picked nominees."""
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    app = branch_app(code)
    form = typed(["pick"])
    entries = []
    for key in form.values.get("pick", []):
        level, _, subject = key.partition(":")
        reason = request.form.get(f"reason.{key}", "")
        entries.append({"level": level, "subject": subject, "reason": reason})
    if form.submit(
        RenominateIn, lambda b: app.renominate(actor, Renominate(year=year, **b)), entries=entries
    ):
        flash(i18n.tr("已答复退回理由并重新报送党委", "Answered the return and sent again"))
        return redirect(url_for("pages.branch_nomination", code=code, campaign=year))
    return nomination_page(code, again_form=form), 422


nav_link("branch", "pages.branch_nomination", "推荐", "Nomination")
