"""The web application: built by a factory from settings, never at import time."""

from __future__ import annotations

import os
import secrets
import threading
from typing import Any

from flask import Flask

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings


def create_app(
    settings: Settings | None = None, test_config: dict[str, Any] | None = None
) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        # Tokens and sessions are signed with it; without CXZY_SECRET_KEY a restart signs
        # everyone out, which is right for the demo and wrong for production.
        SECRET_KEY=os.environ.get("CXZY_SECRET_KEY") or secrets.token_hex(32),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    settings = settings or Settings.from_env()
    tenancy = Tenancy(settings)
    app.extensions["cxzy.tenancy"] = tenancy
    # The embedded default (SQLite) runs the projector inside the web process; production
    # (PostgreSQL) runs `cxzy project run` as a process of its own.
    if app.config.get("EMBEDDED_PROJECTOR", settings.backend == "sqlite"):
        start_projector(tenancy)

    from cxzy_saas.web import api, pages, problems
    from cxzy_saas.web.api import openapi

    problems.register(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    openapi.register(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    return app


def start_projector(tenancy: Tenancy) -> threading.Thread:
    from cxzy_saas.projections.projector import Projector, open_read_model

    def follow() -> None:
        Projector(tenancy, open_read_model(tenancy)).run(interval=0.5)

    thread = threading.Thread(target=follow, name="cxzy-projector", daemon=True)
    thread.start()
    return thread


def tenancy_of(app: Flask) -> Tenancy:
    tenancy = app.extensions["cxzy.tenancy"]
    assert isinstance(tenancy, Tenancy)
    return tenancy
