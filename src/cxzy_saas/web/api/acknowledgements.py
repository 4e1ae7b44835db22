"""The committee acknowledges what branches report to it: a measure, a half-year report, an
annual summary."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.committee import Acknowledge
from cxzy_saas.application.permissions import COMMITTEE_WRITERS
from cxzy_saas.domain.decisions import KINDS, OUTCOMES, Decision
from cxzy_saas.web.api.routing import Call, api_route
from cxzy_saas.web.api.schemas import CODE, FullMatch, In, optional_text, string

# A measure's id (a UUID, lower-case hex) or a year.
SUBJECT_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|20[0-9]{2}|2100"
)


class AcknowledgementIn(In):
    branch = string(required=True, validate=CODE)
    kind = string(
        required=True, validate=validate.OneOf([k for k in KINDS if k not in ("plan", "nominee")])
    )
    subject = string(
        required=True,
        validate=FullMatch(SUBJECT_PATTERN),
        metadata={"description": "a measure's id, or the year of a report or summary"},
    )
    note = optional_text(2000)


class DecisionOut(Schema):
    id = fields.UUID()
    branch = fields.String()
    kind = fields.String(validate=validate.OneOf(KINDS))
    subject = fields.String()
    submission = fields.Integer()
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    reason = fields.String()
    against_advice = fields.Boolean()


@api_route(
    "/campaigns/<int:year>/acknowledgements",
    "POST",
    summary="党委确认支部报送的措施、半年初评报告或年度总结",
    roles=COMMITTEE_WRITERS,
    body=AcknowledgementIn,
    response=DecisionOut,
    status=201,
)
def acknowledge(call: Call, year: int) -> Any:
    command = Acknowledge(year=year, **call.body)
    call.tenancy.branch(command.branch)  # 404 for an unknown branch before anything else
    decision_id = call.committee.acknowledge(call.actor, command)
    return call.committee.load(Decision, decision_id, "decision.not_found")
