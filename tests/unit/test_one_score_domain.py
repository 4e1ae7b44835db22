"""Given/when/then for the rules behind one score per subject (decision 0012): which plan
version is in force, each assessment scored under the version it names, exact limits in the
plan, and 未参评 for a subject with nothing to score. No I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from cxzy_saas.audit.documents import rule_lines
from cxzy_saas.domain import ranking
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.evaluation import Nomination, departs
from cxzy_saas.domain.plan import Plan, PlanContent, version_in_force
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording
from cxzy_saas.domain.work import Assessment
from tests.unit.test_plan_workflow import small_content

CLERK = Actor("b1-clerk", "branch-clerk", "b1")
JANUARY = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


CLOCK = SimulatedClock(JANUARY)


@pytest.fixture(autouse=True)
def as_clerk():
    CLOCK.set(JANUARY)
    with recording("b1", CLERK, CLOCK):
        yield


def content(max_points: float = 10, weight: float = 1, **rules) -> dict:
    data = small_content()
    data["items"][2].update(max_points=max_points)
    data["items"].append(
        dict(code="M2", level="member", criterion=1, title="贡献", max_points=10, weight=weight)
    )
    data["rules"].update(rules)
    return data


# --- the version in force ---------------------------------------------------------------------


def test_before_any_approval_the_latest_version_is_in_force():
    assert version_in_force(3, []) == 3


def test_an_approved_version_stays_in_force_until_a_later_one_is_approved():
    assert version_in_force(4, [2]) == 2  # versions 3 and 4 are drafts: not yet in force
    assert version_in_force(4, [2, 4]) == 4


def test_a_plan_knows_which_version_each_submission_carried():
    plan = Plan.draft(2026, content(), "组织委员")
    CLOCK.set(datetime(2026, 1, 20, 9, 0, tzinfo=UTC))  # the steps are recorded once taken
    plan.record_discussion(date(2026, 1, 11), "支委会讨论")
    plan.finalise(date(2026, 1, 12))
    plan.submit(date(2026, 1, 12))  # submission 1 carries version 1
    plan.revise(content(weight=3), "按退回意见修改", answering=Plan.id_for("c1", 2026))
    plan.finalise(date(2026, 1, 20))
    plan.submit(date(2026, 1, 20))  # submission 2 carries version 2
    assert plan.submitted_versions == {1: 1, 2: 2}
    assert plan.in_force([]) == 2  # nothing approved yet: the latest, provisionally
    assert plan.in_force([1]) == 1
    assert plan.in_force([2]) == 2
    assert plan.content_of(1).items["M2"].weight == 1.0
    assert plan.content_of(2).items["M2"].weight == 3.0


# --- each assessment under the version it names -----------------------------------------------


def test_each_assessment_is_scored_under_the_version_it_names():
    v1, v2 = PlanContent.parse(content()), PlanContent.parse(content(weight=3))
    CLOCK.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # each month assessed once it has begun
    january = Assessment.assess(
        2026, "2026-01", "member", "M1", {"M1": 10, "M2": 0}, v1, 1, date(2026, 1, 31)
    )
    february = Assessment.assess(
        2026, "2026-02", "member", "M1", {"M1": 10, "M2": 0}, v2, 2, date(2026, 2, 28)
    )
    versions = {1: v1, 2: v2}
    # v1: (10/10*1 + 0)/2 = 50.0; v2: (10/10*1 + 0)/4 = 25.0
    assert ranking.scored(versions, january) == 50.0
    assert ranking.scored(versions, february) == 25.0
    inputs = ranking.gather(versions, 2, [february, january], [], [], [], [])
    assert inputs.months[("member", "M1")] == [50.0, 25.0]  # in period order
    assert inputs.plan is v2  # weights and rules of the version in force


# --- exact limits in the plan -----------------------------------------------------------------


def test_plan_limits_are_exact_fractions():
    plan = PlanContent.parse(content(min_turnout="2/3", veto_incompetent_share="1/5"))
    assert plan.share("min_turnout") == Fraction(2, 3)
    assert plan.share("veto_incompetent_share") == Fraction(1, 5)
    assert plan.share("veto_min_trust") is None
    assert plan.approximated() == {}


def test_a_decimal_stored_by_an_earlier_plan_is_read_as_its_simple_fraction_and_says_so():
    plan = PlanContent.parse(content(min_turnout=0.6667, veto_min_trust=0.5))
    assert plan.share("min_turnout") == Fraction(2, 3)
    assert plan.approximated() == {"min_turnout": (0.6667, Fraction(2, 3))}


def test_the_plan_document_says_how_a_decimal_is_read():
    lines = rule_lines(PlanContent.parse(content(min_turnout=0.6667, veto_min_trust="1/2")))
    assert lines[:2] == [
        "每个测评范围参评率低于2/3的，该范围测评结果无效"
        "（方案原写 0.6667，按最接近的简单分数 2/3 计）。",
        "信任度（优秀与合格票所占比例）低于50%的，不得评为先进（一票否决）。",
    ]
    # and what else a reader needs to recompute a score: the summing up and the branch formula
    assert "民主测评按平均分汇总。" in lines
    assert lines[-1] == "党支部得分由本级、党小组平均分、党员平均分按 0.5 : 0.2 : 0.3 合成。"


def test_the_quota_says_which_way_it_rounds():
    up = PlanContent.parse(content(quota_fraction="1/3", quota_rounding="up"))
    assert "优秀党员人数不超过党员人数的1/3（向上取整）。" in rule_lines(up)


@pytest.mark.parametrize("value", ["3/2", "-1/3", "two thirds", True, 1.5, "1/0", [1, 3]])
def test_a_limit_that_is_not_a_share_is_refused(value):
    with pytest.raises(InvalidInput) as refused:
        PlanContent.parse(content(min_turnout=value))
    assert refused.value.field == "rules"


# --- 未参评 -------------------------------------------------------------------------------------


def inputs_with(months: dict, measures: dict | None = None) -> ranking.Inputs:
    plan = PlanContent.parse(content())
    return ranking.Inputs(
        plan=plan,
        subjects={"member": {"M1": "甲", "M2": "乙", "M3": "丙"}, "group": {}},
        months=months,
        measures=measures or {},
        ballots=[],
    )


def test_a_subject_with_nothing_to_score_is_unrated_unranked_and_listed_after_the_rest():
    rows = ranking.rows(
        inputs_with({("member", "M2"): [80.0]}, {("member", "M3"): (1, 1)}), "member"
    )
    assert [(r.subject, r.rank, r.status) for r in rows] == [
        ("M2", 1, "rated"),
        ("M1", None, "unrated"),
        ("M3", None, "unrated"),  # its own measures alone are no evaluation
    ]
    unrated = rows[1]
    assert (unrated.composite, unrated.band, unrated.work, unrated.rating) == (None,) * 4
    assert rows[2].target == 100.0
    # M2: no measures filed, so target 0 counts: (80*60 + 0*10)/70 = 4800/70 = 68.57
    assert (rows[0].composite, rows[0].band) == (68.57, "basic")


def test_the_board_ranks_rated_rows_and_leaves_unrated_ones_unranked():
    rows = [
        {"subject": "a", "composite": 70.0},
        {"subject": "b", "composite": None},
        {"subject": "c", "composite": 90.0},
        {"subject": "d", "composite": 70.0},
    ]
    assert [(r["subject"], r["rank"]) for r in ranking.rank_rows(rows)] == [
        ("c", 1),
        ("a", 2),
        ("d", 2),
        ("b", None),
    ]


def test_a_branch_with_nothing_to_score_is_unrated():
    row = ranking.branch_row("b1", "支部", [], [], [], {"own": 0.5, "groups": 0.2, "members": 0.3})
    assert (row["composite"], row["band"], row["status"]) == (None, None, "unrated")


def test_shortlisting_an_unrated_subject_departs_from_the_ranking_and_needs_a_reason():
    assert departs({"rank": None, "veto": None}, 1)
    assert not departs({"rank": 1, "veto": None}, 1)
    rows = ranking.rows(inputs_with({("member", "M2"): [80.0]}), "member")
    advice = {"member": [r.as_dict() for r in rows], "group": []}
    entry = {"level": "member", "subject": "M1", "reason": ""}
    with pytest.raises(InvalidInput, match="unrated") as refused:
        Nomination.shortlist(2026, [entry], advice, {"member": None})
    assert refused.value.code == "nomination.unrated_needs_reason"
    nomination = Nomination.shortlist(
        2026, [{**entry, "reason": "长期驻外，由支部大会推举"}], advice, {"member": None}
    )
    assert nomination.entries[0]["departs"] is True
    assert nomination.entries[0]["rank"] is None
