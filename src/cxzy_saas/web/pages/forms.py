"""The forms of the pages: what the user typed, the refusals next to each field in the page's
language, and one way to check a form and run its command.

A form is checked by the API's own marshmallow schema first (so a page refuses what the API
refuses), then by the application's command. A refusal naming a field the form has is shown next
to that field; any other next to the field the view names (``near``), else at the top of the
form. A refused form is shown again with what the user typed and status 422; an accepted one
redirects (post/redirect/get), so that a reload never records twice.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from flask import current_app, g, request
from marshmallow import Schema, ValidationError, fields

from cxzy_saas.application.idempotency import Claim, Stored, claiming
from cxzy_saas.domain.errors import DomainError, InvalidInput
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.pages import i18n
from cxzy_saas.web.pages.access import current_user


def first_text(messages: Any) -> str:
    """marshmallow's messages of one field: a list, or a dict by list index."""
    if isinstance(messages, str):
        return messages
    if isinstance(messages, dict):
        return first_text(next(iter(messages.values())))
    return first_text(messages[0])


_KEYS = count(1)


@dataclass
class Form:
    """One form of a page: the typed values and the refusals, by field name (``error``: the
    form's own refusal, shown at its top)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""
    # Tells this form's refusals from another's on the same page (their element ids).
    key: int = field(default_factory=lambda: next(_KEYS), compare=False)

    def error_id(self, name: str) -> str:
        """The id of the refusal shown next to field ``name`` (its aria-describedby)."""
        return f"err-{self.key}-{name}"

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.error)

    def refuse(self, error: DomainError, near: str = "") -> None:
        text = i18n.message(error)
        if error.field and error.field in self.values:
            self.errors[error.field] = text
        elif near:
            self.errors[near] = text
        else:
            self.error = text

    def require(self, holds: bool, code: str, *, field: str, **params: Any) -> None:
        """Refuse ``field`` with ``code`` unless ``holds`` (as the domain's ``require``): a check
        the page makes before the command, so that each field's refusal is shown at once (a
        command stops at its first)."""
        if not holds and field not in self.errors:
            self.errors[field] = i18n.message(InvalidInput(code, field=field, **params))

    def check(self, schema: type[Schema], **fixed: Any) -> dict[str, Any]:
        """The typed fields of ``schema`` (stripped; blank ones left out, so that a required
        one is "missing") plus ``fixed``, loaded by ``schema``; refusals are kept by field,
        and {} returned."""
        data: dict[str, Any] = {}
        for name, declared in schema._declared_fields.items():
            value = self.values.get(name)
            if isinstance(value, str):
                value = value.strip()
                if isinstance(declared, fields.Date | fields.Number):
                    value = unicodedata.normalize("NFKC", value)  # a Chinese input method's ８．５
            if value not in (None, "", []):
                data[name] = value
        data.update(fixed)
        try:
            return dict(schema().load(data))
        except ValidationError as error:
            for name, found in error.normalized_messages().items():
                text = i18n.schema_message(first_text(found), data.get(name))
                if name in self.values:
                    self.errors[name] = text
                else:
                    self.error = text
            return {}

    def run(self, act: Callable[[], object], near: str = "") -> bool:
        """Run the command unless the form failed already; keep its refusal. A form sent
        again (a double click, a resent request) runs nothing and counts as done: the form's
        ``once`` key (:func:`once_key`) is claimed with the first events it saves, as an API
        request's Idempotency-Key (decision 0006). Another form under a key used already (a
        page brought back with the browser's Back and filled anew) is refused, not dropped."""
        if self.failed:
            return False
        # a grid saves a row a command: the first one's events take the claim (or a refusal
        # leaves it for the form sent again); the request's later commands run unclaimed
        claim = None if g.get("once_asked") else _claim()
        g.once_asked = True
        try:
            if claim is not None:
                earlier = _earlier(claim)
                if earlier is not None:
                    return self._sent_before(earlier, claim)
                with claiming(claim):
                    act()
            else:
                act()
        except DomainError as error:
            # sent twice at once: the other copy's save took the key (this one found the
            # record it made, or changed meanwhile)
            earlier = None if claim is None or claim.taken else _earlier(claim)
            if earlier is not None:
                return self._sent_before(earlier, claim)  # type: ignore[arg-type]
            self.refuse(error, near)
            return False
        return True

    def _sent_before(self, earlier: Stored, claim: Claim) -> bool:
        if earlier.fingerprint == claim.fingerprint:
            return True  # the same form, saved already
        self.error = i18n.tr(
            "这张表单已经提交过了。请刷新页面后重新填写。",
            "This form was sent already: reload the page and fill it in again.",
        )
        return False

    def submit(
        self,
        schema: type[Schema],
        act: Callable[[dict[str, Any]], object],
        *,
        near: str = "",
        **fixed: Any,
    ) -> bool:
        """:meth:`check` the form, then :meth:`run` ``act`` with what ``schema`` loaded."""
        body = self.check(schema, **fixed)
        return self.run(lambda: act(body), near)


def refusal_of(form: Form) -> str:
    """A refused form's words, for a page that does not draw the form (its own refusal, else
    its fields')."""
    return form.error or i18n.tr("；", "; ").join(dict.fromkeys(form.errors.values()))


ONCE = "once"  # the hidden field of a form's one-time key


def once_key() -> str:
    """A new key for a form shown: each showing of a form saves at most once."""
    return uuid.uuid4().hex


def _claim() -> Claim | None:
    """The claim of the posted form's ``once`` key, for the signed-in user, with a fingerprint
    of what the form holds (None when none was sent)."""
    key = request.form.get(ONCE, "")
    who = current_user()
    if who is None or not 1 <= len(key) <= 64 or not key.isalnum():
        return None
    return Claim(who.username, f"page:{key}", _fingerprint())


def _fingerprint() -> str:
    """The posted form as sent: its address and every field but the CSRF token."""
    fields = sorted(
        (k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", ONCE)
    )
    return hashlib.sha256(repr((request.path, fields)).encode("utf-8")).hexdigest()


def _earlier(claim: Claim) -> Stored | None:
    """The claim of ``claim``'s key made already: in the log of the page's branch or in its
    committee's (where a page's commands write); None when the key is unused."""
    tenancy = tenancy_of(current_app)
    who = current_user()
    assert who is not None
    code = (request.view_args or {}).get("code")
    committee = tenancy.committee(who.committee)
    apps: list[Any] = [committee]
    if isinstance(code, str) and code in committee.committee().branches:
        apps.insert(0, tenancy.branch(code))
    for app in apps:
        found: Stored | None = app.answer_to(claim.user, claim.key)
        if found is not None:
            return found
    return None


def sent_before() -> bool:
    """Whether this very form was saved already (a double click): for a view whose own checks
    would refuse it before its commands run (a grid whose rows are all recorded now)."""
    claim = _claim()
    earlier = None if claim is None else _earlier(claim)
    return earlier is not None and claim is not None and earlier.fingerprint == claim.fingerprint


def typed(lists: Iterable[str] = ()) -> Form:
    """The posted form as the user typed it (``lists``: the fields with several values)."""
    values: dict[str, Any] = {
        k: v for k, v in request.form.items() if k not in ("csrf_token", ONCE)
    }
    for name in lists:
        values[name] = request.form.getlist(name)
    return Form(values=values)


def forms_of(named: Mapping[str, Form] | None = None) -> defaultdict[str, Form]:
    """The forms of a page by name; a form not named is empty."""
    found: defaultdict[str, Form] = defaultdict(Form)
    found.update(named or {})
    return found
