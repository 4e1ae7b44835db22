"""Builders for test data, so tests say only what matters to them."""

from __future__ import annotations

from datetime import date, datetime, time

from cxzy_saas.application.commands.committee import CloseCampaign
from cxzy_saas.application.commands.evaluation import CloseBallot, DecideNominee
from cxzy_saas.application.commands.organisation import EnrolMember, FormGroup
from cxzy_saas.application.commands.plans import DecidePlan
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import BEIJING, Actor, SimulatedClock
from tests.conftest import random_code


def a_clerk(branch: str) -> Actor:
    return Actor(user=f"{branch}-clerk", role="branch-clerk", tenant=branch)


def a_committee_admin(committee: str) -> Actor:
    return Actor(user="admin", role="committee-admin", tenant=committee)


def a_member(
    no: str = "M001", name: str = "张伟", group: str | None = "g1", **kw: object
) -> EnrolMember:
    return EnrolMember(member_no=no, name=name, group=group, joined_on=date(2010, 7, 1), **kw)  # type: ignore[arg-type]


def a_committee_with_branches(tenancy: Tenancy, *names: str) -> tuple[str, list[str]]:
    committee = random_code("c")
    tenancy.add_committee(committee, "测试党委")
    codes = []
    for name in names:
        code = random_code("b")
        tenancy.add_branch(committee, code, name)
        codes.append(code)
    return committee, codes


def a_branch_with_groups(tenancy: Tenancy, groups: int = 2) -> str:
    _, (code,) = a_committee_with_branches(tenancy, "第一党支部")
    app = tenancy.branch(code)
    for i in range(groups):
        app.form_group(a_clerk(code), FormGroup(code=f"g{i + 1}", name=f"第{i + 1}党小组"))
    return code


def close_year(tenancy: Tenancy, year: int, committee: str = "demo") -> None:
    """Close ``committee``'s campaign ``year`` on 31 December, on that day: the tenancy's clock
    is moved there first, as a back-fill would, since a close is never dated after the day it is
    recorded. What the caller records next happens on that day too."""
    tenancy.clock = SimulatedClock(datetime.combine(date(year, 12, 31), time(17), tzinfo=BEIJING))
    end = date(year, 12, 31)
    close_ballots(tenancy, year, end, committee)
    admin = Actor("admin", "committee-admin", committee)
    decide_waiting(tenancy, year, admin)
    tenancy.committee(committee).close_campaign(admin, CloseCampaign(year=year, on=end))


def decide_waiting(tenancy: Tenancy, year: int, admin: Actor) -> None:
    """The committee approves every plan and nominee of ``year`` still waiting for it, as it
    must before the year closes."""
    app = tenancy.committee(admin.tenant)
    for code in app.committee().branches:
        for kind, subject in app.waiting(code, year):
            if kind == "plan":
                app.decide_plan(admin, DecidePlan(branch=code, year=year, outcome="approved"))
            else:
                level, who = subject.split(":")
                decide = DecideNominee(
                    branch=code,
                    year=year,
                    level=level,
                    subject=who,
                    outcome="approved",
                    reason="年度结束前审批",
                )
                app.decide_nominee(admin, decide)


def close_ballots(tenancy: Tenancy, year: int, on: date, committee: str = "demo") -> None:
    """Every branch of ``committee`` closes and counts its open ballots of ``year`` on ``on``,
    as it must before the year closes."""
    for code in tenancy.committee(committee).committee().branches:
        branch = tenancy.branch(code)
        secretary = Actor(f"{code}-secretary", "branch-secretary", code)
        for ballot in branch.ballots(year):
            if ballot.closed_on is None:
                branch.close_ballot(secretary, CloseBallot(ballot_id=ballot.id, on=on))
