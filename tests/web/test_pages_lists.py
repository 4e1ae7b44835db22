"""The records and measures pages narrowed by their filters (member, group, criterion, month,
status, text), paged with the filters kept, overdue measures marked (decision 0019)."""

from __future__ import annotations

import re

import pytest

from cxzy_saas.web import tenancy_of
from tests.web.conftest import YEAR, Demo, as_user, build_small_demo

RECORD_ID = re.compile(r'<li id="r-([0-9a-f-]{36})"')
MEASURE_ID = re.compile(r'<li id="m-([0-9a-f-]{36})"')


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("pages-lists"))


def branch(app):  # type: ignore[no-untyped-def]
    return tenancy_of(app).branch("b01")


def test_the_records_page_narrows_by_member_criterion_and_month(client, app):
    as_user(client, "viewer")
    records = branch(app).daily_records(YEAR)
    member = next(r.subject for r in records if r.level == "member")
    month = next(r.on.month for r in records if r.subject == member)
    page = client.get(f"/branch/b01/records?member={member}&month={month}")
    assert page.status_code == 200
    wanted = {
        str(r.id)
        for r in records
        if r.level == "member" and r.subject == member and r.on.month == month
    }
    assert set(RECORD_ID.findall(page.text)) == wanted
    assert f"符合条件的共 {len(wanted)} 条" in page.text
    assert f'<option value="{member}" selected' in page.text  # the form keeps the choice
    criterion = next(r.criterion for r in records if r.criterion)
    page = client.get(f"/branch/b01/records?criterion={criterion}")
    with_criterion = [r for r in records if r.criterion == criterion]
    assert f"符合条件的共 {len(with_criterion)} 条" in page.text
    shown = RECORD_ID.findall(page.text)
    assert shown and set(shown) <= {str(r.id) for r in with_criterion}
    if len(with_criterion) > 20:  # the next page's link keeps the filter
        assert f"criterion={criterion}" in page.text.split('rel="next"')[0].rsplit("<a", 1)[1]
    # What the form could not have sent is ignored, and said so, as on the boards
    odd = client.get("/branch/b01/records?status=lost&month=13&criterion=x")
    # a criterion of a level: 党员第 N 条 is not 党支部第 N 条
    of_members = [r for r in records if r.level == "member" and r.criterion == criterion]
    member_page = client.get(f"/branch/b01/records?criterion=member:{criterion}")
    assert f"符合条件的共 {len(of_members)} 条" in member_page.text
    assert f'value="member:{criterion}" selected' in member_page.text
    # who recorded each, as colleagues call them, not their login name
    assert "记录 李委员" in client.get("/branch/b01/records").text.replace("\n", " ")
    everything = re.search(r"共 \d+ 条", client.get("/branch/b01/records").text)
    assert odd.status_code == 200 and everything and everything.group(0) in odd.text
    note = re.search(r"无效的筛选条件已忽略：([^<]*)。", odd.text)
    assert note and set(note.group(1).split("、")) == {"状态“lost”", "月份“13”", "评选条件“x”"}
    assert "month=13" not in odd.text  # nor carried into the page links
    odd_level = client.get("/branch/b01/records?criterion=member:abc").text
    assert "评选条件“member:abc”" in odd_level and everything.group(0) in odd_level
    for month in ("0", "2026-13"):
        assert "无效的筛选条件已忽略" in client.get(f"/branch/b01/records?month={month}").text
    bogus = client.get("/branch/b01/measures?status=bogus")
    assert bogus.status_code == 200 and "状态“bogus”" in bogus.text
    nothing = client.get("/branch/b01/records?q=没有这样的记载内容")
    assert RECORD_ID.findall(nothing.text) == [] and "符合条件的共 0 条" in nothing.text


def test_the_measures_page_narrows_by_person_and_status_and_marks_the_overdue(client, app):
    as_user(client, "viewer")
    app_ = branch(app)
    measures = app_.measures(YEAR)
    today = app_.clock().date()
    member = next(m.subject for m in measures if m.level == "member")
    page = client.get(f"/branch/b01/measures?member={member}")
    mine = {str(m.id) for m in measures if m.level == "member" and m.subject == member}
    assert set(MEASURE_ID.findall(page.text)) == mine
    overdue = [m for m in measures if m.done_on is None and m.due < today]
    assert overdue and mine  # the demo has some of each
    page = client.get("/branch/b01/measures?status=overdue&per_page=100")
    assert f"符合条件的共 {len(overdue)} 项" in page.text
    shown = MEASURE_ID.findall(page.text)
    assert set(shown) <= {str(m.id) for m in overdue}
    assert page.text.count('class="badge overdue"') == len(shown)
    done = client.get("/branch/b01/measures?status=done").text
    assert "已逾期</span>" not in done
    assert set(MEASURE_ID.findall(done)) <= {str(m.id) for m in measures if m.done_on}
    month = measures[0].due.month
    due = client.get(f"/branch/b01/measures?month={month}&per_page=100").text
    expected = [m for m in measures if m.due.month == month]
    assert f"符合条件的共 {len(expected)} 项" in due
    assert f'<option value="{month}" selected>' in due


MEMBER_ROW = re.compile(r'<tr data-member="([^"]+)"')


def test_the_members_page_narrows_by_group_status_and_text(client, app):
    as_user(client, "viewer")
    app_ = branch(app)
    codes = {g.id: g.code for g in app_.groups(include_dissolved=True)}
    people = app_.members(include_left=True)
    group = next(iter(codes.values()))
    page = client.get(f"/branch/b01/members?group={group}")
    assert page.status_code == 200
    wanted = {m.member_no for m in people if m.active and codes.get(m.group_id) == group}
    assert set(MEMBER_ROW.findall(page.text)) == wanted
    assert f"符合条件的共 {len(wanted)} 人" in page.text
    assert f'<option value="{group}" selected' in page.text  # the form keeps the choice
    word = people[0].name[-1]
    page = client.get(f"/branch/b01/members?q={word}")
    assert set(MEMBER_ROW.findall(page.text)) == {
        m.member_no for m in people if word in m.name or word in m.member_no
    }
    page = client.get("/branch/b01/members?status=probationary")
    assert set(MEMBER_ROW.findall(page.text)) == {
        m.member_no for m in people if m.active and m.status == "probationary"
    }
    odd = client.get("/branch/b01/members?status=lost&group=%3Cx%3E")
    assert odd.status_code == 200 and "符合条件的共 0 人" in odd.text
