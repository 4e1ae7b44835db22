"""Queries on the read models: what the committee (and, within limits, a branch) looks at."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import InvalidInput, NotFound
from cxzy_saas.projections.db import ReadModelDB
from cxzy_saas.projections.projector import open_read_model


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field="as_of") from None


def only_committee(tenancy: Tenancy, committee: str | None) -> str:
    if committee:
        tenancy.committee(committee)
        return committee
    codes = sorted(tenancy.registry().committees())
    if len(codes) != 1:
        raise InvalidInput("name the committee (--committee): there are " + str(len(codes)))
    return codes[0]


def board_rows(db: ReadModelDB, committee: str, year: int, level: str) -> list[dict[str, Any]]:
    """A campaign's leaderboard rows, ranked (ties 1, 1, 3)."""
    with db.read() as tx:
        found = tx.query(
            "SELECT rows FROM rm_boards WHERE committee = ? AND year = ? AND level = ?",
            (committee, year, level),
        )
    return orjson.loads(found[0][0]) if found else []


def leaderboard(
    tenancy: Tenancy, year: int, level: str, committee: str | None = None, as_of: str | None = None
) -> dict[str, Any]:
    """``{"campaign", "level", "as_of", "rows": [...]}``; the same input gives the same bytes."""
    if level not in ("branch", "group", "member"):
        raise InvalidInput("level is branch, group or member", field="level")
    code = only_committee(tenancy, committee)
    if as_of is None:
        db = open_read_model(tenancy)
        rows = board_rows(db, code, year, level)
    else:
        from cxzy_saas.projections.asof import replay

        day = parse_day(as_of)
        with replay(tenancy, day) as db:
            rows = board_rows(db, code, year, level)
    if not rows and as_of is None:
        with open_read_model(tenancy).transaction() as tx:
            known = tx.query(
                "SELECT 1 FROM rm_campaigns WHERE committee = ? AND year = ?", (code, year)
            )
        if not known:
            raise NotFound(f"no campaign {year} in the read models (try `cxzy project rebuild`)")
    return {"campaign": year, "level": level, "committee": code, "as_of": as_of, "rows": rows}


def dump(db: ReadModelDB) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table's rows, sorted: two models are equal when their dumps are."""
    from cxzy_saas.projections.db import TABLES

    with db.read() as tx:
        return {table: sorted(tx.query(f"SELECT * FROM {table}"), key=repr) for table in TABLES}
