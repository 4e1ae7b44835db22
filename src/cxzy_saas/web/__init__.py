"""The web application: built by a factory from settings, never at import time (``app.py``).

This package's own module holds what every view reads of the application being served: the
tenancy, the read port over its logs, its read models. It imports no view, so the views import
it without a cycle (the factory imports the views).

Read models are per cell (``docs/decisions/0014-cells.md``): a view names the committee it reads
about, and gets that committee's cell's read model (and, for as-of replays, that cell's port).
"""

from __future__ import annotations

import threading

from flask import Flask

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.logs.port import Logs
from cxzy_saas.projections.db import ReadModelDB, ReadModels


def read_model_of(app: Flask, committee: str) -> ReadModelDB:
    """The read model requests about ``committee`` read: its cell's, opened once per
    application (the projector has its own connection: SQLite would otherwise let requests see
    its uncommitted batch).

    Raises:
        NotFound: no such committee.
    """
    return cell_read_model(app, tenancy_of(app).cell_of(committee))


def cell_read_model(app: Flask, cell: str) -> ReadModelDB:
    with _opening:
        opened: dict[str, ReadModelDB] = app.extensions.setdefault("cxzy.read_model", {})
        db = opened.get(cell)
        if db is None:
            db = opened[cell] = _cell(app, cell)[1].open()
    return db


def every_read_model(app: Flask) -> list[ReadModelDB]:
    """The read model of every cell (a lookup that knows no committee: a ballot code)."""
    return [cell_read_model(app, cell) for cell in tenancy_of(app).cells]


_opening = threading.Lock()


def read_port_of(app: Flask, committee: str | None = None) -> Logs:
    """The read port over the tenant logs of ``committee``'s cell (what an as-of replay of its
    read model reads), or over every log (None: audits, which name the logs they read)."""
    if committee is None:
        logs: Logs = app.extensions["cxzy.read_port"]
        return logs
    return _cell(app, tenancy_of(app).cell_of(committee))[0]


def read_models_of(app: Flask, committee: str) -> ReadModels:
    """Where ``committee``'s cell keeps its read models and as-of checkpoints."""
    return _cell(app, tenancy_of(app).cell_of(committee))[1]


def _cell(app: Flask, cell: str) -> tuple[Logs, ReadModels]:
    """A cell's read port and read models, made once per application (the port caches
    what it learns of the logs)."""
    with _making:
        made: dict[str, tuple[Logs, ReadModels]] = app.extensions["cxzy.cells"]
        if cell not in made:
            made[cell] = app.extensions["cxzy.cell_factory"](cell)
        return made[cell]


_making = threading.Lock()


def tenancy_of(app: Flask) -> Tenancy:
    tenancy = app.extensions["cxzy.tenancy"]
    assert isinstance(tenancy, Tenancy)
    return tenancy
