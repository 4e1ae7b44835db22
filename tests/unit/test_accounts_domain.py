"""Given/when/then for the account: what ends its sessions, one-time passwords, grants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxzy_saas.application.passwords import check_strength, one_time_password, verify
from cxzy_saas.domain.accounts import Account
from cxzy_saas.domain.errors import InvalidInput, StateConflict
from cxzy_saas.domain.recording import Actor, SimulatedClock, recording

ADMIN = Actor("admin", "committee-admin", "c1")


@pytest.fixture(autouse=True)
def as_admin():
    with recording("c1", ADMIN, SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC))):
        yield


def an_account(**kw) -> Account:
    return Account.register("li.ming", "李明", "hash", **kw)


@pytest.mark.parametrize(
    "end",
    [
        lambda a: a.sign_out(),
        lambda a: a.change_password("new hash"),
        lambda a: a.reset_password("one-time hash"),
        lambda a: a.disable(),
        lambda a: a.revoke("branch-clerk", "b1"),
    ],
    ids=["sign-out", "password change", "password reset", "disable", "revoke"],
)
def test_what_ends_every_session_raises_the_session_version(end):
    account = an_account()
    account.grant("branch-clerk", "b1")
    before = account.session_version
    end(account)
    assert account.session_version == before + 1


def test_granting_linking_and_enabling_leave_the_sessions_alone():
    account = an_account()
    account.grant("member", "b1")
    account.link_member("b1", "M1")
    account.disable()
    version = account.session_version
    account.enable()
    account.grant("group-leader", "b1", "g1")
    assert account.session_version == version
    assert not account.disabled


def test_a_one_time_password_must_be_changed_and_a_change_clears_it():
    account = an_account(one_time=True)
    assert account.must_change_password
    account.change_password("chosen")
    assert not account.must_change_password
    account.reset_password("another one-time")
    assert account.must_change_password
    assert [type(e).__name__ for e in account.collect_events()] == [
        "Registered",
        "PasswordChanged",
        "PasswordReset",
    ]


def test_a_group_is_named_by_a_group_leaders_grant_only():
    account = an_account()
    account.grant("group-leader", "b1", "g2")
    assert account.grants == [{"role": "group-leader", "tenant": "b1", "group": "g2"}]
    with pytest.raises(InvalidInput) as refused:
        account.grant("branch-clerk", "b1", "g2")
    assert refused.value.code == "account.group_for_leaders"
    account.revoke("group-leader", "b1")
    assert account.grants == []


def test_disabling_twice_or_enabling_an_active_account_is_a_conflict():
    account = an_account()
    with pytest.raises(StateConflict):
        account.enable()
    account.disable()
    with pytest.raises(StateConflict) as refused:
        account.disable()
    assert refused.value.code == "account.disabled_already"


@pytest.mark.parametrize("name", ["admin\n", "Admin", "a", "li ming", "李明", "x" * 41])
def test_usernames_are_matched_whole(name):
    with pytest.raises(InvalidInput):
        Account.register(name, "李明", "hash")


@pytest.mark.parametrize("weak", ["demo", "password1", "li.ming2026", "12345678901", "qwertyuiop"])
def test_passwords_people_choose_must_be_hard_to_guess(weak):
    with pytest.raises(InvalidInput) as refused:
        check_strength(weak, "new", ["li.ming", "李明"])
    assert refused.value.code == "password.weak"
    assert "密码太容易被猜到" in refused.value.text("zh")


def test_a_long_unusual_password_and_a_one_time_password_pass():
    check_strength("秋天的银杏 walks slowly 2031", "new")
    made = one_time_password()
    assert len(made) == 14 and made.count("-") == 2
    check_strength(made, "new")
    assert one_time_password() != made


def test_an_unknown_user_is_checked_against_a_dummy_hash():
    assert verify(None, "anything") is False
