"""Leaderboards of a committee's campaign, computed from the read-model tables with the same
pure ranking the branches see beside their shortlist (``domain/ranking.py``)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

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


def branch_inputs(tx: Tx, branch: str, year: int, fallback: PlanContent) -> ranking.Inputs:
    plan = latest_plan(tx, branch, year) or fallback
    subjects: dict[str, dict[str, str]] = {"member": {}, "group": {}}
    for level, subject, name in tx.query(
        "SELECT level, subject, name FROM rm_subjects WHERE tenant = ? AND active = 1 "
        "ORDER BY level, subject",
        (branch,),
    ):
        subjects[level][subject] = name
    months: dict[tuple[str, str], list[float]] = defaultdict(list)
    for level, subject, score in tx.query(
        "SELECT level, subject, score FROM rm_assessments WHERE tenant = ? AND year = ? "
        "ORDER BY level, subject, period",
        (branch, year),
    ):
        months[(level, subject)].append(score)
    measures: dict[tuple[str, str], tuple[int, int]] = {}
    for level, subject, done, total in tx.query(
        "SELECT level, subject, SUM(done), COUNT(*) FROM rm_measures WHERE tenant = ? AND year = ? "
        "GROUP BY level, subject",
        (branch, year),
    ):
        measures[(level, subject)] = (int(done), int(total))
    ballots = [
        json.loads(t)
        for (t,) in tx.query(
            "SELECT tallies FROM rm_ballots WHERE tenant = ? AND year = ? AND closed = 1 "
            "ORDER BY ballot",
            (branch, year),
        )
    ]
    return ranking.Inputs(plan, subjects, months, measures, ballots)


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
    for code, name in branches:
        inputs = branch_inputs(tx, code, year, plan)
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
