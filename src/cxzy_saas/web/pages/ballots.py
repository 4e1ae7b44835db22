"""A branch opens a democratic rating (民主测评), prints its one-time codes, and closes it.

The codes are shown once, on the page that opens the ballot, and never stored (the log keeps
their hashes): the page is marked ``no-store`` so that no cache keeps them either. Each printed
slip carries the ballot's own address, so raters need not know which ballot a code belongs to.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.errors import DomainError, InvalidInput, NotFound
from cxzy_saas.domain.scoring import POOLS
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import acting_for, signed_in, user
from cxzy_saas.web.pages.branch import branch_reader, campaign_year


def page(code: str, year: int, form: dict[str, Any], errors: dict[str, str]) -> str:
    app = tenancy_of(current_app).branch(code)
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
        errors=errors,
        can_write=branch_reader(code).role in BRANCH_WRITERS,
    )


@bp.get("/branch/<code>/ballots")
@signed_in
def ballots(code: str) -> str:
    branch_reader(code)
    year = campaign_year(user().committee)
    form = {"title": "", "subjects": None, "members": "", "constituents": ""}
    return page(code, year, form, {})


def counts(form: dict[str, Any]) -> dict[str, int]:
    found = {}
    for pool in POOLS:
        text = str(form.get(pool, "")).strip() or "0"
        if not text.isdigit():
            raise InvalidInput("ballot.codes_out_of_range", field=pool)
        found[pool] = int(text)
    return found


@bp.post("/branch/<code>/ballots")
@signed_in
def ballot_open(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form: dict[str, Any] = {
        "title": request.form.get("title", ""),
        "subjects": request.form.getlist("subject"),
        **{pool: request.form.get(pool, "") for pool in POOLS},
    }
    app = tenancy_of(current_app).branch(code)
    try:
        chosen = [tuple(s.split(":", 1)) for s in form["subjects"] if ":" in s]
        ballot_id, printable = app.open_ballot(
            actor, year, form["title"], chosen, counts(form), tenancy_of(current_app).now().date()
        )
    except DomainError as error:
        field = error.field if error.field in ("title", "subjects", *POOLS) else "form"
        if field == "codes":
            field = "members"
        return page(code, year, form, {field: i18n.message(error)}), 422
    slips = [(pool, c) for pool in POOLS for c in printable.get(pool, [])]
    address = url_for("pages.ballot_cast", branch=code, ballot_id=ballot_id, _external=True)
    html = render_template(
        "branch/ballot_codes.html", title=form["title"], slips=slips, address=address, code=code
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
    tenancy_of(current_app).branch(code).close_ballot(
        actor, uuid, tenancy_of(current_app).now().date()
    )
    flash(i18n.tr("测评已结束", "The ballot is closed"))
    return redirect(url_for("pages.ballots", code=code))
