"""The web application: built by a factory from settings, never at import time (``app.py``).

This package's own module holds what every view reads of the application being served: the
tenancy, the read port over its logs, its read models. It imports no view, so the views import
it without a cycle (the factory imports the views).
"""

from __future__ import annotations

import threading

from flask import Flask

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.logs.port import Logs
from cxzy_saas.projections.db import ReadModelDB, ReadModels


def read_model_of(app: Flask) -> ReadModelDB:
    """The read model requests read, opened once per application (the projector has its own
    connection: SQLite would otherwise let requests see its uncommitted batch)."""
    with _opening:
        db: ReadModelDB | None = app.extensions.get("cxzy.read_model")
        if db is None:
            db = app.extensions["cxzy.read_model"] = read_models_of(app).open()
    return db


_opening = threading.Lock()


def read_port_of(app: Flask) -> Logs:
    """The read port over the application's tenant logs (audits read through it)."""
    logs: Logs = app.extensions["cxzy.read_port"]
    return logs


def read_models_of(app: Flask) -> ReadModels:
    models = app.extensions["cxzy.read_models"]
    assert isinstance(models, ReadModels)
    return models


def tenancy_of(app: Flask) -> Tenancy:
    tenancy = app.extensions["cxzy.tenancy"]
    assert isinstance(tenancy, Tenancy)
    return tenancy
