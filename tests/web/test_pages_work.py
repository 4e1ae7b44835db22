"""The branch's data-entry pages through the Flask test client: organisation, measures, daily
records, inspections, meetings and corrections of monthly scores. Each form's success changes
what the application reads back; a refused form says why next to the field, in Chinese, and
keeps what was typed; another branch's user gets 404 and a committee viewer 403 on writes."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

import pytest

from cxzy_saas.domain.recording import BEIJING
from cxzy_saas.web import tenancy_of
from tests.web.conftest import (
    NEW_GROUP,
    NEW_LEADER,
    WAITING_BRANCH,
    YEAR,
    Demo,
    as_user,
    build_small_demo,
    csrf_token,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("pages-work"))


def branch(app, code: str = "b01"):  # type: ignore[no-untyped-def]
    return tenancy_of(app).branch(code)


def post(client, page: str, action: str, **data: Any):  # type: ignore[no-untyped-def]
    """Post a form the way a browser does: with the token of the page it came from."""
    token = csrf_token(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def field_error(html: str, text: str) -> bool:
    return re.search(r'<span class="error"[^>]*>[^<]*' + re.escape(text), html) is not None


# organisation


def test_the_clerk_forms_renames_and_dissolves_a_group(client, app):
    as_user(client, "b01-clerk")
    page = client.get("/branch/b01/groups")
    assert page.status_code == 200 and "新建党小组" in page.text
    formed = post(client, "/branch/b01/groups", "/branch/b01/groups", code="g7", name="第七党小组")
    assert formed.status_code == 302
    assert branch(app).group("g7").name == "第七党小组"
    taken = post(client, "/branch/b01/groups", "/branch/b01/groups", code="g7", name="重复小组")
    assert taken.status_code == 422
    assert field_error(taken.text, "党小组代码 g7 已存在") and 'value="重复小组"' in taken.text
    bad = post(client, "/branch/b01/groups", "/branch/b01/groups", code="第八", name="")
    assert bad.status_code == 422
    assert field_error(bad.text, "只能用字母、数字") and field_error(bad.text, "此项不能为空")
    assert 'value="第八"' in bad.text
    renamed = post(client, "/branch/b01/groups", "/branch/b01/groups/g7/name", name="七组")
    assert renamed.status_code == 302 and branch(app).group("g7").name == "七组"
    dissolve = "/branch/b01/groups/g7/dissolution"
    no_reason = post(client, "/branch/b01/groups", dissolve, reason=" ")
    assert no_reason.status_code == 422 and field_error(no_reason.text, "此项不能为空")
    assert post(client, "/branch/b01/groups", dissolve, reason="合并").status_code == 302
    assert branch(app).group("g7").dissolved
    busy = post(
        client, "/branch/b01/groups", f"/branch/b01/groups/{NEW_GROUP}/dissolution", reason="x"
    )
    assert busy.status_code == 422 and "该党小组还有 2 名党员" in busy.text


def test_the_clerk_enrols_a_member_and_a_refusal_keeps_what_was_typed(client, app):
    as_user(client, "b01-clerk")
    form = {"member_no": "B01950", "name": "丙新员", "status": "probationary", "group": NEW_GROUP}
    bad = post(client, "/branch/b01/members", "/branch/b01/members", **form, joined_on="去年")
    assert bad.status_code == 422
    assert field_error(bad.text, "日期格式应为年-月-日")
    assert (
        'value="B01950"' in bad.text and 'value="丙新员"' in bad.text and 'value="去年"' in bad.text
    )
    enrolled = post(
        client, "/branch/b01/members", "/branch/b01/members", **form, joined_on="2025-07-01"
    )
    assert enrolled.status_code == 302
    assert enrolled.headers["Location"] == "/branch/b01/members/B01950"
    member = branch(app).member("B01950")
    assert member.name == "丙新员" and member.status == "probationary"
    again = post(
        client, "/branch/b01/members", "/branch/b01/members", **form, joined_on="2025-07-01"
    )
    assert again.status_code == 422 and field_error(again.text, "党员编号 B01950 已被使用")
    listed = client.get("/branch/b01/members")
    assert "丙新员" in listed.text and "预备党员" in listed.text


def test_a_member_number_typed_in_full_width_or_lower_case_finds_the_member(client):
    """Ｂ01001 typed with a Chinese input method, or b01001, was 404 for B01001 (tester)."""
    as_user(client, "b01-clerk")
    for typed in ("Ｂ01001", "b01001", "ｂ０１００１"):
        found = client.get(f"/branch/b01/members/{typed}")
        assert found.status_code == 302, typed
        assert found.headers["Location"].endswith("/branch/b01/members/B01001"), typed
    assert client.get("/branch/b01/members/B01001").status_code == 200
    missing = client.get("/branch/b01/members/Ｂ09999")
    assert missing.status_code == 404 and "党员 Ｂ09999 不存在" in missing.text


def test_a_members_page_moves_confirms_gives_roles_and_records_the_departure(client, app):
    as_user(client, "b01-clerk")
    no = "B01960"
    page = "/branch/b01/members"
    assert (
        post(
            client,
            page,
            page,
            member_no=no,
            name="丁新员",
            status="probationary",
            joined_on="2025-06-01",
        ).status_code
        == 302
    )
    here = f"/branch/b01/members/{no}"
    assert post(client, here, f"{here}/group", group=NEW_GROUP, on="2026-11-01").status_code == 302
    assert branch(app).member(no).group_id == branch(app).group(NEW_GROUP).id
    twice = post(client, here, f"{here}/group", group=NEW_GROUP, on="2026-11-01")
    assert twice.status_code == 422 and field_error(twice.text, "该党员已在这个党小组")
    assert post(client, here, f"{here}/confirmation", on="2026-11-02").status_code == 302
    assert branch(app).member(no).status == "full"
    assert (
        post(client, here, f"{here}/roles", role="group-leader", on="2026-11-03").status_code == 302
    )
    assert branch(app).member(no).roles == ["group-leader"]
    assert (
        post(client, here, f"{here}/relief", role="group-leader", on="2026-11-04").status_code
        == 302
    )
    assert branch(app).member(no).roles == []
    no_reason = post(client, here, f"{here}/departure", reason="", on="2026-11-05")
    assert no_reason.status_code == 422 and field_error(no_reason.text, "此项不能为空")
    assert 'value="2026-11-05"' in no_reason.text
    left = post(client, here, f"{here}/departure", reason="工作调动,转往外单位", on="2026-11-05")
    assert left.status_code == 302
    assert branch(app).member(no).left_on == date(2026, 11, 5)
    history = client.get(here).text
    for text in (
        "登记：丁新员",
        "调整党小组：新建党小组",
        "预备党员转正",
        "任命为党小组长",
        "免去党小组长",
        "组织关系转出：工作调动",
    ):
        assert text in history, text
    # each step by the person who took it, as colleagues call them (not the login name)
    assert history.count("李委员（组织委员）") >= 6 and "b01-clerk" not in history


def test_group_leaders_and_the_committee_read_the_organisation_but_do_not_write(client):
    as_user(client, "b01-leader")
    assert client.get("/branch/b01/members").status_code == 200
    refused = post(client, "/branch/b01/members", "/branch/b01/groups", code="g8", name="八组")
    assert refused.status_code == 403
    as_user(client, "viewer")
    page = client.get("/branch/b01/members/B01001")
    assert page.status_code == 200 and "记录历史" in page.text and "调整党小组" not in page.text
    refused = post(
        client,
        "/branch/b01/members",
        "/branch/b01/members/B01001/departure",
        reason="x",
        on="2026-11-01",
    )
    assert refused.status_code == 403


# measures


def test_a_measure_is_filed_reported_acknowledged_and_marked_done(client, app, demo):
    as_user(client, "b01-clerk")
    page = client.get("/branch/b01/measures")
    assert page.status_code == 200 and "制定措施" in page.text
    member = demo.new_members[0]
    form = {
        "level": "member",
        "subject": member,
        "text": "每月走访两户困难群众",
        "due": "2026-12-20",
    }
    none = post(client, "/branch/b01/measures", "/branch/b01/measures", **form)
    assert none.status_code == 422 and field_error(none.text, "请选择 1 到 20 项")
    assert "每月走访两户困难群众" in none.text and 'value="2026-12-20"' in none.text
    other = post(
        client, "/branch/b01/measures", "/branch/b01/measures", **form, criteria="branch:1"
    )
    assert other.status_code == 422 and field_error(other.text, "勾选的评选条件都不属于所选层级")
    late = post(
        client,
        "/branch/b01/measures",
        "/branch/b01/measures",
        **form | {"due": "2027-01-10"},
        criteria="member:2",
    )
    assert late.status_code == 422 and field_error(late.text, "完成时限应在 2026 年内")
    assert 'value="member:2" checked' in late.text
    before = len(branch(app).measures(YEAR))
    filed = post(
        client, "/branch/b01/measures", "/branch/b01/measures", **form, criteria="member:2"
    )
    assert filed.status_code == 302
    measures = branch(app).measures(YEAR)
    assert len(measures) == before + 1
    measure = next(m for m in measures if m.text == "每月走访两户困难群众")
    assert measure.subject == member and measure.criteria == [2]
    base = f"/branch/b01/measures/{measure.id}"
    on = tenancy_of(app).today().isoformat()  # a step is not dated before the filing
    wrong = post(client, "/branch/b01/measures", f"{base}/report", to="committee", on=on)
    assert wrong.status_code == 422 and field_error(wrong.text, "报告对象不符合该措施的层级")
    assert (
        post(client, "/branch/b01/measures", f"{base}/report", to="group", on=on).status_code == 302
    )
    assert branch(app).measure(measure.id).reported_to == "group"
    as_user(client, NEW_LEADER)
    assert (
        post(
            client, "/branch/b01/measures", f"{base}/acknowledgement", note="同意", on=on
        ).status_code
        == 302
    )
    assert branch(app).measure(measure.id).acknowledged
    again = post(client, "/branch/b01/measures", f"{base}/acknowledgement", note="", on=on)
    assert again.status_code == 422 and "该措施已确认过" in again.text
    as_user(client, "b01-clerk")
    done = post(client, "/branch/b01/measures", f"{base}/completion", on=on, note="")
    assert done.status_code == 302
    assert branch(app).measure(measure.id).done_on == date.fromisoformat(on)
    # Done ones come after the open ones, maybe pages later: the text finds it.
    assert f"已完成 {on}" in client.get("/branch/b01/measures?q=每月走访两户").text


# daily records


def test_a_daily_record_needs_no_evidence_and_is_retracted_with_a_reason(client, app, demo):
    as_user(client, NEW_LEADER)
    member = demo.new_members[1]
    # Today (Beijing): a record is not dated after it. The demo's year runs to late December
    # (played on a simulated clock), so the new record is found by its text.
    today = datetime.now(BEIJING).date().isoformat()
    form = {
        "on": today,
        "level": "member",
        "subject": member,
        "criterion": "",
        "evidence": "",
    }
    empty = post(client, "/branch/b01/records", "/branch/b01/records", **form, text="  ")
    assert empty.status_code == 422 and field_error(empty.text, "此项不能为空")
    assert f'value="{today}"' in empty.text
    bad = post(
        client,
        "/branch/b01/records",
        "/branch/b01/records",
        **form | {"criterion": "99"},
        text="帮扶",
    )
    assert bad.status_code == 422
    assert (
        field_error(bad.text, "活动方案中没有党员层级的第 99 条评选条件。") and "帮扶" in bad.text
    )
    saved = post(
        client, "/branch/b01/records", "/branch/b01/records", **form, text="主动参加社区志愿服务"
    )
    assert saved.status_code == 302
    record = next(r for r in branch(app).daily_records(YEAR) if r.text == "主动参加社区志愿服务")
    assert record.evidence == "" and record.criterion is None
    listing = client.get("/branch/b01/records?q=主动参加社区志愿服务").text
    assert listing.index("主动参加社区志愿服务") < listing.index('id="r-') + 200  # the first
    retract = f"/branch/b01/records/{record.id}/retraction"
    no_reason = post(client, "/branch/b01/records", retract, reason="")
    assert no_reason.status_code == 422 and field_error(no_reason.text, "此项不能为空")
    assert post(client, "/branch/b01/records", retract, reason="记错了对象").status_code == 302
    assert branch(app).daily_record(record.id).retracted == "记错了对象"
    shown = client.get("/branch/b01/records?q=主动参加社区志愿服务").text
    item = shown[shown.index(f'id="r-{record.id}"') :]
    item = item[: item.index("</li>")]
    assert (
        "retracted"
        in shown[shown.index(f'id="r-{record.id}"') - 5 : shown.index(f'id="r-{record.id}"') + 80]
    )
    assert "主动参加社区志愿服务" in item and "已撤回" in item and "记错了对象" in item
    assert f"撤回了 {today} 的上述记载" in item and NEW_LEADER in item


def test_a_form_sent_twice_saves_once_and_each_showing_saves_anew(client, app, demo):
    """A double click on 保存记载 sends the form twice: one record, and both answers say saved."""
    as_user(client, NEW_LEADER)
    page = client.get("/branch/b01/records").text
    once = re.search(r'name="once" value="([0-9a-f]{32})"', page)
    assert once, "every form carries its one-time key"
    text = "双击保存的记载"
    form = {
        "csrf_token": csrf_token(page),
        "once": once.group(1),
        "on": datetime.now(BEIJING).date().isoformat(),
        "level": "member",
        "subject": demo.new_members[1],
        "text": text,
    }
    first, second = (client.post("/branch/b01/records", data=form) for _ in range(2))
    assert first.status_code == second.status_code == 302
    assert [r.text for r in branch(app).daily_records(YEAR)].count(text) == 1
    # the page brought back with Back and filled anew: refused, not dropped as a repeat
    other = client.post("/branch/b01/records", data={**form, "text": "另一条记载"})
    assert other.status_code == 422 and "这张表单已经提交过了" in other.text
    assert "另一条记载" in other.text  # what was typed stays, under a new key
    assert "另一条记载" not in [r.text for r in branch(app).daily_records(YEAR)]
    # the page shown again has a new key: a second record of the same words is a new one
    again = re.search(r'name="once" value="([0-9a-f]{32})"', client.get("/branch/b01/records").text)
    assert again and again.group(1) != once.group(1)
    assert (
        client.post("/branch/b01/records", data={**form, "once": again.group(1)}).status_code == 302
    )
    assert [r.text for r in branch(app).daily_records(YEAR)].count(text) == 2


def test_the_records_are_newest_first_and_paginated(client, app):
    as_user(client, "viewer")
    first = client.get("/branch/b01/records")
    assert first.status_code == 200
    days = re.findall(
        r"<li id=\"r-[^\"]+\"[^>]*>\s*<strong>(\d{4}-\d{2}-\d{2})</strong>", first.text
    )
    assert len(days) == 20 and days == sorted(days, reverse=True)
    second = client.get("/branch/b01/records?page=2")
    later = re.findall(
        r"<li id=\"r-[^\"]+\"[^>]*>\s*<strong>(\d{4}-\d{2}-\d{2})</strong>", second.text
    )
    assert later and later[0] <= days[-1]
    assert "新增记载" not in first.text and "撤回这条记载" not in first.text


# quarterly inspection and meetings


def test_a_quarterly_inspection_is_recorded_once(client, app):
    as_user(client, WAITING_BRANCH + "-secretary")  # a new branch: nothing inspected yet
    quarter = 4
    here = f"/branch/{WAITING_BRANCH}/inspections"
    form = {
        "quarter": str(quarter),
        "on": "2026-11-24",
        "measures_checked": "措施均已落实",
        "gaps": "学习不够深入",
        "weak_links": "青年党员参与少",
    }
    missing = post(client, here, here, **form, improvements="")
    assert missing.status_code == 422 and field_error(missing.text, "此项不能为空")
    assert "青年党员参与少" in missing.text
    saved = post(client, here, here, **form, improvements="每月一次青年党员学习")
    assert saved.status_code == 302
    inspection = branch(app, WAITING_BRANCH).inspection(YEAR, quarter)
    assert inspection is not None and inspection.improvements == "每月一次青年党员学习"
    twice = post(client, here, here, **form, improvements="再来")
    assert twice.status_code == 422
    assert field_error(twice.text, f"2026 年第 {quarter} 季度已检查过")
    assert "每月一次青年党员学习" in client.get(here).text
    # a finding written wrong is corrected, with a reason; the record keeps both
    fix = f"{here}/{quarter}/correction"
    fields = {**form, "improvements": "每月一次青年党员学习"}
    fields.pop("quarter"), fields.pop("on")
    unchanged = post(client, here, fix, **fields, reason="核对")
    assert unchanged.status_code == 422 and "更正后的内容与原来相同" in unchanged.text
    corrected = post(client, here, fix, **{**fields, "gaps": "学习不够经常"}, reason="漏记")
    assert corrected.status_code == 302
    assert branch(app, WAITING_BRANCH).inspection(YEAR, quarter).gaps == "学习不够经常"
    page = client.get(here).text
    assert "学习不够经常" in page and "已更正（理由：漏记）" in page


def test_a_meeting_is_recorded_and_listed(client, app):
    as_user(client, "b01-clerk")
    form = {
        "kind": "committee-discussion",
        "on": "2026-11-24",
        "title": "第四季度支委会",
        "minutes": "讨论了年终评选准备",
    }
    bad = post(client, "/branch/b01/meetings", "/branch/b01/meetings", **form, attendees="五")
    assert bad.status_code == 422 and field_error(bad.text, "应为整数") and 'value="五"' in bad.text
    before = len(branch(app).meetings(YEAR))
    assert (
        post(
            client, "/branch/b01/meetings", "/branch/b01/meetings", **form, attendees="5"
        ).status_code
        == 302
    )
    assert len(branch(app).meetings(YEAR)) == before + 1
    page = client.get("/branch/b01/meetings").text
    assert "第四季度支委会" in page and "出席 5 人" in page and "支委会讨论创先争优工作" in page
    # attendance typed wrong: corrected with a reason, not recorded again
    (meeting,) = [m for m in branch(app).meetings(YEAR) if m.title == "第四季度支委会"]
    here, fix = "/branch/b01/meetings", f"/branch/b01/meetings/{meeting.id}/correction"
    fields = {"title": form["title"], "minutes": form["minutes"]}
    slip = post(client, here, fix, **fields, attendees="9999", reason="人数录错")
    assert slip.status_code == 422 and 'value="9999"' in slip.text
    assert '<details class="correct" open>' in slip.text and "人数录错" in slip.text
    assert post(client, here, fix, **fields, attendees="7", reason="人数录错").status_code == 302
    assert branch(app).meeting(meeting.id).attendees == 7
    page = client.get(here).text
    assert "出席 7 人" in page and "已更正（理由：人数录错）" in page
    assert len(branch(app).meetings(YEAR)) == before + 1
    # a correction of no meeting of this page is refused in words on top, a field left empty
    # as empty (not as unchanged)
    nowhere = f"/branch/b01/meetings/{uuid.uuid4()}/correction"
    lost = post(client, here, nowhere, **fields, attendees="7", reason="试")
    assert lost.status_code == 422 and 'id="lost"' in lost.text
    assert "该会议记录不存在" in lost.text
    empty = post(client, here, fix, title="", minutes=form["minutes"], attendees="7", reason="试")
    assert empty.status_code == 422 and field_error(empty.text, "此项不能为空")


# who may


WORK_PAGES = [
    "/branch/b01/groups",
    "/branch/b01/members",
    "/branch/b01/members/B01001",
    "/branch/b01/measures",
    "/branch/b01/records",
    "/branch/b01/inspections",
    "/branch/b01/meetings",
]


@pytest.mark.parametrize("path", WORK_PAGES)
def test_another_branchs_user_gets_404_and_the_committee_reads(client, path):
    as_user(client, "b02-clerk")
    assert client.get(path).status_code == 404
    token = csrf_token(client.get("/branch/b02/members").text)
    assert client.post(path, data={"csrf_token": token}).status_code in (404, 405)
    as_user(client, "viewer")
    assert client.get(path).status_code == 200


WRITES = [
    "/branch/b01/groups",
    "/branch/b01/members",
    "/branch/b01/members/B01001/departure",
    "/branch/b01/measures",
    "/branch/b01/records",
    "/branch/b01/inspections",
    "/branch/b01/meetings",
    "/branch/b01/assessment/correction",
]


@pytest.mark.parametrize("path", WRITES)
def test_a_committee_viewer_may_not_write_and_another_branch_gets_404(client, path):
    as_user(client, "viewer")
    token = csrf_token(client.get("/branch/b01/members").text)
    assert client.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 403
    as_user(client, "b02-secretary")
    token = csrf_token(client.get("/branch/b02/members").text)
    assert client.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 404


def test_the_pages_are_in_english_on_request(client):
    as_user(client, "b01-clerk")
    client.get("/lang/en")
    assert "File a measure" in client.get("/branch/b01/measures").text
    assert "Enrol a member" in client.get("/branch/b01/members").text
    client.get("/lang/zh")


# corrections of monthly scores


def test_a_correction_shows_the_corrected_value_the_previous_one_and_the_reason(client, app):
    as_user(client, "b01-clerk")
    group = "g1"
    member = next(m for m in branch(app).group_members(group))
    assessment = branch(app).assessment(YEAR, 10, "member", member.member_no)
    previous = assessment.scores["M1"]
    new = 0.5 if previous != 0.5 else 1.0
    grid = client.get(f"/branch/b01/assessment?month=10&fix={group}:{member.member_no}:M1")
    assert grid.status_code == 200 and "更正已考核的分数" in grid.text
    assert f'<option value="{member.member_no}" selected>' in grid.text
    assert f"fix={group}:{member.member_no}:M1" in grid.text  # the cell's own 更正 link
    cell = {"grid": group, "month": "10", "subject": member.member_no, "item": "M1"}
    page = "/branch/b01/assessment?month=10"
    action = "/branch/b01/assessment/correction"
    high = post(client, page, action, **cell, points="99", reason="录入错误")
    assert (
        high.status_code == 422
        and field_error(high.text, "的分数应在 0 到 10 之间")
        and "员1（" in high.text
    )
    assert 'value="99"' in high.text and "录入错误" in high.text
    no_reason = post(client, page, action, **cell, points=str(new), reason="")
    assert no_reason.status_code == 422 and field_error(no_reason.text, "此项不能为空")
    # typed with a Chinese input method: full-width digits and point
    wide = str(new).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    done = post(client, page, action, **cell, points=wide, reason="核对原始记录后更正")
    assert done.status_code == 302
    assert branch(app).assessment(YEAR, 10, "member", member.member_no).scores["M1"] == new
    shown = client.get(page).text
    row = shown[shown.index(f'data-subject="{member.member_no}"') :]
    row = row[: row.index("</tr>")]
    assert f'<span class="recorded">{new:g}</span>' in row
    assert f"原 {previous:g}：核对原始记录后更正" in row  # a full-width colon in Chinese
    as_user(client, "viewer")
    read = client.get(page).text
    assert "核对原始记录后更正" in read and "更正已考核的分数" not in read


def test_a_leaders_refusal_names_the_member_and_the_group(client, app, demo):
    """Names, not codes: "甲新员 不是您所在党小组（…）的党员", not "B01901 … （g1）"."""
    as_user(client, "b01-leader")
    outsider = demo.new_members[0]  # in the new group, not the leader's
    refused = post(
        client,
        "/branch/b01/records",
        "/branch/b01/records",
        on="2026-11-02",
        level="member",
        subject=outsider,
        text="参加志愿服务",
        criterion="",
        evidence="",
    )
    group = branch(app).group("g1").name
    assert f"甲新员 不是您所在党小组（{group}）的党员" in refused.text
    assert outsider not in refused.text.split("不是您所在党小组")[0][-20:]
