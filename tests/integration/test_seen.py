"""What a request keeps of the logs (``application.seen``): each log's head read once, the
aggregates it only reads kept while their log stays where it was, and carried past the
process's own writes that changed none of them. Whatever another process or this one
changes is read anew: a departure recorded anywhere refuses the next daily record at once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxzy_saas.application.commands.organisation import RecordDeparture
from cxzy_saas.application.commands.work import RecordDaily
from cxzy_saas.application.seen import seeing
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.errors import StateConflict
from cxzy_saas.domain.recording import SimulatedClock
from tests.builders import a_clerk, a_member
from tests.conftest import random_code
from tests.integration.test_campaign_year import YEAR
from tests.integration.test_cells import a_campaign

NOON = datetime(YEAR, 2, 3, 4, tzinfo=UTC)


def a_record(member: str) -> RecordDaily:
    return RecordDaily(
        year=YEAR, on=date(YEAR, 2, 3), level="member", subject=member, text="带头参加志愿服务"
    )


@pytest.fixture
def branch(settings: Settings) -> tuple[Settings, str]:
    tenancy = Tenancy(settings, SimulatedClock(NOON))
    committee, code = random_code("c"), random_code("b")
    tenancy.add_committee(committee, "党委")
    tenancy.add_branch(committee, code, "支部")
    a_campaign(tenancy, committee, [code], random_code("u"))
    tenancy.branch(code).enrol_members(a_clerk(code), [a_member("M3", "王芳")])
    tenancy.close()
    return settings, code


def test_a_departure_written_by_another_process_refuses_the_next_record(
    branch: tuple[Settings, str],
) -> None:
    settings, code = branch
    here, there = (Tenancy(settings, SimulatedClock(NOON)) for _ in range(2))
    try:
        clerk = a_clerk(code)
        for _ in range(2):  # the member is kept, then carried past this process's own write
            with seeing():
                here.branch(code).record_daily(clerk, a_record("M1"))
        there.branch(code).record_departure(
            clerk, RecordDeparture(member_no="M1", reason="调出", on=date(YEAR, 2, 3))
        )
        with seeing(), pytest.raises(StateConflict):
            here.branch(code).record_daily(clerk, a_record("M1"))
        with seeing():  # another member is still recorded
            here.branch(code).record_daily(clerk, a_record("M2"))
    finally:
        here.close()
        there.close()


def test_a_departure_written_by_this_process_refuses_the_next_record(
    branch: tuple[Settings, str],
) -> None:
    settings, code = branch
    tenancy = Tenancy(settings, SimulatedClock(NOON))
    try:
        clerk, app = a_clerk(code), tenancy.branch(code)
        with seeing():  # one request: the member read (and kept), then changed
            app.record_daily(clerk, a_record("M3"))
            app.record_departure(
                clerk, RecordDeparture(member_no="M3", reason="调出", on=date(YEAR, 2, 3))
            )
        with seeing(), pytest.raises(StateConflict):
            app.record_daily(clerk, a_record("M3"))
        # inside one request, what a command saved is what the request reads back
        with seeing():
            record = app.record_daily(clerk, a_record("M1"))
            assert app.daily_record(record).subject == "M1"
    finally:
        tenancy.close()
