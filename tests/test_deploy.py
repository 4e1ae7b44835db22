"""The deployment files say what the operations docs promise (compose itself is not run here:
the test machines have no Docker daemon)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
APP = ("init", "web", "projector", "projector-b")


def test_one_image_built_once_and_run_by_init_web_and_projector():
    assert [name for name, s in SERVICES.items() if "build" in s] == ["init"]
    assert {SERVICES[name]["image"] for name in APP} == {"cxzy-saas:local"}
    assert all(SERVICES[name]["pull_policy"] == "never" for name in APP[1:])


def test_web_and_projector_wait_for_init_and_restart_and_report_their_health():
    for name in APP[1:]:
        assert SERVICES[name]["depends_on"] == {
            "init": {"condition": "service_completed_successfully"}
        }
        assert SERVICES[name]["restart"] == "unless-stopped"
        assert SERVICES[name]["healthcheck"]["test"]
    assert "/readyz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert SERVICES["init"]["command"] == ["cxzy", "init"]
    assert SERVICES["init"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "db-b": {"condition": "service_healthy"},
    }
    assert SERVICES["db"]["restart"] == SERVICES["db-b"]["restart"] == "unless-stopped"


def test_secrets_come_from_the_env_file_and_a_secret_file_never_from_compose():
    text = (ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8")
    assert "POSTGRES_PASSWORD:" not in text.replace("${POSTGRES_PASSWORD:?", "")
    assert "CXZY_SECRET_KEY:" not in text
    assert all(SERVICES[name]["env_file"] == ".env" for name in (*APP, "db", "db-b"))
    assert (
        SERVICES["init"]["environment"]["CXZY_ADMIN_PASSWORD_FILE"] == "/run/secrets/admin_password"
    )
    example = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    for name in ("POSTGRES_PASSWORD", "CXZY_SECRET_KEY", "CXZY_METRICS_TOKEN"):
        assert f"{name}=change-me" in example


def test_the_image_leaves_secrets_data_and_environments_out():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "var", "*.sqlite3", "deploy/.env", "deploy/secrets"} <= ignored
    kept = set((ROOT / ".gitignore").read_text(encoding="utf-8").split())
    assert {"deploy/.env", "deploy/secrets/"} <= kept
