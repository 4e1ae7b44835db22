"""Scores and ranking of a branch's groups and members for a campaign: the advice beside the
shortlist, the rows of the committee's leaderboards and of the archive. Pure: the application
(and an archive's verifier, from the archived events) gathers the inputs from aggregates with
:func:`gather`, the projections from read-model rows, and all call :func:`rows` and
:func:`branch_row`.

One rule decides which plan version a number follows (decision 0012): each assessment is
scored under the version it was recorded with, the version in force when it was assessed
(``PlanContent.month_score``); the composite weights and the rules (pools, turnout, vetoes,
quota) are those of the version in force at the moment shown (``plan.version_in_force``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxzy_saas.domain import scoring
from cxzy_saas.domain.ballot import Ballot
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.organisation import Group, Member
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.work import Assessment, Measure

RATED, UNRATED = "rated", "unrated"  # 未参评: nothing to score, so no composite, band or rank


@dataclass(frozen=True)
class Inputs:
    """What the scores of one branch-year are computed from, gathered from its events."""

    plan: PlanContent  # the version in force: composite weights and rules
    subjects: Mapping[str, Mapping[str, str]]  # level -> subject -> name
    months: Mapping[tuple[str, str], Sequence[float]]  # (level, subject) -> month scores, 0-100
    measures: Mapping[tuple[str, str], tuple[int, int]]  # (level, subject) -> (done, total)
    ballots: Sequence[Mapping[str, Any]]  # closed ballots: {"turnout":..., "tallies":...}


@dataclass(frozen=True)
class Row:
    level: str
    subject: str
    name: str  # for display only, resolved when the row is computed; never stored in an event
    work: float | None
    rating: float | None
    target: float
    composite: float | None  # None: 未参评
    rank: int | None  # among the rated subjects; None for 未参评
    band: str | None  # None for 未参评 (never 不合格 for want of data)
    veto: str | None
    status: str  # RATED or UNRATED
    # The components of its score it has no figure for (decision 0021): "work" (never
    # assessed), "rating" (no valid ballot), of those its plan weighs.
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))  # every field a plain value: no deep copy needed


def scored(versions: Mapping[int, PlanContent], assessment: Assessment) -> float:
    """An assessment's score under the plan version it names.

    Raises:
        NotFound: a version the plan does not have (a log that is not a valid history).
    """
    plan = versions.get(assessment.plan_version)
    if plan is None:
        raise NotFound("plan.version_not_found", version=assessment.plan_version)
    return plan.month_score(assessment.level, assessment.scores)


def gather(
    versions: Mapping[int, PlanContent],
    in_force: int,
    assessments: Iterable[Assessment],
    measures: Iterable[Measure],
    ballots: Iterable[Ballot],
    members: Iterable[Member],
    groups: Iterable[Group],
) -> Inputs:
    """A branch-year's inputs from its aggregates: its assessments (each scored under the
    version of ``versions`` it names), measures and ballots of the year, its members and groups
    (active ones, in the order they were created); weights and rules of version ``in_force``."""
    months: dict[tuple[str, str], list[float]] = {}
    for a in sorted(assessments, key=lambda a: a.period):
        months.setdefault((a.level, a.subject), []).append(scored(versions, a))
    done_total: dict[tuple[str, str], tuple[int, int]] = {}
    for m in measures:
        done, total = done_total.get((m.level, m.subject), (0, 0))
        done_total[(m.level, m.subject)] = (done + (m.done_on is not None), total + 1)
    closed = [
        {"turnout": b.turnout, "tallies": b.tallies} for b in ballots if b.closed_on is not None
    ]
    return Inputs(
        plan=versions[in_force],
        subjects={
            "member": {m.member_no: m.name for m in members},
            "group": {g.code: g.name for g in groups},
        },
        months=months,
        measures=done_total,
        ballots=closed,
    )


def pool_results(ballots: Iterable[Mapping[str, Any]], key: str) -> dict[str, scoring.PoolResult]:
    """A subject's results per pool over all closed ballots that rated it."""
    issued: dict[str, int] = defaultdict(int)
    cast: dict[str, int] = defaultdict(int)
    tally: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(scoring.GRADES, 0))
    for ballot in ballots:
        if key not in ballot["tallies"]:
            continue
        for pool, counts in ballot["tallies"][key].items():
            issued[pool] += ballot["turnout"][pool]["issued"]
            cast[pool] += ballot["turnout"][pool]["cast"]
            for grade, n in counts.items():
                tally[pool][grade] += n
    return {pool: scoring.PoolResult(issued[pool], cast[pool], tally[pool]) for pool in issued}


def work_of(months: Sequence[float]) -> float | None:
    """The work score: the mean of the month (or quarter) scores; None when none was assessed."""
    return scoring.r2(sum(months) / len(months)) if months else None


