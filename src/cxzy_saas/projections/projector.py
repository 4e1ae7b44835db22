"""The live projector: follows every tenant log into the deployment's read model, exactly once,
in batches (the catch-up itself is ``engine.py``); rebuilds it from zero, from the command line
or beside a running projector.
"""

from __future__ import annotations

import contextlib
import gc
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from cxzy_saas.logs.port import REGISTRY, Logs
from cxzy_saas.projections.asof import Checkpoints, forget_erased
from cxzy_saas.projections.db import (
    READ_MODEL_FILE,
    TABLES,
    ReadModelDB,
    ReadModels,
    SQLiteReadModel,
    Tx,
    recreate_tables,
)
from cxzy_saas.projections.engine import INFRASTRUCTURE, LOCAL, BatchStats, CatchUp, Superseded
from cxzy_saas.projections.ownership import Leases, ProjectorBusy, sole_projector

__all__ = [
    "LOCAL",
    "BatchStats",
    "Projector",
    "ProjectorBusy",
    "current_model",
    "follow",
    "rebuild_beside",
]


class Projector(CatchUp):
    """The projector of a deployment's live read model (``db``, by default ``models.open()``).

    Work is owned by committee (a committee with all its branches; the registry's log is a unit
    of its own): on PostgreSQL through lease rows, so several workers share the committees; on
    SQLite one process holds a file lock. An erasure it commits is also applied to the as-of
    checkpoints of ``models``."""

    def __init__(
        self,
        logs: Logs,
        models: ReadModels,
        db: ReadModelDB | None = None,
        batch_size: int = 5000,
        lease_seconds: float = 10.0,
        owner: str | None = None,
    ) -> None:
        live = db is None
        db = models.open() if db is None else db
        self.leases = None if models.embedded else Leases(db, owner, lease_seconds)
        super().__init__(
            logs,
            db,
            batch_size,
            erased=lambda found: forget_erased(models, found),
            guard=self.leases,
        )
        self.models = models
        # On SQLite the lock guards the live model only (a rebuild into a scratch file needs none).
        self.lock = models.path.with_suffix(".lock") if models.embedded and live else None
        self._units: dict[str, list[str]] | None = None
        self._codes: list[str] | None = None  # the units of a worker's passes
        self._unit_heads: dict[str, int] = {}
        self._unit_logs: dict[str, tuple[int, list[str]]] = {}  # owned unit -> (head, logs)
        self._owned: set[str] = set()
        self._holding = False  # inside a pass or a rebuild, whose leases are held already
        # seconds a pass may spend on committees newly taken (see _project_owned); SQLite's
        # one projector takes everything at once
        self.take_budget = None if self.leases is None else lease_seconds / 4
        self.checkpoints = Checkpoints(logs, models, db)

    def catch_up(
        self,
        progress: Callable[[int], None] = lambda n: None,
        recompute_boards: bool = True,
        stop_at: dict[str, int] | None = None,
        boards: bool = True,
        logs: Sequence[str] | None = None,
    ) -> BatchStats:
        """As :meth:`CatchUp.catch_up`. Called on its own on PostgreSQL (a command, a test),
        it takes the free leases of the committees it follows for its duration, and leaves the
        committees other workers own to them."""
        if self.leases is None or self._holding:
            return super().catch_up(progress, recompute_boards, stop_at, boards, logs)
        units = self.units()
        wanted = None if logs is None else set(logs)
        chosen = [u for u, ls in units.items() if wanted is None or wanted & set(ls)]
        self._holding = True
        try:
            taken = set(self.leases.take(chosen, all_or_nothing=False))
            mine = [
                log
                for u in chosen
                if u in taken
                for log in units[u]
                if wanted is None or log in wanted
            ]
            return super().catch_up(progress, recompute_boards, stop_at, boards, mine)
        finally:
            self._holding = False
            self.leases.release()

    def owning(self) -> AbstractContextManager[None]:
        """The SQLite file lock while the block runs (nothing on PostgreSQL: leases).

        Raises:
            ProjectorBusy: another process is the projector of this data folder.
        """
        return sole_projector(self.lock) if self.lock is not None else nullcontext()

    def units(self, refresh: bool = True) -> dict[str, list[str]]:
        """committee -> its logs (the committee's, then its branches'); the registry's first."""
        if refresh or self._units is None:
            units: dict[str, list[str]] = {REGISTRY: [REGISTRY]}
            for t in self.logs.tenants():
                units.setdefault(
                    t.parent if t.kind == "branch" and t.parent else t.code, []
                ).append(t.code)
            self._units = units
            if self.leases is not None:
                self.leases.unit_of.update((log, u) for u, logs in units.items() for log in logs)
        return self._units

    def _current_units(self) -> list[str]:
        """The units of a pass: the registry's and each committee's, read from the registry's
        log alone, and again only when it moved (a new committee is an event there). The
        heads of every unit's committee log are noted, in the same query."""
        known = self._codes
        heads = self.logs.heads(known or [REGISTRY])
        if known is None or heads[REGISTRY] != self._unit_heads.get(REGISTRY):
            known = self._codes = [REGISTRY, *self.logs.committees()]
            heads = self.logs.heads(known)
        self._unit_heads = heads
        return known

    def _logs_of(self, unit: str) -> list[str]:
        """An owned unit's logs: the committee's, then its branches' (read from its log
        alone, again when it moved: a new branch is an event there). A worker so opens the
        logs of the committees it owns, and its connections touch their schemas only."""
        if unit == REGISTRY:
            return [REGISTRY]
        head = self._unit_heads.get(unit, -1)
        known = self._unit_logs.get(unit)
        if known is None or known[0] != head:
            known = self._unit_logs[unit] = (head, [unit, *self.logs.branches(unit)])
            if self.leases is not None:
                self.leases.unit_of.update((log, unit) for log in known[1])
        return known[1]

    def step(self) -> BatchStats:
        """One pass: claim this worker's committees, then project what moved in them (a
        committee newly taken is caught up whole, its boards recomputed).

        Raises:
            Superseded: a lease was lost during the pass (nothing of that batch is written).
        """
        codes = self._current_units()
        owned = self.leases.claim(codes) if self.leases is not None else codes
        self._holding = True
        try:
            return self._project_owned({u: self._logs_of(u) for u in owned}, owned)
        finally:
            self._holding = False

    def _project_owned(self, units: dict[str, list[str]], owned: list[str]) -> BatchStats:
        """Catch up the committees newly taken, one at a time, each whole with its boards
        recomputed; then what moved in the others. Once a pass has spent a quarter of a lease
        on newly taken committees, the rest wait, leased, for the next passes: a worker's
        passes over its cells stay short, so it claims the leases of a worker that died
        within about a lease, even while it is still taking its share at start-up (at 2,000
        branches a first pass recomputing every board took 3 s a cell)."""
        taken = [u for u in owned if u not in self._owned]
        budget = self.take_budget
        started = time.monotonic()
        stats = BatchStats()
        caught: list[str] = []
        for unit in taken:
            if caught and budget is not None and time.monotonic() - started > budget:
                break
            stats.add(self.catch_up(recompute_boards=False, logs=units[unit]))
            caught.append(unit)
        waiting = set(taken) - set(caught)
        self._owned = set(owned) - waiting
        stats.pending = bool(waiting)
        rest = [log for u in owned if u not in taken for log in units[u]]
        if rest:
            heads = self.logs.heads(rest)
            positions = self.positions()
            moved = [log for log in rest if heads[log] > positions.get(log, 0)]
            if moved:
                stats.add(self.catch_up(logs=moved))
        if stats.events and REGISTRY in owned:
            # one worker of the cell (the registry's owner) makes the as-of checkpoints
            self.checkpoints.advance()
        return stats

    def run(
        self,
        interval: float = 0.5,
        stop: Callable[[], bool] = lambda: False,
        on_error: Callable[[BaseException], None] = lambda e: None,
    ) -> None:
        """Follow the logs until ``stop()``: new events appear in the read models within
        ``interval`` seconds of their commit. Boards of every committee this worker takes are
        recomputed when it takes it, so a run after any interruption never serves boards older
        than the rows. A lost lease or an unreachable database ends a pass, never the run.

        Raises:
            ProjectorBusy: (SQLite) another process is the projector.
        """
        follow([self], interval, stop, on_error)

    def rebuild(
        self,
        progress: Callable[[int], None] = lambda n: None,
        committees: Sequence[str] | None = None,
    ) -> BatchStats:
        """Empty the read models of ``committees`` (default: all) and project their logs from
        the start, holding their leases (or the file lock) meanwhile.

        Raises:
            ProjectorBusy: another process owns one of them; the message names it.
        """
        with self.owning():
            units = self.units()
            chosen = list(units) if committees is None else [c for c in committees if c in units]
            if self.leases is not None:
                self.leases.take(chosen)
            self._holding = True
            try:
                logs = [log for u in chosen for log in units[u]]
                with self.db.transaction() as tx:
                    if committees is None:
                        recreate_tables(tx)  # in the current shape, whatever made them
                    else:
                        _forget(tx, chosen, logs)
                return self.catch_up(progress, recompute_boards=False, logs=logs)
            finally:
                self._holding = False
                if self.leases is not None:
                    self.leases.release()

    def quarantine(self) -> list[dict[str, Any]]:
        with self.db.read() as tx:
            rows = tx.query(
                "SELECT tenant, position, topic, error, first_seen, attempts FROM rm_quarantine "
                "ORDER BY tenant, position"
            )
        keys = ("tenant", "position", "topic", "error", "first_seen", "attempts")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def retry(self, tenant: str | None = None, position: int | None = None) -> BatchStats:
        """Project quarantined events again (all, a tenant's, or one), after a fix: each
        committee holding one is rebuilt, so its events are projected in log order again;
        those that still fail stay in quarantine with one more attempt."""
        chosen = [
            q
            for q in self.quarantine()
            if (tenant is None or q["tenant"] == tenant)
            and (position is None or q["position"] == position)
        ]
        if not chosen:
            return BatchStats()
        units = self.units()
        unit_of = {log: u for u, logs in units.items() for log in logs}
        committees = sorted({unit_of.get(q["tenant"], q["tenant"]) for q in chosen})
        return self.rebuild(committees=committees)

    def status(self) -> list[dict[str, Any]]:
        positions = self.positions()
        units = self.units()
        followed = [log for logs in units.values() for log in logs]
        heads = self.logs.heads(followed)
        quarantined: dict[str, int] = {}
        for q in self.quarantine():
            quarantined[q["tenant"]] = quarantined.get(q["tenant"], 0) + 1
        rows = []
        for unit, logs in units.items():
            for log in logs:
                head, position = heads[log], positions.get(log, 0)
                rows.append(
                    {
                        "tenant": log,
                        "committee": unit,
                        "position": position,
                        "head": head,
                        "lag": head - position,
                        "quarantined": quarantined.get(log, 0),
                    }
                )
        return rows

    def health(self) -> dict[str, Any]:
        """Per committee: lag (events not yet projected), quarantined events and, on
        PostgreSQL, the lease's owner; totals. For a readiness endpoint or ``project status``."""
        holders = self.leases.holders() if self.leases is not None else {}
        committees: dict[str, dict[str, Any]] = {}
        for row in self.status():
            c = committees.setdefault(
                row["committee"],
                {"committee": row["committee"], "lag": 0, "quarantined": 0, "owner": None},
            )
            c["lag"] += row["lag"]
            c["quarantined"] += row["quarantined"]
            if row["committee"] in holders:
                c["owner"] = holders[row["committee"]][0]
        found = list(committees.values())
        return {
            "lag": sum(c["lag"] for c in found),
            "quarantined": sum(c["quarantined"] for c in found),
            "committees": found,
        }


