"""The audit pages through the Flask test client: a subject's trail, the difference between two
dates, and the archive list with sealing, download and verification."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from cxzy_saas.application.commands.evaluation import CloseBallot
from cxzy_saas.application.commands.organisation import EraseMember
from cxzy_saas.application.commands.work import CorrectScore
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.domain.organisation import ERASED_NAME
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web import tenancy_of
from tests.web.conftest import COMMITTEE, YEAR, Demo, as_user, build_small_demo, csrf_token

CORRECTED_MEMBER = "B01001"  # its June score for M1 corrected after the year end
ERASED_MEMBER = "B01002"  # its personal data erased on request
PRESEALED = "b02"  # sealed on demand by the fixture, for download and verify
AFTER_YEAR_END = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    demo = build_small_demo(tmp_path_factory.mktemp("audit-pages"))
    tenancy = Tenancy(demo.settings)
    try:
        tenancy.clock = lambda: AFTER_YEAR_END  # a correction recorded after the year end
        secretary = Actor(user="b01-secretary", role="branch-secretary", tenant="b01")
        b01 = tenancy.branch("b01")
        b01.correct_score(
            secretary,
            CorrectScore(
                year=YEAR,
                month=6,
                level="member",
                subject=CORRECTED_MEMBER,
                item="M1",
                points=1.0,
                reason="误录,更正",
            ),
        )
        b01.erase_member(
            secretary, EraseMember(member_no=ERASED_MEMBER, reason="本人申请删除个人信息")
        )
        admin = Actor(user="admin", role="committee-admin", tenant=COMMITTEE)
        tenancy.committee(COMMITTEE).seal_archive(admin, PRESEALED, YEAR, on_demand=True)
    finally:
        tenancy.close()
    return demo


def shown(app, username: str) -> str:  # type: ignore[no-untyped-def]
    """An account's display name (the demo gives each a surname and a title)."""
    name = tenancy_of(app).committee(COMMITTEE).account(username).display_name
    assert name != username
    return str(name)


def rows(html: str) -> list[str]:
    return re.findall(r"<tr[^>]*>.*?</tr>", html, re.S)


# the trail of a subject


def test_a_members_trail_lists_its_events_in_order_with_actors_and_links_corrections(client, app):
    as_user(client, "auditor")
    page = client.get(f"/committee/audit/trail?branch=b01&subject={CORRECTED_MEMBER}&per_page=1000")
    assert page.status_code == 200
    text = page.text
    assert "杜辰梁" in text and "记录人" in text
    positions = [int(p) for p in re.findall(r'<tr id="ev-b01-(\d+)"', text)]
    assert positions and positions == sorted(positions)
    # who recorded, by the account's name, with the role's name
    assert f"{shown(app, 'b01-clerk')}（组织委员）" in text and "b01-clerk" not in text
    assert "2026-01-04 09:30" in text  # the first enrolment, recorded at 01:30 UTC = 09:30 UTC+8
    correction = re.search(
        r'<tr id="ev-b01-(\d+)"[^>]*>(?:(?!</tr>).)*分数更正.*?</tr>', text, re.S
    )
    assert correction, "the correction is in the trail"
    corrected = re.search(r'更正了 <a href="#ev-b01-(\d+)"', correction.group(0))
    assert corrected, "the correction links to what it corrects"
    # once, in its column: not again among its fields as the bare version number it names
    assert "<dt>更正了</dt>" not in correction.group(0)
    target = corrected.group(1)
    assert f'被 <a href="#ev-b01-{correction.group(1)}"' in text  # and back
    assert int(target) < int(correction.group(1))
    assert "误录,更正" in text and "2027-01-10 10:00" in text


