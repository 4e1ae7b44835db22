"""Given/when/then for reviews, nominations, decisions and commendation (ballots:
test_ballot_domain.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxzy_saas.domain.commendation import AnnualSummary, Commendation, DeedMaterial
from cxzy_saas.domain.decisions import Decision
from cxzy_saas.domain.errors import InvalidInput, StateConflict
from cxzy_saas.domain.evaluation import Nomination, Review
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording

CLERK = Actor("b1-clerk", "branch-clerk", "b1")
ADMIN = Actor("c1-admin", "committee-admin", "c1")
DECEMBER = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def as_clerk():
    with recording("b1", CLERK, SimulatedClock(DECEMBER)):
        yield


def names(aggregate) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


# --- Review -----------------------------------------------------------------------------------


def test_the_midyear_review_starts_no_earlier_than_june_first():
    with pytest.raises(InvalidInput, match="no earlier than 2026-06-01") as refused:
        Review.start(2026, "midyear", date(2026, 5, 31))
    assert refused.value.field == "on"
    assert Review.start(2026, "midyear", date(2026, 6, 1)).stage == "midyear"


def test_recommendations_belong_to_the_midyear_round_only():
    year_end = Review.start(2026, "year-end", date(2026, 12, 1))
    with pytest.raises(InvalidInput, match="half-year round"):
        year_end.recommend([], ["M001"], "表现突出")
    midyear = Review.start(2026, "midyear", date(2026, 6, 20))
    midyear.recommend(["g1"], ["M001"], "表现突出")
    assert midyear.recommended == {"group": ["g1"], "member": ["M001"]}


def test_the_report_needs_the_branch_summary_and_closes_the_round():
    review = Review.start(2026, "midyear", date(2026, 6, 20))
    review.file_summary("M001", "半年个人小结")
    with pytest.raises(InvalidInput, match="branch's summary") as refused:
        review.report(date(2026, 7, 5))
    assert refused.value.field == "summary"
    review.file_branch_summary("支部半年总结:找差距")
    review.report(date(2026, 7, 5))
    assert review.reported_on == date(2026, 7, 5)
    assert names(review)[-1] == "ReportedToCommittee"
    for late in (
        lambda: review.file_summary("M002", "迟交的小结"),
        lambda: review.record_critique("M001", ["补充意见"]),
        lambda: review.file_branch_summary("改写"),
        lambda: review.report(date(2026, 7, 6)),
    ):
        with pytest.raises(StateConflict, match="reported on 2026-07-05"):
            late()


# --- Nomination -------------------------------------------------------------------------------


def rows(*ranks, veto_first: str | None = None) -> dict:
    members = [
        {"subject": f"M00{n}", "composite": 100 - 5 * n, "rank": r, "veto": None}
        for n, r in enumerate(ranks, start=1)
    ]
    members[0]["veto"] = veto_first
    return {"member": members}


def pick(*subjects: str, reason: str = "") -> list[dict]:
    return [{"level": "member", "subject": s, "reason": reason} for s in subjects]


def test_a_shortlist_following_the_ranking_needs_no_reason_but_must_keep_to_the_quota():
    nomination = Nomination.shortlist(2026, pick("M001", "M002"), rows(1, 2, 3), {"member": 2})
    assert [e["departs"] for e in nomination.entries] == [False, False]
    assert nomination.entry("member", "M002")["composite"] == 90
    with pytest.raises(InvalidInput, match="at most 2 members"):
        Nomination.shortlist(2026, pick("M001", "M002", "M003"), rows(1, 2, 3), {"member": 2})


def test_skipping_someone_ranked_higher_needs_a_reason():
    with pytest.raises(InvalidInput, match="M003 departs from the ranking"):
        Nomination.shortlist(2026, pick("M001", "M003"), rows(1, 2, 3), {"member": 2})
    nomination = Nomination.shortlist(
        2026, pick("M001", "M003", reason="群众公认"), rows(1, 2, 3), {"member": 2}
    )
    chosen = nomination.entry("member", "M003")
    assert (chosen["departs"], chosen["reason"], chosen["rank"]) == (True, "群众公认", 3)


def test_a_vetoed_subject_needs_a_reason_even_when_ranked_first():
    ranking = rows(1, 2, veto_first="不合格票超过20%")
    with pytest.raises(InvalidInput, match="不合格票超过20%"):
        Nomination.shortlist(2026, pick("M001"), ranking, {"member": None})
    nomination = Nomination.shortlist(2026, pick("M001", reason="支委会复议"), ranking, {})
    assert nomination.entry("member", "M001")["departs"] is True


def test_a_submitted_nomination_is_neither_revised_nor_submitted_again():
    nomination = Nomination.shortlist(2026, pick("M001"), rows(1, 2), {"member": 1})
    assert nomination.submit(date(2026, 12, 5)) == 1
    with pytest.raises(StateConflict, match="submitted already"):
        nomination.revise(pick("M002", reason="改主意"), rows(1, 2), {"member": 1})
    with pytest.raises(StateConflict, match="submitted on 2026-12-05"):
        nomination.submit(date(2026, 12, 6))
    assert names(nomination) == ["Started", "Shortlisted", "Submitted"]


def test_a_nomination_is_not_submitted_on_a_day_to_come():
    nomination = Nomination.shortlist(2026, pick("M001"), rows(1, 2), {"member": 1})
    with pytest.raises(InvalidInput, match="after today"):
        nomination.submit(date(2026, 12, 31))
    assert nomination.submitted_on is None


def test_a_returned_nomination_is_answered_with_a_new_submission_keeping_the_history():
    nomination = Nomination.shortlist(2026, pick("M001"), rows(1, 2), {"member": 1})
    nomination.submit(date(2026, 12, 5))
    with pytest.raises(StateConflict, match="nothing of submission 1 was returned"):
        nomination.renominate([], "答复", pick("M002"), rows(1, 2), {"member": 1}, DECEMBER.date())
    returned = [{"level": "member", "subject": "M001", "reason": "材料不具体"}]
    with pytest.raises(InvalidInput):
        nomination.renominate(
            returned, " ", pick("M001"), rows(1, 2), {"member": 1}, DECEMBER.date()
        )
    number = nomination.renominate(
        returned, "已补充材料", pick("M001"), rows(1, 2), {"member": 1}, date(2026, 12, 7)
    )
    assert number == 2 and nomination.submitted_on == date(2026, 12, 7)
    assert nomination.submitted[1][0]["subject"] == nomination.submitted[2][0]["subject"] == "M001"
    assert nomination.reopenings == [
        {"submission": 1, "returned": returned, "answer": "已补充材料"}
    ]
    assert names(nomination)[-3:] == ["Reopened", "Shortlisted", "Submitted"]


@pytest.mark.parametrize(
    ("basis", "entries", "refused"),
    [
        ("advice", pick("M001"), None),  # recommended at the half-year: no reason asked
        ("advice", pick("M002"), "not recommended at the half-year review"),
        ("advice", pick("M002", reason="下半年表现突出"), None),
        ("condition", pick("M002", reason="下半年表现突出"), "admits only those recommended"),
        ("off", pick("M002"), None),
    ],
)
def test_the_half_year_recommendation_counts_as_the_plan_says(basis, entries, refused):
    half_year = {"group": [], "member": ["M001", "M003"]}
    ranking = rows(1, 1)  # tied: either alone follows the ranking
    if refused:
        with pytest.raises(InvalidInput, match=refused):
            Nomination.shortlist(2026, entries, ranking, {}, midyear=half_year, basis=basis)
        return
    nomination = Nomination.shortlist(2026, entries, ranking, {}, midyear=half_year, basis=basis)
    entry = nomination.entries[0]
    assert entry.get("midyear", True) is (entry["subject"] == "M001") or basis == "off"


def test_no_half_year_recommendation_recorded_asks_nothing():
    nomination = Nomination.shortlist(
        2026, pick("M002"), rows(1, 1), {}, midyear=None, basis="condition"
    )
    assert nomination.entries[0]["subject"] == "M002"


# --- Decisions (the committee's log) ----------------------------------------------------------


@pytest.fixture
def as_committee():
    with recording("c1", ADMIN, SimulatedClock(DECEMBER)):
        yield


@pytest.mark.usefixtures("as_committee")
@pytest.mark.parametrize(
    ("outcome", "event_name"),
    [("approved", "Approved"), ("returned", "Returned"), ("acknowledged", "Acknowledged")],
)
def test_each_outcome_is_its_own_event(outcome, event_name):
    decision = Decision.make("c1", "b1", "plan", "2026", 1, outcome, reason="经党委研究")
    (made,) = decision.collect_events()
    assert type(made).__name__ == event_name
    assert (made.tenant, made.outcome, made.reason) == ("c1", outcome, "经党委研究")
    assert decision.id == Decision.id_for("c1", "b1", "plan", "2026", 1)


@pytest.mark.usefixtures("as_committee")
@pytest.mark.parametrize(
    ("outcome", "against_advice", "message"),
    [("returned", False, "a return needs a reason"), ("approved", True, "against the computed")],
)
def test_a_return_or_a_decision_against_the_advice_needs_a_reason(outcome, against_advice, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        Decision.make("c1", "b1", "nominee", "M003", 1, outcome, "  ", against_advice)
    assert refused.value.field == "reason"


# --- Commendation, deed materials, annual summary ---------------------------------------------

WANG = {"branch": "b1", "level": "member", "subject": "M001", "name": "王芳"}


@pytest.mark.usefixtures("as_committee")
def test_a_subject_is_commended_once():
    commendation = Commendation(year=2026)
    commendation.name([WANG], date(2026, 12, 8), "关于表彰优秀党员的决定")
    assert commendation.named[0]["title"] == "优秀党员"
    with pytest.raises(StateConflict, match="王芳 was commended already"):
        commendation.name([WANG], date(2026, 12, 9), "补充决定")


@pytest.mark.usefixtures("as_committee")
def test_one_decision_naming_the_same_subject_twice_is_refused():
    commendation = Commendation(year=2026)
    with pytest.raises(StateConflict):
        commendation.name([WANG, dict(WANG)], date(2026, 12, 8), "关于表彰优秀党员的决定")


def test_revised_deed_materials_keep_every_version():
    deeds = DeedMaterial.draft(2026, "member", "M001", "初稿事迹", ["photo1.jpg"])
    deeds.revise("修改后的事迹", ["photo1.jpg", "award.pdf"])
    assert deeds.versions == ["初稿事迹", "修改后的事迹"]
    assert deeds.attachments == ["photo1.jpg", "award.pdf"]
    with pytest.raises(InvalidInput, match="nothing changed"):
        deeds.revise("修改后的事迹", ["photo1.jpg", "award.pdf"])
    assert names(deeds) == ["Drafted", "Revised"]


def test_resubmitting_unchanged_deeds_with_a_blank_attachment_field_is_refused():
    deeds = DeedMaterial.draft(2026, "member", "M001", "初稿事迹", ["photo1.jpg"])
    with pytest.raises(InvalidInput, match="nothing changed"):
        deeds.revise("初稿事迹", ["photo1.jpg", " "])


def test_the_annual_summary_is_reported_once_to_each_audience():
    summary = AnnualSummary.file(2026, "基本情况", "主要经验", "存在问题", "明年打算")
    summary.report("members-meeting", date(2026, 12, 5))
    summary.report("committee", date(2026, 12, 8))
    assert summary.reported["members-meeting"] == date(2026, 12, 5)
    with pytest.raises(StateConflict, match="reported to the committee on 2026-12-08"):
        summary.report("committee", date(2026, 12, 9))
    with pytest.raises(InvalidInput):
        summary.report("newspaper", date(2026, 12, 9))
    later = AnnualSummary.file(2026, "基本情况", "主要经验", "存在问题", "明年打算")
    with pytest.raises(InvalidInput, match="after today"):  # a report is recorded once made
        later.report("members-meeting", date(2026, 12, 11))
