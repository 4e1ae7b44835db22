"""Accounts of a committee: registration, grants, and checking a password (argon2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.commands.committee import Grant, LinkMember, RegisterUser, Revoke
from cxzy_saas.application.permissions import COMMITTEE_WRITERS
from cxzy_saas.domain.accounts import Account
from cxzy_saas.domain.errors import AlreadyExists, NotFound
from cxzy_saas.domain.recording import Actor

if TYPE_CHECKING:
    from cxzy_saas.application.branch import BranchApplication

HASHER = PasswordHasher()
REGISTERED = Account.Registered  # type: ignore[attr-defined]


class AccountCommands(TenantApplication):
    """Mixed into :class:`~cxzy_saas.application.committee.CommitteeApplication`."""

    branch_app: Callable[[str], BranchApplication]

    def register_user(
        self, actor: Actor, command: RegisterUser, password_hash: str | None = None
    ) -> None:
        """Register a user; ``password_hash`` lets a trusted back-fill (the demo, whose users
        share the public password "demo") hash once for many users: argon2 costs ~0.1 s a hash.
        """
        username = command.username
        with self.acting(actor, COMMITTEE_WRITERS):
            if self.exists(Account.id_for(self.tenant, username)):
                raise AlreadyExists("user.exists", field="username", username=username)
            hashed = password_hash or HASHER.hash(command.password)
            self.save(Account.register(username, command.display_name, hashed))

    def account(self, username: str) -> Account:
        return self.load(
            Account, Account.id_for(self.tenant, username), "user.not_found", username=username
        )

    def grant(self, actor: Actor, command: Grant) -> None:
        with self.acting(actor, COMMITTEE_WRITERS):
            account = self.account(command.username)
            account.grant(command.role, command.tenant)
            self.save(account)

    def revoke(self, actor: Actor, command: Revoke) -> None:
        with self.acting(actor, COMMITTEE_WRITERS):
            account = self.account(command.username)
            account.revoke(command.role, command.tenant)
            self.save(account)

    def link_member(self, actor: Actor, command: LinkMember) -> None:
        """Raises NotFound for an unknown user, or a member not in the command's branch."""
        with self.acting(actor, COMMITTEE_WRITERS):
            self.branch_app(command.branch).member(command.member_no)
            account = self.account(command.username)
            account.link_member(command.branch, command.member_no)
            self.save(account)

    def accounts(self) -> list[Account]:
        return [self.load(Account, i, "record.not_found") for i in self.ids_created_by(REGISTERED)]

    def check_password(self, username: str, password: str) -> Account:
        """Raises NotFound for an unknown user or a wrong password (the same answer for both)."""
        try:
            account = self.account(username)
            HASHER.verify(account.password_hash, password)
        except (NotFound, VerificationError, InvalidHashError):
            raise NotFound("user.sign_in_failed") from None
        return account
