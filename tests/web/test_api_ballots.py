"""The secret ballot through the JSON API: codes shown once, an idempotent replay without them,
lost slips reissued, the public short address."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import replace

import pytest

from cxzy_saas import wiring
from cxzy_saas.config import Settings, WebSettings
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.app import create_app
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


def test_a_raters_own_mistakes_use_up_no_attempts_only_guesses_do(settings):
    """A room of raters shares one address: sheets sent half filled in and codes sent twice
    must not lock it out; only codes and addresses that do not exist count."""
    limited = replace(settings, web=WebSettings(public_url=PUBLIC, ballot_limit="3 per 10 seconds"))
    app = create_app(
        limited,
        {
            "TESTING": True,
            "EMBEDDED_PROJECTOR": False,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_KEY_PREFIX": f"cxzy-test-{uuid.uuid4().hex}",
        },
    )
    client = app.test_client()
    opened = client.post(f"{B01}/ballots", json=BODY, headers=bearer(client, "b01-clerk")).json
    code, page = opened["codes"]["members"][0], f"/b/{opened['short']}"
    projector = wiring.projector(tenancy_of(app))  # the address is found in the read models
    try:
        projector.catch_up()
    finally:
        projector.db.close()
    for _ in range(5):
        half = client.post(page, data={"code": code, "step": "review", "g.group:g1": "basic"})
        assert half.status_code == 422 and "请为每个测评对象选择等次" in half.text
        sent = client.post(f"{B01}/ballots/{opened['id']}/casts", json={"code": code, "grades": {}})
        assert sent.status_code != 429, sent.json
    cast = client.post(f"{B01}/ballots/{opened['id']}/casts", json={"code": code, "grades": GRADES})
    assert cast.status_code == 201
    for _ in range(5):  # the same slip sent again, as a double click does
        again = client.post(
            page, data={"code": code, "step": "cast", **{f"g.{k}": v for k, v in GRADES.items()}}
        )
        assert again.status_code == 422 and "已经使用过" in again.text
    for _ in range(3):
        assert client.post("/ballot", data={"code": "ABCD-EFGH-JKLM"}).status_code == 422
    refused = client.post("/ballot", data={"code": "ABCD-EFGH-JKLM"})
    assert refused.status_code == 429 and "尝试次数过多" in refused.text
