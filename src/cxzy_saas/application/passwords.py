"""Passwords: argon2 hashes, a strength check for the ones people choose, one-time passwords.

Hashing costs about 0.1 s by design (argon2's defaults); verifying costs the same. A sign-in for
a user that does not exist verifies against a dummy hash made with the same parameters, so that
its answer takes as long as a wrong password's and no one learns which users exist by timing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from cxzy_saas.domain.base import require

HASHER = PasswordHasher()
MIN_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable" against an online attack and more
MIN_LENGTH = 10
MAX_LENGTH = 200  # longer texts are refused by the forms and the API before they get here
ZXCVBN_LENGTH = 72  # zxcvbn refuses longer input; the start of a long password is what it judges
# One-time passwords: 12 characters in three groups from an alphabet without look-alikes
# (no 0/o, 1/l/i), about 61 bits; typed once from a screen or a note, then changed.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; with None, the time of a check against
    the dummy hash and False (a user that does not exist)."""
    try:
        return HASHER.verify(password_hash or dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """A hash of a random password, with the hasher's parameters: made once per process."""
    return HASHER.hash(secrets.token_urlsafe(16))


def check_strength(password: str, field: str, user_inputs: Iterable[str] = ()) -> None:
    """Refuse a password a person chose that is shorter than 10 characters or too easy to guess
    (zxcvbn, which knows common passwords, names, dates, keyboard patterns and the user's own
    name).

    Raises:
        InvalidInput: ``password.weak`` for ``field``.
    """
    require(MIN_LENGTH <= len(password) <= MAX_LENGTH, "password.weak", field=field)
    score = zxcvbn(password[:ZXCVBN_LENGTH], user_inputs=list(user_inputs))["score"]
    require(score >= MIN_SCORE, "password.weak", field=field)


def one_time_password() -> str:
    chars = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))
