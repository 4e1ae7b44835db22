"""The full schema of a plan's content (criteria, scoring items, weights, rules), the shape of
``projections/catalogue.toml``: every key named, every text clean, every number finite.

The domain parses the content again (``PlanContent.parse``: criteria numbered once per level,
items naming criteria that exist, at least one of each level); this schema refuses at the edge
what is not even of the right shape, so that nothing but a plan is stored in a plan's events.
Nothing is added to what the client sent (no defaults): the content is stored as sent.
"""

from __future__ import annotations

import fractions
import math
import re
from typing import Any, ClassVar

from marshmallow import fields, validate

from cxzy_saas.domain.plan import BRANCH_KEEPABLE, LEVELS
from cxzy_saas.domain.text import ITEM_CODE
from cxzy_saas.web.api.schemas import In, matching, number, string, text

NOT_NEGATIVE = validate.Range(min=0, max=1_000_000)


# A share's text: a decimal from 0 to 1 ("0.25") or a fraction of one digit each, at most 1
# ("1/3", "2/3"); what the document states is what is accepted.
FRACTION_TEXT = re.compile(
    r"0(?:\.[0-9]{1,6})?|1(?:\.0{1,6})?|\.[0-9]{1,6}"
    r"|[01]/[1-9]|2/[2-9]|3/[3-9]|4/[4-9]|5/[5-9]|6/[6-9]|7/[7-9]|8/[89]|9/9"
)


class Fraction(fields.Field):
    """A share between 0 and 1, as a number (0.3) or as a fraction's text ("1/3"), kept as
    sent; null when the rule is off."""

    default_error_messages = {  # noqa: RUF012 (marshmallow merges these per class)
        "invalid": "Not a fraction between 0 and 1 (a number, or a text such as 1/3).",
    }
    # For the OpenAPI document (see schemas.stated_rules).
    json_schema: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": 1},
            {"type": "string", "pattern": f"^(?:{FRACTION_TEXT.pattern})$"},
            {"type": "null"},
        ],
        "example": "1/3",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError(value)
            if isinstance(value, str) and not FRACTION_TEXT.fullmatch(value):
                raise ValueError(value)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(value)
            share = fractions.Fraction(value)
        except (ValueError, ZeroDivisionError, OverflowError):
            raise self.make_error("invalid") from None
        if not 0 <= share <= 1:
            raise self.make_error("invalid")
        return value


class WeightsIn(In):
    work = number(validate=NOT_NEGATIVE)
    rating = number(validate=NOT_NEGATIVE)
    target = number(validate=NOT_NEGATIVE)


class BranchFormulaIn(In):
    own = number(validate=NOT_NEGATIVE)
    groups = number(validate=NOT_NEGATIVE)
    members = number(validate=NOT_NEGATIVE)


class PoolWeightsIn(In):
    members = number(validate=NOT_NEGATIVE)
    constituents = number(validate=NOT_NEGATIVE)


class RulesIn(In):
    quota_fraction = Fraction(allow_none=True)
    veto_incompetent_share = Fraction(allow_none=True)
    veto_min_trust = Fraction(allow_none=True)
    min_turnout = Fraction(allow_none=True)
    rating_aggregate = string(validate=validate.OneOf(["mean", "median"]))
    bands = fields.Boolean(truthy={True}, falsy={False})
    pool_weights = fields.Nested(PoolWeightsIn)
    # decision 0018: a small branch's quota, the half-year result at the year's end, and
    # whether members see their colleagues' scores
    quota_rounding = string(validate=validate.OneOf(["down", "up"]))
    midyear_basis = string(validate=validate.OneOf(["advice", "condition", "off"]))
    members_see_colleagues = fields.Boolean(truthy={True}, falsy={False})
    # a committee's plan: the parts its branches' plans keep as the committee's
    branch_keeps = fields.List(
        string(validate=validate.OneOf(list(BRANCH_KEEPABLE))),
        validate=validate.Length(max=len(BRANCH_KEEPABLE)),
    )


class CriterionIn(In):
    level = string(required=True, validate=validate.OneOf(LEVELS))
    number = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    text = text(2000, required=True)


class ItemIn(In):
    code = string(required=True, validate=matching(ITEM_CODE))
    level = string(required=True, validate=validate.OneOf(LEVELS))
    criterion = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    title = text(200, required=True)
    max_points = number(
        required=True, validate=validate.Range(min=0, max=10_000, min_inclusive=False)
    )
    weight = number(required=True, validate=validate.Range(min=0, max=10_000))


class PlanContentIn(In):
    guiding_ideology = text(required=True)
    assessment_method = text(required=True)
    selection_method = text(required=True)
    commendation_method = text(required=True)
    organisation = text(required=True)
    composite_weights = fields.Nested(WeightsIn, required=True)
    branch_formula = fields.Nested(BranchFormulaIn)
    rules = fields.Nested(RulesIn)
    criteria = fields.List(
        fields.Nested(CriterionIn), required=True, validate=validate.Length(min=1, max=200)
    )
    items = fields.List(
        fields.Nested(ItemIn), required=True, validate=validate.Length(min=1, max=500)
    )
