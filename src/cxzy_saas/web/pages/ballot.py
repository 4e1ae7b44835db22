"""The ballot page (民主测评): no account, a one-time code, a grade for every subject.

A printed code names neither its branch nor its ballot, and the log keeps only each code's hash
salted with its ballot's id (``domain/ballot.code_hash``). So a code typed at ``/ballot`` is
looked up by hashing it with the id of each ballot still open (listed by the read model) and
asking that ballot whether it issued the hash: a few hashes per open ballot, and no table that
maps codes to ballots, which would be one more place a code could leak from. The codes can also
be handed out with the ballot's own address, ``/ballot/<branch>/<ballot id>``, which checks
only that ballot. Nothing here records who cast a ballot.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.evaluation import CastBallot
from cxzy_saas.domain.ballot import Ballot, code_hash
from cxzy_saas.domain.errors import DomainError, NotFound, StateConflict
from cxzy_saas.domain.scoring import GRADES
from cxzy_saas.web import every_read_model, tenancy_of
from cxzy_saas.web.pages import bp, i18n, reads


def load_ballot(branch: str, ballot_id: str) -> Ballot:
    """Raises NotFound for an unknown branch or ballot (or a malformed id)."""
    try:
        uuid = UUID(ballot_id)
    except ValueError:
        raise NotFound("ballot.not_found") from None
    return tenancy_of(current_app).branch(branch).ballot(uuid)


def check_code(ballot: Ballot, code: str) -> None:
    """Raises NotFound for a code this ballot did not issue, StateConflict for a spent one or a
    closed ballot (the same refusals as casting)."""
    digest = code_hash(ballot.id, code)
    if digest not in ballot.pool_of:
        raise NotFound("ballot.unknown_code", field="code")
    if ballot.closed_on is not None:
        raise StateConflict("ballot.closed", field="code")
    if digest in ballot.spent:
        raise StateConflict("ballot.code_used", field="code")


def find_ballot(code: str) -> tuple[str, Ballot]:
    """The open ballot that issued ``code``.

    Raises:
        NotFound / StateConflict: as :func:`check_code`, for no ballot or a spent code.
    """
    # A code names no committee: every cell's open ballots are asked.
    found = [b for db in every_read_model(current_app) for b in reads.open_ballots(db)]
    for branch, ballot_id in found:
        try:
            ballot = load_ballot(branch, ballot_id)
        except NotFound:
            continue
        if code_hash(ballot.id, code) in ballot.pool_of:
            check_code(ballot, code)
            return branch, ballot
    raise NotFound("ballot.unknown_code", field="code")


def code_page(code: str, error: str | None, target: str, title: str = "") -> tuple[str, int]:
    page = render_template("ballot/code.html", code=code, error=error, target=target, title=title)
    return page, 200 if error is None else 422


def grades_page(
    branch: str, ballot: Ballot, code: str, chosen: dict[str, str], error: str | None = None
) -> tuple[str, int]:
    # Names are read from the members and groups, not from the ballot's events, so that a
    # member whose personal data was erased is not named here either.
    app = tenancy_of(current_app).branch(branch)
    names = {Ballot.key(s): app.subject_name(s["level"], s["subject"]) for s in ballot.subjects}
    page = render_template(
        "ballot/grades.html",
        names=names,
        branch=branch,
        ballot=ballot,
        code=code,
        chosen=chosen,
        grades=GRADES,
        error=error,
        key=Ballot.key,
    )
    return page, 200 if error is None else 422


@bp.route("/ballot", methods=["GET", "POST"])
def ballot_code() -> tuple[str, int]:
    target = url_for("pages.ballot_code")
    if request.method == "GET":
        return code_page("", None, target)
    code = request.form.get("code", "").strip()
    try:
        branch, ballot = find_ballot(code)
    except DomainError as error:
        return code_page(code, i18n.message(error), target)
    return grades_page(branch, ballot, code, {})


@bp.route("/ballot/<branch>/<ballot_id>", methods=["GET", "POST"])
def ballot_cast(branch: str, ballot_id: str) -> tuple[str, int] | Response:
    ballot = load_ballot(branch, ballot_id)
    target = url_for("pages.ballot_cast", branch=branch, ballot_id=ballot_id)
    if request.method == "GET":
        return code_page("", None, target, ballot.title)
    code = request.form.get("code", "").strip()
    if request.form.get("step") != "grades":
        try:
            check_code(ballot, code)
        except DomainError as error:
            return code_page(code, i18n.message(error), target, ballot.title)
        return grades_page(branch, ballot, code, {})
    chosen: dict[str, Any] = {
        Ballot.key(s): request.form.get(f"g.{Ballot.key(s)}", "") for s in ballot.subjects
    }
    grades = {k: v for k, v in chosen.items() if v}
    try:
        command = CastBallot(ballot_id=ballot.id, code=code, grades=grades)
        tenancy_of(current_app).branch(branch).cast_ballot(command)
    except DomainError as error:
        if error.field == "grades":
            return grades_page(branch, ballot, code, chosen, i18n.message(error))
        return code_page(code, i18n.message(error), url_for("pages.ballot_code"))
    return redirect(url_for("pages.ballot_done"))


@bp.get("/ballot/done")
def ballot_done() -> str:
    return render_template("ballot/done.html")
