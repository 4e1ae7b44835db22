"""One hierarchy for every refusal the domain and application can give.

A refusal names its reason by a stable code, a dotted identifier such as
``plan.wrong_status``, and carries the values its message needs as keyword parameters::

    raise StateConflict("plan.wrong_status", doing="submit", status=self.status)
    raise InvalidInput("text.empty", field="reason")

The messages, in Chinese and English, live in one catalogue (:mod:`cxzy_saas.domain.refusals`).
``str(error)`` and ``error.message`` give the English text (the CLI and the logs print it);
``error.text("zh")`` the Chinese. The class says what kind of refusal it is, and the web maps
classes to HTTP statuses in one place (``web/problems.py``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from typing import Any

from cxzy_saas.domain.refusals import MESSAGES, WORDS
from cxzy_saas.domain.text import item_zh

CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
LANGUAGES = ("zh", "en")


class DomainError(Exception):
    """A command was refused; nothing was written.

    ``code`` names the refusal in the catalogue; ``params`` are the values its messages name;
    ``field`` is the input field it concerns (``{field}`` in a message), if any.
    """

    title = "refused"

    def __init__(self, code: str, /, *, field: str | None = None, **params: Any) -> None:
        if not CODE.fullmatch(code):
            raise ValueError(f"a refusal's code is a dotted identifier, not {code!r}")
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params

    def text(self, language: str = "en", names: Names | None = None) -> str:
        """The message in ``language`` ("zh" or "en"), its placeholders filled; ``names``
        gives the name of a branch, group or member a placeholder holds the code of."""
        return render(self.code, {"field": self.field, **self.params}, language, names)

    @property
    def message(self) -> str:
        return self.text("en")

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword parameters do not survive Exception's default pickling (args only).
        return (_rebuild, (type(self), self.code, self.field, self.params))


def _rebuild(
    cls: type[DomainError], code: str, field: str | None, params: dict[str, Any]
) -> DomainError:
    return cls(code, field=field, **params)


class InvalidInput(DomainError):
    """The command's input is malformed or out of range."""

    title = "invalid"


class TooLarge(InvalidInput):
    """The request's body is over the size it may have (HTTP 413)."""

    title = "too_large"


class NotFound(DomainError):
    """The named thing does not exist in this tenant (or the caller may not know it does)."""

    title = "not_found"


class AlreadyExists(DomainError):
    """A thing with this identity exists already."""

    title = "exists"


class StateConflict(DomainError):
    """The command does not fit the current state (approving twice, casting on a closed ballot)."""

    title = "state"


class ConcurrentModification(StateConflict):
    """Another writer changed the same aggregate first; reload and try again."""

    title = "conflict"


class Forbidden(DomainError):
    """The actor's role or tenant may not do this."""

    title = "forbidden"


class Unavailable(DomainError):
    """A store the request needs cannot be reached now; nothing was written, try again later."""

    title = "unavailable"


# The name of a subject by its kind ("branch", "group", "member") and code, or None.
Names = Callable[[str, str], str | None]
# How a code reads in Chinese when no name is known for it.
NAMED = {"branch": "党支部 {}", "group": "{}", "member": "{}"}


class _Formatter(string.Formatter):
    """``str.format`` that never fails on a refusal: a missing value shows as its placeholder,
    ``{name:words}`` names the value in the message's language (see ``WORDS``),
    ``{branch:branch}`` (``group``, ``member``) shows the subject's name when the caller gives
    ``names``, and ``{item:item}`` a plan item's code as the plan names it (支3)."""

    def __init__(self, language: str, names: Names | None = None) -> None:
        self.language = language
        self.names = names

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        value = kwargs.get(str(key), "{" + str(key) + "}")
        # a group's or member's code beside its level reads as its name in Chinese, when known
        level = kwargs.get("level")
        if key == "subject" and self.names and self.language == "zh" and level in NAMED:
            return self.names(level, str(value)) or value
        return value

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec in NAMED:
            name = self.names(format_spec, str(value)) if self.names else None
            if name:
                return name
            return NAMED[format_spec].format(value) if self.language == "zh" else str(value)
        if format_spec == "item":
            return item_zh(str(value)) if self.language == "zh" else str(value)
        if format_spec in WORDS:
            words = WORDS[format_spec]
            named = words.get(value) if isinstance(value, str) else None
            return named if named is not None and self.language == "zh" else str(value)
        try:
            return super().format_field(value, format_spec)
        except (TypeError, ValueError):
            return str(value)


def render(
    code: str, params: Mapping[str, Any], language: str = "en", names: Names | None = None
) -> str:
    """The message of ``code`` in ``language`` with ``params`` filled in; an unknown code (the
    catalogue test forbids them) reads as the code itself."""
    pair = MESSAGES.get(code)
    if pair is None:
        return code
    zh, en = pair
    return _Formatter(language, names).vformat(zh if language == "zh" else en, (), params)
