"""The committee's branches (党支部): the list, and one branch."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from cxzy_saas.application.permissions import BRANCH_READERS
from cxzy_saas.web.api.auth import COMMITTEE_ROLES
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import PageArgs, page_of, paginate

READERS = BRANCH_READERS | set(COMMITTEE_ROLES)


class BranchOut(Schema):
    code = fields.String()
    name = fields.String()
    committee = fields.String()


@api_route(
    "/branches", summary="党支部列表", roles=READERS, query=PageArgs, response=page_of(BranchOut)
)
def list_branches(call: Call) -> dict[str, Any]:
    branches = call.committee.committee().branches
    if call.viewer_branch is not None:
        branches = {c: n for c, n in branches.items() if c == call.viewer_branch}
    rows = [{"code": c, "name": n, "committee": call.committee_code} for c, n in branches.items()]
    return paginate(sorted(rows, key=lambda r: r["code"]), call.args)


@api_route("/branches/<code>", summary="党支部", roles=READERS, response=BranchOut)
def get_branch(call: Call, code: str) -> dict[str, Any]:
    branch = call.branch.branch()
    return {"code": code, "name": branch.name, "committee": branch.committee}
