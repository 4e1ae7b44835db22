"""Leaderboards of a committee's campaign, computed from the read-model tables with the same
pure ranking the branches see beside their shortlist and the archive holds
(``domain/ranking.py``), under the same rule for which plan version applies (decision 0012)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from cxzy_saas.domain import ranking
from cxzy_saas.domain.plan import PlanContent, version_in_force
from cxzy_saas.domain.plan import stored as stored_plan
from cxzy_saas.projections.db import TABLES, Tx, contains, tenant_in, values_in_chunks

LEVELS = ("branch", "group", "member")


def branches_of(tx: Tx, committee: str, only: str | None = None) -> list[str]:
    """The committee's branches, or just ``only`` if it is one of them."""
    one = "" if only is None else " AND tenant = ?"
    return [
        t
        for (t,) in tx.query(
            f"SELECT tenant FROM rm_tenants WHERE parent = ? AND kind = 'branch'{one} "
            "ORDER BY tenant",
            (committee,) if only is None else (committee, only),
        )
    ]


def plans_in_force(
    tx: Tx, committee: str, year: int, only: str | None = None
) -> tuple[PlanContent | None, dict[str, PlanContent | None]]:
    """The committee's plan in force for the year, and each branch's own (None: it has none;
    ``only``: that branch's alone), by the one rule of ``domain.plan.version_in_force``: the
    latest version the committee approved, else the latest."""
    branches = branches_of(tx, committee, only)
    contents: dict[str, dict[int, str]] = defaultdict(dict)
    for tenant, version, content in tx.query(
        f"SELECT tenant, version, content FROM rm_plan_versions "
        f"WHERE {tenant_in([committee, *branches])} AND year = ?",
        (committee, *branches, year),
    ):
        contents[tenant][int(version)] = content
    approved: dict[str, list[int]] = defaultdict(list)
    for tenant, version in tx.query(
        "SELECT s.tenant, s.version FROM rm_plan_submissions s JOIN rm_decisions d "
        "ON d.branch = s.tenant AND d.kind = 'plan' AND d.subject = ? "
        "AND d.submission = s.submission AND d.outcome = 'approved' "
        "WHERE d.committee = ? AND s.year = ?",
        (str(year), committee, year),
    ):
        approved[tenant].append(int(version))

    def in_force(tenant: str) -> PlanContent | None:
        found = contents.get(tenant)
        if not found:
            return None
        version = version_in_force(max(found), approved.get(tenant, []))
        return stored_plan(found.get(version, found[max(found)]))

    return in_force(committee), {b: in_force(b) for b in branches}


def committee_inputs(tx: Tx, year: int, plans: dict[str, PlanContent]) -> dict[str, ranking.Inputs]:
    """The ranking inputs of the branches of ``plans`` (each one's plan in force: weights and
    rules), read with one query per table. Month scores are stored as the projection computed
    them, each under the plan version its assessment names."""
    branches = list(plans)
    subjects: dict[str, dict[str, dict[str, str]]] = {
        b: {"member": {}, "group": {}} for b in branches
    }
    months: dict[str, dict[tuple[str, str], list[float]]] = {b: defaultdict(list) for b in branches}
    measures: dict[str, dict[tuple[str, str], tuple[int, int]]] = {b: {} for b in branches}
    ballots: dict[str, list[dict[str, Any]]] = {b: [] for b in branches}
    scope = tenant_in(branches)
    # Who counts in the year (domain.organisation.counts_in): on the books by its end, and
    # not gone by then.
    end = f"{year}-12-31"
    for tenant, level, subject, name in tx.query(
        f"SELECT tenant, level, subject, name FROM rm_subjects WHERE {scope} AND since <= ? "
        "AND (until IS NULL OR until > ?) ORDER BY tenant, level, subject",
        (*branches, end, end),
    ):
        subjects[tenant][level][subject] = name
    for tenant, level, subject, score in tx.query(
        f"SELECT tenant, level, subject, score FROM rm_assessments WHERE {scope} AND year = ? "
        "ORDER BY tenant, level, subject, period",
        (*branches, year),
    ):
        months[tenant][(level, subject)].append(score)
    for tenant, level, subject, done, total in tx.query(
        f"SELECT tenant, level, subject, SUM(done), COUNT(*) FROM rm_measures WHERE {scope} "
        "AND year = ? GROUP BY tenant, level, subject",
        (*branches, year),
    ):
        measures[tenant][(level, subject)] = (int(done), int(total))
    for tenant, tallies in tx.query(
        f"SELECT tenant, tallies FROM rm_ballots WHERE {scope} AND year = ? AND closed = 1 "
        "ORDER BY tenant, ballot",
        (*branches, year),
    ):
        ballots[tenant].append(json.loads(tallies))
    return {
        b: ranking.Inputs(plans[b], subjects[b], months[b], measures[b], ballots[b])
        for b in branches
    }