def test_the_trail_page_offers_branches_and_subjects_and_searches_them(client):
    as_user(client, "viewer")
    start = client.get("/committee/audit/trail")
    assert start.status_code == 200 and 'name="subject"' in start.text
    assert "办公室党支部" in start.text and "规划处党支部" in start.text
    listed = client.get("/committee/audit/trail?branch=b01")
    assert f"subject={CORRECTED_MEMBER}" in listed.text and "subject=g1" in listed.text
    found = client.get("/committee/audit/trail?branch=b01&subject=B0100")
    assert found.status_code == 200 and "未找到" not in found.text
    assert "个对象的编号或名称含「B0100」" in found.text
    assert f"subject={CORRECTED_MEMBER}" in found.text
    one = client.get("/committee/audit/trail?branch=b01&subject=杜辰梁")  # the only match
    assert "ev-b01-" in one.text
    nothing = client.get("/committee/audit/trail?branch=b01&subject=查无此人")
    assert "未找到对象「查无此人」" in nothing.text
    group = client.get("/committee/audit/trail?branch=b01&subject=g1")
    assert group.status_code == 200 and "综合党小组" in group.text and "ev-b01-" in group.text
    branch = client.get("/committee/audit/trail?branch=b01&subject=b01")
    assert branch.status_code == 200 and "党支部建立" in branch.text
    # events by their Chinese names, not class names (which the kind filter sends as values)
    assert "Branch.Opened" not in re.sub(r'value="[^"]*"', "", branch.text)


def test_an_erased_member_shows_as_erased_and_ballots_stay_anonymous(client):
    as_user(client, "auditor")
    page = client.get(f"/committee/audit/trail?branch=b01&subject={ERASED_MEMBER}")
    assert page.status_code == 200
    assert ERASED_NAME in page.text and "个人信息已删除" in page.text
    member = client.get(f"/committee/audit/trail?branch=b01&subject={CORRECTED_MEMBER}").text
    branch = client.get("/committee/audit/trail?branch=b01&subject=b01").text
    for text in (member, branch):
        assert "民主测评开始" in text and "测评码已使用" not in text  # no single ballot shown
    assert "民主测评结束" in member and "计票" in member  # the member's tally at close
    assert "（个人信息，不显示）" in member  # nor its personal fields


def test_the_enrolment_row_shows_the_number_under_its_label_and_the_name_under_its_own(client, app):
    as_user(client, "auditor")
    member = tenancy_of(app).branch("b01").member(CORRECTED_MEMBER)
    page = client.get(f"/committee/audit/trail?branch=b01&subject={CORRECTED_MEMBER}").text
    enrolled = next(r for r in rows(page) if "党员登记" in r)
    fields = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", enrolled))
    assert CORRECTED_MEMBER in fields["党员编号"] and member.name not in fields["党员编号"]
    assert fields["姓名"] == member.name
    erased = client.get(f"/committee/audit/trail?branch=b01&subject={ERASED_MEMBER}").text
    fields = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", erased))
    assert fields["姓名"] == ERASED_NAME


def test_an_unknown_branch_is_a_note_not_an_error(client):
    as_user(client, "auditor")
    page = client.get("/committee/audit/trail?branch=nope&subject=x")
    assert page.status_code == 404 and "党支部 nope 不存在。" in page.text


# the difference between two dates


def test_the_difference_between_two_dates_shows_a_change_and_its_cause(client, app):
    as_user(client, "auditor")
    page = client.get(
        f"/committee/audit/diff?campaign={YEAR}&from=2026-12-31&to=2027-01-31&level=member"
    )
    assert page.status_code == 200
    text = page.text
    changed = [r for r in rows(text) if f"subject={CORRECTED_MEMBER}" in r]
    assert changed, "the corrected member's row changed"
    assert "分数更正" in changed[0] and shown(app, "b01-secretary") in changed[0]
    assert "→" in changed[0]
    assert "办公室党支部日志第 " in changed[0] and "b01@" not in changed[0]  # a place, as said
    # a summary first: the corrections are counted there and listed on their own tab
    assert 'id="diff-summary"' in text and text.index("diff-summary") < text.index("diff-member")
    listed = client.get(
        f"/committee/audit/diff?campaign={YEAR}&from=2026-12-31&to=2027-01-31&level=member"
        "&show=corrections"
    )
    assert "误录,更正" in listed.text  # the corrections in the window
    nothing = client.get(
        f"/committee/audit/diff?campaign={YEAR}&from=2027-01-31&to=2027-02-28&level=member"
    )
    assert nothing.status_code == 200 and "没有变化" in nothing.text


