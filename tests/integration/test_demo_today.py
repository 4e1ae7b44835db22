"""``cxzy demo`` holds what a real committee has today: last year closed and sealed, this year
up to now and open, nothing recorded after now, read models and checkpoints built."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxzy_saas import wiring
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.audit.logs import read_log
from cxzy_saas.audit.verify import verify_files
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.recording import Actor
from cxzy_saas.logs.port import REGISTRY
from cxzy_saas.projections.db import CHECKPOINTS
from tests.conftest import drop_database, fresh_database

# Mid-June 2026: 2025 is the last complete year; 2026 runs up to this moment.
NOW = datetime(2026, 6, 15, 3, 30, tzinfo=UTC)
ADMIN = Actor("admin", "committee-admin", "demo")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("cxzy_saas.cli.root.now", lambda: NOW)
    return NOW


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def every_event_time(tenancy: Tenancy) -> list[datetime]:
    logs = wiring.read_port(tenancy)
    moments = [e.recorded_at for e in read_log(logs, REGISTRY, "registry").events]
    for t in tenancy.tenants():
        moments += [e.recorded_at for e in read_log(logs, t.code, t.kind).events]
    return moments


def member_rows(store: list[str], year: int) -> list[dict[str, object]]:
    board = json.loads(
        run(
            "leaderboard",
            "--campaign",
            str(year),
            "--level",
            "member",
            "--format",
            "json",
            *store,
        )
    )
    rows: list[dict[str, object]] = board["rows"]
    return rows


def check_today(settings: Settings, out: str) -> None:
    """Last year closed with every branch sealed (each bundle verifies), this year open, and
    not one event in any log recorded after now."""
    assert "demo year 2025:" in out and "closed on 2026-01-" in out
    assert "2 branch archives sealed" in out
    assert "demo year 2026:" in out and "open" in out
    tenancy = Tenancy(settings)
    try:
        committee = tenancy.committee("demo")
        assert committee.campaign(2025).closed_on is not None
        assert committee.campaign(2026).closed_on is None
        for branch in ("b01", "b02"):
            assert committee.archive_seal(branch, 2025) is not None
            assert committee.archive_seal(branch, 2026) is None
            files = committee.export_archive(ADMIN, branch, 2025, with_pdf=False)
            result = verify_files(files)
            assert result.ok, result.message()
        # 2026 is played up to now: its plan approved in January, its year-end not begun
        app = tenancy.branch("b01")
        assert app.plan_decision(2026) == "approved"
        with pytest.raises(NotFound):
            app.nomination(2026)  # shortlisted in December
        moments = every_event_time(tenancy)
        assert max(moments) <= NOW
        assert (NOW - max(moments)).days < 7  # up to today, not stopped early
    finally:
        tenancy.close()


def test_default_demo_on_sqlite_is_last_year_closed_and_this_year_up_to_now(tmp_path: Path):
    data = tmp_path / "var"
    out = run("demo", "--no-serve", "--branches", "2", "--data-dir", str(data))
    check_today(Settings(data_dir=data), out)
    assert sorted((data / CHECKPOINTS).glob("*.sqlite3"))  # the as-of checkpoints, built
    for year in (2025, 2026):
        rows = member_rows(["--data-dir", str(data)], year)
        assert rows and all(r["composite"] is not None for r in rows[:3])


@pytest.mark.postgres
def test_default_demo_on_postgres_leaves_read_models_and_checkpoints_built(
    postgres_url: str, tmp_path: Path
):
    url = fresh_database(postgres_url)
    try:
        data = tmp_path / "var"
        store = ["--database-url", url, "--data-dir", str(data)]
        out = run("demo", "--no-serve", "--branches", "2", *store)
        check_today(Settings(database_url=url, data_dir=data), out)
        # built by the demo itself: nothing left for a projector, checkpoints on disk
        status = json.loads(run("project", "status", "--format", "json", *store))
        assert status["tenants"] and all(r["lag"] == 0 for r in status["tenants"])
        assert sorted((data / CHECKPOINTS).glob("*.sqlite3"))
        for year in (2025, 2026):
            table = run("leaderboard", "--campaign", str(year), "--level", "member", *store)
            assert "B01" in table and "B02" in table
    finally:
        drop_database(url)


def test_demo_of_a_past_year_plays_it_whole_then_closes_and_seals_it(tmp_path: Path):
    data = tmp_path / "var"
    out = run("demo", "--no-serve", "--branches", "1", "--year", "2024", "--data-dir", str(data))
    assert "demo year 2024:" in out and "closed on 2025-01-" in out
    assert "1 branch archives sealed" in out and "2025" not in out.split("demo year 2024")[0]
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        committee = tenancy.committee("demo")
        assert len(committee.campaign_ids()) == 1
        with pytest.raises(NotFound):
            committee.campaign(2025)
        assert committee.campaign(2024).closed_on is not None
        assert committee.archive_seal("b01", 2024) is not None
        assert tenancy.branch("b01").nomination(2024).submitted_on is not None
        assert max(every_event_time(tenancy)) < datetime(2025, 2, 1, tzinfo=UTC)
    finally:
        tenancy.close()


def test_demo_of_this_year_stops_at_now_and_a_future_year_is_refused(tmp_path: Path):
    data = tmp_path / "var"
    out = run("demo", "--no-serve", "--branches", "1", "--year", "2026", "--data-dir", str(data))
    assert "demo year 2026:" in out and "open" in out and "later steps not played" in out
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        assert tenancy.committee("demo").campaign(2026).closed_on is None
        assert max(every_event_time(tenancy)) <= NOW
    finally:
        tenancy.close()
    refused = CliRunner().invoke(
        main, ["demo", "--no-serve", "--year", "2027", "--data-dir", str(tmp_path / "x")]
    )
    assert refused.exit_code == 2 and "2027 has not begun" in refused.output
    assert not (tmp_path / "x").exists()


def test_a_last_year_whose_close_would_come_after_now_stays_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """On 3 January the committee has not closed last year yet (its late work runs to its
    last days): the demo shows it open, and this year barely begun."""
    early = datetime(2026, 1, 3, 2, 0, tzinfo=UTC)
    monkeypatch.setattr("cxzy_saas.cli.root.now", lambda: early)
    data = tmp_path / "var"
    out = run("demo", "--no-serve", "--branches", "1", "--data-dir", str(data))
    assert "demo year 2025:" in out and "closed" not in out
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        committee = tenancy.committee("demo")
        assert committee.campaign(2025).closed_on is None
        assert committee.archive_seal("b01", 2025) is None
        assert committee.campaign(2026).closed_on is None  # opened on 2 January
        assert max(every_event_time(tenancy)) <= early
    finally:
        tenancy.close()
