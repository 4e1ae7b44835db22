"""A branch's own pages: its home (own position on the boards) and its queue of what it sent
up with the committee's decisions. The committee's staff may read them; nobody else may.

Also what every page of a branch shares: who may read it, the campaign shown, the plan in force,
the subjects of its forms, today and recorded times in Beijing time, the page asked for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, g, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.leaders import check_leads
from cxzy_saas.application.permissions import (
    BRANCH_READERS,
    BRANCH_WRITERS,
    COMMITTEE_READERS,
)
from cxzy_saas.domain.errors import DomainError, InvalidInput, NotFound
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections import boards
from cxzy_saas.projections.db import Tx
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api import openness
from cxzy_saas.web.listing import fresh_model
from cxzy_saas.web.pages import bp, i18n, nav_link, reads
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.filters import current_campaign
from cxzy_saas.web.pages.forms import ONCE, once_key

READERS = BRANCH_READERS | COMMITTEE_READERS
CHINA = i18n.BEIJING


def branch_reader(code: str) -> Actor:
    """Raises NotFound for anyone outside this branch and its committee."""
    return acting_for(code, READERS)


def colleagues_open(code: str) -> bool:
    """Whether the plan in force opens colleagues' scores to members (decision 0018)."""
    return openness.colleagues_open(branch_app(code), campaign_year(user().committee))


def committee_answer(app: BranchApplication, kind: str, year: int) -> dict[str, Any] | None:
    """The committee's acknowledgement of what the branch reported to it (its half-year
    report, ``midyear-report``; its annual summary, ``annual-summary``): the day, in Beijing,
    and its note; None before it answers."""
    decision = app.parent().decision(app.tenant, kind, str(year), 1)
    if decision is None:
        return None
    return {"on": i18n.beijing(decision.created_on)[:10], "note": decision.reason}


def own_member_only(reader: Actor, code: str) -> str | None:
    """The member number whose member-level rows alone ``reader`` may read of branch
    ``code`` in the year shown (``openness.own_member_of``, the API's rule)."""
    return openness.own_member_of(reader, branch_app(code), campaign_year(user().committee))


def campaign_year(committee: str) -> int:
    """The campaign asked for (``?campaign=``, or a form's hidden ``campaign`` field: every form
    carries the year its page showed, :func:`form_keys`), else :func:`current_campaign`.

    Raises:
        NotFound: a campaign the committee does not have (a 404 page saying so, as the API's
            lists refuse it), rather than another year's data shown under it.
    """
    campaigns = reads.campaigns(committee)
    wanted = request.values.get("campaign", "").strip()
    if wanted:
        if not (wanted.isdigit() and int(wanted) in {c["year"] for c in campaigns}):
            raise NotFound("campaign.not_found", field="campaign", year=wanted[:10])
        year = int(wanted)
    else:
        year = current_campaign(campaigns)
    g.campaign_year = year
    return year


@bp.app_template_global("form_keys")
def form_keys(year: int | None = None) -> Markup:
    """What every form of the pages sends besides its fields: the CSRF token, a key that lets
    it save once however often it is sent (``forms.Form.run``), and the campaign year the page
    was shown for (``year``, or the request's), so that a form saves into the year it showed
    even when another year's campaign opens meanwhile."""
    keys = f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
    keys += f'<input type="hidden" name="{ONCE}" value="{once_key()}">'
    year = year if year is not None else g.get("campaign_year")
    if year is not None:
        keys += f'<input type="hidden" name="campaign" value="{int(year)}">'
    return Markup(keys)


def asked_month() -> int | None:
    """The month the address or form names (``month``), if any.

    Raises:
        InvalidInput: ``month.out_of_range`` for one that is not 1 to 12 (a 422 page).
    """
    text = request.values.get("month", "").strip()
    if not text:
        return None
    if not (text.isdigit() and 1 <= int(text) <= 12):
        raise InvalidInput("month.out_of_range", field="month")
    return int(text)


def branch_app(code: str) -> BranchApplication:
    return tenancy_of(current_app).branch(code)


def plan_in_force(app: BranchApplication, year: int) -> PlanContent | None:
    try:
        return app.plan_content(year)[0]
    except NotFound:
        return None


def may_act_on(
    app: BranchApplication, code: str, roles: frozenset[str], level: str, subject: str, **how: bool
) -> bool:
    """Whether the signed-in user may act on this subject as the commands check it: in one of
    ``roles`` here, and as a group leader on their own group's members only (``how``: the
    check's options, ``writing`` for a group's own writings)."""
    try:
        check_leads(app, acting_for(code, roles), level, subject, **how)
    except DomainError:
        return False
    return True


