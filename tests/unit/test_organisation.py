"""Given/when/then for the organisation aggregates: no I/O, no application."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxzy_saas.domain.errors import Forbidden, InvalidInput, StateConflict
from cxzy_saas.domain.organisation import Group, Member
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording

CLERK = Actor("b1-clerk", "branch-clerk", "b1")
MARCH = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def as_clerk():
    with recording("b1", CLERK, SimulatedClock(MARCH)):
        yield


def a_member(**kw) -> Member:
    fields = dict(
        member_no="M1", name="王芳", status="full", group_id=None, joined_on=date(2001, 7, 1)
    )
    fields.update(kw)
    return Member.enrol(**fields)


def test_every_event_carries_tenant_actor_and_recorded_time():
    member = a_member()
    (enrolled,) = member.collect_events()
    assert enrolled.tenant == "b1"
    assert enrolled.actor == {"user": "b1-clerk", "role": "branch-clerk", "tenant": "b1"}
    assert enrolled.timestamp == MARCH


def test_an_event_outside_a_command_is_refused():
    with recording("b1", CLERK):
        pass
    token_free = Member.enrol  # noqa: F841
    from cxzy_saas.domain import recording as rec

    reset = rec._current.set(None)
    try:
        with pytest.raises(Forbidden):
            a_member()
    finally:
        rec._current.reset(reset)


def test_member_moves_between_groups_and_the_move_is_an_event():
    g1, g2 = Group.form("g1", "第一党小组"), Group.form("g2", "第二党小组")
    member = a_member(group_id=g1.id)
    member.move_to(g2.id, date(2026, 3, 1))
    assert member.group_id == g2.id
    assert [type(e).__name__ for e in member.collect_events()] == ["Enrolled", "MovedToGroup"]


def test_moving_to_the_same_group_is_refused():
    g1 = Group.form("g1", "第一党小组")
    member = a_member(group_id=g1.id)
    with pytest.raises(StateConflict):
        member.move_to(g1.id, date(2026, 3, 1))


def test_roles_are_given_and_relieved():
    member = a_member()
    member.give_role("secretary", date(2026, 1, 5))
    member.give_role("group-leader", date(2026, 1, 5))
    with pytest.raises(InvalidInput, match="after today"):  # a change still to come
        member.relieve_role("secretary", date(2026, 6, 1))
    member.relieve_role("secretary", date(2026, 2, 1))
    assert member.roles == ["group-leader"]


def test_unknown_role_is_invalid_and_a_role_held_twice_conflicts():
    member = a_member()
    with pytest.raises(InvalidInput):
        member.give_role("king", date(2026, 1, 5))
    member.give_role("organiser", date(2026, 1, 5))
    with pytest.raises(StateConflict):
        member.give_role("organiser", date(2026, 1, 6))


def test_no_role_and_no_move_for_someone_who_has_left():
    member = a_member()
    member.give_role("organiser", date(2026, 1, 5))
    member.leave("组织关系转出", date(2026, 2, 1))
    assert not member.active and member.roles == []
    with pytest.raises(StateConflict, match="left"):
        member.give_role("secretary", date(2026, 2, 2))
    with pytest.raises(StateConflict, match="left"):
        member.move_to(None, date(2026, 2, 2))


def test_probationary_member_is_confirmed_once():
    member = a_member(status="probationary")
    member.confirm_full_membership(date(2026, 3, 1))
    assert member.status == "full"
    with pytest.raises(StateConflict):
        member.confirm_full_membership(date(2026, 3, 2))


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "  "), ("status", "honorary"), ("member_no", "")],
)
def test_bad_enrolment_is_refused(field, value):
    with pytest.raises(InvalidInput):
        a_member(**{field: value})


def test_group_with_members_cannot_be_dissolved_and_dissolved_group_cannot_be_renamed():
    group = Group.form("g1", "第一党小组")
    with pytest.raises(StateConflict, match="3 members"):
        group.dissolve("合并", member_count=3)
    group.dissolve("合并", member_count=0)
    with pytest.raises(StateConflict, match="dissolved"):
        group.rename("新名字")
