"""Catching up: every tenant log's new events projected into a read model, exactly once, in
batches. The live projector (``projector.py``) and the as-of replays (``asof.py``) both run it.

For each batch it reads new notifications from one or more tenant logs (through the read port),
applies them to the projection, and writes the read-model rows, the tracking position of every
log in the batch and the recomputed leaderboards in one transaction. A crash loses the whole
batch or none of it; the next run starts from the positions that were committed with the rows,
so no event is counted twice or lost.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from cxzy_saas.domain.events import BY_TOPIC, events_of
from cxzy_saas.domain.organisation import Member
from cxzy_saas.domain.recording import BEIJING
from cxzy_saas.logs.decoding import decode_state
from cxzy_saas.logs.port import REGISTRY, Decoded, Logs, StoredNotification
from cxzy_saas.projections import boards as board_store
from cxzy_saas.projections.db import LISTS, TABLES, ReadModelDB, Tx
from cxzy_saas.projections.handlers import HANDLERS, recorded_day
from cxzy_saas.projections.projection import Event, Projection
from cxzy_saas.projections.rows import Row

LOCAL = BEIJING  # days are the committee's days (China Standard Time)
MEMBER_EVENTS = frozenset(events_of(Member))  # the events whose personal fields are opened

# Rows found by aggregate id, for events that change a row their aggregate's first event made.
LOOKUPS = {
    "rm_subjects_by_aggregate": (
        "SELECT tenant, level, subject FROM rm_subjects WHERE tenant = ? AND aggregate = ?",
        ("tenant", "level", "subject"),
    ),
    "rm_plans_by_aggregate": (
        "SELECT tenant, year FROM rm_plans WHERE tenant = ? AND aggregate = ?",
        ("tenant", "year"),
    ),
    "rm_plan_version_count": (
        "SELECT MAX(version) FROM rm_plan_versions WHERE tenant = ? AND year = ?",
        ("versions",),
    ),
    "rm_assessments_by_aggregate": (
        "SELECT tenant, year, level, subject, period FROM rm_assessments "
        "WHERE tenant = ? AND aggregate = ?",
        ("tenant", "year", "level", "subject", "period"),
    ),
}
ROW_LOOKUPS = {
    table: (
        f"SELECT {', '.join(columns)} FROM {table} WHERE " + " AND ".join(f"{k} = ?" for k in key),
        tuple(columns),
    )
    for table, (columns, key) in TABLES.items()
}


def _groups(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class BatchStats:
    events: int = 0
    batches: int = 0
    seconds: float = 0.0
    quarantined: int = 0
    pending: bool = False  # a pass left work for the next (committees taken, not caught up)

    def add(self, other: BatchStats) -> None:
        self.events += other.events
        self.batches += other.batches
        self.quarantined += other.quarantined

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


Erased = Callable[[list[tuple[str, str]]], None]  # (tenant, member no) erased by a batch
Key = tuple[str, int]  # (log, position) of one event


class Superseded(Exception):
    """The batch may not be committed: the process lost the committee's lease, or another
    process moved a tracking position this batch started from. Nothing of it is written."""


class Guard(Protocol):
    def hold(self, tx: Tx, logs: Sequence[str]) -> None:
        """Inside a batch's transaction: renew the right to write ``logs``' rows, or raise
        :class:`Superseded` (the transaction then rolls back)."""
        ...


# Errors of the infrastructure, not of an event: the batch is given up and tried again later,
# never quarantined.
def infrastructure_errors() -> tuple[type[BaseException], ...]:
    import psycopg
    import psycopg_pool
    from eventsourcing import persistence

    return (
        Superseded,
        sqlite3.OperationalError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        psycopg_pool.PoolTimeout,
        persistence.OperationalError,
        persistence.InterfaceError,
        MemoryError,
    )


INFRASTRUCTURE = infrastructure_errors()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


@dataclass
class Batch:
    """The events of one transaction: chunks of consecutive notifications of a log, each with
    the tracking position it starts from."""

    chunks: list[tuple[str, int, list[StoredNotification]]] = field(default_factory=list)
    count: int = 0

    def add(self, log: str, start: int, notifications: Sequence[StoredNotification]) -> None:
        if self.chunks and self.chunks[-1][0] == log:
            self.chunks[-1][2].extend(notifications)
        else:
            self.chunks.append((log, start, list(notifications)))
        self.count += len(notifications)

    def positions(self) -> list[tuple[str, int, int]]:
        """(log, expected position, new position) of every log the batch covers."""
        return [(log, start, ns[-1].id) for log, start, ns in self.chunks if ns]

    def halves(self) -> tuple[Batch, Batch]:
        """The batch split in two, in log order (each half commits its own positions)."""
        events = [(log, start, n) for log, start, ns in self.chunks for n in ns]
        middle = len(events) // 2
        first, second = Batch(), Batch()
        reached: dict[str, int] = {}
        for index, (log, start, n) in enumerate(events):
            half = first if index < middle else second
            half.add(log, reached.get(log, start), [n])
            reached[log] = n.id
        return first, second

    def events(self) -> Iterator[tuple[str, StoredNotification]]:
        for log, _, ns in self.chunks:
            for n in ns:
                yield log, n


class CatchUp:
    """Projects the logs read through ``logs`` into ``db``.

    ``erased`` is told, after each committed batch of a live catch-up (no ``stop_at``), which
    members' personal data the batch erased (the live projector clears them from the as-of
    checkpoints too). ``guard`` (the committees' leases) is asked inside each batch's
    transaction whether it may still be written. ``lists=False`` leaves the branch lists
    (``db.LISTS``) empty: as-of replays and checkpoints, which no list reads. ``campaigns``,
    when given, are the only ``(committee, year)`` whose leaderboards are computed (an audit
    replay that reads one campaign's boards); by default every campaign a batch touches.
    ``decode`` gives an event's state from its log and notification (by default decoded from
    its stored bytes): a reader that decoded the events already hands over its own copies.

    Nothing an event holds stops it: an event that fails to decode, whose handler raises, or
    whose rows the database refuses is put in quarantine (``rm_quarantine``) in the batch's
    transaction, and the log's position moves past it; the other events of the batch are
    projected as usual (a refused batch is split in halves until the culprit is alone).
    """

    def __init__(
        self,
        logs: Logs,
        db: ReadModelDB,
        batch_size: int = 5000,
        erased: Erased = lambda found: None,
        guard: Guard | None = None,
        lists: bool = True,
        campaigns: Collection[tuple[str, int]] | None = None,
        decode: Callable[[str, StoredNotification], dict[str, Any]] | None = None,
    ) -> None:
        self.logs = logs
        self.campaigns = None if campaigns is None else frozenset(campaigns)
        self.decode = decode or (lambda log, n: decode_state(n.state))
        self.skipped = frozenset() if lists else LISTS
        self.db = db
        self.batch_size = batch_size
        self.erased = erased
        self.guard = guard
        self._projection = self._new_projection()
        self._retrying: dict[Key, int] = {}  # quarantined events met again: their attempts
        self._scope: set[str] = set()  # the logs of the current catch-up

    def followed(self) -> list[str]:
        """Every log, the registry's first, each committee's before its branches'."""
        return [REGISTRY] + [t.code for t in self.logs.tenants()]

    def positions(self) -> dict[str, int]:
        with self.db.read() as tx:
            return {t: int(p) for t, p in tx.query("SELECT tenant, position FROM rm_tracking")}

    def recall(self, tenant: str, aggregate: str) -> list[Event]:
        """An aggregate's earlier events, for facts the projection needs after a restart."""
        return [(type(e), {**e.__dict__}) for e in self.logs.events(tenant, UUID(aggregate))]

    def _new_projection(self) -> Projection:
        projection = Projection(recall=self.recall)
        projection.skipped = self.skipped
        # Rows of earlier batches are committed; the projection reads them back when an event
        # changes one (a measure completed, a score corrected).
        projection.db_lookup = self.lookup
        return projection

    def catch_up(
        self,
        progress: Callable[[int], None] = lambda n: None,
        recompute_boards: bool = True,
        stop_at: dict[str, int] | None = None,
        boards: bool = True,
        logs: Sequence[str] | None = None,
    ) -> BatchStats:
        """Project the new events of ``logs`` (default: every log); returns when all are
        caught up.

        Leaderboards are recomputed after each batch (``recompute_boards``), or once at the end
        (a rebuild), or not at all (``boards=False``: checkpoints). ``stop_at`` limits each
        log to a position (as-of replays).

        Raises:
            Superseded: another process owns the work now (nothing of the batch is written).
        """
        stats = BatchStats()
        started = time.perf_counter()
        positions = self.positions()
        followed = self.followed() if logs is None else list(logs)
        self._scope = set(followed)
        self._projection = self._new_projection()  # facts of a past pass may be stale
        live = stop_at is None
        self._retrying = self._quarantined(followed) if live else {}
        batch = Batch()
        boards_after = "touched" if recompute_boards else "none"

        def fetch(log: str, position: int, want: int) -> list[StoredNotification]:
            limit = None if stop_at is None else stop_at.get(log, 0)
            if limit is not None and position >= limit:
                return []
            return list(self.logs.notifications(log, position, want, stop=limit))

        finished: set[str] = set()  # logs read to their end, all in this batch or before

        def settle(scope: str) -> None:
            nonlocal batch
            stats.quarantined += self._settle(batch, scope, live, {})
            self._projection.forget(finished)
            finished.clear()
            stats.events += batch.count
            stats.batches += 1 if batch.count else 0
            progress(batch.count)
            batch = Batch()

        for log, whole in self._first_chunks(followed, positions, stop_at):
            position = positions.get(log, 0)
            while True:
                want = self.batch_size - batch.count
                if whole is not None:
                    notifications, want = whole, len(whole) + 1  # everything; no more to read
                else:
                    notifications = fetch(log, position, want)
                if notifications:
                    batch.add(log, position, notifications)
                    position = notifications[-1].id
                if batch.count >= self.batch_size:
                    settle(boards_after)
                if len(notifications) < want:
                    break
            finished.add(log)
        final = "touched" if recompute_boards else ("all" if boards else "none")
        if batch.count or final == "all":
            settle(final)
        stats.seconds = time.perf_counter() - started
        return stats

    def _quarantined(self, followed: Sequence[str]) -> dict[Key, int]:
        wanted = set(followed)
        with self.db.read() as tx:
            rows = tx.query("SELECT tenant, position, attempts FROM rm_quarantine")
        return {(t, int(p)): int(a) for t, p, a in rows if t in wanted}

    def _settle(
        self, batch: Batch, boards: str, live: bool, known: dict[Key, tuple[str, str]]
    ) -> int:
        """Project and commit ``batch``, quarantining whatever event fails; the number
        quarantined. ``known`` holds events already found to fail (skipped, quarantined)."""
        keys = {(log, n.id) for log, n in batch.events()}
        failures = {k: v for k, v in known.items() if k in keys}  # event -> (topic, error)
        while True:
            projection = self._projection
            try:
                found = self._project(projection, batch, set(failures))
            except INFRASTRUCTURE:
                self._projection = self._new_projection()
                raise
            if found:
                # A handler raised: its partial rows are in the buffer, so the batch is
                # projected again from scratch without it.
                failures.update(found)
                self._projection = self._new_projection()
                continue
            try:
                self._commit(projection, batch, boards, failures)
            except INFRASTRUCTURE:
                self._projection = self._new_projection()
                raise
            except Exception as refused:
                self._projection = self._new_projection()
                alive = [(log, n) for log, n in batch.events() if (log, n.id) not in failures]
                if not alive:
                    raise  # nothing of an event's left to blame: not an event's fault
                if len(alive) == 1:
                    log, n = alive[0]
                    failures[(log, n.id)] = (n.topic, _describe(refused))
                    continue
                first, second = batch.halves()
                done = self._settle(first, boards, live, failures)
                return done + self._settle(second, boards, live, failures)
            self._tell_erased(projection, live)
            return len(failures)

    def _project(
        self, projection: Projection, batch: Batch, skip: set[Key]
    ) -> dict[Key, tuple[str, str]]:
        """Apply the batch's events to ``projection``; the events whose handler raised (the
        first one only: the buffer holds its partial rows). An event that does not decode is
        marked in ``skip`` and passed over."""
        for log, ns in self._chunks_of(batch):
            decoded: list[tuple[StoredNotification, Decoded]] = []
            for n in ns:
                if (log, n.id) in skip:
                    continue
                try:
                    decoded.append(
                        (n, (BY_TOPIC.get(n.topic), self.decode(log, n), n.originator_id))
                    )
                except Exception as error:
                    return {(log, n.id): (n.topic, _describe(error))}
            members: list[Decoded] = [d for _, d in decoded if d[0] in MEMBER_EVENTS]
            if members:
                # Sealed personal fields opened, with one key lookup for the chunk (or the
                # erased placeholder: the projection sees what a view shows).
                self.logs.open_personal(log, members)
            for n, (event, data, _) in decoded:
                try:
                    handler = HANDLERS.get(event)  # type: ignore[arg-type]
                    if handler is not None:
                        projection.position = n.id
                        handler(projection, log, str(n.originator_id), n.originator_version, data)
                    day = recorded_day(data)
                except INFRASTRUCTURE:
                    raise
                except Exception as error:
                    return {(log, n.id): (n.topic, _describe(error))}
                projection.put("rm_time_index", tenant=log, day=day, position=n.id)
        return {}

    @staticmethod
    def _chunks_of(batch: Batch) -> Iterator[tuple[str, list[StoredNotification]]]:
        for log, _, ns in batch.chunks:
            yield log, ns

    def _first_chunks(
        self,
        followed: list[str],
        positions: dict[str, int],
        stop_at: dict[str, int] | None,
    ) -> Iterator[tuple[str, list[StoredNotification] | None]]:
        """Each log with all of its notifications up to ``stop_at`` when that is known and the
        port reads many logs at once (PostgreSQL), read for 25 logs per query: an as-of replay
        reads a little of every log, and one round trip per log made it wait most of its time.
        Otherwise None, and the caller reads the log in chunks itself."""
        if stop_at is None or not self.logs.reads_many_at_once:
            for log in followed:
                yield log, None
            return
        for group in _groups(followed, 25):
            ranges = [
                (t, positions.get(t, 0), stop_at.get(t, 0))
                for t in group
                if stop_at.get(t, 0) > positions.get(t, 0)
            ]
            found = self.logs.notifications_between(ranges)
            for log in group:
                yield log, found.get(log, [])

    def _tell_erased(self, projection: Projection, live: bool) -> None:
        erased, projection.erased = projection.erased, []
        if live and erased:
            self.erased(erased)

    @staticmethod
    def _all_tenants(tx: Tx) -> list[str]:
        return [t for (t,) in tx.query("SELECT tenant FROM rm_tenants")]

    def _commit(
        self,
        projection: Projection,
        batch: Batch,
        boards: str,
        failures: dict[Key, tuple[str, str]],
    ) -> None:
        """Rows, tracking positions, quarantine and leaderboards in one transaction.

        Each tracking position is written only if it is still where the batch started from,
        so a batch of a process that lost its lease meanwhile is rolled back whole.
        ``boards``: "touched" recomputes the campaigns this batch touched, "all" every
        campaign (the last batch of a rebuild, so a rebuild that dies before its end never
        leaves committed positions with no boards), "none" skips them (checkpoints).

        Raises:
            Superseded: a position moved, or the guard refused.
        """
        positions = batch.positions()
        with self.db.transaction() as tx:
            if self.guard is not None:
                self.guard.hold(tx, [log for log, _, _ in positions])
            projection.flush(tx)
            for log, expected, new in positions:
                if expected == 0:
                    changed = tx.execute(
                        "INSERT INTO rm_tracking (tenant, position) VALUES (?, ?) "
                        "ON CONFLICT (tenant) DO UPDATE SET position = excluded.position "
                        "WHERE rm_tracking.position = 0",
                        (log, new),
                    )
                else:
                    changed = tx.execute(
                        "UPDATE rm_tracking SET position = ? WHERE tenant = ? AND position = ?",
                        (new, log, expected),
                    )
                if changed != 1:
                    raise Superseded(f"{log}: position moved from {expected} by another process")
            self._record_quarantine(tx, batch, failures)
            if boards == "all":
                scope = set(self._all_tenants(tx)) & self._scope
                campaigns = board_store.campaigns_of(tx, scope)
            elif boards == "touched":
                campaigns = board_store.campaigns_of(tx, projection.touched)
            else:
                campaigns = set()
            if self.campaigns is not None:
                campaigns = set(campaigns) & self.campaigns
            for committee, year in sorted(campaigns):
                board_store.store(tx, committee, year)
            projection.touched.clear()

    def _record_quarantine(
        self, tx: Tx, batch: Batch, failures: dict[Key, tuple[str, str]]
    ) -> None:
        if not failures and not self._retrying:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for (log, position), (topic, error) in failures.items():
            attempts = self._retrying.get((log, position), 0) + 1
            tx.execute(
                "INSERT INTO rm_quarantine (tenant, position, topic, error, first_seen, attempts) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, position) DO UPDATE SET "
                "topic = excluded.topic, error = excluded.error, attempts = excluded.attempts",
                (log, position, topic, error, now, attempts),
            )
        for log, n in batch.events():
            key = (log, n.id)
            if key in self._retrying and key not in failures:
                # projected at last: out of quarantine
                tx.execute(
                    "DELETE FROM rm_quarantine WHERE tenant = ? AND position = ?", (log, n.id)
                )
                del self._retrying[key]

    def lookup(self, table: str, key: tuple[Any, ...]) -> Row | None:
        """A stored row by its primary key (``table``), or by a key of :data:`LOOKUPS`."""
        sql, columns = LOOKUPS[table] if table in LOOKUPS else ROW_LOOKUPS[table]
        with self.db.read() as tx:
            rows = tx.query(sql, key)
        return dict(zip(columns, rows[0], strict=True)) if rows else None
