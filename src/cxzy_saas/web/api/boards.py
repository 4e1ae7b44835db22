"""Campaign read models."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from marshmallow import RAISE, Schema, fields

from cxzy_saas.web import tenancy_of
from cxzy_saas.web.api import bp
from cxzy_saas.web.api.auth import principal
from cxzy_saas.web.api.openapi import documented


class BoardArgs(Schema):
    class Meta:
        unknown = RAISE

    as_of = fields.Date(load_default=None)


class BoardOut(Schema):
    campaign = fields.Integer()
    level = fields.String()
    committee = fields.String()
    as_of = fields.String(allow_none=True)
    rows = fields.List(fields.Dict())


@bp.get("/campaigns/<int:year>/leaderboards/<level>")
@documented("排行榜(可按日期回溯)", query=BoardArgs, response=BoardOut)
def leaderboard(year: int, level: str) -> dict[str, Any]:
    from cxzy_saas.projections import queries
    from cxzy_saas.projections.projector import open_read_model

    user = principal()
    args = BoardArgs().load(request.args)
    tenancy = tenancy_of(current_app)
    as_of = args["as_of"].isoformat() if args["as_of"] else None
    board = queries.leaderboard(tenancy, year, level, user.committee, as_of)
    viewer = None if user.committee_roles else (user.branches[0] if user.branches else "")
    open_ = queries.board_open(open_read_model(tenancy), user.committee, year)
    board["rows"] = queries.visible_rows(board["rows"], viewer, open_)
    return board
