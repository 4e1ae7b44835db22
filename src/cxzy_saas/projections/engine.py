"""Catching up: every tenant log's new events projected into a read model, exactly once, in
batches. The live projector (``projector.py``) and the as-of replays (``asof.py``) both run it.

For each batch it reads new notifications from one or more tenant logs (through the read port),
applies them to the projection, and writes the read-model rows, the tracking position of every
log in the batch and the recomputed leaderboards in one transaction. A crash loses the whole
batch or none of it; the next run starts from the positions that were committed with the rows,
so no event is counted twice or lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any
from uuid import UUID

from cxzy_saas.domain.events import BY_TOPIC, events_of
from cxzy_saas.domain.organisation import Member
from cxzy_saas.logs.decoding import decode_state
from cxzy_saas.logs.port import REGISTRY, Decoded, Logs, StoredNotification
from cxzy_saas.projections import boards as board_store
from cxzy_saas.projections.db import TABLES, ReadModelDB, Tx
from cxzy_saas.projections.handlers import HANDLERS
from cxzy_saas.projections.projection import Event, Projection
from cxzy_saas.projections.rows import Row

LOCAL = timezone(timedelta(hours=8))  # days are the committee's days (China Standard Time)
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

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


Erased = Callable[[list[tuple[str, str]]], None]  # (tenant, member no) erased by a batch


class CatchUp:
    """Projects the logs read through ``logs`` into ``db``.

    ``erased`` is told, after each committed batch of a live catch-up (no ``stop_at``), which
    members' personal data the batch erased (the live projector clears them from the as-of
    checkpoints too).
    """

    def __init__(
        self,
        logs: Logs,
        db: ReadModelDB,
        batch_size: int = 5000,
        erased: Erased = lambda found: None,
    ) -> None:
        self.logs = logs
        self.db = db
        self.batch_size = batch_size
        self.erased = erased

    def followed(self) -> list[str]:
        """Every log, the registry's first, each committee's before its branches'."""
        return [REGISTRY] + [t.code for t in self.logs.tenants()]

    def positions(self) -> dict[str, int]:
        with self.db.transaction() as tx:
            return {t: int(p) for t, p in tx.query("SELECT tenant, position FROM rm_tracking")}

    def recall(self, tenant: str, aggregate: str) -> list[Event]:
        """An aggregate's earlier events, for facts the projection needs after a restart."""
        return [(type(e), {**e.__dict__}) for e in self.logs.events(tenant, UUID(aggregate))]

    def catch_up(
        self,
        progress: Callable[[int], None] = lambda n: None,
        recompute_boards: bool = True,
        stop_at: dict[str, int] | None = None,
        boards: bool = True,
    ) -> BatchStats:
        """Project every log's new events; returns when all are caught up.

        Leaderboards are recomputed after each batch (``recompute_boards``), or once at the end
        (a rebuild), or not at all (``boards=False``: checkpoints). ``stop_at`` limits each
        log to a position (as-of replays).
        """
        stats = BatchStats()
        started = time.perf_counter()
        positions = self.positions()
        projection = Projection(recall=self.recall)
        # Rows of earlier batches are committed; the projection reads them back when an event
        # changes one (a measure completed, a score corrected).
        projection.db_lookup = self.lookup
        pending: list[tuple[str, int]] = []  # (log, last position) in the current batch
        count = 0
        live = stop_at is None

        def fetch(log: str, position: int, want: int) -> list[StoredNotification]:
            limit = None if stop_at is None else stop_at.get(log, 0)
            if limit is not None and position >= limit:
                return []
            return list(self.logs.notifications(log, position, want, stop=limit))

        for log, whole in self._first_chunks(positions, stop_at):
            position = positions.get(log, 0)
            while True:
                want = self.batch_size - count
                if whole is not None:
                    notifications, want = whole, len(whole) + 1  # everything; no more to read
                else:
                    notifications = fetch(log, position, want)
                self._project(projection, log, notifications)
                if notifications:
                    position = notifications[-1].id
                    count += len(notifications)
                    pending = [p for p in pending if p[0] != log] + [(log, position)]
                if count >= self.batch_size:
                    self._commit(projection, pending, "touched" if recompute_boards else "none")
                    self._tell_erased(projection, live)
                    stats.events += count
                    stats.batches += 1
                    progress(count)
                    count, pending = 0, []
                if len(notifications) < want:
                    break
        final = "touched" if recompute_boards else ("all" if boards else "none")
        if pending or final == "all":
            self._commit(projection, pending, final)
            self._tell_erased(projection, live)
            stats.events += count
            stats.batches += 1 if pending else 0
            progress(count)
        stats.seconds = time.perf_counter() - started
        return stats

    def _project(
        self, projection: Projection, log: str, notifications: Sequence[StoredNotification]
    ) -> None:
        decoded = [
            (BY_TOPIC.get(n.topic), decode_state(n.state), n.originator_id) for n in notifications
        ]
        members: list[Decoded] = [d for d in decoded if d[0] in MEMBER_EVENTS]
        if members:
            # Sealed personal fields opened, with one key lookup for the chunk (or the erased
            # placeholder: the projection sees what a view shows).
            self.logs.open_personal(log, members)
        for n, (event, data, _) in zip(notifications, decoded, strict=True):
            handler = HANDLERS.get(event)  # type: ignore[arg-type]
            if handler is not None:
                handler(projection, log, str(n.originator_id), n.originator_version, data)
            day = data["timestamp"].astimezone(LOCAL).date().isoformat()
            projection.put("rm_time_index", tenant=log, day=day, position=n.id)

    def _first_chunks(
        self, positions: dict[str, int], stop_at: dict[str, int] | None
    ) -> Iterator[tuple[str, list[StoredNotification] | None]]:
        """Each log with all of its notifications up to ``stop_at`` when that is known and the
        port reads many logs at once (PostgreSQL), read for 25 logs per query: an as-of replay
        reads a little of every log, and one round trip per log made it wait most of its time.
        Otherwise None, and the caller reads the log in chunks itself."""
        followed = self.followed()
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

    def _commit(self, projection: Projection, pending: list[tuple[str, int]], boards: str) -> None:
        """Rows, tracking positions and leaderboards in one transaction.

        ``boards``: "touched" recomputes the campaigns this batch touched, "all" every
        campaign (the last batch of a rebuild, so a rebuild that dies before its end never
        leaves committed positions with no boards), "none" skips them (checkpoints).
        """
        with self.db.transaction() as tx:
            projection.flush(tx)
            tx.executemany(
                "INSERT INTO rm_tracking (tenant, position) VALUES (?, ?) "
                "ON CONFLICT (tenant) DO UPDATE SET position = excluded.position",
                pending,
            )
            if boards == "all":
                campaigns = board_store.campaigns_of(tx, set(self._all_tenants(tx)))
            elif boards == "touched":
                campaigns = board_store.campaigns_of(tx, projection.touched)
            else:
                campaigns = set()
            for committee, year in sorted(campaigns):
                board_store.store(tx, committee, year)
            projection.touched.clear()

    def lookup(self, table: str, key: tuple[Any, ...]) -> Row | None:
        """A stored row by its primary key (``table``), or by a key of :data:`LOOKUPS`."""
        sql, columns = LOOKUPS[table] if table in LOOKUPS else ROW_LOOKUPS[table]
        with self.db.read() as tx:
            rows = tx.query(sql, key)
        return dict(zip(columns, rows[0], strict=True)) if rows else None
