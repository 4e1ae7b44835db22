"""The path parameters of the API, by name: one schema each, for the OpenAPI document and for
the check every request passes (a value outside it names nothing: 404).

A route whose parameter of a shared name means something narrower declares its own schema
(``api_route(path_schemas=...)``); a new name must be added here (a test walks the route table).
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from cxzy_saas.domain.accounts import USERNAME
from cxzy_saas.domain.committee import TENANT_CODE
from cxzy_saas.domain.evaluation import STAGES
from cxzy_saas.domain.text import CODE


def _pattern(pattern: re.Pattern[str]) -> str:
    return "^(?:" + pattern.pattern.removeprefix("^").removesuffix("$") + ")$"


LEVELS = ("branch", "group", "member")

PATH: dict[str, dict[str, Any]] = {
    "code": {"type": "string", "pattern": _pattern(TENANT_CODE), "example": "b01"},
    "year": {"type": "integer", "minimum": 2000, "maximum": 2100, "example": 2026},
    "quarter": {"type": "integer", "minimum": 1, "maximum": 4, "example": 2},
    "id": {"type": "string", "format": "uuid"},
    "letter": {"type": "string", "format": "uuid"},
    "task": {"type": "string", "format": "uuid"},
    "no": {"type": "string", "pattern": _pattern(CODE), "example": "B01005"},
    "group": {"type": "string", "pattern": _pattern(CODE), "example": "g1"},
    "subject": {"type": "string", "pattern": _pattern(CODE), "example": "B01005"},
    "level": {"type": "string", "enum": list(LEVELS), "example": "member"},
    "stage": {"type": "string", "enum": list(STAGES), "example": "year-end"},
    "username": {"type": "string", "pattern": _pattern(USERNAME), "example": "b01-secretary"},
}


def allows(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` (as Flask's converter gave it) is one ``schema`` allows."""
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "pattern" in schema and not (
        isinstance(value, str) and re.fullmatch(schema["pattern"], value)
    ):
        return False
    if schema.get("format") == "uuid" and not isinstance(value, UUID):
        return False
    if schema.get("type") == "integer":
        if not isinstance(value, int):
            return False
        if not schema.get("minimum", value) <= value <= schema.get("maximum", value):
            return False
    return True
