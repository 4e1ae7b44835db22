"""As-of: any read model for a past moment, replayed from the logs into a throw-away model.

A day means the end of that day in the committee's time zone: for each tenant, the position of
its last event recorded on or before then (from ``rm_time_index``), and the replay stops there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.projections.db import SQLiteReadModel
from cxzy_saas.projections.projector import Projector, open_read_model


def positions_at(tenancy: Tenancy, day: date) -> dict[str, int]:
    with open_read_model(tenancy).transaction() as tx:
        rows = tx.query(
            "SELECT tenant, MAX(position) FROM rm_time_index WHERE day <= ? GROUP BY tenant",
            (day.isoformat(),),
        )
    return {tenant: int(position) for tenant, position in rows}


@contextmanager
def replay(tenancy: Tenancy, day: date) -> Iterator[SQLiteReadModel]:
    """A read model holding exactly the events recorded up to the end of ``day``."""
    db = SQLiteReadModel(":memory:")
    try:
        Projector(tenancy, db, batch_size=50000).catch_up(
            recompute_boards=False, stop_at=positions_at(tenancy, day)
        )
        yield db
    finally:
        db.close()
