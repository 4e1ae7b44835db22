"""User accounts and their grants, in the committee's log: who could do what, when, is part
of the record. Password hashes are made outside the domain (argon2, in the application)."""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import TenantAggregate, require, require_text, stable_id
from cxzy_saas.domain.errors import StateConflict
from cxzy_saas.domain.recording import ROLES

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,39}$")
GRANTABLE = tuple(r for r in ROLES if r not in ("rater", "system"))


class Account(TenantAggregate):
    """A user of the committee or of one of its branches, with the roles granted to them."""

    @staticmethod
    def create_id(tenant: str, username: str) -> UUID:
        return Account.id_for(tenant, username)

    @staticmethod
    def id_for(committee: str, username: str) -> UUID:
        return stable_id(committee, "account", username)

    @classmethod
    def register(cls, username: str, display_name: str, password_hash: str) -> Account:
        require(
            bool(USERNAME.fullmatch(username)),
            "user.name_malformed",
            field="username",
        )
        return cls(
            username=username,
            display_name=require_text(display_name, "display_name", max_length=50),
            password_hash=password_hash,
        )

    @event("Registered")
    def __init__(self, username: str, display_name: str, password_hash: str) -> None:
        self.username = username
        self.display_name = display_name
        self.password_hash = password_hash
        self.grants: list[dict[str, str]] = []
        self.members: dict[str, str] = {}  # branch -> the member number this user is there

    def change_password(self, password_hash: str) -> None:
        self._password_changed(password_hash=password_hash)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str) -> None:
        self.password_hash = password_hash

    def grant(self, role: str, tenant: str) -> None:
        require(role in GRANTABLE, "account.unknown_role", field="role", choices=GRANTABLE)
        if {"role": role, "tenant": tenant} in self.grants:
            raise StateConflict("account.holds_role", user=self.username, role=role, tenant=tenant)
        self._granted(role=role, scope=tenant)

    # The field is "scope", not "tenant": every event already carries the tenant whose log
    # holds it (here the committee), and a field of the same name would be overwritten.
    @event("AccessGranted")
    def _granted(self, role: str, scope: str) -> None:
        self.grants.append({"role": role, "tenant": scope})

    def revoke(self, role: str, tenant: str) -> None:
        if {"role": role, "tenant": tenant} not in self.grants:
            raise StateConflict("account.lacks_role", user=self.username, role=role, tenant=tenant)
        self._revoked(role=role, scope=tenant)

    @event("AccessRevoked")
    def _revoked(self, role: str, scope: str) -> None:
        self.grants.remove({"role": role, "tenant": scope})

    def link_member(self, branch: str, member_no: str) -> None:
        """Say which member of ``branch`` this user is (for the role "member")."""
        require(bool(member_no.strip()), "text.empty", field="member_no")
        if self.members.get(branch) == member_no:
            raise StateConflict(
                "account.member_linked", user=self.username, member_no=member_no, branch=branch
            )
        self._member_linked(scope=branch, member_no=member_no.strip())

    @event("MemberLinked")
    def _member_linked(self, scope: str, member_no: str) -> None:
        self.members[scope] = member_no
