"""Changing one's own password (修改密码), which every user may do, and must do after signing in
with a one-time password (``access.signed_in`` sends them here until they have).

The change ends every other session and token of the account; this browser's session is renewed
with the account's new session version, so the user stays signed in here.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.commands.committee import ChangePassword
from cxzy_saas.application.passwords import MAX_LENGTH
from cxzy_saas.domain.errors import DomainError
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import bp, i18n
from cxzy_saas.web.pages.access import sign_in, signed_in, user
from cxzy_saas.web.pages.forms import Form


def password_page(form: Form, status: int = 200) -> tuple[str, int]:
    forced = user().must_change_password
    return render_template("accounts/password.html", form=form, forced=forced), status


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def own_password() -> Response | tuple[str, int]:
    if request.method == "GET":
        return password_page(Form())
    me = user()
    # Passwords are taken as typed: no stripping, and never shown again in the form.
    current = request.form.get("current", "")
    new = request.form.get("new", "")
    repeated = request.form.get("repeat", "")
    form = Form(values={"current": "", "new": "", "repeat": ""})
    committee = tenancy_of(current_app).committee(me.committee)
    form.require(bool(current), "text.empty", field="current")
    form.require(bool(new), "text.empty", field="new")
    form.require(len(new) <= MAX_LENGTH, "text.too_long", field="new", max_length=MAX_LENGTH)
    form.require(bool(repeated), "text.empty", field="repeat")
    form.require(new == repeated, "password.mismatch", field="repeat")
    if form.failed:
        return password_page(form, 422)
    try:
        command = ChangePassword(username=me.username, current=current, new=new)
        committee.change_password(me.self_actor(), command)
    except DomainError as error:
        form.refuse(error)
        return password_page(form, 422)
    sign_in(me.committee, committee.account(me.username))
    flash(
        i18n.tr("密码已修改；其他设备上的登录已退出。", "Password changed; other sessions ended.")
    )
    return redirect(url_for("pages.home"))
