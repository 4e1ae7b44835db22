"""What a group leader may act on: their own group's members (and, for the writings of a group,
their own group), never another group's, never a group-level score.

The seed: 党支部考核党小组,党小组考核党员. A group leader's grant names the group they lead; the
web puts it on the actor (``Actor.group``). Branch writers (secretary, clerk) act for the whole
branch, and assess its groups.
"""

from __future__ import annotations

from typing import Protocol

from cxzy_saas.domain.errors import Forbidden
from cxzy_saas.domain.organisation import Group, Member
from cxzy_saas.domain.recording import Actor

LEADER = "group-leader"


class Members(Protocol):
    tenant: str

    def member(self, member_no: str) -> Member: ...


def check_leads(
    app: Members, actor: Actor, level: str, subject: str, *, writing: bool = False
) -> None:
    """Refuse a group leader acting outside their own group.

    ``writing``: a group's own writings (its half-year summary, its deed materials), which the
    leader may file for their own group; scores and daily records of a group are the branch's.

    Raises:
        Forbidden: a leader whose grant names no group; a group-level score or record; a member
            of another group, or another group.
    """
    if actor.role != LEADER:
        return
    if actor.group is None:
        raise Forbidden("leader.no_group")
    if level == "group":
        if writing and subject == actor.group:
            return
        raise Forbidden("leader.members_only", group=actor.group)
    if level != "member":
        raise Forbidden("leader.members_only", group=actor.group)
    member = app.member(subject)
    if member.group_id != Group.id_for(app.tenant, actor.group):
        raise Forbidden("leader.not_own_group", subject=subject, group=actor.group)


def led_by(actor: Actor, group_code: str) -> bool:
    """Whether ``actor`` may act on the group ``group_code``'s members (any branch writer may)."""
    return actor.role != LEADER or actor.group == group_code
