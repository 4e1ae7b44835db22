"""The JSON API under /api/v1: HTTP in, commands and queries out, nothing more."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The resources, one module each, named after the URL it serves; each registers its routes on
# bp when imported here.
from cxzy_saas.web.api import (  # noqa: E402,F401
    accounts,
    acknowledgements,
    amendments,
    annual_summaries,
    assessments,
    ballots,
    boards,
    branch_assessments,
    branch_commendation,
    branches,
    campaigns,
    commendation,
    deeds,
    evidence,
    groups,
    inspections,
    letters,
    measures,
    meetings,
    members,
    nominations,
    plans,
    rankings,
    records,
    reviews,
    tasks,
    tokens,
)
