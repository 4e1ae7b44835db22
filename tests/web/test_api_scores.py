"""Scores through the API and the pages: the committee's board and the branch's own ranking give
every subject the same numbers, and a member with nothing to score is 未参评 (``"status":
"unrated"``, no rank, no band), listed apart, never 不合格."""

from __future__ import annotations

import pytest

from tests.web.api_demo import app_for, bearer
from tests.web.conftest import YEAR, as_user, build_small_demo

FIELDS = ("work", "rating", "target", "composite", "band", "status")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The pages' small demo: b01 has two members enrolled today, never assessed nor rated."""
    return build_small_demo(tmp_path_factory.mktemp("scores"))


@pytest.fixture(scope="module")
def app(demo):
    return app_for(demo.settings)


def get(app, user: str, path: str) -> dict:
    client = app.test_client()
    response = client.get(f"/api/v1{path}", headers=bearer(client, user))
    assert response.status_code == 200, response.json
    return response.json


def test_the_board_and_the_branchs_ranking_agree_on_every_subject(app):
    for level in ("group", "member"):
        board = get(app, "viewer", f"/campaigns/{YEAR}/leaderboards/{level}")["rows"]
        for branch in ("b01", "b02"):
            ranking = get(app, f"{branch}-secretary", f"/branches/{branch}/rankings/{YEAR}")
            own = {r["subject"]: tuple(r[f] for f in FIELDS) for r in ranking["rows"][level]}
            shown = {r["id"]: tuple(r[f] for f in FIELDS) for r in board if r["branch"] == branch}
            assert own and shown == own, (level, branch)


def test_a_member_with_nothing_to_score_is_unrated_on_the_board_and_in_the_ranking(app, demo):
    board = get(app, "viewer", f"/campaigns/{YEAR}/leaderboards/member")["rows"]
    unrated = [r for r in board if r["id"] in demo.new_members]
    assert len(unrated) == 2
    for row in unrated:
        assert (row["rank"], row["band"], row["composite"], row["status"]) == (
            None,
            None,
            None,
            "unrated",
        )
    # listed apart: after every ranked row
    statuses = [r["status"] for r in board]
    assert statuses == sorted(statuses, key=lambda s: s == "unrated")
    assert all(
        r["rank"] is not None and r["band"] is not None for r in board if r["status"] == "rated"
    )
    ranking = get(app, "b01-secretary", f"/branches/b01/rankings/{YEAR}")["rows"]["member"]
    assert {r["subject"]: r["status"] for r in ranking if r["subject"] in demo.new_members} == {
        no: "unrated" for no in demo.new_members
    }


def test_the_board_page_lists_the_unrated_apart_and_never_calls_them_incompetent(app, demo):
    client = as_user(app.test_client(), "viewer")
    page = client.get(f"/committee/boards/member?campaign={YEAR}").text
    ranked, apart = page.split("未参评（没有可计分的考核或测评")
    for number in demo.new_members:
        assert f'data-subject="{number}"' in apart and f'data-subject="{number}"' not in ranked
    rows = apart.split("<tr ")[1:]
    assert len(rows) == 2 and not any("不合格" in row for row in rows)
