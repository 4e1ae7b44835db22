"""The filters every committee view takes: the campaign (year) and an "as of" day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app, request

from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.text import as_typed, bad_character
from cxzy_saas.projections.queries import parse_day, past_day
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n, reads


@dataclass
class Filters:
    year: int
    years: list[dict[str, Any]]
    as_of: date | None = None
    as_of_text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def today(self) -> date:
        """The day the view is for: the as-of day, or today on the application's clock."""
        return self.as_of or tenancy_of(current_app).today()

    def args(self) -> dict[str, Any]:
        """Query arguments that carry the filters to the next view."""
        found: dict[str, Any] = {"campaign": self.year}
        if self.as_of:
            found["as_of"] = self.as_of.isoformat()
        return found


def current_campaign(campaigns: list[dict[str, Any]]) -> int:
    """The year a page opens on when none is asked for: this year's campaign while it is open
    (a next year's opened early does not take its place), else the latest open one, else the
    latest; this year when the committee has none."""
    this_year = tenancy_of(current_app).now().astimezone(i18n.BEIJING).year
    open_ = [c["year"] for c in campaigns if not c["closed_on"]]
    if this_year in open_:
        return this_year
    if open_:
        return max(open_)
    return max((c["year"] for c in campaigns), default=this_year)


def from_request(committee: str) -> Filters:
    """Unknown or malformed filters fall back to the current campaign and today, with a note
    next to the field, rather than refusing the whole page."""
    years = reads.campaigns(committee)
    known = [c["year"] for c in years]
    filters = Filters(year=current_campaign(years), years=years)
    wanted = request.args.get("campaign", "")
    if wanted:
        if wanted.isdigit() and int(wanted) in known:
            filters.year = int(wanted)
        else:
            filters.errors["campaign"] = i18n.tr("没有这个年度的活动", "no such campaign")
    # a day typed in full width (２０２６－０６－３０) is read as the forms read it; one holding a
    # control character is not echoed back into the page
    text = as_typed(request.args.get("as_of", ""))
    if bad_character(text, multiline=False):
        filters.errors["as_of"] = i18n.tr(
            "日期格式应为年-月-日，如 2026-03-01。", "a day is YYYY-MM-DD"
        )
        return filters
    filters.as_of_text = text
    if text:
        try:
            filters.as_of = past_day(parse_day(text), tenancy_of(current_app).today())
        except InvalidInput as error:
            filters.errors["as_of"] = i18n.message(error)
    return filters


@bp.app_template_global("campaign_label")
def campaign_label(campaign: dict[str, Any]) -> str:
    """A campaign in a year select: its title, which names its year (“2026年度创先争优活动”),
    or the year before a title that does not."""
    year, title = str(campaign["year"]), str(campaign.get("title") or "")
    if year in title:
        return title
    return i18n.tr(f"{year}年度：{title}", f"{year}: {title}") if title else year