def branch_inputs(tx: Tx, committee: str, branch: str, year: int) -> ranking.Inputs | None:
    """One branch's ranking inputs from the read models (its own plan in force, or else the
    committee's), as its nomination page and the committee's boards rank it; None when neither
    has a plan for ``year``."""
    plan, own = plans_in_force(tx, committee, year, only=branch)
    chosen = own.get(branch) or plan
    if chosen is None:
        return None
    return committee_inputs(tx, year, {branch: chosen})[branch]


def compute(tx: Tx, committee: str, year: int) -> dict[str, list[dict[str, Any]]]:
    """Every level's rows for the committee's campaign, ranked across all its branches (the
    subjects with nothing to score, 未参评, after them, unranked)."""
    plan, own_plans = plans_in_force(tx, committee, year)
    if plan is None:
        return {level: [] for level in LEVELS}
    branches = tx.query(
        "SELECT tenant, name FROM rm_tenants WHERE parent = ? AND kind = 'branch' ORDER BY tenant",
        (committee,),
    )
    quarters: dict[str, list[float]] = defaultdict(list)
    for subject, score in tx.query(
        "SELECT subject, score FROM rm_assessments "
        "WHERE tenant = ? AND year = ? AND level = 'branch' ORDER BY subject, period",
        (committee, year),
    ):
        quarters[subject].append(score)
    rows: dict[str, list[dict[str, Any]]] = {level: [] for level in LEVELS}
    # A branch with no plan of its own follows the committee's, as its own ranking does.
    plans = {code: own or plan for code, own in own_plans.items()}
    all_inputs = committee_inputs(tx, year, plans)
    for code, name in branches:
        inputs = all_inputs[code]
        per_level = {level: ranking.rows(inputs, level) for level in ("group", "member")}
        for level, level_rows in per_level.items():
            rows[level] += [{**r.as_dict(), "tenant": code} for r in level_rows]
        rows["branch"].append(
            ranking.branch_row(
                code,
                name,
                quarters[code],
                per_level["group"],
                per_level["member"],
                plan.branch_formula,
            )
        )
    return {
        level: ranking.rank_rows(sorted(rows[level], key=lambda r: (r["tenant"], r["subject"])))
        for level in LEVELS
    }


def store(tx: Tx, committee: str, year: int) -> None:
    """Recompute and replace the stored leaderboards of one campaign."""
    boards = compute(tx, committee, year)
    for table in ("rm_leaderboard", "rm_board_gaps"):
        tx.execute(f"DELETE FROM {table} WHERE committee = ? AND year = ?", (committee, year))
    tx.executemany(
        "INSERT INTO rm_board_gaps (committee, year, level, tenant, subject, missing) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (committee, year, level, r["tenant"], r["subject"], ",".join(r["missing"]))
            for level, level_rows in boards.items()
            for r in level_rows
            if r.get("missing")
        ],
    )
    tx.executemany(
        "INSERT INTO rm_boards (committee, year, level, rows) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (committee, year, level) DO UPDATE SET rows = excluded.rows",
        [
            (
                committee,
                year,
                level,
                orjson.dumps([ranking.public_row(level, r) for r in level_rows]).decode(),
            )
            for level, level_rows in boards.items()
        ],
    )
    tx.executemany(
        "INSERT INTO rm_leaderboard (committee, year, level, tenant, subject, name, work, rating, "
        "target, composite, rank, band, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                r["band"],
                r["status"],
            )
            for level, level_rows in boards.items()
            for r in level_rows
        ],
    )


