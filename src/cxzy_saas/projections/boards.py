"""Leaderboards of a committee's campaign, computed from the read-model tables with the same
pure ranking the branches see beside their shortlist (``domain/ranking.py``)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import orjson

from cxzy_saas.domain import ranking, scoring
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.projections.db import Tx

LEVELS = ("branch", "group", "member")


def latest_plan(tx: Tx, tenant: str, year: int) -> PlanContent | None:
    rows = tx.query(
        "SELECT content FROM rm_plan_versions WHERE tenant = ? AND year = ? "
        "ORDER BY version DESC LIMIT 1",
        (tenant, year),
    )
    return PlanContent.parse(json.loads(rows[0][0])) if rows else None


def branch_plans(
    tx: Tx, committee: str, year: int, fallback: PlanContent
) -> dict[str, PlanContent]:
    """Each branch's latest plan version for the year, or ``fallback`` (the committee's)."""
    branches = [
        t
        for (t,) in tx.query(
            "SELECT tenant FROM rm_tenants WHERE parent = ? AND kind = 'branch'", (committee,)
        )
    ]
    plans = dict.fromkeys(branches, fallback)
    for tenant, content in tx.query(
        "SELECT p.tenant, p.content FROM rm_plan_versions p "
        "WHERE p.tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?) AND p.year = ? "
        "AND p.version = (SELECT MAX(version) FROM rm_plan_versions q "
        "WHERE q.tenant = p.tenant AND q.year = p.year)",
        (committee, year),
    ):
        plans[tenant] = PlanContent.parse(json.loads(content))
    return plans


def committee_inputs(
    tx: Tx, committee: str, year: int, fallback: PlanContent
) -> dict[str, ranking.Inputs]:
    """Every branch's ranking inputs, read with one query per table for the whole committee."""
    plans = branch_plans(tx, committee, year, fallback)
    branches = list(plans)
    subjects: dict[str, dict[str, dict[str, str]]] = {
        b: {"member": {}, "group": {}} for b in branches
    }
    months: dict[str, dict[tuple[str, str], list[float]]] = {b: defaultdict(list) for b in branches}
    measures: dict[str, dict[tuple[str, str], tuple[int, int]]] = {b: {} for b in branches}
    ballots: dict[str, list[dict[str, Any]]] = {b: [] for b in branches}
    scope = "tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ?)"
    for tenant, level, subject, name in tx.query(
        f"SELECT tenant, level, subject, name FROM rm_subjects WHERE {scope} AND active = 1 "
        "ORDER BY tenant, level, subject",
        (committee,),
    ):
        subjects[tenant][level][subject] = name
    for tenant, level, subject, score in tx.query(
        f"SELECT tenant, level, subject, score FROM rm_assessments WHERE {scope} AND year = ? "
        "ORDER BY tenant, level, subject, period",
        (committee, year),
    ):
        months[tenant][(level, subject)].append(score)
    for tenant, level, subject, done, total in tx.query(
        f"SELECT tenant, level, subject, SUM(done), COUNT(*) FROM rm_measures WHERE {scope} "
        "AND year = ? GROUP BY tenant, level, subject",
        (committee, year),
    ):
        measures[tenant][(level, subject)] = (int(done), int(total))
    for tenant, tallies in tx.query(
        f"SELECT tenant, tallies FROM rm_ballots WHERE {scope} AND year = ? AND closed = 1 "
        "ORDER BY tenant, ballot",
        (committee, year),
    ):
        ballots[tenant].append(json.loads(tallies))
    return {
        b: ranking.Inputs(plans[b], subjects[b], months[b], measures[b], ballots[b])
        for b in branches
    }


