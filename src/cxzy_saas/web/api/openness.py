"""What a member may read of their colleagues' scores: their own by default; every member's
when the branch's plan in force says ``members_see_colleagues = true`` (decision 0018)."""

from __future__ import annotations

from typing import Any

from cxzy_saas.domain.errors import NotFound
from cxzy_saas.web.api.routing import Call


def own_member_only(call: Call, year: int) -> str | None:
    """The member number whose rows alone the caller may see of the member level, or None when
    the caller sees every member's (any other role, or a plan that opens them to members)."""
    actor = call.actor
    if actor.role != "member":
        return None
    try:
        content, _ = call.tenancy.branch(actor.tenant).plan_content(year)
    except NotFound:
        return actor.member or ""
    if content.rules.get("members_see_colleagues") is True:
        return None
    return actor.member or ""


def visible_to_member(rows: list[Any], own: str | None, subject: str = "subject") -> list[Any]:
    """``rows`` (dicts or objects with ``level`` and ``subject``) less other members' rows."""
    if own is None:
        return rows

    def field(row: Any, name: str) -> Any:
        return row.get(name) if isinstance(row, dict) else getattr(row, name)

    return [r for r in rows if field(r, "level") != "member" or field(r, subject) == own]
