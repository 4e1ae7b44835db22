"""Form handling shared by the branch's data-entry pages (organisation, measures, records,
inspections, meetings): the API's own marshmallow schema checks what was typed, the
application's command decides, and either refusal comes back as a Chinese message by field.

A refused form is shown again with what the user typed, the messages next to the fields and
status 422; an accepted one redirects (post/redirect/get), so a reload never records twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import current_app, request
from marshmallow import Schema, ValidationError

from cxzy_saas.domain.errors import DomainError
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import i18n
from cxzy_saas.web.pages.access import user

FORM = "form"  # the key of a refusal that belongs to no single field
CHINA = timezone(timedelta(hours=8))


def first_text(messages: Any) -> str:
    """marshmallow's messages of one field: a list, or a dict by list index."""
    if isinstance(messages, str):
        return messages
    if isinstance(messages, dict):
        return first_text(next(iter(messages.values())))
    return first_text(messages[0])


class Refused(Exception):
    """A form refused, by field (``FORM`` for what belongs to no field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def typed(lists: Iterable[str] = ()) -> dict[str, Any]:
    """What the user typed into the posted form, to check and to show again."""
    found: dict[str, Any] = {k: v for k, v in request.form.items() if k != "csrf_token"}
    for name in lists:
        found[name] = request.form.getlist(name)
    return found


def load(schema: type[Schema], values: Mapping[str, Any], **fixed: Any) -> dict[str, Any]:
    """The form checked by the API's schema; an empty field counts as not given.

    Raises:
        Refused: with the schema's messages in Chinese.
    """
    data: dict[str, Any] = {}
    for name in schema._declared_fields:
        value = values.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, "", []):
            data[name] = value
    data.update(fixed)
    try:
        return dict(schema().load(data))
    except ValidationError as error:
        messages = error.normalized_messages()
        raise Refused(
            {k: i18n.schema_message(first_text(v)) for k, v in messages.items()}
        ) from None


def submit(
    schema: type[Schema],
    values: Mapping[str, Any],
    command: Callable[[dict[str, Any]], object],
    *,
    field: str = FORM,
    **fixed: Any,
) -> dict[str, str]:
    """Check ``values`` and run ``command`` with them: the refusals by field (empty: done).

    A refusal of the command is shown next to the field it names, when the form has it, else
    next to ``field``.
    """
    try:
        command(load(schema, values, **fixed))
    except Refused as refused:
        return refused.errors
    except DomainError as error:
        known = {n for n in schema._declared_fields if n in values or n not in fixed}
        return {error.field if error.field in known else field: i18n.message(error)}
    return {}


def may(code: str, roles: Iterable[str]) -> bool:
    """Whether the signed-in user may write these commands in branch ``code``."""
    try:
        actor = user().actor(code, roles)
    except DomainError:
        return False
    return actor.tenant == code


def today() -> str:
    return tenancy_of(current_app).now().astimezone(CHINA).date().isoformat()


def when(moment: datetime) -> str:
    """A recorded time as the branch reads it (Beijing time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def page_number(total: int, per_page: int) -> int:
    text = request.values.get("page", "")
    last = max(1, -(-total // per_page))
    return min(int(text), last) if text.isdigit() and int(text) >= 1 else 1
