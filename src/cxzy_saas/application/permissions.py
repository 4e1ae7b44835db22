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


def authorize(actor: Actor, tenant: str, roles: Iterable[str]) -> None:
    """Refuse unless ``actor`` holds one of ``roles`` for ``tenant``.

    Raises:
        Forbidden: for the wrong role, or for a tenant the actor does not belong to.
    """
    if actor.role not in roles:
        raise Forbidden("role.may_not", role=actor.role)
    if actor.role != SYSTEM and actor.tenant != tenant:
        raise Forbidden("tenant.not_yours", user=actor.user, tenant=tenant)
