"""The read port for logs (``logs/port.py``) over the tenancy: its applications' recorders, the
stores' bulk reads and the per-member keys.

Applications are fetched one at a time as they are needed: the tenancy keeps only a bounded
number open and closes the least recently used, so following a thousand logs holds a few.

A port may be of one cell (``cell``): its tenants are then only the committees of that cell
and their branches (with the registry's log, which every cell's read models follow), which is
what that cell's projector and as-of replays read. Without a cell it reads every log of every
cell (audits, which name the logs they read).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.logs.port import REGISTRY, Decoded, StoredNotification, Tenant
from cxzy_saas.storage.personal import KeyRing, open_values, sites, wanted_keys
from cxzy_saas.storage.recorders import SQLiteIdempotentRecorder
from cxzy_saas.storage.stores import PostgresStore


class TenancyLogs:
    """The tenancy's logs, read through the port."""

    def __init__(self, tenancy: Tenancy, cell: str | None = None) -> None:
        self.tenancy = tenancy
        self.cell = cell
        self.reads_many_at_once = isinstance(tenancy.store, PostgresStore)
        self._kinds: dict[str, str] = {}  # code -> "committee" | "branch", as learnt
        self._heads: dict[str, tuple[list[tuple[int, int]], int]] = {}  # SQLite: file stamps
        self._rings: dict[int, KeyRing] = {}  # per PostgreSQL store: members' keys of its logs

    def tenants(self) -> list[Tenant]:
        found = [Tenant(t.code, t.name, t.kind, t.parent) for t in self.tenancy.tenants(self.cell)]
        self._kinds.update((t.code, t.kind) for t in found)
        return found

    def committees(self) -> list[str]:
        return self.tenancy.committees(self.cell)

    def branches(self, committee: str) -> list[str]:
        found = self.tenancy.branches_of(committee)
        self._kinds[committee] = "committee"
        self._kinds.update((code, "branch") for code in found)
        return found

    def app(self, log: str) -> TenantApplication:
        """Raises NotFound unless ``log`` is the registry's, a committee's or a branch's."""
        if log == REGISTRY:
            return self.tenancy.registry()
        # A committee is opened as one directly: asking the tenancy for a branch of that code
        # first would read every committee's branches to learn it is none.
        if self._kinds.get(log) == "committee":
            return self.tenancy.committee(log)
        try:
            app: TenantApplication = self.tenancy.branch(log)
            self._kinds[log] = "branch"
        except NotFound:
            app = self.tenancy.committee(log)
            self._kinds[log] = "committee"
        return app

    def notifications(
        self, log: str, after: int, limit: int, stop: int | None = None
    ) -> Sequence[StoredNotification]:
        store = self._store_of_known(log)
        if store is not None:
            return store.notifications(log, after, limit, stop)
        recorder = self.app(log).recorder
        if isinstance(recorder, SQLiteIdempotentRecorder):
            return recorder.notifications(after, limit, stop)
        return recorder.select_notifications(after + 1, limit, stop=stop)

    def _store_of_known(self, log: str) -> PostgresStore | None:
        """The PostgreSQL store of a log this port knows, which reads it with no application
        opened (opening one per log costs more than reading it, and a cell of thousands of
        logs cannot keep them all open); None where the application must be asked."""
        if self.reads_many_at_once and (log == REGISTRY or log in self._kinds):
            store = self.tenancy.store_of(log)
            if isinstance(store, PostgresStore):
                return store
        return None

    def _by_store(self, logs: Sequence[str]) -> list[tuple[Any, list[str]]]:
        """``logs`` grouped by the store of their cell (the registry's is the default cell's)."""
        groups: dict[int, tuple[Any, list[str]]] = {}
        for log in logs:
            store = self.tenancy.store_of(log)
            groups.setdefault(id(store), (store, []))[1].append(log)
        return list(groups.values())

    def notifications_between(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[str, list[StoredNotification]]:
        if self.reads_many_at_once:
            wanted = {log: (log, after, upto) for log, after, upto in ranges}
            found: dict[str, list[StoredNotification]] = {}
            for store, logs in self._by_store(list(wanted)):
                # The library's notifications are stored notifications (a list is invariant).
                found.update(
                    cast(
                        dict[str, list[StoredNotification]],
                        store.notifications_between([wanted[log] for log in logs]),
                    )
                )
            return found
        return {
            log: list(self.notifications(log, after, upto - after, stop=upto))
            if upto > after
            else []
            for log, after, upto in ranges
        }

    def notifications_of(self, log: str, aggregates: Sequence[str]) -> list[StoredNotification]:
        store = self.tenancy.store_of(log)
        if isinstance(store, PostgresStore):
            return list(store.notifications_of(log, aggregates))
        recorder = cast(SQLiteIdempotentRecorder, self.app(log).recorder)  # the embedded store
        return list(recorder.notifications_of(aggregates))

    def events(self, log: str, aggregate: UUID) -> list[Any]:
        return list(self.app(log).events.get(aggregate))

    def head(self, log: str) -> int:
        return self.app(log).head()

    def heads(self, logs: Sequence[str]) -> dict[str, int]:
        """One query per cell the logs live in (PostgreSQL), a ``stat`` per log (SQLite)."""
        heads: dict[str, int] = {}
        for store, group in self._by_store(logs):
            if isinstance(store, PostgresStore):
                found = store.heads(group)
                # A log last written before the heads table existed: asked once, then its
                # next append writes its head.
                heads.update((log, found[log] if log in found else self.head(log)) for log in group)
            else:
                heads.update((log, self._file_head(log, store)) for log in group)
        return {log: heads[log] for log in logs}

    def _file_head(self, log: str, store: Any) -> int:
        """SQLite keeps one file per tenant, so no transaction can write a shared heads table
        with an append. A log's files (the database and its write-ahead log) change whenever
        it is written: the head is read again only when their size or time changed, or changed
        less than two seconds ago (a file time is coarser than a commit)."""
        path = store.path(log)
        stamp = []
        for name in (path, path.with_name(path.name + "-wal")):
            try:
                info = name.stat()
            except FileNotFoundError:
                stamp.append((0, 0))
                continue
            stamp.append((info.st_mtime_ns, info.st_size))
        newest = max(t for t, _ in stamp) / 1e9
        known = self._heads.get(log)
        if known is not None and known[0] == stamp and time.time() - newest > 2.0:
            return known[1]
        head = self.head(log)
        self._heads[log] = (stamp, head)
        return head

    def open_personal(self, log: str, decoded: Sequence[Decoded]) -> None:
        found = [
            site for cls, data, aggregate in decoded for site in sites(cls, data, log, aggregate)
        ]
        if not found:
            return
        # The keys of all these events' members in one query, not one per event (a rebuild
        # keeps its rate).
        store = self._store_of_known(log)
        if store is None:
            keys = self.app(log).personal_keys
        else:
            keys = self._rings.get(id(store)) or KeyRing(store, "")  # no connection held
            self._rings[id(store)] = keys
        open_values(found, keys.lookup(wanted_keys(found)))
