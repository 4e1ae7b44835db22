"""The quarterly inspection of the branch (季度检查): the measures checked, the gaps against
the criteria, the weak links and the improvements, once a quarter."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.work import CorrectInspection, RecordInspection
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.work import Inspection
from cxzy_saas.projections import lists
from cxzy_saas.web.api.inspections import InspectionCorrectionIn, InspectionIn
from cxzy_saas.web.api.schemas import text
from cxzy_saas.web.listing import fresh_model
from cxzy_saas.web.pages import bp, i18n, nav_link, reads
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in, user
from cxzy_saas.web.pages.branch import (
    READERS,
    branch_app,
    branch_reader,
    campaign_year,
    today,
    when,
)
from cxzy_saas.web.pages.forms import Form, refusal_of, typed

nav_link("branch", "pages.work_inspections", "季度检查", "Inspections")


class CorrectionForm(InspectionCorrectionIn):
    """The page's correction form sends every finding, filled with what the record says: one
    left empty is refused as empty, not taken for unchanged."""

    measures_checked = text(required=True)
    gaps = text(required=True)
    weak_links = text(required=True)
    improvements = text(required=True)


def inspections_page(
    code: str, form: Form | None = None, correcting: tuple[int, Form] | None = None
) -> str:
    app = branch_app(code)
    year = campaign_year(user().committee)
    found = lists.inspections(fresh_model(code), code, year, lists.Filters(), lists.Paging(1, 4))
    by_quarter = {row["quarter"]: row for row in found.items}
    quarters = []
    for quarter in range(1, 5):
        row = by_quarter.get(quarter)
        fix = None
        if row:  # its correction form, filled with what it says now (a refused one as typed)
            fix = Form({f: row[f] for f in Inspection.CORRECTABLE})
            if correcting is not None and correcting[0] == quarter:
                fix = correcting[1]
        quarters.append(
            {
                "quarter": quarter,
                "inspection": SimpleNamespace(**row) if row else None,
                "who": row["recorded_by"] if row else "",
                "when": when(row["recorded_at"]) if row else "",
                "fix": fix,
                "corrections": corrections_of(app, year, quarter) if row else (),
            }
        )
    next_quarter = next((q["quarter"] for q in quarters if q["inspection"] is None), 4)
    # a refused correction of a quarter this page shows no inspection of: said on top
    shown = {q["quarter"] for q in quarters if q["inspection"] is not None}
    lost = refusal_of(correcting[1]) if correcting and correcting[0] not in shown else ""
    return render_template(
        "work/inspections.html",
        code=code,
        name=app.branch().name,
        year=year,
        quarters=quarters,
        form=form or Form({"quarter": str(next_quarter), "on": today()}),
        # a closed year is final: nothing to record or correct (an amendment is the way)
        can_write=may(code, BRANCH_WRITERS) and not reads.closed_on(user().committee, year),
        failed=correcting[0] if correcting else None,
        lost=lost,
    )


def corrections_of(app: BranchApplication, year: int, quarter: int) -> Sequence[dict[str, Any]]:
    inspection = app.inspection(year, quarter)
    return inspection.corrections if inspection else ()


@bp.get("/branch/<code>/inspections")
@signed_in
@opens(READERS)
def work_inspections(code: str) -> str:
    branch_reader(code)
    return inspections_page(code)


@bp.post("/branch/<code>/inspections")
@signed_in
def work_inspection(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    year = campaign_year(user().committee)
    form = typed()
    if not form.submit(
        InspectionIn,
        lambda b: app.record_inspection(actor, RecordInspection(**b)),
        year=year,
    ):
        return inspections_page(code, form), 422
    flash(i18n.tr("季度检查已记录", "The inspection was recorded"))
    return redirect(url_for("pages.work_inspections", code=code))


@bp.post("/branch/<code>/inspections/<int:quarter>/correction")
@signed_in
def work_inspection_correction(code: str, quarter: int) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    year = campaign_year(user().committee)
    form = typed()
    if not form.submit(
        CorrectionForm,
        lambda b: app.correct_inspection(actor, CorrectInspection(year=year, quarter=quarter, **b)),
    ):
        return inspections_page(code, correcting=(quarter, form)), 422
    flash(i18n.tr("季度检查已更正", "The inspection was corrected"))
    return redirect(url_for("pages.work_inspections", code=code, _anchor=f"q{quarter}"))
