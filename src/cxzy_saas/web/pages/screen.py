"""The 大屏: a committee's campaign on one 1920×1080 screen for a meeting room (key figures,
the first and last branches, the last month's assessments, ballot turnout), refreshing itself.

The page is drawn once by the server; ``static/screen.js`` then fetches ``screen.json`` every
``REFRESH`` seconds and writes the new figures into the same elements (no reload, no flicker).
Without script the page reloads itself (``<meta http-equiv="refresh">`` in a ``<noscript>``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, render_template
from werkzeug.wrappers import Response

from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.projections import boards, queries
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import committee_reader, opens, signed_in, user
from cxzy_saas.web.pages.filters import Filters, from_request
from cxzy_saas.web.pages.reads import read_model

REFRESH = 60  # seconds between two fetches of the figures
ENDS = 5  # branches shown at each end of the board
nav_link("committee", "pages.screen", "大屏", "Big screen")


def month_followed(day: date, year: int) -> str:
    """The month whose assessments the screen follows on ``day``: the last one ended (a month
    is assessed once it is over, by the 10th of the next), within the campaign ``year``: its
    December once the year is over, its January until January is."""
    if day.year > year:
        return f"{year}-12"
    if day.year < year or day.month == 1:
        return f"{year}-01"
    return f"{year}-{day.month - 1:02d}"


def figures(committee: str, filters: Filters) -> dict[str, Any]:
    """Everything the screen shows, as plain JSON."""
    today = filters.today()
    period = month_followed(today, filters.year)
    with read_model(committee, filters.as_of) as db:
        with db.read() as tx:
            top, ranked = boards.read_board(
                tx,
                committee,
                filters.year,
                "branch",
                boards.BoardQuery(status="rated", per_page=ENDS),
            )
            bottom, _ = boards.read_board(
                tx,
                committee,
                filters.year,
                "branch",
                boards.BoardQuery(status="rated", sort="-rank", per_page=ENDS),
            )
            _, branches = boards.read_board(
                tx, committee, filters.year, "branch", boards.BoardQuery(per_page=1)
            )
            _, members = boards.read_board(
                tx, committee, filters.year, "member", boards.BoardQuery(per_page=1)
            )
            _, rated_members = boards.read_board(
                tx, committee, filters.year, "member", boards.BoardQuery(status="rated", per_page=1)
            )
        progress = queries.assessment_progress(db, committee, period)
        ballots = queries.ballots(db, committee, filters.year)
        waiting = [
            a
            for a in queries.approvals(db, committee, open_years=True)
            if a["year"] == filters.year
        ]
        late = queries.overdue(db, committee, filters.year, today)
    due = sum(p["due"] for p in progress)
    assessed = sum(p["assessed"] for p in progress)
    issued = sum(b["issued"] for b in ballots)
    cast = sum(b["cast"] for b in ballots)

    def shown(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": row["code"],
            "name": row["name"],
            "rank": row["rank"],
            "composite": row["composite"],
            "missing": row["missing"],
        }

    return {
        "campaign": filters.year,
        "as_of": filters.as_of.isoformat() if filters.as_of else None,
        "period": period,
        "period_label": i18n.period(period),  # 2026年11月
        "notes": list(filters.errors.values()),  # a campaign or day asked for and not shown
        "key": {
            "branches": branches,
            "ranked": ranked,
            "members": members,
            "rated_members": rated_members,
            "waiting": len(waiting),
            "overdue": len(late),
        },
        "top": [shown(r) for r in top],
        "bottom": [shown(r) for r in bottom if r["code"] not in {t["code"] for t in top}],
        "progress": {
            "due": due,
            "assessed": assessed,
            "share": round(assessed / due * 100, 1) if due else None,
            "branches": sorted(
                progress, key=lambda p: (p["assessed"] / p["due"] if p["due"] else 1, p["branch"])
            ),
        },
        "ballots": {
            "count": len(ballots),
            "open": sum(1 for b in ballots if not b["closed"]),
            "issued": issued,
            "cast": cast,
            "turnout": round(cast / issued * 100, 1) if issued else None,
        },
    }


@bp.get("/committee/screen")
@signed_in
@opens(COMMITTEE_READERS)
def screen() -> str:
    committee_reader()
    committee = user().committee
    filters = from_request(committee)
    data = figures(committee, filters)
    return render_template(
        "committee/screen.html",
        data=data,
        filters=filters,
        refresh=REFRESH,
        lang_code=i18n.lang(),
    )


@bp.get("/committee/screen.json")
@signed_in
@opens(COMMITTEE_READERS)
def screen_data() -> Response:
    committee_reader()
    committee = user().committee
    response = jsonify(figures(committee, from_request(committee)))
    response.headers["Cache-Control"] = "no-store"
    return response
