"""The live projector: follows every tenant log into the deployment's read model, exactly once,
in batches (the catch-up itself is ``engine.py``); rebuilds it from zero, from the command line
or beside a running projector.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cxzy_saas.logs.port import Logs
from cxzy_saas.projections.asof import forget_erased
from cxzy_saas.projections.db import (
    READ_MODEL_FILE,
    TABLES,
    ReadModelDB,
    ReadModels,
    SQLiteReadModel,
    recreate_tables,
)
from cxzy_saas.projections.engine import LOCAL, BatchStats, CatchUp

__all__ = ["LOCAL", "BatchStats", "Projector", "rebuild_beside"]


class Projector(CatchUp):
    """The projector of a deployment's live read model (``db``, by default ``models.open()``).

    An erasure it commits is also applied to the as-of checkpoints of ``models``."""

    def __init__(
        self,
        logs: Logs,
        models: ReadModels,
        db: ReadModelDB | None = None,
        batch_size: int = 5000,
    ) -> None:
        super().__init__(
            logs,
            models.open() if db is None else db,
            batch_size,
            erased=lambda found: forget_erased(models, found),
        )
        self.models = models

    def rebuild(self, progress: Callable[[int], None] = lambda n: None) -> BatchStats:
        """Empty every read model (its tables made anew, in the current shape) and project all
        logs from the start."""
        with self.db.transaction() as tx:
            recreate_tables(tx)
        return self.catch_up(progress, recompute_boards=False)

    def run(self, interval: float = 0.5, stop: Callable[[], bool] = lambda: False) -> None:
        """Follow the logs until ``stop()``: new events appear in the read models within
        ``interval`` seconds of their commit. Boards are recomputed once at start, so a run
        after any interruption never serves boards older than the rows."""
        self.catch_up(recompute_boards=False)
        while not stop():
            stats = self.catch_up()
            if stats.events == 0:
                time.sleep(interval)

    def status(self) -> list[dict[str, Any]]:
        positions = self.positions()
        rows = []
        for log in self.followed():
            head = self.logs.head(log)
            position = positions.get(log, 0)
            rows.append({"tenant": log, "position": position, "head": head, "lag": head - position})
        return rows


def rebuild_beside(
    logs: Logs,
    models: ReadModels,
    progress: Callable[[int, int], None] = lambda done, total: None,
    swapping: Callable[[], None] = lambda: None,
) -> int:
    """Rebuild the SQLite read model beside a running projector; returns the events projected.

    On SQLite the projector runs inside the web process, and a rebuild that emptied the live
    read model beside it would race it: both would project the same events, and a batch the
    live projector had read before the emptying would be committed after it. So the rebuild
    never touches the live model until its last step:

    1. it projects every log into a scratch database, up to the positions the live model had
       reached when it began (readers keep seeing the old boards meanwhile);
    2. then, holding the live model's write lock (``BEGIN IMMEDIATE``: the live projector's
       next commit waits for it), it reads the live positions again, projects the few events
       committed since into the scratch model, and replaces every table of the live model with
       the scratch model's rows, in that one transaction.

    After the swap the live model holds exactly the rebuild of every log up to the live
    tracking positions, so the live projector, whose next batch starts from those positions,
    goes on without losing or repeating an event. ``progress(done, total)`` is told the events
    projected so far; ``swapping()`` when the swap begins. The caller sees to it that two
    rebuilds never run at once.
    """
    assert models.embedded, "a PostgreSQL read model is rebuilt with the projector stopped"
    live = SQLiteReadModel(models.path)  # a connection of our own
    with tempfile.TemporaryDirectory(dir=models.data_dir, prefix="rebuild-") as folder:
        scratch_path = Path(folder) / READ_MODEL_FILE
        scratch = SQLiteReadModel(scratch_path)
        try:
            return _rebuild(logs, live, scratch, scratch_path, progress, swapping)
        finally:
            scratch.close()
            live.close()


def _rebuild(
    logs: Logs,
    live: SQLiteReadModel,
    scratch: SQLiteReadModel,
    path: Path,
    progress: Callable[[int, int], None],
    swapping: Callable[[], None],
) -> int:
    engine = CatchUp(logs, scratch)
    total = max(1, sum(logs.head(log) for log in engine.followed()))
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress(done, total)

    reached = CatchUp(logs, live).positions()
    engine.catch_up(advance, recompute_boards=False, stop_at=reached)
    swapping()
    live.conn.execute("ATTACH DATABASE ? AS scratch", (str(path),))
    try:
        with live.transaction() as tx:
            now = {t: int(p) for t, p in tx.query("SELECT tenant, position FROM rm_tracking")}
            late = engine.catch_up(stop_at=now)  # committed while we replayed
            done += late.events
            recreate_tables(tx, "main.")  # the live model may be of an earlier shape
            for table, (columns, _) in TABLES.items():
                names = ", ".join(columns)
                tx.execute(
                    f"INSERT INTO main.{table} ({names}) SELECT {names} FROM scratch.{table}"
                )
    finally:
        live.conn.execute("DETACH DATABASE scratch")
    return done