def test_the_difference_page_says_what_is_wrong_with_its_dates(client):
    as_user(client, "viewer")
    assert client.get("/committee/audit/diff").status_code == 200
    bad = client.get(f"/committee/audit/diff?campaign={YEAR}&from=2026-13-01&to=2026-12-31")
    assert bad.status_code == 422 and "日期格式应为年-月-日" in bad.text
    backwards = client.get(f"/committee/audit/diff?campaign={YEAR}&from=2026-12-31&to=2026-06-30")
    assert backwards.status_code == 422 and "起始日期不能晚于结束日期" in backwards.text
    ahead = client.get(f"/committee/audit/diff?campaign={YEAR}&from=2026-06-30&to=2099-01-31")
    assert ahead.status_code == 200 and "结束日期晚于今天" in ahead.text  # said, not hidden
    # one day given: the other is filled in as the empty form offers it, not refused
    one = client.get(f"/committee/audit/diff?campaign={YEAR}&to=2027-01-31")
    assert one.status_code == 200 and 'value="2027-01-01"' in one.text
    assert client.get(f"/committee/audit/diff?campaign={YEAR}&to=0001-01-05").status_code == 422


# the archive list


def seal_form(client, branch: str, **extra: str):  # type: ignore[no-untyped-def]
    confirm = client.get(f"/committee/archives/{branch}/{YEAR}/seal")
    assert confirm.status_code == 200
    data = {"csrf_token": csrf_token(confirm.text), "confirm": "yes", **extra}
    return client.post(f"/committee/archives/{branch}/{YEAR}/seal", data=data)


def archive_row(html: str, branch: str) -> str:
    found = [r for r in rows(html) if f'data-branch="{branch}"' in r]
    assert len(found) == 1, branch
    return found[0]


def test_an_admin_seals_on_demand_and_a_second_seal_is_refused_in_chinese(client, app):
    as_user(client, "admin")
    listing = client.get("/committee/archives")
    assert listing.status_code == 200
    row = archive_row(listing.text, "b01")
    assert "未归档" in row and "活动尚未结束" in row and "/committee/archives/b01/2026/seal" in row
    assert "已归档" in archive_row(listing.text, PRESEALED)
    confirm = client.get(f"/committee/archives/b01/{YEAR}/seal")
    assert "提前归档" in confirm.text and 'type="checkbox"' in confirm.text
    not_explicit = seal_form(client, "b01")
    assert not_explicit.status_code == 409 and "活动尚未结束" in not_explicit.text
    # a ballot still open would be stranded, never counted: the branch closes it first
    stranding = seal_form(client, "b01", on_demand="yes")
    assert stranding.status_code == 409 and "民主测评没有结束" in stranding.text
    b01 = tenancy_of(app).branch("b01")
    secretary = Actor(user="b01-secretary", role="branch-secretary", tenant="b01")
    for ballot in b01.ballots(YEAR):
        if ballot.closed_on is None:
            b01.close_ballot(secretary, CloseBallot(ballot_id=ballot.id, on=ballot.opened_on))
    sealed = seal_form(client, "b01", on_demand="yes")
    assert sealed.status_code == 302 and sealed.headers["Location"].startswith("/committee/archive")
    after = client.get(sealed.headers["Location"])
    assert "已归档" in after.text and "已归档：b01" not in after.text  # by the branch's name
    row = archive_row(client.get("/committee/archives").text, "b01")
    assert "已归档" in row and shown(app, "admin") in row and "提前归档" in row
    assert re.search(r"<code[^>]*>[0-9a-f]{12}…</code>", row)
    assert "bundle.zip" in row and "/seal" not in row
    again = seal_form(client, "b01", on_demand="yes")
    assert again.status_code == 409 and "已经归档" in again.text


def test_an_auditor_downloads_a_bundle_that_verifies(client):
    as_user(client, "auditor")
    listing = client.get("/committee/archives")
    assert "/seal" not in archive_row(listing.text, PRESEALED)
    download = client.get(f"/committee/archives/{PRESEALED}/{YEAR}/bundle.zip")
    saved = f"规划处党支部{YEAR}年度归档包.zip"  # b02's name, as the archives page shows it
    assert quote(saved) in download.headers["Content-Disposition"]
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as bundle:
        files = {i.filename: bundle.read(i) for i in bundle.infolist()}
    result = verify_files(files)
    assert result.ok, result.message()
    assert any(name.endswith(".pdf") for name in files)
    check = client.get(f"/committee/archives/{PRESEALED}/{YEAR}/verify")
    assert check.status_code == 200 and "校验通过" in check.text
    assert result.summary["head"] in check.text


def test_nothing_to_download_before_a_seal(client):
    as_user(client, "viewer")
    assert client.get(f"/committee/archives/b03/{YEAR}/bundle.zip").status_code == 404


