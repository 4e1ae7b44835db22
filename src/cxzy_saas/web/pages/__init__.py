"""HTML pages (zh-CN first, English on request), built on the application layer.

The pages translate HTTP to the same commands and queries the JSON API uses, with the same
validation and the same refusals; the only difference is how a refusal is shown (next to the
field, in Chinese, with what the user typed kept). Forms are protected against cross-site
requests by Flask-WTF's CSRFProtect (a token tied to the session in every form); the JSON API is
exempt, because it authenticates with bearer tokens, which a browser never sends on its own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from cxzy_saas.domain.errors import DomainError
from cxzy_saas.web import api, tenancy_of
from cxzy_saas.web.pages import i18n
from cxzy_saas.web.pages.access import current_user, offered, person
from cxzy_saas.web.problems import UPLOAD_LIMIT, UPLOADS, note, status_for

bp = Blueprint("pages", __name__)
csrf = CSRFProtect()


def allow_uploads() -> None:
    if request.endpoint in UPLOADS:
        request.max_content_length = UPLOAD_LIMIT


def init_app(app: Flask) -> None:
    """CSRF, the session cookie and the templates' helpers (called by ``create_app``)."""
    # Flask's defaults are a 31-day cookie sent on cross-site requests; pages want a working
    # day and SameSite=Lax (a second guard beside the CSRF token). The cookie is HttpOnly by
    # default; set SESSION_COOKIE_SECURE=True behind TLS (the demo serves plain http).
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=timedelta(hours=8))
    # A form's token is valid as long as its session (8 hours), not Flask-WTF's default hour:
    # a clerk typing a long grid should not lose it to a timeout.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # Before the CSRF check reads the form: uploads of evidence may be larger than other bodies.
    app.before_request(allow_uploads)
    csrf.init_app(app)
    csrf.exempt(api.bp)
    app.jinja_env.globals.update(
        tr=i18n.tr,
        lang=i18n.lang,
        label=i18n.label,
        ROLES=i18n.ROLES,
        LEVELS=i18n.LEVELS,
        KINDS=i18n.KINDS,
        OUTCOMES=i18n.OUTCOMES,
        GRADES=i18n.GRADES,
        BANDS=i18n.BANDS,
        menu=menu,
        offered=offered,
        COMPONENTS=i18n.COMPONENTS,
    )
    app.jinja_env.filters["beijing"] = i18n.beijing
    app.jinja_env.filters["ident"] = i18n.ident
    app.jinja_env.filters["person"] = person
    app.jinja_env.filters["first_clause"] = i18n.first_clause
    app.jinja_env.filters["period"] = i18n.period


@bp.app_context_processor
def signed_in_user() -> dict[str, object]:
    return {"current_user": current_user}


@bp.errorhandler(DomainError)
def refused(error: DomainError) -> tuple[str, int]:
    """A refusal no form caught: 404 for another tenant's pages, 403 for a role, and so on."""
    note(error)
    status = status_for(error)
    return render_template("error.html", status=status, error=i18n.message(error)), status


@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> tuple[str, int]:
    text = i18n.tr(
        "页面已过期或来源不明，请返回刷新后重新提交。",
        "The form expired or came from elsewhere; reload it and submit again.",
    )
    return render_template("error.html", status=400, error=text), 400


# The menus: each area of pages adds its links when imported (endpoint, Chinese, English, the
# address's other values). "committee" links are the committee's pages; "branch" links take the
# branch's ``code``. A user sees a link only if its page opens for them (access.offered, from the
# roles the page itself checks with access.opens).
NAV: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = {"committee": [], "branch": []}


def nav_link(menu: str, endpoint: str, zh: str, en: str, **values: Any) -> None:
    NAV[menu].append((endpoint, zh, en, values))


def menu() -> list[tuple[str, str]]:
    """The signed-in user's menu, (address, label) of every page they may open, in the order
    of the campaign year: the committee's pages, then each of their branches'."""
    me = current_user()
    if me is None or me.must_change_password:
        return []
    found = [
        (url_for(endpoint, **values), i18n.tr(zh, en))
        for endpoint, zh, en, values in NAV["committee"]
        if offered(endpoint)
    ]
    several = len(me.branches) > 1
    for code in me.branches:
        suffix = f" · {tenancy_of(current_app).branch(code).branch().name}" if several else ""
        found += [
            (url_for(endpoint, code=code, **values), i18n.tr(zh, en) + suffix)
            for endpoint, zh, en, values in NAV["branch"]
            if offered(endpoint, code)
        ]
    return found


# The areas of pages, one module each, named after the URL it serves; each registers its routes
# on bp (and its menu links) when imported here.
from cxzy_saas.web.pages import (  # noqa: E402,F401
    accounts,
    amendments,
    annual_summary,
    approvals,
    archives,
    assessment,
    audit,
    auth,
    ballot,
    ballots,
    branch,
    campaigns,
    committee,
    deeds,
    evaluation,
    evidence,
    exports,
    groups,
    imports,
    inspections,
    jobs,
    letters,
    measures,
    meetings,
    members,
    mine,
    nomination,
    organisation,
    password,
    plan,
    prints,
    quarterly,
    readmodels,
    records,
    screen,
    vendor,
)

# The menus in the order of the campaign year (areas register their links in import order);
# links not named here come last.
MENU_ORDER = (
    "pages.dashboard",
    "pages.board",
    "pages.matrix",
    "pages.trends",
    "pages.overdue",
    "pages.approvals",
    "pages.committee_letters",
    "pages.my_work",
    "pages.my_group",
    "pages.branch_home",
    "pages.assessment",
    "pages.branch_queue",
    "pages.ballots",
    "pages.org_members",
    "pages.org_groups",
    "pages.branch_plan",
    "pages.work_measures",
    "pages.work_records",
    "pages.work_inspections",
    "pages.work_meetings",
    "pages.branch_evaluation",
    "pages.branch_nomination",
    "pages.branch_deeds",
    "pages.branch_letters",
    "pages.committee_campaigns",
    "pages.committee_quarterly",
    "pages.imports",
    "pages.audit_trail",
    "pages.audit_diff",
    "pages.archives",
    "pages.rebuild_page",
    "pages.committee_accounts",
    "pages.branch_accounts",
)
for links in NAV.values():
    links.sort(key=lambda link: MENU_ORDER.index(link[0]) if link[0] in MENU_ORDER else 99)
