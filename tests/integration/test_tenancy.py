"""Tenants and organisation through the application layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from cxzy_saas.application.commands.organisation import (
    FormGroup,
    GiveRole,
    MoveMember,
    RecordDeparture,
)
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.committee import Committee
from cxzy_saas.domain.errors import (
    AlreadyExists,
    ConcurrentModification,
    Forbidden,
    InvalidInput,
    NotFound,
    StateConflict,
)
from tests.builders import (
    a_branch_with_groups,
    a_clerk,
    a_committee_admin,
    a_committee_with_branches,
    a_member,
)
from tests.conftest import random_code


def test_registering_a_branch_is_an_event_in_the_committee_log(tenancy: Tenancy):
    committee, (b1, b2) = a_committee_with_branches(tenancy, "一支部", "二支部")
    kinds = {t.code: (t.kind, t.parent) for t in tenancy.tenants()}
    assert kinds[committee] == ("committee", None)
    assert kinds[b1] == ("branch", committee) and kinds[b2] == ("branch", committee)
    app = tenancy.committee(committee)
    names = [e["event"] for e in app.history(Committee.id_for(committee))]
    assert names == [
        "CommitteeRegistered",
        "CommitteeBranchRegistered",
        "CommitteeBranchRegistered",
    ]
    # each branch has a log of its own, whose first event names its committee
    assert tenancy.branch(b1).branch().committee == committee
    assert tenancy.branch(b1).head() == 1


def test_tenant_codes_are_unique_and_well_formed(tenancy: Tenancy):
    committee, (b1,) = a_committee_with_branches(tenancy, "一支部")
    with pytest.raises(AlreadyExists):
        tenancy.add_branch(committee, b1, "重复")
    with pytest.raises(AlreadyExists):
        tenancy.add_committee(b1, "与支部重名")
    with pytest.raises(InvalidInput):
        tenancy.add_branch(committee, "Bad-Code", "坏代码")
    with pytest.raises(NotFound):
        tenancy.add_branch(random_code("nope"), random_code("b"), "无党委")
    with pytest.raises(NotFound):
        tenancy.branch(random_code("unknown"))


def test_enrolment_is_all_or_nothing(tenancy: Tenancy):
    code = a_branch_with_groups(tenancy)
    app = tenancy.branch(code)
    before = app.head()
    with pytest.raises(AlreadyExists):
        app.enrol_members(a_clerk(code), [a_member("M1"), a_member("M2"), a_member("M1")])
    with pytest.raises(NotFound):
        app.enrol_members(a_clerk(code), [a_member("M1"), a_member("M2", group="g9")])
    assert app.head() == before
    assert app.members() == []


def test_duplicate_member_number_is_refused(tenancy: Tenancy):
    code = a_branch_with_groups(tenancy)
    app = tenancy.branch(code)
    app.enrol_member(a_clerk(code), a_member("M1"))
    with pytest.raises(AlreadyExists):
        app.enrol_member(a_clerk(code), a_member("M1", name="李强"))
    assert [m.name for m in app.members()] == ["张伟"]


def test_a_member_cannot_move_to_a_group_of_another_branch(tenancy: Tenancy):
    _, (b1, b2) = a_committee_with_branches(tenancy, "一支部", "二支部")
    tenancy.branch(b1).form_group(a_clerk(b1), FormGroup(code="g1", name="一组"))
    tenancy.branch(b2).form_group(a_clerk(b2), FormGroup(code="other", name="二支部的组"))
    tenancy.branch(b1).enrol_member(a_clerk(b1), a_member("M1"))
    with pytest.raises(NotFound):
        tenancy.branch(b1).move_member(
            a_clerk(b1), MoveMember(member_no="M1", group="other", on=date(2026, 3, 1))
        )
    assert tenancy.branch(b1).member("M1").group_id == tenancy.branch(b1).group("g1").id


def test_no_role_for_someone_who_has_left_and_nothing_written(tenancy: Tenancy):
    code = a_branch_with_groups(tenancy)
    app = tenancy.branch(code)
    app.enrol_member(a_clerk(code), a_member("M1"))
    app.record_departure(
        a_clerk(code), RecordDeparture(member_no="M1", reason="组织关系转出", on=date(2026, 6, 30))
    )
    before = app.head()
    with pytest.raises(StateConflict):
        app.give_role(
            a_clerk(code), GiveRole(member_no="M1", role="organiser", on=date(2026, 7, 1))
        )
    assert app.head() == before
    assert app.members() == [] and len(app.members(include_left=True)) == 1


def test_reading_a_member_shows_its_history(tenancy: Tenancy):
    code = a_branch_with_groups(tenancy)
    app = tenancy.branch(code)
    app.enrol_member(a_clerk(code), a_member("M1", group="g1"))
    app.move_member(a_clerk(code), MoveMember(member_no="M1", group="g2", on=date(2026, 4, 1)))
    app.give_role(a_clerk(code), GiveRole(member_no="M1", role="group-leader", on=date(2026, 4, 2)))
    member, history = app.read_member(a_clerk(code), "M1")
    assert member.roles == ["group-leader"]
    assert [h["event"] for h in history] == [
        "MemberEnrolled",
        "MemberMovedToGroup",
        "MemberRoleGiven",
    ]
    assert history[1]["fields"]["on"] == date(2026, 4, 1)
    assert all(h["actor"]["user"] == f"{code}-clerk" for h in history)


def test_a_branch_user_cannot_write_to_another_branch(tenancy: Tenancy):
    _, (b1, b2) = a_committee_with_branches(tenancy, "一支部", "二支部")
    with pytest.raises(Forbidden):
        tenancy.branch(b2).form_group(a_clerk(b1), FormGroup(code="g1", name="越权"))
    with pytest.raises(Forbidden):
        tenancy.branch(b2).form_group(
            a_committee_admin("whatever"), FormGroup(code="g1", name="党委不直接写支部")
        )
    assert tenancy.branch(b2).groups() == []


def test_a_stale_write_is_refused_not_lost(settings):
    """Two processes' worth of applications change one member from the same version."""
    first, second = Tenancy(settings), Tenancy(settings)
    try:
        code = a_branch_with_groups(first)
        first.branch(code).enrol_member(a_clerk(code), a_member("M1"))
        a = first.branch(code).member("M1")
        b = second.branch(code).member("M1")
        from cxzy_saas.domain.recording import recording

        with recording(code, a_clerk(code)):
            a.give_role("organiser", date(2026, 2, 1))
            b.give_role("secretary", date(2026, 2, 1))
        first.branch(code).save(a)
        with pytest.raises(ConcurrentModification):
            second.branch(code).save(b)
        assert first.branch(code).member("M1").roles == ["organiser"]
    finally:
        first.close()
        second.close()


