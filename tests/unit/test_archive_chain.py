"""The archive's hash chain and canonical encoding, without I/O."""

from __future__ import annotations

import random
import uuid

from cxzy_saas.audit.chain import (
    Record,
    canonical,
    chain,
    encode_lines,
    genesis,
    link,
    summarise,
)
from cxzy_saas.audit.selection import select_branch_year, select_committee_year


def a_record(position: int, state: bytes = b'{"year":2026}', version: int = 1) -> Record:
    return Record(position, str(uuid.UUID(int=position)), version, "m:Agg.Created", state)


def test_canonical_encoding_sorts_keys_and_has_no_spaces():
    assert canonical({"b": 1, "a": "党"}) == '{"a":"党","b":1}'.encode()


def test_the_chain_is_deterministic_and_each_link_depends_on_the_previous():
    start = genesis("c", "b01", 2026, "branch")
    records = [a_record(i) for i in range(1, 6)]
    first = [h for _, h in chain(start, records)]
    assert first == [h for _, h in chain(start, records)]
    assert first[1] == link(first[0], records[1])
    assert first[1] != link(start, records[1])


def test_the_genesis_binds_the_chain_to_its_branch_year_and_section():
    starts = {
        genesis("c", "b01", 2026, "branch"),
        genesis("c", "b02", 2026, "branch"),
        genesis("c", "b01", 2027, "branch"),
        genesis("c", "b01", 2026, "committee"),
        genesis("d", "b01", 2026, "branch"),
    }
    assert len(starts) == 5


def test_length_prefixes_keep_header_and_state_apart():
    # Same concatenated bytes, different split between fields: different hashes.
    start = genesis("c", "b", 2026, "branch")
    a = Record(1, "x", 1, "t", b"ab")
    b = Record(1, "x", 1, "ta", b"b")
    assert link(start, a) != link(start, b)


def test_any_change_of_a_stored_field_changes_the_head():
    start = genesis("c", "b", 2026, "branch")
    records = [a_record(i, f'{{"year":2026,"n":{i}}}'.encode()) for i in range(1, 20)]
    head = summarise(start, records, 19).head
    rng = random.Random(3)
    for _ in range(200):
        i = rng.randrange(len(records))
        r = records[i]
        state = bytearray(r.state)
        state[rng.randrange(len(state))] ^= rng.randrange(1, 256)
        variants = [
            Record(r.position + 1, r.aggregate, r.version, r.topic, r.state),
            Record(r.position, r.aggregate, r.version + 1, r.topic, r.state),
            Record(r.position, r.aggregate + "0", r.version, r.topic, r.state),
            Record(r.position, r.aggregate, r.version, r.topic + "x", r.state),
            Record(r.position, r.aggregate, r.version, r.topic, bytes(state)),
        ]
        for changed in variants:
            altered = [*records[:i], changed, *records[i + 1 :]]
            assert summarise(start, altered, 19).head != head
    assert summarise(start, records[:-1], 19).head != head
    assert summarise(start, [records[1], records[0], *records[2:]], 19).head != head


def test_lines_carry_the_stored_state_exactly_and_binary_state_as_base64():
    start = genesis("c", "b", 2026, "branch")
    text = a_record(1, '{"name":"张伟","year":2026}'.encode())
    binary = a_record(2, b"\xff\x00\xfe")
    lines = encode_lines(start, [text, binary]).decode().splitlines()
    assert '"state":"{\\"name\\":\\"张伟\\",\\"year\\":2026}"' in lines[0]
    assert '"state_b64":"/wD+"' in lines[1]


class N:
    def __init__(self, id: int, aggregate: int, version: int, topic: str, state: str) -> None:
        self.id, self.originator_id, self.originator_version = id, uuid.UUID(int=aggregate), version
        self.topic, self.state = topic, state.encode()


def test_a_branch_year_holds_its_years_aggregates_whole_and_the_organisation():
    org = "cxzy_saas.domain.organisation:Member.Enrolled"
    log = [
        N(1, 1, 1, org, '{"member_no":"M1"}'),
        N(2, 2, 1, "cxzy_saas.domain.work:DailyRecord.Recorded", '{"year":2026}'),
        N(3, 3, 1, "cxzy_saas.domain.work:DailyRecord.Recorded", '{"year":2025}'),
        N(4, 2, 2, "cxzy_saas.domain.work:DailyRecord.Retracted", '{"reason":"x"}'),
        N(5, 3, 2, "cxzy_saas.domain.work:DailyRecord.Retracted", '{"reason":"y"}'),
        N(6, 1, 2, "cxzy_saas.domain.organisation:Member.Left", '{"reason":"z"}'),
        N(7, 9, 1, "cxzy_saas.application.personal:Key.Made", '{"key":"k"}'),
    ]
    assert [r.position for r in select_branch_year(log, 2026)] == [1, 2, 4, 6]


def test_the_committee_section_holds_its_decisions_on_that_branch_year_only():
    decided = "cxzy_saas.domain.decisions:Decision.Approved"
    log = [
        N(1, 1, 1, decided, '{"branch":"b1","kind":"plan","subject":"2026"}'),
        N(2, 2, 1, decided, '{"branch":"b2","kind":"plan","subject":"2026"}'),
        N(3, 3, 1, decided, '{"branch":"b1","kind":"nominee","subject":"2026:member:M1"}'),
        N(4, 4, 1, decided, '{"branch":"b1","kind":"nominee","subject":"2025:member:M1"}'),
        N(5, 5, 1, decided, '{"branch":"b1","kind":"measure","subject":"m-of-2026"}'),
        N(6, 6, 1, decided, '{"branch":"b1","kind":"measure","subject":"m-of-2025"}'),
    ]
    found = select_committee_year(log, "c", "b1", 2026, {"m-of-2026"})
    assert [r.position for r in found] == [1, 3, 5]
