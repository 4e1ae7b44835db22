"""What a member may read of their colleagues' scores: their own by default; every member's
when the branch's plan in force says ``members_see_colleagues = true`` (decision 0018)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web.api.routing import Call

if TYPE_CHECKING:
    from cxzy_saas.application.branch import BranchApplication


def colleagues_open(branch: BranchApplication, year: int) -> bool:
    """Whether the branch's plan in force for ``year`` opens colleagues' rows to members."""
    try:
        content, _ = branch.plan_content(year)
    except NotFound:
        return False
    return content.rules.get("members_see_colleagues") is True


def own_member_of(actor: Actor, branch: BranchApplication, year: int) -> str | None:
    """The member number whose rows alone ``actor`` may see of ``branch``'s member level in
    ``year``, or None when they see every member's (any other role, or a plan that opens them
    to members). The pages and the API ask this one rule."""
    if actor.role != "member" or colleagues_open(branch, year):
        return None
    return actor.member or ""


def own_member_only(call: Call, year: int) -> str | None:
    """:func:`own_member_of` for the API's caller, of their own branch (a member's)."""
    if call.actor.role != "member":  # a committee user's tenant is no branch
        return None
    return own_member_of(call.actor, call.tenancy.branch(call.actor.tenant), year)


def visible_to_member(rows: list[Any], own: str | None, subject: str = "subject") -> list[Any]:
    """``rows`` (dicts or objects with ``level`` and ``subject``) less other members' rows."""
    if own is None:
        return rows

    def field(row: Any, name: str) -> Any:
        return row.get(name) if isinstance(row, dict) else getattr(row, name)

    return [r for r in rows if field(r, "level") != "member" or field(r, subject) == own]


def seen_by(own: str | None, submissions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of the branch's submissions, those a reader seeing ``own`` member only may read: a
    colleague's nomination, its outcome and the committee's reason are not theirs to read."""
    if own is None:
        return submissions

    def colleagues(row: dict[str, Any]) -> bool:
        _, level, subject = row["subject"].split(":")  # "2026:member:B01013"
        return level == "member" and subject != own

    return [s for s in submissions if s["kind"] != "nominee" or not colleagues(s)]
