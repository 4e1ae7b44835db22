"""The committee's organisation (组织架构): its branches, their groups and members as a tree,
and a search over names, member numbers, group codes and branches (committee users only)."""

from __future__ import annotations

import unicodedata

from flask import current_app, render_template, request

from cxzy_saas.application.permissions import COMMITTEE_READERS
from cxzy_saas.projections import organisation
from cxzy_saas.web import read_model_of
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import committee_reader, opens, signed_in, user

nav_link("committee", "pages.organisation_tree", "组织架构", "Organisation")

MAX_QUERY = 50


def asked() -> str:
    return request.args.get("q", "").strip()[:MAX_QUERY]


@bp.get("/committee/organisation")
@signed_in
@opens(COMMITTEE_READERS, hidden=True)
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
@opens(COMMITTEE_READERS, hidden=True)
def organisation_search() -> str | tuple[str, int]:
    committee_reader()
    committee = user().committee
    raw = request.args.get("q", "")
    text = asked()
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in raw):
        # a NUL or another control character matches everything in LIKE: refused, not listed
        error = i18n.tr(
            "搜索词不能含有控制字符，请重新输入。", "the search holds a control character"
        )
        page = render_template("committee/search.html", q="", found=[], error=error, limit=0)
        return page, 400
    if "q" in request.args and not text:
        error = i18n.tr("请输入要搜索的姓名、编号或党支部名称。", "type a name, number or branch")
        return render_template("committee/search.html", q="", found=[], error=error, limit=0)
    found = organisation.search(read_model_of(current_app, committee), committee, text)
    return render_template(
        "committee/search.html", q=text, found=found, limit=organisation.SEARCH_LIMIT
    )
