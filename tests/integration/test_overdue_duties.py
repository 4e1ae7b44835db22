"""Overdue work beyond assessments and inspections (issue 13): a task the committee assigned and
the branch did not report done by its date; the branch committee's quarterly discussion and its
own 组织生活 not held; the committee's own quarterly assessment of a branch not made. On SQLite
and PostgreSQL, through the projector."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import AssessBranch, OpenCampaign
from cxzy_saas.application.commands.correspondence import AssignTask, ReportTask
from cxzy_saas.application.commands.plans import DraftPlan
from cxzy_saas.application.commands.work import RecordMeeting
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.projections import queries
from tests.builders import a_clerk, a_committee_admin
from tests.conftest import random_code
from tests.integration.test_campaign_year import PLAN, YEAR


def meeting(kind: str, on: date) -> RecordMeeting:
    return RecordMeeting(year=YEAR, kind=kind, on=on, title="季度会议", attendees=3, minutes="记录")


def test_tasks_quarterly_meetings_and_the_committees_assessments_show_when_missing(settings):
    clock = SimulatedClock(datetime(YEAR, 1, 2, 1, tzinfo=UTC))
    tenancy = Tenancy(settings, clock)
    try:
        committee, good, late = random_code("c"), random_code("b"), random_code("b")
        tenancy.add_committee(committee, "党委")
        tenancy.add_branch(committee, good, "按时支部")
        tenancy.add_branch(committee, late, "拖延支部")
        admin = a_committee_admin(committee)
        cte = tenancy.committee(committee)
        cte.open_campaign(admin, OpenCampaign(year=YEAR, title="活动"))
        cte.draft_plan(admin, DraftPlan(year=YEAR, drafter="组织部", content=PLAN))
        clock.set(datetime(YEAR, 3, 1, tzinfo=UTC))
        tasks = {
            branch: cte.assign_task(
                admin,
                AssignTask(
                    year=YEAR,
                    branch=branch,
                    title="报送先进典型线索",
                    text="三月底前报送",
                    due=date(YEAR, 3, 31),
                    on=date(YEAR, 3, 1),
                ),
            )
            for branch in (good, late)
        }
        clock.set(datetime(YEAR, 3, 30, tzinfo=UTC))  # reports and meetings once they happened
        tenancy.branch(good).report_task(
            a_clerk(good), ReportTask(task=tasks[good], text="已报送", on=date(YEAR, 3, 28))
        )
        for kind in ("committee-discussion", "committee-life"):
            tenancy.branch(good).record_meeting(a_clerk(good), meeting(kind, date(YEAR, 3, 20)))
        tenancy.branch(late).record_meeting(
            a_clerk(late), meeting("committee-discussion", date(YEAR, 2, 10))
        )
        items = {i.code: 5 for i in cte.plan_content(YEAR)[0].items_for("branch")}
        cte.assess_branch(
            admin,
            AssessBranch(branch=good, year=YEAR, quarter=1, scores=items, on=date(YEAR, 3, 30)),
        )
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).catch_up()

        def found(day: date) -> set[tuple[str, str, str]]:
            return {
                (o["branch"], o["kind"], o.get("title", o["period"]))
                for o in queries.overdue(db, committee, YEAR, day)
                if o["kind"] not in ("monthly-assessment", "quarterly-inspection")
                and o["kind"] != "plan-not-submitted"
            }

        assert found(date(YEAR, 3, 31)) == set()  # due that day: not yet overdue
        assert found(date(YEAR, 4, 1)) == {(late, "assigned-task", "报送先进典型线索")}
        assert found(date(YEAR, 4, 16)) == {
            (late, "assigned-task", "报送先进典型线索"),
            (late, "committee-life-missing", f"{YEAR}-Q1"),
            (late, "branch-assessment-missing", f"{YEAR}-Q1"),
        }
        clock.set(datetime(YEAR, 4, 20, 8, tzinfo=UTC))
        tenancy.branch(late).report_task(
            a_clerk(late), ReportTask(task=tasks[late], text="补报", on=date(YEAR, 4, 20))
        )
        wiring.projector(tenancy, db).catch_up()
        assert (late, "assigned-task", "报送先进典型线索") not in found(date(YEAR, 4, 21))
    finally:
        tenancy.close()
