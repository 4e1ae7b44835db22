"""A branch's party groups (党小组): formed, renamed, dissolved."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from cxzy_saas.application.commands.organisation import DissolveGroup, FormGroup, RenameGroup
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.projections import lists
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.list_args import GroupArgs, filters_of, listed_page_of, paging_of
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import In, code_text, text
from cxzy_saas.web.listing import fresh_model, page_answer


class GroupIn(In):
    code = code_text(required=True)
    name = text(100, required=True)


class RenameIn(In):
    name = text(100, required=True)


class ReasonIn(In):
    reason = text(1000, required=True)


class GroupOut(Schema):
    code = fields.String()
    name = fields.String()
    dissolved = fields.Boolean()
    members = fields.List(fields.String())


def group_row(call: Call, group: Any) -> dict[str, Any]:
    members = [m.member_no for m in call.branch.members() if m.group_id == group.id]
    return {
        "code": group.code,
        "name": group.name,
        "dissolved": group.dissolved,
        "members": members,
    }


@api_route(
    "/branches/<code>/groups",
    summary="党小组列表（可按状态、文字筛选）",
    roles=READERS,
    query=GroupArgs,
    response=listed_page_of(GroupOut),
    ready=True,
)
def list_groups(call: Call, code: str) -> dict[str, Any]:
    paging = paging_of(call.args)
    found = lists.groups(fresh_model(code), code, filters_of(call.args), paging)
    return page_answer(found, paging, GroupOut._declared_fields)


@api_route(
    "/branches/<code>/groups",
    "POST",
    summary="成立党小组",
    roles=BRANCH_WRITERS,
    body=GroupIn,
    response=GroupOut,
    status=201,
    location=lambda path, out: f"/branches/{path['code']}/groups/{out['code']}",
    links=("get_group", "rename_group", "dissolve_group"),
    link_parameters={"group": "$response.body#/code"},
)
def form_group(call: Call, code: str) -> dict[str, Any]:
    call.branch.form_group(call.actor, FormGroup(**call.body))
    return group_row(call, call.branch.group(call.body["code"]))


@api_route("/branches/<code>/groups/<group>", summary="党小组", roles=READERS, response=GroupOut)
def get_group(call: Call, code: str, group: str) -> dict[str, Any]:
    return group_row(call, call.branch.group(group))


@api_route(
    "/branches/<code>/groups/<group>/name",
    "PUT",
    summary="党小组更名",
    roles=BRANCH_WRITERS,
    body=RenameIn,
    response=GroupOut,
)
def rename_group(call: Call, code: str, group: str) -> dict[str, Any]:
    call.branch.rename_group(call.actor, RenameGroup(group=group, **call.body))
    return group_row(call, call.branch.group(group))


@api_route(
    "/branches/<code>/groups/<group>/dissolution",
    "POST",
    summary="撤销党小组",
    roles=BRANCH_WRITERS,
    body=ReasonIn,
    response=GroupOut,
)
def dissolve_group(call: Call, code: str, group: str) -> dict[str, Any]:
    call.branch.dissolve_group(call.actor, DissolveGroup(group=group, **call.body))
    return group_row(call, call.branch.group(group))
