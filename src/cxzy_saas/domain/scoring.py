"""Scores as pure functions: work score, democratic rating, target completion, composite,
the plan's switchable rules (quota, veto, bands) and ranking with ties (1, 1, 3).

All of it is advice, not the decision ("不以票取人"): the branch and the committee may depart from
it, giving a reason. Every function is deterministic; results are rounded to 2 decimals so that
equal scores compare equal however they were summed.

Rates and limits (turnout, shares of a ballot, the quota) are exact fractions, compared exactly,
each boundary as the plan's words put it: a pool "低于三分之二" is void below 2/3 and valid at
it; a veto "超过" a share bars above it, not at it (``RULE_WORDS``). A subject with nothing to
score (no assessed month and no valid ballot) has no composite, band or rank: it is 未参评,
never 不合格.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
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


# A decimal's nearest fraction with a denominator up to this is taken as what it meant.
SIMPLEST_DENOMINATOR = 1000


def share(value: int | float | str | Fraction) -> Fraction:
    """A rate or limit as an exact fraction: "2/3", "1/5", 1, 0 are exact.

    A decimal (0.6667, "0.2") is read as the nearest fraction whose denominator is at most
    1000: a decimal with up to three places stays what it says (0.667 is 667/1000, 0.15 is
    3/20), while 0.6667 and 0.3333, which earlier plans stored for two thirds and one third,
    are read as 2/3 and 1/3 (at 0.6667 itself a pool with exactly two thirds turnout would be
    void, against the plan's words).

    Raises:
        ValueError: not a number or fraction; ZeroDivisionError: "n/0".
    """
    if isinstance(value, bool):
        raise ValueError("a share is not a boolean")
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, str) and "/" in value:
        return Fraction(value.strip())
    return Fraction(value).limit_denominator(SIMPLEST_DENOMINATOR)


def share_text(value: Fraction) -> str:
    """A limit as people write it: a whole percent when it is one (1/5 is "20%"), otherwise
    the fraction ("2/3")."""
    percent = value * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{value.numerator}/{value.denominator}"


# How each limit of the plan compares, in the plan's own words: the one place that decides a
# boundary, read by the scoring below and printed in the plan's documents.
RULE_WORDS = {
    "min_turnout": "每个测评范围参评率低于{limit}的，该范围测评结果无效",
    "veto_incompetent_share": "不合格票超过{limit}的，不得评为先进（一票否决）",
    "veto_min_trust": "信任度（优秀与合格票所占比例）低于{limit}的，不得评为先进（一票否决）",
    "quota_fraction": "优秀党员人数不超过党员人数的{limit}（{rounding}）",
}


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
    def turnout(self) -> Fraction:
        """Ballots cast over codes issued, exactly; 0 when none was issued."""
        return Fraction(self.cast, self.issued) if self.issued else Fraction(0)


def rating_score(
    pools: Mapping[str, PoolResult],
    weights: Mapping[str, float],
    min_turnout: Fraction | float,
    how: str = "mean",
) -> float | None:
    """Pools' scores weighted by the plan; a pool whose turnout is below ``min_turnout`` ("低于")
    is void and left out (the other pools' weights are renormalised); a turnout exactly at it
    counts. None when every pool is void."""
    limit = share(min_turnout)
    parts = []
    for pool, result in pools.items():
        weight = weights.get(pool, 0.0)
        score = tally_score(result.tally, how)
        if weight > 0 and score is not None and result.turnout >= limit:
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
) -> float | None:
    """The plan's weights (default 60/30/10) over the components that exist; a missing
    component (no assessment, a void ballot) is left out and the others' weights renormalised.

    None (未参评) when the subject was neither assessed nor validly rated: the share of its
    own measures done is a commitment it filed itself, not an evaluation of it, so it is never
    scored on that alone."""
    if work is None and rating is None:
        return None
    parts = [
        (value, weights.get(name, 0.0))
        for name, value in (("work", work), ("rating", rating), ("target", target))
        if value is not None and weights.get(name, 0.0) > 0
    ]
    total = sum(w for _, w in parts)
    return r2(sum(v * w for v, w in parts) / total) if total else None


def branch_score(
    own: float | None,
    group_composites: Sequence[float],
    member_composites: Sequence[float],
    formula: Mapping[str, float],
) -> float | None:
    """A branch's score: its own assessed work score and the *averages* of its groups' and
    members' composites (the rated ones), weighted by the plan's formula, so a big branch does
    not win by size. None (未参评) when there is none of the three."""
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
    return r2(sum(v * w for v, w in present) / total) if total else None


def band(score: float | None) -> str | None:
    """Score bands: ≥90 candidate for excellent, 70-89 competent, 60-69 basic, <60 incompetent;
    None for a subject with no score (未参评), which is no verdict at all."""
    if score is None:
        return None
    if score >= 90:
        return "excellent"
    if score >= 70:
        return "competent"
    if score >= 60:
        return "basic"
    return "incompetent"


QUOTA_ROUNDINGS = ("down", "up")


def quota_limit(
    member_count: int,
    fraction: Fraction | float | str,
    *,
    rounding: str = "down",
    eligible: int | None = None,
) -> int:
    """How many may be named excellent: at most ``fraction`` of the members ("不超过"), exactly
    (9 members × 1/3 is 3, not 2 by a decimal's error; see :func:`share`).

    The small-branch rule (decision 0018): the share is rounded down ("不超过" holds) or, where
    the plan says ``rounding = "up"``, up; and a branch with at least one eligible member
    (``eligible``: ranked, not vetoed; None: not known, counted as all) may always name one, so
    that a third of a two-member branch is one, never a silent zero. Without an eligible
    member the share alone counts (nobody is lifted to one)."""
    exact = member_count * share(fraction)
    limit = math.ceil(exact) if rounding == "up" else math.floor(exact)
    candidates = member_count if eligible is None else eligible
    return max(limit, 1) if candidates > 0 else limit


def vetoed(
    tally: Mapping[str, int],
    max_incompetent_share: Fraction | float | None,
    min_trust: Fraction | float | None,
) -> str | None:
    """Why a nominee is barred by the ballot, or None: a share of 不合格 over the limit
    ("超过": at the limit is not over), or trust below the limit ("低于": at it is not below),
    both compared exactly.

    Trust is the share of 优秀 and 合格 among the ballots cast.
    """
    cast = sum(tally.get(g, 0) for g in GRADES)
    if cast == 0:
        return None
    incompetent = Fraction(tally.get("incompetent", 0), cast)
    if max_incompetent_share is not None and incompetent > share(max_incompetent_share):
        limit = share_text(share(max_incompetent_share))
        return f"不合格票占 {float(incompetent):.0%}，超过 {limit}"
    trust = Fraction(tally.get("excellent", 0) + tally.get("competent", 0), cast)
    if min_trust is not None and trust < share(min_trust):
        return f"信任度 {float(trust):.0%}，低于 {share_text(share(min_trust))}"
    return None


def rank_complete(
    rows: Sequence[T], key: Callable[[T], float], missing: Callable[[T], Iterable[str]]
) -> list[tuple[int, T]]:
    """Competition ranking (:func:`rank`) in which nothing outranks another by omission
    (decision 0021): a subject missing a component of its score (``missing``: the components'
    names) that another subject of the same board has ranks after every subject that has
    more of them, whatever its figure; a component nobody has yet (no ballot held) is missing
    for no one. Within the same completeness, highest first, ties sharing a rank (1, 1, 3);
    the ranks run on across the tiers."""
    gaps = [set(missing(row)) for row in rows]
    # a component is had by someone when fewer gaps than rows miss it
    missed = Counter(c for gap in gaps for c in gap)
    had = {c for c, n in missed.items() if n < len(gaps)}
    tiers = {id(row): len(gap & had) for row, gap in zip(rows, gaps, strict=True)}
    ordered = sorted(rows, key=lambda row: (tiers[id(row)], -r2(key(row))))
    ranked: list[tuple[int, T]] = []
    for position, row in enumerate(ordered, start=1):
        if ranked and (tiers[id(ranked[-1][1])], r2(key(ranked[-1][1]))) == (
            tiers[id(row)],
            r2(key(row)),
        ):
            ranked.append((ranked[-1][0], row))
        else:
            ranked.append((position, row))
    return ranked


def rank(rows: Sequence[T], key: Callable[[T], float]) -> list[tuple[int, T]]:
    """Competition ranking, highest first: equal scores share a rank and the next rank skips
    (1, 1, 3). Rows of equal score keep their given order. Only scored rows are ranked: the
    callers leave subjects with no score (未参评) out and list them apart."""
    ordered = sorted(rows, key=lambda row: -r2(key(row)))
    ranked: list[tuple[int, T]] = []
    for position, row in enumerate(ordered, start=1):
        if ranked and r2(key(ranked[-1][1])) == r2(key(row)):
            ranked.append((ranked[-1][0], row))
        else:
            ranked.append((position, row))
    return ranked
