"""Read helpers of the pages: the read model (live, or as of a past day) and a few queries
the JSON API does not need."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import current_app

from cxzy_saas.projections.db import ReadModelDB
from cxzy_saas.web import read_model_of, tenancy_of


@contextmanager
def read_model(as_of: date | None) -> Iterator[ReadModelDB]:
    """The live read model, or a throw-away one replayed up to the end of ``as_of``."""
    live = read_model_of(current_app)
    if as_of is None:
        yield live
        return
    from cxzy_saas.projections.asof import replay

    # The embedded projector keeps the live model's time index current; a request never
    # catches it up itself (two projectors over one model would count a batch twice).
    with replay(tenancy_of(current_app), as_of, index=live) as db:
        yield db


def campaigns(committee: str) -> list[dict[str, Any]]:
    with read_model_of(current_app).read() as tx:
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


def branch_ballots(db: ReadModelDB, branch: str, year: int) -> list[dict[str, Any]]:
    with db.read() as tx:
        found = tx.query(
            "SELECT ballot, title, issued, cast_count, closed FROM rm_ballots "
            "WHERE tenant = ? AND year = ? ORDER BY ballot",
            (branch, year),
        )
    keys = ("ballot", "title", "issued", "cast", "closed")
    return [dict(zip(keys, row, strict=True)) for row in found]
