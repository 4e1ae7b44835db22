"""Schemas shared by the API's resources: strict input, pages, ids, dates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from cxzy_saas.domain.committee import TENANT_CODE
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.plan import LEVELS as ALL_LEVELS
from cxzy_saas.domain.ranking import RATED, UNRATED
from cxzy_saas.domain.recording import ROLES
from cxzy_saas.domain.scoring import GRADES as BANDS  # a band is named as a grade
from cxzy_saas.domain.text import CODE as CODE_PATTERN
from cxzy_saas.domain.text import ITEM_CODE, bad_character, is_code

YEAR = validate.Range(min=2000, max=2100)
MONTH = validate.Range(min=1, max=12)
QUARTER = validate.Range(min=1, max=4)
SUBJECT_LEVEL_NAMES = ("member", "group")
SUBJECT_LEVELS = validate.OneOf(list(SUBJECT_LEVEL_NAMES))
LEVELS = validate.OneOf(["branch", "group", "member"])


class TextLength(validate.Length):
    """A text's length, refused with the bound it misses ("Shorter than minimum length 4.",
    "Longer than maximum length 200."), not marshmallow's "Length must be between", which says
    the same of a list: the pages put the one in Chinese as characters and the other as items
    (web/pages/i18n.SCHEMA_MESSAGES)."""

    def __call__(self, value: Any) -> Any:
        if self.min is not None and len(value) < self.min:
            raise ValidationError(self._format_error(value, self.message_min))
        if self.max is not None and len(value) > self.max:
            raise ValidationError(self._format_error(value, self.message_max))
        return super().__call__(value)


class Text(fields.String):
    """The field of every text in every request schema (codes, choices, free text; dict keys and
    list items too), so that what all text must pass is checked in this one place: no NUL or
    other control character (a new line and a tab only in ``multiline`` text), no lone
    surrogate (:mod:`cxzy_saas.domain.text`). A test holds every request schema to it; the
    OpenAPI document sees a string."""

    def __init__(self, *, multiline: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.multiline = multiline
        self.validators = [
            TextLength(v.min, v.max, equal=v.equal) if type(v) is validate.Length else v
            for v in self.validators
        ]

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        loaded = super()._deserialize(value, attr, data, **kw)
        found = bad_character(loaded, multiline=self.multiline)
        if found is not None:
            raise ValidationError(f"Holds a control or invalid character ({found}).")
        return loaded


class FiniteNumber(fields.Float):
    """A finite number (NaN and infinities refused, as by every ``Float`` here) that keeps its
    kind: an int stays an int and a float a float, so that a plan's content is stored as it was
    sent; a numeric string becomes a float; booleans are refused."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(allow_nan=False, **kw)

    def _format_num(self, value: Any) -> Any:
        if isinstance(value, int):
            if abs(value) > 2**53:  # beyond what a float (and JavaScript) holds exactly
                raise OverflowError(value)
            return value
        return value if isinstance(value, float) else float(value)


def string(**kw: Any) -> Text:
    """One line: codes, choices, names."""
    return Text(**kw)


def text(max_length: int = 20000, *, multiline: bool | None = None, **kw: Any) -> Text:
    """Free text that must not be empty (the domain strips and checks it again). Short text
    (names, titles: 200 characters or fewer) is one line unless ``multiline`` says otherwise."""
    lines = max_length > 200 if multiline is None else multiline
    return Text(multiline=lines, validate=validate.Length(min=1, max=max_length), **kw)


def optional_text(max_length: int = 2000, *, multiline: bool | None = None, **kw: Any) -> Text:
    """Free text that may be left out (an empty string)."""
    lines = max_length > 200 if multiline is None else multiline
    return Text(multiline=lines, load_default="", validate=validate.Length(max=max_length), **kw)


def number(**kw: Any) -> FiniteNumber:
    return FiniteNumber(**kw)


class FullMatch(validate.Regexp):
    """The whole value against ``pattern`` (marshmallow's ``Regexp`` matches at the start only,
    so ``^...$`` lets a trailing new line through). A ``Regexp`` still, so that the OpenAPI
    document carries the pattern, anchored: what it allows is what is accepted."""

    def __init__(
        self, pattern: re.Pattern[str], error: str | None = None, *, example: str | None = None
    ) -> None:
        self.example = example  # for the document (see stated_rules)
        source = pattern.pattern.removeprefix("^").removesuffix("$")
        super().__init__(
            f"^(?:{source})$", error=error or "String does not match expected pattern."
        )
        self.whole = pattern

    def __call__(self, value: Any) -> Any:
        if not is_code(value, self.whole):
            raise ValidationError(self._format_error(value))
        return value


def matching(
    pattern: re.Pattern[str], error: str | None = None, *, example: str | None = None
) -> FullMatch:
    return FullMatch(pattern, error, example=example)


