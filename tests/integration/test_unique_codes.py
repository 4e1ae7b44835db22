"""A member number, or a group code, in any case is one code (B01971 and b01971): two commands
that each found it free, racing, cannot both commit. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from cxzy_saas.application.commands.organisation import EnrolMember, FormGroup
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


def test_two_groups_of_one_code_in_two_cases(
    tenancy: Tenancy, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = a_branch_with_groups(tenancy, groups=0)
    app, clerk = tenancy.branch(code), a_clerk(code)
    committed_first(
        monkeypatch, app, lambda: app.form_group(clerk, FormGroup(code="G9", name="第九党小组"))
    )
    with pytest.raises(AlreadyExists) as refused:
        app.form_group(clerk, FormGroup(code="g9", name="第十党小组"))
    assert refused.value.code == "group.exists" and refused.value.params["group"] == "G9"
    assert [g.code for g in app.groups()] == ["G9"]
