"""Shared fixtures: one Tenancy per test, on SQLite and (where reachable) PostgreSQL.

PostgreSQL tests use a database created for the test session. When no server answers, they are
skipped with a clear reason, unless CXZY_REQUIRE_POSTGRES=1 (as in CI), which makes it a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings

ADMIN_URL = os.environ.get(
    "CXZY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("CXZY_REQUIRE_POSTGRES") == "1"


def random_code(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test session; dropped afterwards."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (CXZY_REQUIRE_POSTGRES=1) but unreachable: {e}")
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}; PostgreSQL tests skipped")
    name = f"cxzy_test_{uuid.uuid4().hex[:8]}"
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = psycopg.conninfo.conninfo_to_dict(ADMIN_URL)
    params["dbname"] = name
    try:
        yield psycopg.conninfo.make_conninfo(**params)  # type: ignore[arg-type]
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.close()


def fresh_database(url: str) -> str:
    """A new, empty database beside ``url``'s; its URL."""
    name = f"cxzy_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = psycopg.conninfo.conninfo_to_dict(url)
    params["dbname"] = name
    return psycopg.conninfo.make_conninfo(**params)  # type: ignore[arg-type]


def drop_database(url: str) -> None:
    params = psycopg.conninfo.conninfo_to_dict(url)
    name = str(params.pop("dbname"))
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo_settings(request: pytest.FixtureRequest, tmp_path) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """For tests that build the demo committee, whose codes are fixed ("demo", "b01"...): on
    PostgreSQL a database of its own, dropped afterwards, so that no other test meets it."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "var")
        return
    url = fresh_database(request.getfixturevalue("postgres_url"))
    try:
        # data_dir: where the server's secret is kept without CXZY_SECRET_KEY (and checkpoints)
        yield Settings(database_url=url, max_connections=5, data_dir=tmp_path / "var")
    finally:
        drop_database(url)


@pytest.fixture
def demo_tenancy(demo_settings: Settings) -> Iterator[Tenancy]:
    t = Tenancy(demo_settings)
    yield t
    t.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path / "var")
    url = request.getfixturevalue("postgres_url")
    return Settings(database_url=url, max_connections=5, data_dir=tmp_path / "var")


@pytest.fixture
def tenancy(settings: Settings) -> Iterator[Tenancy]:
    t = Tenancy(settings)
    yield t
    t.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    skipped = terminalreporter.stats.get("skipped", [])
    pg = [r for r in skipped if "PostgreSQL" in str(r.longrepr)]
    if pg:
        terminalreporter.write_line(
            f"NOTE: {len(pg)} PostgreSQL tests were skipped (no server). "
            "Set CXZY_TEST_DATABASE_URL, or CXZY_REQUIRE_POSTGRES=1 to make this an error.",
            yellow=True,
        )
