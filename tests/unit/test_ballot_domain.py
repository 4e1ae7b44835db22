"""Given/when/then for the secret ballot (民主测评): what the log keeps of codes, casts, lost
slips and the count, and what it never keeps."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID

import pytest

from cxzy_saas.domain.ballot import Ballot, code_hash, recount
from cxzy_saas.domain.errors import InvalidInput, NotFound, StateConflict
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording

CLERK = Actor("b1-clerk", "branch-clerk", "b1")
RATER = Actor("anonymous", "rater", "b1")
BEIJING = timezone(timedelta(hours=8))
# 20:30 UTC on 10 December is 04:30 on 11 December in Beijing.
LATE_EVENING = datetime(2026, 12, 10, 20, 30, 17, 123456, tzinfo=UTC)
BALLOT_ID = UUID("6f1c9a52-3b0e-4d51-9c7e-2a9b8e4d0c11")
KEY = b"the ballot's code key"
SUBJECTS = [{"level": "member", "subject": "M001"}, {"level": "member", "subject": "M002"}]
# Printed in this order; the log must not keep it.
MEMBER_CODES = ["ZZZZ-ZZZZ-ZZZ2", "AAAA-AAAA-AAA2", "K7Q2-M9XA-P3RT"]
CONSTITUENT_CODES = ["Z8LV-6QTF-H4JD"]
ALL_EXCELLENT = {"member:M001": "excellent", "member:M002": "excellent"}


def h(code: str) -> str:
    return code_hash(KEY, code)


@pytest.fixture
def clock():
    clock = SimulatedClock(LATE_EVENING)
    with recording("b1", CLERK, clock):
        yield clock


def a_ballot() -> Ballot:
    hashes = {
        "members": [h(c) for c in MEMBER_CODES],
        "constituents": [h(c) for c in CONSTITUENT_CODES],
    }
    return Ballot.open(
        BALLOT_ID,
        2026,
        "年终民主测评",
        SUBJECTS,
        hashes,
        date(2026, 12, 1),
        salt="ab" * 16,
        short="K7Q2M9XAP3",
        key_check="00" * 8,
    )


def spend(ballot: Ballot, code: str, grades: dict[str, str]) -> tuple[str, str]:
    with recording("b1", RATER, SimulatedClock(LATE_EVENING)):
        return ballot.spend(h(code), grades)


def test_the_opening_keeps_sorted_keyed_hashes_never_a_code_nor_the_print_order(clock):
    ballot = a_ballot()
    opened = ballot.collect_events()[0]
    assert opened.code_hashes["members"] == sorted(h(c) for c in MEMBER_CODES)
    assert opened.code_hashes["members"] != [h(c) for c in MEMBER_CODES]
    logged = repr(vars(opened))
    for code in MEMBER_CODES + CONSTITUENT_CODES:
        assert code not in logged and code.replace("-", "") not in logged


def test_codes_are_read_as_typed_from_paper():
    assert h("k7q2 m9xa-p3rt") == h("K7Q2-M9XA-P3RT") == h(" K7Q2M9XAP3RT ")
    assert code_hash(b"another ballot's key", "K7Q2-M9XA-P3RT") != h("K7Q2-M9XA-P3RT")


def test_a_cast_records_only_that_a_code_of_the_pool_was_spent_on_that_day(clock):
    ballot = a_ballot()
    ballot.collect_events()
    pool, sheet = spend(
        ballot, "k7q2 m9xa p3rt", {"member:M001": "excellent", "member:M002": "basic"}
    )
    assert (pool, sheet) == ("members", "EB")
    [spent] = ballot.collect_events()
    assert type(spent).__name__ == "CodeSpent"
    fields = {f.name: getattr(spent, f.name) for f in dataclasses.fields(spent)}
    assert fields["code_hash"] == h(MEMBER_CODES[2]) and fields["pool"] == "members"
    assert "grades" not in fields and "EB" not in repr(fields)
    # Beijing's day of the cast, at midnight: nothing finer than the day
    assert spent.timestamp == datetime(2026, 12, 11, tzinfo=BEIJING)


def test_a_code_is_spent_once_and_a_code_never_issued_is_not_found(clock):
    ballot = a_ballot()
    spend(ballot, MEMBER_CODES[0], ALL_EXCELLENT)
    with pytest.raises(StateConflict, match="has been used"):
        spend(ballot, MEMBER_CODES[0], ALL_EXCELLENT)
    with pytest.raises(NotFound, match="unknown ballot code"):
        spend(ballot, "AAAA-BBBB-CCCC", ALL_EXCELLENT)


@pytest.mark.parametrize(
    ("grades", "message"),
    [
        ({"member:M001": "excellent"}, "every subject"),
        ({**ALL_EXCELLENT, "member:M999": "competent"}, "unknown subject"),
        ({"member:M001": "excellent", "member:M002": "superb"}, "grades are"),
    ],
)
def test_a_faulty_sheet_is_refused_and_leaves_the_code_unspent(clock, grades, message):
    ballot = a_ballot()
    with pytest.raises(InvalidInput, match=message) as refused:
        spend(ballot, MEMBER_CODES[0], grades)
    assert refused.value.field == "grades"
    spend(ballot, MEMBER_CODES[0], ALL_EXCELLENT)


def test_the_count_comes_from_the_sheets_which_enter_the_log_without_codes_or_times(clock):
    ballot = a_ballot()
    sheets: dict[str, list[str]] = {"members": [], "constituents": []}
    for code, grades in (
        (MEMBER_CODES[0], ALL_EXCELLENT),
        (MEMBER_CODES[1], {"member:M001": "competent", "member:M002": "incompetent"}),
        (CONSTITUENT_CODES[0], {"member:M001": "basic", "member:M002": "competent"}),
    ):
        pool, sheet = spend(ballot, code, grades)
        sheets[pool].append(sheet)
    ballot.collect_events()
    turnout = ballot.close(date(2026, 12, 3), {"members": ["CI", "EE"], "constituents": ["BC"]})
    [closed] = ballot.collect_events()
    assert turnout == {
        "members": {"issued": 3, "cast": 2},
        "constituents": {"issued": 1, "cast": 1},
    }
    assert closed.sheets == {"members": ["CI", "EE"], "constituents": ["BC"]}
    tally = dict(excellent=1, competent=0, basic=0, incompetent=1)
    assert closed.tallies["member:M002"]["members"] == tally
    assert not any(h(c) in repr(vars(closed)) for c in MEMBER_CODES + CONSTITUENT_CODES)
    assert recount(ballot) is None
    with pytest.raises(StateConflict, match="closed"):
        spend(ballot, MEMBER_CODES[2], ALL_EXCELLENT)
    with pytest.raises(StateConflict, match="closed on 2026-12-03"):
        ballot.close(date(2026, 12, 4), {})


def test_a_box_that_does_not_match_the_codes_spent_is_not_counted(clock):
    ballot = a_ballot()
    spend(ballot, MEMBER_CODES[0], ALL_EXCELLENT)
    with pytest.raises(StateConflict, match="does not match"):
        ballot.close(date(2026, 12, 3), {"members": ["EE", "EE"]})
    with pytest.raises(InvalidInput, match="cannot be counted"):
        ballot.close(date(2026, 12, 3), {"members": ["EXE"]})
    assert ballot.closed_on is None


def test_a_tampered_count_or_sheet_is_named_by_the_recount(clock):
    ballot = a_ballot()
    spend(ballot, MEMBER_CODES[0], ALL_EXCELLENT)
    ballot.close(date(2026, 12, 3), {"members": ["EE"]})
    ballot.sheets["members"][0] = "EI"  # as if the archived sheet had been edited
    assert "member:M002 (members)" in (recount(ballot) or "")
    ballot.sheets["members"].append("EE")
    assert "2 sheets for 1 codes spent" in (recount(ballot) or "")


def test_lost_slips_void_unspent_codes_and_spent_codes_stay_spent(clock):
    ballot = a_ballot()
    spend(ballot, MEMBER_CODES[0], ALL_EXCELLENT)
    with pytest.raises(StateConflict, match="cannot be voided"):
        ballot.reissue("members", [h(MEMBER_CODES[0])], [h("NEWC-ODE2-AAAA")])
    # the secretary still holds slip 2: void it, print one more
    assert ballot.reissue("members", [h(MEMBER_CODES[1])], [h("NEWC-ODE2-AAAA")]) == 1
    reissued = ballot.collect_events()[-1]
    assert reissued.listed == [h(MEMBER_CODES[1])] and reissued.voided == 1
    with pytest.raises(StateConflict, match="voided"):
        spend(ballot, MEMBER_CODES[1], ALL_EXCELLENT)
    assert ballot.issued == {"members": 3, "constituents": 1}
    # every unspent code of the pool: none listed in the event, the count kept
    assert ballot.reissue("members", None, [h("NEWD-ODE2-AAAA"), h("NEWE-ODE2-AAAA")]) == 2
    everything = ballot.collect_events()[-1]
    assert everything.all_unspent and everything.listed == [] and everything.voided == 2
    for lost in (MEMBER_CODES[2], "NEWC-ODE2-AAAA"):
        with pytest.raises(StateConflict, match="voided"):
            spend(ballot, lost, ALL_EXCELLENT)
    spend(ballot, "newd ode2 aaaa", ALL_EXCELLENT)
    assert ballot.issued == {"members": 3, "constituents": 1}
    assert ballot.cast_count("members") == 2


def test_ballot_dates_fall_within_the_campaign_year(clock):
    with pytest.raises(InvalidInput, match="fall in 2026"):
        Ballot.open(
            BALLOT_ID,
            2026,
            "测评",
            SUBJECTS,
            {"members": [h(MEMBER_CODES[0])]},
            date(9999, 12, 31),
            salt="ab" * 16,
            short="K7Q2M9XAP3",
            key_check="00" * 8,
        )
    ballot = a_ballot()
    with pytest.raises(InvalidInput, match="fall in 2026"):
        ballot.close(date(2027, 1, 2), {})
    with pytest.raises(InvalidInput, match="before it opened"):
        ballot.close(date(2026, 11, 30), {})


@pytest.mark.parametrize(
    "typed",
    [
        "ACGX-9JAR-3VAH",
        "acgx 9jar 3vah",
        "ＡＣＧＸ－９ＪＡＲ－３ＶＡＨ",  # a Chinese input method's full-width forms
        "acgx—9jar–3vah",  # the dash key in Chinese mode
        "ACGX　9JAR　3VAH",  # a full-width space
    ],
)
def test_a_code_typed_in_any_case_spacing_dash_or_width_hashes_alike(typed):
    key = b"k" * 32
    assert code_hash(key, typed) == code_hash(key, "ACGX9JAR3VAH")


def test_voiding_a_slip_of_the_other_pool_names_that_pool_not_an_unknown_code(clock):
    ballot = a_ballot()
    with pytest.raises(InvalidInput) as refused:
        ballot.reissue("members", [h(CONSTITUENT_CODES[0])], [])
    assert refused.value.code == "ballot.void_other_pool"
    assert "属于党外群众测评" in refused.value.text("zh")
