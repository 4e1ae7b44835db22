"""The monthly assessment (每月集中考核) as one grid per group: members × the plan's scoring
items, every cell checked, the whole grid saved in one command (one transaction); and one grid
of the branch's groups × the group items.

Cells are checked with the domain's own rule (``check_points``), one cell at a time, so that
every wrong cell gets its message, not only the first; the command then checks them all again.

A recorded cell is never edited: it is corrected (更正) with new points and a reason, a
``ScoreCorrected`` event; the grid shows the corrected value with the values it replaced and why.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.work import AssessMonth, CorrectScore
from cxzy_saas.application.permissions import BRANCH_ASSESSORS
from cxzy_saas.domain.errors import DomainError, InvalidInput, NotFound
from cxzy_saas.domain.plan import PlanContent, ScoringItem
from cxzy_saas.domain.recording import Actor
from cxzy_saas.domain.work import Assessment, check_points, month_period
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.assessments import CorrectionIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, opens, signed_in, user
from cxzy_saas.web.pages.branch import READERS, asked_month, branch_reader, campaign_year
from cxzy_saas.web.pages.forms import Form, sent_before, typed

GROUPS_GRID = "groups"  # the grid of the branch's groups; other grids are named by group code
UNGROUPED = "-"


@dataclass
class Row:
    subject: str
    name: str
    recorded: dict[str, float] | None
    previous: dict[str, float] | None
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # item -> the corrections of this month's value, oldest first (points, previous, reason)
    corrections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # the plan version the month was assessed under: what scores it (decision 0012)
    version: int | None = None


@dataclass
class Grid:
    key: str
    title: str
    level: str
    items: list[ScoringItem]
    rows: list[Row]
    error: str = ""
    fix: Form = field(default_factory=Form)  # the correction form

    @property
    def open_rows(self) -> list[Row]:
        return [r for r in self.rows if r.recorded is None]

    @property
    def recorded_rows(self) -> list[Row]:
        return [r for r in self.rows if r.recorded is not None]


def assessment_of(
    app: BranchApplication, year: int, month: int, level: str, subject: str
) -> Assessment | None:
    if not 1 <= month <= 12:
        return None
    period = month_period(year, month)
    if not app.exists(Assessment.id_for(app.tenant, year, level, subject, period)):
        return None
    return app.assessment(year, month, level, subject)


def scores_of(app: BranchApplication, year: int, month: int, level: str, subject: str) -> Any:
    found = assessment_of(app, year, month, level, subject)
    return None if found is None else dict(found.scores)


def corrections_of(found: Assessment | None) -> dict[str, list[dict[str, Any]]]:
    by_item: dict[str, list[dict[str, Any]]] = {}
    for correction in found.corrections if found else []:
        by_item.setdefault(correction["item"], []).append(correction)
    return by_item


def build_grids(app: BranchApplication, content: PlanContent, year: int, month: int) -> list[Grid]:
    def row(level: str, subject: str, name: str) -> Row:
        found = assessment_of(app, year, month, level, subject)
        return Row(
            subject,
            name,
            None if found is None else dict(found.scores),
            scores_of(app, year, month - 1, level, subject),
            corrections=corrections_of(found),
            version=None if found is None else found.plan_version,
        )

    def on_the_books(level: str, rows: list[Row]) -> list[Row]:
        """A month's sheet lists who was on the books by its end: a member registered (or a
        group formed) later owes it nothing (one assessed for the month stays, whatever the
        register says), as the overdue counts (``projections.todo.grids``)."""
        return [r for r in rows if r.recorded or since.get((level, r.subject), last) <= last]

    def day(aggregate: Any) -> date:
        return aggregate.created_on.astimezone(i18n.BEIJING).date()

    grids = []
    member_items = content.items_for("member")
    members = app.members()
    last = date(year, month, monthrange(year, month)[1])
    since = {("member", m.member_no): day(m) for m in members}
    since |= {("group", g.code): day(g) for g in app.groups()}
    for group in app.groups():
        people = [m for m in members if m.group_id == group.id]
        rows = on_the_books("member", [row("member", m.member_no, m.name) for m in people])
        if rows:
            grids.append(Grid(group.code, group.name, "member", member_items, rows))
    ungrouped = [m for m in members if m.group_id is None]
    loose = on_the_books("member", [row("member", m.member_no, m.name) for m in ungrouped])
    if loose:
        grids.append(
            Grid(UNGROUPED, i18n.tr("未编入党小组", "no group"), "member", member_items, loose)
        )
    groups = on_the_books("group", [row("group", g.code, g.name) for g in app.groups()])
    if groups:
        title = i18n.tr("党支部考核党小组", "the branch assesses its groups")
        grids.append(Grid(GROUPS_GRID, title, "group", content.items_for("group"), groups))
    return grids


def cell_error(content: PlanContent, level: str, item: ScoringItem, typed: str) -> str | None:
    """The domain's refusal of one cell, if any: the other cells are set to a valid 0."""
    points: dict[str, Any] = {i.code: 0 for i in content.items_for(level)}
    if typed.strip():
        points[item.code] = typed.strip()
    else:
        del points[item.code]
    try:
        check_points(content, level, points)
    except InvalidInput as error:
        return i18n.message(error)
    return None


def default_month(year: int) -> int:
    today = tenancy_of(current_app).today()
    if year < today.year:
        return 12
    return max(1, today.month - 1) if year == today.year else 1


