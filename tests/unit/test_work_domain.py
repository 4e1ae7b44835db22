"""Given/when/then for measures, daily records, assessments, inspections and meetings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxzy_saas.domain.errors import InvalidInput, StateConflict
from cxzy_saas.domain.plan import TEXT_FIELDS, PlanContent
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording
from cxzy_saas.domain.work import Assessment, DailyRecord, Inspection, Measure, Meeting

CLERK = Actor("b1-clerk", "branch-clerk", "b1")
APRIL = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def as_clerk():
    with recording("b1", CLERK, SimulatedClock(APRIL)):
        yield


def _plan() -> PlanContent:
    """Criterion 1 for every level, 2 for members only; items M1 (max 10) and M2 (max 5)."""
    data: dict = {name: "内容" for name in TEXT_FIELDS}
    rows = [("B1", "branch", 1, 10), ("G1", "group", 1, 10), ("M1", "member", 1, 10)]
    rows.append(("M2", "member", 2, 5))
    data["criteria"] = [dict(level=lv, number=n, text=f"{lv} 条件{n}") for _, lv, n, _ in rows]
    data["items"] = [
        dict(code=c, level=lv, criterion=n, title=f"{c} 细则", max_points=mx, weight=1)
        for c, lv, n, mx in rows
    ]
    data["composite_weights"] = {"work": 60, "rating": 30, "target": 10}
    return PlanContent.parse(data)


PLAN = _plan()


def names(aggregate) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def a_measure(level: str = "member", **kw) -> Measure:
    fields = dict(year=2026, level=level, subject="M001", criteria=[1], text="每月带头学习一次")
    fields.update(due=date(2026, 6, 30), plan=PLAN)
    return Measure.file(**{**fields, **kw})


# --- Measures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"criteria": [9]}, "criteria", "no member criterion 9"),
        ({"level": "branch", "criteria": [2]}, "criteria", "no branch criterion 2"),
        ({"criteria": []}, "criteria", "at least one criterion"),
        ({"due": date(2027, 1, 15)}, "due", "fall in 2026"),
        ({"text": "  "}, "text", "text must not be empty"),
    ],
)
def test_a_faulty_measure_is_refused(change, field, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        a_measure(**change)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("level", "to"),
    [("member", "group"), ("member", "branch"), ("group", "branch"), ("branch", "committee")],
)
def test_a_measure_is_reported_one_level_up(level, to):
    measure = a_measure(level)
    measure.report(to, date(2026, 4, 2))
    assert measure.reported_to == to
    assert names(measure) == ["Filed", "Reported"]


@pytest.mark.parametrize(
    ("level", "to"),
    [("member", "committee"), ("group", "group"), ("group", "committee"), ("branch", "branch")],
)
def test_a_measure_reported_to_the_wrong_level_is_refused(level, to):
    measure = a_measure(level)
    with pytest.raises(InvalidInput, match="is reported to") as refused:
        measure.report(to, date(2026, 4, 2))
    assert refused.value.field == "to"
    assert measure.reported_to is None


def test_a_measure_is_reported_only_once():
    measure = a_measure()
    measure.report("group", date(2026, 4, 2))
    with pytest.raises(StateConflict, match="reported to the group already"):
        measure.report("branch", date(2026, 4, 2))


def test_the_branch_acknowledges_a_measure_reported_to_the_group_once():
    measure = a_measure()
    measure.report("group", date(2026, 4, 2))
    measure.acknowledge("同意", date(2026, 4, 2))
    assert measure.acknowledged
    with pytest.raises(StateConflict, match="acknowledged already"):
        measure.acknowledge("再次同意", date(2026, 4, 2))
    assert names(measure) == ["Filed", "Reported", "Acknowledged"]


def test_an_unreported_measure_or_one_sent_to_the_committee_is_not_acknowledged_here():
    unreported = a_measure()
    with pytest.raises(StateConflict, match="reported to the group or branch"):
        unreported.acknowledge("同意", date(2026, 4, 2))
    branch_measure = a_measure("branch")
    branch_measure.report("committee", date(2026, 4, 2))
    with pytest.raises(StateConflict, match="reported to the group or branch"):
        branch_measure.acknowledge("同意", date(2026, 4, 2))


def test_a_measure_is_marked_done_once_within_its_year():
    measure = a_measure()
    with pytest.raises(InvalidInput, match="fall in 2026"):
        measure.complete(date(2027, 1, 2))
    with pytest.raises(InvalidInput, match="after today"):  # done later than today: not yet
        measure.complete(date(2026, 5, 1), "已完成")
    measure.complete(date(2026, 4, 2), "已完成")
    assert measure.done_on == date(2026, 4, 2)
    with pytest.raises(StateConflict, match="marked done on 2026-04-02"):
        measure.complete(date(2026, 4, 2))


# --- Daily records ----------------------------------------------------------------------------


def a_record() -> DailyRecord:
    on = date(2026, 3, 20)
    return DailyRecord.record(2026, on, "member", "M001", 1, "帮扶困难群众", "", PLAN)


def test_a_retraction_names_the_record_it_corrects_and_keeps_the_original():
    record = a_record()
    record.retract("录错了党员")
    recorded, retracted = record.collect_events()
    assert type(retracted).__name__ == "Retracted"
    assert (retracted.corrects, retracted.reason) == (recorded.originator_version, "录错了党员")
    assert retracted.actor["user"] == "b1-clerk"
    assert (record.retracted, record.text) == ("录错了党员", "帮扶困难群众")


def test_a_record_is_retracted_once_and_only_with_a_reason():
    record = a_record()
    with pytest.raises(InvalidInput, match="reason"):
        record.retract("  ")
    record.retract("重复录入")
    with pytest.raises(StateConflict, match="retracted already"):
        record.retract("再撤一次")


# --- Assessments ------------------------------------------------------------------------------


def assess(points: dict) -> Assessment:
    return Assessment.assess(2026, "2026-03", "member", "M001", points, PLAN, 1, date(2026, 4, 2))


@pytest.mark.parametrize(
    ("points", "field", "message"),
    [
        ({"M1": 11, "M2": 3}, "scores.M1", "between 0 and 10"),
        ({"M1": 8, "M2": -1}, "scores.M2", "between 0 and 5"),
        ({"M1": 8}, "scores.M2", "no points for item M2"),
        ({"M1": 8, "M2": 3, "X9": 1}, "scores", "X9"),
        ({"M1": "很好", "M2": 3}, "scores.M1", "must be a number"),
    ],
)
def test_faulty_points_are_refused_naming_the_field(points, field, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        assess(points)
    assert refused.value.field == field


def test_an_assessment_records_points_for_every_item_for_the_month_it_belongs_to():
    assessment = assess({"M1": 8, "M2": "4.5"})
    assert assessment.scores == {"M1": 8.0, "M2": 4.5}
    assert (assessment.period, assessment.on) == ("2026-03", date(2026, 4, 2))
    assert names(assessment) == ["Recorded"]


def test_each_correction_names_the_previous_value_and_the_version_it_corrects():
    assessment = assess({"M1": 5, "M2": 3})
    assessment.correct("M1", 7, "漏记一次学习", PLAN)
    assessment.correct("M1", 8, "复核后调整", PLAN)
    assessment.correct("M2", 4, "补记", PLAN)
    recorded, first, second, other = assessment.collect_events()
    assert [type(e).__name__ for e in (first, second, other)] == ["ScoreCorrected"] * 3
    assert (first.previous, first.points, first.corrects) == (5.0, 7.0, recorded.originator_version)
    assert (second.previous, second.points, second.corrects) == (7.0, 8.0, first.originator_version)
    assert (other.previous, other.corrects) == (3.0, recorded.originator_version)
    assert first.reason == "漏记一次学习"
    assert assessment.scores == {"M1": 8.0, "M2": 4.0}


def test_a_correction_leaves_the_original_recorded_event_unchanged():
    assessment = assess({"M1": 5, "M2": 3})
    assessment.correct("M1", 7, "漏记一次学习", PLAN)
    recorded, _ = assessment.collect_events()
    assert recorded.scores == {"M1": 5.0, "M2": 3.0}


@pytest.mark.parametrize(
    ("item", "points", "reason", "field"),
    [
        ("M1", 5, "没变", "points"),
        ("M1", 12, "超过上限", "scores.M1"),
        ("B1", 3, "不是党员细则", "item"),
        ("M1", 6, "  ", "reason"),
    ],
)
def test_a_faulty_correction_is_refused(item, points, reason, field):
    assessment = assess({"M1": 5, "M2": 3})
    with pytest.raises(InvalidInput) as refused:
        assessment.correct(item, points, reason, PLAN)
    assert refused.value.field == field
    assert assessment.scores == {"M1": 5.0, "M2": 3.0}


# --- Inspections and meetings -----------------------------------------------------------------


def inspect(quarter: int, on: date) -> Inspection:
    return Inspection.record(2026, quarter, on, "措施落实", "差距", "薄弱环节", "整改措施")


def test_a_quarter_is_not_inspected_before_it_starts():
    with pytest.raises(InvalidInput, match="Q2 cannot be inspected before it starts") as refused:
        inspect(2, date(2026, 3, 31))
    assert refused.value.field == "on"
    inspection = inspect(2, date(2026, 4, 1))
    assert (inspection.quarter, inspection.gaps) == (2, "差距")


def test_there_is_no_fifth_quarter():
    with pytest.raises(InvalidInput, match="quarter must be 1-4"):
        inspect(5, date(2026, 12, 1))


def test_a_meeting_of_an_unknown_kind_is_refused():
    with pytest.raises(InvalidInput, match="kind must be one of") as refused:
        Meeting.record(2026, "party", date(2026, 3, 3), "聚餐", 10, "纪要")
    assert refused.value.field == "kind"


def test_a_committee_discussion_counts_for_its_quarter():
    on = date(2026, 4, 1)
    meeting = Meeting.record(2026, "committee-discussion", on, "二季度讨论", 5, "纪要")
    assert meeting.quarter == 2
    assert names(meeting) == ["Recorded"]


def test_a_meeting_is_corrected_with_a_reason_and_the_event_keeps_what_it_was():
    meeting = Meeting.record(2026, "members-meeting", date(2026, 4, 1), "党员大会", 30, "纪要")
    meeting.correct({"attendees": 31, "title": "党员大会", "minutes": None}, "人数录错")
    assert (meeting.attendees, meeting.title) == (31, "党员大会")
    corrected = meeting.collect_events()[-1]
    assert type(corrected).__name__ == "Corrected"
    assert (corrected.changes, corrected.previous) == ({"attendees": 31}, {"attendees": 30})
    assert corrected.reason == "人数录错" and meeting.corrections[-1]["reason"] == "人数录错"


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"attendees": 9999}, "人数录错", "attendees"),  # no branch's meeting: a slip
        ({"attendees": 0}, "人数录错", "attendees"),
        ({"attendees": 30}, "人数录错", "attendees"),  # nothing changed
        ({"kind": "critique"}, "类别录错", "kind"),  # the kind is the quarter's duty
        ({"title": "新议题"}, "  ", "reason"),
    ],
)
def test_a_meeting_correction_is_refused_when_it_is_not_one(changes, reason, field):
    meeting = Meeting.record(2026, "members-meeting", date(2026, 4, 1), "党员大会", 30, "纪要")
    with pytest.raises(InvalidInput) as refused:
        meeting.correct(changes, reason)
    assert refused.value.field == field
    assert names(meeting) == ["Recorded"]


def test_a_meeting_of_9999_attendees_is_refused_when_recorded():
    with pytest.raises(InvalidInput) as refused:
        Meeting.record(2026, "members-meeting", date(2026, 4, 1), "党员大会", 9999, "纪要")
    assert refused.value.code == "meeting.too_many"


def test_an_inspections_findings_are_corrected_not_its_quarter():
    inspection = inspect(1, date(2026, 3, 30))
    inspection.correct({"gaps": "差距：学习不够经常"}, "漏记一条差距")
    assert inspection.gaps == "差距：学习不够经常" and names(inspection)[-1] == "Corrected"
    with pytest.raises(InvalidInput):
        inspection.correct({"quarter": 2}, "季度录错")


def test_points_typed_on_a_chinese_keyboard_are_read_as_numbers():
    """８．５ (full-width digits and point) is 8.5, as ８.５ always was (found by a tester)."""
    from cxzy_saas.domain.plan import PlanContent
    from cxzy_saas.domain.work import check_points
    from tests.unit.test_plan_workflow import small_content

    plan = PlanContent.parse(small_content())
    codes = [i.code for i in plan.items_for("member")]
    typed = dict.fromkeys(codes, "８．５") | {codes[0]: " ９ "}
    assert check_points(plan, "member", typed) == dict.fromkeys(codes, 8.5) | {codes[0]: 9.0}


def test_a_measure_is_not_done_reported_or_acknowledged_before_the_day_it_was_filed():
    """Filed on 2 April: done "in January" it would count as done on time, a date nobody can
    check that raises its owner's target score."""
    measure = a_measure()
    for step in (
        lambda: measure.complete(date(2026, 1, 15), "早就完成了"),
        lambda: measure.report("group", date(2026, 4, 1)),
    ):
        with pytest.raises(InvalidInput, match="before the previous step") as refused:
            step()
        assert refused.value.code == "date.before_previous_step"
        assert refused.value.params["after"] == date(2026, 4, 2)
    assert measure.done_on is None and names(measure) == ["Filed"]
