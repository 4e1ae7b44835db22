"""Every board answers search, filters, sort and paging the same way in the API and the pages
(``?q=&branch=&group=&band=&status=&sort=&page=&per_page=``), and exports what it shows."""

from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import date
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from cxzy_saas.web.pages.screen import month_followed
from tests.web.api_demo import app_for, bearer, build
from tests.web.conftest import as_user

LEVELS = ("branch", "group", "member")


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


FIGURES = ("composite", "work", "rating", "target")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return app_for(build(tmp_path_factory.mktemp("boards")))


@pytest.fixture(scope="module")
def viewer(app):
    return bearer(app.test_client(), "viewer")


def board(app, headers, level: str, **args) -> dict:
    response = app.test_client().get(
        f"/api/v1/campaigns/2026/leaderboards/{level}", query_string=args, headers=headers
    )
    assert response.status_code == 200, response.json
    return response.json


def everything(app, headers, level: str, **args) -> list[dict]:
    return board(app, headers, level, per_page=500, **args)["rows"]


@pytest.mark.parametrize("level", LEVELS)
def test_pages_of_a_board_put_together_are_the_whole_board(app, viewer, level):
    whole = everything(app, viewer, level)
    assert whole
    first = board(app, viewer, level, per_page=3)
    assert (first["page"], first["per_page"], first["total"]) == (1, 3, len(whole))
    pages = -(-len(whole) // 3)
    joined = [
        r
        for p in range(1, pages + 1)
        for r in board(app, viewer, level, per_page=3, page=p)["rows"]
    ]
    assert joined == whole
    assert board(app, viewer, level, per_page=3, page=pages + 1)["rows"] == []
    # rated first, by rank; 未参评 after them
    ranks = [r["rank"] for r in whole if r["rank"] is not None]
    assert ranks == sorted(ranks)
    assert [r["status"] for r in whole] == sorted(
        (r["status"] for r in whole), key=lambda s: s == "unrated"
    )


@pytest.mark.parametrize("level", LEVELS)
def test_search_finds_names_and_numbers(app, viewer, level):
    whole = everything(app, viewer, level)
    target = whole[len(whole) // 2]
    key = "code" if level == "branch" else "id"
    by_name = everything(app, viewer, level, q=target["name"][-2:])
    assert target in by_name and all(target["name"][-2:] in r["name"] for r in by_name)
    by_number = everything(app, viewer, level, q=target[key].upper())
    assert target in by_number  # case does not matter
    assert all(target[key].lower() in (r[key] + r["name"]).lower() for r in by_number)
    assert everything(app, viewer, level, q="没有这个名字") == []
    assert everything(app, viewer, level, q="%") == []  # a wildcard is a character like any
    if level != "branch":  # the name of a branch finds its rows
        branch = next(r for r in everything(app, viewer, "branch") if r["code"] == "b02")
        found = everything(app, viewer, level, q=branch["name"])
        assert found == [r for r in whole if r["branch"] == "b02"]


@pytest.mark.parametrize("level", LEVELS)
def test_filters_by_branch_band_and_status(app, viewer, level):
    whole = everything(app, viewer, level)
    key = "code" if level == "branch" else "branch"
    only = everything(app, viewer, level, branch="b02")
    assert only and only == [r for r in whole if r[key] == "b02"]
    for band in {r["band"] for r in whole if r["band"]}:
        assert everything(app, viewer, level, band=band) == [r for r in whole if r["band"] == band]
    assert everything(app, viewer, level, status="rated") == [
        r for r in whole if r["status"] == "rated"
    ]


def test_the_member_board_filters_by_group_and_names_each_members_group_and_branch(app, viewer):
    whole = everything(app, viewer, "member")
    assert all(r["branch_name"] and r["branch_name"] != r["branch"] for r in whole)
    grouped = [r for r in whole if r["group"]]
    assert grouped and all(r["group_name"] for r in grouped)
    code = grouped[0]["group"]
    mine = everything(app, viewer, "member", group=code, branch=grouped[0]["branch"])
    assert mine == [r for r in whole if r["group"] == code and r["branch"] == grouped[0]["branch"]]


def test_group_rows_name_their_branch(app, viewer):
    groups = everything(app, viewer, "group")
    names = {r["branch"]: r["branch_name"] for r in groups}
    assert set(names) == {"b01", "b02"} and len(set(names.values())) == 2
    assert all("支部" in n for n in names.values())


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("column", ["rank", "name", *FIGURES])
def test_every_column_sorts_both_ways_with_gaps_last(app, viewer, level, column):
    for descending in (False, True):
        rows = everything(app, viewer, level, sort=("-" if descending else "") + column)
        values = [r[column] for r in rows]
        present = [v for v in values if v is not None]
        assert values[: len(present)] == present  # missing figures last either way
        # figures read best first ("composite": highest first), the rest a-z, 1-n; names in
        # pinyin order (李 before 王 before 张), as a Chinese reader looks a name up
        high_first = column in FIGURES
        key = (lambda v: v.encode("gb18030")) if column == "name" else None
        expected = sorted(present, key=key, reverse=high_first != descending)
        assert present == expected, (column, descending)


def test_the_bottom_view_lists_the_last_ranked_first(app, viewer):
    whole = everything(app, viewer, "member")
    rated = [r for r in whole if r["rank"] is not None]
    bottom = board(app, viewer, "member", sort="-rank", per_page=5)["rows"]
    assert (
        bottom == list(reversed(rated))[:5]
        or [r["rank"] for r in bottom] == sorted((r["rank"] for r in rated), reverse=True)[:5]
    )
    assert bottom[0]["rank"] == max(r["rank"] for r in rated)


@pytest.mark.parametrize(
    "args",
    [
        {"sort": "bogus"},
        {"sort": "--rank"},
        {"band": "great"},
        {"status": "maybe"},
        {"per_page": 0},
        {"per_page": 501},
        {"page": 0},
        {"page": "x"},
        {"branch": "B 02"},
        {"group": "g 1"},
        {"q": ""},
        {"q": "x" * 101},
        {"q": "a\x00b"},
        {"colour": "red"},
    ],
)
def test_a_malformed_parameter_is_refused_with_422_naming_it(app, viewer, args):
    response = app.test_client().get(
        "/api/v1/campaigns/2026/leaderboards/member", query_string=args, headers=viewer
    )
    assert response.status_code == 422, (args, response.json)


def test_a_branch_user_never_sees_other_branches_whatever_it_asks(app):
    headers = bearer(app.test_client(), "b02-secretary")
    assert board(app, headers, "member", branch="b01")["total"] == 0
    mine = everything(app, headers, "member")
    assert mine and {r["branch"] for r in mine} == {"b02"}


def test_the_openapi_document_names_every_board_parameter_and_its_closed_sets(app):
    spec = app.test_client().get("/api/openapi.json").json
    operation = spec["paths"]["/api/v1/campaigns/{year}/leaderboards/{level}"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
    assert {"q", "branch", "group", "band", "status", "sort", "page", "per_page", "as_of"} <= set(
        params
    )
    assert set(params["band"]["enum"]) - {None} == {
        "excellent",
        "competent",
        "basic",
        "incompetent",
    }
    assert "-rank" in params["sort"]["enum"] and "composite" in params["sort"]["enum"]
    assert params["per_page"]["maximum"] == 500


def test_the_board_page_searches_filters_sorts_and_pages(app):
    client = as_user(app.test_client(), "viewer")
    page = client.get(
        "/committee/boards/member?campaign=2026&per_page=5&sort=-composite&branch=b01"
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "第 1 / " in html and 'rel="next"' in html and 'aria-sort="ascending"' in html
    assert 'data-branch="b02"' not in html
    last = client.get("/committee/boards/member?campaign=2026&page=999&per_page=20").text
    assert "data-subject=" in last and 'aria-current="page">999' not in last  # the last page
    bad = client.get("/committee/boards/member?campaign=2026&sort=bogus&page=-3&q=%00")
    assert bad.status_code == 200 and "无效的值" in bad.get_data(as_text=True)
    bottom = client.get("/committee/boards/group?campaign=2026&sort=-rank").get_data(as_text=True)
    assert 'id="bottom-view"' in bottom and "党支部" in bottom


def test_the_member_board_filters_by_a_group_chosen_by_name(app, viewer):
    client = as_user(app.test_client(), "viewer")
    html = client.get("/committee/boards/member?campaign=2026&group=b01:g1&per_page=200").text
    # g1 is a code in both branches: the select names each group under its branch
    members = everything(app, viewer, "member", branch="b01", group="g1")
    assert members and "党小组代码" not in html
    picked = re.search(r'<option value="b01:g1" selected>([^<]+)</option>', html)
    assert picked and picked.group(1) == members[0]["group_name"]
    shown = set(re.findall(r'data-subject="([^"]+)"', html))
    assert shown == {r["id"] for r in members} and 'data-branch="b02"' not in html
    # b01's group with b02 chosen: not b02's g1 in its place, but b02's board and a note
    crossed = client.get("/committee/boards/member?campaign=2026&branch=b02&group=b01:g1").text
    assert "不属于所选党支部" in crossed
    b02 = [r["id"] for r in board(app, viewer, "member", branch="b02")["rows"]]
    assert b02 and re.findall(r'data-subject="([^"]+)"', crossed) == b02
    # the form sends an empty branch beside the group it names: that group, no note
    formed = client.get("/committee/boards/member?campaign=2026&branch=&group=b01:g1").text
    assert "不属于所选党支部" not in formed
    assert set(re.findall(r'data-subject="([^"]+)"', formed)) == {r["id"] for r in members}


def test_exports_hold_what_the_board_shows(app, viewer):
    client = as_user(app.test_client(), "viewer")
    shown = everything(app, viewer, "member", branch="b02", sort="name")
    xlsx = client.get(
        "/committee/boards/member.xlsx?campaign=2026&branch=b02&sort=name&per_page=20"
    )
    assert xlsx.status_code == 200
    # saved under a Chinese name (RFC 6266), with an ASCII one for old clients
    disposition = xlsx.headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('2026年度党员排行榜.xlsx')}" in disposition
    assert re.search(r'filename="[\x20-\x7e]+\.xlsx"', disposition)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None and sheet.title == "党员排行榜"
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:3] == ("名次", "名称", "编号")
    assert [line[2] for line in lines[1:]] == [r["id"] for r in shown]  # every page, in order
    pdf = client.get("/committee/boards/member.pdf?campaign=2026&branch=b02&sort=name")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    assert "党员排行榜" in text and "排序：名称" in text
    assert shown[0]["name"] in text and shown[-1]["name"] in text
    assert shown[0]["branch_name"] in text  # the branch filter by name, and each row's
    # names stay whole in their columns: each row's branch name is on one line, unbroken
    assert text.count(shown[0]["branch_name"]) > len(shown)
    assert quote("2026年度党员排行榜.pdf") in pdf.headers["Content-Disposition"]
    # figures as the page shows them (two places), numbers whole, and what a score lacks
    assert all(f"{r['composite']:.2f}" in text for r in shown if r["composite"] is not None)
    assert [r["id"] for r in shown if r["id"] not in text] == []
    notes = {line[2]: line[-1] for line in lines[1:]}
    assert lines[0][-1] == "说明"
    for r in shown:
        lacks = "".join(r["missing"])
        assert bool(notes[r["id"]]) == bool(lacks), r
    lacking = [r for r in everything(app, viewer, "member") if r["missing"]]
    if lacking:
        some = client.get(f"/committee/boards/member.pdf?campaign=2026&q={lacking[0]['id']}")
        assert "缺" in pdf_text(some.data) and "—" in pdf_text(some.data)
    assert client.get("/committee/boards/member.doc?campaign=2026").status_code == 404


def test_an_export_of_a_past_day_is_named_so_and_a_bad_day_is_refused(app):
    client = as_user(app.test_client(), "viewer")
    past = client.get("/committee/boards/group.xlsx?campaign=2026&as_of=2026-03-31")
    assert past.status_code == 200
    assert (
        quote("2026年度党小组排行榜（截至2026-03-31）.xlsx") in past.headers["Content-Disposition"]
    )
    for day in ("abc", "2999-01-01"):  # not a date; a day to come
        refused = client.get(f"/committee/boards/group.pdf?campaign=2026&as_of={day}")
        assert refused.status_code == 422 and "日期" in refused.get_data(as_text=True)
        assert refused.mimetype == "text/html"


def test_a_group_boards_export_names_groups_and_branches_not_codes(app, viewer):
    client = as_user(app.test_client(), "viewer")
    shown = everything(app, viewer, "group")
    xlsx = client.get("/committee/boards/group.xlsx?campaign=2026&per_page=500")
    lines = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    # a group's code (g1) is its branch's own: every branch has a g1, so it tells no one apart
    assert lines[0][:3] == ("名次", "名称", "党支部")
    assert [line[1:3] for line in lines[1:]] == [(r["name"], r["branch_name"]) for r in shown]
    codes = {r["code"] for r in shown if r.get("code")} | {r["id"] for r in shown}
    assert not codes & {cell for line in lines[1:] for cell in line}


def test_the_matrix_has_the_branch_criteria_and_every_criterions_title(app, viewer):
    found = app.test_client().get("/api/v1/campaigns/2026/matrix", headers=viewer).json
    levels = [c.split(":")[0] for c in found["criteria"]]
    assert levels[0] == "branch" and {"group", "member"} <= set(levels)
    assert levels == sorted(levels, key=["branch", "group", "member"].index)
    assert set(found["titles"]) == set(found["criteria"]) and all(found["titles"].values())
    assert any(r["cells"][found["criteria"][0]] is not None for r in found["rows"])
    client = as_user(app.test_client(), "viewer")
    html = client.get("/committee/matrix?campaign=2026").get_data(as_text=True)
    assert 'id="criteria-legend"' in html and found["titles"][found["criteria"][0]] in html
    assert "支1" in html


def test_the_big_screen_and_its_figures(app, viewer):
    client = as_user(app.test_client(), "viewer")
    page = client.get("/committee/screen?campaign=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="top-list"' in html and 'id="bottom-list"' in html and "月度考核进度" in html
    listed = html.split('id="progress-list"')[1].split("</ul>")[0].count("<li>")
    assert f"共 {listed} 个党支部" in html and "前 12 个" not in html  # the real count
    data = client.get("/committee/screen.json?campaign=2026").json
    branches = everything(app, viewer, "branch")
    rated = [r for r in branches if r["status"] == "rated"]
    assert data["key"]["branches"] == len(branches) and data["key"]["ranked"] == len(rated)
    assert [r["code"] for r in data["top"]] == [r["code"] for r in rated[:5]]
    assert data["progress"]["assessed"] <= data["progress"]["due"]
    year, month = data["period"].split("-")  # the month as readers write it, not 2026-12
    assert data["period_label"] == f"{year}年{int(month)}月" and data["period_label"] in html
    assert 0 <= (data["ballots"]["turnout"] or 0) <= 100
    member = as_user(app.test_client(), "b01-member")
    assert member.get("/committee/screen.json").status_code in (403, 404)


def test_the_big_screen_follows_the_last_month_ended_and_says_what_it_could_not_show(app):
    """A month is assessed once it is over (by the 10th of the next): the screen follows the
    last month ended by the day shown, within the campaign's year; an unknown campaign is named,
    not silently replaced."""
    assert month_followed(date(2026, 12, 2), 2026) == "2026-11"
    assert month_followed(date(2026, 1, 20), 2026) == "2026-01"
    assert month_followed(date(2027, 3, 1), 2026) == "2026-12"
    assert month_followed(date(2025, 12, 31), 2026) == "2026-01"
    client = as_user(app.test_client(), "viewer")
    past = client.get("/committee/screen.json?campaign=2026&as_of=2026-11-05").json
    assert past["period"] == "2026-10" and past["period_label"] == "2026年10月"
    assert past["notes"] == []
    unknown = client.get("/committee/screen?campaign=2024")
    assert "没有这个年度的活动" in unknown.get_data(as_text=True)


def test_trends_carry_the_committees_average_and_quartiles_but_not_to_a_branch(app, viewer):
    found = app.test_client().get("/api/v1/campaigns/2026/trends", headers=viewer).json
    spread = found["committee"]
    assert len(spread["average"]) == 12
    for month, average in enumerate(spread["average"]):
        figures = [b["monthly_score"][month] for b in found["branches"]]
        figures = [f for f in figures if f is not None]
        assert spread["counted"][month] == len(figures)  # what the average counts, said
        if figures:
            assert average == round(sum(figures) / len(figures), 2)
            assert spread["q1"][month] <= average <= spread["q3"][month] or len(figures) < 3
    # the page says which months' average counts fewer branches than there are
    page = as_user(app.test_client(), "viewer").get("/committee/trends?campaign=2026").text
    scored = [b for b in found["branches"] if any(v is not None for v in b["monthly_score"])]
    short = [n for n in spread["counted"] if 0 < n < len(scored)]
    assert ('id="average-coverage"' in page) == bool(short)
    branch = bearer(app.test_client(), "b02-secretary")
    own = app.test_client().get("/api/v1/campaigns/2026/trends", headers=branch).json
    assert [b["code"] for b in own["branches"]] == ["b02"]
    assert own["committee"]["average"] == own["branches"][0]["monthly_score"]  # its own only


def test_trends_leave_months_not_begun_blank_and_mark_the_month_in_progress(app, viewer):
    """Viewed on 15 June, July to December have no count of records yet (a line that fell to 0
    there read as a collapse) and June's count is of its first 15 days, said on the axis."""
    client = as_user(app.test_client(), "viewer")
    page = client.get("/committee/trends?campaign=2026&as_of=2026-06-15").text
    data = json.loads(re.search(r'id="trend-data"[^>]*>(.*?)</script>', page, re.S)[1])
    assert data["months"][5] == "6月（至15日）" and data["months"][4] == "5月"
    for branch in data["branches"]:
        assert branch["records"][6:] == [None] * 6
        assert all(n is not None for n in branch["records"][:6])
    assert any(b["records"][4] for b in data["branches"])
    # a month's last day counts it whole
    whole = client.get("/committee/trends?campaign=2026&as_of=2026-06-30").text
    ended = json.loads(re.search(r'id="trend-data"[^>]*>(.*?)</script>', whole, re.S)[1])
    assert ended["months"][5] == "6月" and not any("至" in m for m in ended["months"])
    assert all(b["records"][5] is not None and b["records"][6] is None for b in ended["branches"])


def test_a_board_sorts_only_by_columns_its_rows_have(app, viewer):
    """A branch's row has no branch or group: sorting by them answered rank order silently."""
    for level, sort in (("branch", "group"), ("branch", "-branch"), ("group", "group")):
        found = app.test_client().get(
            f"/api/v1/campaigns/2026/leaderboards/{level}",
            query_string={"sort": sort},
            headers=viewer,
        )
        assert found.status_code == 422 and "sort" in found.json["errors"], (level, sort)
    assert board(app, viewer, "member", sort="-group")["rows"]
    assert board(app, viewer, "group", sort="branch")["rows"]
    # the page: no sort by a column the level lacks, and a note for one typed in the address
    client = as_user(app.test_client(), "viewer")
    page = client.get("/committee/boards/branch?campaign=2026&sort=group").text
    assert "排序：无效的值，已忽略" in page and 'data-sort="group"' not in page
    assert 'data-sort="composite"' in page
    assert 'data-sort="branch"' in client.get("/committee/boards/group?campaign=2026").text
    # a branch or a group the committee does not have, or a group of the branch board: noted,
    # not an empty board that says nothing of why
    for level, query in (("branch", "branch=b99"), ("branch", "group=g1"), ("member", "group=zz")):
        shown = client.get(f"/committee/boards/{level}?campaign=2026&{query}").text
        assert "没有这个党支部或党小组，已忽略" in shown, query
        assert "共 0 条" not in shown, query
