"""Scores and ranking of a branch's groups and members for a campaign: the advice beside the
shortlist, and the rows of the committee's leaderboards. Pure: the application (and an archive's
verifier, from the archived events) gathers the inputs from aggregates with :func:`gather`, the
projections from read-model rows, and all call :func:`rows`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from cxzy_saas.domain import scoring
from cxzy_saas.domain.ballot import Ballot
from cxzy_saas.domain.organisation import Group, Member
from cxzy_saas.domain.plan import PlanContent
from cxzy_saas.domain.work import Assessment, Measure


@dataclass(frozen=True)
class Inputs:
    """What the scores of one branch-year are computed from, gathered from its events."""

    plan: PlanContent
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
    composite: float
    rank: int
    band: str
    veto: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def gather(
    plan: PlanContent,
    assessments: Iterable[Assessment],
    measures: Iterable[Measure],
    ballots: Iterable[Ballot],
    members: Iterable[Member],
    groups: Iterable[Group],
) -> Inputs:
    """A branch-year's inputs from its aggregates: its assessments, measures and ballots of the
    year, its members and groups (active ones, in the order they were created), scored with
    ``plan`` (the plan in force)."""
    months: dict[tuple[str, str], list[float]] = {}
    for a in assessments:
        items = [i.as_item() for i in plan.items_for(a.level)]
        months.setdefault((a.level, a.subject), []).append(scoring.month_score(items, a.scores))
    done_total: dict[tuple[str, str], tuple[int, int]] = {}
    for m in measures:
        done, total = done_total.get((m.level, m.subject), (0, 0))
        done_total[(m.level, m.subject)] = (done + (m.done_on is not None), total + 1)
    closed = [
        {"turnout": b.turnout, "tallies": b.tallies} for b in ballots if b.closed_on is not None
    ]
    return Inputs(
        plan=plan,
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


def rows(inputs: Inputs, level: str) -> list[Row]:
    plan, rules = inputs.plan, inputs.plan.rules
    computed = []
    for subject, name in inputs.subjects.get(level, {}).items():
        pools = pool_results(inputs.ballots, f"{level}:{subject}")
        months = inputs.months.get((level, subject), [])
        work = scoring.r2(sum(months) / len(months)) if months else None
        rating = scoring.rating_score(
            pools,
            rules.get("pool_weights", {"members": 0.7, "constituents": 0.3}),
            float(rules.get("min_turnout") or 0.0),
            rules.get("rating_aggregate", "mean"),
        )
        done, total = inputs.measures.get((level, subject), (0, 0))
        target = scoring.target_completion(done, total)
        all_votes = {g: sum(p.tally.get(g, 0) for p in pools.values()) for g in scoring.GRADES}
        veto = scoring.vetoed(
            all_votes, rules.get("veto_incompetent_share"), rules.get("veto_min_trust")
        )
        composite = scoring.composite(work, rating, target, plan.composite_weights)
        computed.append((subject, name, work, rating, target, composite, veto))
    return [
        Row(level, s, n, w, r, t, c, rank, scoring.band(c), v)
        for rank, (s, n, w, r, t, c, v) in scoring.rank(computed, key=lambda row: row[5])
    ]


def quota(inputs: Inputs) -> dict[str, int | None]:
    fraction = inputs.plan.rules.get("quota_fraction")
    if fraction is None:
        return {"member": None, "group": None}
    return {
        "member": scoring.quota_limit(len(inputs.subjects.get("member", {})), fraction),
        "group": None,
    }
