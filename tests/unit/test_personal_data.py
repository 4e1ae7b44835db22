"""Personal data sealed with a key per member, and its erasure: the pure parts, no I/O."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, UUIDAsHex

from cxzy_saas.domain import events
from cxzy_saas.domain.commendation import Commendation
from cxzy_saas.domain.errors import StateConflict
from cxzy_saas.domain.organisation import ERASED_NAME, Member
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording
from cxzy_saas.logs.decoding import DateAsISO
from cxzy_saas.storage.personal import (
    Keys,
    PersonalDataMapper,
    is_sealed,
    open_sealed,
    open_values,
    seal,
    sites,
)

KEY = os.urandom(32)


@pytest.fixture
def as_clerk():
    clock = SimulatedClock(datetime(2026, 1, 5, tzinfo=UTC))
    with recording("b1", Actor("clerk", "branch-clerk", "b1"), clock):
        yield


def a_member() -> Member:
    return Member.enrol("M001", "欧阳娜娜", "full", None, date(2010, 7, 1), "女", "13912345678")


class FakeKeys:
    """A key ring in memory: the real one keeps its table in the tenant's store."""

    def __init__(self) -> None:
        self.rows: Keys = {}

    def lookup(self, wanted: Any) -> Keys:
        return {w: self.rows[w] for w in wanted if w in self.rows}

    def keys_for(self, wanted: Any) -> Keys:
        for w in wanted:
            self.rows.setdefault(w, os.urandom(32))
        return self.lookup(wanted)


def a_mapper(keys: FakeKeys) -> PersonalDataMapper:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    transcoder.register(DateAsISO())
    mapper = PersonalDataMapper(transcoder=transcoder)
    mapper.keys = keys  # type: ignore[assignment]
    mapper.tenant = "b1"
    return mapper


# the domain


@pytest.mark.usefixtures("as_clerk")
def test_erasing_a_member_records_the_reason_and_blanks_the_personal_fields():
    member = a_member()
    member.erase_personal_data("本人申请")
    assert (member.name, member.gender, member.phone, member.erased) == (ERASED_NAME, "", "", True)
    erased = member.collect_events()[-1]
    assert type(erased).__name__ == "PersonalDataErased"
    assert erased.reason == "本人申请"  # type: ignore[attr-defined]
    assert "欧阳娜娜" not in str(vars(erased))


@pytest.mark.usefixtures("as_clerk")
def test_erasing_twice_is_refused():
    member = a_member()
    member.erase_personal_data("本人申请")
    with pytest.raises(StateConflict, match="erased already"):
        member.erase_personal_data("再次申请")


# sealing


def test_a_sealed_value_opens_with_its_key_only():
    sealed = seal(KEY, "b1", "k1", "欧阳娜娜")
    assert is_sealed(sealed) and "欧阳娜娜" not in str(sealed)
    assert open_sealed(sealed, KEY) == "欧阳娜娜"
    state = {"name": sealed, "phone": seal(KEY, "b1", "k1", "139")}
    open_values([(state, "name", "b1", "k1"), (state, "phone", "b1", "k1")], {})
    assert state == {"name": ERASED_NAME, "phone": ""}


def test_plaintext_from_before_sealing_reads_as_erased_once_the_member_is():
    kept = {"name": "王芳"}
    open_values([(kept, "name", "b1", "k1")], {})
    assert kept == {"name": "王芳"}
    hidden = {"name": "王芳"}
    open_values([(hidden, "name", "b1", "k1")], {("b1", "k1"): None})
    assert hidden == {"name": ERASED_NAME}


def test_only_commended_members_names_are_personal_in_a_commendation():
    state = {
        "entries": [
            {"branch": "b1", "level": "member", "subject": "M001", "name": "王芳"},
            {"branch": "b1", "level": "group", "subject": "g1", "name": "第一党小组"},
        ]
    }
    found = sites(events.CommendationNamed, state, "c1")
    assert [(s[1], s[2], s[3]) for s in found] == [("name", "b1", str(Member.id_for("b1", "M001")))]


# the mapper


@pytest.mark.usefixtures("as_clerk")
def test_the_mapper_stores_no_personal_field_in_plaintext_and_reads_it_back():
    keys = FakeKeys()
    mapper = a_mapper(keys)
    enrolled = a_member().collect_events()[0]
    stored = mapper.to_stored_event(enrolled)
    assert "欧阳娜娜".encode() not in stored.state and b"13912345678" not in stored.state
    assert "女".encode() not in stored.state
    back = mapper.to_domain_event(stored)
    assert (back.name, back.phone, back.gender) == ("欧阳娜娜", "13912345678", "女")  # type: ignore[attr-defined]
    keys.rows[("b1", str(enrolled.originator_id))] = None  # the key destroyed
    gone = mapper.to_domain_event(stored)
    assert (gone.name, gone.phone, gone.gender) == (ERASED_NAME, "", "")  # type: ignore[attr-defined]


def test_the_mapper_seals_a_commended_members_name_without_touching_the_aggregate():
    keys = FakeKeys()
    mapper = a_mapper(keys)
    with recording("c1", Actor("admin", "committee-admin", "c1")):
        commendation = Commendation(year=2026)
        entry = {"branch": "b1", "level": "member", "subject": "M001", "name": "王芳"}
        commendation.name([entry], date(2026, 11, 20), "表彰决定")
    named = commendation.collect_events()[-1]
    stored = mapper.to_stored_event(named)
    assert "王芳".encode() not in stored.state
    assert commendation.named[0]["name"] == "王芳"  # the aggregate's own state is untouched
    assert mapper.to_domain_event(stored).entries[0]["name"] == "王芳"  # type: ignore[attr-defined]
    keys.rows[("b1", str(Member.id_for("b1", "M001")))] = None
    assert mapper.to_domain_event(stored).entries[0]["name"] == ERASED_NAME  # type: ignore[attr-defined]
