"""Visibility is today's: an as-of view never shows a branch user more than today's openness
allows. The committee opened the 2025 boards to its branches from 1 to 10 March 2026 and closed
them again; a view of 5 March (when they were open) shown today must hold only the branch's own
rows, on every view a branch user can reach (boards, matrix, trends, the dashboard, the branch
home)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import SetLeaderboardVisibility
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.recording import Actor, SimulatedClock
from cxzy_saas.projections import queries
from cxzy_saas.projections.asof import replay
from tests.web.api_demo import app_for, bearer
from tests.web.conftest import as_user

YEAR = 2025
WHILE_OPEN = "2026-03-05"
ADMIN = Actor("admin", "committee-admin", "demo")
OTHER_BRANCH = "规划处党支部"  # b02's name (tenants/demo.toml)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("visibility") / "var")
    tenancy = Tenancy(settings, SimulatedClock(datetime(YEAR, 1, 2, tzinfo=UTC)))
    try:
        build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=5, year=YEAR)
        committee = tenancy.committee("demo")
        for day, shown in ((1, True), (10, False)):
            tenancy.clock = SimulatedClock(datetime(2026, 3, day, 2, tzinfo=UTC))
            committee.set_leaderboard_visibility(
                ADMIN, SetLeaderboardVisibility(year=YEAR, open_to_branches=shown)
            )
        live = wiring.open_read_model(tenancy)
        wiring.projector(tenancy, live).rebuild()
        # the premise: on that day the boards were open, today they are not
        with replay(
            wiring.read_port(tenancy), wiring.read_models(tenancy), date(2026, 3, 5), index=live
        ) as then:
            assert queries.board_open(then, "demo", YEAR)
        assert not queries.board_open(live, "demo", YEAR)
    finally:
        tenancy.close()
    return app_for(settings)


@pytest.fixture(scope="module")
def tokens(app):
    client = app.test_client()
    return {user: bearer(client, user) for user in ("viewer", "b01-clerk", "b01-member")}


def get(app, tokens, user: str, path: str) -> dict:
    response = app.test_client().get(f"/api/v1{path}", headers=tokens[user])
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize("level", ["branch", "group", "member"])
@pytest.mark.parametrize("user", ["b01-clerk", "b01-member"])
def test_a_past_board_shows_a_branch_user_only_its_own_rows(app, tokens, user, level):
    path = f"/campaigns/{YEAR}/leaderboards/{level}?as_of={WHILE_OPEN}"
    rows = get(app, tokens, user, path)["rows"]
    if user == "b01-member" and level == "member":
        # A member sees their own row only unless the plan opens colleagues' (decision 0018).
        assert {r["id"] for r in rows} <= {"B01003"}
    else:
        assert rows and {r.get("branch", r.get("code")) for r in rows} == {"b01"}
    everyone = get(app, tokens, "viewer", path)["rows"]
    assert {r.get("branch", r.get("code")) for r in everyone} == {"b01", "b02"}


@pytest.mark.parametrize("user", ["b01-clerk", "b01-member"])
def test_a_past_matrix_shows_a_branch_user_only_its_own_row(app, tokens, user):
    path = f"/campaigns/{YEAR}/matrix?as_of={WHILE_OPEN}"
    assert [r["code"] for r in get(app, tokens, user, path)["rows"]] == ["b01"]
    assert [r["code"] for r in get(app, tokens, "viewer", path)["rows"]] == ["b01", "b02"]


@pytest.mark.parametrize("user", ["b01-clerk", "b01-member"])
def test_past_trends_show_a_branch_user_only_its_own_series(app, tokens, user):
    path = f"/campaigns/{YEAR}/trends?as_of={WHILE_OPEN}"
    assert [b["code"] for b in get(app, tokens, user, path)["branches"]] == ["b01"]
    assert [b["code"] for b in get(app, tokens, "viewer", path)["branches"]] == ["b01", "b02"]


@pytest.mark.parametrize("user", ["b01-clerk", "b01-secretary", "b01-member"])
def test_the_committees_dashboard_as_of_a_past_day_is_no_page_for_a_branch_user(app, user):
    client = as_user(app.test_client(), user)
    for page in (
        "/committee",
        "/committee/boards/member",
        "/committee/matrix",
        "/committee/trends",
    ):
        assert client.get(f"{page}?campaign={YEAR}&as_of={WHILE_OPEN}").status_code == 404
    viewer = as_user(app.test_client(), "viewer")
    shown = viewer.get(f"/committee?campaign={YEAR}&as_of={WHILE_OPEN}")
    assert shown.status_code == 200 and OTHER_BRANCH in shown.text


@pytest.mark.parametrize("user", ["b01-clerk", "b01-secretary", "b01-member"])
def test_the_branch_home_as_of_a_past_day_shows_only_the_branchs_own_rows(app, user):
    client = as_user(app.test_client(), user)
    page = client.get(f"/branch/b01?campaign={YEAR}&as_of={WHILE_OPEN}")
    assert page.status_code == 200
    assert 'data-branch="b01"' in page.text and 'data-branch="b02"' not in page.text
    assert OTHER_BRANCH not in page.text
    committee = as_user(app.test_client(), "viewer")
    shown = committee.get(f"/branch/b01?campaign={YEAR}&as_of={WHILE_OPEN}")
    assert shown.status_code == 200 and 'data-branch="b02"' in shown.text