@pytest.mark.parametrize("username", ["auditor", "viewer"])
def test_an_auditor_or_a_viewer_cannot_seal(client, username):
    as_user(client, username)
    assert client.get(f"/committee/archives/b03/{YEAR}/seal").status_code == 403
    token = csrf_token(client.get("/committee/archives").text)
    refused = client.post(
        f"/committee/archives/b03/{YEAR}/seal",
        data={"csrf_token": token, "confirm": "yes", "on_demand": "yes"},
    )
    assert refused.status_code == 403 and "无权" in refused.text


AUDIT_PAGES = [
    "/committee/audit/trail",
    "/committee/audit/trail?branch=b02&subject=B02001",
    f"/committee/audit/diff?campaign={YEAR}&from=2026-06-30&to=2026-07-31",
    "/committee/archives",
    f"/committee/archives/b02/{YEAR}/seal",
    f"/committee/archives/{PRESEALED}/{YEAR}/bundle.zip",
    f"/committee/archives/{PRESEALED}/{YEAR}/verify",
]


@pytest.mark.parametrize("path", AUDIT_PAGES)
def test_audit_pages_do_not_exist_for_a_branch_user(client, path):
    as_user(client, "b02-secretary")
    assert client.get(path).status_code == 404, path


def test_a_branch_user_cannot_seal(client):
    as_user(client, "b01-secretary")
    token = csrf_token(client.get("/branch/b01").text)
    refused = client.post(
        f"/committee/archives/b01/{YEAR}/seal",
        data={"csrf_token": token, "confirm": "yes", "on_demand": "yes"},
    )
    assert refused.status_code == 404


def test_the_committee_menu_links_the_audit_pages(client):
    as_user(client, "viewer")
    home = client.get("/committee").text
    for path in ("/committee/audit/trail", "/committee/audit/diff", "/committee/archives"):
        assert f'href="{path}"' in home


def test_a_trail_pages_and_filters_by_kind_and_day_and_links_across_pages(client):
    as_user(client, "auditor")
    base = f"/committee/audit/trail?branch=b01&subject={CORRECTED_MEMBER}"
    whole = client.get(base + "&per_page=1000").text
    total = len(re.findall(r'<tr id="ev-b01-', whole))
    first = client.get(base).text
    assert len(re.findall(r'<tr id="ev-', first)) == min(total, 50)
    if total > 50:
        assert 'rel="next"' in first and "第 1 / " in first
    only = client.get(base + "&kind=Assessment.ScoreCorrected").text
    shown = re.findall(r'<tr id="ev-b01-\d+"[^>]*>(?:(?!</tr>).)*</tr>', only, re.S)
    assert shown and all("分数更正" in row for row in shown)
    assert "筛选出" in only
    # what it corrects is filtered out: its link opens the page of the whole trail showing it
    target = html.unescape(re.search(r'更正了 <a href="([^"]+)"', only).group(1))
    assert target.startswith("/committee/audit/trail?") and "#ev-b01-" in target
    assert "kind=" not in target
    assert client.get(target.split("#")[0]).text.count(target.split("#")[1]) >= 1
    late = client.get(base + "&from=2027-01-01&to=2027-12-31&per_page=1000").text
    days = re.findall(r"<td>(20\d\d)-\d\d-\d\d \d\d:\d\d</td>", late)
    assert days and set(days) == {"2027"}
    bad = client.get(base + "&from=2027-02-30")
    assert bad.status_code == 200 and "aria-invalid" in bad.text


def test_a_groups_trail_holds_its_branchs_commendation_and_recommendation_upward(client, app):
    """They showed only under the commendation's internal id, with 'notice' for 通报表扬."""
    own = tenancy_of(app).branch("b01").branch_commendation(YEAR)
    assert own is not None and own.recommended, "the demo recommends b01's first group upward"
    group = own.recommended[0]["subject"]
    as_user(client, "auditor")
    page = client.get(f"/committee/audit/trail?branch=b01&subject={group}&per_page=1000").text
    assert "党支部表彰" in page and "向上级党委推荐" in page and "通报表扬" in page
    assert ">notice<" not in page and ">certificate<" not in page
    whole = client.get("/committee/audit/trail?branch=b01&subject=b01&per_page=1000").text
    assert "党支部表彰" in whole