def compute(tx: Tx, committee: str, year: int) -> dict[str, list[dict[str, Any]]]:
    """Every level's rows for the committee's campaign, ranked across all its branches."""
    plan = latest_plan(tx, committee, year)
    if plan is None:
        return {level: [] for level in LEVELS}
    branches = tx.query(
        "SELECT tenant, name FROM rm_tenants WHERE parent = ? AND kind = 'branch' ORDER BY tenant",
        (committee,),
    )
    own: dict[str, list[float]] = defaultdict(list)
    for subject, score in tx.query(
        "SELECT subject, score FROM rm_assessments "
        "WHERE tenant = ? AND year = ? AND level = 'branch'",
        (committee, year),
    ):
        own[subject].append(score)
    rows: dict[str, list[dict[str, Any]]] = {level: [] for level in LEVELS}
    branch_rows = []
    all_inputs = committee_inputs(tx, committee, year, plan)
    for code, name in branches:
        inputs = all_inputs[code]
        per_level = {level: ranking.rows(inputs, level) for level in ("group", "member")}
        for level, level_rows in per_level.items():
            rows[level] += [{**r.as_dict(), "tenant": code} for r in level_rows]
        work = scoring.r2(sum(own[code]) / len(own[code])) if own[code] else None
        composite = scoring.branch_score(
            work,
            [r.composite for r in per_level["group"]],
            [r.composite for r in per_level["member"]],
            plan.branch_formula,
        )
        members = [r.composite for r in per_level["member"]]
        branch_rows.append(
            {
                "tenant": code,
                "subject": code,
                "name": name,
                "work": work,
                "rating": None,
                "target": None,
                "composite": composite,
                "members": len(members),
                "member_average": scoring.r2(sum(members) / len(members)) if members else None,
            }
        )
    rows["branch"] = branch_rows
    for level in LEVELS:
        ranked = scoring.rank(
            sorted(rows[level], key=lambda r: (r["tenant"], r["subject"])),
            key=lambda r: r["composite"],
        )
        rows[level] = [{**row, "rank": rank} for rank, row in ranked]
    return rows


def store(tx: Tx, committee: str, year: int) -> None:
    """Recompute and replace the stored leaderboards of one campaign."""
    boards = compute(tx, committee, year)
    tx.execute("DELETE FROM rm_leaderboard WHERE committee = ? AND year = ?", (committee, year))
    tx.executemany(
        "INSERT INTO rm_boards (committee, year, level, rows) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (committee, year, level) DO UPDATE SET rows = excluded.rows",
        [
            (
                committee,
                year,
                level,
                orjson.dumps([public_row(level, r) for r in level_rows]).decode(),
            )
            for level, level_rows in boards.items()
        ],
    )
    tx.executemany(
        "INSERT INTO rm_leaderboard (committee, year, level, tenant, subject, name, work, rating, "
        "target, composite, rank) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                committee,
                year,
                level,
                r["tenant"],
                r["subject"],
                r["name"],
                r["work"],
                r["rating"],
                r["target"],
                r["composite"],
                r["rank"],
            )
            for level, level_rows in boards.items()
            for r in level_rows
        ],
    )


def public_row(level: str, r: dict[str, Any]) -> dict[str, Any]:
    """A leaderboard row as the CLI and the API show it."""
    row: dict[str, Any] = {
        "rank": r["rank"],
        "name": r["name"],
        "composite": r["composite"],
        "work": r["work"],
        "rating": r["rating"],
        "target": r["target"],
    }
    if level == "branch":
        row["code"] = r["subject"]
    else:
        row["id"] = r["subject"]
        row["branch"] = r["tenant"]
    return row


def campaigns_of(tx: Tx, tenants: set[str]) -> set[tuple[str, int]]:
    """The (committee, year) campaigns whose boards depend on these tenants."""
    if not tenants:
        return set()
    found = set()
    for committee, year, parent in tx.query(
        "SELECT c.committee, c.year, t.tenant FROM rm_campaigns c "
        "LEFT JOIN rm_tenants t ON t.parent = c.committee"
    ):
        if committee in tenants or parent in tenants:
            found.add((committee, year))
    return found
