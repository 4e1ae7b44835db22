"""The web application: built by a factory from settings, never at import time."""

from __future__ import annotations

from typing import Any

from flask import Flask

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings


def create_app(
    settings: Settings | None = None, test_config: dict[str, Any] | None = None
) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(JSON_AS_ASCII=False)
    if test_config:
        app.config.update(test_config)
    tenancy = Tenancy(settings or Settings.from_env())
    app.extensions["cxzy.tenancy"] = tenancy

    from cxzy_saas.web import pages, problems

    problems.register(app)
    app.register_blueprint(pages.bp)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    return app


def tenancy_of(app: Flask) -> Tenancy:
    tenancy = app.extensions["cxzy.tenancy"]
    assert isinstance(tenancy, Tenancy)
    return tenancy
