"""Signing in: which committee's account a username and password open.

The pages and the API's token route sign in the same way. Usernames are unique within a
committee, so every committee is asked for an account of that name (a cheap lookup each), and
then each account found checks the password (argon2, ~0.1 s). When none is found, the password is
checked against a dummy hash instead: an unknown user, a wrong password and a disabled account
get the same answer in about the same time.

A committee whose cell cannot be reached is skipped (``Tenancy.reaching``): the others' users
sign in as ever; when no account opened, the answer is "try again later" rather than "wrong
password", since the account may be in that cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxzy_saas.application import passwords
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.accounts import Account, username_ok
from cxzy_saas.domain.errors import NotFound, Unavailable


@dataclass(frozen=True)
class SignedIn:
    committee: str
    account: Account


def authenticate(tenancy: Tenancy, username: str, password: str) -> SignedIn:
    """The account ``username`` and ``password`` open.

    Raises:
        NotFound: ``user.sign_in_failed`` for an unknown user, a wrong password or a disabled
            account alike.
        Unavailable: ``sign_in.unavailable``, no account opened and some committee's cell
            could not be reached.
    """
    found: list[SignedIn] = []
    missed = False
    if username_ok(username) and len(password) <= passwords.MAX_LENGTH:
        for committee in sorted(tenancy.registry().committees()):
            try:
                with tenancy.reaching(committee):
                    account = tenancy.committee(committee).account(username)
            except NotFound:
                continue
            except Unavailable:
                missed = True
                continue
            found.append(SignedIn(committee, account))
    if not found:
        passwords.verify(None, password[: passwords.MAX_LENGTH])
    for candidate in found:
        account = candidate.account
        if passwords.verify(account.password_hash, password) and not account.disabled:
            return candidate
    if missed and not found:  # the account may be in a cell out of reach
        raise Unavailable("sign_in.unavailable")
    raise NotFound("user.sign_in_failed")
