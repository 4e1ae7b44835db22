"""A branch's members (党员): enrolment, the commands on one member, erasure of personal data."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.organisation import (
    ConfirmFullMembership,
    EnrolMember,
    EraseMember,
    GiveRole,
    MoveMember,
    RecordDeparture,
    RelieveRole,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.organisation import BRANCH_ROLES, MEMBER_STATUSES
from cxzy_saas.domain.text import PHONE, same_code
from cxzy_saas.projections import lists
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.groups import ReasonIn
from cxzy_saas.web.api.list_args import MemberArgs, filters_of, listed_page_of, paging_of
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import (
    GROUP,
    EventOut,
    In,
    OnIn,
    code_text,
    matching,
    string,
    text,
)
from cxzy_saas.web.listing import fresh_model, page_answer

# A phone number (the domain's rule) or nothing; marshmallow's message, put in Chinese by
# web/pages/i18n.SCHEMA_MESSAGES.
PHONE_OR_NONE = re.compile(f"(?:{PHONE.pattern})?")
PHONE_ERROR = "Not a valid phone number: 5-20 digits, an optional leading +, spaces or - between."


class MemberIn(In):
    member_no = code_text(required=True)
    name = text(50, required=True)
    status = string(load_default="full", validate=validate.OneOf(MEMBER_STATUSES))
    group = string(load_default=None, allow_none=True, validate=GROUP)
    joined_on = fields.Date(required=True)
    gender = string(load_default="", validate=validate.OneOf(["", "男", "女"]))
    phone = string(load_default="", validate=matching(PHONE_OR_NONE, PHONE_ERROR))


class MemberOut(Schema):
    member_no = fields.String()
    name = fields.String()
    status = fields.String()
    group = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    active = fields.Boolean()
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)


class MemberDetailOut(MemberOut):
    # Only for the roles that keep the roll and the member themself, here and in the history.
    gender = fields.String()
    phone = fields.String()
    history = fields.List(fields.Nested(EventOut))


class MoveIn(In):
    group = string(required=True, allow_none=True, validate=GROUP)
    on = fields.Date(required=True)


class RoleIn(In):
    role = string(required=True, validate=validate.OneOf(BRANCH_ROLES))
    on = fields.Date(required=True)


class LeaveIn(In):
    reason = text(500, required=True)
    on = fields.Date(required=True)


def member_row(call: Call, member: Any) -> dict[str, Any]:
    groups = {g.id: g.code for g in call.branch.groups(include_dissolved=True)}
    return {
        "member_no": member.member_no,
        "name": member.name,
        "status": member.status,
        "group": groups.get(member.group_id),
        "roles": member.roles,
        "active": member.active,
        "joined_on": member.joined_on,
        "left_on": member.left_on,
    }


@api_route(
    "/branches/<code>/members",
    summary="党员列表（可按党小组、状态、文字筛选）",
    roles=READERS,
    query=MemberArgs,
    response=listed_page_of(MemberOut),
    ready=True,
)
def list_members(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    found = lists.members(
        fresh_model(code), code, filters_of(call.args), paging, call.args["include_left"]
    )
    return page_answer(found, paging, MemberOut._declared_fields)


@api_route(
    "/branches/<code>/members",
    "POST",
    summary="登记党员",
    roles=BRANCH_WRITERS,
    body=MemberIn,
    response=MemberOut,
    status=201,
    location=lambda path, out: f"/branches/{path['code']}/members/{out['member_no']}",
    links=(
        "get_member",
        "member_group",
        "member_roles",
        "member_relief",
        "member_confirmation",
        "member_departure",
        "erase_member",
    ),
    link_parameters={"no": "$response.body#/member_no"},
)
def enrol_member(call: Call, code: str) -> dict[str, Any]:
    call.branch.enrol_member(call.actor, EnrolMember(**call.body))
    return member_row(call, call.branch.member(call.body["member_no"]))


@api_route(
    "/branches/<code>/members/<no>",
    summary="党员及其记录",
    roles=READERS,
    response=MemberDetailOut,
)
def get_member(call: Call, code: str, no: str) -> dict[str, Any]:
    try:
        member, history = call.branch.read_member(call.actor, no)
    except NotFound:  # b01901 is B01901 to the people who type it (as the pages read it)
        known = same_code(no, [m.member_no for m in call.branch.members(include_left=True)])
        if known is None:
            raise
        member, history = call.branch.read_member(call.actor, known)
    personal = call.branch.personal_fields(call.actor, member)
    return {**member_row(call, member), **personal, "history": history}


def member_command(rule: str, summary: str, body: type[Schema], act: Any) -> None:
    """A command on one member that answers with the member as it now stands."""

    def view(call: Call, code: str, no: str) -> dict[str, Any]:
        act(call.branch, call.actor, no, call.body)
        return member_row(call, call.branch.member(no))

    view.__name__ = "member_" + rule.rsplit("/", 1)[-1].replace("-", "_")
    api_route(
        f"/branches/<code>/members/<no>/{rule}",
        "POST",
        summary=summary,
        roles=BRANCH_WRITERS,
        body=body,
        response=MemberOut,
    )(view)


member_command(
    "group",
    "调整党小组",
    MoveIn,
    lambda app, a, no, b: app.move_member(a, MoveMember(member_no=no, **b)),
)
member_command(
    "confirmation",
    "预备党员转正",
    OnIn,
    lambda app, a, no, b: app.confirm_full_membership(a, ConfirmFullMembership(member_no=no, **b)),
)
member_command(
    "roles",
    "任命职务",
    RoleIn,
    lambda app, a, no, b: app.give_role(a, GiveRole(member_no=no, **b)),
)
member_command(
    "relief",
    "免去职务",
    RoleIn,
    lambda app, a, no, b: app.relieve_role(a, RelieveRole(member_no=no, **b)),
)
member_command(
    "departure",
    "组织关系转出",
    LeaveIn,
    lambda app, a, no, b: app.record_departure(a, RecordDeparture(member_no=no, **b)),
)


@api_route(
    "/branches/<code>/members/<no>/erasure",
    "POST",
    summary="删除党员个人信息（个人信息保护法；不可撤销）",
    roles={"branch-secretary", "committee-admin"},
    body=ReasonIn,
    response=MemberOut,
)
def erase_member(call: Call, code: str, no: str) -> dict[str, Any]:
    call.branch.erase_member(call.actor, EraseMember(member_no=no, **call.body))
    return member_row(call, call.branch.member(no))
