"""Dates of things that happened: not after today (Beijing, by the application's clock), and a
plan's steps in order (the committee's plan and a branch's alike: one Plan)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from cxzy_saas.application.catalogue import default_plan_content
from cxzy_saas.domain.base import as_date
from cxzy_saas.domain.errors import InvalidInput
from cxzy_saas.domain.organisation import Member
from cxzy_saas.domain.plan import Campaign, Plan
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording

ADMIN = Actor(user="admin", role="committee-admin", tenant="demo")
# 2026-11-30 17:00 UTC is 2026-12-01 01:00 in Beijing: "today" is the 1st of December.
CLOCK = SimulatedClock(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))


def refused(code: str, act) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as found:
        act()
    assert found.value.code == code
    assert "。" in found.value.text("zh")


def test_plan_steps_are_dated_in_order_and_not_after_today() -> None:
    with recording("demo", ADMIN, CLOCK):
        plan = Plan.draft(2026, default_plan_content(), "党委组织部")  # drafted on 2026-12-01
        refused("date.in_future", lambda: plan.record_discussion(date(2031, 5, 1), "讨论"))
        refused("date.before_previous_step", lambda: plan.record_discussion(date(2026, 11, 1), "x"))
        plan.record_discussion(date(2026, 12, 1), "党委会讨论")  # today, Beijing time
        refused("date.before_previous_step", lambda: plan.finalise(date(2020, 1, 1)))
        plan.finalise(date(2026, 12, 1))
        refused("date.in_future", lambda: plan.submit(date(2026, 12, 2)))
        assert plan.submit(date(2026, 12, 1)) == 1


def test_campaign_years_follow_one_another_and_a_close_is_neither_too_early_nor_to_come() -> None:
    with recording("demo", ADMIN, CLOCK):
        refused("campaign.year_not_next", lambda: Campaign.open(2030, "跳跃年份", latest=2026))
        refused("campaign.year_not_next", lambda: Campaign.open(2025, "回到过去", latest=2026))
        assert Campaign.open(2030, "第一个活动").year == 2030  # none before: any year
        campaign = Campaign.open(2027, "下一年", latest=2026)  # opened 2026-12-01
        refused("campaign.closed_before_start", lambda: campaign.close(date(2019, 1, 1)))
        refused("campaign.closed_before_start", lambda: campaign.close(date(2026, 12, 31)))
        refused("date.in_future", lambda: campaign.close(date(2027, 12, 31)))
        year_now = Campaign.open(2026, "本年度", latest=2025)
        refused("date.in_future", lambda: year_now.close(date(2026, 12, 2)))
        year_now.close(date(2026, 12, 1))  # today, Beijing time
        assert year_now.closed_on == date(2026, 12, 1)
    with recording("demo", ADMIN, SimulatedClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))):
        june = Campaign.open(2026, "本年度", latest=2025)  # opened and closed in June: no
        refused("campaign.closed_before_year_end", lambda: june.close(date(2026, 6, 1)))


def test_a_member_cannot_have_joined_after_today_and_a_phone_is_a_phone() -> None:
    with recording("b01", ADMIN, CLOCK):
        enrol = Member.enrol
        refused("date.in_future", lambda: enrol("B1", "张三", "full", None, date(2030, 1, 1)))
        for phone in ("abc", "-1", "1234", "+86--138", "1" * 21):
            refused(
                "member.phone_malformed",
                lambda p=phone: enrol("B1", "张三", "full", None, date(2020, 7, 1), phone=p),
            )
        for phone in ("", "+86 138-0013-8000", "010-12345678", "12345"):
            member = enrol("B1", "张三", "full", None, date(2020, 7, 1), phone=phone)
            assert member.phone == phone


def test_a_ballot_is_not_opened_or_closed_on_a_day_to_come() -> None:
    from cxzy_saas.domain.ballot import Ballot

    def opened(on: date) -> Ballot:
        subjects = [{"level": "member", "subject": "B1"}]
        hashes = {"members": ["ab" * 16]}
        return Ballot.open(
            uuid4(),
            2026,
            "测评",
            subjects,
            hashes,
            on,
            salt="ab" * 16,
            short="K7Q2",
            key_check="00",
        )

    with recording("b01", ADMIN, CLOCK):
        refused("date.in_future", lambda: opened(date(2026, 12, 2)))
        ballot = opened(date(2026, 12, 1))
        refused("date.in_future", lambda: ballot.close(date(2026, 12, 8), {}))
        ballot.close(date(2026, 12, 1), {})
        assert ballot.closed_on == date(2026, 12, 1)


def test_a_typed_day_is_year_month_day_in_any_width_and_nothing_typed_is_said_so():
    assert as_date("２０２６-０３-０１", "on") == as_date(" 2026-03-01 ", "on") == date(2026, 3, 1)
    for typed in ("20260301", "2026-W09-7", "2026-3-1", "2026-02-30"):
        with pytest.raises(InvalidInput) as refused:
            as_date(typed, "on")
        assert refused.value.code == "date.malformed", typed
    with pytest.raises(InvalidInput) as empty:
        as_date("  ", "on")
    assert empty.value.code == "date.missing" and "请填写日期" in empty.value.text("zh")


def test_an_assessment_is_dated_within_or_after_its_period_and_not_after_today() -> None:
    from cxzy_saas.domain.plan import PlanContent
    from cxzy_saas.domain.work import Assessment

    plan = PlanContent.parse(default_plan_content())
    items = {i["code"]: 0 for i in default_plan_content()["items"] if i["level"] == "branch"}

    def assess(period: str, on: date) -> Assessment:
        return Assessment.assess(2026, period, "branch", "b01", items, plan, 1, on)

    with recording("demo", ADMIN, CLOCK):
        refused("date.in_future", lambda: assess("2026-Q4", date(2026, 12, 31)))
        refused("assessment.before_period", lambda: assess("2026-Q4", date(2026, 9, 30)))
        refused("assessment.before_period", lambda: assess("2026-12", date(2026, 11, 30)))
        assert assess("2026-Q4", date(2026, 12, 1)).on == date(2026, 12, 1)
        assert assess("2026-Q3", date(2026, 10, 8)).period == "2026-Q3"


def test_a_review_is_reported_and_a_nomination_sent_again_on_a_day_that_has_come() -> None:
    from cxzy_saas.domain.evaluation import Review

    with recording("demo", ADMIN, CLOCK):
        review = Review.start(2026, "year-end", date(2026, 11, 10))
        review.file_branch_summary("支部总结")
        refused("date.in_future", lambda: review.report(date(2026, 12, 20)))
        refused("date.before_previous_step", lambda: review.report(date(2026, 11, 2)))
        review.report(date(2026, 12, 1))
        assert review.reported_on == date(2026, 12, 1)