SUBJECT = FullMatch(CODE_PATTERN, example="B01005")  # a member number or a group code
GROUP = FullMatch(CODE_PATTERN, example="g1")  # a group's code (the same rule, a group's example)
ITEM = FullMatch(ITEM_CODE, example="M1")  # a scoring item's code
# A ballot's subject as its sheets and tallies name it: "member:B01005", "group:g1".
SUBJECT_KEY = FullMatch(
    re.compile(r"(?:member|group):[A-Za-z0-9][A-Za-z0-9_-]{0,19}"), example="member:B01005"
)
CODE = FullMatch(TENANT_CODE, example="b01")  # a tenant's code: a branch's or the committee's

# What the OpenAPI document says of every other text (Text): the characters it may not hold,
# as an ECMA-262 pattern (escapes, not the characters themselves), equal to bad_character's but
# for lone surrogates, which a pattern cannot name (validators that run on UTF-8, such as Rust's
# regex, refuse the range) and which no well-formed JSON text holds (RFC 8259 §8.2).
LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
MULTILINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]*$"


def stated_rules(converter: Any, field: Any, **kw: Any) -> dict[str, Any]:
    """apispec attribute function: what apispec leaves out of a field's rules. A Text without a
    pattern of its own gets the one of the characters it refuses (see :class:`Text`); a range
    that excludes its bounds says so; a map names its keys (``propertyNames``) and its size."""
    found: dict[str, Any] = dict(getattr(field, "json_schema", {}))
    examples = [v.example for v in field.validators if getattr(v, "example", None) is not None]
    if examples:
        found["example"] = examples[0]
    for r in (v for v in field.validators if isinstance(v, validate.Range)):
        if r.min is not None and not r.min_inclusive:
            found["exclusiveMinimum"] = r.min  # OpenAPI 3.1 (JSON Schema 2020-12): a number
        if r.max is not None and not r.max_inclusive:
            found["exclusiveMaximum"] = r.max
    if isinstance(field, fields.Dict):
        if field.key_field is not None:
            found["propertyNames"] = converter.field2property(field.key_field)
        lengths = [v for v in field.validators if isinstance(v, validate.Length)]
        for length in lengths:  # apispec words a map's size as a string's
            if length.min is not None:
                found["minProperties"] = length.min
            if length.max is not None:
                found["maxProperties"] = length.max
    if isinstance(field, Text) and not any(
        isinstance(v, validate.Regexp) for v in field.validators
    ):
        found["pattern"] = MULTILINE_PATTERN if field.multiline else LINE_PATTERN
    return found


def code_text(**kw: Any) -> Text:
    """A member number or a group code: 1-20 letters, digits, ``_`` and ``-``."""
    return string(validate=matching(CODE_PATTERN), **kw)


