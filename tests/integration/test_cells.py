"""Cells: two PostgreSQL databases on the local server, each holding whole committees. Writes
and reads go to the committee's cell; each cell's projector builds its own committees' read
models only; the web app answers boards for both; a committee never spans cells.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from cxzy_saas import wiring
from cxzy_saas.application.commands.committee import Grant, OpenCampaign, RegisterUser
from cxzy_saas.application.commands.organisation import FormGroup
from cxzy_saas.application.commands.plans import DraftPlan
from cxzy_saas.application.commands.work import AssessMonth
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli import main
from cxzy_saas.config import DEFAULT_CELL, Settings
from cxzy_saas.domain.errors import InvalidInput, StateConflict
from cxzy_saas.domain.recording import SimulatedClock
from cxzy_saas.web import tenancy_of
from cxzy_saas.web.app import create_app
from tests.builders import a_clerk, a_committee_admin, a_member
from tests.conftest import drop_database, fresh_database, random_code
from tests.integration.test_campaign_year import PLAN, YEAR

pytestmark = pytest.mark.postgres

PASSWORD = "cells-apart-Pw-7302"


@pytest.fixture
def two_cells(postgres_url: str, tmp_path: Path) -> Iterator[Settings]:
    """The default cell and cell ``b``: two databases of their own."""
    home, other = fresh_database(postgres_url), fresh_database(postgres_url)
    try:
        yield Settings(
            database_url=home,
            cells=(("b", other),),
            max_connections=3,
            data_dir=tmp_path / "var",
        )
    finally:
        drop_database(home)
        drop_database(other)


def schemas(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' "
            "OR nspname = 'cxzy_registry'"
        ).fetchall()
    return {r[0] for r in rows}


def projected(url: str) -> set[str]:
    """The logs a cell's read models hold rows of (by their tracking positions)."""
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT tenant FROM projections.rm_tracking")}


def a_campaign(tenancy: Tenancy, committee: str, branches: list[str], user: str) -> None:
    """A campaign with the committee's plan, members assessed in January, and a committee
    admin ``user``."""
    admin = a_committee_admin(committee)
    app = tenancy.committee(committee)
    app.open_campaign(admin, OpenCampaign(year=YEAR, title="活动"))
    app.draft_plan(admin, DraftPlan(year=YEAR, drafter="组织部", content=PLAN))
    for branch in branches:
        clerk = a_clerk(branch)
        b = tenancy.branch(branch)
        b.form_group(clerk, FormGroup(code="g1", name="一组"))
        b.enrol_members(clerk, [a_member("M1"), a_member("M2", "李强")])
        b.draft_plan(clerk, DraftPlan(year=YEAR, drafter="组织委员", content=PLAN))
        b.assess_month(
            clerk,
            AssessMonth(
                year=YEAR,
                month=1,
                level="member",
                scores={"M1": {"A": 5, "C": 5}, "M2": {"A": 3, "C": 4}},
            ),
        )
    app.register_user(admin, RegisterUser(username=user, display_name="管理员", password=PASSWORD))
    app.grant(admin, Grant(username=user, role="committee-admin", tenant=committee))


def a_committee_with_a_campaign(tenancy: Tenancy, branches: int = 2) -> tuple[str, list[str]]:
    """A new committee with ``branches`` branches and :func:`a_campaign`: its code, theirs."""
    code, codes = random_code("c"), [random_code("b") for _ in range(branches)]
    tenancy.add_committee(code, "党委")
    for branch in codes:
        tenancy.add_branch(code, branch, "支部")
    a_campaign(tenancy, code, codes, random_code("u"))
    return code, codes


