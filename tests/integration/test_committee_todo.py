"""The committee's 待办 stays short however many branches it has: the oldest submissions
waiting one by one and the rest counted; its quarterly assessment of branches one item a
quarter, with the number of branches not assessed. On SQLite and PostgreSQL, through the
projector."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import AssessBranch, OpenCampaign
from cxzy_saas.application.commands.organisation import FormGroup
from cxzy_saas.application.commands.plans import DiscussPlan, DraftPlan, FinalisePlan, SubmitPlan
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.projections import todo
from tests.builders import a_clerk, a_committee_admin, a_member
from tests.conftest import random_code
from tests.integration.test_campaign_year import PLAN, YEAR


def a_committee(tenancy: Tenancy, branches: int) -> tuple[str, list[str]]:
    """A committee with its campaign and plan, and ``branches`` branches."""
    committee = random_code("c")
    codes = [random_code("b") for _ in range(branches)]
    tenancy.add_committee(committee, "党委")
    for n, branch in enumerate(codes):
        tenancy.add_branch(committee, branch, f"第{n + 1}支部")
    cte = tenancy.committee(committee)
    admin = a_committee_admin(committee)
    cte.open_campaign(admin, OpenCampaign(year=YEAR, title="活动"))
    cte.draft_plan(admin, DraftPlan(year=YEAR, drafter="组织部", content=PLAN))
    return committee, codes


def test_the_oldest_submissions_are_listed_and_the_rest_counted(settings):
    clock = SimulatedClock(datetime(YEAR, 1, 2, 1, tzinfo=UTC))
    tenancy = Tenancy(settings, clock)
    try:
        committee, branches = a_committee(tenancy, todo.APPROVALS_LISTED + 2)
        for day, branch in enumerate(branches, start=3):
            clock.set(datetime(YEAR, 1, day, 1, tzinfo=UTC))
            app, clerk = tenancy.branch(branch), a_clerk(branch)
            app.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员", content=PLAN))
            app.discuss_plan(clerk, DiscussPlan(year=YEAR, on=date(YEAR, 1, day), minutes="讨论"))
            app.finalise_plan(clerk, FinalisePlan(year=YEAR, on=date(YEAR, 1, day)))
            app.submit_plan(clerk, SubmitPlan(year=YEAR, on=date(YEAR, 1, day)))
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).catch_up()
        items = todo.committee(db, committee, YEAR, date(YEAR, 1, 20))
        listed = [i["name"] for i in items if i["kind"] == "approval"]
        assert listed == [f"第{n + 1}支部" for n in range(todo.APPROVALS_LISTED)]  # oldest first
        assert [(i["kind"], i["count"]) for i in items[len(listed) :]] == [("approvals", 2)]
    finally:
        tenancy.close()


def test_the_committees_todo_counts_the_branches_not_assessed_once_a_quarter(settings):
    clock = SimulatedClock(datetime(YEAR, 1, 2, 1, tzinfo=UTC))
    tenancy = Tenancy(settings, clock)
    try:
        committee, branches = a_committee(tenancy, 3)
        admin, cte = a_committee_admin(committee), tenancy.committee(committee)
        clock.set(datetime(YEAR, 7, 1, tzinfo=UTC))
        items = {i.code: 5 for i in cte.plan_content(YEAR)[0].items_for("branch")}
        for branch in branches[:2]:  # Q1: one branch left; Q2: only the first assessed
            cte.assess_branch(
                admin,
                AssessBranch(
                    branch=branch, year=YEAR, quarter=1, scores=items, on=date(YEAR, 3, 30)
                ),
            )
        cte.assess_branch(
            admin,
            AssessBranch(
                branch=branches[0], year=YEAR, quarter=2, scores=items, on=date(YEAR, 6, 30)
            ),
        )
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).catch_up()

        def assessments(day: date) -> list[tuple[str, int, str | None, bool]]:
            return [  # one branch left: named
                (i["period"], i["count"], i["name"] if i["count"] == 1 else None, i["overdue"])
                for i in todo.committee(db, committee, YEAR, day)
                if i["kind"] == "branch-assessment"
            ]

        assert assessments(date(YEAR, 4, 15)) == []  # Q1's is due on 15 April
        assert assessments(date(YEAR, 7, 16)) == [
            (f"{YEAR}-Q1", 1, "第3支部", True),
            (f"{YEAR}-Q2", 2, None, True),
        ]
    finally:
        tenancy.close()


def test_a_branchs_grids_ask_only_for_whom_was_on_the_books_by_each_months_end(settings):
    """A member enrolled in June owes no sheet for January to May; each month ended is listed
    with its count, overdue after the 10th of the next month (as the committee's page)."""
    clock = SimulatedClock(datetime(YEAR, 1, 5, 1, tzinfo=UTC))
    tenancy = Tenancy(settings, clock)
    try:
        _, (branch,) = a_committee(tenancy, 1)
        app, clerk = tenancy.branch(branch), a_clerk(branch)
        app.form_group(clerk, FormGroup(code="g1", name="第一党小组"))
        app.enrol_members(clerk, [a_member("M001"), a_member("M002", "李娜")])
        clock.set(datetime(YEAR, 6, 20, 1, tzinfo=UTC))
        app.enrol_members(clerk, [a_member("M003", "王强")])
        db = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, db).catch_up()
        found = {
            i["month"]: (i["count"], i["overdue"])
            for i in todo.grids(db, branch, YEAR, date(YEAR, 8, 5))
        }
        # the group and two members from January; the third member from June on
        assert found == {m: (3, True) for m in range(1, 6)} | {6: (4, True), 7: (4, False)}
    finally:
        tenancy.close()
