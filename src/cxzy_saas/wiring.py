"""The parts a composition root puts together from one tenancy: the read port over its logs,
its read models and their projector. The web app factory, the command line, the demo and the
tests build them here, so that no layer below has to know the tenancy and the projections both.
"""

from __future__ import annotations

from typing import Any

from cxzy_saas.application.readport import TenancyLogs
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.projections.db import ReadModelDB, ReadModels
from cxzy_saas.projections.projector import Projector
from cxzy_saas.storage.stores import PostgresStore


def read_port(tenancy: Tenancy) -> TenancyLogs:
    return TenancyLogs(tenancy)


def read_models(tenancy: Tenancy) -> ReadModels:
    """The tenancy's read models: beside its logs (on PostgreSQL, over the same pool)."""
    store = tenancy.store
    connection = store.connection if isinstance(store, PostgresStore) else None
    return ReadModels(tenancy.settings.data_dir, connection)


def open_read_model(tenancy: Tenancy) -> ReadModelDB:
    return read_models(tenancy).open()


def projector(
    tenancy: Tenancy,
    db: ReadModelDB | None = None,
    batch_size: int = 5000,
    lease_seconds: float = 10.0,
) -> Projector:
    """The live projector of the tenancy's logs into ``db`` (default: its live read model)."""
    return Projector(read_port(tenancy), read_models(tenancy), db, batch_size, lease_seconds)


def projection_status(tenancy: Tenancy) -> dict[str, Any]:
    """For a readiness endpoint: per committee, the events not yet projected (``lag``), the
    events in quarantine and the lease's owner (PostgreSQL); their totals. Reads only."""
    return projector(tenancy).health()
