"""The ``cxzy`` command line, end to end on real stores."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import psycopg
import pytest
from click.testing import CliRunner

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from tests.conftest import drop_database, fresh_database


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def store_args(settings: Settings) -> list[str]:
    if settings.database_url:
        return ["--database-url", settings.database_url]
    return ["--data-dir", str(settings.data_dir)]


def log_of(settings: Settings, code: str) -> list[tuple[str, bytes]]:
    tenancy = Tenancy(settings)
    try:
        app = tenancy.committee(code) if code == "demo" else tenancy.branch(code)
        return [(n.topic, n.state) for n in app.recorder.select_notifications(1, 100000)]
    finally:
        tenancy.close()


# The demo plays what a committee holds at "now": a fixed one, never the real date. Early in
# 2027, 2026 is the last complete year (played whole, closed) and 2027 has barely begun.
NOW = datetime(2027, 1, 20, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("cxzy_saas.cli.root.now", lambda: NOW)
    return NOW


def test_demo_makes_a_committee_and_branches_each_with_its_own_log(tmp_path):
    data = tmp_path / "var"
    out = run("demo", "--no-serve", "--seed", "7", "--data-dir", str(data))
    assert "demo built: 7 tenants" in out
    events = int(out.split("tenants, ")[1].split(" events")[0])
    assert events >= 5000
    files = sorted(p.name for p in (data / "tenants").iterdir())
    assert files == [
        "b01.sqlite3",
        "b02.sqlite3",
        "b03.sqlite3",
        "b04.sqlite3",
        "b05.sqlite3",
        "b06.sqlite3",
        "demo.sqlite3",
    ]
    listed = json.loads(run("tenants", "list", "--format", "json", "--data-dir", str(data)))[
        "tenants"
    ]
    assert listed[0] == {
        "code": "demo",
        "name": "市发展和改革委员会机关党委",
        "kind": "committee",
        "parent": None,
        "cell": "default",
    }
    assert {t["code"] for t in listed if t["parent"] == "demo"} == {
        "b01",
        "b02",
        "b03",
        "b04",
        "b05",
        "b06",
    }
    tenancy = Tenancy(Settings(data_dir=data))
    topics: set[str] = set()
    try:
        for t in listed:
            app = (
                tenancy.committee(t["code"])
                if t["kind"] == "committee"
                else tenancy.branch(t["code"])
            )
            topics |= {n.topic for n in app.recorder.select_notifications(1, 100000)}
            if t["kind"] == "branch":
                assert 2 <= len(app.groups()) <= 4
                assert 8 <= len(app.members(include_left=True)) <= 20
                # the whole year is there: an approved plan, twelve months, a submitted nomination
                assert app.plan_decision(2026) == "approved"
                assert app.nomination(2026).submitted_on is not None
        returned = [
            e
            for e in tenancy.committee("demo").recorder.select_notifications(1, 100000)
            if e.topic.endswith("Decision.Returned")
        ]
        assert len(returned) >= 2  # a returned plan and a returned nominee
    finally:
        tenancy.close()
    assert len(topics) >= 20


def test_demo_is_deterministic_for_a_seed_and_differs_between_seeds(tmp_path, monkeypatch):
    # Ballot codes are hashed with a key derived from the server's secret: one secret for all.
    monkeypatch.setenv("CXZY_SECRET_KEY", "one server")
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        run(
            "demo",
            "--no-serve",
            "--branches",
            "2",
            "--seed",
            seed,
            "--data-dir",
            str(tmp_path / name),
        )
    logs = {n: log_of(Settings(data_dir=tmp_path / n), "b02") for n in "abc"}
    assert logs["a"] == logs["b"]
    assert logs["a"] != logs["c"]


def test_demo_refuses_to_build_twice_into_the_same_store(tmp_path):
    run("demo", "--no-serve", "--data-dir", str(tmp_path))
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--data-dir", str(tmp_path)])
    assert result.exit_code != 0 and "exists already" in result.output


def test_tenants_add_registers_in_the_committee_log_and_reports_clear_errors(tmp_path):
    args = ["--data-dir", str(tmp_path)]
    run("tenants", "add", "north", "--name", "北区党委", *args)
    run("tenants", "add", "n1", "--name", "一支部", "--committee", "north", *args)
    bad = CliRunner().invoke(
        main, ["tenants", "add", "n2", "--name", "二支部", "--committee", "south", *args]
    )
    assert bad.exit_code == 1 and "committee south not found" in bad.output
    dup = CliRunner().invoke(
        main, ["tenants", "add", "n1", "--name", "重复", "--committee", "north", *args]
    )
    assert dup.exit_code == 1 and "taken" in dup.output
    listed = json.loads(run("tenants", "list", "--format", "json", *args))["tenants"]
    assert [(t["code"], t["kind"], t["parent"]) for t in listed] == [
        ("north", "committee", None),
        ("n1", "branch", "north"),
    ]


@pytest.mark.postgres
def test_forty_branches_on_postgres_stay_within_the_connection_limit(postgres_url, tmp_path):
    """Sample pg_stat_activity while the 40-branch demo builds with a limit of 20, in a
    database of its own (other tests' pools would count, and the demo's codes are fixed)."""
    postgres_url = fresh_database(postgres_url)
    try:
        check_forty_branches(postgres_url, str(tmp_path / "var"))
    finally:
        drop_database(postgres_url)


def check_forty_branches(postgres_url: str, data_dir: str) -> None:
    dbname = psycopg.conninfo.conninfo_to_dict(postgres_url)["dbname"]
    peak, done = [0], threading.Event()

    def sample() -> None:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            while not done.is_set():
                (n,) = conn.execute(
                    "SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = %s", (dbname,)
                ).fetchone()  # type: ignore[misc]
                peak[0] = max(peak[0], n)
                time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        out = run(
            "demo",
            "--no-serve",
            "--branches",
            "40",
            "--max-connections",
            "20",
            "--database-url",
            postgres_url,
            "--data-dir",  # the as-of checkpoints and the demo's secret
            data_dir,
        )
    finally:
        done.set()
        sampler.join()
    assert "41 tenants" in out
    assert 1 <= peak[0] <= 20
    with psycopg.connect(postgres_url) as conn:
        schemas = conn.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'tenant_%%'"
        ).fetchone()
    assert schemas is not None and schemas[0] >= 41


@pytest.mark.postgres
def test_a_database_out_of_reach_is_named_in_one_line_not_a_traceback(postgres_url, monkeypatch):
    """The pool's own error says only that its wait ended: the command asks the server once
    more and says why (refused, no such database)."""
    monkeypatch.setenv("CXZY_CONNECT_TIMEOUT", "1")
    refused = "postgresql://postgres@127.0.0.1:1/nowhere"
    params = psycopg.conninfo.conninfo_to_dict(postgres_url)
    params["dbname"] = "cxzy_no_such_database"
    missing = psycopg.conninfo.make_conninfo(**params)  # type: ignore[arg-type]
    for url, reason in ((refused, "Connection refused"), (missing, "does not exist")):
        for command in (["tenants", "list"], ["project", "status"]):
            result = CliRunner().invoke(main, [*command, "--database-url", url])
            assert result.exit_code == 1, (command, result.output)
            assert "cannot reach the database" in result.output and reason in result.output
            assert "Traceback" not in result.output
