"""Schemas shared by the API's resources: strict input, pages, ids, dates."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from cxzy_saas.domain.errors import InvalidInput

YEAR = validate.Range(min=2000, max=2100)
MONTH = validate.Range(min=1, max=12)
QUARTER = validate.Range(min=1, max=4)
SUBJECT_LEVELS = validate.OneOf(["member", "group"])
LEVELS = validate.OneOf(["branch", "group", "member"])
SUBJECT = validate.Length(min=1, max=40)  # a member number or a group code
CODE = validate.Length(min=1, max=40)  # a tenant's code (the domain checks its form)


class Text(fields.String):
    """The field of every text in every request schema (codes, choices, free text; dict keys and
    list items too), so that what all text must pass is checked in this one place. A test holds
    every request schema to it; the OpenAPI document sees a string."""


def string(**kw: Any) -> Text:
    return Text(**kw)


def text(max_length: int = 20000, **kw: Any) -> Text:
    """Free text that must not be empty (the domain strips and checks it again)."""
    return string(validate=validate.Length(min=1, max=max_length), **kw)


def optional_text(max_length: int = 2000, **kw: Any) -> Text:
    """Free text that may be left out (an empty string)."""
    return string(load_default="", validate=validate.Length(max=max_length), **kw)


def check_level(level: str) -> None:
    """A level in a URL path. Raises InvalidInput (422) naming the field."""
    if level not in ("branch", "group", "member"):
        raise InvalidInput("level.unknown", field="level")


class In(Schema):
    """Every request body and query: unknown fields are refused (422)."""

    class Meta:
        unknown = RAISE


class OnIn(In):
    on = fields.Date(required=True)


class PageArgs(In):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class CampaignArgs(PageArgs):
    campaign = fields.Integer(required=True, validate=YEAR)


class AsOfArgs(In):
    as_of = fields.Date(load_default=None)


class Page(Schema):
    items = fields.List(fields.Dict())
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


class IdOut(Schema):
    id = fields.UUID()


class EventOut(Schema):
    """One event of an aggregate's history: what, who, when, and its fields."""

    event = fields.String()
    aggregate = fields.UUID()
    version = fields.Integer()
    recorded_at = fields.DateTime()
    tenant = fields.String()
    actor = fields.Dict(keys=fields.String(), values=fields.String())
    fields_ = fields.Dict(attribute="fields", data_key="fields")
