"""Sign-in, sign-out, the language switch, and a home page that depends on the role.

Sign-in is rate-limited per account and per address, failed attempts counted, together with
the API's token route (``web/limits.py``). Signing out ends every session and token of the
account, not only this browser's.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.committee import SignOut
from cxzy_saas.application.signin import authenticate
from cxzy_saas.domain.errors import NotFound, Unavailable
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import (
    PASSWORD_PAGE,
    current_user,
    end_session,
    offered,
    safe_next,
    sign_in,
    signed_in,
    user,
)
from cxzy_saas.web.problems import UNAVAILABLE_RETRY


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    target = safe_next(request.values.get("next"), url_for("pages.home"))
    if request.method == "GET":
        return render_template("login.html", username="", error=None, next=target)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    # The same check as the API's token route (application/signin.py).
    try:
        signed = authenticate(tenancy_of(current_app), username, password)
    except NotFound:
        error = i18n.tr("用户名或密码错误", "unknown user or wrong password")
        return render_template("login.html", username=username, error=error, next=target), 422
    except Unavailable as refused:
        error = i18n.message(refused)
        page = render_template("login.html", username=username, error=error, next=target)
        return Response(page, 503, {"Retry-After": str(UNAVAILABLE_RETRY)})
    sign_in(signed.committee, signed.account)
    if signed.account.must_change_password:
        return redirect(url_for(PASSWORD_PAGE))
    return redirect(target)


@bp.post("/logout")
def logout() -> Response:
    """End every session and token of the signed-in account, then this session."""
    found = current_user()
    if found is not None:
        committee = tenancy_of(current_app).committee(found.committee)
        committee.sign_out(found.self_actor(), SignOut(username=found.username))
    end_session()
    return redirect(url_for("pages.login"))


@bp.get("/lang/<code>")
def language(code: str) -> Response:
    """Changing the language changes nothing but the page: a plain link is enough."""
    if code in i18n.LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("pages.home")))


TEXT_SIZES = ("normal", "large")


@bp.get("/text/<size>")
def text_size(size: str) -> Response:
    """The larger-text switch: kept a year in its own cookie (not the 8-hour session), so that
    it holds on the next visit and on the ballot pages, signed in or not."""
    response = redirect(safe_next(request.args.get("next"), url_for("pages.home")))
    if size in TEXT_SIZES:
        response.set_cookie("text", size, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/")
@signed_in
def home() -> str | Response:
    """Committee staff go to the dashboard, a branch's people to their branch."""
    principal = user()
    if principal.committee_roles:
        return redirect(url_for("pages.dashboard"))
    if len(principal.branches) == 1:
        # A member's home is their own work, a group leader's their group; the rest the branch's.
        code = principal.branches[0]
        for endpoint in ("pages.my_work", "pages.my_group", "pages.branch_home"):
            if offered(endpoint, code):
                return redirect(url_for(endpoint, code=code))
    tenancy = tenancy_of(current_app)
    names = {t.code: t.name for t in tenancy.tenants()}
    branches = [(code, names.get(code, code)) for code in principal.branches]
    return render_template("home.html", branches=branches)


__all__ = ["current_user"]
