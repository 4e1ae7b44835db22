"""The committee's approvals queue: approve or return what branches submitted, with a reason;
acknowledge what they reported."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.committee import Acknowledge
from cxzy_saas.application.commands.evaluation import DecideNominee
from cxzy_saas.application.commands.plans import DecidePlan
from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.domain.errors import DomainError, InvalidInput
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections import queries
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import committee_reader, committee_writer, opens, signed_in, user
from cxzy_saas.web.pages.filters import Filters, from_request
from cxzy_saas.web.pages.forms import Form, forms_of, typed
from cxzy_saas.web.pages.reads import read_model

ACKNOWLEDGED = ("measure", "midyear-report", "annual-summary")


def waiting(filters: Filters) -> list[dict[str, Any]]:
    """The queue: from the read model, as of a day; for today, without what the committee's own
    log shows decided already (the projector may be a moment behind a decision just made)."""
    committee = user().committee
    with read_model(committee, filters.as_of) as db:
        rows = queries.approvals(db, committee)
    if filters.as_of is not None:
        return rows
    app = tenancy_of(current_app).committee(committee)
    return [
        r
        for r in rows
        if app.decision(r["branch"], r["kind"], r["subject"], r["submission"]) is None
    ]


def row_key(row: dict[str, Any]) -> str:
    return f"{row['branch']}|{row['kind']}|{row['subject']}|{row['submission']}"


nav_link("committee", "pages.approvals", "审批", "Approvals")


@bp.get("/committee/approvals")
@signed_in
@opens(COMMITTEE_READERS)
def approvals() -> str:
    actor = committee_reader()
    filters = from_request(user().committee)
    return render_template(
        "committee/approvals.html",
        filters=filters,
        rows=waiting(filters),
        can_decide=actor.role == "committee-admin" and filters.as_of is None,
        row_key=row_key,
        forms=forms_of(),
    )


def decide(actor: Actor, form: Form) -> None:
    """One decision, by the committee's application (which validates it, as for the API).

    Raises:
        DomainError: the application's refusal.
        ValueError: a year that is not a number.
    """
    app = tenancy_of(current_app).committee(actor.tenant)
    branch, kind, subject = form.value("branch"), form.value("kind"), form.value("subject")
    outcome, reason = form.value("outcome"), form.value("reason")
    if kind == "plan":
        app.decide_plan(
            actor, DecidePlan(branch=branch, year=int(subject), outcome=outcome, reason=reason)
        )
    elif kind == "nominee":
        year, level, who = subject.split(":", 2)
        app.decide_nominee(
            actor,
            DecideNominee(
                branch=branch,
                year=int(year),
                level=level,
                subject=who,
                outcome=outcome,
                reason=reason,
            ),
        )
    elif kind in ACKNOWLEDGED:
        if outcome != "acknowledged":
            raise InvalidInput(
                "decision.acknowledge_only", field="outcome", kind=kind, outcome=outcome
            )
        year = form.value("year")
        app.acknowledge(
            actor,
            Acknowledge(branch=branch, year=int(year), kind=kind, subject=subject, note=reason),
        )
    else:
        raise InvalidInput("decision.unknown_approval", field="kind", kind=kind)


@bp.post("/committee/approvals")
@signed_in
def approvals_decide() -> str | Response | tuple[str, int]:
    actor = committee_writer()
    form = typed()
    subject, outcome = form.value("subject"), form.value("outcome")
    try:
        if not subject:
            raise InvalidInput("decision.nothing_to_decide", field="subject")
        decide(actor, form)
    except (DomainError, ValueError) as error:
        refusal = (
            error
            if isinstance(error, DomainError)
            else InvalidInput("decision.malformed_subject", field="subject")
        )
        form.error = i18n.message(refusal)
        filters = from_request(user().committee)
        key = "|".join(form.value(name) for name in ("branch", "kind", "subject", "submission"))
        return render_template(
            "committee/approvals.html",
            filters=filters,
            rows=waiting(filters),
            can_decide=True,
            row_key=row_key,
            forms=forms_of({key: form}),
        ), 422
    done = {"approved": "已批准", "returned": "已退回", "acknowledged": "已收悉"}
    flash(i18n.tr(done.get(outcome, "已完成"), f"Done: {outcome}"))
    return redirect(url_for("pages.approvals"))
