"""Read-model rows the pages list beside the committee's views: a committee's campaigns, what
a branch sent up and what was decided, the ballots."""

from __future__ import annotations

from typing import Any

from cxzy_saas.projections.db import ReadModelDB


def campaign_known(db: ReadModelDB, committee: str, year: int) -> bool:
    """Is the committee's campaign of ``year`` in the read model (yet)?"""
    with db.read() as tx:
        known = tx.query(
            "SELECT 1 FROM rm_campaigns WHERE committee = ? AND year = ?", (committee, year)
        )
    return bool(known)


def campaigns(db: ReadModelDB, committee: str) -> list[dict[str, Any]]:
    """The committee's campaigns, the latest first."""
    with db.read() as tx:
        found = tx.query(
            "SELECT year, title, board_open, closed_on FROM rm_campaigns WHERE committee = ? "
            "ORDER BY year DESC",
            (committee,),
        )
    keys = ("year", "title", "board_open", "closed_on")
    return [dict(zip(keys, row, strict=True)) for row in found]


def submissions(db: ReadModelDB, branch: str) -> list[dict[str, Any]]:
    """What a branch sent up, newest first, each with the committee's decision (or None)."""
    with db.read() as tx:
        found = tx.query(
            "SELECT s.kind, s.subject, s.submission, s.year, s.title, s.submitted_at, "
            "d.outcome, d.reason, d.decided_at FROM rm_submissions s "
            "LEFT JOIN rm_decisions d ON d.branch = s.tenant AND d.kind = s.kind "
            "AND d.subject = s.subject AND d.submission = s.submission "
            "WHERE s.tenant = ? ORDER BY s.submitted_at DESC, s.kind, s.subject",
            (branch,),
        )
    keys = (
        "kind",
        "subject",
        "submission",
        "year",
        "title",
        "submitted_at",
        "outcome",
        "reason",
        "decided_at",
    )
    return [dict(zip(keys, row, strict=True)) for row in found]


def open_ballots(db: ReadModelDB) -> list[tuple[str, str]]:
    """(branch, ballot id) of every ballot not yet closed, in every tenant."""
    with db.read() as tx:
        found = tx.query(
            "SELECT tenant, ballot FROM rm_ballots WHERE closed = 0 ORDER BY tenant, ballot"
        )
    return [(str(t), str(b)) for t, b in found]


def ballot_by_short(db: ReadModelDB, short: str) -> tuple[str, str] | None:
    """(branch, ballot id) of the ballot whose slips carry the address ``/b/<short>``."""
    with db.read() as tx:
        found = tx.query(
            "SELECT tenant, ballot FROM rm_ballots WHERE short = ? ORDER BY tenant, ballot",
            (short,),
        )
    return (str(found[0][0]), str(found[0][1])) if found else None


def branch_ballots(db: ReadModelDB, branch: str, year: int) -> list[dict[str, Any]]:
    """A branch's ballots of a campaign year: turnout so far, and whether closed."""
    with db.read() as tx:
        found = tx.query(
            "SELECT ballot, title, short, issued, cast_count, closed FROM rm_ballots "
            "WHERE tenant = ? AND year = ? ORDER BY ballot",
            (branch, year),
        )
    keys = ("ballot", "title", "short", "issued", "cast", "closed")
    return [dict(zip(keys, row, strict=True)) for row in found]
