"""Given/when/then for the pure scoring functions; every expected value is worked by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cxzy_saas.domain.scoring import (
    Item,
    PoolResult,
    band,
    branch_score,
    composite,
    month_score,
    quota_limit,
    rank,
    rating_score,
    share,
    share_text,
    tally_score,
    target_completion,
    vetoed,
    work_score,
)

ITEMS = [Item("A", max_points=10, weight=2), Item("B", max_points=5, weight=1)]
DEFAULT_WEIGHTS = {"work": 60, "rating": 30, "target": 10}
POOL_WEIGHTS = {"members": 0.7, "constituents": 0.3}
# members: (100*6 + 80*4)/10 = 92.0; constituents: (80*5 + 60*5)/10 = 70.0
MEMBERS = PoolResult(issued=10, cast=10, tally={"excellent": 6, "competent": 4})
CONSTITUENTS = PoolResult(issued=12, cast=10, tally={"competent": 5, "basic": 5})


def test_month_score_weights_items_and_counts_missing_ones_as_zero():
    items = [*ITEMS, Item("C", max_points=20, weight=1)]
    assert month_score(ITEMS, {"A": 8, "B": 5}) == 86.67  # (8/10*2 + 5/5*1)/3*100 = 86.67
    assert month_score(items, {"A": 8, "B": 5}) == 65.0  # (8/10*2 + 5/5*1 + 0)/4*100 = 65.0


def test_month_score_is_zero_when_nothing_is_scored():
    assert month_score(ITEMS, {}) == 0.0  # (0 + 0)/3*100 = 0


def test_work_score_averages_the_months_assessed():
    months = [{"A": 8, "B": 4}, {"A": 6, "B": 3}, {"A": 10, "B": 5}]
    # months: (1.6+0.8)/3*100 = 80, (1.2+0.6)/3*100 = 60, (2+1)/3*100 = 100; (80+60+100)/3 = 80
    assert work_score(ITEMS, months) == 80.0
    # months: (1.6+1)/3*100 = 86.67, (1.0+0)/3*100 = 33.33 (B missing); (86.67+33.33)/2 = 60.0
    assert work_score(ITEMS, [{"A": 8, "B": 5}, {"A": 5}]) == 60.0


def test_work_score_is_none_without_months():
    assert work_score(ITEMS, []) is None


def test_tally_score_mean_weights_grades_100_80_60_0():
    tally = {"excellent": 3, "competent": 4, "basic": 2, "incompetent": 1}
    assert tally_score(tally) == 74.0  # (100*3 + 80*4 + 60*2 + 0*1)/10 = 740/10 = 74.0


def test_tally_score_median_takes_the_middle_ballot():
    # points sorted: 60, 80, 100, 100 -> (80+100)/2 = 90.0; mean would be 340/4 = 85.0
    assert tally_score({"excellent": 2, "competent": 1, "basic": 1}, "median") == 90.0
    # points sorted: 0, 0, 60, 80, 100 -> middle = 60.0; mean would be 240/5 = 48.0
    tally = {"excellent": 1, "competent": 1, "basic": 1, "incompetent": 2}
    assert tally_score(tally, "median") == 60.0


def test_tally_score_is_none_without_ballots():
    assert tally_score({}) is None
    assert tally_score({"excellent": 0, "incompetent": 0}, "median") is None


def test_rating_score_weights_both_pools():
    pools = {"members": MEMBERS, "constituents": CONSTITUENTS}
    # turnouts 10/10 and 10/12 = 0.83 >= 0.5; 92*0.7 + 70*0.3 = 64.4 + 21 = 85.4
    assert rating_score(pools, POOL_WEIGHTS, min_turnout=0.5) == 85.4


def test_rating_score_voids_a_pool_below_min_turnout_and_renormalises_weights():
    low = PoolResult(issued=30, cast=10, tally={"competent": 5, "basic": 5})
    pools = {"members": MEMBERS, "constituents": low}
    # constituents 10/30 = 0.33 < 0.5 -> void; 92*0.7/0.7 = 92.0 (not 64.4)
    assert rating_score(pools, POOL_WEIGHTS, min_turnout=0.5) == 92.0


def test_rating_score_keeps_a_pool_exactly_at_min_turnout():
    at_min = PoolResult(issued=20, cast=10, tally={"competent": 5, "basic": 5})
    pools = {"members": MEMBERS, "constituents": at_min}
    # 10/20 = 0.5, not below 0.5 -> counted: 92*0.7 + 70*0.3 = 85.4
    assert rating_score(pools, POOL_WEIGHTS, min_turnout=0.5) == 85.4


def test_rating_score_is_none_when_every_pool_is_void():
    pools = {
        "members": PoolResult(issued=10, cast=4, tally={"excellent": 4}),  # 0.4 < 0.5
        "constituents": PoolResult(issued=0, cast=0, tally={}),  # no codes issued: turnout 0
    }
    assert rating_score(pools, POOL_WEIGHTS, min_turnout=0.5) is None


def test_target_completion_is_the_share_of_measures_done():
    assert target_completion(3, 4) == 75.0  # 3/4*100 = 75.0
    assert target_completion(1, 3) == 33.33  # 1/3*100 = 33.333 -> 33.33
    assert target_completion(0, 5) == 0.0  # 0/5*100 = 0


def test_target_completion_is_zero_with_no_measures_filed():
    assert target_completion(0, 0) == 0.0


def test_composite_uses_default_weights_60_30_10():
    # (80*60 + 90*30 + 50*10)/100 = (4800 + 2700 + 500)/100 = 80.0
    assert composite(80, 90, 50, DEFAULT_WEIGHTS) == 80.0


def test_composite_renormalises_over_the_components_present():
    # no rating: (80*60 + 50*10)/70 = 5300/70 = 75.714 -> 75.71
    assert composite(80, None, 50, DEFAULT_WEIGHTS) == 75.71
    # only work: 80*60/60 = 80.0
    assert composite(80, None, None, DEFAULT_WEIGHTS) == 80.0
    # only rating and target: (90*30 + 50*10)/40 = 3200/40 = 80.0
    assert composite(None, 90, 50, DEFAULT_WEIGHTS) == 80.0


def test_composite_is_none_with_nothing_to_score():
    # 未参评: neither assessed nor validly rated; its own measures alone are no evaluation
    assert composite(None, None, None, DEFAULT_WEIGHTS) is None
    assert composite(None, None, 100.0, DEFAULT_WEIGHTS) is None
    assert composite(None, None, 0.0, DEFAULT_WEIGHTS) is None


def test_branch_score_is_size_neutral():
    formula = {"own": 0.5, "groups": 0.2, "members": 0.3}
    small = branch_score(85, [75], [80, 90, 70], formula)
    big = branch_score(85, [75] * 5, [80, 90, 70] * 10, formula)
    # own 85, groups mean 75, members mean (80+90+70)/3 = 80: 85*0.5 + 75*0.2 + 80*0.3 = 81.5
    assert small == 81.5
    assert big == 81.5


def test_branch_score_renormalises_without_groups_or_own_score():
    formula = {"own": 0.5, "groups": 0.2, "members": 0.3}
    # no groups: (90*0.5 + 80*0.3)/0.8 = (45 + 24)/0.8 = 86.25
    assert branch_score(90, [], [80, 90, 70], formula) == 86.25
    # no own score: (75*0.2 + 80*0.3)/0.5 = (15 + 24)/0.5 = 78.0
    assert branch_score(None, [75], [80, 90, 70], formula) == 78.0


def test_branch_score_is_none_with_nothing_to_score():
    formula = {"own": 0.5, "groups": 0.2, "members": 0.3}
    assert branch_score(None, [], [], formula) is None


def test_no_score_has_no_band():
    assert band(None) is None  # 未参评, never "incompetent"


def test_band_boundaries():
    assert band(100) == "excellent"
    assert band(90) == "excellent"  # >= 90
    assert band(89.99) == "competent"
    assert band(70) == "competent"  # 70-89
    assert band(69.99) == "basic"
    assert band(60) == "basic"  # 60-69
    assert band(59.99) == "incompetent"
    assert band(0) == "incompetent"


def test_quota_limit_is_one_third_rounded_down():
    assert quota_limit(14, "1/3") == 4  # 14/3 = 4.67 -> 4
    assert quota_limit(9, "1/3") == 3  # 9/3 = 3 exactly: "不超过" includes the bound
    assert quota_limit(2, "1/3") == 1  # 2/3 = 0.67 -> 0, but a small branch names one (0018)
    assert quota_limit(30, "1/3") == 10  # 30/3 = 10
    # a third written as a decimal by an earlier plan is still a third
    assert quota_limit(9, 0.3333) == 3
    assert quota_limit(9, 1 / 3) == 3


def test_share_reads_fractions_exactly_and_decimals_as_their_simplest_fraction():
    assert share("2/3") == Fraction(2, 3)
    assert share(" 1/5") == Fraction(1, 5)
    assert share(1) == 1 and share(0) == 0
    assert share(0.6667) == Fraction(2, 3)  # stored by earlier plans for 三分之二
    assert share("0.6667") == Fraction(2, 3)
    assert share(0.3333) == Fraction(1, 3)
    assert share(0.2) == Fraction(1, 5)
    # a decimal of up to three places means what it says
    assert share(0.667) == Fraction(667, 1000)
    assert share(0.15) == Fraction(3, 20)
    with pytest.raises(ValueError):
        share(True)
    with pytest.raises(ValueError):
        share("two thirds")


def test_share_text_writes_whole_percents_and_fractions():
    assert share_text(Fraction(1, 5)) == "20%"
    assert share_text(Fraction(1, 2)) == "50%"
    assert share_text(Fraction(2, 3)) == "2/3"
    assert share_text(Fraction(3, 20)) == "15%"


# "低于三分之二": a pool is void below two thirds, valid at exactly two thirds.
@pytest.mark.parametrize(
    ("issued", "cast", "limit", "counted"),
    [
        (3, 2, "2/3", True),  # exactly 2/3
        (9, 6, "2/3", True),  # exactly 2/3
        (30, 20, 0.6667, True),  # exactly 2/3, with the decimal earlier plans stored
        (300, 199, "2/3", False),  # 199/300 = 0.6633 < 2/3
        (3, 1, "2/3", False),
        (20, 10, "1/2", True),  # exactly 1/2
        (20, 9, "1/2", False),
    ],
)
def test_a_pool_is_void_only_below_min_turnout(issued, cast, limit, counted):
    pool = PoolResult(issued=issued, cast=cast, tally={"competent": cast})
    # the members' pool alone: 80.0 when counted, nothing when void
    result = rating_score({"members": pool}, POOL_WEIGHTS, min_turnout=limit)
    assert result == (80.0 if counted else None)


def test_vetoed_when_incompetent_share_is_over_the_limit():
    tally = {"excellent": 5, "competent": 2, "basic": 1, "incompetent": 2}
    # incompetent 2/10 = 20% > 15%
    assert vetoed(tally, "3/20", "1/2") == "不合格票占 20%，超过 15%"
    assert vetoed(tally, 0.15, 0.5) == "不合格票占 20%，超过 15%"


def test_vetoed_when_trust_is_below_half():
    tally = {"excellent": 2, "competent": 2, "basic": 5, "incompetent": 1}
    # incompetent 1/10 = 10% <= 20%; trust (2+2)/10 = 40% < 50%
    assert vetoed(tally, "1/5", "1/2") == "信任度 40%，低于 50%"


def test_veto_limits_are_exact_and_exclusive():
    # "超过三分之一": 1 of 3 is exactly a third, not over it; 0.3333 would have vetoed it
    at_third = {"excellent": 2, "incompetent": 1}
    assert vetoed(at_third, "1/3", None) is None
    assert vetoed(at_third, 0.3333, None) is None  # read as 1/3
    assert vetoed({"excellent": 1, "incompetent": 1}, "1/3", None) == "不合格票占 50%，超过 1/3"
    # "低于三分之二": trust 2/3 exactly is not below 2/3
    assert vetoed({"excellent": 2, "basic": 1}, None, "2/3") is None
    assert vetoed({"excellent": 1, "basic": 1}, None, "2/3") == "信任度 50%，低于 2/3"


def test_vetoed_is_none_when_the_ballot_is_fine():
    # incompetent 1/10 = 10% <= 20%; trust (6+3)/10 = 90% >= 50%
    assert vetoed({"excellent": 6, "competent": 3, "incompetent": 1}, 0.2, 0.5) is None
    # at the limits: incompetent 2/10 = 20%, not over 20%; trust (3+2)/10 = 50%, not below 50%
    assert vetoed({"excellent": 3, "competent": 2, "basic": 3, "incompetent": 2}, 0.2, 0.5) is None
    # rules switched off: trust 0% and incompetent 100%, yet no veto
    assert vetoed({"incompetent": 4}, None, None) is None
    # no ballots: nothing to veto on
    assert vetoed({}, 0.2, 0.5) is None


def test_rank_gives_ties_the_same_rank_and_skips_the_next():
    rows = [("a", 90.0), ("b", 95.0), ("c", 95.0), ("d", 80.0)]
    ranked = rank(rows, key=lambda row: row[1])
    # 95, 95 share 1; 90 is third; 80 fourth
    assert [(r, row[0]) for r, row in ranked] == [(1, "b"), (1, "c"), (3, "a"), (4, "d")]


def test_rank_keeps_the_given_order_of_equal_rows():
    rows = [("y", 70.0), ("x", 70.0), ("z", 70.0)]
    ranked = rank(rows, key=lambda row: row[1])
    assert [(r, row[0]) for r, row in ranked] == [(1, "y"), (1, "x"), (1, "z")]


def test_rank_compares_scores_rounded_to_two_decimals():
    rows = [("p", 89.99), ("q", 89.994), ("r", 89.996)]
    ranked = rank(rows, key=lambda row: row[1])
    # round(89.996, 2) = 90.0 first; round(89.994, 2) = 89.99 ties with 89.99, given order kept
    assert [(r, row[0]) for r, row in ranked] == [(1, "r"), (2, "p"), (2, "q")]


def test_a_small_branch_with_an_eligible_member_may_name_one():
    # decision 0018: rounded down ("不超过"), at least one where a member is eligible
    assert quota_limit(2, "1/3", eligible=1) == 1  # 2/3 -> 0, lifted to one
    assert quota_limit(1, "1/3", eligible=1) == 1
    assert quota_limit(2, "1/3", eligible=0) == 0  # nobody eligible: the share alone
    assert quota_limit(3, "1/3", eligible=0) == 1  # the share alone still counts
    assert quota_limit(0, "1/3") == 0
    assert quota_limit(3, "1/3", eligible=3) == 1  # exactly a third
    assert quota_limit(4, "1/3", eligible=4) == 1  # 4/3 -> 1 (down)
    assert quota_limit(5, "1/3", eligible=5) == 1
    assert quota_limit(6, "1/3", eligible=6) == 2


def test_a_plan_may_round_the_quota_up():
    assert quota_limit(4, "1/3", rounding="up", eligible=4) == 2  # 4/3 -> 2
    assert quota_limit(3, "1/3", rounding="up", eligible=3) == 1  # exact: no rounding
    assert quota_limit(2, "1/3", rounding="up", eligible=0) == 1  # 2/3 -> 1 (up)
