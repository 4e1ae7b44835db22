"""The annual summary (年度总结) of a branch, filed once and reported to the members' meeting and
the committee; shown on the deeds page (``deeds``), whose forms post here.

The forms are the API's schemas and the application's commands (``web/api/annual_summaries.py``).
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from cxzy_saas.application.commands.correspondence import (
    CommendOwn,
    RecommendUpward,
    ReviseAnnualSummary,
)
from cxzy_saas.application.commands.evaluation import FileAnnualSummary, ReportAnnualSummary
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.web.api.annual_summaries import (
    AnnualSummaryIn,
    SummaryReportIn,
    SummaryRevisionIn,
)
from cxzy_saas.web.api.branch_commendation import CommendOwnIn, RecommendUpwardIn
from cxzy_saas.web.pages import bp
from cxzy_saas.web.pages.access import acting_for, signed_in, user
from cxzy_saas.web.pages.branch import branch_app, campaign_year
from cxzy_saas.web.pages.deeds import deeds_page, done
from cxzy_saas.web.pages.forms import Form, typed


@bp.post("/branch/<code>/annual-summary")
@signed_in
def branch_annual_summary(code: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed()
    app = branch_app(code)
    if form.submit(
        AnnualSummaryIn,
        lambda b: app.file_annual_summary(actor, FileAnnualSummary(**b)),
        year=year,
    ):
        return done(code, year, ("年度总结已保存", "Annual summary filed"), "#summary")
    return deeds_page(code, {"summary": form}), 422


@bp.post("/branch/<code>/annual-summary/report")
@signed_in
def branch_annual_summary_report(code: str) -> str | Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed()
    app = branch_app(code)
    if form.submit(
        SummaryReportIn,
        lambda b: app.report_annual_summary(actor, ReportAnnualSummary(year=year, **b)),
    ):
        return done(code, year, ("年度总结已报告", "Summary reported"), "#summary")
    return deeds_page(code, {"report": form}), 422


@bp.post("/branch/<code>/annual-summary/revision")
@signed_in
def branch_annual_summary_revision(code: str) -> str | Response | tuple[str, int]:
    """Correct the filed summary: a new revision, the earlier kept in the history."""
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed()
    app = branch_app(code)
    if form.submit(
        SummaryRevisionIn,
        lambda b: app.revise_annual_summary(actor, ReviseAnnualSummary(year=year, **b)),
    ):
        return done(code, year, ("年度总结已更正，请重新报告", "Summary corrected"), "#summary")
    return deeds_page(code, {"revision": form}), 422


def split_subject(form: Form) -> dict[str, str]:
    level, _, subject = str(form.value("subject")).partition(":")
    return {"level": level, "subject": subject}


@bp.post("/branch/<code>/own-commendation")
@signed_in
def branch_commend_own(code: str) -> str | Response | tuple[str, int]:
    """The branch commends one of its groups or members (通报表扬, 奖状证书, 奖品)."""
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed(["forms"])
    app = branch_app(code)
    if form.submit(
        CommendOwnIn,
        lambda b: app.commend_own(actor, CommendOwn(**b)),
        near="subject",
        year=year,
        **split_subject(form),
    ):
        return done(code, year, ("已表彰", "Commended"), "#own")
    return deeds_page(code, {"own": form}), 422


@bp.post("/branch/<code>/own-commendation/upward")
@signed_in
def branch_recommend_upward(code: str) -> str | Response | tuple[str, int]:
    """The branch recommends one it commended to the committee."""
    actor = acting_for(code, BRANCH_WRITERS)
    year = campaign_year(user().committee)
    form = typed()
    app = branch_app(code)
    if form.submit(
        RecommendUpwardIn,
        lambda b: app.recommend_upward(actor, RecommendUpward(**b)),
        near="subject",
        year=year,
        **split_subject(form),
    ):
        return done(code, year, ("已向上级党委推荐", "Recommended upward"), "#own")
    return deeds_page(code, {"upward": form}), 422
