"""The JSON API through the Flask test client, over a small demo committee."""

from __future__ import annotations

import re

import pytest

from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.demo import build_demo
from cxzy_saas.projections.projector import Projector, open_read_model
from cxzy_saas.web import create_app

SAMPLE = {"code": "b01", "year": "2026", "level": "member"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("api") / "var")
    tenancy = Tenancy(settings)
    build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=5)
    Projector(tenancy, open_read_model(tenancy)).rebuild()
    tenancy.close()
    app = create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    return app.test_client()


def token(client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def api_routes(client) -> list[tuple[str, str]]:
    routes = []
    for rule in client.application.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.token":
            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE[m.group(1)], rule.rule)
            routes += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_a_token_is_issued_for_a_right_password_only(client):
    ok = client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo"})
    assert ok.status_code == 200
    assert set(ok.json) == {"access_token", "token_type", "expires_in"}
    assert ok.json["token_type"] == "Bearer"
    bad = client.post("/api/v1/auth/token", json={"username": "admin", "password": "nope"})
    assert bad.status_code == 401 and bad.mimetype == "application/problem+json"
    extra = client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": "demo", "x": 1}
    )
    assert extra.status_code == 422 and "x" in extra.json["errors"]


def test_every_api_route_refuses_anonymous_callers(client):
    routes = api_routes(client)
    assert len(routes) >= 4
    for method, url in routes:
        response = client.open(url, method=method, json={})
        assert response.status_code == 401, (method, url)
        assert response.mimetype == "application/problem+json"
        forged = client.open(
            url, method=method, json={}, headers={"Authorization": "Bearer forged"}
        )
        assert forged.status_code == 401, (method, url)


def test_every_branch_route_hides_other_branches(client):
    b02 = token(client, "b02-clerk")
    for method, url in api_routes(client):
        if "/branches/b01" in url:
            response = client.open(url, method=method, json={}, headers=b02)
            assert response.status_code == 404, (method, url)
    unknown = client.get("/api/v1/branches/nope/members", headers=b02)
    assert unknown.status_code == 404


def test_a_clerk_enrols_a_member_and_bad_input_is_a_clear_problem(client):
    clerk = token(client, "b01-clerk")
    body = {"member_no": "B01900", "name": "新党员", "joined_on": "2026-07-01", "group": "g1"}
    created = client.post("/api/v1/branches/b01/members", json=body, headers=clerk)
    assert created.status_code == 201 and created.json["group"] == "g1"
    again = client.post("/api/v1/branches/b01/members", json=body, headers=clerk)
    assert again.status_code == 409
    missing = client.post("/api/v1/branches/b01/members", json={"name": "无编号"}, headers=clerk)
    assert missing.status_code == 422 and {"member_no", "joined_on"} <= set(missing.json["errors"])
    malformed = client.post(
        "/api/v1/branches/b01/members",
        data="{not json",
        headers={**clerk, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400 and malformed.mimetype == "application/problem+json"
    huge = client.post(
        "/api/v1/branches/b01/members",
        data="x" * (2 * 1024 * 1024),
        headers={**clerk, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    viewer = token(client, "viewer")
    forbidden = client.post("/api/v1/branches/b01/members", json=body, headers=viewer)
    assert forbidden.status_code == 403
    listed = client.get("/api/v1/branches/b01/members?per_page=500", headers=viewer)
    assert listed.status_code == 200 and "B01900" in {m["member_no"] for m in listed.json["items"]}
    assert client.get("/api/v1/branches/b01/members?per_page=0", headers=viewer).status_code == 422


def test_branch_users_see_their_own_rows_of_the_leaderboard(client):
    admin = client.get("/api/v1/campaigns/2026/leaderboards/member", headers=token(client, "admin"))
    assert admin.status_code == 200 and {r["branch"] for r in admin.json["rows"]} == {"b01", "b02"}
    mine = client.get(
        "/api/v1/campaigns/2026/leaderboards/member", headers=token(client, "b02-secretary")
    )
    assert mine.status_code == 200 and {r["branch"] for r in mine.json["rows"]} == {"b02"}
    past = client.get(
        "/api/v1/campaigns/2026/leaderboards/branch?as_of=2026-06-30",
        headers=token(client, "viewer"),
    )
    assert past.status_code == 200 and past.json["as_of"] == "2026-06-30"
    bad = client.get(
        "/api/v1/campaigns/2026/leaderboards/member?as_of=soon", headers=token(client, "viewer")
    )
    assert bad.status_code == 422
    branches = client.get("/api/v1/branches", headers=token(client, "b02-clerk"))
    assert [b["code"] for b in branches.json["items"]] == ["b02"]


def test_the_openapi_document_covers_every_api_route_with_its_schemas(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.")
    paths = spec.json["paths"]
    for method, url in api_routes(client):
        template = re.sub(r"/b01(/|$)", r"/{code}\1", url).replace("/2026/", "/{year}/")
        template = (
            template.replace("/member", "/{level}") if "leaderboards" in template else template
        )
        assert method.lower() in paths[template], (method, template)
    enrol = paths["/api/v1/branches/{code}/members"]["post"]
    assert "member_no" in str(enrol["requestBody"]) or "Member" in str(enrol["requestBody"])
    assert "MemberIn" in spec.json["components"]["schemas"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/v1/branches/{code}/members" in docs.get_data(
        as_text=True
    )
