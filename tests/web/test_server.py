"""`cxzy serve` under gunicorn, as its own process: several workers answer as one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxzy_saas.application.commands.committee import Grant, RegisterUser
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.cli import main
from cxzy_saas.config import Settings, SettingsError
from cxzy_saas.domain.recording import Actor
from tests.conftest import drop_database, fresh_database

CXZY = str(Path(sys.executable).with_name("cxzy"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(url: str, body: dict[str, str] | None = None, token: str = "") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers), timeout=10
        ) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.postgres
def test_two_gunicorn_workers_accept_each_others_tokens(postgres_url):
    url = fresh_database(postgres_url)
    tenancy = Tenancy(Settings(database_url=url, max_connections=3))
    system = Actor(user="system", role="system", tenant="*")
    tenancy.add_committee("demo", "测试党委")
    committee = tenancy.committee("demo")
    committee.register_user(
        system, RegisterUser(username="viewer", display_name="查看", password="secret-pass")
    )
    committee.grant(system, Grant(username="viewer", role="committee-viewer", tenant="demo"))
    tenancy.close()
    port = free_port()
    env = {**os.environ, "CXZY_SECRET_KEY": "one-key-for-every-worker-of-this-server"}
    server = subprocess.Popen(
        [CXZY, "serve", "--database-url", url, "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(100):
            try:
                status, answer = request(
                    f"{base}/auth/token", {"username": "viewer", "password": "secret-pass"}
                )
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        # Requests spread over both workers; each must accept a token the other signed.
        statuses = [request(f"{base}/branches", token=answer["access_token"])[0] for _ in range(40)]
        assert statuses == [200] * 40
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        drop_database(url)


def test_sqlite_refuses_a_second_worker(tmp_path):
    result = CliRunner().invoke(
        main, ["serve", "--data-dir", str(tmp_path / "var"), "--workers", "2"]
    )
    assert result.exit_code == 2 and "--workers 1" in result.output


def test_the_server_refuses_to_start_without_a_secret_key_or_with_a_weak_one(tmp_path, monkeypatch):
    monkeypatch.delenv("CXZY_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path / "var")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: CXZY_SECRET_KEY is not set")
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    # deploy/env.example's placeholder, or a word typed by hand: anyone could sign as anyone
    for weak in ("change-me", "abc", "x" * 31):
        monkeypatch.setenv("CXZY_SECRET_KEY", weak)
        refused = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path / "var")])
        assert refused.exit_code == 1, weak
        assert refused.output.startswith("Error: CXZY_SECRET_KEY is too short or a placeholder")


def test_the_app_factory_under_gunicorn_refuses_a_weak_key_as_cxzy_serve_does(tmp_path):
    """`gunicorn -c deploy/gunicorn.conf.py 'cxzy_saas.web.app:create_app()'` took
    "change-me" from deploy/env.example: anyone could sign tokens as anyone."""
    from cxzy_saas.web.app import create_app

    for weak in ("change-me", "x" * 31):
        with pytest.raises(SettingsError, match="too short or a placeholder"):
            create_app(Settings(data_dir=tmp_path / "var", secret_key=weak))
    with pytest.raises(SettingsError, match="is not set"):
        create_app(Settings(data_dir=tmp_path / "var"))
    config = (Path(__file__).parents[2] / "deploy" / "gunicorn.conf.py").read_text()
    assert "control_socket_disable = True" in config


def test_a_malformed_setting_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CXZY_MAX_CONNECTIONS", "abc")
    result = CliRunner().invoke(main, ["tenants", "list", "--data-dir", str(tmp_path / "var")])
    assert result.exit_code == 1
    assert result.output == (
        "Error: CXZY_MAX_CONNECTIONS must be a whole number from 2 to 1000, not 'abc'\n"
    )
