"""Democratic rating (民主测评): ballots opened with one-time codes, cast with a code alone.

Codes are in the answer of the request that makes them (opening, reissuing) and nowhere else:
an idempotent replay of that request answers the same ballot without them (``kept``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import current_app
from marshmallow import Schema, fields, validate

from cxzy_saas.application.commands.evaluation import (
    CastBallot,
    CloseBallot,
    OpenBallot,
    ReissueCodes,
)
from cxzy_saas.application.permissions import BRANCH_WRITERS
from cxzy_saas.domain.scoring import GRADES, POOLS
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api.branches import READERS
from cxzy_saas.web.api.openness import own_member_only
from cxzy_saas.web.api.routing import Call, api_route, shown_once
from cxzy_saas.web.api.schemas import (
    SUBJECT,
    SUBJECT_KEY,
    SUBJECT_LEVEL_NAMES,
    SUBJECT_LEVELS,
    YEAR,
    CampaignArgs,
    In,
    OnIn,
    level_out,
    out_key,
    page_of,
    paginate,
    string,
    text,
)

# democratic rating (民主测评)


class BallotSubject(In):
    level = string(required=True, validate=SUBJECT_LEVELS)
    subject = string(required=True, validate=SUBJECT)


class BallotIn(In):
    year = fields.Integer(required=True, validate=YEAR)
    title = text(200, required=True)
    subjects = fields.List(
        fields.Nested(BallotSubject), required=True, validate=validate.Length(min=1, max=500)
    )
    codes = fields.Dict(
        keys=string(validate=validate.OneOf(POOLS)),
        values=fields.Integer(validate=validate.Range(min=0, max=2000)),
        required=True,
        validate=validate.Length(min=1, max=len(POOLS)),
        metadata={"description": "how many codes to make for each pool"},
    )
    on = fields.Date(required=True)


class SubjectOut(Schema):
    level = level_out(SUBJECT_LEVEL_NAMES)
    subject = fields.String()


class BallotOut(Schema):
    id = fields.UUID()
    year = fields.Integer()
    title = fields.String()
    short = fields.String(metadata={"description": "the slips' address is /b/<short>"})
    address = fields.String(
        metadata={"description": "the slips' address on the server's public URL (CXZY_PUBLIC_URL)"}
    )
    subjects = fields.List(fields.Nested(SubjectOut))
    issued = fields.Dict(keys=out_key(validate.OneOf(POOLS)), values=fields.Integer())
    cast = fields.Dict(keys=out_key(validate.OneOf(POOLS)), values=fields.Integer())
    closed_on = fields.Date(allow_none=True)
    tallies = fields.Dict(
        keys=out_key(SUBJECT_KEY),
        values=fields.Dict(
            keys=out_key(validate.OneOf(POOLS)),
            values=fields.Dict(keys=out_key(validate.OneOf(GRADES)), values=fields.Integer()),
        ),
        allow_none=True,
        metadata={"description": "once closed: subject, pool, grade, number of sheets"},
    )


class OpenedOut(BallotOut):
    codes = fields.Dict(
        keys=out_key(validate.OneOf(POOLS)),
        values=fields.List(fields.String()),
        metadata={"description": "shown this once; a replay under the same key leaves them out"},
    )


class ReissueIn(In):
    pool = string(required=True, validate=validate.OneOf(POOLS))
    codes = fields.Integer(required=True, validate=validate.Range(min=0, max=2000))
    void = fields.List(
        string(validate=validate.Length(min=4, max=40)),
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=2000),
        metadata={"description": "codes still held to void; null: every unspent code of the pool"},
    )


class ReissuedOut(OpenedOut):
    voided = fields.Integer()


class CastIn(In):
    code = string(required=True, validate=validate.Length(min=4, max=40))
    grades = fields.Dict(
        keys=string(validate=SUBJECT_KEY),
        values=string(validate=validate.OneOf(GRADES)),
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={
            "description": (
                "One grade per subject of the ballot, keyed by the subject as `level:subject`: "
                "`member:<member number>` for a member (e.g. `member:B01001`), "
                "`group:<group code>` for a party group (e.g. `group:g1`); the keys are those "
                "of the ballot's `subjects`. Grades: excellent (优秀), competent (合格), "
                "basic (基本合格), incompetent (不合格)."
            ),
            "example": {
                "member:B01001": "excellent",
                "member:B01002": "competent",
                "group:g1": "basic",
            },
        },
    )


class CastOut(Schema):
    cast = fields.Boolean()


def ballot_out(ballot: Any, own: str | None = None) -> dict[str, Any]:
    """A ballot as the API answers it; with ``own`` (the member number a member caller may
    read, :func:`own_member_only`), their own tallies only (decision 0018)."""
    public = tenancy_of(current_app).settings.web.public_url
    # Tallies are shown once the ballot is closed: a running count would tell raters how the
    # others voted before they cast.
    tallies = ballot.tallies if ballot.closed_on else None
    if tallies is not None and own is not None:
        tallies = {
            key: found
            for key, found in tallies.items()
            if not key.startswith("member:") or key == f"member:{own}"
        }
    return {
        "id": ballot.id,
        "year": ballot.year,
        "title": ballot.title,
        "short": ballot.short,
        "address": f"{public}/b/{ballot.short}",
        "subjects": ballot.subjects,
        "issued": ballot.issued,
        "cast": {pool: ballot.cast_count(pool) for pool in ballot.issued},
        "closed_on": ballot.closed_on,
        "tallies": tallies,
    }


@api_route(
    "/branches/<code>/ballots",
    summary="民主测评列表",
    roles=READERS,
    query=CampaignArgs,
    response=page_of(BallotOut),
)
def list_ballots(call: Call, code: str) -> dict[str, Any]:
    year = call.args["campaign"]
    own = own_member_only(call, year)
    return paginate([ballot_out(b, own) for b in call.branch.ballots(year)], call.args)


@api_route(
    "/branches/<code>/ballots",
    "POST",
    summary="发起民主测评并生成一次性测评码（只显示这一次）",
    roles=BRANCH_WRITERS,
    body=BallotIn,
    response=OpenedOut,
    status=201,
    location=lambda path, out: f"/branches/{path['code']}/ballots/{out['id']}",
    links=("get_ballot", "cast_ballot", "close_ballot", "reissue_codes"),
    link_parameters={"id": "$response.body#/id"},
    kept=shown_once("codes"),
)
def open_ballot(call: Call, code: str) -> dict[str, Any]:
    ballot_id, codes = call.branch.open_ballot(call.actor, OpenBallot(**call.body))
    return {**ballot_out(call.branch.ballot(ballot_id)), "codes": codes}


@api_route(
    "/branches/<code>/ballots/<uuid:id>", summary="民主测评", roles=READERS, response=BallotOut
)
def get_ballot(call: Call, code: str, id: UUID) -> dict[str, Any]:
    ballot = call.branch.ballot(id)
    return ballot_out(ballot, own_member_only(call, ballot.year))


@api_route(
    "/branches/<code>/ballots/<uuid:id>/reissues",
    "POST",
    summary="补发测评码：作废遗失的未用测评码并生成新码（只显示这一次）",
    roles=BRANCH_WRITERS,
    body=ReissueIn,
    response=ReissuedOut,
    status=201,
    kept=shown_once("codes"),
)
def reissue_codes(call: Call, code: str, id: UUID) -> dict[str, Any]:
    voided, codes = call.branch.reissue_codes(call.actor, ReissueCodes(ballot_id=id, **call.body))
    return {**ballot_out(call.branch.ballot(id)), "voided": voided, "codes": codes}


@api_route(
    "/branches/<code>/ballots/<uuid:id>/close",
    "POST",
    summary="结束测评并计票",
    roles=BRANCH_WRITERS,
    body=OnIn,
    response=BallotOut,
)
def close_ballot(call: Call, code: str, id: UUID) -> dict[str, Any]:
    call.branch.close_ballot(call.actor, CloseBallot(ballot_id=id, **call.body))
    return ballot_out(call.branch.ballot(id))


@api_route(
    "/branches/<code>/ballots/<uuid:id>/casts",
    "POST",
    summary="凭测评码投票（无需账号，每码一次）",
    scope="ballot",
    body=CastIn,
    response=CastOut,
    status=201,
)
def cast_ballot(call: Call, code: str, id: UUID) -> dict[str, Any]:
    call.branch.cast_ballot(CastBallot(ballot_id=id, **call.body))
    return {"cast": True}
