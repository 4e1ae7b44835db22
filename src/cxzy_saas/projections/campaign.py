"""A committee's campaign as its read-model rows are stored: what the audits compare and digest
(``audit/replay.py``, ``audit/diff.py``) reads here, so that every statement naming a read-model
table is the projections'."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cxzy_saas.projections.db import TABLES, ReadModelDB


def _scope_sql(table: str, columns: list[str]) -> tuple[str, str]:
    """The query of ``table``'s rows of a committee's campaign, and the shape of its
    parameters ("c" the committee, "y" the year)."""
    if table == "rm_decisions":
        # A decision has no year of its own: it takes the year of the submission it answers.
        return (
            "SELECT d.* FROM rm_decisions d LEFT JOIN rm_submissions s ON s.tenant = d.branch "
            "AND s.kind = d.kind AND s.subject = d.subject AND s.submission = d.submission "
            "WHERE d.committee = ? AND (s.year = ? OR s.year IS NULL)",
            "cy",
        )
    owner = "committee" if "committee" in columns else "tenant"
    where = f"({owner} = ? OR {owner} IN (SELECT tenant FROM rm_tenants WHERE parent = ?))"
    if "year" in columns:
        return f"SELECT * FROM {table} WHERE {where} AND year = ?", "ccy"
    return f"SELECT * FROM {table} WHERE {where}", "cc"


def campaign_rows(
    db: ReadModelDB, committee: str, year: int, skip: Iterable[str] = ()
) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows of the campaign (the committee's and its branches', and of ``year``
    where a table has one; decisions through the submission they answer), in table order,
    columns in the table's order; tables in ``skip`` left out."""
    found = {}
    with db.read() as tx:
        for table, (columns, _) in TABLES.items():
            if table in skip:
                continue
            sql, shape = _scope_sql(table, columns)
            found[table] = tx.query(sql, [committee if p == "c" else year for p in shape])
    return found


def month_scores(db: ReadModelDB, committee: str, year: int) -> list[dict[str, Any]]:
    """Every assessment's score of the campaign: the committee's of its branches, and the
    branches' of their groups and members."""
    with db.read() as tx:
        found = tx.query(
            "SELECT tenant, level, subject, period, aggregate, items, score FROM rm_assessments "
            "WHERE (tenant = ? OR tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?)) "
            "AND year = ?",
            (committee, committee, year),
        )
    keys = ("tenant", "level", "subject", "period", "aggregate", "items", "score")
    return [dict(zip(keys, row, strict=True)) for row in found]
