"""Accounts of a committee: registration, grants, and checking a password (argon2)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.permissions import COMMITTEE_WRITERS
from cxzy_saas.domain.accounts import Account
from cxzy_saas.domain.errors import AlreadyExists, NotFound
from cxzy_saas.domain.recording import Actor

HASHER = PasswordHasher()


class AccountCommands(TenantApplication):
    """Mixed into :class:`~cxzy_saas.application.committee.CommitteeApplication`."""

    def register_user(self, actor: Actor, username: str, display_name: str, password: str) -> None:
        with self.acting(actor, COMMITTEE_WRITERS):
            if self.exists(Account.id_for(self.tenant, username)):
                raise AlreadyExists(f"user {username} exists already", field="username")
            self.save(Account.register(username, display_name, HASHER.hash(password)))

    def account(self, username: str) -> Account:
        return self.load(Account, Account.id_for(self.tenant, username), f"user {username}")

    def grant(self, actor: Actor, username: str, role: str, tenant: str) -> None:
        with self.acting(actor, COMMITTEE_WRITERS):
            account = self.account(username)
            account.grant(role, tenant)
            self.save(account)

    def revoke(self, actor: Actor, username: str, role: str, tenant: str) -> None:
        with self.acting(actor, COMMITTEE_WRITERS):
            account = self.account(username)
            account.revoke(role, tenant)
            self.save(account)

    def check_password(self, username: str, password: str) -> Account:
        """Raises NotFound for an unknown user or a wrong password (the same answer for both)."""
        try:
            account = self.account(username)
            HASHER.verify(account.password_hash, password)
        except (NotFound, VerificationError, InvalidHashError):
            raise NotFound("unknown user or wrong password") from None
        return account
