"""The parts a composition root puts together from one tenancy: the read port over its logs,
its read models and their projector. The web app factory, the command line, the demo and the
tests build them here, so that no layer below has to know the tenancy and the projections both.

On PostgreSQL each cell has its own read models and its own projector, over its committees'
logs (``docs/decisions/0014-cells.md``); ``cell`` names one (default: the default cell, the only
one of a deployment without cells, and of SQLite). Reads about a committee go to its cell's
read models: :func:`cell_of` tells which.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from typing import Any

from cxzy_saas.application.readport import TenancyLogs
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import DEFAULT_CELL, Settings
from cxzy_saas.projections import asof
from cxzy_saas.projections.db import ReadModelDB, ReadModels
from cxzy_saas.projections.projector import Projector, current_model
from cxzy_saas.storage.stores import PostgresStore


def read_port(tenancy: Tenancy, cell: str | None = None) -> TenancyLogs:
    """The read port over every log (``cell`` None: audits), or over one cell's committees
    and branches (that cell's projector and as-of replays)."""
    return TenancyLogs(tenancy, cell)


def read_models(tenancy: Tenancy, cell: str = DEFAULT_CELL) -> ReadModels:
    """A cell's read models: beside its logs (on PostgreSQL, over the cell's pool).

    Raises:
        InvalidInput: no such cell.
    """
    store = tenancy.cell_store(cell)
    connection = store.connection if isinstance(store, PostgresStore) else None
    return ReadModels(tenancy.settings.data_dir, connection, None if cell == DEFAULT_CELL else cell)


def open_read_model(tenancy: Tenancy, cell: str = DEFAULT_CELL) -> ReadModelDB:
    return read_models(tenancy, cell).open()


def cell_of(tenancy: Tenancy, committee: str) -> str:
    """The cell whose read models hold ``committee``'s rows.

    Raises:
        NotFound: no such committee (or branch).
    """
    return tenancy.cell_of(committee)


def projector(
    tenancy: Tenancy,
    db: ReadModelDB | None = None,
    batch_size: int = 5000,
    lease_seconds: float = 10.0,
    cell: str = DEFAULT_CELL,
) -> Projector:
    """The live projector of a cell's logs into ``db`` (default: the cell's live read model)."""
    return Projector(
        read_port(tenancy, cell),
        read_models(tenancy, cell),
        db,
        batch_size,
        lease_seconds,
    )


def projectors(
    tenancy: Tenancy,
    cells: Sequence[str] | None = None,
    batch_size: int = 5000,
    lease_seconds: float = 10.0,
) -> list[Projector]:
    """One live projector per cell of ``cells`` (default: every configured cell).

    Raises:
        InvalidInput: a cell that is not configured.
    """
    return [
        projector(tenancy, None, batch_size, lease_seconds, cell)
        for cell in (cells or tenancy.cells)
    ]


def current_read_model(tenancy: Tenancy, cell: str = DEFAULT_CELL) -> ReadModelDB:
    """A cell's live read model, up to date with its logs as they are now, for a command that
    runs no projector (``cxzy leaderboard``): it projects only what no running projector owns
    and waits for the rest, never writing what another process owns."""
    return current_model(read_port(tenancy, cell), read_models(tenancy, cell))


def projection_status(
    tenancy: Tenancy, live: Callable[[str], ReadModelDB] | None = None
) -> dict[str, Any]:
    """For a readiness endpoint and the metrics: per committee, the events not yet projected
    (``lag``), the events in quarantine, the lease's owner (PostgreSQL) and the committee's
    cell; their totals, also per cell. Reads only. ``live(cell)``: the cell's live read model
    when the caller holds one open (the web app), else each is opened here."""
    committees: list[dict[str, Any]] = []
    cells: dict[str, dict[str, int]] = {}
    # A cell that gives no connection is named, not waited on (decision 0030): the others'
    # committees are served meanwhile. The default cell holds the registry: asked above. The
    # others are probed at once, each on a thread (a probe of a cell down waits seconds).
    others = [cell for cell in tenancy.cells if cell != DEFAULT_CELL]
    with ThreadPoolExecutor(max_workers=max(1, len(others))) as probes:
        reached = dict(zip(others, probes.map(tenancy.cell_reachable, others), strict=True))
    out_of_reach = [cell for cell in others if not reached[cell]]
    for cell in tenancy.cells:
        if cell in out_of_reach:
            continue
        db = live(cell) if live is not None else None
        health = projector(tenancy, db, cell=cell).health()
        committees += [{**c, "cell": cell} for c in health["committees"]]
        cells[cell] = {"lag": health["lag"], "quarantined": health["quarantined"]}
    # The registry's log is followed by every cell's read models: one row per cell.
    return {
        "lag": sum(c["lag"] for c in cells.values()),
        "quarantined": sum(c["quarantined"] for c in cells.values()),
        "committees": committees,
        "cells": cells,
        "out_of_reach": out_of_reach,
    }


class ReplayProcesses:
    """Where a web process runs its as-of replays (an ``asof.Offload``): a pool of
    ``workers`` processes of their own, each with its own tenancy over the same stores. A
    replay is seconds of CPU-bound Python; run in a request thread it held the GIL, and a burst
    of them raised every cheap request's latency hundreds of times (issue 19). The process
    answers the model as SQLite's serialized bytes. The pool starts at the first replay, in the
    process that needs it (never before a fork), with ``spawn``: a fork of a threaded server
    would copy locks held by other threads."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def __call__(
        self,
        models: ReadModels,
        day: date,
        target: Mapping[str, int],
        scope: Sequence[str] | None = None,
    ) -> bytes:
        job = functools.partial(
            _replay_here,
            models.cell or DEFAULT_CELL,
            day,
            dict(target),
            None if scope is None else list(scope),
        )
        pool = self._executor()
        try:
            found: bytes = pool.submit(job).result()
        except BrokenProcessPool:
            # A replay process was killed (out of memory, an operator): a new pool, once.
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            found = self._executor().submit(job).result()
        return found

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_open_tenancy,
                    initargs=(self.settings,),
                )
                self._pid = os.getpid()
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_REPLAY_TENANCY: Tenancy | None = None


# How much lower a replay process's CPU priority is than the web's (``nice``): a replay is
# seconds of work a reader waits for anyway, a cheap request milliseconds a user waits for;
# on a busy machine the scheduler serves the web first.
REPLAY_NICENESS = 10


def _open_tenancy(settings: Settings) -> None:
    global _REPLAY_TENANCY
    with contextlib.suppress(OSError):  # a platform without nice: same priority as before
        os.nice(REPLAY_NICENESS)
    _REPLAY_TENANCY = Tenancy(settings)


def _replay_here(
    cell: str, day: date, target: dict[str, int], scope: list[str] | None = None
) -> bytes:
    """In a replay process: the model replayed to ``target``, serialized."""
    assert _REPLAY_TENANCY is not None, "the replay process has no tenancy"
    tenancy = _REPLAY_TENANCY
    db = asof.replay_to(read_port(tenancy, cell), read_models(tenancy, cell), day, target, scope)
    try:
        return db.conn.serialize()
    finally:
        db.close()
