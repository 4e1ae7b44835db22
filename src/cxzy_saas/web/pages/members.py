"""A branch's members (党员): the roll with group, status and roles; enrolment; and a
member's page with its history (who recorded what, when) and the commands on one member:
move to a group, confirm full membership, give or relieve a role, departure. The secretary and
the clerk (组织委员) write; every other user of the branch, and the committee's staff, read."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.commands.organisation import (
    ConfirmFullMembership,
    EnrolMember,
    GiveRole,
    MoveMember,
    RecordDeparture,
    RelieveRole,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.text import as_typed, same_code
from cxzy_saas.projections import lists
from cxzy_saas.web.api.members import LeaveIn, MemberIn, MoveIn, RoleIn
from cxzy_saas.web.api.schemas import OnIn
from cxzy_saas.web.listing import fresh_model
from cxzy_saas.web.pages import bp, i18n, nav_link
from cxzy_saas.web.pages.access import acting_for, may, opens, signed_in
from cxzy_saas.web.pages.branch import READERS, branch_app, branch_reader, today, when
from cxzy_saas.web.pages.forms import Form, forms_of, typed
from cxzy_saas.web.pages.records import chosen_filters, list_filters

STATUSES = {"full": ("正式党员", "full member"), "probationary": ("预备党员", "probationary")}
POSTS = {
    "secretary": ("书记", "secretary"),
    "organiser": ("组织委员", "organiser"),
    "group-leader": ("党小组长", "group leader"),
}

nav_link("branch", "pages.org_members", "党员", "Members")

FILTERS = ("group", "status", "q")  # the roll's filters (decision 0019)


def group_codes(app: BranchApplication) -> dict[Any, str]:
    return {g.id: g.code for g in app.groups(include_dissolved=True)}


def group_names(app: BranchApplication) -> dict[Any, str]:
    """Groups by id, named as readers know them (not by their codes)."""
    return {g.id: g.name for g in app.groups(include_dissolved=True)}


def common(code: str, app: BranchApplication) -> dict[str, Any]:
    return {
        "code": code,
        "name": app.branch().name,
        "can_write": may(code, BRANCH_WRITERS),
        "STATUSES": STATUSES,
        "POSTS": POSTS,
    }


# members


def members_page(code: str, form: Form | None = None) -> str:
    app = branch_app(code)
    db = fresh_model(code)
    everyone = lists.Paging(1, 10**6)
    groups = lists.groups(db, code, lists.Filters(), everyone).items
    names = {g["code"]: g["name"] for g in groups}
    chosen = chosen_filters(FILTERS)
    wanted, ignored = list_filters(chosen, lists.MEMBER_STATUSES)
    members = sorted(
        lists.members(db, code, wanted, everyone, include_left=True).items,
        key=lambda m: (not m["active"], m["group"] or "~", m["member_no"]),
    )
    rows = [{"member": SimpleNamespace(**m), "group_name": names.get(m["group"])} for m in members]
    return render_template(
        "work/members.html",
        rows=rows,
        chosen=chosen,
        ignored=ignored,
        all_groups=[(g["code"], g["name"]) for g in groups],
        groups=[(g["code"], g["name"]) for g in groups if not g["dissolved"]],
        form=form or Form({"status": "full"}),
        **common(code, app),
    )


@bp.get("/branch/<code>/members")
@signed_in
@opens(READERS)
def org_members(code: str) -> str:
    branch_reader(code)
    return members_page(code)


@bp.post("/branch/<code>/members")
@signed_in
def org_member_enrol(code: str) -> Response | tuple[str, int]:
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    form = typed()
    if not form.submit(
        MemberIn,
        lambda b: app.enrol_member(actor, EnrolMember(**b)),
        near="member_no",
        group=form.values.get("group") or None,
    ):
        return members_page(code, form), 422
    flash(i18n.tr("党员已登记", "The member was enrolled"))
    return redirect(url_for("pages.org_member", code=code, no=form.values["member_no"].strip()))


# one member


def describe(event: dict[str, Any], codes: dict[Any, str]) -> str:
    """``codes``: the groups' names by id."""
    """One event of a member's history, in the page's language."""
    name, f = event["event"], event["fields"]
    tr = i18n.tr
    group = codes.get(f.get("group_id")) or tr("未编入党小组", "no group")
    role = i18n.label(POSTS, f.get("role"))
    texts = {
        "MemberEnrolled": lambda: tr(
            f"登记：{f.get('name')}，{i18n.label(STATUSES, f.get('status'))}，"
            f"党小组 {group}，入党日期 {f.get('joined_on')}",
            f"enrolled: {f.get('name')}, {f.get('status')}, group {group}, "
            f"joined {f.get('joined_on')}",
        ),
        "MemberMovedToGroup": lambda: tr(
            f"调整党小组：{group}（{f.get('on')}）", f"moved to {group} ({f.get('on')})"
        ),
        "MemberFullMembershipConfirmed": lambda: tr(
            f"预备党员转正（{f.get('on')}）", f"confirmed as a full member ({f.get('on')})"
        ),
        "MemberRoleGiven": lambda: tr(
            f"任命为{role}（{f.get('on')}）", f"made {role} ({f.get('on')})"
        ),
        "MemberRoleRelieved": lambda: tr(
            f"免去{role}（{f.get('on')}）", f"relieved as {role} ({f.get('on')})"
        ),
        "MemberLeft": lambda: tr(
            f"组织关系转出：{f.get('reason')}（{f.get('on')}）",
            f"left: {f.get('reason')} ({f.get('on')})",
        ),
        "MemberPersonalDataErased": lambda: tr(
            f"个人信息已删除：{f.get('reason')}", f"personal data erased: {f.get('reason')}"
        ),
    }
    return texts[name]() if name in texts else name


