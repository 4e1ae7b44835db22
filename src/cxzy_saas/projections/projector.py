"""The projector: follows every tenant log, exactly once, in batches.

For each batch it reads new notifications from one or more tenant logs, applies them to the
projection, and writes the read-model rows, the tracking position of every tenant in the batch
and the recomputed leaderboards in one transaction. A crash loses the whole batch or none of
it; the next run starts from the positions that were committed with the rows, so no event is
counted twice or lost.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.storage.personal import Keys, open_values, sites
from cxzy_saas.storage.stores import REGISTRY, PostgresStore
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.organisation import erased_value
from cxzy_saas.projections import boards as board_store
from cxzy_saas.projections.db import (
    TABLES,
    PostgresReadModel,
    ReadModelDB,
    SQLiteReadModel,
    Tx,
)
from cxzy_saas.projections.projection import Event, Projection, decode_state, event_name

LOCAL = timezone(timedelta(hours=8))  # days are the committee's days (China Standard Time)

LOOKUPS = {
    "rm_subjects_by_aggregate": "SELECT tenant, level, subject FROM rm_subjects "
    "WHERE tenant = ? AND aggregate = ?",
    "rm_plans_by_aggregate": "SELECT tenant, year FROM rm_plans WHERE tenant = ? AND aggregate = ?",
    "rm_plan_version_count": "SELECT MAX(version) FROM rm_plan_versions "
    "WHERE tenant = ? AND year = ?",
    "rm_assessments_by_aggregate": "SELECT tenant, year, level, subject, period "
    "FROM rm_assessments WHERE tenant = ? AND aggregate = ?",
}


def open_read_model(tenancy: Tenancy) -> ReadModelDB:
    store = tenancy.store
    if isinstance(store, PostgresStore):
        return PostgresReadModel(store.connection)
    return SQLiteReadModel(tenancy.settings.data_dir / "projections.sqlite3")


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


class Projector:
    def __init__(self, tenancy: Tenancy, db: ReadModelDB, batch_size: int = 5000) -> None:
        self.tenancy = tenancy
        self.db = db
        self.batch_size = batch_size

    # the tenants to follow

    def tenants(self) -> list[tuple[str, str]]:
        """(code, kind) of every log, the registry first, each committee before its branches.

        Applications are fetched one at a time as they are needed: the tenancy keeps only a
        bounded number open and closes the least recently used."""
        return [(REGISTRY, "registry")] + [(t.code, t.kind) for t in self.tenancy.tenants()]

    def app(self, tenant: str, kind: str | None = None) -> TenantApplication:
        if tenant == REGISTRY:
            return self.tenancy.registry()
        if kind == "committee":
            return self.tenancy.committee(tenant)
        try:
            return self.tenancy.branch(tenant)
        except NotFound:
            return self.tenancy.committee(tenant)

    def positions(self) -> dict[str, int]:
        with self.db.transaction() as tx:
            return {t: int(p) for t, p in tx.query("SELECT tenant, position FROM rm_tracking")}

    def recall(self, tenant: str, aggregate: str) -> list[Event]:
        """An aggregate's earlier events, for facts the projection needs after a restart."""
        from uuid import UUID

        app = self.app(tenant)
        return [(type(e).__qualname__, {**e.__dict__}) for e in app.events.get(UUID(aggregate))]

    # running

    def catch_up(
        self,
        progress: Callable[[int], None] = lambda n: None,
        recompute_boards: bool = True,
        stop_at: dict[str, int] | None = None,
        boards: bool = True,
    ) -> BatchStats:
        """Project every tenant's new events; returns when all are caught up.

        Leaderboards are recomputed after each batch (``recompute_boards``), or once at the end
        (a rebuild), or not at all (``boards=False``: checkpoints). ``stop_at`` limits each
        tenant to a position (as-of replays).
        """
        stats = BatchStats()
        started = time.perf_counter()
        positions = self.positions()
        projection = Projection(recall=self.recall)
        # Rows of earlier batches are committed; the projection reads them back when an event
        # changes one (a measure completed, a score corrected).
        projection.db_lookup = self.lookup
        pending: list[tuple[str, int]] = []  # (tenant, last position) in the current batch
        count = 0
        time_index = projection.rows["rm_time_index"]

        def fetch(tenant: str, kind: str, position: int, want: int) -> list[Any]:
            limit = None if stop_at is None else stop_at.get(tenant, 0)
            if limit is not None and position >= limit:
                return []
            return list(
                self.app(tenant, kind).recorder.select_notifications(position + 1, want, stop=limit)
            )

        for tenant, kind, whole in self._first_chunks(fetch, positions, stop_at):
            position = positions.get(tenant, 0)
            while True:
                want = self.batch_size - count
                if whole is not None:
                    notifications, want = whole, len(whole) + 1  # everything; no more to read
                else:
                    notifications = fetch(tenant, kind, position, want)
                keys = self._personal_keys(tenant, kind, notifications)
                for n in notifications:
                    data = decode_state(n.state)
                    name = event_name(n.topic)
                    if keys is not None and name.startswith("Member."):
                        # Sealed personal fields, opened with the keys read for this chunk
                        # (or the erased placeholder: the projection sees what a view shows).
                        open_values(sites(name, data, tenant, n.originator_id), keys)
                    projection.handle(
                        tenant, str(n.originator_id), n.originator_version, name, data
                    )
                    day = data["timestamp"].astimezone(LOCAL).date().isoformat()
                    time_index[(tenant, day)] = [tenant, day, n.id]
                if notifications:
                    position = notifications[-1].id
                    count += len(notifications)
                    pending = [p for p in pending if p[0] != tenant] + [(tenant, position)]
                if count >= self.batch_size:
                    self._commit(projection, pending, "touched" if recompute_boards else "none")
                    self._forget_erased(projection, live=stop_at is None)
                    stats.events += count
                    stats.batches += 1
                    progress(count)
                    count, pending = 0, []
                if len(notifications) < want:
                    break
        final = "touched" if recompute_boards else ("all" if boards else "none")
        if pending or final == "all":
            self._commit(projection, pending, final)
            self._forget_erased(projection, live=stop_at is None)
            stats.events += count
            stats.batches += 1 if pending else 0
            progress(count)
        stats.seconds = time.perf_counter() - started
        return stats

    def _first_chunks(
        self,
        fetch: Callable[[str, str, int, int], list[Any]],
        positions: dict[str, int],
        stop_at: dict[str, int] | None,
    ) -> Iterator[tuple[str, str, list[Any] | None]]:
        """Each tenant with all of its notifications up to ``stop_at`` when that is known and
        the store is PostgreSQL, read for 25 tenants per query: an as-of replay reads a little
        of every log, and one round trip per log made it wait most of its time. Otherwise
        None, and the caller reads the log in chunks itself."""
        tenants = self.tenants()
        store = self.tenancy.store
        if stop_at is None or not isinstance(store, PostgresStore):
            for tenant, kind in tenants:
                yield tenant, kind, None
            return
        for group in _groups(tenants, 25):
            ranges = [
                (t, positions.get(t, 0), stop_at.get(t, 0))
                for t, _ in group
                if stop_at.get(t, 0) > positions.get(t, 0)
            ]
            found = store.notifications_between(ranges)
            for tenant, kind in group:
                yield tenant, kind, found.get(tenant, [])

    def _personal_keys(self, tenant: str, kind: str, notifications: list[Any]) -> Keys | None:
        """The keys of the members whose events are in this chunk, read in one query (not per
        event, so a rebuild keeps its rate); None when the chunk holds no member event."""
        wanted = {
            (tenant, str(n.originator_id))
            for n in notifications
            if event_name(n.topic).startswith("Member.")
        }
        if not wanted:
            return None
        return self.app(tenant, kind).personal_keys.lookup(wanted)

    def _forget_erased(self, projection: Projection, live: bool) -> None:
        """After an erasure is committed by the live projector, the as-of checkpoints (images
        of past read models, made before it) still hold the member's name: overwrite it there
        too, so that a replay from a checkpoint shows the member as erased like every other
        view. Replays (``live`` False) only read the checkpoints."""
        erased, projection.erased = projection.erased, []
        if not live or not erased:
            return
        from cxzy_saas.projections.asof import checkpoint_dir  # asof imports this module

        for image in sorted(checkpoint_dir(self.tenancy).glob("*.sqlite3")):
            conn = sqlite3.connect(image)
            try:
                conn.execute("PRAGMA secure_delete = ON")  # no old name left in freed pages
                with conn:
                    for tenant, member_no in erased:
                        conn.execute(
                            "UPDATE rm_subjects SET name = ? "
                            "WHERE tenant = ? AND level = 'member' AND subject = ?",
                            (erased_value("name"), tenant, member_no),
                        )
                        conn.execute(
                            "UPDATE rm_leaderboard SET name = ? "
                            "WHERE tenant = ? AND level = 'member' AND subject = ?",
                            (erased_value("name"), tenant, member_no),
                        )
            finally:
                conn.close()

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

    def lookup(self, table: str, key: tuple[Any, ...]) -> Any:
        if table in LOOKUPS:
            sql = LOOKUPS[table]
        else:
            columns, pk = TABLES[table]
            sql = f"SELECT {', '.join(columns)} FROM {table} WHERE " + " AND ".join(
                f"{k} = ?" for k in pk
            )
        with self.db.read() as tx:
            rows = tx.query(sql, key)
        return rows[0] if rows else None

    def rebuild(self, progress: Callable[[int], None] = lambda n: None) -> BatchStats:
        """Empty every read model and project all logs from the start."""
        with self.db.transaction() as tx:
            for table in TABLES:
                tx.execute(f"DELETE FROM {table}")
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
        for tenant, kind in self.tenants():
            head = self.app(tenant, kind).head()
            position = positions.get(tenant, 0)
            rows.append(
                {"tenant": tenant, "position": position, "head": head, "lag": head - position}
            )
        return rows
