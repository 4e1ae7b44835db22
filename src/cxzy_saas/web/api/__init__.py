"""The JSON API under /api/v1: HTTP in, commands and queries out, nothing more."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from cxzy_saas.web.api import auth, boards, branches  # noqa: E402,F401  (routes register on bp)
