"""Amendments of a closed year (更正, decision 0011) in pages: the committee admin opens one
for a sealed branch-year with a reason, and closes it, which seals the next revision. Every
committee reader sees the list. The API's schemas (``web/api/amendments.py``) check the forms
and the committee's application runs them, as for the API.
"""

from __future__ import annotations

from uuid import UUID

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.committee import CloseAmendment, OpenAmendment
from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.web.api.amendments import AmendmentIn, CloseAmendmentIn
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import committee_reader, committee_writer, opens, signed_in
from cxzy_saas.web.pages.archives import committee_app, seals
from cxzy_saas.web.pages.branch import when
from cxzy_saas.web.pages.forms import Form, forms_of, typed


def amendments_page(year: int, failed: dict[str, Form] | None = None) -> str:
    actor = committee_reader()
    app = committee_app()
    campaign = app.campaign(year)
    branches = app.committee().branches
    sealed = {b for (b, y) in seals(app) if y == year}
    rows = [
        {
            **a,
            "branch_name": branches.get(a["branch"], a["branch"]),
            "opened": when(a["opened_at"]),
            "closed": when(a["closed_at"]) if a["closed_at"] else "",
        }
        for a in app.amendments(year)
    ]
    return render_template(
        "committee/amendments.html",
        campaign=campaign,
        rows=rows,
        branches=sorted(branches.items()),
        sealed=sealed,
        can_write=actor.role == "committee-admin",
        forms=forms_of(failed),
    )


@bp.get("/committee/campaigns/<int:year>/amendments")
@signed_in
@opens(COMMITTEE_READERS, hidden=True)
def committee_amendments(year: int) -> str:
    return amendments_page(year)


@bp.post("/committee/campaigns/<int:year>/amendments")
@signed_in
def committee_amendment_open(year: int) -> Response | tuple[str, int]:
    actor = committee_writer()
    app = committee_app()
    app.campaign(year)
    form = typed()
    if form.submit(
        AmendmentIn,
        lambda b: app.open_amendment(actor, OpenAmendment(year=year, **b)),
        near="branch",
    ):
        name = app.committee().branches.get(form.value("branch"), "")
        flash(i18n.tr(f"已发起更正：{name} {year} 年度", f"Amendment opened: {name} {year}"))
        return redirect(url_for("pages.committee_amendments", year=year))
    return amendments_page(year, {"open": form}), 422


@bp.post("/committee/campaigns/<int:year>/amendments/<amendment>/close")
@signed_in
def committee_amendment_close(year: int, amendment: str) -> Response | tuple[str, int]:
    actor = committee_writer()
    app = committee_app()
    app.campaign(year)
    try:
        found = UUID(amendment)
    except ValueError:
        raise NotFound("amendment.not_found", amendment=amendment, year=year) from None
    form = typed()
    if form.submit(
        CloseAmendmentIn,
        lambda b: app.close_amendment(actor, CloseAmendment(year=year, amendment=found, **b)),
    ):
        flash(i18n.tr("更正已结束，已重新归档为新版本", "Amendment closed and resealed"))
        return redirect(url_for("pages.committee_amendments", year=year))
    return amendments_page(year, {amendment: form}), 422
