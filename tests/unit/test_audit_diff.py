"""Pure parts of the audit: positions at a moment, changed rows and their causes, the
canonical encoding the digest is taken of."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from cxzy_saas.audit import causes
from cxzy_saas.audit.diff import board_changes
from cxzy_saas.audit.logs import Log, LogEvent, position_at
from cxzy_saas.audit.replay import aliases, canonical, encode, without_names
from cxzy_saas.logs.decoding import decode_state, transcoder

CLERK = {"user": "b01-clerk", "role": "branch-clerk", "tenant": "b01"}


def agg(name: str) -> str:
    return str(uuid5(NAMESPACE_URL, f"test/{name}"))


def event(
    tenant: str, position: int, aggregate: str, version: int, name: str, at: datetime, **data: Any
) -> LogEvent:
    return LogEvent(
        tenant, position, aggregate, version, name, {**data, "timestamp": at, "actor": CLERK}
    )


def test_a_day_ends_at_midnight_in_utc_plus_8():
    log = Log(
        "b01",
        "branch",
        [
            event(
                "b01", 1, agg("a"), 1, "Group.Formed", datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
            ),
            event("b01", 2, agg("b"), 1, "Group.Formed", datetime(2026, 12, 31, 16, 0, tzinfo=UTC)),
        ],
    )
    assert position_at(log, date(2026, 12, 31)) == 1  # 23:59 in Beijing
    assert position_at(log, date(2027, 1, 1)) == 2  # 00:00 the next day
    assert position_at(log, date(2026, 12, 30)) == 0


def row(code: str, rank: int, composite: float, **kw: Any) -> dict[str, Any]:
    return {
        "rank": rank,
        "id": code,
        "branch": "b01",
        "name": code,
        "composite": composite,
        "work": kw.get("work"),
        "rating": None,
        "target": 0.0,
    }


def test_board_changes_name_changed_added_and_removed_rows_only():
    before = [row("M1", 1, 90.0), row("M2", 2, 80.0), row("M3", 3, 70.0)]
    after = [row("M2", 1, 95.0), row("M1", 2, 90.0), row("M4", 3, 60.0)]
    changes = {c["subject"]: c for c in board_changes("member", before, after)}
    assert changes["M2"]["fields"] == ["rank", "composite"]
    assert changes["M2"]["before"]["composite"] == 80.0 and changes["M2"]["after"]["rank"] == 1
    assert changes["M1"]["fields"] == ["rank"]  # moved down: others passed it
    assert changes["M4"]["change"] == "added" and changes["M3"]["change"] == "removed"
    assert board_changes("member", before, before) == []


def test_a_correction_touches_the_subject_of_what_it_corrects_and_its_branch():
    at = datetime(2027, 1, 5, tzinfo=UTC)
    recorded = event(
        "b01",
        10,
        agg("a"),
        1,
        "Assessment.Recorded",
        at,
        level="member",
        subject="M1",
        period="2026-11",
    )
    corrected = event(
        "b01",
        20,
        agg("a"),
        2,
        "Assessment.ScoreCorrected",
        at,
        item="A",
        points=5.0,
        previous=4.0,
        reason="复核",
        corrects=1,
    )
    plan = event("b02", 5, agg("p"), 2, "Plan.Revised", at, content={}, note="", answering=None)
    record = event(
        "b01",
        21,
        agg("r"),
        1,
        "DailyRecord.Recorded",
        at,
        level="member",
        subject="M1",
        on=date(2026, 11, 3),
    )
    index = causes.Index("c1").learn([recorded, corrected, plan, record])
    touched = causes.touches(corrected, index)
    assert touched == {("member", "b01", "M1")}
    assert causes.caused(("member", "b01", "M1"), touched)
    assert causes.caused(("branch", "b01", "b01"), touched)  # a branch's score is its members'
    assert not causes.caused(("member", "b01", "M2"), touched)
    assert not causes.caused(("branch", "b02", "b02"), touched)
    assert causes.touches(record, index) == set()  # a daily record changes no score
    assert causes.caused(("member", "b02", "M7"), causes.touches(plan, index))
    assert not causes.caused(("member", "b01", "M7"), causes.touches(plan, index))
    described = causes.describe(corrected, index)
    assert described["corrects"] == "b01@10" and described["effective"] == "2026-11"
    assert described["subject"] == "member:M1" and described["change"]["previous"] == 4.0


def test_the_canonical_encoding_hides_random_ids_and_dict_order():
    at = datetime(2026, 2, 1, tzinfo=UTC)
    one, two = str(uuid5(NAMESPACE_URL, "x")), str(uuid5(NAMESPACE_URL, "y"))
    logs = {"b01": Log("b01", "branch", [event("b01", 7, one, 1, "Measure.Filed", at)])}
    other = {"b01": Log("b01", "branch", [event("b01", 9, two, 1, "Measure.Filed", at)])}
    first = canonical(["b01", one, {"b": 1.5, "a": [one]}], aliases(logs, {"b01": 7}))
    second = canonical(["b01", two, {"a": [two], "b": 1.5}], aliases(other, {"b01": 9}))
    assert first == ["b01", "b01#1", {"a": ["b01#1"], "b": 1.5}]
    assert encode(first) == encode(second)
    assert encode({"名": 0.1 + 0.2}) == '{"名":0.30000000000000004}'.encode()


def test_members_names_are_left_out_of_the_digest_but_groups_names_stay():
    member = ["b01", "member", "M1", "agg", "张伟", None, 1]
    group = ["b01", "group", "g1", "agg", "一组", None, 1]
    assert without_names("rm_subjects", list(member))[4] is None
    assert without_names("rm_subjects", list(group)) == group
    board = ["c1", 2026, "member", [{"rank": 1, "id": "M1", "name": "张伟"}]]
    assert without_names("rm_boards", board)[3] == [{"rank": 1, "id": "M1", "name": None}]
    assert without_names("rm_tenants", ["b01", "branch", "一支部", "c1"])[2] == "一支部"


def test_an_event_read_from_its_stored_bytes_has_its_day_before_it_is_decoded():
    """A log's events are decoded when first looked at; the day an audit needs of every
    event is read off the stored time, the state's first field, with the same answer."""
    at = datetime(2026, 6, 30, 16, 0, 1, tzinfo=UTC)  # 1 July, 00:00:01 in Beijing
    state = transcoder().encode({"timestamp": at, "actor": CLERK, "year": 2026})
    lazy = LogEvent("b01", 7, agg("a"), 1, "Group.Formed", state=state)
    assert lazy.day == date(2026, 7, 1) and "data" not in lazy.__dict__
    assert lazy.data == decode_state(state) and lazy.recorded_at == at
    # a state that does not begin with its time is decoded for it
    later = transcoder().encode({"actor": CLERK, "timestamp": at})
    assert LogEvent("b01", 8, agg("a"), 2, "Group.Formed", state=later).day == date(2026, 7, 1)
