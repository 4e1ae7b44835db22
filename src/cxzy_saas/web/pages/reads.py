"""Read helpers of the pages: the read model (live, or as of a past day) and the lists the
JSON API does not need (their SQL is the projections', ``projections/lists.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import current_app

from cxzy_saas.projections import lists
from cxzy_saas.projections.asof import replay
from cxzy_saas.projections.db import ReadModelDB
from cxzy_saas.projections.lists import ballot_by_short, branch_ballots, open_ballots
from cxzy_saas.web import read_model_of, read_models_of, read_port_of
from cxzy_saas.web.listing import titled

__all__ = [
    "ballot_by_short",
    "branch_ballots",
    "campaigns",
    "open_ballots",
    "read_model",
    "submissions",
    "titled",
]


def submissions(db: ReadModelDB, branch: str) -> list[dict[str, Any]]:
    """What ``branch`` sent up, newest first, nominees by name."""
    return titled(lists.submissions(db, branch), branch)


@contextmanager
def read_model(committee: str, as_of: date | None) -> Iterator[ReadModelDB]:
    """The live read model of ``committee``'s cell, or a throw-away one replayed up to the
    end of ``as_of``."""
    live = read_model_of(current_app, committee)
    if as_of is None:
        yield live
        return
    # The projector keeps the live model's time index current; a request never catches it up
    # itself (two projectors over one model would count a batch twice).
    logs, models = read_port_of(current_app, committee), read_models_of(current_app, committee)
    with replay(logs, models, as_of, index=live, committee=committee) as db:
        yield db


def campaigns(committee: str) -> list[dict[str, Any]]:
    """The committee's campaigns, the latest first."""
    return lists.campaigns(read_model_of(current_app, committee), committee)


def closed_on(committee: str, year: int) -> Any:
    """The day the committee's campaign ``year`` closed, or None (open, or no such campaign)."""
    return next((c["closed_on"] for c in campaigns(committee) if c["year"] == year), None)
