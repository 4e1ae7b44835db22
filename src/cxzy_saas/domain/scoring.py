"""Scores as pure functions: work score, democratic rating, target completion, composite,
the plan's switchable rules (quota, veto, bands) and ranking with ties (1, 1, 3).

All of it is advice, not the decision ("不以票取人"): the branch and the committee may depart from
it, giving a reason. Every function is deterministic; results are rounded to 2 decimals so that
equal scores compare equal however they were summed.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

GRADES = ("excellent", "competent", "basic", "incompetent")
GRADE_NAMES = {
    "excellent": "优秀",
    "competent": "合格",
    "basic": "基本合格",
    "incompetent": "不合格",
}
GRADE_POINTS = {"excellent": 100, "competent": 80, "basic": 60, "incompetent": 0}
POOLS = ("members", "constituents")

T = TypeVar("T")


def r2(x: float) -> float:
    return round(x + 0.0, 2)


@dataclass(frozen=True)
class Item:
    """A scoring item (目标分解,量化标准): points 0..max_points, counted with ``weight``."""

    code: str
    max_points: float
    weight: float


def month_score(items: Sequence[Item], points: Mapping[str, float]) -> float:
    """One month's work score, 0-100: Σ(points/max × weight) / Σ weight × 100.

    An item without points counts as 0.
    """
    total_weight = sum(i.weight for i in items)
    if total_weight <= 0:
        return 0.0
    earned = sum(points.get(i.code, 0.0) / i.max_points * i.weight for i in items)
    return r2(earned / total_weight * 100)


def work_score(items: Sequence[Item], months: Iterable[Mapping[str, float]]) -> float | None:
    """The mean of the month scores of the months assessed; None when none was."""
    scores = [month_score(items, m) for m in months]
    return r2(statistics.fmean(scores)) if scores else None


def tally_score(tally: Mapping[str, int], how: str = "mean") -> float | None:
    """Democratic rating score of one pool: (100·优秀 + 80·合格 + 60·基本合格 + 0·不合格) / ballots
    for "mean"; the median of the ballots' points for "median". None without ballots."""
    cast = sum(tally.get(g, 0) for g in GRADES)
    if cast == 0:
        return None
    if how == "median":
        points = [GRADE_POINTS[g] for g in GRADES for _ in range(tally.get(g, 0))]
        return r2(statistics.median(points))
    return r2(sum(GRADE_POINTS[g] * tally.get(g, 0) for g in GRADES) / cast)


@dataclass(frozen=True)
class PoolResult:
    issued: int
    cast: int
    tally: Mapping[str, int]

    @property
    def turnout(self) -> float:
        return self.cast / self.issued if self.issued else 0.0


def rating_score(
    pools: Mapping[str, PoolResult],
    weights: Mapping[str, float],
    min_turnout: float,
    how: str = "mean",
) -> float | None:
    """Pools' scores weighted by the plan; a pool whose turnout is below ``min_turnout`` is void
    and left out (the other pools' weights are renormalised). None when every pool is void."""
    parts = []
    for pool, result in pools.items():
        weight = weights.get(pool, 0.0)
        score = tally_score(result.tally, how)
        if weight > 0 and score is not None and result.turnout >= min_turnout:
            parts.append((score, weight))
    if not parts:
        return None
    return r2(sum(s * w for s, w in parts) / sum(w for _, w in parts))


def target_completion(done: int, total: int) -> float:
    """Share of a subject's measures marked done, 0-100; 0 when it filed none."""
    return r2(done / total * 100) if total else 0.0


def composite(
    work: float | None,
    rating: float | None,
    target: float | None,
    weights: Mapping[str, float],
) -> float:
    """The plan's weights (default 60/30/10) over the components that exist; a missing
    component (no assessment, a void ballot) is left out and the others' weights renormalised."""
    parts = [
        (value, weights.get(name, 0.0))
        for name, value in (("work", work), ("rating", rating), ("target", target))
        if value is not None and weights.get(name, 0.0) > 0
    ]
    total = sum(w for _, w in parts)
    return r2(sum(v * w for v, w in parts) / total) if total else 0.0


def branch_score(
    own: float | None,
    group_composites: Sequence[float],
    member_composites: Sequence[float],
    formula: Mapping[str, float],
) -> float:
    """A branch's score: its own assessed work score and the *averages* of its groups' and
    members' composites, weighted by the plan's formula, so a big branch does not win by size."""
    parts = [
        (own, formula.get("own", 0.0)),
        (
            statistics.fmean(group_composites) if group_composites else None,
            formula.get("groups", 0.0),
        ),
        (
            statistics.fmean(member_composites) if member_composites else None,
            formula.get("members", 0.0),
        ),
    ]
    present = [(v, w) for v, w in parts if v is not None and w > 0]
    total = sum(w for _, w in present)
    return r2(sum(v * w for v, w in present) / total) if total else 0.0


def band(score: float) -> str:
    """Score bands: ≥90 candidate for excellent, 70-89 competent, 60-69 basic, <60 incompetent."""
    if score >= 90:
        return "excellent"
    if score >= 70:
        return "competent"
    if score >= 60:
        return "basic"
    return "incompetent"


def quota_limit(member_count: int, fraction: float | str) -> int:
    """How many may be named excellent: at most ``fraction`` of the members, rounded down.

    A third is not exact as a decimal (9 × 0.3333 rounds down to 2 where the rule means 3), so
    the share is taken as the nearest fraction with a denominator up to 1000: "1/3", 1/3 and
    0.3333 all mean a third.
    """
    return math.floor(member_count * Fraction(fraction).limit_denominator(1000))


def vetoed(
    tally: Mapping[str, int], max_incompetent_share: float | None, min_trust: float | None
) -> str | None:
    """Why a nominee is barred by the ballot, or None.

    Trust is the share of 优秀 and 合格 among the ballots cast.
    """
    cast = sum(tally.get(g, 0) for g in GRADES)
    if cast == 0:
        return None
    incompetent = tally.get("incompetent", 0) / cast
    if max_incompetent_share is not None and incompetent > max_incompetent_share:
        return f"不合格票占 {incompetent:.0%},超过 {max_incompetent_share:.0%}"
    trust = (tally.get("excellent", 0) + tally.get("competent", 0)) / cast
    if min_trust is not None and trust < min_trust:
        return f"信任度 {trust:.0%},低于 {min_trust:.0%}"
    return None


def rank(rows: Sequence[T], key: Callable[[T], float]) -> list[tuple[int, T]]:
    """Competition ranking, highest first: equal scores share a rank and the next rank skips
    (1, 1, 3). Rows of equal score keep their given order."""
    ordered = sorted(rows, key=lambda row: -r2(key(row)))
    ranked: list[tuple[int, T]] = []
    for position, row in enumerate(ordered, start=1):
        if ranked and r2(key(ranked[-1][1])) == r2(key(row)):
            ranked.append((ranked[-1][0], row))
        else:
            ranked.append((position, row))
    return ranked
