"""A client generated from /api/openapi.json (openapi-python-client), used for real: a short
campaign played through it against the demo served over HTTP. The test fails if generation
fails or if any call answers other than the document says it should."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from cxzy_saas.config import Settings
from cxzy_saas.domain.recording import BEIJING
from tests.web.api_demo import app_for, bearer, build
from tests.web.schemathesis_run import served

YEAR = 2025  # a past year: every month of it has begun
DEMO_YEAR = 2024  # the demo's year before it: its members are on the books in YEAR


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The client generated into a temporary folder, imported."""
    folder = tmp_path_factory.mktemp("client")
    settings = Settings(data_dir=folder / "spec-var")
    document = app_for(settings).test_client().get("/api/openapi.json").json
    (folder / "openapi.json").write_text(json.dumps(document, ensure_ascii=False))
    (folder / "config.json").write_text(
        json.dumps(
            {
                "project_name_override": "cxzy-client",
                "package_name_override": "cxzy_client",
                "post_hooks": [],
            }
        )
    )
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.json",
            "--meta",
            "none",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout, generated.stdout
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("cxzy_client")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == "cxzy_client"]:
            del sys.modules[name]


class Caller:
    """Calls the generated client's operations by name and checks the status."""

    def __init__(self, package: Any, base: str) -> None:
        self.package, self.base = package, base
        self.models = importlib.import_module("cxzy_client.models")

    def as_user(self, token: str | None) -> Any:
        if token is None:
            return self.package.Client(base_url=self.base)
        return self.package.AuthenticatedClient(base_url=self.base, token=token)

    def body(self, model: str, data: dict[str, Any]) -> Any:
        return getattr(self.models, model).from_dict(data)

    def __call__(self, operation: str, who: Any, status: int, **arguments: Any) -> Any:
        module = importlib.import_module(f"cxzy_client.api.default.{operation}")
        response = module.sync_detailed(client=who, **arguments)
        assert response.status_code == status, (operation, response.content.decode())
        return response


def test_a_campaign_played_through_a_generated_client(client_package, tmp_path):
    settings = build(tmp_path, year=DEMO_YEAR)
    app = app_for(settings)
    tokens = {
        user: bearer(app.test_client(), user)["Authorization"].removeprefix("Bearer ")
        for user in ("admin", "b01-secretary", "b01-clerk")
    }
    with served(app) as base:
        call = Caller(client_package, base)
        admin, secretary, clerk = (call.as_user(tokens[u]) for u in tokens)
        b01 = {"code": "b01"}

        campaign = call(
            "open_campaign",
            admin,
            201,
            body=call.body("CampaignIn", {"year": YEAR, "title": "2025年度创先争优活动"}),
        )
        assert campaign.headers["Location"] == f"/api/v1/campaigns/{YEAR}"

        # The branch's plan: drafted, discussed, finalised, submitted, approved.
        drafted = call(
            "draft_branch_plan",
            secretary,
            201,
            **b01,
            body=call.body("DraftIn", {"year": YEAR, "drafter": "办公室党支部支委会"}),
        )
        assert drafted.parsed.status == "draft"
        plan = {**b01, "year": drafted.parsed.year}
        # Drafted today: the steps are dated today (Beijing), neither before the draft nor after.
        today = datetime.now(BEIJING).date().isoformat()
        minutes = {"on": today, "minutes": "支委会讨论活动方案,同意提交。"}
        call(
            "branch_plan_discussions", secretary, 200, **plan, body=call.body("MinutesIn", minutes)
        )
        on = {"on": today}
        call("branch_plan_finalisation", secretary, 200, **plan, body=call.body("OnIn", on))
        call("submit_branch_plan", secretary, 200, **plan, body=call.body("OnIn", on))
        approval = {"outcome": "approved", "reason": ""}
        decided = call(
            "decide_branch_plan", admin, 200, **plan, body=call.body("DecisionIn", approval)
        )
        assert decided.parsed.decision == "approved"

        # A month's grid: every active member scored on every member item of the plan.
        content = call("branch_plan", clerk, 200, **plan).parsed.content
        items = [i for i in content.items if i.level == "member"]
        roll = call("list_members", clerk, 200, **b01, per_page=500).parsed.items
        members = [m.member_no for m in roll if m.active]
        grid = {no: {i.code: i.max_points * 0.8 for i in items} for no in members}
        month = {"year": YEAR, "month": 1, "level": "member", "scores": grid, "on": "2025-02-03"}
        assessed = call("assess_month", clerk, 201, **b01, body=call.body("AssessmentIn", month))
        assert len(assessed.parsed.items) == len(members)

        # A ballot opened, cast with one of its codes (no account), closed.
        subjects = [{"level": "member", "subject": no} for no in members[:3]]
        ballot = {
            "year": YEAR,
            "title": "年终民主测评",
            "subjects": subjects,
            "codes": {"members": 2},
            "on": "2025-11-20",
        }
        opened = call("open_ballot", secretary, 201, **b01, body=call.body("BallotIn", ballot))
        ballot_id = opened.parsed.id
        assert opened.headers["Location"] == f"/api/v1/branches/b01/ballots/{ballot_id}"
        code = opened.parsed.codes["members"][0]
        grades = {f"member:{s['subject']}": "excellent" for s in subjects}
        call(
            "cast_ballot",
            call.as_user(None),
            201,
            **b01,
            id=ballot_id,
            body=call.body("CastIn", {"code": code, "grades": grades}),
        )
        closed = call(
            "close_ballot",
            secretary,
            200,
            **b01,
            id=ballot_id,
            body=call.body("OnIn", {"on": "2025-11-25"}),
        )
        assert closed.parsed.cast["members"] == 1

        # A nomination shortlisted, submitted and decided by the committee.
        entry = {"level": "member", "subject": members[0], "reason": "全年考核优秀，群众公认。"}
        shortlist = {"year": YEAR, "entries": [entry]}
        call("shortlist", secretary, 200, **b01, body=call.body("ShortlistIn", shortlist))
        nomination = {**b01, "year": YEAR}
        submit = call.body("OnIn", {"on": "2025-12-10"})
        call("submit_nomination", secretary, 200, **nomination, body=submit)
        decision = {
            "level": "member",
            "subject": members[0],
            "outcome": "approved",
            "reason": "党委研究同意。",
        }
        decided = call(
            "decide_nominee",
            admin,
            200,
            **nomination,
            body=call.body("NomineeDecisionIn", decision),
        )
        assert [d.outcome for d in decided.parsed.decisions] == ["approved"]