def test_two_committees_in_two_cells_write_read_and_project_apart(two_cells: Settings) -> None:
    home, other = two_cells.database_url or "", two_cells.cells[0][1]
    clock = SimulatedClock(datetime(YEAR, 2, 3, tzinfo=UTC))
    tenancy = Tenancy(two_cells, clock)
    try:
        ca, cb = random_code("c"), random_code("c")
        tenancy.add_committee(ca, "甲党委")
        tenancy.add_committee(cb, "乙党委", cell="b")
        a1, b1 = random_code("b"), random_code("b")
        tenancy.add_branch(ca, a1, "甲一支部")
        tenancy.add_branch(cb, b1, "乙一支部", cell="b")
        a_campaign(tenancy, ca, [a1], random_code("u"))
        a_campaign(tenancy, cb, [b1], random_code("u"))

        # each committee's logs, and its branches', are in its own cell; the registry at home
        assert {f"tenant_{ca}", f"tenant_{a1}", "cxzy_registry"} <= schemas(home)
        assert not {f"tenant_{cb}", f"tenant_{b1}"} & schemas(home)
        assert {f"tenant_{cb}", f"tenant_{b1}"} <= schemas(other)
        assert not {f"tenant_{ca}", f"tenant_{a1}", "cxzy_registry"} & schemas(other)

        # a committee never spans cells; an unknown cell is refused before anything is written
        with pytest.raises(StateConflict) as spans:
            tenancy.add_branch(cb, random_code("b"), "越界支部", cell="default")
        assert spans.value.code == "branch.other_cell"
        with pytest.raises(InvalidInput) as unknown:
            tenancy.add_committee(random_code("c"), "无处党委", cell="nowhere")
        assert unknown.value.code == "cell.unknown"
        assert len(tenancy.tenants()) == 4

        # another process finds every tenant's cell from the registry alone
        fresh = Tenancy(two_cells)
        try:
            assert [fresh.cell_of(c) for c in (ca, a1, cb, b1)] == ["default"] * 2 + ["b"] * 2
            assert fresh.branch(b1).members()[0].name == "张伟"
            assert [t.code for t in fresh.tenants("b")] == [cb, b1]
        finally:
            fresh.close()

        # each cell's projector builds its own committees' read models, and no other's
        for cell in ("default", "b"):
            wiring.projector(tenancy, cell=cell).rebuild()
        assert projected(home) == {"_registry", ca, a1}
        assert projected(other) == {"_registry", cb, b1}
        status = wiring.projection_status(tenancy)
        assert status["lag"] == 0 and set(status["cells"]) == {"default", "b"}
        # the registry's log is followed by both cells' read models
        assert sorted((c["committee"], c["cell"]) for c in status["committees"]) == sorted(
            [("_registry", "default"), ("_registry", "b"), (ca, "default"), (cb, "b")]
        )
    finally:
        tenancy.close()


