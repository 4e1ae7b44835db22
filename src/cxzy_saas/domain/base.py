"""The base aggregate: every event stamped with tenant, actor and recorded time."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from cxzy_saas.domain import recording
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.text import CODE, bad_character, is_code, trimmed

ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://cxzy-saas/ids")


def stable_id(*parts: object) -> UUID:
    """A deterministic aggregate id, so that "one per (campaign, subject, month)" is enforced by
    the event store's optimistic concurrency: a second creation conflicts instead of forking."""
    return uuid5(ID_NAMESPACE, "/".join(str(p) for p in parts))


class TenantAggregate(Aggregate):
    """Base for all aggregates of the campaign domain.

    Events gain two fields, ``tenant`` and ``actor``, filled from the open
    :func:`~cxzy_saas.domain.recording.recording` context together with the timestamp.
    """

    class Event(Aggregate.Event):
        tenant: str
        actor: dict[str, str]

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        return super()._create(event_class, id=id, **_stamp(event_class, kwargs))

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        super().trigger_event(event_class, **_stamp(event_class, kwargs))


def _stamp(event_class: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    if "tenant" in kwargs or "actor" in kwargs:
        # Would be silently overwritten by the stamp below: a programming error.
        raise TypeError("event fields may not be named 'tenant' or 'actor'")
    rec = recording.current()
    # An event class may ask to be stamped with its day only (``recorded_to_the_day``).
    to_the_day = bool(getattr(event_class, "recorded_to_the_day", False))
    return {
        **kwargs,
        "tenant": rec.tenant,
        "actor": rec.actor.as_dict(),
        "timestamp": rec.time(to_the_day=to_the_day),
    }


def require(condition: bool, code: str, /, *, field: str | None = None, **params: Any) -> None:
    """Refuse a command with :class:`InvalidInput` ``code`` unless ``condition`` holds."""
    if not condition:
        raise InvalidInput(code, field=field, **params)


def require_text(value: str, field: str, *, max_length: int = 20000, multiline: bool = True) -> str:
    """``value`` stripped: not empty, at most ``max_length`` characters, and clean (see
    :mod:`cxzy_saas.domain.text`; a new line and a tab only when ``multiline``).

    Raises:
        InvalidInput: ``text.empty``, ``text.too_long`` or ``text.bad_character``.
    """
    text = trimmed(require_clean(value or "", field, multiline=multiline))
    require(bool(text), "text.empty", field=field)
    require(len(text) <= max_length, "text.too_long", field=field, max_length=max_length)
    return text


def require_clean(value: str, field: str, *, multiline: bool = True) -> str:
    """``value`` as it is, unless it holds a control character or a lone surrogate.

    Raises:
        InvalidInput: ``text.bad_character`` (not a string: ``text.not_text``).
    """
    require(isinstance(value, str), "text.not_text", field=field)
    found = bad_character(value, multiline=multiline)
    require(found is None, "text.bad_character", field=field, character=found)
    return value


def clean_text(value: str, field: str, *, multiline: bool = True) -> str:
    """Optional text (a note, a reason that may be left out), stripped; empty is allowed.

    Raises:
        InvalidInput: ``text.bad_character``.
    """
    return trimmed(require_clean(value or "", field, multiline=multiline))


def require_code(value: str, field: str, pattern: re.Pattern[str] = CODE) -> str:
    """A code typed by a user (member number, group or item code), whole: letters, digits and
    (where ``pattern`` allows) ``_`` and ``-``.

    Raises:
        InvalidInput: ``code.malformed``.
    """
    require(is_code(value, pattern), "code.malformed", field=field)
    return value


def require_past(on: date, field: str, *, after: date | None = None) -> date:
    """A date of something that has happened already: not after today (Beijing, by the
    application's clock) and, when ``after`` is given (the previous step's date), not before it.

    Raises:
        InvalidInput: ``date.in_future`` or ``date.before_previous_step``.
    """
    today = recording.today()
    require(on <= today, "date.in_future", field=field, value=on, today=today)
    if after is not None:
        require(on >= after, "date.before_previous_step", field=field, value=on, after=after)
    return on


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def as_date(value: date | str, field: str) -> date:
    """A day as typed: 2026-03-01, in full-width digits too (a Chinese input method's).

    Raises:
        InvalidInput: ``date.missing`` (nothing typed) or ``date.malformed``.
    """
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""
    require(bool(text), "date.missing", field=field)
    try:
        if not ISO_DAY.fullmatch(text):
            raise ValueError(text)  # fromisoformat also takes 20260301 and 2026-W09-7
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("date.malformed", field=field, value=value) from None
