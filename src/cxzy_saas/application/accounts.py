"""Accounts of a committee: registration, grants, passwords, sessions.

Who manages accounts: the committee's admins (every account of the committee) and the system
operator (``cxzy accounts``); a branch secretary manages the accounts of her own branch (those
whose every grant is in her branch, in a role she may grant: ``SECRETARY_GRANTS``). Every user
changes their own password and signs out (the actor's role is then "self").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from cxzy_saas.application import passwords
from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.commands.committee import (
    AddUser,
    ChangePassword,
    DisableUser,
    EnableUser,
    Grant,
    LinkMember,
    RegisterUser,
    ResetPassword,
    Revoke,
    SignOut,
)
from cxzy_saas.application.permissions import COMMITTEE_WRITERS, SYSTEM
from cxzy_saas.domain.accounts import (
    BRANCH_GRANTS,
    COMMITTEE_GRANTS,
    SECRETARY_GRANTS,
    Account,
)
from cxzy_saas.domain.base import require
from cxzy_saas.domain.committee import Committee
from cxzy_saas.domain.errors import AlreadyExists, Forbidden, NotFound
from cxzy_saas.domain.recording import Actor, recording

if TYPE_CHECKING:
    from cxzy_saas.application.branch import BranchApplication

HASHER = passwords.HASHER  # the demo hashes its shared password once with it
REGISTERED = Account.Registered  # type: ignore[attr-defined]
MANAGERS = frozenset({"committee-admin", "branch-secretary", SYSTEM})


class AccountCommands(TenantApplication):
    """Mixed into :class:`~cxzy_saas.application.committee.CommitteeApplication`."""

    branch_app: Callable[[str], BranchApplication]
    committee: Callable[[], Committee]

    # registering

    def register_user(
        self, actor: Actor, command: RegisterUser, password_hash: str | None = None
    ) -> None:
        """Register a user with a password of their own (no grant yet: committee admins).

        ``password_hash`` lets a trusted back-fill (the demo, whose users share the public
        password "demo") hash once for many users: argon2 costs ~0.1 s a hash. A password a
        person chose is checked for strength, except the system's (provisioning, tests).
        """
        username = command.username
        with self.acting(actor, COMMITTEE_WRITERS):
            self._check_free(username)
            if password_hash is None and actor.role != SYSTEM:
                passwords.check_strength(command.password, "password", [username])
            hashed = password_hash or passwords.hash_password(command.password)
            self.save(Account.register(username, command.display_name, hashed))

    def add_user(self, actor: Actor, command: AddUser) -> str | None:
        """Register a user with their first grant (and member link) in one transaction.

        Returns the one-time password made for the user when the command brings none (shown
        once, never stored), else None.

        Raises:
            Forbidden: an actor who may not manage accounts, or a grant a secretary may not give.
            NotFound: a branch not of this committee, a group or member not of the branch.
            AlreadyExists: the username is taken.
            InvalidInput: a malformed username, a role not for that tenant, a weak password.
        """
        with self._managing(actor) as scope:
            self._check_free(command.username)
            self._check_grant(scope, command.role, command.tenant, command.group)
            one_time = None
            if command.password is None:
                one_time = passwords.one_time_password()
            else:
                passwords.check_strength(
                    command.password, "password", [command.username, command.display_name]
                )
            hashed = passwords.hash_password(one_time or command.password or "")
            account = Account.register(
                command.username, command.display_name, hashed, one_time=one_time is not None
            )
            account.grant(command.role, command.tenant, command.group)
            if command.member_no:
                self.branch_app(command.tenant).member(command.member_no)
                account.link_member(command.tenant, command.member_no)
            self.save(account)
            return one_time

    # grants

    def grant(self, actor: Actor, command: Grant) -> None:
        with self._managing(actor) as scope:
            account = self._managed(scope, command.username)
            self._check_grant(scope, command.role, command.tenant, command.group)
            account.grant(command.role, command.tenant, command.group)
            self.save(account)

    def revoke(self, actor: Actor, command: Revoke) -> None:
        """Raises Forbidden for an admin's own admin role: the committee's sole admin would
        lock everyone out of its accounts (another admin revokes it)."""
        with self._managing(actor) as scope:
            if command.username == actor.user and command.role == "committee-admin":
                raise Forbidden("account.own_admin")
            account = self._managed(scope, command.username)
            account.revoke(command.role, command.tenant)
            self.save(account)

    def link_member(self, actor: Actor, command: LinkMember) -> None:
        """Raises NotFound for an unknown user, or a member not in the command's branch."""
        with self._managing(actor) as scope:
            if scope is not None and command.branch != scope:
                raise Forbidden("tenant.not_yours", user=actor.user, tenant=command.branch)
            self.branch_app(command.branch).member(command.member_no)
            account = self._managed(scope, command.username)
            account.link_member(command.branch, command.member_no)
            self.save(account)

    # passwords and sessions

    def reset_password(self, actor: Actor, command: ResetPassword) -> str:
        """Give the user a one-time password (returned, to be shown once); their sessions and
        tokens end."""
        with self._managing(actor) as scope:
            if command.username == actor.user:  # one's own: changed with the current one
                raise Forbidden("account.own_reset")
            account = self._managed(scope, command.username)
            one_time = passwords.one_time_password()
            account.reset_password(passwords.hash_password(one_time))
            self.save(account)
            return one_time

    def disable(self, actor: Actor, command: DisableUser) -> None:
        """The user can no longer sign in; their sessions and tokens end."""
        with self._managing(actor) as scope:
            if command.username == actor.user:
                raise Forbidden("account.own")
            account = self._managed(scope, command.username)
            account.disable()
            self.save(account)

    def enable(self, actor: Actor, command: EnableUser) -> None:
        with self._managing(actor) as scope:
            account = self._managed(scope, command.username)
            account.enable()
            self.save(account)

    def change_password(self, actor: Actor, command: ChangePassword) -> None:
        """The user's own change, proven by the current password; every other session and
        token of the account ends (the caller renews its own).

        Raises:
            Forbidden: anyone but the user themself.
            InvalidInput: a wrong current password, or a weak or unchanged new one.
        """
        with self._own(actor, command.username):
            account = self.account(command.username)
            require(
                passwords.verify(account.password_hash, command.current),
                "password.wrong",
                field="current",
            )
            require(command.new != command.current, "password.same", field="new")
            passwords.check_strength(command.new, "new", [account.username, account.display_name])
            account.change_password(passwords.hash_password(command.new))
            self.save(account)

    def sign_out(self, actor: Actor, command: SignOut) -> None:
        """End every session and token of the account."""
        with self._own(actor, command.username):
            account = self.account(command.username)
            account.sign_out()
            self.save(account)

    # reads

    def account(self, username: str) -> Account:
        return self.load(
            Account, Account.id_for(self.tenant, username), "user.not_found", username=username
        )

    def signed_in(self, username: str) -> Account:
        """The account behind a token or a session, as :meth:`account` but kept while this
        log's head stays where it was (``kept``): every request asks, few change it. Read
        it, never change and save it.

        Raises:
            NotFound: no such user.
        """
        return self.kept(("account", username), lambda: self.account(username))

    def accounts(self) -> list[Account]:
        return [self.load(Account, i, "record.not_found") for i in self.ids_created_by(REGISTERED)]

    def managed_accounts(self, actor: Actor) -> list[Account]:
        """The accounts ``actor`` manages, by username. Raises Forbidden like the commands."""
        scope = self._scope_of(actor)
        found = [a for a in self.accounts() if scope is None or in_branch(a, scope)]
        return sorted(found, key=lambda a: a.username)

    def managed_account(self, actor: Actor, username: str) -> Account:
        """Raises NotFound for an account ``actor`` does not manage, as for one that does not
        exist."""
        return self._managed(self._scope_of(actor), username)

    # who may

    def _scope_of(self, actor: Actor) -> str | None:
        """None: every account of the committee (its admins, the system); a branch code: the
        accounts of a secretary's branch.

        Raises:
            Forbidden: a role that manages no accounts, or a user of another committee.
        """
        if actor.role not in MANAGERS:
            raise Forbidden("account.may_not_manage", role=actor.role)
        if actor.role == SYSTEM:
            return None
        if actor.role == "committee-admin" and actor.tenant == self.tenant:
            return None
        if actor.role == "branch-secretary" and actor.tenant in self.committee().branches:
            return actor.tenant
        raise Forbidden("tenant.not_yours", user=actor.user, tenant=self.tenant)

    @contextmanager
    def _managing(self, actor: Actor) -> Iterator[str | None]:
        """Authorise a manager of accounts and stamp the events; yields their scope."""
        scope = self._scope_of(actor)
        with recording(self.tenant, actor, self.clock):
            yield scope

    @contextmanager
    def _own(self, actor: Actor, username: str) -> Iterator[None]:
        if actor.role != SYSTEM and (actor.role != "self" or actor.user != username):
            raise Forbidden("account.not_yours")
        with recording(self.tenant, actor, self.clock):
            yield

    def _managed(self, scope: str | None, username: str) -> Account:
        account = self.account(username)
        if scope is not None and not in_branch(account, scope):
            raise NotFound("user.not_found", username=username)
        return account

    def _check_free(self, username: str) -> None:
        if self.exists(Account.id_for(self.tenant, username)):
            raise AlreadyExists("user.exists", field="username", username=username)

    def _check_grant(self, scope: str | None, role: str, tenant: str, group: str | None) -> None:
        """A committee role for the committee, a branch role for one of its branches, within
        what a secretary may grant; the group a leader leads exists in the branch.

        Raises:
            NotFound: a branch not of this committee, or a group not of the branch.
            Forbidden: a grant the secretary (``scope``) may not give.
            InvalidInput: a role not for that tenant.
        """
        if scope is not None and (tenant != scope or role not in SECRETARY_GRANTS):
            raise Forbidden("account.may_not_grant", field="role", role=role)
        if tenant == self.tenant:
            require(role in COMMITTEE_GRANTS, "account.branch_role", field="role", role=role)
        else:
            if tenant not in self.committee().branches:
                raise NotFound("branch.not_found", field="tenant", branch=tenant)
            require(role in BRANCH_GRANTS, "account.committee_role", field="role", role=role)
        if group:
            try:
                self.branch_app(tenant).group(group)
            except NotFound:
                raise NotFound("group.not_found", field="group", group=group) from None


def in_branch(account: Account, branch: str) -> bool:
    """Whether ``account`` is a user of ``branch`` only, in roles its secretary may grant."""
    return bool(account.grants) and all(
        g["tenant"] == branch and g["role"] in SECRETARY_GRANTS for g in account.grants
    )
