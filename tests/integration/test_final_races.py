"""A year becoming final while a branch writes to it (decision 0033), on SQLite and PostgreSQL.

A branch's command reads from the committee's log whether its year may be written, then saves
to its own log; a committee's close, seal or amendment's end reads the branches, then saves to
its own. Each test puts the other side's command exactly in that gap."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

import pytest

from cxzy_saas.application import archives
from cxzy_saas.application import committee as committee_module
from cxzy_saas.application.commands.committee import (
    AddUser,
    CloseAmendment,
    CloseCampaign,
    OpenAmendment,
    SetLeaderboardVisibility,
)
from cxzy_saas.application.commands.evaluation import OpenBallot
from cxzy_saas.application.commands.organisation import EnrolMember
from cxzy_saas.application.seen import seeing
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.domain.errors import ConcurrentModification, DomainError, StateConflict
from cxzy_saas.domain.recording import BEIJING, SimulatedClock
from cxzy_saas.storage import finality
from tests.builders import close_ballots, close_year, decide_waiting
from tests.integration.test_amendments import a_record
from tests.integration.test_archives import ADMIN, CLERK, YEAR, small_demo

END = date(YEAR, 12, 31)


def ready_to_close(tenancy: Tenancy) -> None:
    """Every ballot of the year counted and every submission decided, on 31 December."""
    tenancy.clock = SimulatedClock(datetime.combine(END, time(17), tzinfo=BEIJING))
    close_ballots(tenancy, YEAR, END)
    decide_waiting(tenancy, YEAR, ADMIN)


@pytest.mark.parametrize("finalise", ["close", "amendment"])
def test_a_write_found_open_is_refused_when_the_year_became_final_before_its_save(
    demo_tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch, finalise: str
) -> None:
    """The committee closes the year (or ends the amendment the write was made under) after
    the clerk's record found the year writable, before the record's save."""
    tenancy = demo_tenancy
    small_demo(tenancy)
    committee, branch = tenancy.committee("demo"), tenancy.branch("b01")
    subject = branch.members()[0].member_no
    if finalise == "close":
        ready_to_close(tenancy)

        def make_final() -> None:
            committee.close_campaign(ADMIN, CloseCampaign(year=YEAR, on=END))

    else:
        close_year(tenancy, YEAR)
        committee.seal_archive(ADMIN, "b01", YEAR)
        amendment = committee.open_amendment(
            ADMIN, OpenAmendment(year=YEAR, branch="b01", reason="补记年终记录")
        )

        def make_final() -> None:
            committee.close_amendment(ADMIN, CloseAmendment(year=YEAR, amendment=amendment))

    guard = branch.guard_save

    def finalise_first(objs: Any) -> Any:
        monkeypatch.setattr(branch, "guard_save", guard)
        make_final()
        return guard(objs)

    monkeypatch.setattr(branch, "guard_save", finalise_first)
    head = branch.head()
    with pytest.raises(ConcurrentModification) as refused:
        branch.record_daily(CLERK, a_record(subject))
    assert refused.value.code == "year.final_meanwhile"
    assert branch.head() == head  # nothing written into the final year

    # Asked again, the record meets the final year's own refusal.
    with pytest.raises(StateConflict) as again:
        branch.record_daily(CLERK, a_record(subject))
    assert again.value.code == "campaign.closed"


def pause_after_reading(monkeypatch: pytest.MonkeyPatch, finalise: str) -> threading.Event:
    """The seal (or the close) pauses right after it read the branches' ballots, until the
    event returned is set; ``read`` (an attribute of it) is set when it got there."""
    read, go = threading.Event(), threading.Event()
    module = archives if finalise == "seal" else committee_module
    name = "refuse_open_ballots" if finalise == "seal" else "open_ballots"
    original = getattr(module, name)

    def read_then_pause(branch_app: Any, year: int) -> Any:
        found = original(branch_app, year)
        read.set()
        assert go.wait(30)
        return found

    monkeypatch.setattr(module, name, read_then_pause)
    go.read = read  # type: ignore[attr-defined]
    return go


def in_thread(outcome: dict[str, Any], key: str, work: Any) -> threading.Thread:
    def run() -> None:
        try:
            outcome[key] = work()
        except DomainError as error:
            outcome[key] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def a_ballot(tenancy: Tenancy) -> OpenBallot:
    branch = tenancy.branch("b01")
    subjects = [{"level": "member", "subject": m.member_no} for m in branch.members()][:2]
    on = tenancy.clock().date()
    return OpenBallot(year=YEAR, title="补测", subjects=subjects, codes={"members": 3}, on=on)


def finalise_year(tenancy: Tenancy, finalise: str) -> Any:
    committee = tenancy.committee("demo")
    if finalise == "seal":
        return committee.seal_archive(ADMIN, "b01", YEAR, on_demand=True)
    return committee.close_campaign(ADMIN, CloseCampaign(year=YEAR, on=END))


@pytest.mark.parametrize("finalise", ["seal", "close"])
def test_a_ballot_opened_while_its_year_becomes_final_waits_and_is_refused(
    demo_tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch, finalise: str
) -> None:
    """The seal (or the close) has read the branch, no ballot open, and has not saved yet: a
    ballot opened now would be stranded in the final year, its sheets never counted. It waits
    for the committee's command and is then refused; a write about no year does not wait."""
    monkeypatch.setattr(finality, "WAIT", 30.0)
    tenancy = demo_tenancy
    small_demo(tenancy)
    branch = tenancy.branch("b01")
    if finalise == "close":
        ready_to_close(tenancy)
    go = pause_after_reading(monkeypatch, finalise)
    outcome: dict[str, Any] = {}
    finalising = in_thread(outcome, "committee", lambda: finalise_year(tenancy, finalise))
    assert go.read.wait(30)  # type: ignore[attr-defined]
    opening = in_thread(outcome, "ballot", lambda: branch.open_ballot(CLERK, a_ballot(tenancy)))
    opening.join(1.0)
    assert opening.is_alive(), outcome.get("ballot")  # it waits for the committee
    branch.enrol_member(CLERK, EnrolMember(member_no="B01977", name="周新"))  # no year: no wait
    go.set()
    finalising.join(30)
    opening.join(30)

    assert not isinstance(outcome["committee"], DomainError), outcome["committee"]
    refused = outcome["ballot"]
    assert isinstance(refused, ConcurrentModification), refused
    assert refused.code == "year.final_meanwhile"
    assert not archives.open_ballots(branch, YEAR)


