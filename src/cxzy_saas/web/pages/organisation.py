"""The committee's organisation (组织架构): its branches, their groups and members as a tree,
and a search over names, member numbers, group codes and branches (committee users only)."""

from __future__ import annotations

from flask import current_app, render_template, request

from cxzy_saas.projections import organisation
from cxzy_saas.web import read_model_of
from cxzy_saas.web.pages import bp, nav_link
from cxzy_saas.web.pages.access import committee_reader, signed_in, user

nav_link("committee", "pages.organisation_tree", "组织架构", "Organisation")

MAX_QUERY = 50


def asked() -> str:
    return request.args.get("q", "").strip()[:MAX_QUERY]


@bp.get("/committee/organisation")
@signed_in
def organisation_tree() -> str:
    committee_reader()
    committee = user().committee
    db = read_model_of(current_app, committee)
    branches = organisation.tree(db, committee)
    return render_template(
        "committee/organisation.html",
        branches=branches,
        q="",
        members=sum(b["members"] for b in branches),
        groups=sum(1 for b in branches for g in b["groups"] if g["code"]),
    )


@bp.get("/committee/search")
@signed_in
def organisation_search() -> str:
    committee_reader()
    committee = user().committee
    text = asked()
    found = organisation.search(read_model_of(current_app, committee), committee, text)
    return render_template(
        "committee/search.html", q=text, found=found, limit=organisation.SEARCH_LIMIT
    )
