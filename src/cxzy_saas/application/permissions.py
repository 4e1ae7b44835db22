"""Who may run which command, decided once per command at the application's edge."""

from __future__ import annotations

from collections.abc import Iterable

from cxzy_saas.domain.errors import Forbidden
from cxzy_saas.domain.recording import Actor

SYSTEM = "system"  # provisioning, the demo and trusted back-fills
COMMITTEE_WRITERS = frozenset({"committee-admin", SYSTEM})
COMMITTEE_READERS = frozenset({"committee-admin", "committee-viewer", "auditor", SYSTEM})
BRANCH_WRITERS = frozenset({"branch-secretary", "branch-clerk", SYSTEM})
BRANCH_ASSESSORS = BRANCH_WRITERS | {"group-leader"}
BRANCH_PEOPLE = BRANCH_ASSESSORS | {"member"}
BRANCH_READERS = BRANCH_PEOPLE
# Who sees members' contact and identity fields (phone, gender, ID number): those who keep the
# roll (the branch's secretary and clerk) and the committee's admins; a member sees their own.
PERSONAL_READERS = frozenset({"committee-admin", "branch-secretary", "branch-clerk", SYSTEM})


def authorize(actor: Actor, tenant: str, roles: Iterable[str]) -> None:
    """Refuse unless ``actor`` holds one of ``roles`` for ``tenant``.

    Raises:
        Forbidden: for the wrong role, or for a tenant the actor does not belong to.
    """
    if actor.role not in roles:
        raise Forbidden("role.may_not", role=actor.role)
    if actor.role != SYSTEM and actor.tenant != tenant:
        raise Forbidden("tenant.not_yours", user=actor.user, tenant=tenant)


def may_see_personal(actor: Actor, member_no: str | None = None) -> bool:
    """Whether ``actor`` may see the personal fields of member ``member_no`` (None: of every
    member, as a roll or an export shows them)."""
    if actor.role in PERSONAL_READERS:
        return True
    return actor.role == "member" and member_no is not None and actor.member == member_no
