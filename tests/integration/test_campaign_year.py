"""One branch's whole campaign year through the application layer, on SQLite and PostgreSQL.

The final composite scores are checked against numbers computed by hand in the comments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxzy_saas.application.commands.committee import (
    Acknowledge,
    CloseCampaign,
    Commend,
    OpenCampaign,
)
from cxzy_saas.application.commands.evaluation import (
    CastBallot,
    CloseBallot,
    DecideNominee,
    FileAnnualSummary,
    FileBranchSummary,
    FileSummary,
    OpenBallot,
    Recommend,
    RecordCritique,
    ReportAnnualSummary,
    ReportReview,
    Shortlist,
    StartReview,
    SubmitNomination,
    WriteDeeds,
)
from cxzy_saas.application.commands.organisation import FormGroup, RecordDeparture
from cxzy_saas.application.commands.plans import (
    CirculatePlan,
    CommentOnPlan,
    DecidePlan,
    DiscussPlan,
    DraftPlan,
    FinalisePlan,
    RevisePlan,
    SubmitPlan,
)
from cxzy_saas.application.commands.work import (
    AcknowledgeMeasure,
    AssessMonth,
    CompleteMeasure,
    CorrectScore,
    FileMeasure,
    RecordDaily,
    RecordInspection,
    RecordMeeting,
    ReportMeasure,
    RetractRecord,
)
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.errors import (
    AlreadyExists,
    Forbidden,
    InvalidInput,
    NotFound,
    StateConflict,
)
from cxzy_saas.domain.recording import Actor, SimulatedClock
from tests.builders import a_clerk, a_committee_admin, a_member
from tests.conftest import random_code

YEAR = 2026

# A small plan, so that the arithmetic below stays checkable by hand.
PLAN = {
    "guiding_ideology": "比学赶帮超",
    "assessment_method": "每月考核",
    "selection_method": "综合评定",
    "commendation_method": "党委表彰",
    "organisation": "书记负责",
    "criteria": [
        {"level": "branch", "number": 1, "text": "战斗堡垒作用"},
        {"level": "group", "number": 1, "text": "组织生活严密"},
        {"level": "member", "number": 1, "text": "理想信念坚定"},
        {"level": "member", "number": 2, "text": "工作贡献突出"},
    ],
    "items": [
        {
            "code": "B",
            "level": "branch",
            "criterion": 1,
            "title": "堡垒",
            "max_points": 10,
            "weight": 1,
        },
        {
            "code": "G",
            "level": "group",
            "criterion": 1,
            "title": "组织",
            "max_points": 10,
            "weight": 1,
        },
        {
            "code": "A",
            "level": "member",
            "criterion": 1,
            "title": "信念",
            "max_points": 10,
            "weight": 1,
        },
        {
            "code": "C",
            "level": "member",
            "criterion": 2,
            "title": "贡献",
            "max_points": 10,
            "weight": 1,
        },
    ],
    "composite_weights": {"work": 60, "rating": 30, "target": 10},
    "rules": {
        "quota_fraction": "1/3",
        "veto_incompetent_share": 0.5,
        "veto_min_trust": 0.5,
        "min_turnout": 0.5,
        "rating_aggregate": "mean",
        "pool_weights": {"members": 0.7, "constituents": 0.3},
    },
}


def moment(month: int, day: int) -> datetime:
    return datetime(YEAR, month, day, 2, 0, tzinfo=UTC)


@pytest.fixture
def year_setup(settings: Settings):
    clock = SimulatedClock(moment(1, 2))
    tenancy = Tenancy(settings, clock)
    committee, branch = random_code("c"), random_code("b")
    tenancy.add_committee(committee, "测试党委")
    tenancy.add_branch(committee, branch, "测试党支部")
    yield tenancy, clock, committee, branch
    tenancy.close()


def test_a_branch_year_from_plan_to_commendation(year_setup):
    tenancy, clock, committee, code = year_setup
    clerk, admin = a_clerk(code), a_committee_admin(committee)
    cte, app = tenancy.committee(committee), tenancy.branch(code)
    cte.open_campaign(admin, OpenCampaign(year=YEAR, title="2026年创先争优活动"))
    app.form_group(clerk, FormGroup(code="g1", name="第一党小组"))
    app.enrol_members(
        clerk, [a_member("M1", "王芳"), a_member("M2", "李强"), a_member("M3", "赵敏")]
    )

    # the plan: drafted, discussed, circulated, commented, finalised, submitted, returned, revised
    app.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员", content=PLAN))
    clock.set(moment(1, 10))  # each step is dated on or before the day it is recorded
    app.discuss_plan(clerk, DiscussPlan(year=YEAR, on=date(YEAR, 1, 6), minutes="支委会讨论草稿"))
    app.circulate_plan(clerk, CirculatePlan(year=YEAR, to="各党小组", on=date(YEAR, 1, 7)))
    app.comment_on_plan(
        clerk,
        CommentOnPlan(year=YEAR, by="第一党小组", text="建议细化量化标准", on=date(YEAR, 1, 9)),
    )
    app.finalise_plan(clerk, FinalisePlan(year=YEAR, on=date(YEAR, 1, 10)))
    app.submit_plan(clerk, SubmitPlan(year=YEAR, on=date(YEAR, 1, 10)))
    with pytest.raises(Forbidden):
        cte.decide_plan(
            clerk, DecidePlan(branch=code, year=YEAR, outcome="approved")
        )  # no approval by a branch
    with pytest.raises(StateConflict, match="waiting"):
        app.revise_plan(clerk, RevisePlan(year=YEAR, content=PLAN, note="未批先改"))
    cte.decide_plan(
        admin, DecidePlan(branch=code, year=YEAR, outcome="returned", reason="请补充季度检查安排")
    )
    assert app.plan_decision(YEAR) == "returned"
    app.revise_plan(clerk, RevisePlan(year=YEAR, content=PLAN, note="补充季度检查安排"))
    clock.set(moment(1, 15))
    app.finalise_plan(clerk, FinalisePlan(year=YEAR, on=date(YEAR, 1, 15)))
    app.submit_plan(clerk, SubmitPlan(year=YEAR, on=date(YEAR, 1, 15)))
    cte.decide_plan(admin, DecidePlan(branch=code, year=YEAR, outcome="approved"))
    with pytest.raises(StateConflict):
        cte.decide_plan(
            admin, DecidePlan(branch=code, year=YEAR, outcome="approved")
        )  # approving twice
    assert app.plan_decision(YEAR) == "approved" and app.plan(YEAR).version_no == 2

    # measures: M1 does 2 of 2, M2 1 of 2, M3 0 of 1
    ids = {
        who: [
            app.file_measure(
                clerk,
                FileMeasure(
                    year=YEAR,
                    level="member",
                    subject=who,
                    criteria=[1],
                    text=f"{who} 措施{i}",
                    due=date(YEAR, 6, 30),
                ),
            )
            for i in range(n)
        ]
        for who, n in (("M1", 2), ("M2", 2), ("M3", 1))
    }
    clock.set(moment(1, 21))  # a measure's steps are recorded once they happened
    app.report_measure(
        clerk, ReportMeasure(measure_id=ids["M1"][0], to="group", on=date(YEAR, 1, 20))
    )
    app.acknowledge_measure(
        clerk, AcknowledgeMeasure(measure_id=ids["M1"][0], note="同意", on=date(YEAR, 1, 21))
    )
    for measure_id in ids["M1"] + ids["M2"][:1]:
        app.complete_measure(clerk, CompleteMeasure(measure_id=measure_id, on=date(YEAR, 1, 21)))

    # monthly assessment, one transaction per month; a future month is refused
    clock.set(moment(2, 3))
    with pytest.raises(InvalidInput, match="not begun"):
        app.assess_month(
            clerk, AssessMonth(year=YEAR, month=3, level="member", scores={"M1": {"A": 5, "C": 5}})
        )
    app.assess_month(
        clerk,
        AssessMonth(
            year=YEAR,
            month=1,
            level="member",
            scores={"M1": {"A": 8, "C": 10}, "M2": {"A": 6, "C": 6}, "M3": {"A": 10, "C": 10}},
        ),
    )
    app.assess_month(clerk, AssessMonth(year=YEAR, month=1, level="group", scores={"g1": {"G": 9}}))
    clock.set(moment(3, 3))
    with pytest.raises(InvalidInput, match="between 0 and 10"):
        app.assess_month(
            clerk,
            AssessMonth(year=YEAR, month=2, level="member", scores={"M1": {"A": 11, "C": 10}}),
        )
    app.assess_month(
        clerk,
        AssessMonth(
            year=YEAR,
            month=2,
            level="member",
            scores={"M1": {"A": 10, "C": 10}, "M2": {"A": 7, "C": 5}, "M3": {"A": 4, "C": 6}},
        ),
    )
    app.assess_month(clerk, AssessMonth(year=YEAR, month=2, level="group", scores={"g1": {"G": 7}}))
    with pytest.raises(AlreadyExists):
        app.assess_month(
            clerk, AssessMonth(year=YEAR, month=2, level="member", scores={"M1": {"A": 1, "C": 1}})
        )
    app.correct_score(
        clerk,
        CorrectScore(
            year=YEAR,
            month=2,
            level="member",
            subject="M3",
            item="A",
            points=8,
            reason="录入错误,应为8分",
        ),
    )
    corrected = app.assessment(YEAR, 2, "member", "M3")
    assert corrected.scores == {"A": 8.0, "C": 6.0}
    assert corrected.corrections == [
        {"item": "A", "points": 8.0, "previous": 4.0, "reason": "录入错误,应为8分"}
    ]

    clock.set(moment(3, 30))  # the record, the inspection and the meeting are in the past
    record = app.record_daily(
        clerk,
        RecordDaily(
            year=YEAR,
            on=date(YEAR, 3, 5),
            level="member",
            subject="M1",
            text="带头参加志愿服务",
            criterion=1,
        ),
    )
    app.retract_record(clerk, RetractRecord(record_id=record, reason="记错了人"))
    app.record_inspection(
        clerk,
        RecordInspection(
            year=YEAR,
            quarter=1,
            on=date(YEAR, 3, 28),
            measures_checked="措施已落实",
            gaps="学习不够深入",
            weak_links="党小组会不规律",
            improvements="每月固定党小组会",
        ),
    )
    app.record_meeting(
        clerk,
        RecordMeeting(
            year=YEAR,
            kind="committee-discussion",
            on=date(YEAR, 3, 30),
            title="一季度支委会",
            attendees=5,
            minutes="讨论创先争优",
        ),
    )

    # half-year preliminary evaluation, reported and acknowledged
    clock.set(moment(6, 10))
    app.start_review(clerk, StartReview(year=YEAR, stage="midyear", on=date(YEAR, 6, 10)))
    member_m1 = Actor("zhang", "member", code, member="M1")
    app.file_summary(
        member_m1, FileSummary(year=YEAR, stage="midyear", member="M1", text="上半年个人总结")
    )
    with pytest.raises(Forbidden):
        app.file_summary(
            member_m1, FileSummary(year=YEAR, stage="midyear", member="M2", text="替别人写")
        )
    app.record_critique(
        clerk, RecordCritique(year=YEAR, stage="midyear", member="M2", remarks=["学习需加强"])
    )
    app.file_branch_summary(clerk, FileBranchSummary(year=YEAR, stage="midyear", text="上半年总结"))
    app.recommend(clerk, Recommend(year=YEAR, groups=["g1"], members=["M1"], reason="表现突出"))
    clock.set(moment(6, 30))  # the report is recorded on the day it is made
    app.report_review(clerk, ReportReview(year=YEAR, stage="midyear", on=date(YEAR, 6, 30)))
    cte.acknowledge(
        admin,
        Acknowledge(year=YEAR, branch=code, kind="midyear-report", subject=str(YEAR), note="已阅"),
    )

    # democratic rating: 4 member codes, 2 constituent codes
    clock.set(moment(12, 1))
    ballot, codes = app.open_ballot(
        clerk,
        OpenBallot(
            year=YEAR,
            title="年终民主测评",
            subjects=[{"level": "member", "subject": m} for m in ("M1", "M2", "M3")],
            codes={"members": 4, "constituents": 2},
            on=date(YEAR, 12, 1),
        ),
    )
    grades = {
        0: ("excellent", "competent", "excellent"),
        1: ("excellent", "basic", "competent"),
        2: ("competent", "incompetent", "excellent"),
    }
    for i, (g1, g2, g3) in grades.items():
        app.cast_ballot(
            CastBallot(
                ballot_id=ballot,
                code=codes["members"][i],
                grades={"member:M1": g1, "member:M2": g2, "member:M3": g3},
            )
        )
    app.cast_ballot(
        CastBallot(
            ballot_id=ballot,
            code=codes["constituents"][0],
            grades={"member:M1": "excellent", "member:M2": "competent", "member:M3": "competent"},
        )
    )
    with pytest.raises(StateConflict, match="used"):
        app.cast_ballot(
            CastBallot(
                ballot_id=ballot,
                code=codes["members"][0],
                grades={"member:M1": "basic", "member:M2": "basic", "member:M3": "basic"},
            )
        )
    with pytest.raises(NotFound):
        app.cast_ballot(
            CastBallot(
                ballot_id=ballot,
                code="ZZZZ-ZZZZ",
                grades={"member:M1": "basic", "member:M2": "basic", "member:M3": "basic"},
            )
        )
    turnout = app.close_ballot(clerk, CloseBallot(ballot_id=ballot, on=date(YEAR, 12, 1)))
    assert turnout == {
        "members": {"issued": 4, "cast": 3},
        "constituents": {"issued": 2, "cast": 1},
    }
    with pytest.raises(StateConflict, match="closed"):
        app.cast_ballot(
            CastBallot(
                ballot_id=ballot,
                code=codes["members"][3],
                grades={"member:M1": "basic", "member:M2": "basic", "member:M3": "basic"},
            )
        )

    ranking = {r.subject: r for r in app.ranking(YEAR)["member"]}
    # work: M1 Jan (8+10)/20=90, Feb 100 -> 95; M2 60, 60 -> 60; M3 100, (8+6)/20=70 -> 85
    assert [ranking[m].work for m in ("M1", "M2", "M3")] == [95.0, 60.0, 85.0]
    # rating, members pool 0.7 + constituents 0.3:
    # M1 (100+100+80)/3=93.33 and 100 -> 65.331+30 = 95.33
    # M2 (80+60+0)/3=46.67 and 80 -> 32.669+24 = 56.67
    # M3 (100+80+100)/3=93.33 and 80 -> 65.331+24 = 89.33
    assert [ranking[m].rating for m in ("M1", "M2", "M3")] == [95.33, 56.67, 89.33]
    # target: 2/2, 1/2, 0/1
    assert [ranking[m].target for m in ("M1", "M2", "M3")] == [100.0, 50.0, 0.0]
    # composite (60/30/10): M1 (5700+2859.9+1000)/100 = 95.6; M2 (3600+1700.1+500)/100 = 58.0;
    # M3 (5100+2679.9+0)/100 = 77.8
    assert [(ranking[m].composite, ranking[m].rank) for m in ("M1", "M3", "M2")] == [
        (95.6, 1),
        (77.8, 2),
        (58.0, 3),
    ]
    # the group: work (90+70)/2 = 80, no ballot, no measures -> (80*60 + 0*10)/70 = 68.57
    (group,) = app.ranking(YEAR)["group"]
    assert (group.work, group.rating, group.composite) == (80.0, None, 68.57)

    # shortlist: quota is 1 member of 3; departing from the ranking needs a reason
    app.start_review(clerk, StartReview(year=YEAR, stage="year-end", on=date(YEAR, 12, 1)))
    with pytest.raises(InvalidInput, match="quota"):
        app.shortlist(
            clerk,
            Shortlist(
                year=YEAR,
                entries=[
                    {"level": "member", "subject": "M1"},
                    {"level": "member", "subject": "M3"},
                ],
            ),
        )
    with pytest.raises(InvalidInput, match="give a reason"):
        app.shortlist(clerk, Shortlist(year=YEAR, entries=[{"level": "member", "subject": "M3"}]))
    app.shortlist(
        clerk,
        Shortlist(
            year=YEAR, entries=[{"level": "member", "subject": "M3", "reason": "群众基础更好"}]
        ),
    )
    assert app.nomination(YEAR).entries[0]["departs"] is True
    app.shortlist(
        clerk,
        Shortlist(
            year=YEAR,
            entries=[{"level": "member", "subject": "M1"}, {"level": "group", "subject": "g1"}],
        ),
    )
    clock.set(moment(12, 10))  # submitted on the day it is recorded
    app.submit_nomination(clerk, SubmitNomination(year=YEAR, on=date(YEAR, 12, 10)))
    with pytest.raises(StateConflict):
        app.shortlist(
            clerk,
            Shortlist(
                year=YEAR, entries=[{"level": "member", "subject": "M3", "reason": "改主意"}]
            ),
        )

    cte.decide_nominee(
        admin,
        DecideNominee(branch=code, year=YEAR, level="member", subject="M1", outcome="approved"),
    )
    with pytest.raises(InvalidInput, match="reason"):
        cte.decide_nominee(
            admin,
            DecideNominee(branch=code, year=YEAR, level="group", subject="g1", outcome="returned"),
        )
    cte.decide_nominee(
        admin,
        DecideNominee(
            branch=code,
            year=YEAR,
            level="group",
            subject="g1",
            outcome="returned",
            reason="事迹材料不全",
        ),
    )
    clock.set(moment(12, 20))  # the commendation is decided on the day it is recorded
    with pytest.raises(StateConflict, match="neither an approved nominee"):
        cte.commend(
            admin,
            Commend(
                year=YEAR,
                entries=[{"branch": code, "level": "group", "subject": "g1"}],
                on=date(YEAR, 12, 20),
                decision_text="表彰决定",
            ),
        )
    cte.commend(
        admin,
        Commend(
            year=YEAR,
            entries=[{"branch": code, "level": "member", "subject": "M1"}],
            on=date(YEAR, 12, 20),
            decision_text="表彰决定",
        ),
    )
    assert cte.commendation(YEAR).named == [
        {"branch": code, "level": "member", "subject": "M1", "name": "王芳", "title": "优秀党员"}
    ]

    app.write_deeds(
        clerk, WriteDeeds(year=YEAR, level="member", subject="M1", text="王芳同志事迹初稿")
    )
    app.write_deeds(
        clerk,
        WriteDeeds(
            year=YEAR,
            level="member",
            subject="M1",
            text="王芳同志事迹定稿",
            attachments=["photo-01.jpg"],
        ),
    )
    assert app.deeds(YEAR, "member", "M1").versions == ["王芳同志事迹初稿", "王芳同志事迹定稿"]
    clock.set(moment(12, 29))  # the talks and the conveyance are held before they are recorded
    app.record_meeting(
        clerk,
        RecordMeeting(
            year=YEAR,
            kind="talk",
            on=date(YEAR, 12, 22),
            title="与王芳同志谈话",
            attendees=2,
            minutes="勉励",
        ),
    )
    app.record_meeting(
        clerk,
        RecordMeeting(
            year=YEAR,
            kind="conveyance",
            on=date(YEAR, 12, 25),
            title="传达表彰决定",
            attendees=3,
            minutes="组织学习先进事迹",
        ),
    )
    app.file_annual_summary(
        clerk,
        FileAnnualSummary(
            year=YEAR, basic_facts="基本情况", experience="经验", problems="问题", plans="打算"
        ),
    )
    app.report_annual_summary(
        clerk, ReportAnnualSummary(year=YEAR, to="members-meeting", on=date(YEAR, 12, 28))
    )
    app.report_annual_summary(
        clerk, ReportAnnualSummary(year=YEAR, to="committee", on=date(YEAR, 12, 29))
    )
    cte.acknowledge(
        admin, Acknowledge(year=YEAR, branch=code, kind="annual-summary", subject=str(YEAR))
    )

    # after the year closes, nothing more is assessed
    clock.set(moment(12, 31))
    cte.close_campaign(admin, CloseCampaign(year=YEAR, on=date(YEAR, 12, 31)))
    with pytest.raises(StateConflict, match="closed"):
        app.assess_month(
            clerk, AssessMonth(year=YEAR, month=12, level="member", scores={"M1": {"A": 5, "C": 5}})
        )


def test_campaign_commands_need_an_open_campaign_and_an_active_member(year_setup):
    tenancy, clock, committee, code = year_setup
    clerk, admin = a_clerk(code), a_committee_admin(committee)
    app = tenancy.branch(code)
    app.form_group(clerk, FormGroup(code="g1", name="第一党小组"))
    app.enrol_members(clerk, [a_member("M1"), a_member("M2", "李强")])
    with pytest.raises(NotFound, match="campaign"):
        app.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员", content=PLAN))
    tenancy.committee(committee).open_campaign(admin, OpenCampaign(year=YEAR, title="活动"))
    with pytest.raises(AlreadyExists):
        tenancy.committee(committee).open_campaign(admin, OpenCampaign(year=YEAR, title="再开一次"))
    with pytest.raises(NotFound, match="plan"):
        app.file_measure(
            clerk,
            FileMeasure(
                year=YEAR,
                level="member",
                subject="M1",
                criteria=[1],
                text="措施",
                due=date(YEAR, 5, 1),
            ),
        )
    app.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员", content=PLAN))
    app.record_departure(clerk, RecordDeparture(member_no="M2", reason="调离", on=date(YEAR, 1, 2)))
    before = app.head()
    with pytest.raises(StateConflict, match="left"):
        app.file_measure(
            clerk,
            FileMeasure(
                year=YEAR,
                level="member",
                subject="M2",
                criteria=[1],
                text="措施",
                due=date(YEAR, 5, 1),
            ),
        )
    with pytest.raises(InvalidInput, match="due"):
        app.file_measure(
            clerk,
            FileMeasure(
                year=YEAR,
                level="member",
                subject="M1",
                criteria=[1],
                text="措施",
                due=date(YEAR + 1, 5, 1),
            ),
        )
    with pytest.raises(InvalidInput, match="criterion"):
        app.file_measure(
            clerk,
            FileMeasure(
                year=YEAR,
                level="member",
                subject="M1",
                criteria=[9],
                text="措施",
                due=date(YEAR, 5, 1),
            ),
        )
    with pytest.raises(NotFound, match="campaign"):
        app.assess_month(
            clerk,
            AssessMonth(year=YEAR + 1, month=1, level="member", scores={"M1": {"A": 1, "C": 1}}),
        )
    clock.set(moment(3, 1))
    with pytest.raises(StateConflict, match="left"):
        app.assess_month(
            clerk,
            AssessMonth(
                year=YEAR,
                month=1,
                level="member",
                scores={"M1": {"A": 1, "C": 1}, "M2": {"A": 1, "C": 1}},
            ),
        )
    assert app.head() == before  # nothing of a refused command is written
