"""The JSON API under /api/v1: HTTP in, commands and queries out, nothing more."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each module registers its routes on bp when imported.
from cxzy_saas.web.api import (  # noqa: E402,F401
    assessments,
    ballots,
    boards,
    branches,
    committee,
    evaluation,
    nominations,
    plans,
    tokens,
    work,
)
