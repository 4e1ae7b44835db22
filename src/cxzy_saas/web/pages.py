"""HTML pages (zh-CN). Until sign-in exists (issue 6) only the committee's overview is served:
names of the committee and its branches, nothing personal."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from cxzy_saas.web import tenancy_of

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    tenants = tenancy_of(current_app).tenants()
    return render_template("home.html", tenants=tenants)