def subject_choices(app: BranchApplication) -> list[tuple[str, list[tuple[str, str]]]]:
    """The subjects of a form, by level: the branch itself, its groups, its members."""
    return [
        ("branch", [(app.tenant, app.branch().name)]),
        ("group", [(g.code, g.name) for g in app.groups()]),
        ("member", [(m.member_no, f"{m.name}（{m.member_no}）") for m in app.members()]),
    ]


def today() -> str:
    return tenancy_of(current_app).today().isoformat()


def when(moment: datetime) -> str:
    """A recorded time as the branch reads it (Beijing time)."""
    return i18n.beijing(moment)


def page_number(total: int, per_page: int) -> int:
    text = request.values.get("page", "")
    last = max(1, -(-total // per_page))
    return min(int(text), last) if text.isdigit() and int(text) >= 1 else 1


TOP = 10  # a branch's home shows the boards' first rows, and its own
BRANCH_ROWS = 100_000  # more rows than any branch has on a board


def row_key(row: dict[str, Any]) -> tuple[str, str]:
    """A board row's branch and subject (a branch row is its own branch)."""
    return row.get("branch", row.get("code", "")), row.get("id", row.get("code", ""))


def standing(
    tx: Tx, committee: str, year: int, level: str, code: str, everyone: bool
) -> tuple[list[dict[str, Any]], int]:
    """What a branch's home shows of a board, and how many rows of it the reader may see: the
    first :data:`TOP` rows (``everyone``: the reader may see the whole board) and the branch's
    own, with their ranks, in the board's order. Read a page at a time in SQL: the whole
    member board is 3,000 rows at 200 branches, and decoding it took longer than the rest."""
    own, count = boards.read_board(
        tx, committee, year, level, boards.BoardQuery(only_branch=code, per_page=BRANCH_ROWS)
    )
    if not everyone:
        return own, count
    top, total = boards.read_board(tx, committee, year, level, boards.BoardQuery(per_page=TOP))
    shown = {row_key(row) for row in top}
    return top + [row for row in own if row_key(row) not in shown], total


nav_link("branch", "pages.branch_home", "本支部", "My branch")
nav_link("branch", "pages.branch_queue", "报批事项", "Submissions")


@bp.get("/branch/<code>/queue")
@signed_in
@opens(READERS)
def branch_queue(code: str) -> str:
    reader = branch_reader(code)
    tenancy = tenancy_of(current_app)
    app = tenancy.branch(code)
    # what the branch sent and what the committee decided, as of this request (read-your-writes)
    rows = reads.submissions(fresh_model(code, decided=True), code)
    rows = openness.seen_by(own_member_only(reader, code), rows)
    return render_template(
        "branch/queue.html",
        code=code,
        name=app.branch().name,
        rows=rows,
        way_back=ways_back(code, rows) if may(code, BRANCH_WRITERS) else {},
        # a closed year is final: what the committee did not answer waits for nothing now
        closed={c["year"] for c in reads.campaigns(user().committee) if c["closed_on"]},
    )


def ways_back(code: str, rows: list[dict[str, Any]]) -> dict[tuple[str, str, int], str]:
    """Where a returned plan or nominee is answered and sent again, by (kind, subject,
    submission): only the latest submission of each, and only while nothing was sent since."""
    latest: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["kind"], row["subject"])
        latest[key] = max(latest.get(key, 0), row["submission"])
    # A nominee sent again is a later submission of the year's whole nomination.
    nominations: dict[str, int] = {}
    for row in rows:
        if row["kind"] == "nominee":
            year = row["subject"].split(":", 1)[0]
            nominations[year] = max(nominations.get(year, 0), row["submission"])
    found = {}
    for row in rows:
        if row.get("outcome") != "returned":
            continue
        kind, subject, number = row["kind"], row["subject"], row["submission"]
        if kind == "plan" and number == latest[(kind, subject)]:
            link = url_for("pages.branch_plan", code=code, campaign=subject) + "#revise"
        elif kind == "nominee" and number == nominations[subject.split(":", 1)[0]]:
            year = subject.split(":", 1)[0]
            link = url_for("pages.branch_nomination", code=code, campaign=year) + "#again"
        else:
            continue
        found[(kind, subject, number)] = link
    return found