def member_page(code: str, no: str, failed: dict[str, Form] | None = None) -> str:
    app = branch_app(code)
    actor = branch_reader(code)
    member, events = app.read_member(actor, no)
    codes = group_codes(app)
    names = group_names(app)
    history = [
        {
            "what": describe(e, names),
            "who": e["actor"].get("user", ""),
            "role": e["actor"].get("role", ""),
            "when": when(e["recorded_at"]),
        }
        for e in events
    ]
    day = today()
    defaults = {
        "move": Form({"group": codes.get(member.group_id, ""), "on": day}),
        "confirm": Form({"on": day}),
        "give": Form({"on": day}),
        "relieve": Form({"on": day}),
        "leave": Form({"on": day}),
    }
    return render_template(
        "work/member.html",
        member=member,
        group=names.get(member.group_id),
        groups=[(g.code, g.name) for g in app.groups()],
        history=history,
        personal=app.personal_fields(actor, member),
        forms=forms_of(defaults | (failed or {})),
        **common(code, app),
    )


@bp.get("/branch/<code>/members/<no>")
@signed_in
@opens(READERS)
def org_member(code: str, no: str) -> str | Response:
    branch_reader(code)
    try:
        return member_page(code, no)
    except NotFound:
        # a number typed by hand: in full width (Ｂ01005) or another case (b01005), the member
        # B01005 (numbers that differ so are one: domain/text.same_code)
        typed = as_typed(no)
        numbers = [m.member_no for m in branch_app(code).members(include_left=True)]
        known = same_code(typed, numbers)
        if known is None or known == no:
            raise
        return redirect(url_for("pages.org_member", code=code, no=known))


# action in the URL: (form on the page, schema, command, message when done)
MEMBER_ACTIONS: dict[str, tuple[str, Any, Any, tuple[str, str]]] = {
    "group": (
        "move",
        MoveIn,
        lambda app, a, no, b: app.move_member(a, MoveMember(member_no=no, **b)),
        ("党小组已调整", "Moved"),
    ),
    "confirmation": (
        "confirm",
        OnIn,
        lambda app, a, no, b: app.confirm_full_membership(
            a, ConfirmFullMembership(member_no=no, **b)
        ),
        ("已转为正式党员", "Confirmed as a full member"),
    ),
    "roles": (
        "give",
        RoleIn,
        lambda app, a, no, b: app.give_role(a, GiveRole(member_no=no, **b)),
        ("职务已任命", "Role given"),
    ),
    "relief": (
        "relieve",
        RoleIn,
        lambda app, a, no, b: app.relieve_role(a, RelieveRole(member_no=no, **b)),
        ("职务已免去", "Role relieved"),
    ),
    "departure": (
        "leave",
        LeaveIn,
        lambda app, a, no, b: app.record_departure(a, RecordDeparture(member_no=no, **b)),
        ("已记录组织关系转出", "Departure recorded"),
    ),
}


@bp.post("/branch/<code>/members/<no>/<action>")
@signed_in
def org_member_act(code: str, no: str, action: str) -> Response | tuple[str, int]:
    if action not in MEMBER_ACTIONS:
        raise NotFound("resource.not_found")
    actor = acting_for(code, BRANCH_WRITERS)
    app = branch_app(code)
    app.member(no)  # NotFound (404) for a member that does not exist
    name, schema, command, done = MEMBER_ACTIONS[action]
    form = typed()
    fixed = {"group": form.values.get("group") or None} if action == "group" else {}
    near = "group" if action == "group" else ""
    if not form.submit(schema, lambda b: command(app, actor, no, b), near=near, **fixed):
        return member_page(code, no, {name: form}), 422
    flash(i18n.tr(*done))
    return redirect(url_for("pages.org_member", code=code, no=no))
