"""Bearer tokens and who a request acts as.

A token names a user and their committee, signed and timed (itsdangerous, which Flask ships).
Grants are read from the committee's log on every request, so a revocation takes effect at
once. A user of branch A asking for anything of branch B gets 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cxzy_saas.domain.errors import DomainError, Forbidden, NotFound
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.problems import Unauthorized

TOKEN_SECONDS = 3600
COMMITTEE_ROLES = ("committee-admin", "committee-viewer", "auditor")


def serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="cxzy-api-token")


@dataclass(frozen=True)
class Principal:
    username: str
    committee: str
    grants: tuple[tuple[str, str], ...]  # (role, tenant)
    members: tuple[tuple[str, str], ...] = ()  # (branch, member number) the user is

    @classmethod
    def of(cls, account: Any, committee: str) -> Principal:
        """The user of ``account`` in ``committee``, with the grants its log holds now."""
        return cls(
            account.username,
            committee,
            tuple((g["role"], g["tenant"]) for g in account.grants),
            tuple(sorted(account.members.items())),
        )

    def actor(self, tenant: str, roles: Iterable[str]) -> Actor:
        """The actor for ``tenant`` in one of ``roles``.

        Raises:
            NotFound: the user has no grant for this tenant (or its committee).
            Forbidden: the user's grants here are for other roles.
        """
        here = [(r, t) for r, t in self.grants if t == tenant]
        above = [(r, t) for r, t in self.grants if t == self.committee and r in COMMITTEE_ROLES]
        if not here and not above:
            raise NotFound("resource.not_found")
        wanted = set(roles)
        for role, grant_tenant in here + above:
            if role in wanted:
                member = dict(self.members).get(grant_tenant) if role == "member" else None
                return Actor(user=self.username, role=role, tenant=grant_tenant, member=member)
        raise Forbidden("role.forbidden")

    @property
    def committee_roles(self) -> list[str]:
        return [r for r, t in self.grants if t == self.committee and r in COMMITTEE_ROLES]

    @property
    def branches(self) -> list[str]:
        return sorted({t for r, t in self.grants if t != self.committee})


def principal() -> Principal:
    """The signed-in user. Raises Unauthorized without a valid, unexpired bearer token."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("a bearer token is required")
    try:
        data = serializer().loads(header[7:], max_age=TOKEN_SECONDS)
    except SignatureExpired:
        raise Unauthorized("the token has expired") from None
    except BadSignature:
        raise Unauthorized("the token is not valid") from None
    try:
        account = tenancy_of(current_app).committee(data["c"]).account(data["u"])
    except DomainError:
        raise Unauthorized("the token's user no longer exists") from None
    return Principal.of(account, data["c"])


def parent_or_none(code: str | None) -> str | None:
    """The committee of branch ``code``, or None for no such branch."""
    if code is None:
        return None
    try:
        return tenancy_of(current_app).parent_of(code)
    except NotFound:
        return None


def actor_in(user: Principal, tenant: str, roles: Iterable[str]) -> Actor:
    """The user's actor for their committee or one of its branches (API and pages alike).

    Raises:
        NotFound: a tenant outside the user's committee, or another branch's for a branch
            user, with the same answer as for one that does not exist.
        Forbidden: the user's role there is not one of ``roles``.
    """
    if tenant != user.committee and parent_or_none(tenant) != user.committee:
        raise NotFound("resource.not_found")
    return user.actor(tenant, roles)
