"""A branch opens a democratic rating (民主测评), prints its one-time codes, and closes it.

The codes are shown once, on the page that opens the ballot, and never stored (the log keeps
their hashes): the page is marked ``no-store`` so that no cache keeps them either. Each printed
slip carries the ballot's own address, so raters need not know which ballot a code belongs to.
"""

from __future__ import annotations

from uuid import UUID

from flask import current_app, flash, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.evaluation import CloseBallot, OpenBallot
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.errors import DomainError, InvalidInput, NotFound
from cxzy_saas.domain.scoring import POOLS
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import acting_for, signed_in, user
from cxzy_saas.web.pages.branch import branch_app, branch_reader, campaign_year
from cxzy_saas.web.pages.forms import Form, typed


def page(code: str, year: int, form: Form) -> str:
    app = branch_app(code)
    subjects = [("member", m.member_no, m.name) for m in app.members()]
    subjects += [("group", g.code, g.name) for g in app.groups()]
    return render_template(
        "branch/ballots.html",
        code=code,
        name=app.branch().name,
        year=year,
        ballots=app.ballots(year),
        subjects=subjects,
        form=form,
        can_write=branch_reader(code).role in BRANCH_WRITERS,
    )


@bp.get("/branch/<code>/ballots")
@signed_in
def ballots(code: str) -> str:
    branch_reader(code)
    year = campaign_year(user().committee)
    return page(code, year, Form())


def counts(form: Form) -> dict[str, int]:
    found = {}
    for pool in POOLS:
        text = str(form.value(pool)).strip() or "0"
        if not text.isdigit():
            raise InvalidInput("ballot.codes_out_of_range", field=pool)
        found[pool] = int(text)
    return found


@bp.post("/branch/<code>/ballots")
@signed_in
def ballot_open(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed(lists=["subject"])  # a box per subject, "level:subject"
    chosen = [s.split(":", 1) for s in form.value("subject") if ":" in s]
    app = branch_app(code)
    try:
        ballot_id, printable = app.open_ballot(
            actor,
            OpenBallot(
                year=year,
                title=form.value("title"),
                subjects=[{"level": level, "subject": subject} for level, subject in chosen],
                codes=counts(form),
                on=tenancy_of(current_app).now().date(),
            ),
        )
    except DomainError as error:
        field = error.field if error.field in ("title", "subjects", *POOLS) else ""
        if error.field == "codes":
            field = "members"
        if field:
            form.errors[field] = i18n.message(error)
        else:
            form.error = i18n.message(error)
        return page(code, year, form), 422
    slips = [(pool, c) for pool in POOLS for c in printable.get(pool, [])]
    address = url_for("pages.ballot_cast", branch=code, ballot_id=ballot_id, _external=True)
    html = render_template(
        "branch/ballot_codes.html",
        title=form.value("title"),
        slips=slips,
        address=address,
        code=code,
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/branch/<code>/ballots/<ballot_id>/close")
@signed_in
def ballot_close(code: str, ballot_id: str) -> Response:
    actor = acting_for(code, BRANCH_WRITERS)
    try:
        uuid = UUID(ballot_id)
    except ValueError:
        raise NotFound("ballot.not_found") from None
    command = CloseBallot(ballot_id=uuid, on=tenancy_of(current_app).now().date())
    branch_app(code).close_ballot(actor, command)
    flash(i18n.tr("测评已结束", "The ballot is closed"))
    return redirect(url_for("pages.ballots", code=code))
