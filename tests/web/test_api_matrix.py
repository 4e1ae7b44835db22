"""Every API route × every role × own and other branch, generated from the route table.

A route declares its scope and roles once (``api_route``); this matrix calls each route as
every demo user and checks the answer against that declaration: 401 without a token, 404 for
another branch (the same 404 as for a branch that does not exist), 403 for a role the route
does not name, and for the roles it names a real answer (reads 200; writes 422, because the
matrix sends a body with an unknown field, so that nothing is ever written). A route added
later is in the matrix without anyone having to remember it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from cxzy_saas.application.evidence import AttachEvidence
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.recording import Actor
from cxzy_saas.web.api.routing import Access
from tests.web.api_demo import ROLE_USERS, app_for, bearer, build

PROBE = {"__probe__": 1}  # an unknown field: refused before any command runs


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    settings = build(tmp_path_factory.mktemp("matrix"))
    tenancy = Tenancy(settings)
    b01 = tenancy.branch("b01")
    commendation = tenancy.committee("demo").commendation(2026)
    assert commendation is not None
    deeds = next(e for e in commendation.named if e["branch"] == "b01" and e["level"] == "member")
    samples = {
        "code": "b01",
        "year": "2026",
        "no": "B01003",
        "group": "g1",
        "stage": "midyear",
        "username": "b01-clerk",
        "measures": str(b01.measures(2026)[0].id),
        "records": str(b01.daily_records(2026)[0].id),
        "meetings": str(b01.meetings(2026)[0].id),
        "quarter": "1",
        "ballots": str(b01.ballots(2026)[0].id),
        "subject": deeds["subject"],
        "amendments": str(uuid.uuid4()),
        "letter": str(b01.letters(2026)[0].id),
        "task": str(tenancy.committee("demo").tasks(2026, "b01")[0].id),
        "evidence": str(attached_evidence(b01)),
    }
    tenancy.close()
    app = app_for(settings)
    client = app.test_client()
    tokens = {u: bearer(client, u) for u in ROLE_USERS.values()}
    tokens.update(
        {
            u.replace("b01", "b02"): bearer(client, u.replace("b01", "b02"))
            for u in ROLE_USERS.values()
            if u.startswith("b01")
        }
    )
    return app, client, samples, tokens


def attached_evidence(branch: Any) -> uuid.UUID:
    """A PDF on one of the branch's inspections (the branch's own: every reader may read it)."""
    inspection = next(i for q in (1, 2, 3, 4) if (i := branch.inspection(2026, q)) is not None)
    clerk = Actor("b01-clerk", "branch-clerk", "b01")
    pdf = b"%PDF-1.4\n%%EOF\n"
    found: uuid.UUID = branch.attach_evidence(
        clerk,
        AttachEvidence(item="inspection", item_id=inspection.id, name="检查记录.pdf", data=pdf),
    )
    return found


QUERY = {"campaign": "2026", "branch": "b01"}  # required query fields, where a route has them


def routes(app) -> list[tuple[str, str, Access]]:
    """(method, rule with its required query, access) of every API route."""
    found = []
    for rule in app.url_map.iter_rules():
        meta = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if rule.rule.startswith("/api/v1/") and meta is not None:
            method = next(iter(rule.methods - {"HEAD", "OPTIONS"}))
            wanted = meta["query"]().fields if meta["query"] else {}
            query = "&".join(f"{k}={v}" for k, v in QUERY.items() if k in wanted)
            found.append((method, rule.rule + (f"?{query}" if query else ""), meta["access"]))
    return sorted(found)


def url_for(rule: str, samples: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "id":
            resource = rule[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            return samples[resource]
        if name == "level":
            return "member"
        return samples[name]

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule)


def call(client, method: str, url: str, headers: dict[str, str] | None = None) -> Any:
    body = PROBE if method != "GET" else None
    return client.open(url, method=method, json=body, headers=headers or {})


def test_the_matrix_covers_every_route(api):
    app, *_ = api
    found = routes(app)
    assert len(found) >= 60
    scopes = {access.scope for _, _, access in found}
    assert scopes == {"branch", "committee", "ballot", "public"}


def test_anonymous_callers_get_401_everywhere_but_the_token_and_ballot_routes(api):
    app, client, samples, _ = api
    for method, rule, access in routes(app):
        if access.scope in ("public", "ballot"):
            continue
        response = call(client, method, url_for(rule, samples))
        assert response.status_code == 401, (method, rule)
        assert response.mimetype == "application/problem+json"
        forged = call(client, method, url_for(rule, samples), {"Authorization": "Bearer x.y.z"})
        assert forged.status_code == 401, (method, rule)


def test_each_role_gets_what_its_route_declares_on_its_own_branch(api):
    app, client, samples, tokens = api
    checked = 0
    for method, rule, access in routes(app):
        if access.scope in ("public", "ballot"):
            continue
        url = url_for(rule, samples)
        for role, user in ROLE_USERS.items():
            response = call(client, method, url, tokens[user])
            if role in access.roles:
                expected = 200 if method == "GET" else 422
                assert response.status_code == expected, (method, rule, role, response.json)
            else:
                assert response.status_code == 403, (method, rule, role, response.json)
            checked += 1
    assert checked >= 60 * len(ROLE_USERS)


def test_another_branchs_users_get_the_same_404_as_for_a_branch_that_does_not_exist(api):
    app, client, samples, tokens = api
    for method, rule, access in routes(app):
        if access.scope != "branch":
            continue
        url = url_for(rule, samples)
        missing = url.replace("/branches/b01", "/branches/nowhere", 1)
        for user in [u for u in tokens if u.startswith("b02")]:
            other = call(client, method, url, tokens[user])
            assert other.status_code == 404, (method, rule, user)
            unknown = call(client, method, missing, tokens[user])
            assert (unknown.status_code, unknown.json) == (404, other.json), (method, rule)


def test_ballot_casts_need_a_code_not_an_account_and_hide_other_branches(api):
    _, client, samples, _ = api
    cast = f"/api/v1/branches/b01/ballots/{samples['ballots']}/casts"
    grades = {"member:B01001": "excellent"}
    unknown_code = client.post(cast, json={"code": "ABCD-EFGH", "grades": grades})
    assert unknown_code.status_code == 409  # a closed ballot, an unknown code: both 409
    nowhere = client.post(
        f"/api/v1/branches/nowhere/ballots/{uuid.uuid4()}/casts",
        json={"code": "ABCD-EFGH", "grades": {}},
    )
    assert nowhere.status_code == 404


def test_declared_roles_never_let_viewers_or_auditors_write_and_let_them_read(api):
    app, *_ = api
    for method, rule, access in routes(app):
        if access.scope in ("public", "ballot"):
            continue
        if method != "GET":
            assert not access.roles & {"committee-viewer", "auditor"}, (method, rule)
        elif not rule.startswith("/api/v1/accounts"):
            assert {"committee-viewer", "auditor"} <= access.roles, (method, rule)