def scoped_grids(actor: Actor, content: PlanContent, grids: list[Grid]) -> list[Grid]:
    """A group leader's own group's grid only (the branch assesses the groups); a member's own
    row only, unless the plan opens colleagues' scores (decision 0018)."""
    if actor.role == "group-leader":
        return [g for g in grids if g.key == actor.group]
    if actor.role == "member" and content.rules.get("members_see_colleagues") is not True:
        for grid in grids:
            if grid.level == "member":
                grid.rows = [r for r in grid.rows if r.subject == actor.member]
        return [g for g in grids if g.rows or g.level != "member"]
    return grids


def page(code: str, year: int, month: int, grids: list[Grid], can_write: bool) -> str:
    return render_template(
        "branch/assessment.html",
        code=code,
        name=tenancy_of(current_app).branch(code).branch().name,
        year=year,
        month=month,
        grids=grids,
        can_write=can_write,
    )


def month_args(year: int) -> int:
    """The month asked for, else the default one; a month that is none (13, "x") is refused
    (a 422 page), as the API's lists refuse it, rather than another month shown."""
    return asked_month() or default_month(year)


nav_link("branch", "pages.assessment", "月度考核", "Monthly assessment")


@bp.get("/branch/<code>/assessment")
@signed_in
@opens(READERS)
def assessment(code: str) -> str:
    actor = branch_reader(code)
    year = campaign_year(user().committee)
    month = month_args(year)
    app = tenancy_of(current_app).branch(code)
    try:
        content, _ = app.plan_content(year)
    except NotFound as error:
        return render_template("error.html", status=404, error=i18n.message(error))
    grids = scoped_grids(actor, content, build_grids(app, content, year, month))
    can_write = actor.role in BRANCH_ASSESSORS and actor.tenant == code
    # "更正" on a recorded cell links here with ?fix=<grid>:<subject>:<item>: preselect it.
    key, _, cell = request.args.get("fix", "").partition(":")
    subject, _, item = cell.partition(":")
    for grid in grids:
        if grid.key == key:
            grid.fix = Form({"subject": subject, "item": item})
    return page(code, year, month, grids, can_write)


def posted_grid(
    code: str,
) -> tuple[Actor, int, int, BranchApplication, PlanContent, list[Grid], Grid]:
    """The actor, campaign, month, branch, plan in force, grids, and the grid a form posted.

    Raises:
        NotFound: another branch, or a grid the branch does not have.
    """
    actor = acting_for(code, BRANCH_ASSESSORS)
    year = campaign_year(user().committee)
    month = month_args(year)
    app = tenancy_of(current_app).branch(code)
    content, _ = app.plan_content(year)
    grids = build_grids(app, content, year, month)
    wanted = request.form.get("grid", "")
    grid = next((g for g in grids if g.key == wanted), None)
    if grid is None:
        raise NotFound("group.not_found", group=wanted)
    return actor, year, month, app, content, grids, grid


@bp.post("/branch/<code>/assessment")
@signed_in
def assessment_save(code: str) -> str | Response | tuple[str, int]:
    actor, year, month, app, content, grids, grid = posted_grid(code)
    saved = url_for("pages.assessment", code=code, month=month) + f"#grid-{grid.key}"
    if sent_before():  # a double click: the rows it saved are read-only now, so say saved
        flash(i18n.tr(f"{grid.title} {month}月考核已保存", f"{grid.title}: month {month} saved"))
        return redirect(saved)
    if not grid.open_rows:  # sent again from a page opened before it was saved
        grid.error = i18n.tr(
            f"{grid.title} {month}月已全部考核，没有再录入。要改某项分数，请点分数旁的“更正”。",
            f"{grid.title}: month {month} is assessed already; correct a cell to change it.",
        )
        return page(code, year, month, grids, True), 422
    scores: dict[str, dict[str, str]] = {}
    failed = False
    for row in grid.open_rows:
        for item in grid.items:
            cell = request.form.get(f"p.{row.subject}.{item.code}", "")
            row.typed[item.code] = cell
            error = cell_error(content, grid.level, item, cell)
            if error:
                row.errors[item.code] = error
                failed = True
        scores[row.subject] = {code_: v.strip() for code_, v in row.typed.items()}
    if not failed:
        try:
            app.assess_month(
                actor, AssessMonth(year=year, month=month, level=grid.level, scores=scores)
            )
        except DomainError as error:
            grid.error = i18n.message(error)
            failed = True
        else:
            flash(
                i18n.tr(f"{grid.title} {month}月考核已保存", f"{grid.title}: month {month} saved")
            )
            return redirect(saved)
    return page(code, year, month, grids, True), 422


def points_in_range(form: Form, content: PlanContent, level: str) -> None:
    """Check the new points against the item's range before the rest, so that a refused
    correction shows every error at once (the command checks the same, by the same rule)."""
    item, points = form.value("item"), str(form.value("points")).strip()
    codes = [i.code for i in content.items_for(level)]
    if item not in codes or not points:
        return
    try:
        check_points(content, level, dict.fromkeys(codes, 0.0) | {item: points})
    except DomainError as error:
        form.errors["points"] = i18n.message(error)


@bp.post("/branch/<code>/assessment/correction")
@signed_in
def assessment_correct(code: str) -> str | Response | tuple[str, int]:
    """Correct one recorded cell: new points and a reason (the grid keeps both values)."""
    actor, year, month, app, content, grids, grid = posted_grid(code)
    grid.fix = typed()
    points_in_range(grid.fix, content, grid.level)
    if not grid.fix.submit(
        CorrectionIn,
        lambda b: app.correct_score(actor, CorrectScore(**b)),
        near="points",
        year=year,
        month=month,
        level=grid.level,
    ):
        return page(code, year, month, grids, True), 422
    flash(i18n.tr("分数已更正", "The score was corrected"))
    return redirect(url_for("pages.assessment", code=code, month=month) + f"#grid-{grid.key}")