def rows(inputs: Inputs, level: str) -> list[Row]:
    """Every subject of ``level``: the rated ones ranked (ties 1, 1, 3), then those with
    nothing to score (未参评), unranked, in the order of ``inputs.subjects``."""
    plan, rules = inputs.plan, inputs.plan.rules
    # the plan's rules, the same for every subject
    pool_weights = rules.get("pool_weights", {"members": 0.7, "constituents": 0.3})
    min_turnout = plan.share("min_turnout") or 0
    aggregate = rules.get("rating_aggregate", "mean")
    veto_share, veto_trust = plan.share("veto_incompetent_share"), plan.share("veto_min_trust")
    rating_of: dict[str, list[Mapping[str, Any]]] = defaultdict(list)  # the ballots per subject
    for ballot in inputs.ballots:
        for key in ballot["tallies"]:
            rating_of[key].append(ballot)
    computed = []
    for subject, name in inputs.subjects.get(level, {}).items():
        key = f"{level}:{subject}"
        pools = pool_results(rating_of.get(key, ()), key)
        work = work_of(inputs.months.get((level, subject), []))
        rating = scoring.rating_score(pools, pool_weights, min_turnout, aggregate)
        done, total = inputs.measures.get((level, subject), (0, 0))
        target = scoring.target_completion(done, total)
        all_votes = {g: sum(p.tally.get(g, 0) for p in pools.values()) for g in scoring.GRADES}
        veto = scoring.vetoed(all_votes, veto_share, veto_trust)
        composite = scoring.composite(work, rating, target, plan.composite_weights)
        missing = gaps(plan.composite_weights, {"work": work, "rating": rating})
        computed.append((subject, name, work, rating, target, composite, veto, missing))
    rated = [c for c in computed if c[5] is not None]
    ranked: list[tuple[int | None, tuple[Any, ...]]] = list(
        scoring.rank_complete(rated, lambda row: float(row[5] or 0), lambda row: row[7])
    )
    ranked += [(None, c) for c in computed if c[5] is None]
    return [
        Row(
            level,
            s,
            n,
            w,
            r,
            t,
            c,
            rank,
            scoring.band(c),
            v,
            RATED if c is not None else UNRATED,
            gap,
        )
        for rank, (s, n, w, r, t, c, v, gap) in ranked
    ]


def gaps(weights: Mapping[str, float], figures: Mapping[str, float | None]) -> tuple[str, ...]:
    """The components with a weight and no figure: what a score is missing (decision 0021)."""
    return tuple(
        name for name, value in figures.items() if value is None and weights.get(name, 0) > 0
    )


def branch_row(
    code: str,
    name: str,
    quarters: Sequence[float],
    groups: Sequence[Row],
    members: Sequence[Row],
    formula: Mapping[str, float],
) -> dict[str, Any]:
    """The branch's own row of the branch board: the committee's quarterly assessments of it
    (``quarters``, each scored under the committee's plan version it names) and the averages of
    its rated groups' and members' composites, weighted by ``formula`` (the committee's plan
    in force). Unranked here: a branch is ranked among the committee's branches."""
    work = work_of(quarters)
    member_scores = [r.composite for r in members if r.composite is not None]
    group_scores = [r.composite for r in groups if r.composite is not None]
    composite = scoring.branch_score(work, group_scores, member_scores, formula)
    present = {
        "own": work,
        "groups": statistics.fmean(group_scores) if group_scores else None,
        "members": statistics.fmean(member_scores) if member_scores else None,
    }
    return {
        "tenant": code,
        "subject": code,
        "name": name,
        "work": work,
        "rating": None,
        "target": None,
        "composite": composite,
        "band": scoring.band(composite),
        "status": RATED if composite is not None else UNRATED,
        "missing": gaps(formula, present),
        "members": len(members),
        "member_average": (scoring.r2(statistics.fmean(member_scores)) if member_scores else None),
    }


def rank_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Board rows (dicts with "composite") ranked: the rated ones highest first with ties
    (1, 1, 3), a subject missing a component after those that have it (decision 0021), then
    the unrated with rank None, each group in the given order."""
    rated = [r for r in rows if r["composite"] is not None]
    ranked = [
        {**row, "rank": rank}
        for rank, row in scoring.rank_complete(
            rated, lambda r: r["composite"], lambda r: r.get("missing", ())
        )
    ]
    return ranked + [{**r, "rank": None} for r in rows if r["composite"] is None]


def public_row(level: str, r: Mapping[str, Any]) -> dict[str, Any]:
    """A board row as the boards, the CLI, the API and the archive's board.json show it. A
    subject with nothing to score says so: ``"status": "unrated"`` with ``"rank"``, ``"band"``
    and ``"composite"`` null."""
    row: dict[str, Any] = {
        "rank": r["rank"],
        "name": r["name"],
        "composite": r["composite"],
        "work": r["work"],
        "rating": r["rating"],
        "target": r["target"],
        "band": r["band"],
        "status": r["status"],
        "missing": list(r.get("missing") or ()),
    }
    if level == "branch":
        row["code"] = r["subject"]
    else:
        row["id"] = r["subject"]
        row["branch"] = r["tenant"]
    return row


def quota(inputs: Inputs) -> dict[str, int | None]:
    """The most members a branch may shortlist (the plan's ``quota_fraction`` of its members,
    rounded as its ``quota_rounding`` says, at least one where a member is eligible: ranked and
    not vetoed; decision 0018); groups have no quota."""
    fraction = inputs.plan.share("quota_fraction")
    if fraction is None:
        return {"member": None, "group": None}
    eligible = sum(1 for r in rows(inputs, "member") if r.rank is not None and r.veto is None)
    rounding = str(inputs.plan.rules.get("quota_rounding", "down"))
    limit = scoring.quota_limit(
        len(inputs.subjects.get("member", {})), fraction, rounding=rounding, eligible=eligible
    )
    return {"member": limit, "group": None}
