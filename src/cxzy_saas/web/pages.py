"""HTML pages (zh-CN). The committee's overview and each branch's roster."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template

from cxzy_saas.web import tenancy_of

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    tenants = tenancy_of(current_app).tenants()
    return render_template("home.html", tenants=tenants)


@bp.get("/branches/<code>")
def branch(code: str) -> str:
    app = tenancy_of(current_app).branch(code)
    groups = {g.id: g for g in app.groups()}
    return render_template("branch.html", branch=app.branch(), groups=groups, members=app.members())


@bp.get("/api/v1/tenants")
def tenants_json() -> Response:
    return jsonify({"tenants": [t.as_dict() for t in tenancy_of(current_app).tenants()]})
