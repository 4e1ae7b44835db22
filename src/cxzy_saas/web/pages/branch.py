"""A branch's own pages: its home (own position on the boards) and its queue of what it sent
up with the committee's decisions. The committee's staff may read them; nobody else may.

Also what every page of a branch shares: who may read it, the campaign shown, the plan in force,
the subjects of its forms, today and recorded times in Beijing time, the page asked for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, render_template, request

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.permissions import BRANCH_READERS, COMMITTEE_READERS
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections import queries
from cxzy_saas.web import read_model_of, tenancy_of
from cxzy_saas.web.pages import bp, filters, i18n, reads
from cxzy_saas.web.pages.access import acting_for, signed_in, user

READERS = BRANCH_READERS | COMMITTEE_READERS
CHINA = i18n.BEIJING


def branch_reader(code: str) -> Actor:
    """Raises NotFound for anyone outside this branch and its committee."""
    return acting_for(code, READERS)


def campaign_year(committee: str) -> int:
    """The campaign asked for (``?campaign=``) if the committee has it, else its latest."""
    known = [c["year"] for c in reads.campaigns(committee)]
    wanted = request.values.get("campaign", "")
    if wanted.isdigit() and int(wanted) in known:
        return int(wanted)
    return known[0] if known else tenancy_of(current_app).now().year


def branch_app(code: str) -> BranchApplication:
    return tenancy_of(current_app).branch(code)


def plan_in_force(app: BranchApplication, year: int) -> PlanContent | None:
    try:
        return app.plan_content(year)[0]
    except NotFound:
        return None


def subject_choices(app: BranchApplication) -> list[tuple[str, list[tuple[str, str]]]]:
    """The subjects of a form, by level: the branch itself, its groups, its members."""
    return [
        ("branch", [(app.tenant, app.branch().name)]),
        ("group", [(g.code, g.name) for g in app.groups()]),
        ("member", [(m.member_no, f"{m.name}（{m.member_no}）") for m in app.members()]),
    ]


def subject_names(app: BranchApplication) -> dict[tuple[str, str], str]:
    """Every subject's name, those that left or were dissolved included."""
    names = {("branch", app.tenant): app.branch().name}
    names |= {("group", g.code): g.name for g in app.groups(include_dissolved=True)}
    names |= {("member", m.member_no): m.name for m in app.members(include_left=True)}
    return names


def today() -> str:
    return tenancy_of(current_app).now().astimezone(CHINA).date().isoformat()


def when(moment: datetime) -> str:
    """A recorded time as the branch reads it (Beijing time)."""
    return i18n.beijing(moment)


def page_number(total: int, per_page: int) -> int:
    text = request.values.get("page", "")
    last = max(1, -(-total // per_page))
    return min(int(text), last) if text.isdigit() and int(text) >= 1 else 1


@bp.get("/branch/<code>")
@signed_in
def branch_home(code: str) -> str:
    actor = branch_reader(code)
    committee = user().committee
    tenancy = tenancy_of(current_app)
    chosen = filters.from_request(committee)
    year = chosen.year
    viewer = None if actor.tenant == committee else code
    # Whether the boards are open to branches is today's decision, whatever day is shown.
    opened = queries.board_open(read_model_of(current_app, committee), committee, year)
    boards: dict[str, list[dict[str, Any]]] = {}
    with reads.read_model(committee, chosen.as_of) as db:
        for level in ("branch", "group", "member"):
            rows = queries.board_rows(db, committee, year, level)
            boards[level] = queries.visible_rows(rows, viewer, opened)
        queue = reads.submissions(db, code)
        ballots = reads.branch_ballots(db, code, year)
    return render_template(
        "branch/home.html",
        code=code,
        name=tenancy.branch(code).branch().name,
        year=year,
        boards=boards,
        board_open=opened,
        returned=[s for s in queue if s["outcome"] == "returned"][:5],
        waiting=sum(1 for s in queue if s["outcome"] is None),
        ballots=ballots,
        actor=actor,
        filters=chosen,
    )


@bp.get("/branch/<code>/queue")
@signed_in
def branch_queue(code: str) -> str:
    branch_reader(code)
    tenancy = tenancy_of(current_app)
    app = tenancy.branch(code)
    return render_template(
        "branch/queue.html",
        code=code,
        name=app.branch().name,
        names=subject_names(app),
        rows=reads.submissions(read_model_of(current_app, code), code),
    )
