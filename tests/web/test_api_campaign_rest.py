"""The rest of the campaign as the guidance text describes it (issue 13), through the API:
group-scoped leaders, re-nomination after a return, branch commendation, assigned tasks,
requests and reports, and the small walls taken down."""

from __future__ import annotations

import pytest

from tests.web.api_demo import app_for, bearer, build

B01 = "/api/v1/branches/b01"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return app_for(build(tmp_path_factory.mktemp("rest"))).test_client()


def members_by_group(client, headers) -> dict[str, list[str]]:
    listed = client.get(f"{B01}/members?per_page=500", headers=headers).json["items"]
    found: dict[str, list[str]] = {}
    for m in listed:
        found.setdefault(m["group"], []).append(m["member_no"])
    return found


def test_a_group_leader_acts_for_their_own_groups_members_only(client):
    leader = bearer(client, "b01-leader")
    clerk = bearer(client, "b01-clerk")
    groups = members_by_group(client, clerk)
    own, other = groups["g1"][0], groups["g2"][0]
    plan = client.get(f"{B01}/plans/2026", headers=clerk).json
    item = next(i["code"] for i in plan["content"]["items"] if i["level"] == "member")
    fix = {"year": 2026, "month": 10, "level": "member", "item": item, "reason": "复核更正"}
    current = client.get(f"{B01}/assessments?campaign=2026&per_page=500", headers=clerk).json
    points = {
        a["subject"]: a["scores"][item]
        for a in current["items"]
        if a["period"] == "2026-10" and a["level"] == "member"
    }
    mine = {**fix, "subject": own, "points": 1 if points[own] != 1 else 2}
    assert (
        client.post(f"{B01}/assessments/corrections", json=mine, headers=leader).status_code == 200
    )
    theirs = {**fix, "subject": other, "points": 1 if points[other] != 1 else 2}
    refused = client.post(f"{B01}/assessments/corrections", json=theirs, headers=leader)
    assert refused.status_code == 403 and refused.json["code"] == "leader.not_own_group"
    group_fix = {**fix, "level": "group", "subject": "g1", "points": 1}
    group_item = next(i["code"] for i in plan["content"]["items"] if i["level"] == "group")
    group_fix["item"] = group_item
    refused = client.post(f"{B01}/assessments/corrections", json=group_fix, headers=leader)
    assert refused.status_code == 403 and refused.json["code"] == "leader.members_only"
    record = {"year": 2026, "on": "2026-11-02", "level": "member", "text": "带头完成任务"}
    ok = client.post(f"{B01}/records", json={**record, "subject": own}, headers=leader)
    assert ok.status_code == 201, ok.json
    no = client.post(f"{B01}/records", json={**record, "subject": other}, headers=leader)
    assert no.status_code == 403
    # The branch's clerk corrects any member's score.
    assert (
        client.post(f"{B01}/assessments/corrections", json=theirs, headers=clerk).status_code == 200
    )


def test_a_group_leader_writes_their_own_groups_deed_materials(client):
    leader = bearer(client, "b01-leader")
    body = {"text": "本小组全年圆满完成各项任务。", "attachments": []}
    mine = client.put(f"{B01}/deeds/2026/group/g1", json=body, headers=leader)
    assert mine.status_code == 200, mine.json
    assert mine.json["text"] == body["text"]
    theirs = client.put(f"{B01}/deeds/2026/group/g2", json=body, headers=leader)
    assert theirs.status_code == 403


def test_a_returned_nominee_is_renominated_as_a_new_submission_with_the_history_kept(client):
    viewer = bearer(client, "viewer")
    found = {
        code: client.get(f"/api/v1/branches/{code}/nominations/2026", headers=viewer).json
        for code in ("b01", "b02")
    }
    # The demo's committee returned one member and the branch answered with a second submission.
    code, again = next((c, n) for c, n in found.items() if n["reopenings"])
    reopening = again["reopenings"][0]
    assert again["submissions"] == 2 and reopening["submission"] == 1
    assert reopening["returned"][0]["reason"] == "事迹材料不够具体,请补充后再报"
    assert "补充" in reopening["answer"]
    assert [d["outcome"] for d in again["decisions"]] == ["approved"]
    clerk = bearer(client, f"{code}-clerk")
    body = {
        "entries": [
            {"level": e["level"], "subject": e["subject"], "reason": "补充"}
            for e in again["entries"]
        ],
        "answer": "再次补充",
        "on": "2026-12-20",
    }
    url = f"/api/v1/branches/{code}/nominations/2026/renomination"
    refused = client.post(url, json=body, headers=clerk)
    assert refused.status_code == 409 and refused.json["code"] == "nomination.nothing_returned"
    assert client.post(url, json={**body, "answer": ""}, headers=clerk).status_code == 422
    history = client.get(f"/api/v1/branches/{code}/nominations/2026", headers=viewer).json
    assert history["submissions"] == 2