def campaigns_of(tx: Tx, tenants: set[str]) -> set[tuple[str, int]]:
    """The (committee, year) campaigns whose boards depend on these tenants: a committee's own
    and its branches'. Asked of these tenants only, not of every tenant of the cell."""
    found: set[tuple[str, int]] = set()
    keys = sorted(tenants)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found.update(
            (committee, int(year))
            for committee, year in tx.query(
                f"SELECT committee, year FROM rm_campaigns WHERE committee IN ({marks}) "
                f"OR committee IN (SELECT parent FROM rm_tenants WHERE tenant IN ({marks}))",
                [*chunk, *chunk],
            )
        )
    return found


# -- Reading a board: search, filters, sort and paging, in SQL on rm_leaderboard ------------

BANDS = ("excellent", "competent", "basic", "incompetent")
# The columns a board sorts by ("-" before one: the other way round). A missing figure sorts
# last either way; ties fall back to the board's own order (rank, branch, subject).
BOARD_SORTS = (
    "rank",
    "name",
    "code",
    "branch",
    "group",
    "composite",
    "work",
    "rating",
    "target",
    "band",
)


def sorts_of(level: str) -> tuple[str, ...]:
    """The columns a level's board sorts by: a branch's row has no branch or group to sort
    by, a group's no group."""
    lacking = {"branch": ("branch", "group"), "group": ("group",)}.get(level, ())
    return tuple(s for s in BOARD_SORTS if s not in lacking)


_SORT_SQL = {
    "rank": "l.rank",
    "name": "pinyin(l.name)",
    "code": "l.subject",
    "branch": "pinyin(t.name)",
    "group": "pinyin(g.name)",
    "composite": "l.composite",
    "work": "l.work",
    "rating": "l.rating",
    "target": "l.target",
    "band": "CASE l.band WHEN 'excellent' THEN 1 WHEN 'competent' THEN 2 "
    "WHEN 'basic' THEN 3 WHEN 'incompetent' THEN 4 END",
}
_COLUMNS = ", ".join(f"l.{column}" for column in TABLES["rm_leaderboard"][0])
_NAMES = (  # a row's branch name, and a member's group
    "LEFT JOIN rm_tenants t ON t.tenant = l.tenant "
    "LEFT JOIN rm_subjects m ON l.level = 'member' AND m.tenant = l.tenant "
    "AND m.level = 'member' AND m.subject = l.subject "
    "LEFT JOIN rm_subjects g ON g.tenant = l.tenant AND g.level = 'group' AND g.aggregate = m.grp"
)
# Figures read best highest first: "composite" lists the best first, "-composite" the last.
_HIGH_FIRST = frozenset({"composite", "work", "rating", "target"})


@dataclass(frozen=True)
class BoardQuery:
    """What a reader asks of a board. ``only_branch`` and ``only_subject`` are what the reader
    may see at all (a branch user's own rows, a member's own row), whatever the filters say."""

    q: str | None = None
    branch: str | None = None
    group: str | None = None
    band: str | None = None
    status: str | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 50
    only_branch: str | None = None
    only_subject: str | None = None


def sort_sql(sort: str | None) -> str:
    """The ORDER BY of ``sort`` (one of BOARD_SORTS, "-" for the other way round)."""
    name = (sort or "rank").removeprefix("-")
    descending = (sort or "").startswith("-") != (name in _HIGH_FIRST)
    column = _SORT_SQL.get(name, "l.rank")
    return (
        f"({column}) IS NULL, {column} {'DESC' if descending else 'ASC'}, "
        "l.rank IS NULL, l.rank, l.tenant, l.subject"
    )


