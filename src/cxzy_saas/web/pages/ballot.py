"""The rater's pages (民主测评): no account, a one-time code, a grade for every subject.

A slip carries a QR code of its ballot's short address, ``/b/<short>``, and the code printed
large; ``/ballot`` takes a code alone and finds its ballot by hashing the code with the key of
each ballot still open (listed by the read model), so that no table maps codes to ballots.

The steps are plain forms, so that they work without JavaScript and in WeChat's browser: the
code; then the criteria of the levels rated (the plan's, "应首先把优秀共产党员的条件交给大家")
above one compact row per subject with the four grades side by side, as on the paper 测评表;
then a confirmation of the grades chosen; then the cast. ``static/ballot.js`` only counts the
grades chosen as the rater goes ("已选 3/21"). The code travels in the forms' bodies, never in
an address, and the pages are neither cached nor sent as a referrer; the access log leaves
these addresses out (``web/access_log.py``). Nothing here records who cast a ballot.
"""

from __future__ import annotations

from collections import Counter
from uuid import UUID

from flask import current_app, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.application.commands.evaluation import CastBallot
from cxzy_saas.domain.ballot import Ballot
from cxzy_saas.domain.errors import DomainError, InvalidInput, NotFound, StateConflict
from cxzy_saas.domain.scoring import GRADES
from cxzy_saas.web import every_read_model, tenancy_of
from cxzy_saas.web.pages import bp, i18n, reads
from cxzy_saas.web.problems import note

CRITERIA_TITLES = {
    "member": ("优秀党员评选条件", "What makes an excellent member"),
    "group": ("先进党小组评选条件", "What makes an advanced group"),
}


def private(page: str | Response, status: int | None = None) -> Response:
    """A rater's page: never cached (the code is in its form). It is named as a referrer to this
    site only (the site-wide ``same-origin`` policy: the CSRF check of its own form needs the
    referrer over https), and the access logs leave out requests it refers."""
    response = make_response(page) if status is None else make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def by_short(short: str) -> tuple[str, Ballot]:
    """Raises NotFound for an address that names no ballot (in any cell: the address names no
    committee)."""
    wanted = short.strip().upper()
    found = next(
        (f for db in every_read_model(current_app) if (f := reads.ballot_by_short(db, wanted))),
        None,
    )
    if found is None:
        raise NotFound("ballot.not_found")
    branch, ballot_id = found
    return branch, tenancy_of(current_app).branch(branch).ballot(UUID(ballot_id))


def find_ballot(code: str) -> tuple[str, Ballot]:
    """The open ballot that issued ``code``.

    Raises:
        NotFound / StateConflict: no ballot issued it; it was spent or voided.
    """
    tenancy = tenancy_of(current_app)
    # A code names no committee: every cell's open ballots are asked.
    found = [b for db in every_read_model(current_app) for b in reads.open_ballots(db)]
    for branch, ballot_id in found:
        try:
            app = tenancy.branch(branch)
            ballot = app.ballot(UUID(ballot_id))
            digest = app.code_hash(ballot, code)
        except DomainError:
            continue
        if digest in ballot.pool_of:
            ballot.check_code(digest)
            return branch, ballot
    raise NotFound("ballot.unknown_code", field="code")


def criteria(branch: str, ballot: Ballot) -> list[tuple[str, list[str]]]:
    """The criteria of each level rated, from the branch's plan for the year (the default
    catalogue when it has none yet): (title, numbered texts)."""
    app = tenancy_of(current_app).branch(branch)
    try:
        by_level = {
            level: [text for _, text in sorted(found.items())]
            for level, found in app.plan_content(ballot.year)[0].criteria.items()
        }
    except NotFound:
        by_level = {}
        for c in default_plan_content()["criteria"]:
            by_level.setdefault(c["level"], []).append(c["text"])
    levels = [lv for lv in ("member", "group") if any(s["level"] == lv for s in ballot.subjects)]
    return [(i18n.tr(*CRITERIA_TITLES[lv]), by_level.get(lv, [])) for lv in levels]


