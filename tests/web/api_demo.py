"""A small demo committee for the API tests, and helpers to call the API as its users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cxzy_saas import wiring
from cxzy_saas.application.manifests import TENANTS_DIR, load_manifest
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.demo.build import build_demo
from cxzy_saas.web.app import create_app

# The demo's users of the committee and of branch b01; b02's have the same roles.
ROLE_USERS = {
    "committee-admin": "admin",
    "committee-viewer": "viewer",
    "auditor": "auditor",
    "branch-secretary": "b01-secretary",
    "branch-clerk": "b01-clerk",
    "group-leader": "b01-leader",
    "member": "b01-member",
}


def build(folder: Path, settings: Settings | None = None, year: int = 2026) -> Settings:
    """Two branches and a year of events (seed 5), projected."""
    settings = settings or Settings(data_dir=folder / "var")
    tenancy = Tenancy(settings)
    try:
        manifest = load_manifest(TENANTS_DIR / "demo.toml")
        build_demo(tenancy, manifest, branches=2, seed=5, year=year)
        wiring.projector(tenancy, wiring.open_read_model(tenancy)).rebuild()
    finally:
        tenancy.close()
    return settings


def app_for(settings: Settings, **config: Any) -> Flask:
    return create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False, **config})


def bearer(client: FlaskClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}
