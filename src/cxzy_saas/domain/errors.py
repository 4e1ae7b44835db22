"""One hierarchy for every refusal the domain and application can give.

The web layer maps these to HTTP once (see ``web/problems.py``); the CLI prints their message.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused; nothing was written."""

    code = "refused"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The command's input is malformed or out of range."""

    code = "invalid"


class NotFound(DomainError):
    """The named thing does not exist in this tenant (or the caller may not know it does)."""

    code = "not_found"


class AlreadyExists(DomainError):
    """A thing with this identity exists already."""

    code = "exists"


class StateConflict(DomainError):
    """The command does not fit the current state (approving twice, casting on a closed ballot)."""

    code = "state"


class ConcurrentModification(StateConflict):
    """Another writer changed the same aggregate first; reload and try again."""

    code = "conflict"


class Forbidden(DomainError):
    """The actor's role or tenant may not do this."""

    code = "forbidden"
