"""Bearer tokens and who a request acts as.

A token names a user, their committee and their account's session version, signed and timed
(itsdangerous, which Flask ships). The account is read from the committee's log on every request
(kept while the log's head stays where it was: one query), so a revoked grant, a disabled
account, a sign-out or a password change (which raise the session version) end the token at
once, in every process. A user of branch A asking for anything of branch B gets 404, as if it
did not exist.
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
    display_name: str = ""
    session_version: int = 0
    must_change_password: bool = False
    leads: tuple[tuple[str, str], ...] = ()  # (branch, group) the user leads as group leader

    @classmethod
    def of(cls, account: Any, committee: str) -> Principal:
        """The user of ``account`` in ``committee``, with the grants its log holds now."""
        return cls(
            account.username,
            committee,
            tuple((g["role"], g["tenant"]) for g in account.grants),
            tuple(sorted(account.members.items())),
            account.display_name,
            account.session_version,
            account.must_change_password,
            tuple(
                (g["tenant"], g["group"])
                for g in account.grants
                if g["role"] == "group-leader" and g.get("group")
            ),
        )

    def self_actor(self) -> Actor:
        """The user acting on their own account (signing out, changing their password)."""
        return Actor(user=self.username, role="self", tenant=self.committee)

    def manages(self, branch: str) -> bool:
        """Whether the user manages the accounts of ``branch`` (its secretary)."""
        return ("branch-secretary", branch) in self.grants

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
                group = dict(self.leads).get(grant_tenant) if role == "group-leader" else None
                return Actor(
                    user=self.username, role=role, tenant=grant_tenant, member=member, group=group
                )
        raise Forbidden("role.forbidden")

    @property
    def committee_roles(self) -> list[str]:
        return [r for r, t in self.grants if t == self.committee and r in COMMITTEE_ROLES]

    @property
    def branches(self) -> list[str]:
        return sorted({t for r, t in self.grants if t != self.committee})


def token_for(committee: str, account: Any) -> str:
    return serializer().dumps({"u": account.username, "c": committee, "v": account.session_version})


def principal() -> Principal:
    """The signed-in user.

    Raises:
        Unauthorized: no bearer token, or one that is forged, expired, malformed (a field
            missing), revoked (its session version is past) or of a disabled account.
    """
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("a bearer token is required")
    try:
        data = serializer().loads(header[7:], max_age=TOKEN_SECONDS)
    except SignatureExpired:
        raise Unauthorized("the token has expired") from None
    except BadSignature:
        raise Unauthorized("the token is not valid") from None
    user = signed_user(data)
    if user is None:
        raise Unauthorized("the token is not valid, or no longer")
    return user


def signed_user(data: object) -> Principal | None:
    """The user a signed token or session names, while it is still theirs: None when a field
    is missing, the user is gone or disabled, or the account's session version moved on."""
    if not isinstance(data, dict):
        return None
    username, committee, version = data.get("u"), data.get("c"), data.get("v")
    if not (isinstance(username, str) and isinstance(committee, str) and type(version) is int):
        return None
    try:
        account = tenancy_of(current_app).committee(committee).signed_in(username)
    except DomainError:
        return None
    if account.disabled or account.session_version != version:
        return None
    return Principal.of(account, committee)


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
