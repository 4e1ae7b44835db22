"""Given/when/then for the campaign and the plan's workflow: no I/O, no application."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from cxzy_saas.domain.errors import InvalidInput, StateConflict
from cxzy_saas.domain.plan import TEXT_FIELDS, Campaign, Plan, PlanContent
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording

CLERK = Actor("b1-clerk", "branch-clerk", "b1")
ADMIN = Actor("c1-admin", "committee-admin", "c1")
JANUARY = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # "today" for the steps after the draft
CLOCK = SimulatedClock(JANUARY)


@pytest.fixture(autouse=True)
def as_clerk():
    CLOCK.set(JANUARY)
    with recording("b1", CLERK, CLOCK):
        yield


def small_content() -> dict:
    """One criterion and one scoring item per level, plus the default composite weights."""
    data: dict = {name: f"{name} 的内容" for name in TEXT_FIELDS}
    data["criteria"] = [
        {"level": level, "number": 1, "text": f"{level} 条件一"}
        for level in ("branch", "group", "member")
    ]
    data["items"] = [
        dict(code=code, level=level, criterion=1, title="细则", max_points=10, weight=1)
        for code, level in (("B1", "branch"), ("G1", "group"), ("M1", "member"))
    ]
    data["composite_weights"] = {"work": 60, "rating": 30, "target": 10}
    data["rules"] = {"rating_aggregate": "mean"}
    return data


def names(aggregate) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


# --- Campaign ---------------------------------------------------------------------------------


def test_a_campaign_opens_with_the_leaderboard_closed_to_branches():
    with recording("c1", ADMIN, SimulatedClock(JANUARY)):
        campaign = Campaign.open(2026, "2026年创先争优活动")
    assert campaign.id == Campaign.id_for("c1", 2026)
    assert (campaign.year, campaign.closed_on, campaign.leaderboard_open) == (2026, None, False)
    assert names(campaign) == ["Opened"]


def test_a_year_outside_2000_to_2100_is_refused():
    with pytest.raises(InvalidInput, match="year") as refused:
        Campaign.open(1999, "旧活动")
    assert refused.value.field == "year"


def test_the_committee_opens_and_closes_the_leaderboard_but_not_twice_the_same_way():
    campaign = Campaign.open(2026, "2026年创先争优活动")
    with pytest.raises(StateConflict, match="already"):
        campaign.open_leaderboard(False)
    campaign.open_leaderboard(True)
    assert campaign.leaderboard_open
    with pytest.raises(StateConflict, match="already"):
        campaign.open_leaderboard(True)
    campaign.open_leaderboard(False)
    assert not campaign.leaderboard_open
    assert names(campaign) == ["Opened", *["LeaderboardVisibilityChanged"] * 2]


def test_a_closed_campaign_refuses_work_and_a_second_closing():
    campaign = Campaign.open(2026, "2026年创先争优活动")
    campaign.check_open()
    CLOCK.set(datetime(2026, 12, 31, 9, 0, tzinfo=UTC))  # a close is recorded on its day
    campaign.close(date(2026, 12, 31))
    assert campaign.closed_on == date(2026, 12, 31)
    with pytest.raises(StateConflict, match="closed on 2026-12-31"):
        campaign.check_open()
    with pytest.raises(StateConflict):
        campaign.close(date(2027, 1, 5))
    assert names(campaign) == ["Opened", "Closed"]


# --- PlanContent.parse ------------------------------------------------------------------------


def test_a_complete_content_parses_into_criteria_and_items():
    content = PlanContent.parse(small_content())
    assert content.criteria["member"] == {1: "member 条件一"}
    assert [i.code for i in content.items_for("member")] == ["M1"]
    assert content.composite_weights == {"work": 60.0, "rating": 30.0, "target": 10.0}


@pytest.mark.parametrize(
    ("spoil", "field", "message"),
    [
        (lambda d: d.pop("organisation"), "organisation", "organisation must not be empty"),
        (
            lambda d: d["items"].append(dict(d["items"][2], code="M9", criterion=9)),
            "items",
            "M9 names criterion member 9",
        ),
        (lambda d: d["items"].append(dict(d["items"][2])), "items", "scoring item M1 twice"),
        (lambda d: d["items"][2].update(max_points=0), "items", "M1: max points must be > 0"),
        (
            lambda d: d.update(composite_weights={"work": 0, "rating": 0, "target": 0}),
            "composite_weights",
            "not all zero",
        ),
        (lambda d: d["rules"].update(rating_aggregate="mode"), "rules", "mean or median"),
    ],
)
def test_a_faulty_content_is_refused_naming_the_field(spoil, field, message):
    data = small_content()
    spoil(data)
    with pytest.raises(InvalidInput, match=message) as refused:
        PlanContent.parse(data)
    assert refused.value.field == field


def test_drafting_a_plan_with_faulty_content_is_refused():
    data = small_content()
    data["guiding_ideology"] = "   "
    with pytest.raises(InvalidInput, match="guiding_ideology"):
        Plan.draft(2026, data, "张书记")


# --- Plan workflow ----------------------------------------------------------------------------


def a_plan() -> Plan:
    """A plan drafted on 10 January; its steps are then taken on 1 March (a step is dated
    neither before the draft nor after today)."""
    CLOCK.set(JANUARY)
    plan = Plan.draft(2026, small_content(), "张书记")
    CLOCK.set(MARCH)
    return plan


def submitted_plan() -> Plan:
    plan = a_plan()
    plan.record_discussion(date(2026, 1, 12), "支委会讨论方案初稿")
    plan.circulate("全体党员", date(2026, 1, 13))
    plan.finalise(date(2026, 1, 20))
    plan.submit(date(2026, 1, 21))
    return plan


def test_the_plan_goes_from_draft_to_submitted_one_event_per_step():
    plan = a_plan()
    assert (plan.status, plan.version_no) == ("draft", 1)
    plan.record_discussion(date(2026, 1, 12), "支委会讨论方案初稿")
    assert plan.status == "discussed"
    plan.circulate("各党小组", date(2026, 1, 13))
    assert plan.status == "circulated"
    plan.record_comment("第一党小组", "建议增加学习内容", date(2026, 1, 15))
    assert plan.comments == [{"by": "第一党小组", "text": "建议增加学习内容", "on": "2026-01-15"}]
    plan.finalise(date(2026, 1, 20))
    assert plan.status == "final"
    assert plan.submit(date(2026, 1, 21)) == 1
    assert plan.status == "submitted"
    events = plan.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Drafted",
        "Discussed",
        "Circulated",
        "CommentRecorded",
        "Finalised",
        "Submitted",
    ]
    assert (events[-1].submission, events[-1].version) == (1, 1)
    assert all(e.actor["user"] == "b1-clerk" for e in events)


def test_a_comment_before_circulation_is_refused():
    plan = a_plan()
    plan.record_discussion(date(2026, 1, 12), "讨论")
    with pytest.raises(StateConflict, match="cannot comment on a plan that is discussed"):
        plan.record_comment("王芳", "意见", date(2026, 1, 13))


def test_a_draft_is_not_circulated_before_the_committee_discusses_it():
    with pytest.raises(StateConflict, match="cannot circulate a plan that is draft"):
        a_plan().circulate("全体党员", date(2026, 1, 13))


def test_a_plan_is_not_submitted_before_it_is_final():
    plan = a_plan()
    plan.record_discussion(date(2026, 1, 12), "讨论")
    plan.circulate("全体党员", date(2026, 1, 13))
    with pytest.raises(StateConflict, match="cannot submit a plan that is circulated"):
        plan.submit(date(2026, 1, 14))


def test_a_submitted_plan_is_neither_finalised_again_nor_revised_without_a_return():
    plan = submitted_plan()
    with pytest.raises(StateConflict, match="cannot finalise a plan that is submitted"):
        plan.finalise(date(2026, 1, 22))
    with pytest.raises(StateConflict, match="cannot revise a plan that is submitted"):
        plan.revise(small_content(), "自行修改")
    with pytest.raises(StateConflict, match="cannot submit"):
        plan.submit(date(2026, 1, 22))


def test_a_return_is_answered_only_for_a_submitted_plan():
    with pytest.raises(StateConflict, match="cannot answer a return of a plan that is draft"):
        a_plan().revise(small_content(), "答复", answering=uuid4())


def test_a_returned_plan_is_revised_resubmitted_and_the_same_return_cannot_be_answered_twice():
    plan = submitted_plan()
    first_return, second_return = uuid4(), uuid4()
    plan.revise(small_content(), "按党委意见修改", answering=first_return)
    assert (plan.status, plan.version_no, plan.answered) == ("revised", 2, [first_return])
    plan.finalise(date(2026, 2, 1))
    assert plan.submit(date(2026, 2, 2)) == 2
    with pytest.raises(StateConflict, match="answered already"):
        plan.revise(small_content(), "再次答复", answering=first_return)
    plan.revise(small_content(), "答复第二次退回", answering=second_return)
    assert plan.version_no == 3
    revised = [e for e in plan.collect_events() if type(e).__name__ == "Revised"]
    assert [e.answering for e in revised] == [first_return, second_return]


def test_every_version_of_the_content_is_kept():
    original = small_content()
    plan = Plan.draft(2026, original, "张书记")
    CLOCK.set(MARCH)
    second = copy.deepcopy(original)
    second["guiding_ideology"] = "第二稿的指导思想"
    plan.revise(second, "支委会修改")
    third = copy.deepcopy(second)
    third["composite_weights"] = {"work": 50, "rating": 40, "target": 10}
    plan.revise(third, "征求意见后修改")
    assert plan.version_no == 3
    assert plan.versions[0]["guiding_ideology"] == original["guiding_ideology"]
    assert plan.versions[1]["guiding_ideology"] == "第二稿的指导思想"
    assert plan.content.composite_weights["work"] == 50.0
    plan.finalise(date(2026, 1, 20))
    finalised = plan.collect_events()[-1]
    assert (type(finalised).__name__, finalised.version) == ("Finalised", 3)


def test_a_revision_with_faulty_content_leaves_the_versions_as_they_were():
    plan = a_plan()
    bad = small_content()
    bad["items"] = []
    with pytest.raises(InvalidInput):
        plan.revise(bad, "删掉全部细则")
    assert plan.version_no == 1
    assert names(plan) == ["Drafted"]
