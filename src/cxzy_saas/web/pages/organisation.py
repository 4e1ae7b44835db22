"""A branch's organisation (组织): its party groups (members and their roles are in
``membership``). The secretary and the clerk (组织委员) write; every other user of the branch,
and the committee's staff, read."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.groups import GroupIn, ReasonIn, RenameIn
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, signed_in
from cxzy_saas.web.pages.branch import branch_reader
from cxzy_saas.web.pages.entry import may, submit, typed

STATUSES = {"full": ("正式党员", "full member"), "probationary": ("预备党员", "probationary")}
POSTS = {
    "secretary": ("书记", "secretary"),
    "organiser": ("组织委员", "organiser"),
    "group-leader": ("党小组长", "group leader"),
}
Errors = dict[str, dict[str, str]]
Typed = dict[str, dict[str, Any]]

nav_link("branch", "pages.org_members", "党员", "Members")
nav_link("branch", "pages.org_groups", "党小组", "Groups")


def branch_app(code: str) -> BranchApplication:
    return tenancy_of(current_app).branch(code)


def group_codes(app: BranchApplication) -> dict[Any, str]:
    return {g.id: g.code for g in app.groups(include_dissolved=True)}


def common(code: str, app: BranchApplication) -> dict[str, Any]:
    return {
        "code": code,
        "name": app.branch().name,
        "can_write": may(code, BRANCH_WRITERS),
        "STATUSES": STATUSES,
        "POSTS": POSTS,
    }


# groups


def groups_page(code: str, forms: Typed | None = None, errors: Errors | None = None) -> str:
    app = branch_app(code)
    members = app.members()
    groups = [
        {"group": g, "members": [m for m in members if m.group_id == g.id]}
        for g in app.groups(include_dissolved=True)
    ]
    return render_template(
        "work/groups.html",
        groups=groups,
        forms=forms or {},
        errors=errors or {},
        **common(code, app),
    )


@bp.get("/branch/<code>/groups")
@signed_in
def org_groups(code: str) -> str:
    branch_reader(code)
    return groups_page(code)


def group_command(
    code: str, form: str, schema: Any, command: Any, done: str
) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    values = typed()
    errors = submit(schema, values, lambda body: command(app, actor, body))
    if errors:
        return groups_page(code, {form: values}, {form: errors}), 422
    flash(done)
    return redirect(url_for("pages.org_groups", code=code))


@bp.post("/branch/<code>/groups")
@signed_in
def org_group_form(code: str) -> Response | tuple[str, int]:
    return group_command(
        code,
        "form",
        GroupIn,
        lambda app, actor, b: app.form_group(actor, b["code"], b["name"]),
        i18n.tr("党小组已成立", "The group was formed"),
    )


@bp.post("/branch/<code>/groups/<group>/name")
@signed_in
def org_group_rename(code: str, group: str) -> Response | tuple[str, int]:
    branch_app(code).group(group)  # NotFound (404) for a group that does not exist
    return group_command(
        code,
        f"rename-{group}",
        RenameIn,
        lambda app, actor, b: app.rename_group(actor, group, b["name"]),
        i18n.tr("党小组已更名", "The group was renamed"),
    )


@bp.post("/branch/<code>/groups/<group>/dissolution")
@signed_in
def org_group_dissolve(code: str, group: str) -> Response | tuple[str, int]:
    branch_app(code).group(group)
    return group_command(
        code,
        f"dissolve-{group}",
        ReasonIn,
        lambda app, actor, b: app.dissolve_group(actor, group, b["reason"]),
        i18n.tr("党小组已撤销", "The group was dissolved"),
    )
