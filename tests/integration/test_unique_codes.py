"""A member number, or a group code, in any case is one code (B01971 and b01971), and a group's
name is one group's while it is in use: two commands that each found it free, racing, cannot
both commit. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from cxzy_saas.application.commands.organisation import (
    DissolveGroup,
    EnrolMember,
    FormGroup,
    RenameGroup,
)
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import AlreadyExists
from tests.builders import a_branch_with_groups, a_clerk


def committed_first(monkeypatch: pytest.MonkeyPatch, app: Any, other: Any) -> None:
    """``other()`` commits right before the next save of ``app``, after its checks."""
    save = app.save

    def other_then_save(*objs: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(app, "save", save)
        other()
        return save(*objs, **kwargs)

    monkeypatch.setattr(app, "save", other_then_save)


def test_two_enrolments_of_one_number_in_two_cases(
    tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = a_branch_with_groups(tenancy)
    app, clerk = tenancy.branch(code), a_clerk(code)
    committed_first(
        monkeypatch,
        app,
        lambda: app.enrol_member(clerk, EnrolMember(member_no="B01971", name="张三")),
    )
    head = app.head()
    with pytest.raises(AlreadyExists) as refused:
        app.enrol_members(
            clerk,
            [
                EnrolMember(member_no="B01972", name="王五"),
                EnrolMember(member_no="b01971", name="李四"),
            ],
        )
    assert refused.value.code == "member.number_taken"
    assert refused.value.params["member_no"] == "B01971"
    assert [m.member_no for m in app.members()] == ["B01971"]  # all of the batch, or none
    assert app.head() == head + 1  # the first enrolment's event only

    # A number free in every case still enrols.
    app.enrol_member(clerk, EnrolMember(member_no="B01972", name="王五"))
    assert sorted(m.member_no for m in app.members()) == ["B01971", "B01972"]


@pytest.mark.parametrize(
    ("first", "second", "refusal"),
    [
        (("G9", "第九党小组"), ("g9", "第十党小组"), "group.exists"),  # one code in two cases
        (("N1", "同名小组"), ("N2", "同名小组"), "group.name_taken"),  # one name in use
    ],
)
def test_two_groups_racing_on_one_code_or_one_name(
    tenancy: Tenancy,
    monkeypatch: pytest.MonkeyPatch,
    first: tuple[str, str],
    second: tuple[str, str],
    refusal: str,
) -> None:
    code = a_branch_with_groups(tenancy, groups=0)
    app, clerk = tenancy.branch(code), a_clerk(code)
    committed_first(
        monkeypatch,
        app,
        lambda: app.form_group(clerk, FormGroup(code=first[0], name=first[1])),
    )
    with pytest.raises(AlreadyExists) as refused:
        app.form_group(clerk, FormGroup(code=second[0], name=second[1]))
    assert refused.value.code == refusal and refused.value.params["group"] == first[0]
    assert [g.code for g in app.groups()] == [first[0]]


def test_a_rename_races_on_a_name_and_a_name_given_up_is_given_again(
    tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two groups of a branch in use under one name could not be told apart: renames race on
    the name; a rename or a dissolution gives the old name up."""
    code = a_branch_with_groups(tenancy, groups=0)
    app, clerk = tenancy.branch(code), a_clerk(code)
    app.form_group(clerk, FormGroup(code="N1", name="同名小组"))
    app.form_group(clerk, FormGroup(code="N3", name="第三党小组"))
    committed_first(
        monkeypatch,
        app,
        lambda: app.rename_group(clerk, RenameGroup(group="N1", name="新名称")),
    )
    with pytest.raises(AlreadyExists) as renamed:
        app.rename_group(clerk, RenameGroup(group="N3", name="新名称"))
    assert renamed.value.code == "group.name_taken"
    assert sorted(g.name for g in app.groups()) == ["新名称", "第三党小组"]

    # N1 gave 同名小组 up when renamed, N3 gives 第三党小组 up when dissolved.
    app.form_group(clerk, FormGroup(code="N4", name="同名小组"))
    app.dissolve_group(clerk, DissolveGroup(group="N3", reason="撤并"))
    app.form_group(clerk, FormGroup(code="N5", name="第三党小组"))
    assert sorted(g.name for g in app.groups()) == ["同名小组", "新名称", "第三党小组"]
