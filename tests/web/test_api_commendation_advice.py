"""命名先进党支部 against the committee's branch ranking: the ranking is advice (不以票取人), and
a branch named while one ranked above it is not needs a reason, kept in the decision."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import Commend
from cxzy_saas.application.committee import passed_over
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.recording import BEIJING
from tests.web.api_demo import app_for, bearer
from tests.web.conftest import as_user
from tests.web.test_pages_evaluation import post, text_of

YEAR = 2026
COMMEND = f"/api/v1/campaigns/{YEAR}/commendation"


def played_to_november(folder):  # type: ignore[no-untyped-def]
    """The demo's two branches, their year played to 1 November: scored, nobody named yet."""
    settings = Settings(data_dir=folder / "var")
    tenancy = Tenancy(settings)
    try:
        manifest = load_manifest(TENANTS_DIR / "demo.toml")
        until = datetime(YEAR, 11, 1, tzinfo=BEIJING)
        build_demo(tenancy, manifest, branches=2, seed=5, year=YEAR, until=until)
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    return app_for(settings).test_client()


@pytest.fixture
def client(tmp_path):  # type: ignore[no-untyped-def]
    return played_to_november(tmp_path)


def ranks(client, headers) -> dict[str, int | None]:
    board = client.get(f"/api/v1/campaigns/{YEAR}/leaderboards/branch", headers=headers).json
    return {row["code"]: row["rank"] for row in board["rows"]}


def test_naming_a_branch_below_one_not_named_needs_a_reason_kept_with_it(client):
    admin = bearer(client, "admin")
    (top, top_rank), (low, low_rank) = sorted(ranks(client, admin).items(), key=lambda r: r[1])
    assert top_rank < low_rank  # the demo's two branches do not tie
    yesterday = (date.today() - timedelta(days=1)).isoformat()

    def name(branch: str, reason: str = "") -> dict:
        entry = {"branch": branch, "level": "branch", "subject": branch, "reason": reason}
        body = {"entries": [entry], "on": yesterday, "decision_text": "党委表彰决定"}
        return client.post(COMMEND, json=body, headers=admin)

    refused = name(low)
    assert refused.status_code == 409, refused.json
    assert refused.json["code"] == "commendation.against_ranking_needs_reason"
    assert (
        "须写明理由"
        in client.post(
            COMMEND,
            json={
                "entries": [{"branch": low, "level": "branch", "subject": low}],
                "on": yesterday,
                "decision_text": "决定",
            },
            headers={**admin, "Accept-Language": "zh-CN"},
        ).json["detail"]
    )
    assert client.get(COMMEND, headers=admin).json["named"] == []  # nothing half-written
    named = name(low, "抗洪救灾中党支部作用突出")
    assert named.status_code in (200, 201), named.json
    (entry,) = named.json["named"]
    assert entry["against_advice"] is True and entry["reason"] == "抗洪救灾中党支部作用突出"
    # the branch at the top of the ranking follows the advice: no reason asked
    followed = name(top)
    assert followed.status_code in (200, 201), followed.json
    assert [e.get("against_advice", False) for e in followed.json["named"]] == [True, False]


def test_the_page_shows_the_ranks_and_asks_the_reason_then_shows_it(client):
    ranked = sorted(ranks(client, bearer(client, "admin")).items(), key=lambda r: r[1])
    (_, top_rank), (low, low_rank) = ranked
    admin = as_user(client, "admin")
    page = f"/committee/campaigns/{YEAR}/commendation"
    shown = text_of(admin.get(page).text)
    assert f"（党支部排名第 {top_rank}）" in shown and f"（党支部排名第 {low_rank}）" in shown
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    body = {"entries": f"{low}|branch|{low}", "on": yesterday, "decision_text": "党委表彰决定"}
    refused = post(admin, page, page, body)
    assert refused.status_code == 422
    assert "命名其为先进党支部须写明理由" in text_of(refused.text)
    assert post(admin, page, page, {**body, f"reason.{low}": "基层治理成效显著"}).status_code == 302
    assert "与党支部排名不一致：基层治理成效显著" in text_of(admin.get(page).text)


def test_who_is_passed_over():
    def over(ranks, named, earlier=()):  # type: ignore[no-untyped-def]
        entries = [{"branch": b, "level": "branch", "subject": b} for b in named]
        command = Commend(
            year=YEAR,
            entries=entries,
            on=date(YEAR, 12, 1),
            decision_text="决定",
            branch_ranks=ranks,
        )
        return passed_over(command, [{"branch": b, "level": "branch"} for b in earlier])

    ranks = {"b01": 1, "b02": 2, "b03": 2, "b04": None}
    assert over(ranks, ["b01"]) == set()
    assert over(ranks, ["b02"]) == {"b02"}  # b01 above it is left
    assert over(ranks, ["b02"], earlier=["b01"]) == set()  # named before
    assert over(ranks, ["b01", "b02"]) == set()  # b03 ties with b02: not above it
    assert over(ranks, ["b04"], earlier=["b01", "b02"]) == {"b04"}  # 未参评 below b03
    assert over(ranks, ["b05"], earlier=["b01", "b02", "b03"]) == set()  # all ranked named
    assert over(ranks, ["b05"]) == {"b05"}  # not on the board: below the ranked
    assert over({}, ["b02"]) == set()  # no board, no advice
