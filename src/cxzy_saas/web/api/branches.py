"""Branches and their members."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from marshmallow import RAISE, Schema, fields, validate

from cxzy_saas.application.organisation import NewMember
from cxzy_saas.application.permissions import BRANCH_READERS, BRANCH_WRITERS
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api import bp
from cxzy_saas.web.api.auth import COMMITTEE_ROLES, branch_of, principal
from cxzy_saas.web.api.openapi import documented


class BranchOut(Schema):
    code = fields.String()
    name = fields.String()
    committee = fields.String()


class MemberIn(Schema):
    class Meta:
        unknown = RAISE

    member_no = fields.String(required=True, validate=validate.Length(min=1, max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    status = fields.String(load_default="full", validate=validate.OneOf(["full", "probationary"]))
    group = fields.String(load_default=None, allow_none=True)
    joined_on = fields.Date(required=True)
    gender = fields.String(load_default="", validate=validate.OneOf(["", "男", "女"]))


class MemberOut(Schema):
    member_no = fields.String()
    name = fields.String()
    status = fields.String()
    group = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    active = fields.Boolean()


class BranchPage(Schema):
    items = fields.List(fields.Nested(BranchOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class MemberPage(BranchPage):
    items = fields.List(fields.Nested(MemberOut))


class PageArgs(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def page(items: list[Any], schema: Schema) -> dict[str, Any]:
    args = PageArgs().load(request.args)
    start = (args["page"] - 1) * args["per_page"]
    return {
        "items": schema.dump(items[start : start + args["per_page"]], many=True),
        "page": args["page"],
        "per_page": args["per_page"],
        "total": len(items),
    }


@bp.get("/branches")
@documented("党支部列表", query=PageArgs, response=BranchPage)
def list_branches() -> dict[str, Any]:
    user = principal()
    tenancy = tenancy_of(current_app)
    committee = tenancy.committee(user.committee).committee()
    visible = (
        committee.branches
        if user.committee_roles
        else {c: n for c, n in committee.branches.items() if c in user.branches}
    )
    rows = [{"code": c, "name": n, "committee": user.committee} for c, n in sorted(visible.items())]
    return page(rows, BranchOut())


def member_row(member: Any, groups: dict[Any, str]) -> dict[str, Any]:
    return {
        "member_no": member.member_no,
        "name": member.name,
        "status": member.status,
        "group": groups.get(member.group_id),
        "roles": member.roles,
        "active": member.active,
    }


@bp.get("/branches/<code>/members")
@documented("党员列表", query=PageArgs, response=MemberPage)
def list_members(code: str) -> dict[str, Any]:
    user = principal()
    branch_of(user, code)
    user.actor(code, set(BRANCH_READERS) | set(COMMITTEE_ROLES))
    app = tenancy_of(current_app).branch(code)
    groups = {g.id: g.code for g in app.groups(include_dissolved=True)}
    return page([member_row(m, groups) for m in app.members()], MemberOut())


@bp.post("/branches/<code>/members")
@documented("登记党员", body=MemberIn, response=MemberOut, status=201)
def enrol_member(code: str) -> tuple[dict[str, Any], int]:
    user = principal()
    branch_of(user, code)
    actor = user.actor(code, BRANCH_WRITERS)
    body = MemberIn().load(request.get_json())
    app = tenancy_of(current_app).branch(code)
    app.enrol_member(actor, NewMember(**body))
    groups = {g.id: g.code for g in app.groups(include_dissolved=True)}
    return MemberOut().dump(member_row(app.member(body["member_no"]), groups)), 201