# Set to end a projector's sleep at once: a reader in this process waits for new events
# (read-your-writes, decision 0019).
WAKE = threading.Event()


def nudge() -> None:
    """Wake the projectors of this process now rather than at their next interval."""
    WAKE.set()


def tune_collector() -> None:
    """For a process that does nothing but project (``cxzy project run`` and ``rebuild``).

    Projecting makes few reference cycles: in a rebuild of 4.66 million events the cyclic
    collector freed 6,328 objects, yet it ran 49,000 times and took a fifth of the time,
    walking everything the process held each time it reached the oldest generation. What
    start-up made is frozen (never walked again), and young objects are collected 30 times
    less often (``docs/performance.md``, decision 0014). Not for the web process, whose
    requests may make cycles that only the collector frees."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def follow(
    projectors: Sequence[Projector],
    interval: float = 0.5,
    stop: Callable[[], bool] = lambda: False,
    on_error: Callable[[BaseException], None] = lambda e: None,
) -> None:
    """Run the projectors of several cells in one process, a pass of each in turn, until
    ``stop()``; sleep ``interval`` when none moved. A cell that fails (a lost lease, an
    unreachable database) ends its own pass, never the others' nor the run.

    Raises:
        ProjectorBusy: (SQLite) another process is the projector.
    """
    with contextlib.ExitStack() as owned:
        for projector in projectors:
            owned.enter_context(projector.owning())
        try:
            while True:  # at least one pass, whatever stop() says
                moved, pending = 0, False
                for projector in projectors:
                    try:
                        stats = projector.step()
                        moved, pending = moved + stats.events, pending or stats.pending
                    except INFRASTRUCTURE as error:
                        on_error(error)
                        projector._owned = set()  # take over afresh: boards recomputed
                if stop():
                    break
                if moved == 0 and not pending:
                    WAKE.wait(interval)
                    WAKE.clear()
        finally:
            for projector in projectors:
                if projector.leases is not None:
                    with contextlib.suppress(*INFRASTRUCTURE):
                        projector.leases.release()


def current_model(logs: Logs, models: ReadModels, timeout: float = 30.0) -> ReadModelDB:
    """The live read model of ``models``, up to date with the heads of ``logs`` as they are
    when asked, for a reader that runs no projector (a command such as ``cxzy leaderboard``).

    A reader never catches up what another process owns: it would race that projector (a
    tracking write of one of them is then refused as ``Superseded``). So it projects only what
    nobody owns (on SQLite when no projector holds the lock; on PostgreSQL the committees whose
    leases are free, held meanwhile) and waits, up to ``timeout`` seconds, for the running
    projectors to reach those heads; after that it reads what is there."""
    projector = Projector(logs, models)
    try:
        with projector.owning():
            projector.catch_up()
    except (ProjectorBusy, Superseded):
        pass  # owned elsewhere: wait for it below
    wanted = logs.heads(projector.followed())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reached = projector.positions()
        if all(reached.get(log, 0) >= head for log, head in wanted.items()):
            break
        time.sleep(0.1)
    return projector.db


def _forget(tx: Tx, committees: list[str], logs: list[str]) -> None:
    """Delete the rows the logs of ``committees`` made (a committee's rebuild)."""
    marks = ", ".join("?" for _ in logs)
    cmarks = ", ".join("?" for _ in committees)
    for table, (columns, _) in TABLES.items():
        if table == "rm_tenants":
            # a committee's own row comes from the registry's log, its branches' from its own
            tx.execute(
                f"DELETE FROM rm_tenants WHERE kind = 'branch' AND parent IN ({cmarks})", committees
            )
            if REGISTRY in committees:
                tx.execute("DELETE FROM rm_tenants WHERE kind = 'committee'")
        elif "committee" in columns:
            tx.execute(f"DELETE FROM {table} WHERE committee IN ({cmarks})", committees)
        else:
            tx.execute(f"DELETE FROM {table} WHERE tenant IN ({marks})", logs)


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
    2. it reads the live positions again and projects the few events committed since into the
       scratch model; then, holding the live model's write lock (``BEGIN IMMEDIATE``: the live
       projector's next commit waits for it), it checks that the live positions are still
       those (else it rolls back and does step 2 again) and replaces every table of the live
       model with the scratch model's rows, in that one transaction.

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
    while True:
        # The few events the live projector committed meanwhile go into the scratch model while
        # the live model is unlocked: its write lock would also lock the attached scratch file.
        now = CatchUp(logs, live).positions()
        done += engine.catch_up(stop_at=now).events
        live.conn.execute("ATTACH DATABASE ? AS scratch", (str(path),))
        try:
            with live.transaction() as tx:
                found = tx.query("SELECT tenant, position FROM main.rm_tracking")
                if {t: int(p) for t, p in found} != now:
                    raise _Moved  # the live projector committed again: once more
                recreate_tables(tx, "main.")  # the live model may be of an earlier shape
                tx.execute("DELETE FROM main.rm_quarantine")
                tx.execute("INSERT INTO main.rm_quarantine SELECT * FROM scratch.rm_quarantine")
                for table, (columns, _) in TABLES.items():
                    names = ", ".join(columns)
                    tx.execute(
                        f"INSERT INTO main.{table} ({names}) SELECT {names} FROM scratch.{table}"
                    )
            return done
        except _Moved:
            continue
        finally:
            live.conn.execute("DETACH DATABASE scratch")


class _Moved(Exception):
    """The live positions moved between the rebuild's last catch-up and its swap."""