def test_every_kind_of_event_is_named_in_chinese_on_the_audit_pages(app):
    """The diff counts events by kind and the trail lists them: each kind the domain records
    has its Chinese name, never the class's English one (Campaign.Closed)."""
    from cxzy_saas.domain.events import BY_NAME
    from cxzy_saas.web.pages.audit import event_label

    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        unnamed = [name for name in BY_NAME if event_label(name) == name]
        assert unnamed == []
        assert event_label("Campaign.Closed") == "年度活动结束"


def test_every_field_an_event_stores_is_named_in_chinese_in_a_trail(app):
    """A trail shows each event's fields under their names: a seal's or an amendment's too
    (an auditor saw archive_id, revision and digest in English)."""
    import dataclasses

    from cxzy_saas.audit.trail import HIDDEN
    from cxzy_saas.domain.events import aggregates, events_of
    from cxzy_saas.event_catalogue import COMMON
    from cxzy_saas.web.pages.audit import field_label

    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        unnamed = sorted(
            {
                f"{cls.__name__}.{event.__name__}: {f.name}"
                for cls in aggregates()
                for event in events_of(cls)
                for f in dataclasses.fields(event)
                if f.name not in COMMON + HIDDEN
                and re.search(r"[A-Za-z]", field_label(f.name, f"{cls.__name__}.{event.__name__}"))
            }
        )
        assert unnamed == []


def test_a_trail_names_what_its_events_point_at_and_finds_a_member_by_name(client, app):
    as_user(client, "auditor")
    page = client.get("/committee/audit/trail?branch=b01&subject=b01&per_page=1000").text
    fields = " ".join(re.findall(r'<dl class="fields">(.*?)</dl>', page, re.S))
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    assert uuid.findall(fields) == []  # a letter answered, a measure acknowledged: by title
    letter = tenancy_of(app).branch("b01").letters(YEAR)[0]
    assert f"《{letter.title}》" in html.unescape(fields)
    assert "<dt>报送</dt>" in fields and "<dt>现</dt>" not in fields  # where a report went
    member = tenancy_of(app).branch("b01").member(CORRECTED_MEMBER)
    by_name = client.get(f"/committee/audit/trail?branch=b01&subject={quote(member.name)}")
    assert "未找到" not in by_name.text and 'id="ev-b01-' in by_name.text


def test_a_trail_names_criteria_of_records_and_measures_by_level_and_words(client):
    as_user(client, "auditor")
    page = client.get(f"/committee/audit/trail?branch=b01&subject={CORRECTED_MEMBER}&per_page=1000")
    criteria = re.findall(r"<dt>评选条件</dt><dd>([^<]*)</dd>", html.unescape(page.text))
    assert criteria, "the member's records name criteria"
    # 党员第3条：… as the records page's filter says it, never a bare number (measures: a list)
    assert all(re.fullmatch(r"党员第\d+条：[^；]+(；党员第\d+条：[^；]+)*", c) for c in criteria), (
        criteria
    )


def test_a_member_acting_under_their_number_is_named_as_recorder(client, app):
    as_user(client, "auditor")
    number = "B01005"
    page = client.get(f"/committee/audit/trail?branch=b01&subject={number}&per_page=1000").text
    name = tenancy_of(app).branch("b01").member(number).name
    assert f"<td>{name}（党员）</td>" in page  # their self-summaries, by name
    assert f">{number}</span>（党员）" not in page


def test_a_groups_trail_calls_its_name_a_name_not_a_persons(client):
    as_user(client, "auditor")
    page = client.get("/committee/audit/trail?branch=b01&subject=g1&per_page=1000").text
    body = page.split("<tbody>")[1]
    formed = body[body.index("党小组成立") :].split("</tr>")[0]
    assert "<dt>名称</dt>" in formed and "<dt>姓名</dt>" not in formed


def test_a_trail_tells_the_committees_quarterly_assessment_from_a_monthly_one(client):
    as_user(client, "auditor")
    branch = client.get("/committee/audit/trail?branch=b01&subject=b01&per_page=1000").text
    assert "<td>季度考核</td>" in branch and "<td>月度考核</td>" not in branch
    member = client.get(f"/committee/audit/trail?branch=b01&subject={CORRECTED_MEMBER}").text
    assert "<td>月度考核</td>" in member and "<td>季度考核</td>" not in member