def test_concurrent_commands_on_one_member_never_both_win(settings):
    tenancy = Tenancy(settings)
    try:
        code = a_branch_with_groups(tenancy)
        tenancy.branch(code).enrol_member(a_clerk(code), a_member("M1"))
        outcomes: list[str] = []
        barrier = threading.Barrier(4, timeout=30)

        def give(role: str) -> None:
            own = Tenancy(settings)
            try:
                member = own.branch(code).member("M1")
                barrier.wait()
                from cxzy_saas.domain.recording import recording

                with recording(code, a_clerk(code)):
                    member.give_role(role, date(2026, 2, 1))
                own.branch(code).save(member)
                outcomes.append("ok")
            except ConcurrentModification:
                outcomes.append("conflict")
            except Exception as e:
                outcomes.append(repr(e))
                barrier.abort()
            finally:
                own.close()

        threads = [
            threading.Thread(target=give, args=(r,))
            for r in ("secretary", "organiser", "group-leader", "secretary")
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
        assert len(tenancy.branch(code).member("M1").roles) == 1
    finally:
        tenancy.close()


def test_adding_a_branch_again_finishes_a_registration_whose_log_was_never_opened(tenancy):
    committee, _ = a_committee_with_branches(tenancy)
    code = random_code("b")
    # the committee's event is written, then the process dies before the branch log opens
    tenancy.committee(committee).register_branch(
        a_committee_admin(committee), code, "半途支部", {t.code for t in tenancy.tenants()}
    )
    tenancy.store.prepare(code)
    tenancy.add_branch(committee, code, "半途支部")
    assert tenancy.branch(code).branch().committee == committee
    with pytest.raises(AlreadyExists):
        tenancy.add_branch(committee, code, "半途支部")
