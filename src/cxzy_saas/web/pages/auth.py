"""Sign-in, sign-out, the language switch, and a home page that depends on the role."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from cxzy_saas.domain.errors import NotFound
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import current_user, safe_next, sign_in, signed_in, user


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    target = safe_next(request.values.get("next"), url_for("pages.home"))
    if request.method == "GET":
        return render_template("login.html", username="", error=None, next=target)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    tenancy = tenancy_of(current_app)
    # The same check as the API's token route: every committee's accounts, argon2 hashes.
    for committee in sorted(tenancy.registry().committees()):
        try:
            tenancy.committee(committee).check_password(username, password)
        except NotFound:
            continue
        sign_in(username, committee)
        return redirect(target)
    error = i18n.tr("用户名或密码错误", "unknown user or wrong password")
    return render_template("login.html", username=username, error=error, next=target), 422


@bp.post("/logout")
def logout() -> Response:
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect(url_for("pages.login"))


@bp.get("/lang/<code>")
def language(code: str) -> Response:
    """Changing the language changes nothing but the page: a plain link is enough."""
    if code in i18n.LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("pages.home")))


@bp.get("/")
@signed_in
def home() -> str | Response:
    """Committee staff go to the dashboard, a branch's people to their branch."""
    principal = user()
    if principal.committee_roles:
        return redirect(url_for("pages.dashboard"))
    if len(principal.branches) == 1:
        return redirect(url_for("pages.branch_home", code=principal.branches[0]))
    tenancy = tenancy_of(current_app)
    names = {t.code: t.name for t in tenancy.tenants()}
    branches = [(code, names.get(code, code)) for code in principal.branches]
    return render_template("home.html", branches=branches)


__all__ = ["current_user"]