def read_board(
    tx: Tx, committee: str, year: int, level: str, query: BoardQuery
) -> tuple[list[dict[str, Any]], int]:
    """One page of a board's rows as :func:`ranking.public_row` shows them, with the names of
    their branch (``branch_name``) and a member's group (``group``, ``group_name``), and the
    number of rows the filters select."""
    where = ["l.committee = ?", "l.year = ?", "l.level = ?"]
    params: list[Any] = [committee, year, level]
    for column, value in (
        ("l.tenant", query.only_branch),
        ("l.subject", query.only_subject),
        ("l.tenant", query.branch),
        ("l.band", query.band),
        ("l.status", query.status),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if query.group is not None:
        where.append("(g.subject = ? OR (l.level = 'group' AND l.subject = ?))")
        params += [query.group, query.group]
    if query.q:
        # A name or number, or the name of the row's branch (办公室: that branch's rows).
        where.append(
            "(fold(l.name) LIKE ? ESCAPE '\\' OR fold(l.subject) LIKE ? ESCAPE '\\' "
            "OR l.tenant IN (SELECT tenant FROM rm_tenants WHERE parent = ? AND kind = 'branch' "
            "AND fold(name) LIKE ? ESCAPE '\\'))"
        )
        params += [contains(query.q), contains(query.q), committee, contains(query.q)]
    # The names are joined to the page's rows only, unless a filter or the order needs them
    # first: joined to each of 3,000 member rows, they took 35 ms on PostgreSQL.
    named = query.group is not None or (query.sort or "").lstrip("-") in ("branch", "group")
    chosen = f"FROM rm_leaderboard l {_NAMES if named else ''} WHERE {' AND '.join(where)}"
    order = sort_sql(query.sort)
    (total,) = tx.query(f"SELECT COUNT(*) {chosen}", params)[0]
    found = tx.query(
        "SELECT l.tenant, l.subject, l.name, l.work, l.rating, l.target, l.composite, l.rank, "
        f"l.band, l.status, t.name, g.subject, g.name FROM (SELECT {_COLUMNS} {chosen} "
        f"ORDER BY {order} LIMIT ? OFFSET ?) l {_NAMES} ORDER BY {order}",
        [*params, query.per_page, (query.page - 1) * query.per_page],
    )
    gaps = missing_of(tx, committee, year, level, [(row[0], row[1]) for row in found])
    rows = []
    for tenant, subject, name, work, rating, target, composite, rank, band, status, *more in found:
        branch_name, group, group_name = more
        row = ranking.public_row(
            level,
            {
                "tenant": tenant,
                "subject": subject,
                "name": name,
                "work": work,
                "rating": rating,
                "target": target,
                "composite": composite,
                "rank": rank,
                "band": band,
                "status": status,
                "missing": gaps.get((tenant, subject), ()),
            },
        )
        row["branch_name"] = branch_name
        if level == "member":
            row["group"], row["group_name"] = group, group_name
        rows.append(row)
    return rows, int(total)


def missing_of(
    tx: Tx, committee: str, year: int, level: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[str]]:
    """(branch, subject) -> the components its score is missing (decision 0021), of the board
    rows ``keys``; a row missing none is not there."""
    gaps: dict[tuple[str, str], list[str]] = {}
    for values, params in values_in_chunks(keys):
        for tenant, subject, missing in tx.query(
            "SELECT tenant, subject, missing FROM rm_board_gaps WHERE committee = ? AND year = ? "
            f"AND level = ? AND (tenant, subject) IN ({values})",
            [committee, year, level, *params],
        ):
            gaps[(tenant, subject)] = missing.split(",")
    return gaps


def branch_ranks(tx: Tx, committee: str, year: int) -> dict[str, int | None]:
    """The committee's branch board as it stands: each branch's rank (None: 未参评), the
    advice a commendation of 先进党支部 departs from or follows."""
    return dict(
        tx.query(
            "SELECT subject, rank FROM rm_leaderboard WHERE committee = ? AND year = ? "
            "AND level = 'branch'",
            (committee, year),
        )
    )


def board_branches(tx: Tx, committee: str) -> list[tuple[str, str]]:
    """The committee's branches (code, name), for a board's branch filter."""
    return [
        (code, name)
        for code, name in tx.query(
            "SELECT tenant, name FROM rm_tenants WHERE parent = ? AND kind = 'branch' "
            "ORDER BY tenant",
            (committee,),
        )
    ]


def board_groups(tx: Tx, committee: str) -> list[tuple[str, str, str]]:
    """The groups of the committee's branches (branch, code, name), for a board's group filter."""
    return [
        (branch, code, name)
        for branch, code, name in tx.query(
            "SELECT g.tenant, g.subject, g.name FROM rm_subjects g "
            "JOIN rm_tenants t ON t.tenant = g.tenant "
            "WHERE t.parent = ? AND t.kind = 'branch' AND g.level = 'group' "
            "ORDER BY g.tenant, g.subject",
            (committee,),
        )
    ]
