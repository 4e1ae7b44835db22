"""The secret ballot through the JSON API: codes shown once, an idempotent replay without them,
lost slips reissued, the public short address."""

from __future__ import annotations

import sqlite3

import pytest

from cxzy_saas.config import Settings, WebSettings
from tests.web.api_demo import app_for, bearer, build

B01 = "/api/v1/branches/b01"
PUBLIC = "https://rating.example.org"
BODY = {
    "year": 2026,
    "title": "补充测评",
    "subjects": [{"level": "member", "subject": "B01003"}, {"level": "group", "subject": "g1"}],
    "codes": {"members": 3, "constituents": 1},
    "on": "2026-11-20",
}
GRADES = {"member:B01003": "excellent", "group:g1": "competent"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("api-ballots")
    return build(folder, Settings(data_dir=folder / "var", web=WebSettings(public_url=PUBLIC)))


@pytest.fixture(scope="module")
def client(settings):  # type: ignore[no-untyped-def]
    return app_for(settings).test_client()


def kept_answers(settings: Settings) -> list[str]:
    """The idempotency table of branch b01's store, read directly."""
    path = settings.data_dir / "tenants" / "b01.sqlite3"
    with sqlite3.connect(path) as conn:
        return [row[0] or "" for row in conn.execute("SELECT body FROM cxzy_idempotency")]


def test_an_idempotent_replay_of_an_opening_answers_the_ballot_without_its_codes(client, settings):
    clerk = {**bearer(client, "b01-clerk"), "Idempotency-Key": "open-once"}
    first = client.post(f"{B01}/ballots", json=BODY, headers=clerk)
    assert first.status_code == 201 and len(first.json["codes"]["members"]) == 3
    codes = [c for pool in first.json["codes"].values() for c in pool]
    assert first.json["address"] == f"{PUBLIC}/b/{first.json['short']}"
    replay = client.post(f"{B01}/ballots", json=BODY, headers=clerk)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["id"] == first.json["id"] and "codes" not in replay.json
    kept = kept_answers(settings)
    assert any(first.json["id"] in body for body in kept)
    assert not any(code in body for body in kept for code in codes)


def test_lost_slips_are_reissued_once_and_spent_codes_stay_spent(client, settings):
    clerk = bearer(client, "b01-clerk")
    opened = client.post(f"{B01}/ballots", json=BODY, headers=clerk).json
    ballot, members = opened["id"], opened["codes"]["members"]
    cast = f"{B01}/ballots/{ballot}/casts"
    assert client.post(cast, json={"code": members[0], "grades": GRADES}).status_code == 201
    reissues = f"{B01}/ballots/{ballot}/reissues"
    spent = client.post(
        reissues, json={"pool": "members", "codes": 1, "void": [members[0]]}, headers=clerk
    )
    assert spent.status_code == 409 and spent.json["code"] == "ballot.void_spent"
    keyed = {**clerk, "Idempotency-Key": "reissue-1"}
    body = {"pool": "members", "codes": 2, "void": None}  # every unspent code of the pool
    reissued = client.post(reissues, json=body, headers=keyed)
    assert reissued.status_code == 201 and reissued.json["voided"] == 2
    new = reissued.json["codes"]["members"]
    assert len(new) == 2 and reissued.json["issued"] == {"members": 3, "constituents": 1}
    replay = client.post(reissues, json=body, headers=keyed)
    assert replay.json["voided"] == 2 and "codes" not in replay.json
    assert not any(code in kept for kept in kept_answers(settings) for code in new)
    voided = client.post(cast, json={"code": members[1], "grades": GRADES})
    assert voided.status_code == 409 and voided.json["code"] == "ballot.code_voided"
    assert client.post(cast, json={"code": new[0], "grades": GRADES}).status_code == 201
    closed = client.post(f"{B01}/ballots/{ballot}/close", json={"on": "2026-11-21"}, headers=clerk)
    assert closed.json["cast"] == {"members": 2, "constituents": 0}
    assert closed.json["tallies"]["member:B01003"]["members"]["excellent"] == 2


def test_ballot_dates_keep_to_the_campaign_year(client):
    clerk = bearer(client, "b01-clerk")
    far = client.post(f"{B01}/ballots", json={**BODY, "on": "9999-12-31"}, headers=clerk)
    assert far.status_code == 409 and far.json["code"] == "ballot.date_outside_year"
    opened = client.post(f"{B01}/ballots", json=BODY, headers=clerk).json
    close = f"{B01}/ballots/{opened['id']}/close"
    late = client.post(close, json={"on": "2027-01-02"}, headers=clerk)
    assert late.status_code == 409 and late.json["code"] == "ballot.date_outside_year"
    early = client.post(close, json={"on": "2026-11-19"}, headers=clerk)
    assert early.status_code == 409 and early.json["code"] == "ballot.closed_before_opened"


def test_a_member_reads_their_own_tallies_only_as_on_their_page(client):
    """Decision 0018: a member sees their own scores, not their colleagues', unless the plan
    opens them; a closed ballot's tallies are scores too."""
    path = "/api/v1/branches/b01/ballots?campaign=2026"
    clerk = client.get(path, headers=bearer(client, "b01-clerk")).json["items"]
    closed = [b for b in clerk if b["tallies"] and len(b["tallies"]) > 1]
    assert closed, "the demo closed ballots of several subjects"
    member = bearer(client, "b01-member")  # the demo's third member of b01
    listed = client.get(path, headers=member).json["items"]
    one = client.get(f"/api/v1/branches/b01/ballots/{closed[0]['id']}", headers=member).json
    own = "member:B01003"
    for ballot in [*listed, one]:
        shown = set(ballot["tallies"] or {})
        assert {k for k in shown if k.startswith("member:")} <= {own}, ballot["title"]
    full = next(b for b in clerk if b["id"] == closed[0]["id"])
    assert one["tallies"] == {
        k: v for k, v in full["tallies"].items() if k == own or not k.startswith("member:")
    }
