"""Tenancy: which tenants exist, and their applications, opened on demand and cached.

The registry log lists committees; each committee's log lists its branches. A tenant
application is opened when first asked for and kept in a bounded LRU cache, so a deployment of a
thousand branches holds at most ``app_cache_size`` open applications, and on PostgreSQL at most
``max_connections`` connections per cell whatever the number of applications.

On PostgreSQL tenants live in cells (``docs/decisions/0014-cells.md``): a cell is one database,
named in the settings; the registry, in the default cell, says which cell holds each committee,
and a committee's branches live in its cell. Each cell has one bounded pool, opened when the
process first touches that cell, so a process that serves one cell never connects to another
(except the default cell, for the registry).

A request that reads other tenants' logs than its own (signing in asks every committee for the
account; finding an unknown branch's committee reads every committee's list) reads each through
``reaching``: a cell that is not configured here or gives no connection is skipped, and its
committees' users are told to try again (``Unavailable``, HTTP 503) while everybody else is
served. A cell that gave no connection is not asked again for ``connect_timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from eventsourcing.persistence import PersistenceError

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.committee import CommitteeApplication, RegistryApplication
from cxzy_saas.application.observe import Observer
from cxzy_saas.config import DEFAULT_CELL, Settings
from cxzy_saas.domain.committee import check_tenant_code
from cxzy_saas.domain.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    StateConflict,
    Unavailable,
)
from cxzy_saas.domain.organisation import Branch
from cxzy_saas.domain.recording import BEIJING, Actor, Clock, system_clock
from cxzy_saas.storage.evidence import files_for
from cxzy_saas.storage.jobs import JobStore, postgres_jobs, sqlite_jobs
from cxzy_saas.storage.stores import REGISTRY, PostgresStore, SQLiteStore, Store, unreachable

T = TypeVar("T", bound=TenantApplication)

# Seconds a cell is given to take a new connection when a request about other tenants asks
# (signing in), and how long a cell that took one is not asked again.
CELL_PROBE = 3.0
CELL_CHECKED = 5.0

SYSTEM_ACTOR = Actor(user="system", role="system", tenant="*")


@dataclass(frozen=True)
class TenantInfo:
    code: str
    name: str
    kind: str  # "committee" or "branch"
    parent: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_store(settings: Settings, url: str | None = None) -> Store:
    """The store of one cell: ``url``'s database (default: the default cell's), or the SQLite
    data folder."""
    url = url or settings.database_url
    store: Store
    if url:
        store = PostgresStore(
            url, settings.max_connections, settings.connection_max_age, settings.connect_timeout
        )
    else:
        store = SQLiteStore(settings.data_dir)
    # Where the tenants' evidence files go (decision 0023), chosen once per store.
    store.evidence_files = files_for(
        store, settings.evidence_store, settings.data_dir, settings.evidence_endpoint
    )
    return store


class Tenancy:
    def __init__(self, settings: Settings, clock: Clock = system_clock) -> None:
        """Raises ValueError: the settings' cells are inconsistent."""
        self.settings = settings
        self.cell_urls = settings.cell_urls()
        self.cells: list[str] = list(self.cell_urls) or [DEFAULT_CELL]
        self._stores: dict[str, Store] = {}
        self.clock = clock
        self._apps: OrderedDict[str, TenantApplication] = OrderedDict()
        self._lock = threading.RLock()
        self._parents: dict[str, str] = {}  # branch code -> committee code
        self._committees: set[str] = set()
        self._placed: dict[str, str] = {}  # committee -> cell, outside the default cell
        self._down: dict[str, float] = {}  # cell -> until when (monotonic) it is not asked
        self._up: dict[str, float] = {}  # cell -> until when it is taken as reachable
        self.store = self.cell_store(DEFAULT_CELL)  # the registry's
        self._secret: bytes | None = None
        self._jobs: JobStore | None = None
        # Told of every command the tenancy's applications run (``application/observe.py``).
        self.observer: Observer | None = None

    def server_secret(self) -> bytes:
        """The server's secret (ballot keys are derived from it), read once."""
        if self._secret is None:
            self._secret = self.settings.server_secret()
        return self._secret

    @property
    def jobs(self) -> JobStore:
        """The deployment's background jobs (``storage/jobs.py``), opened on first use."""
        with self._lock:
            if self._jobs is None:
                store = self.store
                if isinstance(store, PostgresStore):
                    self._jobs = postgres_jobs(store.connection)
                else:
                    self._jobs = sqlite_jobs(self.settings.data_dir)
            return self._jobs

    def initialised(self) -> bool:
        """Whether the deployment's registry exists (``cxzy init`` made it), read without
        creating anything."""
        return self.store.exists(REGISTRY)

    # cells

    def cell_store(self, cell: str) -> Store:
        """The store of ``cell``; its pool is opened when first used.

        Raises:
            InvalidInput: no cell of that name is configured.
        """
        with self._lock:
            store = self._stores.get(cell)
            if store is None:
                if cell not in self.cells:
                    raise InvalidInput(
                        "cell.unknown", field="cell", cell=cell, known=", ".join(self.cells)
                    )
                store = self._stores[cell] = make_store(self.settings, self.cell_urls.get(cell))
            return store

    def cell_of(self, code: str) -> str:
        """The cell holding ``code``'s log: the registry's is the default cell; a committee's
        is where the registry placed it; a branch's, its committee's.

        Raises:
            NotFound: no such committee or branch (``tenant.not_found``).
        """
        if code == REGISTRY:
            return DEFAULT_CELL
        if code not in self._committees and code not in self._parents:
            # Committees are only ever added and never move: a known one needs no read.
            self._refresh_committees()
        if code in self._committees:
            return self._placed.get(code, DEFAULT_CELL)
        try:
            parent = self.parent_of(code)
        except NotFound:
            raise NotFound("tenant.not_found", tenant=code) from None
        return self.cell_of(parent)

    def store_of(self, code: str) -> Store:
        """The store of the cell holding ``code``'s log (see :meth:`cell_of`).

        Raises:
            Unavailable: the registry places ``code`` in a cell this process has no settings
                for, or one that gave no connection lately.
        """
        return self._usable(self.cell_of(code))

    def _usable(self, cell: str) -> Store:
        """``cell``'s store, unless it is not configured here or marked down (Unavailable)."""
        if cell not in self.cells:
            raise Unavailable("cell.unconfigured", cell=cell)
        if time.monotonic() < self._down.get(cell, 0.0):
            raise Unavailable("cell.unavailable", cell=cell)
        return self.cell_store(cell)

    @contextlib.contextmanager
    def reaching(self, code: str) -> Iterator[None]:
        """Around a read of ``code``'s log that other tenants' users wait on too: the cell is
        asked first (at most every ``CELL_CHECKED`` seconds) whether it takes a connection
        within ``CELL_PROBE`` seconds, and one that does not, or that fails the read, is marked
        down for ``connect_timeout`` seconds.

        Raises:
            Unavailable: ``code``'s cell is not configured, is marked down, or gave no
                connection now.
        """
        cell = self.cell_of(code)
        store = self._usable(cell)
        if time.monotonic() >= self._up.get(cell, 0.0):
            probe = min(CELL_PROBE, self.settings.connect_timeout)
            if not store.reachable(probe):
                self._mark_down(cell)
                raise Unavailable("cell.unavailable", cell=cell)
            self._up[cell] = time.monotonic() + CELL_CHECKED
        try:
            yield
        except Exception as error:
            if not unreachable(error):
                raise
            self._mark_down(cell)
            raise Unavailable("cell.unavailable", cell=cell) from error

    def _mark_down(self, cell: str) -> None:
        with self._lock:
            self._down[cell] = time.monotonic() + self.settings.connect_timeout
            self._up.pop(cell, None)

    def unconfigured_cells(self) -> list[str]:
        """The cells the registry places committees in that this process has no settings
        for (CXZY_CELLS): their committees' users are refused here."""
        self._refresh_committees()
        return sorted(set(self._placed.values()) - set(self.cells))

    def cell_reachable(self, cell: str) -> bool:
        """Whether ``cell`` takes a connection within the probe's time (a cell marked down
        lately is not asked again)."""
        if time.monotonic() < self._down.get(cell, 0.0):
            return False
        if self.cell_store(cell).reachable(min(CELL_PROBE, self.settings.connect_timeout)):
            return True
        self._mark_down(cell)
        return False

    def _refresh_committees(self) -> dict[str, str]:
        """Read the registry: committee -> name; the placements cached."""
        committees, self._placed = self.registry().listing()
        self._committees = set(committees)
        return committees

    def now(self) -> datetime:
        """The tenancy's clock, read at each event: the demo swaps in a simulated one."""
        return self.clock()

    def today(self) -> date:
        """The committee's day by that clock (Beijing): the day its events are recorded on."""
        return self.clock().astimezone(BEIJING).date()

    # applications

    def registry(self) -> RegistryApplication:
        return self._app(REGISTRY, RegistryApplication)

    def committee(self, code: str) -> CommitteeApplication:
        """Raises NotFound unless ``code`` is a registered committee."""
        if code not in self._committees:
            # Committees are only ever added, so a hit in the cache needs no read.
            self._refresh_committees()
            if code not in self._committees:
                raise NotFound("committee.not_found", committee=code)
        return self._app(code, CommitteeApplication)

    def branch(self, code: str) -> BranchApplication:
        """Raises NotFound unless ``code`` is a branch registered by some committee."""
        self.parent_of(code)
        return self._app(code, BranchApplication)

    def about(self, code: str) -> None:
        """A request is about branch ``code`` (its URL names it): the heads it will read, its
        own log's and its committee's, asked in one query now (``seen_head``)."""
        with contextlib.suppress(NotFound, Unavailable):
            self.branch(code).seen_head()

    def parent_of(self, branch: str) -> str:
        """Raises NotFound: no committee has ``branch``; Unavailable: none of those that
        could be read has it, and some could not be."""
        missed: list[Unavailable] = []
        if branch not in self._parents:
            missed = self._refresh_parents()
        try:
            return self._parents[branch]
        except KeyError:
            if missed:
                raise missed[0] from None
            raise NotFound("branch.not_found", branch=branch) from None

    def _refresh_parents(self) -> list[Unavailable]:
        """Read every committee's branches; those of the committees that could not be read
        are left unknown, and the refusals returned."""
        missed = []
        for code in self.registry().committees():
            try:
                with self.reaching(code):
                    branches = self._app(code, CommitteeApplication).committee().branches
            except Unavailable as refused:
                missed.append(refused)
                continue
            for branch in branches:
                self._parents[branch] = code
        return missed

    def _app(self, code: str, cls: type[T]) -> T:
        with self._lock:
            app = self._apps.get(code)
            if app is None:
                app = self._open(code, cls)
                self._apps[code] = app
                while len(self._apps) > self.settings.app_cache_size:
                    _, evicted = self._apps.popitem(last=False)
                    evicted.close()
            else:
                self._apps.move_to_end(code)
            assert isinstance(app, cls)
            return app

    def _open(self, code: str, cls: type[T]) -> T:
        # Two processes opening a new tenant at once both run CREATE ... IF NOT EXISTS, and
        # PostgreSQL may then refuse one with a unique violation on its catalogue. The other
        # has created the tables by then, so opening again succeeds.
        store = self.store_of(code)
        for attempt in range(3):
            try:
                store.prepare(code)
                app = cls(code, store, self.now)
                break
            except PersistenceError as error:
                if attempt == 2 or unreachable(error):
                    raise
        # Cross-tenant reads go through the tenancy, never through a held reference, so an
        # evicted application is reopened rather than used closed.
        app.observer = lambda kind, outcome, seconds: self._observe(kind, outcome, seconds)
        if isinstance(app, BranchApplication):
            app.parent = lambda: self.committee(self.parent_of(code))
            app.server_secret = self.server_secret
        if isinstance(app, CommitteeApplication):
            app.branch_app = self.branch
        return app

    def _observe(self, kind: str, outcome: str, seconds: float) -> None:
        if self.observer is not None:
            self.observer(kind, outcome, seconds)

    # provisioning

    def tenants(self, cell: str | None = None) -> list[TenantInfo]:
        """Every committee followed by its branches, in the order registered; only those of
        ``cell`` when one is named (a worker of that cell opens no other cell's logs)."""
        result = []
        for code, name in self._refresh_committees().items():
            if cell is not None and self._placed.get(code, DEFAULT_CELL) != cell:
                continue
            result.append(TenantInfo(code, name, "committee", None))
            committee = self._app(code, CommitteeApplication).committee()
            for branch, branch_name in committee.branches.items():
                self._parents[branch] = code
                result.append(TenantInfo(branch, branch_name, "branch", code))
        return result

    def committees(self, cell: str | None = None) -> list[str]:
        """The committees' codes (of ``cell`` when one is named), from the registry alone."""
        return [
            code
            for code in self._refresh_committees()
            if cell is None or self._placed.get(code, DEFAULT_CELL) == cell
        ]

    def branches_of(self, committee: str) -> list[str]:
        """``committee``'s branches, from its log alone.

        Raises:
            NotFound: no such committee.
        """
        found = list(self.committee(committee).committee().branches)
        self._parents.update((code, committee) for code in found)
        return found

    def add_committee(
        self,
        code: str,
        name: str,
        actor: Actor = SYSTEM_ACTOR,
        cell: str = DEFAULT_CELL,
    ) -> None:
        """Register a committee in ``cell`` and open its log there.

        Raises:
            InvalidInput: malformed code or name, or a cell that is not configured.
            AlreadyExists: the code is taken by any tenant.
        """
        check_tenant_code(code)
        self.cell_store(cell)  # a configured cell, or refused before anything is written
        if code in self._taken():
            raise AlreadyExists("tenant.code_taken", field="code", code=code)
        # The default cell is where an unplaced committee lives: no event says so, and a
        # deployment without cells keeps the logs it always had.
        self.registry().register_committee(
            actor, code, name, None if cell == DEFAULT_CELL else cell
        )
        self._refresh_committees()
        self._app(code, CommitteeApplication).open_committee(actor, name)

    def add_branch(
        self,
        committee: str,
        code: str,
        name: str,
        actor: Actor = SYSTEM_ACTOR,
        cell: str | None = None,
    ) -> None:
        """Register a branch in its committee's log, then open the branch's own log, in the
        committee's cell (a committee never spans cells).

        Raises:
            NotFound: unknown committee.
            InvalidInput: malformed code or name.
            AlreadyExists: the code is taken by any tenant.
            StateConflict: ``cell`` is named and is not the committee's.
        """
        self.add_branches(committee, [(code, name)], actor, cell)

    def add_branches(
        self,
        committee: str,
        branches: Sequence[tuple[str, str]],
        actor: Actor = SYSTEM_ACTOR,
        cell: str | None = None,
    ) -> None:
        """:meth:`add_branch` for each (code, name), the deployment's codes read once (a
        manifest of hundreds of branches, not a scan of every tenant per branch).

        Raises:
            As :meth:`add_branch`; the branches before the refused one are added.
        """
        self.committee(committee)  # or NotFound
        home = self.cell_of(committee)
        if cell is not None and cell != home:
            raise StateConflict(
                "branch.other_cell", committee=committee, committee_cell=home, cell=cell
            )
        taken: set[str] | None = None
        for code, name in branches:
            registered = self.committee(committee).committee().branches
            if code in registered:
                branch = self._app(code, BranchApplication)
                if not branch.exists(Branch.id_for(code)):
                    # Registered in the committee's log, but the process died before the
                    # branch's own log was opened (two stores, no shared transaction): finish.
                    self._parents[code] = committee
                    branch.open_branch(actor, code, registered[code], committee)
                    continue
            if taken is None:
                taken = self._taken()
            self.committee(committee).register_branch(actor, code, name, taken)
            taken.add(code)
            self._parents[code] = committee
            self._app(code, BranchApplication).open_branch(actor, code, name, committee)

    def _taken(self) -> set[str]:
        return {t.code for t in self.tenants()}

    def close(self) -> None:
        with self._lock:
            for app in self._apps.values():
                app.close()
            self._apps.clear()
            if self._jobs is not None:
                self._jobs.close()
                self._jobs = None
            for store in self._stores.values():
                store.close()
