"""Tenancy: which tenants exist, and their applications, opened on demand and cached.

The registry log lists committees; each committee's log lists its branches. A tenant
application is opened when first asked for and kept in a bounded LRU cache, so a deployment of a
thousand branches holds at most ``app_cache_size`` open applications, and on PostgreSQL at most
``max_connections`` connections whatever the number of applications.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar

from eventsourcing.persistence import PersistenceError

from cxzy_saas.application.base import TenantApplication
from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.committee import CommitteeApplication, RegistryApplication
from cxzy_saas.config import Settings
from cxzy_saas.domain.committee import check_tenant_code
from cxzy_saas.domain.errors import AlreadyExists, NotFound
from cxzy_saas.domain.organisation import Branch
from cxzy_saas.domain.recording import Actor, Clock, system_clock
from cxzy_saas.storage.stores import REGISTRY, PostgresStore, SQLiteStore, Store

T = TypeVar("T", bound=TenantApplication)

SYSTEM_ACTOR = Actor(user="system", role="system", tenant="*")


@dataclass(frozen=True)
class TenantInfo:
    code: str
    name: str
    kind: str  # "committee" or "branch"
    parent: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_store(settings: Settings) -> Store:
    if settings.database_url:
        return PostgresStore(
            settings.database_url, settings.max_connections, settings.connection_max_age
        )
    return SQLiteStore(settings.data_dir)


class Tenancy:
    def __init__(self, settings: Settings, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.store = make_store(settings)
        self.clock = clock
        self._apps: OrderedDict[str, TenantApplication] = OrderedDict()
        self._lock = threading.RLock()
        self._parents: dict[str, str] = {}  # branch code -> committee code
        self._committees: set[str] = set()

    def now(self) -> datetime:
        """The tenancy's clock, read at each event: the demo swaps in a simulated one."""
        return self.clock()

    # applications

    def registry(self) -> RegistryApplication:
        return self._app(REGISTRY, RegistryApplication)

    def committee(self, code: str) -> CommitteeApplication:
        """Raises NotFound unless ``code`` is a registered committee."""
        if code not in self._committees:
            # Committees are only ever added, so a hit in the cache needs no read.
            self._committees = set(self.registry().committees())
            if code not in self._committees:
                raise NotFound("committee.not_found", committee=code)
        return self._app(code, CommitteeApplication)

    def branch(self, code: str) -> BranchApplication:
        """Raises NotFound unless ``code`` is a branch registered by some committee."""
        self.parent_of(code)
        return self._app(code, BranchApplication)

    def parent_of(self, branch: str) -> str:
        if branch not in self._parents:
            self._refresh_parents()
        try:
            return self._parents[branch]
        except KeyError:
            raise NotFound("branch.not_found", branch=branch) from None

    def _refresh_parents(self) -> None:
        for code in self.registry().committees():
            for branch in self._app(code, CommitteeApplication).committee().branches:
                self._parents[branch] = code

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
        for attempt in range(3):
            try:
                self.store.prepare(code)
                app = cls(code, self.store, self.now)
                break
            except PersistenceError:
                if attempt == 2:
                    raise
        # Cross-tenant reads go through the tenancy, never through a held reference, so an
        # evicted application is reopened rather than used closed.
        if isinstance(app, BranchApplication):
            app.parent = lambda: self.committee(self.parent_of(code))
        if isinstance(app, CommitteeApplication):
            app.branch_app = self.branch
        return app

    # provisioning

    def tenants(self) -> list[TenantInfo]:
        result = []
        for code, name in self.registry().committees().items():
            result.append(TenantInfo(code, name, "committee", None))
            committee = self._app(code, CommitteeApplication).committee()
            for branch, branch_name in committee.branches.items():
                self._parents[branch] = code
                result.append(TenantInfo(branch, branch_name, "branch", code))
        return result

    def add_committee(self, code: str, name: str, actor: Actor = SYSTEM_ACTOR) -> None:
        """Register a committee and open its log.

        Raises:
            InvalidInput: malformed code or name.
            AlreadyExists: the code is taken by any tenant.
        """
        check_tenant_code(code)
        if code in self._taken():
            raise AlreadyExists("tenant.code_taken", field="code", code=code)
        self.registry().register_committee(actor, code, name)
        self._app(code, CommitteeApplication).open_committee(actor, name)

    def add_branch(self, committee: str, code: str, name: str, actor: Actor = SYSTEM_ACTOR) -> None:
        """Register a branch in its committee's log, then open the branch's own log.

        Raises:
            NotFound: unknown committee.
            InvalidInput: malformed code or name.
            AlreadyExists: the code is taken by any tenant.
        """
        registered = self.committee(committee).committee().branches
        if code in registered:
            branch = self._app(code, BranchApplication)
            if not branch.exists(Branch.id_for(code)):
                # Registered in the committee's log, but the process died before the branch's
                # own log was opened (two stores, no shared transaction): finish the job.
                self._parents[code] = committee
                branch.open_branch(actor, code, registered[code], committee)
                return
        self.committee(committee).register_branch(actor, code, name, self._taken())
        self._parents[code] = committee
        self._app(code, BranchApplication).open_branch(actor, code, name, committee)

    def _taken(self) -> set[str]:
        return {t.code for t in self.tenants()}

    def close(self) -> None:
        with self._lock:
            for app in self._apps.values():
                app.close()
            self._apps.clear()
            self.store.close()
