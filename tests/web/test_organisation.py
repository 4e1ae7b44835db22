"""The committee's organisation tree and search: every branch with its groups and members,
found by name, member number, group code or branch; only for committee users."""

from __future__ import annotations

import pytest

from cxzy_saas.web import tenancy_of
from tests.web.conftest import Demo, as_user, build_small_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("organisation"))


def test_the_tree_shows_branches_groups_and_members(client, app) -> None:  # type: ignore[no-untyped-def]
    as_user(client, "viewer")
    home = client.get("/committee")
    assert "/committee/organisation" in home.text and 'action="/committee/search"' in home.text
    page = client.get("/committee/organisation")
    assert page.status_code == 200 and "组织架构" in page.text
    tenancy = tenancy_of(app)
    for code in ("b01", "b02"):
        branch = tenancy.branch(code)
        assert branch.branch().name in page.text
        for group in branch.groups():
            assert group.name in page.text
        for member in branch.members():
            assert f"/branch/{code}/members/{member.member_no}" in page.text
            assert str(member.name) in page.text
    assert "个党支部" in page.text and "名党员" in page.text


def test_search_finds_members_by_name_and_number_and_branches(client, app) -> None:  # type: ignore[no-untyped-def]
    as_user(client, "admin")
    b01 = tenancy_of(app).branch("b01")
    member = b01.members()[2]
    by_name = client.get("/committee/search", query_string={"q": str(member.name)})
    assert by_name.status_code == 200
    assert f"/branch/b01/members/{member.member_no}" in by_name.text
    by_number = client.get("/committee/search", query_string={"q": member.member_no.lower()})
    assert f"/branch/b01/members/{member.member_no}" in by_number.text
    branch_name = b01.branch().name
    by_branch = client.get("/committee/search", query_string={"q": branch_name})
    assert 'href="/branch/b01"' in by_branch.text and "党支部" in by_branch.text
    group = b01.groups()[0]
    by_group = client.get("/committee/search", query_string={"q": group.name})
    assert "/branch/b01/groups" in by_group.text
    # Wildcards are text, not patterns; nothing typed: no list; never a 500.
    wild = client.get("/committee/search", query_string={"q": "%_%"})
    assert wild.status_code == 200 and "共 0 条结果" in wild.text
    assert "results" not in client.get("/committee/search").text
    long = client.get("/committee/search", query_string={"q": "党" * 5000 + "\x00"})
    assert long.status_code in (200, 400)
    # a control character or nothing but spaces: a Chinese note, not "“”的前 50 条结果"
    nul = client.get("/committee/search?q=%00")
    assert nul.status_code == 400 and "不能含有控制字符" in nul.text
    assert 'id="results"' not in nul.text and "“”" not in nul.text
    blank = client.get("/committee/search?q=++")
    assert "请输入要搜索的" in blank.text and 'id="results"' not in blank.text


def test_branch_users_have_no_tree_nor_search(client) -> None:  # type: ignore[no-untyped-def]
    as_user(client, "b01-clerk")
    assert client.get("/committee/organisation").status_code == 404
    assert client.get("/committee/search?q=B01").status_code == 404
    assert 'action="/committee/search"' not in client.get("/branch/b01").text
