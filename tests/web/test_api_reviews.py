"""The half-year and year-end rounds through the JSON API, read as a member: their own
self-summary and the critique remarks about them, never a colleague's (as the round's page)."""

from __future__ import annotations

import pytest

from tests.web.api_demo import app_for, bearer, build
from tests.web.conftest import as_user

OWN = "B01003"  # the member the demo's b01-member account is


@pytest.fixture(scope="module")
def client(tmp_path_factory):  # type: ignore[no-untyped-def]
    return app_for(build(tmp_path_factory.mktemp("api-reviews"))).test_client()


@pytest.mark.parametrize("stage", ["midyear", "year-end"])
def test_a_member_reads_their_own_summary_and_remarks_only(client, stage):
    path = f"/api/v1/branches/b01/reviews/2026/{stage}"
    whole = client.get(path, headers=bearer(client, "b01-secretary")).json
    assert len(whole["summaries"]) > 1 and any(m != OWN for m in whole["remarks"])
    seen = client.get(path, headers=bearer(client, "b01-member")).json
    assert set(seen["summaries"]) <= {OWN} and set(seen["remarks"]) <= {OWN}
    assert seen["summaries"] == {m: t for m, t in whole["summaries"].items() if m == OWN}
    assert seen["remarks"] == {m: r for m, r in whole["remarks"].items() if m == OWN}
    # the branch's own words stay readable; of the praise, the groups' and their own
    for shared in ("group_summaries", "branch_summary", "reported_on"):
        assert seen[shared] == whole[shared], shared
    assert seen["recommended"]["group"] == whole["recommended"]["group"]
    assert seen["recommended"]["member"] == [m for m in whole["recommended"]["member"] if m == OWN]


def test_a_member_filing_their_summary_is_answered_without_their_colleagues(client):
    member = bearer(client, "b01-member")
    path = "/api/v1/branches/b01/reviews/2026/year-end/summaries"
    answer = client.post(path, json={"member": OWN, "text": "本人年终总结。"}, headers=member)
    assert answer.status_code == 200, answer.json
    assert set(answer.json["summaries"]) == {OWN} and set(answer.json["remarks"]) <= {OWN}


def test_a_member_reads_the_nomination_with_their_own_entry_and_the_groups_only(client):
    """As the nomination page: a member's colleagues' composites and ranks stay hidden."""
    path = "/api/v1/branches/b01/nominations"
    whole = client.get(f"{path}/2026", headers=bearer(client, "b01-secretary")).json
    others = [e for e in whole["entries"] if e["level"] == "member" and e["subject"] != OWN]
    assert others, "the demo shortlists other members"
    member = bearer(client, "b01-member")
    seen = client.get(f"{path}/2026", headers=member).json
    listed = client.get(f"{path}?campaign=2026", headers=member).json["items"]
    for nomination in [seen, *listed]:
        for key in ("entries", "decisions", "returned"):
            members = {r["subject"] for r in nomination[key] if r["level"] == "member"}
            assert members <= {OWN}, key
        assert [e for e in nomination["entries"] if e["level"] == "group"] == [
            e for e in whole["entries"] if e["level"] == "group"
        ]


def test_a_member_reads_no_colleagues_return_reason_or_praise_on_any_page(client):
    """b02's committee returned a colleague's nomination (B02008) with a reason: the
    submissions page, the nomination's page and the half-year round showed it to every member
    (testers), though the nomination's table and the API hide colleagues' entries."""
    admin = bearer(client, "admin")
    nomination = client.get("/api/v1/branches/b02/nominations/2026", headers=admin).json
    ((returned,),) = [r["returned"] for r in nomination["reopenings"]]
    colleague, reason = returned["subject"], returned["reason"]
    review = client.get("/api/v1/branches/b02/reviews/2026/midyear", headers=admin).json
    praised = [m for m in review["recommended"]["member"] if m != "B02003"]
    assert colleague != "B02003" and praised  # b02-member is B02003
    names = {m["member_no"]: m["name"] for m in every_member(client, admin)}
    secretary = as_user(client.application.test_client(), "b02-secretary")
    member = as_user(client.application.test_client(), "b02-member")
    for path in ("/branch/b02/queue", "/branch/b02/nomination?campaign=2026"):
        assert reason in secretary.get(path).text, path  # the branch's writers read it
        assert reason not in member.get(path).text, path
    round_page = "/branch/b02/evaluation/midyear?campaign=2026"
    for number in praised:
        assert names[number] in secretary.get(round_page).text
        assert names[number] not in member.get(round_page).text


def every_member(client, headers):  # type: ignore[no-untyped-def]
    found = client.get("/api/v1/branches/b02/members?per_page=200", headers=headers)
    return found.json["items"]


def test_a_members_filters_never_tell_whether_a_colleague_was_nominated(client):
    """The entries were hidden, but ?member=B02008 counted 1 for a colleague nominated and 0
    for one who was not (tester)."""
    path = "/api/v1/branches/b02/nominations?campaign=2026"
    secretary, member = bearer(client, "b02-secretary"), bearer(client, "b02-member")
    whole = client.get(path, headers=secretary).json["items"][0]
    colleague = next(e for e in whole["entries"] if e["level"] == "member")["subject"]
    assert colleague != "B02003"
    for query in (
        f"&member={colleague}",
        f"&subject={colleague}",
        f"&level=member&subject={colleague}",
    ):
        assert client.get(path + query, headers=secretary).json["total"] == 1, query
        assert client.get(path + query, headers=member).json["total"] == 0, query
    # a group's own entry still answers, as the member reads it in the list
    for code in ("b01", "b02"):
        listed = f"/api/v1/branches/{code}/nominations?campaign=2026"
        entries = client.get(
            listed, headers=secretary if code == "b02" else bearer(client, "b01-secretary")
        ).json["items"][0]["entries"]
        groups = [e["subject"] for e in entries if e["level"] == "group"]
        if groups:
            own = bearer(client, f"{code}-member")
            assert client.get(f"{listed}&group={groups[0]}", headers=own).json["total"] == 1
            break
    else:
        raise AssertionError("the demo nominates a group in b01 or b02")
