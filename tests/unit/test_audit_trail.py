"""The trail of a subject, over hand-made logs: order, actors, times, corrections, anonymity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest

from cxzy_saas.audit.logs import Log, LogEvent
from cxzy_saas.audit.trail import resolve, trail
from cxzy_saas.domain.errors import NotFound

START = datetime(2026, 1, 2, 1, tzinfo=UTC)
CLERK = {"user": "b01-clerk", "role": "branch-clerk", "tenant": "b01"}
LEADER = {"user": "b01-g1-leader", "role": "group-leader", "tenant": "b01"}
ADMIN = {"user": "admin", "role": "committee-admin", "tenant": "c1"}


def agg(name: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"test/{name}"))


MEMBER, OTHER, GROUP, BALLOT, NOMINATION = (agg(n) for n in ("m", "o", "g", "ballot", "nom"))


class LogBuilder:
    """Events appended in log order, each an hour after the previous unless told."""

    def __init__(self, tenant: str, kind: str, clock: list[datetime]) -> None:
        self.tenant, self.kind, self.clock = tenant, kind, clock
        self.events: list[LogEvent] = []
        self.versions: dict[str, int] = {}

    def add(self, aggregate: str, event: str, actor: dict[str, str] = CLERK, **data: Any) -> str:
        self.clock[0] += timedelta(hours=1)
        version = self.versions[aggregate] = self.versions.get(aggregate, 0) + 1
        state = {**data, "timestamp": self.clock[0], "actor": actor, "tenant": self.tenant}
        position = len(self.events) + 1
        self.events.append(LogEvent(self.tenant, position, aggregate, version, event, state))
        return f"{self.tenant}@{position}"

    def log(self) -> Log:
        return Log(self.tenant, self.kind, list(self.events))


def a_year() -> tuple[Log, Log, dict[str, str]]:
    clock = [START]
    b, c = LogBuilder("b01", "branch", clock), LogBuilder("c1", "committee", clock)
    refs = {}
    c.add(agg("cte"), "Committee.Registered", ADMIN, code="c1", name="党委")
    c.add(agg("cte"), "Committee.BranchRegistered", ADMIN, code="b01", name="一支部")
    b.add(agg("branch-agg"), "Branch.Opened", code="b01", name="一支部", committee="c1")
    b.add(GROUP, "Group.Formed", code="g1", name="一组")
    refs["enrolled"] = b.add(
        MEMBER,
        "Member.Enrolled",
        member_no="M1",
        name="张伟",
        status="full",
        group_id=GROUP,
        joined_on=date(2010, 7, 1),
        gender="男",
        phone="13800000000",
    )
    b.add(
        OTHER,
        "Member.Enrolled",
        member_no="M2",
        name="李强",
        status="full",
        group_id=GROUP,
        joined_on=date(2011, 7, 1),
        gender="男",
        phone="",
    )
    refs["assessed"] = b.add(
        agg("a-agg"),
        "Assessment.Recorded",
        LEADER,
        year=2026,
        period="2026-01",
        level="member",
        subject="M1",
        scores={"A": 5.0, "C": 4.0},
        plan_version=1,
        on=date(2026, 1, 31),
    )
    b.add(
        agg("a2-agg"),
        "Assessment.Recorded",
        LEADER,
        year=2026,
        period="2026-01",
        level="member",
        subject="M2",
        scores={"A": 3.0, "C": 3.0},
        plan_version=1,
        on=date(2026, 1, 31),
    )
    refs["recorded"] = b.add(
        agg("r-agg"),
        "DailyRecord.Recorded",
        year=2026,
        on=date(2026, 2, 3),
        level="member",
        subject="M1",
        criterion=1,
        text="参加志愿服务",
        evidence="",
    )
    refs["ballot"] = b.add(
        BALLOT,
        "Ballot.Opened",
        year=2026,
        title="民主测评",
        subjects=[
            {"level": "member", "subject": "M1", "name": "张伟"},
            {"level": "member", "subject": "M2", "name": "李强"},
        ],
        code_hashes={"members": ["h1", "h2", "h3"]},
        on=date(2026, 12, 1),
        salt="ab" * 16,
        short="K7Q2M9XAP3",
        key_check="00" * 8,
    )
    b.add(
        BALLOT,
        "Ballot.CodeSpent",
        {"user": "anonymous", "role": "rater", "tenant": "b01"},
        code_hash="h1",
        pool="members",
    )
    b.add(
        BALLOT,
        "Ballot.CodesReissued",
        pool="members",
        all_unspent=False,
        listed=["h3"],
        voided=1,
        code_hashes=["h4"],
    )
    refs["closed"] = b.add(
        BALLOT,
        "Ballot.Closed",
        on=date(2026, 12, 5),
        turnout={"members": {"issued": 3, "cast": 1}},
        tallies={
            "member:M1": {"members": {"excellent": 1}},
            "member:M2": {"members": {"competent": 1}},
        },
        sheets={"members": ["EC"]},
    )
    b.add(NOMINATION, "Nomination.Started", year=2026)
    refs["shortlisted"] = b.add(
        NOMINATION,
        "Nomination.Shortlisted",
        entries=[{"level": "member", "subject": "M1", "rank": 1, "reason": ""}],
        ranking={"member": [{"subject": "M1", "rank": 1}, {"subject": "M2", "rank": 2}]},
    )
    refs["decided"] = c.add(
        agg("d-agg"),
        "Decision.Approved",
        ADMIN,
        branch="b01",
        kind="nominee",
        subject="2026:member:M1",
        submission=1,
        outcome="approved",
        reason="",
        against_advice=False,
    )
    c.add(
        agg("d2-agg"),
        "Decision.Approved",
        ADMIN,
        branch="b01",
        kind="nominee",
        subject="2026:member:M11",  # a member number that merely starts the same way
        submission=1,
        outcome="approved",
        reason="",
        against_advice=False,
    )
    c.add(agg("comm"), "Commendation.Started", ADMIN, year=2026)
    refs["named"] = c.add(
        agg("comm"),
        "Commendation.Named",
        ADMIN,
        entries=[
            {"branch": "b01", "level": "member", "subject": "M1", "name": "张伟"},
            {"branch": "b01", "level": "member", "subject": "M2", "name": "李强"},
        ],
        on=date(2026, 12, 28),
        decision_text="关于表彰的决定",
    )
    # after the year end: a correction and a retraction
    refs["corrected"] = b.add(
        agg("a-agg"),
        "Assessment.ScoreCorrected",
        item="C",
        points=5.0,
        previous=4.0,
        reason="复核发现录入错误",
        corrects=1,
    )
    refs["corrected_again"] = b.add(
        agg("a-agg"),
        "Assessment.ScoreCorrected",
        item="C",
        points=4.5,
        previous=5.0,
        reason="再次复核",
        corrects=2,
    )
    refs["retracted"] = b.add(agg("r-agg"), "DailyRecord.Retracted", reason="记载有误", corrects=1)
    return b.log(), c.log(), refs


def test_a_members_trail_lists_their_events_in_order_with_actor_time_and_effective_date():
    branch, committee, refs = a_year()
    entries = trail(branch, committee, resolve(branch, committee, "M1"))
    assert [e["ref"] for e in entries] == [
        refs[k]
        for k in (
            "enrolled",
            "assessed",
            "recorded",
            "ballot",
            "closed",
            "shortlisted",
            "decided",
            "named",
            "corrected",
            "corrected_again",
            "retracted",
        )
    ]
    times = [e["recorded_at"] for e in entries]
    assert times == sorted(times)
    assessed = entries[1]
    assert assessed["actor"] == LEADER and assessed["effective"] == "2026-01"
    assert assessed["event"] == "Assessment.Recorded"
    decided = next(e for e in entries if e["ref"] == refs["decided"])
    assert decided["log"] == "c1" and decided["actor"]["user"] == "admin"
    # a correction belongs to the period of what it corrects
    assert entries[8]["effective"] == "2026-01" and entries[10]["effective"] == "2026-02-03"


def test_each_correction_names_the_event_it_corrects_and_is_named_by_it():
    branch, committee, refs = a_year()
    entries = {e["ref"]: e for e in trail(branch, committee, resolve(branch, committee, "M1"))}
    assert entries[refs["corrected"]]["corrects"] == refs["assessed"]
    assert entries[refs["corrected_again"]]["corrects"] == refs["corrected"]
    assert entries[refs["assessed"]]["corrected_by"] == [refs["corrected"]]
    assert entries[refs["corrected"]]["corrected_by"] == [refs["corrected_again"]]
    assert entries[refs["retracted"]]["corrects"] == refs["recorded"]
    assert entries[refs["recorded"]]["corrected_by"] == [refs["retracted"]]
    assert entries[refs["corrected"]]["fields"]["previous"] == 4.0


def test_ballots_stay_anonymous_and_personal_data_is_not_shown():
    branch, committee, refs = a_year()
    entries = trail(branch, committee, resolve(branch, committee, "M1"))
    assert not any(e["event"] == "Ballot.CodeSpent" for e in entries)
    closed = next(e for e in entries if e["ref"] == refs["closed"])
    assert closed["fields"]["tallies"] == {"member:M1": {"members": {"excellent": 1}}}
    opened = next(e for e in entries if e["ref"] == refs["ballot"])
    assert opened["fields"]["code_hashes"] == {"members": 3}
    enrolled = entries[0]["fields"]
    assert "13800000000" not in str(enrolled) and "张伟" not in str(enrolled)
    named = next(e for e in entries if e["ref"] == refs["named"])["fields"]["entries"]
    assert [(x["subject"], x["name"]) for x in named] == [("M1", "(personal data, not shown)")]
    shortlisted = next(e for e in entries if e["ref"] == refs["shortlisted"])["fields"]
    assert "ranking" not in shortlisted and [x["subject"] for x in shortlisted["entries"]] == ["M1"]
    # the ballot's own trail shows counts: no single cast, no hash, no sheet
    own = trail(branch, committee, resolve(branch, committee, BALLOT))
    assert [e["event"] for e in own] == [
        "Ballot.Opened",
        "Ballot.CodesReissued",
        "Ballot.Closed",
    ]
    assert own[1]["fields"] == {"pool": "members", "voided": 1, "code_hashes": 1}
    assert own[2]["fields"]["sheets"] == {"members": 1}
    assert not any(h in str(own) for h in ("h1", "h2", "h3", "h4", "'EC'"))
    assert "salt" not in own[0]["fields"] and "key_check" not in own[0]["fields"]


def test_a_group_a_branch_and_an_aggregate_are_subjects_too():
    branch, committee, refs = a_year()
    group = trail(branch, committee, resolve(branch, committee, "g1"))
    assert [e["event"] for e in group] == ["Group.Formed", "Member.Enrolled", "Member.Enrolled"]
    assert group[1]["fields"] == {"member_no": "M1", "from": None, "to": "g1"}
    whole = trail(branch, committee, resolve(branch, committee, "b01"))
    names = [e["event"] for e in whole]
    assert "Committee.BranchRegistered" in names and "Branch.Opened" in names
    assert "Decision.Approved" in names and "Assessment.Recorded" not in names
    one = trail(branch, committee, resolve(branch, committee, agg("a-agg").upper()))
    assert [e["ref"] for e in one] == [refs["assessed"], refs["corrected"], refs["corrected_again"]]


def test_an_unknown_subject_is_a_clear_not_found():
    branch, committee, _ = a_year()
    with pytest.raises(NotFound, match="no member, group or aggregate 'M9' in branch b01"):
        resolve(branch, committee, "M9")
    with pytest.raises(NotFound, match="no aggregate"):
        resolve(branch, committee, "00000000-0000-4000-8000-000000000000")
