"""A branch's lists of records and measures, read from the read models: each filter, sort and
page gives what the branch's own aggregates hold (decision 0019), and a user's next list
shows what their command just wrote (read-your-writes)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from cxzy_saas.config import Settings
from cxzy_saas.domain import ranking as scores
from cxzy_saas.projections.db import pinyin_key
from cxzy_saas.web import tenancy_of
from tests.conftest import drop_database, fresh_database
from tests.web.api_demo import app_for, bearer, build

B01 = "/api/v1/branches/b01"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def client(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The API over the small demo, on each store (the lists' SQL is the same text)."""
    folder = tmp_path_factory.mktemp("lists")
    settings = None
    if request.param == "postgres":
        url = fresh_database(request.getfixturevalue("postgres_url"))
        request.addfinalizer(lambda: drop_database(url))
        settings = Settings(database_url=url, max_connections=5, data_dir=folder / "var")
    return app_for(build(folder, settings)).test_client()


@pytest.fixture(scope="module")
def viewer(client):  # type: ignore[no-untyped-def]
    return bearer(client, "b01-secretary")


def every(client, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Every row of a list, page after page (50 a page)."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        sep = "&" if "?" in path else "?"
        answer = client.get(f"{path}{sep}page={page}&per_page=50", headers=headers)
        assert answer.status_code == 200, answer.json
        rows += answer.json["items"]
        if page * 50 >= answer.json["total"]:
            assert len(rows) == answer.json["total"]
            return rows
        page += 1


def branch(client):  # type: ignore[no-untyped-def]
    return tenancy_of(client.application).branch("b01")


def test_records_filtered_by_member_group_criterion_month_status_and_text(client, viewer):
    app = branch(client)
    records = app.daily_records(2026)
    assert len(records) > 50  # more than a page: paging is exercised

    def ids(query: str) -> list[str]:
        return [r["id"] for r in every(client, f"{B01}/records?campaign=2026{query}", viewer)]

    def expected(keep) -> list[str]:  # type: ignore[no-untyped-def]
        return [str(r.id) for r in records if keep(r)]

    assert ids("") == expected(lambda r: True)  # the order they were recorded in
    member = next(r.subject for r in records if r.level == "member")
    assert ids(f"&member={member}") == expected(
        lambda r: r.level == "member" and r.subject == member
    )
    group = app.groups()[0]
    of_group = {m.member_no for m in app.members(include_left=True) if m.group_id == group.id}
    assert ids(f"&group={group.code}") == expected(
        lambda r: (
            (r.level == "group" and r.subject == group.code)
            or (r.level == "member" and r.subject in of_group)
        )
    )
    criterion = next(r.criterion for r in records if r.criterion is not None)
    assert ids(f"&criterion={criterion}") == expected(lambda r: r.criterion == criterion)
    month = records[len(records) // 2].on.month
    assert ids(f"&month={month}") == expected(lambda r: r.on.month == month)
    word = records[0].text[:2]
    assert ids(f"&q={word}") == expected(lambda r: word in r.text)
    assert ids("&status=retracted") == expected(lambda r: r.retracted is not None)
    assert ids("&status=standing") == expected(lambda r: r.retracted is None)
    by_day = sorted(records, key=lambda r: r.on)  # stable: the log's order within a day
    assert ids("&sort=on") == [str(r.id) for r in by_day]
    both = ids(f"&member={member}&month={month}")
    assert both == expected(lambda r: r.subject == member and r.on.month == month)


def test_a_record_row_has_the_shape_it_had(client, viewer):
    record = branch(client).daily_records(2026)[0]
    row = client.get(f"{B01}/records?campaign=2026&per_page=1", headers=viewer).json["items"][0]
    one = client.get(f"{B01}/records/{record.id}", headers=viewer).json
    assert row == one


def test_bad_list_queries_are_refused_with_the_field_named(client, viewer):
    for query, field in [
        ("month=13", "month"),
        ("status=lost", "status"),
        ("sort=name", "sort"),
        ("member=a%20b", "member"),
        ("per_page=501", "per_page"),
        ("colour=red", "colour"),
    ]:
        answer = client.get(f"{B01}/records?campaign=2026&{query}", headers=viewer)
        assert answer.status_code == 422 and field in answer.json["errors"], query


def test_measures_filtered_by_person_status_and_criterion_with_overdue_marked(client, viewer):
    app = branch(client)
    measures = app.measures(2026)
    today = app.clock().date()

    def rows(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/measures?campaign=2026{query}", viewer)

    def expected(keep) -> list[str]:  # type: ignore[no-untyped-def]
        return [str(m.id) for m in measures if keep(m)]

    listed = rows("")
    assert [r["id"] for r in listed] == expected(lambda m: True)
    for row, measure in zip(listed, measures, strict=True):
        assert row["overdue"] == (measure.done_on is None and measure.due < today)
        assert row["done_on"] == (measure.done_on and measure.done_on.isoformat())
        assert row["criteria"] == list(measure.criteria)
    member = next(m.subject for m in measures if m.level == "member")
    assert [r["id"] for r in rows(f"&member={member}")] == expected(
        lambda m: m.level == "member" and m.subject == member
    )
    assert [r["id"] for r in rows("&status=done")] == expected(lambda m: m.done_on is not None)
    assert [r["id"] for r in rows("&status=open")] == expected(lambda m: m.done_on is None)
    overdue = rows("&status=overdue")
    assert [r["id"] for r in overdue] == expected(lambda m: m.done_on is None and m.due < today)
    assert all(r["overdue"] for r in overdue)
    criterion = measures[0].criteria[0]
    assert [r["id"] for r in rows(f"&criterion={criterion}")] == expected(
        lambda m: criterion in m.criteria
    )
    month = measures[0].due.month
    due = rows(f"&month={month}")
    assert due and [r["id"] for r in due] == expected(lambda m: m.due.month == month)
    open_first = rows("&sort=open")
    assert [r["done_on"] is not None for r in open_first] == sorted(
        r["done_on"] is not None for r in open_first
    )


def test_a_users_next_list_shows_what_their_command_wrote(client):
    clerk = bearer(client, "b01-clerk")
    body = {
        "year": 2026,
        "on": "2026-11-21",
        "level": "member",
        "subject": "B01003",
        "text": "读写一致检查:刚写的这条",
    }
    written = client.post(f"{B01}/records", json=body, headers=clerk)
    assert written.status_code == 201
    log, _, position = written.headers["Cxzy-Position"].partition("=")
    assert log == "b01" and int(position) > 0
    # No projector runs beside this test client: the list itself brings the model up to it.
    listed = client.get(f"{B01}/records?campaign=2026&q=读写一致检查", headers=clerk).json
    assert [r["id"] for r in listed["items"]] == [written.json["id"]]
    assert listed["position"] >= int(position)
    # A client may name the position it waits for (what its last command answered).
    retracted = client.post(
        f"{B01}/records/{written.json['id']}/retraction", json={"reason": "写错了"}, headers=clerk
    )
    after = {**clerk, "Cxzy-After": retracted.headers["Cxzy-Position"]}
    listed = client.get(f"{B01}/records?campaign=2026&status=retracted", headers=after).json
    assert written.json["id"] in {r["id"] for r in listed["items"]}
    assert listed["position"] >= int(retracted.headers["Cxzy-Position"].partition("=")[2])


def test_assessments_filtered_by_month_level_and_person_in_their_shape(client, viewer):
    from cxzy_saas.web.api.assessments import AssessmentOut

    app = branch(client)
    first = next(a for a in app.assessments(2026) if any(v > 0 for v in a.scores.values()))
    item = next(k for k, v in first.scores.items() if v > 0)
    corrected = client.post(
        f"{B01}/assessments/corrections",
        json={
            "year": 2026,
            "month": int(first.period[5:]),
            "level": first.level,
            "subject": first.subject,
            "item": item,
            "points": 0,
            "reason": "复核更正",
        },
        headers=bearer(client, "b01-secretary"),
    )
    assert corrected.status_code == 200, corrected.json
    assessments = app.assessments(2026)
    assert len(assessments) > 50

    def listed(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/assessments?campaign=2026{query}", viewer)

    def expected(keep) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        return [AssessmentOut().dump(a) for a in assessments if keep(a)]

    assert listed("") == expected(lambda a: True)
    assert any(a.corrections for a in assessments)  # corrections are shown as they were
    assert listed("&month=3") == expected(lambda a: a.period == "2026-03")
    assert listed("&level=group") == expected(lambda a: a.level == "group")
    member = next(a.subject for a in assessments if a.level == "member")
    assert listed(f"&member={member}&month=5") == expected(
        lambda a: a.level == "member" and a.subject == member and a.period == "2026-05"
    )
    assert client.get(f"{B01}/assessments?campaign=2026&q=x", headers=viewer).status_code == 422


def test_meetings_filtered_by_kind_month_and_text_in_their_shape(client, viewer):
    from cxzy_saas.web.api.meetings import MeetingOut

    meetings = branch(client).meetings(2026)
    assert meetings

    def listed(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/meetings?campaign=2026{query}", viewer)

    def expected(keep) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        return [MeetingOut().dump(m) for m in meetings if keep(m)]

    assert listed("") == expected(lambda m: True)
    kind, month = meetings[0].kind, meetings[0].on.month
    assert listed(f"&kind={kind}") == expected(lambda m: m.kind == kind)
    assert listed(f"&month={month}") == expected(lambda m: m.on.month == month)
    word = meetings[-1].minutes[:3]
    assert listed(f"&q={word}") == expected(lambda m: word in m.title or word in m.minutes)
    assert client.get(f"{B01}/meetings?campaign=2026&kind=party", headers=viewer).status_code == 422


def test_a_meeting_and_an_inspection_are_corrected_and_their_lists_show_it(client, viewer):
    clerk = bearer(client, "b01-clerk")
    meeting = branch(client).meetings(2026)[0]
    fix = f"{B01}/meetings/{meeting.id}/corrections"
    for bad, field in (({"attendees": 9999}, "attendees"), ({"title": "x"}, "reason")):
        refused = client.post(fix, json=bad, headers=clerk)
        assert refused.status_code == 422 and field in refused.json["errors"], bad
    body = {"attendees": meeting.attendees + 1, "reason": "人数录错"}
    done = client.post(fix, json=body, headers=clerk)
    assert done.status_code == 200 and done.json["attendees"] == meeting.attendees + 1
    after = {**viewer, "Cxzy-After": done.headers["Cxzy-Position"]}
    (row,) = [
        m
        for m in every(client, f"{B01}/meetings?campaign=2026", after)
        if m["id"] == str(meeting.id)
    ]
    assert row["attendees"] == meeting.attendees + 1 and row["title"] == meeting.title
    unknown = client.post(f"{B01}/meetings/{uuid.uuid4()}/corrections", json=body, headers=clerk)
    assert unknown.status_code == 404

    inspection = next(i for i in (branch(client).inspection(2026, q) for q in (1, 2, 3)) if i)
    path = f"{B01}/inspections/2026/{inspection.quarter}/corrections"
    done = client.post(path, json={"gaps": "更正后的差距", "reason": "漏记"}, headers=clerk)
    assert done.status_code == 200 and done.json["gaps"] == "更正后的差距"
    after = {**viewer, "Cxzy-After": done.headers["Cxzy-Position"]}
    listed = every(client, f"{B01}/inspections?campaign=2026", after)
    assert [i["gaps"] for i in listed if i["quarter"] == inspection.quarter] == ["更正后的差距"]
    member = bearer(client, "b01-member")
    assert (
        client.post(path, json={"gaps": "又一次", "reason": "试"}, headers=member).status_code
        == 403
    )
    fifth = client.post(f"{B01}/inspections/2026/9/corrections", json=body, headers=clerk)
    assert fifth.status_code == 404 and fifth.json["code"] == "resource.not_found"
    assert client.get("/api/openapi.json").status_code == 200  # the quarter is documented


def test_members_filtered_by_group_status_and_text_in_their_shape(client, viewer):
    from cxzy_saas.web.api.members import MemberOut

    app = branch(client)
    codes = {g.id: g.code for g in app.groups(include_dissolved=True)}

    def shaped(m) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        row = {
            "member_no": m.member_no,
            "name": m.name,
            "status": m.status,
            "group": codes.get(m.group_id),
            "roles": m.roles,
            "active": m.active,
            "joined_on": m.joined_on,
            "left_on": m.left_on,
        }
        return MemberOut().dump(row)

    clerk = bearer(client, "b01-secretary")
    for no in ("PRB01", "PRB02"):
        body = {"member_no": no, "name": "预备" + no[-1], "status": "probationary"}
        enrolled = client.post(
            f"{B01}/members", json={**body, "joined_on": "2026-03-01"}, headers=clerk
        )
        assert enrolled.status_code == 201, enrolled.json
    confirmed = client.post(
        f"{B01}/members/PRB02/confirmation", json={"on": "2026-09-01"}, headers=clerk
    )
    assert confirmed.status_code == 200, confirmed.json
    people = app.members()
    leaving = people[1]
    assert (
        client.post(
            f"{B01}/members/{leaving.member_no}/departure",
            json={"reason": "调动", "on": "2026-06-01"},
            headers=clerk,
        ).status_code
        == 200
    )
    for role in ("organiser", "group-leader"):
        given = client.post(
            f"{B01}/members/PRB02/roles",
            json={"role": role, "on": "2026-06-01"},
            headers=clerk,
        )
        assert given.status_code == 200, given.json
    relieved = client.post(
        f"{B01}/members/PRB02/relief",
        json={"role": "organiser", "on": "2026-07-01"},
        headers=clerk,
    )
    assert relieved.status_code == 200, relieved.json
    everyone = app.members(include_left=True)
    present = [m for m in everyone if m.active]

    def listed(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/members?{query}", viewer)

    assert listed("") == [shaped(m) for m in present]
    assert listed("include_left=true") == [shaped(m) for m in everyone]
    assert listed("status=left") == [shaped(m) for m in everyone if not m.active]
    assert listed("status=probationary") == [
        shaped(m) for m in present if m.status == "probationary"
    ]
    group = next(iter(codes.values()))
    assert listed(f"group={group}") == [
        shaped(m) for m in present if codes.get(m.group_id) == group
    ]
    word = present[3].name[1:]
    assert listed(f"q={word}") == [
        shaped(m) for m in present if word in m.name or word in m.member_no
    ]
    assert [r["member_no"] for r in listed("status=probationary")] == ["PRB01"]
    assert listed("member=PRB02") == [shaped(app.member("PRB02"))]
    by_name = listed("sort=name")
    # in pinyin order, as a Chinese reader looks a name up (not by code point)
    assert [r["name"] for r in by_name] == sorted((r["name"] for r in by_name), key=pinyin_key)
    assert listed("member=PRB02")[0]["roles"] == ["group-leader"]
    assert client.get(f"{B01}/members?status=gone", headers=viewer).status_code == 422


def test_groups_filtered_by_status_and_text_with_their_members(client, viewer):
    from cxzy_saas.web.api.groups import GroupOut

    app = branch(client)
    secretary = bearer(client, "b01-secretary")
    made = client.post(
        f"{B01}/groups", json={"code": "gx", "name": "临时党小组"}, headers=secretary
    )
    assert made.status_code == 201
    gone = client.post(
        f"{B01}/groups/gx/dissolution", json={"reason": "任务完成"}, headers=secretary
    )
    assert gone.status_code == 200
    groups = app.groups(include_dissolved=True)
    people = app.members()

    def shaped(g) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        members = [m.member_no for m in people if m.group_id == g.id]
        return GroupOut().dump(
            {"code": g.code, "name": g.name, "dissolved": g.dissolved, "members": members}
        )

    def listed(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/groups?{query}", viewer)

    assert listed("") == [shaped(g) for g in groups]
    assert listed("status=dissolved") == [shaped(g) for g in groups if g.dissolved]
    assert listed("status=active") == [shaped(g) for g in groups if not g.dissolved]
    assert listed("q=临时") == [shaped(g) for g in groups if "临时" in g.name]
    assert listed(f"group={groups[0].code}") == [shaped(groups[0])]
    assert all(shaped(g)["members"] for g in groups if not g.dissolved)
    assert client.get(f"{B01}/groups?sort=size", headers=viewer).status_code == 422


def test_inspections_filtered_by_quarter_month_and_text_in_their_shape(client, viewer):
    from cxzy_saas.web.api.inspections import InspectionOut

    app = branch(client)
    found = [app.inspection(2026, q) for q in range(1, 5)]
    inspections = [i for i in found if i is not None]
    assert len(inspections) >= 2

    def listed(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/inspections?campaign=2026{query}", viewer)

    def expected(keep) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        return [InspectionOut().dump(i) for i in inspections if keep(i)]

    assert listed("") == expected(lambda i: True)
    assert listed("&quarter=2") == expected(lambda i: i.quarter == 2)
    assert listed("&month=8") == expected(lambda i: i.quarter == 3)
    word = inspections[-1].gaps[:3]
    assert listed(f"&q={word}") == expected(
        lambda i: any(word in t for t in (i.measures_checked, i.gaps, i.weak_links, i.improvements))
    )
    assert listed("&sort=-quarter") == expected(lambda i: True)[::-1]
    assert (
        client.get(f"{B01}/inspections?campaign=2026&quarter=5", headers=viewer).status_code == 422
    )


def test_the_new_lists_show_what_the_users_command_wrote(client):
    secretary = bearer(client, "b01-secretary")
    formed = client.post(
        f"{B01}/groups", json={"code": "gy", "name": "读写党小组"}, headers=secretary
    )
    assert formed.status_code == 201
    groups = client.get(f"{B01}/groups?q=读写", headers=secretary).json
    assert [g["code"] for g in groups["items"]] == ["gy"]
    assert groups["position"] >= int(formed.headers["Cxzy-Position"].partition("=")[2])
    enrolled = client.post(
        f"{B01}/members",
        json={"member_no": "RYW01", "name": "读写一", "group": "gy", "joined_on": "2020-07-01"},
        headers=secretary,
    )
    assert enrolled.status_code == 201, enrolled.json
    after = {**secretary, "Cxzy-After": enrolled.headers["Cxzy-Position"]}
    members = client.get(f"{B01}/members?group=gy", headers=after).json
    assert [m["member_no"] for m in members["items"]] == ["RYW01"]
    groups = client.get(f"{B01}/groups?group=gy", headers=after).json
    assert groups["items"][0]["members"] == ["RYW01"]
    body = {
        "year": 2026,
        "quarter": 4,
        "on": "2026-11-20",
        "measures_checked": "读写一致的检查",
        "gaps": "无",
        "weak_links": "无",
        "improvements": "无",
    }
    inspected = client.post(f"{B01}/inspections", json=body, headers=secretary)
    if inspected.status_code == 201:  # the demo may hold Q4's already (a 409)
        listed = client.get(f"{B01}/inspections?campaign=2026&q=读写一致", headers=secretary).json
        assert [i["quarter"] for i in listed["items"]] == [4]


def test_an_erased_members_name_reads_as_erased_in_the_list(client):
    from cxzy_saas.domain.organisation import ERASED_NAME

    secretary = bearer(client, "b01-secretary")
    body = {"member_no": "ERS01", "name": "将删除", "joined_on": "2020-07-01"}
    assert client.post(f"{B01}/members", json=body, headers=secretary).status_code == 201
    assert client.get(f"{B01}/members?q=将删除", headers=secretary).json["total"] == 1
    erased = client.post(
        f"{B01}/members/ERS01/erasure", json={"reason": "本人申请"}, headers=secretary
    )
    assert erased.status_code == 200, erased.json
    after = {**secretary, "Cxzy-After": erased.headers["Cxzy-Position"]}
    assert client.get(f"{B01}/members?q=将删除", headers=after).json["total"] == 0
    listed = client.get(f"{B01}/members?member=ERS01", headers=after).json["items"]
    assert [m["name"] for m in listed] == [ERASED_NAME]


def deeds_of(client, year: int) -> list[Any]:  # type: ignore[no-untyped-def]
    """The branch's deed materials of ``year`` as its aggregates hold them, in the order first
    written (the log's order)."""
    from cxzy_saas.domain.commendation import DeedMaterial

    app = branch(client)
    found = [
        app.load(DeedMaterial, i, "deeds.not_found")
        for i in app.ids_created_by(DeedMaterial.Drafted)
    ]
    return [d for d in found if d.year == year]


def test_deeds_filtered_by_member_group_level_and_text_and_paged(client, viewer):
    from cxzy_saas.web.api.deeds import DeedsOut, deeds_out

    secretary = bearer(client, "b01-secretary")
    app = branch(client)
    member = next(m for m in app.members() if m.group_id is not None)
    group = next(g for g in app.groups() if g.id == member.group_id)
    for level, subject in (("member", member.member_no), ("group", group.code)):
        written = client.put(
            f"{B01}/deeds/2026/{level}/{subject}",
            json={"text": f"列表测试事迹{subject}", "attachments": []},
            headers=secretary,
        )
        assert written.status_code == 200, written.json
    deeds = deeds_of(client, 2026)
    assert len(deeds) >= 3

    def listed(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/deeds?campaign=2026{query}", viewer)

    def expected(keep) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        return [DeedsOut().dump(deeds_out(d)) for d in deeds if keep(d)]

    members_of_group = {m.member_no for m in app.members() if m.group_id == group.id}
    assert listed("") == expected(lambda d: True)
    assert listed(f"&member={member.member_no}") == expected(
        lambda d: d.level == "member" and d.subject == member.member_no
    )
    assert listed(f"&group={group.code}") == expected(
        lambda d: (
            (d.level, d.subject) == ("group", group.code)
            or (d.level == "member" and d.subject in members_of_group)
        )
    )
    assert listed("&level=branch") == expected(lambda d: d.level == "branch")
    assert listed(f"&level=group&subject={group.code}") == expected(
        lambda d: (d.level, d.subject) == ("group", group.code)
    )
    assert listed("&q=列表测试") == expected(lambda d: "列表测试" in d.versions[-1])
    assert listed("&sort=-written") == expected(lambda d: True)[::-1]
    assert listed("&sort=subject") == sorted(
        expected(lambda d: True), key=lambda d: (d["level"], d["subject"])
    )
    assert every(client, f"{B01}/deeds?campaign=2025", viewer) == []
    first = client.get(f"{B01}/deeds?campaign=2026&per_page=2&page=2", headers=viewer).json
    assert first["total"] == len(deeds)
    assert first["items"] == expected(lambda d: True)[2:4]
    assert client.get(f"{B01}/deeds?campaign=2026&sort=name", headers=viewer).status_code == 422
    assert client.get(f"{B01}/deeds", headers=viewer).status_code == 422  # campaign needed


def test_annual_summaries_filtered_by_year_status_and_text_in_their_shape(client, viewer):
    from cxzy_saas.web.api.annual_summaries import AnnualSummaryOut

    app = branch(client)
    summary = app.annual_summary(2026)

    def listed(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/annual-summaries?{query}", viewer)

    shaped = AnnualSummaryOut().dump(summary)
    reported = set(summary.reported)
    assert listed("") == [shaped]
    assert listed("campaign=2026") == [shaped]
    assert listed("campaign=2025") == []
    assert listed("q=" + summary.problems[:4]) == [shaped]
    assert listed("q=没有这样的文字") == []
    for status in ("members-meeting", "committee"):
        assert listed(f"status={status}") == ([shaped] if status in reported else [])
    assert listed("status=unreported") == ([] if reported else [shaped])
    assert listed("sort=year") == [shaped]
    paged = client.get(f"{B01}/annual-summaries?per_page=1&page=2", headers=viewer).json
    assert (paged["total"], paged["items"]) == (1, [])
    for bad in ("status=sent", "sort=name", "campaign=1900"):
        assert client.get(f"{B01}/annual-summaries?{bad}", headers=viewer).status_code == 422


def test_deeds_and_summaries_lists_show_what_the_users_command_wrote(client):
    from cxzy_saas.web.api.annual_summaries import AnnualSummaryOut

    secretary = bearer(client, "b01-secretary")
    member = branch(client).members()[-1].member_no
    written = client.put(
        f"{B01}/deeds/2026/member/{member}",
        json={"text": "读写一致的事迹", "attachments": ["a.pdf"]},
        headers=secretary,
    )
    assert written.status_code == 200, written.json
    after = {**secretary, "Cxzy-After": written.headers["Cxzy-Position"]}
    found = client.get(f"{B01}/deeds?campaign=2026&q=读写一致", headers=after).json
    assert [(d["subject"], d["attachments"]) for d in found["items"]] == [(member, ["a.pdf"])]
    assert found["position"] >= int(written.headers["Cxzy-Position"].partition("=")[2])

    summary = branch(client).annual_summary(2026)
    body = {
        "basic_facts": summary.basic_facts + "（读写更正）",
        "experience": summary.experience,
        "problems": summary.problems,
        "plans": summary.plans,
        "reason": "补充情况",
    }
    revised = client.post(f"{B01}/annual-summaries/2026/revisions", json=body, headers=secretary)
    assert revised.status_code == 200, revised.json
    # No Cxzy-After: the list waits for the head of the branch's log when it was asked.
    unreported = client.get(f"{B01}/annual-summaries?status=unreported", headers=secretary).json
    assert unreported["items"] == [AnnualSummaryOut().dump(branch(client).annual_summary(2026))]
    assert unreported["items"][0]["basic_facts"].endswith("（读写更正）")
    told = client.post(
        f"{B01}/annual-summaries/2026/reports",
        json={"to": "members-meeting", "on": "2026-11-29"},
        headers=secretary,
    )
    assert told.status_code == 200, told.json
    after = {**secretary, "Cxzy-After": told.headers["Cxzy-Position"]}
    listed = client.get(f"{B01}/annual-summaries?status=members-meeting", headers=after).json
    assert listed["items"][0]["reported"] == {"members-meeting": "2026-11-29"}
    assert client.get(f"{B01}/annual-summaries?status=committee", headers=after).json["total"] == 0


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def submitted(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The small demo up to the day after both branches submitted their nominations, before
    the committee decided on them, on each store."""
    from datetime import UTC, datetime

    from cxzy_saas import wiring
    from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
    from cxzy_saas.application.tenancy import Tenancy
    from cxzy_saas.demo.build import build_demo

    folder = tmp_path_factory.mktemp("nominations")
    settings = Settings(data_dir=folder / "var")
    if request.param == "postgres":
        url = fresh_database(request.getfixturevalue("postgres_url"))
        request.addfinalizer(lambda: drop_database(url))
        settings = Settings(database_url=url, max_connections=5, data_dir=folder / "var")
    tenancy = Tenancy(settings)
    try:
        manifest = load_manifest(TENANTS_DIR / "demo.toml")
        until = datetime(2026, 12, 12, tzinfo=UTC)
        build_demo(tenancy, manifest, branches=2, seed=5, year=2026, until=until)
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    client = app_for(settings).test_client()
    # the app's days are the demo's: its steps are dated until 12 December, and a step may not
    # come before the one it follows nor after today
    tenancy_of(client.application).clock = lambda: until
    return client


def nomination_of(client, code: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A branch's 2026 nomination as the aggregates say it (the single nomination's route)."""
    answer = client.get(
        f"/api/v1/branches/{code}/nominations/2026", headers=bearer(client, "admin")
    )
    assert answer.status_code == 200, answer.json
    return answer.json  # type: ignore[no-any-return]


def test_nominations_list_what_the_aggregates_hold_on_the_whole_demo(client):
    admin = bearer(client, "admin")
    for code in ("b01", "b02"):
        listed = every(client, f"/api/v1/branches/{code}/nominations", admin)
        assert listed == [nomination_of(client, code)]
    # b02's first submission was returned, answered and submitted again: none returned now.
    b02 = "/api/v1/branches/b02/nominations"
    assert nomination_of(client, "b02")["reopenings"]
    assert every(client, f"{b02}?status=returned", admin) == []
    assert every(client, f"{b02}?status=submitted", admin) == [nomination_of(client, "b02")]


def test_nominations_filtered_by_member_group_level_status_and_year(submitted):
    client = submitted
    admin = bearer(client, "admin")
    app = tenancy_of(client.application).branch("b01")
    shown = nomination_of(client, "b01")
    listed = [e["subject"] for e in shown["entries"]]
    member = next(e["subject"] for e in shown["entries"] if e["level"] == "member")
    others = [m for m in app.members() if m.member_no not in listed]
    groups = {g.id: g.code for g in app.groups()}
    of_member = groups[next(m for m in app.members() if m.member_no == member).group_id]
    unlisted_groups = [
        code
        for gid, code in groups.items()
        if code not in listed
        and not any(m.group_id == gid and m.member_no in listed for m in app.members())
    ]

    def listed_by(query: str) -> list[dict[str, Any]]:
        return every(client, f"{B01}/nominations?{query}", admin)

    assert listed_by("") == [shown]
    assert listed_by(f"member={member}") == [shown]
    assert listed_by(f"member={others[0].member_no}") == []
    assert listed_by(f"group={of_member}") == [shown]  # through its member
    assert all(listed_by(f"group={code}") == [] for code in unlisted_groups)
    assert listed_by(f"level=member&subject={member}") == [shown]
    assert listed_by(f"level=group&subject={member}") == []
    assert listed_by(f"subject={member}") == [shown]
    assert listed_by("level=group") == (
        [shown] if "group" in {e["level"] for e in shown["entries"]} else []
    )
    assert listed_by("status=submitted") == [shown]
    assert listed_by("status=draft") == listed_by("status=returned") == []
    assert listed_by("campaign=2026&sort=year") == [shown]
    assert listed_by("campaign=2025") == []
    paged = client.get(f"{B01}/nominations?per_page=1&page=2", headers=admin).json
    assert (paged["total"], paged["items"]) == (1, [])
    for bad in ("status=sent", "level=branch", "sort=name", "member=not%20a%20code"):
        assert client.get(f"{B01}/nominations?{bad}", headers=admin).status_code == 422, bad


def test_a_member_reads_no_colleagues_nomination_among_the_approvals_waiting(submitted):
    client = submitted
    waiting = "/api/v1/campaigns/2026/approvals"
    everyone = client.get(waiting, headers=bearer(client, "b01-secretary")).json["items"]
    nominees = [i for i in everyone if i["kind"] == "nominee" and ":member:" in i["subject"]]
    assert len(nominees) > 1  # the demo's b01 nominated members, the committee decides
    seen = client.get(waiting, headers=bearer(client, "b01-member")).json["items"]
    assert [i for i in seen if i["kind"] != "nominee"] == [
        i for i in everyone if i["kind"] != "nominee"
    ]
    assert [i["subject"] for i in seen if ":member:" in i["subject"]] == [
        i["subject"] for i in nominees if i["subject"].endswith(":B01003")
    ]


def test_nominations_list_shows_the_committees_decision_and_the_answer_at_once(submitted):
    client = submitted
    admin = bearer(client, "admin")
    secretary = bearer(client, "b01-secretary")
    shown = nomination_of(client, "b01")
    entry = next(e for e in shown["entries"] if e["level"] == "member")
    decided = client.post(
        f"{B01}/nominations/2026/decisions",
        json={
            **{k: entry[k] for k in ("level", "subject")},
            "outcome": "returned",
            "reason": "请补充事迹",
        },
        headers=admin,
    )
    assert decided.status_code == 200, decided.json
    # The decision is in the committee's log: the list waits for the position it names.
    after = {**admin, "Cxzy-After": decided.headers["Cxzy-Position"]}
    returned = client.get(f"{B01}/nominations?status=returned", headers=after).json["items"]
    assert returned == [nomination_of(client, "b01")]
    assert returned[0]["returned"] == [
        {"level": "member", "subject": entry["subject"], "reason": "请补充事迹"}
    ]
    kept = [
        {k: e[k] for k in ("level", "subject", "reason")}
        for e in shown["entries"]
        if e["subject"] != entry["subject"]
    ]
    again = client.post(
        f"{B01}/nominations/2026/renomination",
        json={
            "entries": kept,
            "answer": "已按意见调整",
            "on": "2026-12-12",
        },
        headers=secretary,
    )
    assert again.status_code == 200, again.json
    after = {**secretary, "Cxzy-After": again.headers["Cxzy-Position"]}
    now = client.get(f"{B01}/nominations?status=submitted", headers=after).json["items"]
    assert now == [nomination_of(client, "b01")]
    assert (now[0]["submissions"], now[0]["returned"]) == (2, [])
    assert now[0]["reopenings"][0]["answer"] == "已按意见调整"
    assert client.get(f"{B01}/nominations?status=returned", headers=after).json["total"] == 0
    gone = client.get(f"{B01}/nominations?member={entry['subject']}", headers=after).json
    assert gone["total"] == 0


def test_rankings_read_from_the_models_are_the_branchs_own_and_show_a_new_member_at_once(client):
    """The ranking route reads the committee's read models (the tables its boards rank from):
    every row, rank, band and the quota equal what the branch's aggregates compute, and a
    member enrolled a moment ago is listed (未参评) in the next answer."""
    secretary = bearer(client, "b01-secretary")
    tenancy = tenancy_of(client.application)
    for code in ("b01", "b02"):
        answer = client.get(f"/api/v1/branches/{code}/rankings/2026", headers=secretary)
        if code == "b02":  # another branch's ranking is not b01's to read
            assert answer.status_code in (403, 404)
            answer = client.get(
                f"/api/v1/branches/{code}/rankings/2026", headers=bearer(client, "b02-secretary")
            )
        assert answer.status_code == 200, answer.json
        inputs = tenancy.branch(code).score_inputs(2026)
        assert answer.json["quota"] == scores.quota(inputs)
        for level in ("group", "member"):
            own = {
                r.subject: {**r.as_dict(), "missing": list(r.missing)}
                for r in scores.rows(inputs, level)
            }
            shown = {r["subject"]: r for r in answer.json["rows"][level]}
            assert shown.keys() == own.keys() and own, (code, level)
            for subject, row in shown.items():
                expected = {k: v for k, v in own[subject].items() if k in row}
                assert {k: row[k] for k in expected} == expected, (code, subject)
    enrolled = client.post(
        f"{B01}/members",
        json={"member_no": "RNK01", "name": "排名新人", "group": "g1", "joined_on": "2020-07-01"},
        headers=secretary,
    )
    assert enrolled.status_code == 201, enrolled.json
    rows = client.get(f"{B01}/rankings/2026", headers=secretary).json["rows"]["member"]
    new = [r for r in rows if r["subject"] == "RNK01"]
    assert [(r["name"], r["status"], r["rank"]) for r in new] == [("排名新人", "unrated", None)]
    assert client.get(f"{B01}/rankings/2031", headers=secretary).status_code == 404


def test_text_searches_fold_full_width_and_case_on_both_sides(client):
    """A Chinese input method types ＡＢＣ１２３: searched for 123, abc or ＡＢＣ it is found, and
    a member number typed Ｂ０１００３ finds B01003, in the lists and on the boards."""
    clerk = bearer(client, "b01-clerk")
    body = {"year": 2026, "on": "2026-11-21", "level": "member", "subject": "B01003"}
    wide = client.post(
        f"{B01}/records", json={**body, "text": "全角检索ＡＢＣ１２３"}, headers=clerk
    )
    narrow = client.post(f"{B01}/records", json={**body, "text": "半角检索xyz789"}, headers=clerk)
    assert wide.status_code == narrow.status_code == 201
    for typed, found in (
        ("123", wide),
        ("abc", wide),
        ("ＡＢＣ", wide),
        ("ＸＹＺ７８９", narrow),
        ("XYZ", narrow),
    ):
        listed = client.get(
            f"{B01}/records", query_string={"campaign": 2026, "q": typed}, headers=clerk
        ).json
        assert [r["id"] for r in listed["items"]] == [found.json["id"]], typed
    board = client.get(
        "/api/v1/campaigns/2026/leaderboards/member",
        query_string={"q": "Ｂ０１００３"},
        headers=bearer(client, "admin"),
    ).json
    assert [r["id"] for r in board["rows"]] == ["B01003"]
    typed = client.get(
        f"{B01}/records", query_string={"campaign": 2026, "member": "Ｂ０１００３"}, headers=clerk
    )
    assert typed.status_code == 200 and {r["subject"] for r in typed.json["items"]} == {"B01003"}