def check_level(level: str) -> None:
    """A level in a URL path. Raises InvalidInput (422) naming the field."""
    if level not in ("branch", "group", "member"):
        raise InvalidInput("level.unknown", field="level")


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class In(Schema):
    """Every request body and query: unknown fields are refused (422), and a date is written
    as the document says, 2026-06-30 (``date.fromisoformat``, behind marshmallow, also takes
    20260630 and ISO weeks, 2026-W26-1)."""

    class Meta:
        unknown = RAISE

    @pre_load
    def days_written_in_full(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        codes = {
            field.data_key or name
            for name, field in self.load_fields.items()
            if any(isinstance(v, FullMatch) for v in field.validators)
        }
        if any(isinstance(data.get(key), str) for key in codes):
            # a code typed with a Chinese input method (Ｂ０１００３) is the code it shows
            data = dict(data)
            for key in codes:
                if isinstance(data.get(key), str):
                    data[key] = unicodedata.normalize("NFKC", data[key])
        wrong = {
            name: [fields.Date.default_error_messages["invalid"]]
            for name, field in self.load_fields.items()
            if isinstance(field, fields.Date)
            and isinstance(data.get(field.data_key or name), str)
            and not ISO_DAY.fullmatch(data[field.data_key or name])
        }
        if wrong:
            raise ValidationError(wrong)
        return data


class OnIn(In):
    on = fields.Date(required=True)


class PageArgs(In):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class CampaignArgs(PageArgs):
    campaign = fields.Integer(required=True, validate=YEAR)


class AsOfArgs(In):
    as_of = fields.Date(
        load_default=None,
        metadata={"description": "the view at the end of that day (Beijing), not after today"},
    )


class Page(Schema):
    items = fields.List(fields.Raw())  # page_of names the rows' schema
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


def page_of(item: type[Schema]) -> type[Schema]:
    """The page schema of ``item`` rows, named after it for the OpenAPI document."""
    name = item.__name__.removesuffix("Out") + "Page"
    return type(name, (Page,), {"items": fields.List(fields.Nested(item))})


def paginate(items: list[Any], args: dict[str, Any]) -> dict[str, Any]:
    start = (args["page"] - 1) * args["per_page"]
    return {
        "items": items[start : start + args["per_page"]],
        "page": args["page"],
        "per_page": args["per_page"],
        "total": len(items),
    }


def out_key(validator: validate.Validator) -> fields.String:
    """The key of a map in an answer, with the rule its keys follow (for the document)."""
    return fields.String(validate=validator)


def level_out(levels: Any = ALL_LEVELS, **kw: Any) -> fields.String:
    """A level in an answer: the document names the closed set."""
    return fields.String(validate=validate.OneOf(list(levels)), **kw)


class CorrectionOut(Schema):
    item = fields.String(validate=ITEM)
    points = fields.Float()
    previous = fields.Float()
    reason = fields.String()


class IdOut(Schema):
    id = fields.UUID()


class ActorOut(Schema):
    user = fields.String()
    role = fields.String(validate=validate.OneOf(ROLES))
    tenant = fields.String()


# The names of an event's fields (Python identifiers); their values are the event's own.
FIELD_NAME = FullMatch(re.compile(r"[a-z_][a-z0-9_]*"))


class EventOut(Schema):
    """One event of an aggregate's history: what, who, when, and its fields."""

    event = fields.String()
    aggregate = fields.UUID()
    version = fields.Integer()
    recorded_at = fields.DateTime()
    tenant = fields.String()
    actor = fields.Nested(ActorOut)
    fields_ = fields.Dict(
        keys=out_key(FIELD_NAME),
        values=fields.Raw(),
        attribute="fields",
        data_key="fields",
        metadata={"description": "the event's fields, as docs/events.md lists them per event"},
    )


def json_types(schema: Schema, data: Any) -> Any:
    """``data`` checked for JSON values of another type than the document says, before
    ``schema`` loads it: marshmallow's fields take ``"12"`` for an integer, ``1`` for a boolean
    and ``true`` for a number, which pages' forms need (everything in a form is a string) and
    the API must not do (what the document refuses, the server refuses). An integer field's
    ``2.0`` is an integer in JSON Schema's eyes: it comes back as ``2``.

    Raises:
        ValidationError: the values of the wrong type, by field.
    """
    errors, checked = _checked(fields.Nested(schema), data)
    if errors:
        raise ValidationError(errors)
    return checked


def _checked(field: fields.Field, value: Any) -> tuple[Any, Any]:
    """(the type errors in ``value`` as marshmallow shapes them, or None; the value)."""
    if value is None:
        return None, value  # allow_none and required are the schema's to check
    if isinstance(field, fields.Nested):
        nested: Schema = field.schema
        if field.many:
            return _each(fields.Nested(nested), value)
        if not isinstance(value, dict):
            return None, value  # marshmallow says "Invalid input type."
        by_key = {f.data_key or name: f for name, f in nested.load_fields.items()}
        return _mapped(value, lambda key: by_key.get(key), lambda key, found: found)
    if isinstance(field, fields.List):
        return _each(field.inner, value)
    if isinstance(field, fields.Dict):
        if not isinstance(value, dict) or field.value_field is None:
            return None, value
        inner = field.value_field
        return _mapped(value, lambda key: inner, lambda key, found: {"value": found})
    if isinstance(field, fields.Boolean) and not isinstance(value, bool):
        return ["Not a valid boolean."], value
    if isinstance(field, fields.Integer):
        if isinstance(value, float) and value.is_integer():
            return None, int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return ["Not a valid integer."], value
    if isinstance(field, fields.Number) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return ["Not a valid number."], value
    return None, value


def _each(inner: fields.Field, value: Any) -> tuple[Any, Any]:
    if not isinstance(value, list):
        return None, value
    errors, items = {}, []
    for i, item in enumerate(value):
        found, checked = _checked(inner, item)
        items.append(checked)
        if found is not None:
            errors[i] = found
    return errors or None, items


def _mapped(
    value: dict[str, Any],
    field_of: Callable[[str], fields.Field | None],
    shaped: Callable[[str, Any], Any],
) -> tuple[Any, Any]:
    errors, out = {}, {}
    for key, item in value.items():
        field = field_of(key)
        found, out[key] = (None, item) if field is None else _checked(field, item)
        if found is not None:
            errors[key] = shaped(key, found)
    return errors or None, out


class ScoredOut(Schema):
    """What a board's row and a branch ranking's row say of a subject's scores (one scoring,
    decision 0012)."""

    rank = fields.Integer(allow_none=True)
    composite = fields.Float(allow_none=True)
    work = fields.Float(allow_none=True)
    rating = fields.Float(allow_none=True)
    target = fields.Float(allow_none=True)
    band = fields.String(allow_none=True, validate=validate.OneOf(BANDS))
    status = fields.String(validate=validate.OneOf([RATED, UNRATED]))
    missing = fields.List(
        fields.String(validate=validate.OneOf(["work", "rating", "own", "groups", "members"])),
        metadata={
            "description": "得分缺少的组成部分（决定 0021：缺项者排在不缺项者之后）：work 未考核、"
            "rating 未有效测评、own 党委未考核支部、groups/members 无参评的党小组/党员"
        },
    )