def test_a_write_gives_up_waiting_and_the_committee_still_finishes(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save does not wait for a long seal without end: it is refused as "being made final"
    after a while, holding nothing (on PostgreSQL, no pool connection the seal needs: two in
    all here, one the seal's lock holds)."""
    monkeypatch.setattr(finality, "WAIT", 0.5)
    tenancy = Tenancy(replace(demo_settings, max_connections=2))
    try:
        small_demo(tenancy)
        branch = tenancy.branch("b01")
        go = pause_after_reading(monkeypatch, "seal")
        outcome: dict[str, Any] = {}
        sealing = in_thread(outcome, "committee", lambda: finalise_year(tenancy, "seal"))
        assert go.read.wait(30)  # type: ignore[attr-defined]
        head = branch.head()
        with pytest.raises(ConcurrentModification) as refused:
            branch.open_ballot(CLERK, a_ballot(tenancy))
        assert refused.value.code == "year.finalising"
        assert branch.head() == head
        go.set()
        sealing.join(60)
        assert not sealing.is_alive()
        assert not isinstance(outcome["committee"], DomainError), outcome["committee"]
        with pytest.raises(StateConflict) as sealed:
            branch.open_ballot(CLERK, a_ballot(tenancy))
        assert sealed.value.code == "archive.sealed"
    finally:
        tenancy.close()


def test_a_request_that_saved_the_campaign_sees_it_closed_by_another_after_its_next_save(
    demo_tenancy: Tenancy,
) -> None:
    """One request (one ``Seen`` scope) shows the board to branches (a save of the campaign),
    another process closes the year, then the request saves something about no year in the
    same log (its head moves past the close): its next write about the year is judged on the
    campaign as closed, not on the copy it saved."""
    tenancy = demo_tenancy
    small_demo(tenancy)
    ready_to_close(tenancy)
    committee, branch = tenancy.committee("demo"), tenancy.branch("b01")
    subject = branch.members()[0].member_no
    with seeing():
        committee.set_leaderboard_visibility(
            ADMIN, SetLeaderboardVisibility(year=YEAR, open_to_branches=True)
        )
        elsewhere = threading.Thread(
            target=committee.close_campaign, args=(ADMIN, CloseCampaign(year=YEAR, on=END))
        )
        elsewhere.start()  # another context: it saves outside this request's scope
        elsewhere.join()
        committee.add_user(
            ADMIN,
            AddUser(
                username="late_viewer",
                display_name="年终查阅",
                role="committee-viewer",
                tenant="demo",
                password="Year-end-viewer-2026",
            ),
        )
        head = branch.head()
        with pytest.raises(StateConflict) as refused:
            branch.record_daily(CLERK, a_record(subject))
        assert refused.value.code == "campaign.closed"
        assert branch.head() == head