def code_page(code: str, refusal: DomainError | None, target: str, title: str = "") -> Response:
    error = None
    if refusal is not None:
        note(refusal)
        error = i18n.message(refusal)
    page = render_template("ballot/code.html", code=code, error=error, target=target, title=title)
    return private(page, 200 if error is None else 422)


def rating_page(
    branch: str, ballot: Ballot, code: str, chosen: dict[str, str], error: str | None = None
) -> Response:
    # Names are read from the members and groups, not from the ballot's events, so that a
    # member whose personal data was erased is not named here either.
    app = tenancy_of(current_app).branch(branch)
    names = {Ballot.key(s): app.subject_name(s["level"], s["subject"]) for s in ballot.subjects}
    page = render_template(
        "ballot/rate.html",
        names=names,
        ballot=ballot,
        code=code,
        chosen=chosen,
        done=sum(1 for k in ballot.keys if chosen.get(k) in GRADES),
        grades=GRADES,
        error=error,
        criteria=criteria(branch, ballot),
        target=url_for("pages.ballot_short", short=ballot.short),
    )
    return private(page, 200 if error is None else 422)


def confirm_page(branch: str, ballot: Ballot, code: str, chosen: dict[str, str]) -> Response:
    app = tenancy_of(current_app).branch(branch)
    names = {Ballot.key(s): app.subject_name(s["level"], s["subject"]) for s in ballot.subjects}
    page = render_template(
        "ballot/confirm.html",
        names=names,
        ballot=ballot,
        code=code,
        chosen=chosen,
        counts=Counter(chosen.values()),
        grades=GRADES,
        target=url_for("pages.ballot_short", short=ballot.short),
    )
    return private(page)


def chosen_grades(ballot: Ballot) -> dict[str, str]:
    return {k: v for k in ballot.keys if (v := request.form.get(f"g.{k}", "")) in GRADES}


@bp.route("/ballot", methods=["GET", "POST"])
def ballot_code() -> Response:
    target = url_for("pages.ballot_code")
    if request.method == "GET":
        return code_page("", None, target)
    code = request.form.get("code", "").strip()
    try:
        branch, ballot = find_ballot(code)
    except DomainError as error:
        return code_page(code, error, target)
    return rating_page(branch, ballot, code, {})


@bp.route("/b/<short>", methods=["GET", "POST"])
def ballot_short(short: str) -> Response:
    """The slips' address: the code, the rating, the confirmation and the cast, by ``step``."""
    branch, ballot = by_short(short)
    target = url_for("pages.ballot_short", short=ballot.short)
    if request.method == "GET":
        if ballot.closed_on is not None:  # said at once, not after the code is typed
            closed = i18n.message(StateConflict("ballot.closed_on", on=ballot.closed_on))
            page = render_template("ballot/code.html", title=ballot.title, closed=closed)
            return private(page)
        return code_page("", None, target, ballot.title)
    app = tenancy_of(current_app).branch(branch)
    code, step = request.form.get("code", "").strip(), request.form.get("step", "code")
    try:
        ballot.check_code(app.code_hash(ballot, code))
    except DomainError as error:
        return code_page(code, error, target, ballot.title)
    chosen = chosen_grades(ballot)
    if step == "review":
        if len(chosen) < len(ballot.keys):
            message = i18n.message(InvalidInput("ballot.grade_missing"))
            return rating_page(branch, ballot, code, chosen, message)
        return confirm_page(branch, ballot, code, chosen)
    if step != "cast":
        return rating_page(branch, ballot, code, chosen)
    try:
        app.cast_ballot(CastBallot(ballot_id=ballot.id, code=code, grades=chosen))
    except DomainError as error:
        if error.field == "grades":
            return rating_page(branch, ballot, code, chosen, i18n.message(error))
        return code_page(code, error, target, ballot.title)
    return private(redirect(url_for("pages.ballot_done")))


@bp.get("/ballot/done")
def ballot_done() -> Response:
    return private(render_template("ballot/done.html"))
