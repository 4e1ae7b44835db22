"""Small forms of the plan and evaluation pages: what the user typed, the refusals next to each
field in the page's language, and one way to run a command on them.

A form is checked by the API's own marshmallow schema first (so a page refuses what the API
refuses), then by the command; a ``DomainError`` naming a field the form has is shown next to
that field, any other at the top of the form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from cxzy_saas.domain.errors import DomainError
from cxzy_saas.web.pages import i18n
from cxzy_saas.web.pages.entry import first_text


def schema_message(messages: object) -> str:
    return i18n.schema_message(first_text(messages))


@dataclass
class Form:
    """One form of a page: the typed values and the refusals, by field name."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.error)

    def refuse(self, error: DomainError) -> None:
        text = i18n.message(error)
        if error.field and error.field in self.values:
            self.errors[error.field] = text
        else:
            self.error = text

    def check(self, schema: type[Schema], names: Iterable[str], **fixed: Any) -> dict[str, Any]:
        """The typed ``names`` (blank ones left out, so that a required one is "missing") plus
        ``fixed``, loaded by ``schema``; refusals are kept by field, and {} returned."""
        data = {n: self.values[n] for n in names if str(self.values.get(n, "")).strip()}
        try:
            loaded: dict[str, Any] = schema().load({**data, **fixed})
        except ValidationError as error:
            messages = error.messages if isinstance(error.messages, dict) else {}
            for name, found in messages.items():
                if name in self.values:
                    self.errors[name] = schema_message(found)
                else:
                    self.error = schema_message(found)
            return {}
        return loaded

    def run(self, act: Callable[[], object]) -> bool:
        """Run the command unless the form failed already; keep its refusal."""
        if self.failed:
            return False
        try:
            act()
        except DomainError as error:
            self.refuse(error)
            return False
        return True


def typed(names: Iterable[str]) -> Form:
    return Form(values={n: request.form.get(n, "") for n in names})


def no_forms() -> defaultdict[str, Form]:
    return defaultdict(Form)


def failed(name: str, form: Form) -> defaultdict[str, Form]:
    forms = no_forms()
    forms[name] = form
    return forms
