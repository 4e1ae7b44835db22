"""User accounts and their grants, in the committee's log: who could do what, when, is part
of the record. Password hashes are made outside the domain (argon2, in the application).

An account's sessions and tokens carry its ``session_version``; signing out, a password change
or reset, disabling the account and revoking a grant raise it, so that every session and token
issued before ends at once, wherever it is held.
"""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import event

from cxzy_saas.domain.base import TenantAggregate, require, require_text, stable_id
from cxzy_saas.domain.errors import StateConflict
from cxzy_saas.domain.recording import ROLES

USERNAME = re.compile(r"[a-z][a-z0-9_.-]{1,39}")
GRANTABLE = tuple(r for r in ROLES if r not in ("rater", "system", "self"))
COMMITTEE_GRANTS = ("committee-admin", "committee-viewer", "auditor")  # for the committee
BRANCH_GRANTS = tuple(r for r in GRANTABLE if r not in COMMITTEE_GRANTS)  # for one branch
# What a branch secretary may grant in her own branch: never a committee role, nor her own.
SECRETARY_GRANTS = ("branch-clerk", "group-leader", "member")


def username_ok(username: str) -> bool:
    return bool(USERNAME.fullmatch(username))


class Account(TenantAggregate):
    """A user of the committee or of one of its branches, with the roles granted to them."""

    @staticmethod
    def create_id(tenant: str, username: str) -> UUID:
        return Account.id_for(tenant, username)

    @staticmethod
    def id_for(committee: str, username: str) -> UUID:
        return stable_id(committee, "account", username)

    @classmethod
    def register(
        cls, username: str, display_name: str, password_hash: str, *, one_time: bool = False
    ) -> Account:
        """``one_time``: the password was made for the user, who must change it at first
        sign-in."""
        require(username_ok(username), "user.name_malformed", field="username")
        return cls(
            username=username,
            display_name=require_text(display_name, "display_name", max_length=50),
            password_hash=password_hash,
            one_time=one_time,
        )

    @event("Registered")
    def __init__(
        self, username: str, display_name: str, password_hash: str, one_time: bool = False
    ) -> None:
        self.username = username
        self.display_name = display_name
        self.password_hash = password_hash
        self.must_change_password = one_time
        self.disabled = False
        self.session_version = 0
        self.grants: list[dict[str, str]] = []
        self.members: dict[str, str] = {}  # branch -> the member number this user is there

    # passwords and sessions

    def change_password(self, password_hash: str) -> None:
        """The user chose a new password (checked and hashed by the application)."""
        self._password_changed(password_hash=password_hash)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.must_change_password = False
        self.session_version += 1

    def reset_password(self, password_hash: str) -> None:
        """A manager gave the user a one-time password, to be changed at the next sign-in."""
        self._password_reset(password_hash=password_hash)

    @event("PasswordReset")
    def _password_reset(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.must_change_password = True
        self.session_version += 1

    def sign_out(self) -> None:
        """End every session and token of this account (the user signed out)."""
        self._signed_out()

    @event("SignedOut")
    def _signed_out(self) -> None:
        self.session_version += 1

    def disable(self) -> None:
        if self.disabled:
            raise StateConflict("account.disabled_already", user=self.username)
        self._disabled()

    @event("Disabled")
    def _disabled(self) -> None:
        self.disabled = True
        self.session_version += 1

    def enable(self) -> None:
        if not self.disabled:
            raise StateConflict("account.enabled_already", user=self.username)
        self._enabled()

    @event("Enabled")
    def _enabled(self) -> None:
        self.disabled = False

    # grants

    def holds(self, role: str, tenant: str) -> bool:
        return any(g["role"] == role and g["tenant"] == tenant for g in self.grants)

    def grant(self, role: str, tenant: str, group: str | None = None) -> None:
        """``group``: the party group a group leader leads (group leaders only)."""
        require(role in GRANTABLE, "account.unknown_role", field="role", choices=GRANTABLE)
        require(group is None or role == "group-leader", "account.group_for_leaders", field="group")
        if self.holds(role, tenant):
            raise StateConflict("account.holds_role", user=self.username, role=role, tenant=tenant)
        self._granted(role=role, scope=tenant, group=group)

    # The field is "scope", not "tenant": every event already carries the tenant whose log
    # holds it (here the committee), and a field of the same name would be overwritten.
    @event("AccessGranted")
    def _granted(self, role: str, scope: str, group: str | None = None) -> None:
        grant = {"role": role, "tenant": scope}
        if group:
            grant["group"] = group
        self.grants.append(grant)

    def revoke(self, role: str, tenant: str) -> None:
        if not self.holds(role, tenant):
            raise StateConflict("account.lacks_role", user=self.username, role=role, tenant=tenant)
        self._revoked(role=role, scope=tenant)

    @event("AccessRevoked")
    def _revoked(self, role: str, scope: str) -> None:
        self.grants = [g for g in self.grants if (g["role"], g["tenant"]) != (role, scope)]
        self.session_version += 1

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