def test_boards_answer_for_committees_of_both_cells_through_the_web_app(
    two_cells: Settings,
) -> None:
    clock = SimulatedClock(datetime(YEAR, 2, 3, tzinfo=UTC))
    tenancy = Tenancy(two_cells, clock)
    users = {}
    try:
        for cell, name in (("default", "甲党委"), ("b", "乙党委")):
            committee, branch, user = random_code("c"), random_code("b"), random_code("u")
            tenancy.add_committee(committee, name, cell=cell)
            tenancy.add_branch(committee, branch, "第一支部")
            a_campaign(tenancy, committee, [branch], user)
            users[cell] = (committee, branch, user)
        for cell in tenancy.cells:
            wiring.projector(tenancy, cell=cell).catch_up()
    finally:
        tenancy.close()
    app = create_app(two_cells, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    try:
        client = app.test_client()
        for committee, branch, user in users.values():
            token = client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
            assert token.status_code == 200, token.json
            auth = {"Authorization": f"Bearer {token.json['access_token']}"}
            now = client.get(f"/api/v1/campaigns/{YEAR}/leaderboards/member", headers=auth)
            assert now.status_code == 200, now.json
            assert now.json["committee"] == committee
            assert {r["branch"] for r in now.json["rows"]} == {branch}
            assert [r["name"] for r in now.json["rows"]] == ["张伟", "李强"]
            # as of a past day: replayed from the committee's own cell
            before = client.get(
                f"/api/v1/campaigns/{YEAR}/leaderboards/member",
                query_string={"as_of": date(YEAR, 2, 3).isoformat()},
                headers=auth,
            )
            assert before.status_code == 200, before.json
            assert before.json["rows"] == now.json["rows"]
    finally:
        app.extensions["cxzy.tenancy"].close()


def cli_env(settings: Settings) -> dict[str, str]:
    found = {k: v for k, v in os.environ.items() if not k.startswith("CXZY_")}
    cells = ";".join(f"{name}={url}" for name, url in settings.cells)
    return {
        **found,
        "CXZY_DATABASE_URL": settings.database_url or "",
        "CXZY_CELLS": cells,
        "CXZY_DATA_DIR": str(settings.data_dir),
        "CXZY_MAX_CONNECTIONS": "3",
    }


def test_the_command_line_loads_a_committee_into_a_cell_and_projects_each_cell(
    two_cells: Settings, tmp_path: Path
) -> None:
    code = random_code("c")
    branch = random_code("b")
    manifest = tmp_path / "c.toml"
    manifest.write_text(
        f'[committee]\ncode = "{code}"\nname = "乙党委"\n\n'
        f'[[branches]]\ncode = "{branch}"\nname = "乙一支部"\n',
        encoding="utf-8",
    )
    env = cli_env(two_cells)
    runner = CliRunner()

    def run(*args: str) -> str:
        done = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return done.output

    assert "(cell b)" in run("tenants", "load", str(manifest), "--cell", "b")
    other = random_code("b")
    refused = runner.invoke(
        main,
        ["tenants", "add", other, "--name", "越界", "--committee", code, "--cell", "default"],
        env=env,
    )
    assert refused.exit_code != 0 and "lives in cell b" in refused.output
    listed = json.loads(run("tenants", "list", "--format", "json"))["tenants"]
    assert {t["code"]: t["cell"] for t in listed} == {code: "b", branch: "b"}
    assert "cell default)" in run("tenants", "add", random_code("c"), "--name", "甲党委")
    second = random_code("b")
    assert "cell b" in run("tenants", "add", second, "--name", "乙二支部", "--committee", code)
    branches = {branch, second}

    # a worker of cell b only projects cell b; the default cell's read models stay untouched
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cxzy_saas.cli",
            "project",
            "run",
            "--cell",
            "b",
            "--interval",
            "0.1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        status: dict[str, object] = {}
        for _ in range(300):
            status = json.loads(run("project", "status", "--format", "json", "--cell", "b"))
            tenants = status["tenants"]
            assert isinstance(tenants, list)
            if all(t["lag"] == 0 for t in tenants):
                break
            time.sleep(0.2)
        assert projected(two_cells.cells[0][1]) == {"_registry", code, *branches}
    finally:
        worker.terminate()
        _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    home = json.loads(run("project", "status", "--format", "json", "--cell", "default"))
    assert any(t["lag"] > 0 for t in home["tenants"])  # nobody projected the default cell


def one_committee_in_each_cell(settings: Settings) -> dict[str, tuple[str, str]]:
    """A committee with a branch and a campaign in each cell: cell -> (branch, admin user)."""
    tenancy = Tenancy(settings, SimulatedClock(datetime(YEAR, 2, 3, tzinfo=UTC)))
    users = {}
    try:
        for cell in ("default", "b"):
            committee, branch, user = random_code("c"), random_code("b"), random_code("u")
            tenancy.add_committee(committee, "党委", cell=cell)
            tenancy.add_branch(committee, branch, "第一支部")
            a_campaign(tenancy, committee, [branch], user)
            users[cell] = (branch, user)
    finally:
        tenancy.close()
    return users


@pytest.mark.parametrize("cell_b", ["unconfigured", "down"])
def test_a_cell_out_of_reach_stops_only_its_own_committees_users(
    two_cells: Settings, cell_b: str
) -> None:
    """One committee in each cell; then a web app whose cell b is missing from its settings, or
    points at a server that refuses connections: the default cell's users sign in and work, cell
    b's are told to try again (503), strangers still get 401, and nobody waits on cell b twice."""
    users = one_committee_in_each_cell(two_cells)
    cells = () if cell_b == "unconfigured" else (("b", "postgresql://postgres@127.0.0.1:1/x"),)
    settings = replace(two_cells, cells=cells, connect_timeout=3)
    config = {"TESTING": True, "EMBEDDED_PROJECTOR": False, "WTF_CSRF_ENABLED": False}
    app = create_app(settings, config)
    try:
        client = app.test_client()

        def sign_in(user: str, password: str = PASSWORD) -> Any:
            return client.post("/api/v1/auth/token", json={"username": user, "password": password})

        branch, user = users["b"]
        started = time.monotonic()
        refused = sign_in(user)
        assert refused.status_code == 503, refused.json
        assert refused.json["code"] == "sign_in.unavailable"
        assert refused.headers["Retry-After"] == "30"
        page = client.post("/login", data={"username": user, "password": PASSWORD})
        assert page.status_code == 503 and "暂时无法登录" in page.text
        # the cell that gave no connection is waited on once, not at every sign-in
        assert time.monotonic() - started < 2 * settings.connect_timeout

        home_branch, home_user = users["default"]
        token = sign_in(home_user)
        assert token.status_code == 200, token.json
        auth = {"Authorization": f"Bearer {token.json['access_token']}"}
        assert (
            client.get(f"/api/v1/branches/{home_branch}/members", headers=auth).status_code == 200
        )
        other = client.get(f"/api/v1/branches/{branch}/members", headers=auth)
        assert other.status_code == 503, other.json
        assert (
            other.json["code"]
            == {"unconfigured": "cell.unconfigured", "down": "cell.unavailable"}[cell_b]
        )

        # a stranger is told to sign in, not about cells
        anonymous = client.get(f"/api/v1/branches/{branch}")
        assert anonymous.status_code == 401, anonymous.json
        assert "cell" not in anonymous.text
    finally:
        app.extensions["cxzy.tenancy"].close()


def test_a_cell_that_goes_down_after_its_committees_were_read_is_asked_not_waited_on(
    two_cells: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its committee's application is open and its pool holds connections when the cell stops
    taking new ones: sign-in asks the cell first, is told no within the probe's seconds, and
    answers that committee's users 503 while the other cell's sign in."""
    from cxzy_saas.application import tenancy as tenancy_module

    monkeypatch.setattr(tenancy_module, "CELL_CHECKED", 0.0)  # ask the cell at every sign-in
    users = {cell: user for cell, (_, user) in one_committee_in_each_cell(two_cells).items()}
    app = create_app(replace(two_cells, connect_timeout=30), {"TESTING": True})
    try:
        client = app.test_client()

        def sign_in(user: str) -> Any:
            return client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})

        assert sign_in(users["b"]).status_code == 200  # every committee's application opened
        store = app.extensions["cxzy.tenancy"].cell_store("b")
        monkeypatch.setitem(store.params, "POSTGRES_PORT", "1")  # the server takes no more
        started = time.monotonic()
        refused = sign_in(users["b"])
        assert refused.status_code == 503 and refused.json["code"] == "sign_in.unavailable"
        assert sign_in(users["default"]).status_code == 200
        assert time.monotonic() - started < 10  # not the pool's 30 seconds, ten times over
    finally:
        app.extensions["cxzy.tenancy"].close()


def test_a_server_that_refuses_for_too_many_connections_is_reachable(postgres_url: str) -> None:
    """A server at its connection limit answered the probe: the pool's connections still
    work, so the cell is busy, not down (marking it down would turn a full server into half a
    minute of 503 for every committee in it)."""
    from cxzy_saas.storage.stores import PostgresStore

    role = f"cxzy_capped_{random_code('r')}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")  # not a superuser
    params = psycopg.conninfo.conninfo_to_dict(postgres_url)
    capped = psycopg.conninfo.make_conninfo(**{**params, "user": role})  # type: ignore[arg-type]
    store = PostgresStore(capped, max_connections=1)
    try:
        with psycopg.connect(capped):  # the role's one connection, taken
            assert store.reachable(2.0)
        closed = PostgresStore(
            psycopg.conninfo.make_conninfo(**{**params, "port": "1"}),  # type: ignore[arg-type]
            max_connections=1,
        )
        assert not closed.reachable(1.0)
    finally:
        store.close()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize("cell_b", ["unconfigured", "down"])
def test_readiness_names_a_cell_out_of_reach_and_fails_only_for_a_cell_left_unconfigured(
    two_cells: Settings, cell_b: str
) -> None:
    """A cell that gives no connection is named and the process stays ready for the others'
    committees (decision 0030); one the registry uses but this process has no settings for is
    a deployment's mistake, which /readyz had answered "ready" while leaving its tenants out."""
    one_committee_in_each_cell(two_cells)
    cells = () if cell_b == "unconfigured" else (("b", "postgresql://postgres@127.0.0.1:1/x"),)
    settings = replace(two_cells, cells=cells, connect_timeout=2, metrics_token="m" * 40)
    app = create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    try:
        found = app.test_client().get("/readyz")
        checks = found.json["checks"]
        if cell_b == "down":
            assert checks["cells"] == {"ok": True, "out_of_reach": ["b"]}
            assert "read_models" not in checks and checks["schemas"]["ok"]
            # the metrics say so too: b's committees are missing from the lag, not at 0
            auth = {"Authorization": f"Bearer {'m' * 40}"}
            scraped = app.test_client().get("/metrics", headers=auth).text
            assert 'cxzy_cell_reachable{cell="b"} 0.0' in scraped
            assert f'cxzy_cell_reachable{{cell="{DEFAULT_CELL}"}} 1.0' in scraped
        else:
            assert found.status_code == 503
            assert checks["cells"]["unconfigured"] == ["b"]
            assert "CXZY_CELLS" in checks["cells"]["hint"]
    finally:
        tenancy_of(app).close()
