"""The operator's first hour and worst day: ``cxzy init`` on an empty database, then ``cxzy
serve``, then the first admin signs in; and the restore drills, on each store: back up,
restore into a fresh place, and get the same ``cxzy audit replay`` digest."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.conninfo import conninfo_to_dict

from cxzy_saas.application.evidence import AttachEvidence
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.signin import authenticate
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli import main
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.domain.recording import Actor
from tests.conftest import drop_database, fresh_database
from tests.web.test_server import free_port

CXZY = str(Path(sys.executable).with_name("cxzy"))
PASSWORD = "first-admin-Pw-0451"
SECRETARY_PASSWORD = "branch-secretary-Pw-2718"


def heads(settings: Settings) -> dict[str, int]:
    tenancy = Tenancy(settings)
    try:
        found = {"_registry": tenancy.registry().head()}
        for tenant in tenancy.tenants():
            app = (
                tenancy.committee(tenant.code)
                if tenant.kind == "committee"
                else tenancy.branch(tenant.code)
            )
            found[tenant.code] = app.head()
        return found
    finally:
        tenancy.close()


def run_init(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CXZY, "init", *args], env=env, capture_output=True, text=True, timeout=120
    )


# cxzy init


def test_init_is_idempotent_and_never_prints_the_password(tmp_path):
    secret = tmp_path / "admin-password"
    secret.write_text(PASSWORD + "\n")
    args = [
        "init",
        "--data-dir",
        str(tmp_path / "var"),
        "--committee",
        "acme",
        "--name",
        "某机关党委",
    ]
    runner = CliRunner()
    first = runner.invoke(main, [*args, "--admin-password-file", str(secret)])
    assert first.exit_code == 0, first.output
    assert "committee acme: added" in first.output
    assert "first admin admin: created" in first.output
    settings = Settings(data_dir=tmp_path / "var")
    before = heads(settings)
    again = runner.invoke(main, [*args, "--admin-password-file", str(secret)])
    assert again.exit_code == 0, again.output
    assert "committee acme: exists" in again.output
    assert "first admin admin: exists (password unchanged)" in again.output
    assert heads(settings) == before
    assert PASSWORD not in first.output + again.output
    tenancy = Tenancy(settings)
    try:
        signed_in = authenticate(tenancy, "admin", PASSWORD)
        assert signed_in.committee == "acme"
        admin = signed_in.account
        assert ("committee-admin", "acme") in {(g["role"], g["tenant"]) for g in admin.grants}
    finally:
        tenancy.close()


def test_init_refuses_a_weak_password_and_a_missing_file_in_one_line(tmp_path):
    short = tmp_path / "short"
    short.write_text("abc")
    base = ["init", "--data-dir", str(tmp_path / "var"), "--committee", "acme", "--name", "党委"]
    refused = CliRunner().invoke(main, [*base, "--admin-password-file", str(short)])
    assert refused.exit_code == 1 and "too easy to guess" in refused.output
    # as strong as `cxzy accounts add` asks of any other account
    short.write_text("password")
    guessed = CliRunner().invoke(main, [*base, "--admin-password-file", str(short)])
    assert guessed.exit_code == 1 and "too easy to guess" in guessed.output
    missing = CliRunner().invoke(main, [*base, "--admin-password-file", str(tmp_path / "nope")])
    assert missing.exit_code == 1
    assert missing.output.startswith("Error: cannot read the admin password file")


def wait_until_ready(base: str, seconds: float = 60) -> dict:  # type: ignore[type-arg]
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
                return json.loads(response.read())  # type: ignore[no-any-return]
        except (OSError, urllib.error.HTTPError):
            if time.time() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.postgres
def test_init_on_an_empty_postgresql_database_then_serve_then_the_admin_signs_in(
    postgres_url, tmp_path
):
    url = fresh_database(postgres_url)
    secret = tmp_path / "admin-password"
    secret.write_text(PASSWORD)
    env = {
        **os.environ,
        "CXZY_DATABASE_URL": url,
        "CXZY_ADMIN_PASSWORD_FILE": str(secret),
        "CXZY_SECRET_KEY": "a-key-for-this-test-only-and-long-enough",
        "CXZY_MAX_CONNECTIONS": "3",
    }
    port = free_port()
    server = None
    try:
        first = run_init(env, "--committee", "acme", "--name", "某机关党委", "--admin", "chief")
        assert first.returncode == 0, first.stderr
        assert "first admin chief: created" in first.stdout
        again = run_init(env, "--committee", "acme", "--name", "某机关党委", "--admin", "chief")
        assert again.returncode == 0 and "exists (password unchanged)" in again.stdout
        with psycopg.connect(url) as conn:
            schemas = {
                r[0] for r in conn.execute("SELECT schema_name FROM information_schema.schemata")
            }
        assert {"cxzy_registry", "tenant_acme", "projections", "cxzy_ops"} <= schemas
        # the README's next steps: a branch, and its secretary with a password of her own
        branch = subprocess.run(
            [CXZY, "tenants", "add", "b01", "--name", "办公室党支部", "--committee", "acme"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert branch.returncode == 0, branch.stderr
        secretary = subprocess.run(
            [
                CXZY,
                "accounts",
                "add",
                "b01-secretary",
                "--committee",
                "acme",
                "--branch",
                "b01",
                "--role",
                "branch-secretary",
                "--name",
                "张华",
                "--password-stdin",
            ],
            input=SECRETARY_PASSWORD,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert secretary.returncode == 0, secretary.stderr
        server = subprocess.Popen(
            [CXZY, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        ready = wait_until_ready(base)
        assert ready["status"] == "ready", ready
        token = urllib.request.Request(
            f"{base}/api/v1/auth/token",
            data=json.dumps({"username": "chief", "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(token, timeout=10) as response:
            assert response.status == 200 and "access_token" in json.loads(response.read())
        own = urllib.request.Request(
            f"{base}/api/v1/auth/token",
            data=json.dumps({"username": "b01-secretary", "password": SECRETARY_PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(own, timeout=10) as response:
            assert response.status == 200 and "access_token" in json.loads(response.read())
        # and through the sign-in page, as a person would
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with browser.open(f"{base}/login", timeout=10) as page:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
        assert csrf is not None
        form = urllib.parse.urlencode(
            {"username": "chief", "password": PASSWORD, "csrf_token": csrf.group(1)}
        ).encode()
        with browser.open(f"{base}/login", data=form, timeout=10) as home:
            assert home.status == 200 and "/login" not in home.url
            assert "chief" in home.read().decode()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(url)


# restore drills


def digest(*store: str) -> str:
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "replay",
            "--campaign",
            "2026",
            "--as-of",
            "2026-12-31",
            *store,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["digest"])


def test_restore_drill_on_sqlite(tmp_path):
    data = tmp_path / "var"
    tenancy = Tenancy(Settings(data_dir=data))
    try:
        build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=3)
        b01 = tenancy.branch("b01")
        clerk = Actor("b01-clerk", "branch-clerk", "b01")
        record = b01.daily_records(2026)[0]
        pdf = b"%PDF-1.4\n%%EOF\n"
        attached = b01.attach_evidence(
            clerk, AttachEvidence(item="record", item_id=record.id, name="会议记录.pdf", data=pdf)
        )
    finally:
        tenancy.close()
    before = digest("--data-dir", str(data))
    result = CliRunner().invoke(
        main, ["backup", "--out", str(tmp_path / "backup"), "--data-dir", str(data)]
    )
    assert result.exit_code == 0, result.output
    restored = tmp_path / "restored"
    shutil.copytree(tmp_path / "backup", restored)
    shutil.rmtree(data)  # the worst day: the data folder is gone
    assert digest("--data-dir", str(restored)) == before
    assert {p.name for p in (restored / "tenants").iterdir()} == {
        "demo.sqlite3",
        "b01.sqlite3",
        "b02.sqlite3",
    }
    back = Tenancy(Settings(data_dir=restored))  # the evidence file came back with its log
    try:
        assert back.branch("b01").evidence_file(clerk, attached) == pdf
    finally:
        back.close()


def test_backup_refuses_a_folder_that_is_not_empty_and_points_postgresql_to_pg_dump(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("x")
    (tmp_path / "var").mkdir()
    Tenancy(Settings(data_dir=tmp_path / "var")).registry().head()
    full = CliRunner().invoke(
        main, ["backup", "--out", str(tmp_path / "out"), "--data-dir", str(tmp_path / "var")]
    )
    assert full.exit_code == 1 and "is not empty" in full.output
    pg = CliRunner().invoke(
        main,
        ["backup", "--out", str(tmp_path / "o2"), "--database-url", "postgresql://x@127.0.0.1:9/x"],
    )
    assert pg.exit_code == 1 and "pg_dump" in pg.output


def pg(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=300)


def libpq(url: str) -> list[str]:
    params = conninfo_to_dict(url)
    return [
        "-h",
        str(params.get("host", "127.0.0.1")),
        "-p",
        str(params.get("port", 5432)),
        "-U",
        str(params.get("user", "postgres")),
    ]


@pytest.mark.postgres
def test_restore_drill_on_postgresql_whole_database_and_one_tenant(postgres_url, tmp_path):
    url = fresh_database(postgres_url)
    copies: list[str] = []
    try:
        tenancy = Tenancy(Settings(database_url=url, max_connections=3))
        try:
            build_demo(tenancy, load_manifest(TENANTS_DIR / "demo.toml"), branches=2, seed=3)
        finally:
            tenancy.close()
        before = digest("--database-url", url)
        name = str(conninfo_to_dict(url)["dbname"])
        whole, one = tmp_path / "whole.dump", tmp_path / "b01.dump"
        pg("pg_dump", *libpq(url), "--format=custom", f"--file={whole}", name)
        pg("pg_dump", *libpq(url), "--format=custom", "--schema=tenant_b01", f"--file={one}", name)
        # the whole database, restored into a fresh one
        restored = fresh_database(postgres_url)
        copies.append(restored)
        pg(
            "pg_restore",
            *libpq(url),
            "--no-owner",
            "-d",
            str(conninfo_to_dict(restored)["dbname"]),
            str(whole),
        )
        assert digest("--database-url", restored) == before
        # one tenant lost, then restored from its own dump
        with psycopg.connect(restored, autocommit=True) as conn:
            conn.execute("DROP SCHEMA tenant_b01 CASCADE")
        assert digest_or_none("--database-url", restored) != before
        with psycopg.connect(restored, autocommit=True) as conn:
            # A tenant's dump is restored where no schema of that name is; a replay that
            # opened the lost tenant's application made an empty one in its place (reading
            # its log by the store, as the projector now does, makes none).
            conn.execute("DROP SCHEMA IF EXISTS tenant_b01 CASCADE")
        pg(
            "pg_restore",
            *libpq(url),
            "--no-owner",
            "-d",
            str(conninfo_to_dict(restored)["dbname"]),
            str(one),
        )
        assert digest("--database-url", restored) == before
    finally:
        for copy in copies:
            drop_database(copy)
        drop_database(url)


def digest_or_none(*store: str) -> str | None:
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "replay",
            "--campaign",
            "2026",
            "--as-of",
            "2026-12-31",
            *store,
            "--format",
            "json",
        ],
    )
    return str(json.loads(result.output)["digest"]) if result.exit_code == 0 else None
