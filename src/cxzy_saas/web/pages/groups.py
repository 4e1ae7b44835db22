"""A branch's party groups (党小组): formed, renamed, dissolved (members and their roles are in
``members``). The secretary and the clerk (组织委员) write; every other user of the branch, and
the committee's staff, read."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from flask import flash, redirect, render_template, url_for
from marshmallow import Schema
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.organisation import DissolveGroup, FormGroup, RenameGroup
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.recording import Actor
from cxzy_saas.projections import lists
from cxzy_saas.web.api.groups import GroupIn, ReasonIn, RenameIn
from cxzy_saas.web.listing import fresh_model
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in
from cxzy_saas.web.pages.branch import READERS, branch_app, branch_reader
from cxzy_saas.web.pages.forms import Form, forms_of, typed

Command = Callable[[BranchApplication, Actor, dict[str, Any]], object]

nav_link("branch", "pages.org_groups", "党小组", "Groups")


def groups_page(code: str, failed: dict[str, Form] | None = None) -> str:
    app = branch_app(code)
    db = fresh_model(code)
    everyone = lists.Paging(1, 10**6)
    names = {
        m["member_no"]: m["name"]
        for m in lists.members(db, code, lists.Filters(), everyone, include_left=False).items
    }
    groups = [
        {
            "group": SimpleNamespace(**g),
            "members": [SimpleNamespace(member_no=n, name=names.get(n, n)) for n in g["members"]],
        }
        for g in lists.groups(db, code, lists.Filters(), everyone).items
    ]
    return render_template(
        "work/groups.html",
        code=code,
        name=app.branch().name,
        can_write=may(code, BRANCH_WRITERS),
        groups=groups,
        forms=forms_of(failed),
    )


@bp.get("/branch/<code>/groups")
@signed_in
@opens(READERS)
def org_groups(code: str) -> str:
    branch_reader(code)
    return groups_page(code)


def group_command(
    code: str, name: str, schema: type[Schema], command: Command, done: str
) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    form = typed()
    if not form.submit(schema, lambda body: command(app, actor, body)):
        return groups_page(code, {name: form}), 422
    flash(done)
    return redirect(url_for("pages.org_groups", code=code))


@bp.post("/branch/<code>/groups")
@signed_in
def org_group_form(code: str) -> Response | tuple[str, int]:
    return group_command(
        code,
        "form",
        GroupIn,
        lambda app, actor, b: app.form_group(actor, FormGroup(**b)),
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
        lambda app, actor, b: app.rename_group(actor, RenameGroup(group=group, **b)),
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
        lambda app, actor, b: app.dissolve_group(actor, DissolveGroup(group=group, **b)),
        i18n.tr("党小组已撤销", "The group was dissolved"),
    )
