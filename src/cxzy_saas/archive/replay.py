"""The archived events replayed into in-memory applications, with no database.

The verifier re-derives scores and documents through the very applications the live system uses
(``BranchApplication.ranking`` and the domain's pure scoring functions behind it), run over the
library's in-memory recorder instead of SQLite or PostgreSQL. Export renders its documents the
same way, from the records it writes, so what export wrote is what verify can recompute.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, Mapper, StoredEvent

from cxzy_saas.application.branch import BranchApplication
from cxzy_saas.application.committee import CommitteeApplication
from cxzy_saas.archive.chain import Record


class MemoryStore:
    """A :class:`~cxzy_saas.application.stores.Store` over the library's in-memory recorder."""

    backend = "memory"

    def env_for(self, tenant: str) -> dict[str, str]:
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}

    def factory(self, env: Any) -> InfrastructureFactory[Any]:
        return InfrastructureFactory.construct(env)

    def exists(self, tenant: str) -> bool:
        return True

    def prepare(self, tenant: str) -> None:
        pass

    def location(self, tenant: str) -> str:
        return "memory"

    def close(self) -> None:
        pass


class _Offline:
    """Decode with the library's plain mapper: no key ring, no cipher. Members' personal fields
    that storage sealed with their own keys stay sealed values (never read here: documents take
    display names from the bundle's names.json, and scores need only member numbers)."""

    def construct_mapper(self: Any) -> Mapper[UUID]:
        return Mapper(transcoder=self.construct_transcoder())

    def close(self: Any) -> None:
        Application.close(self)


class OfflineBranch(_Offline, BranchApplication):
    pass


class OfflineCommittee(_Offline, CommitteeApplication):
    pass


def _load(app: Any, records: Sequence[Record]) -> None:
    # Records of one aggregate are in version order (log order), which is all the in-memory
    # recorder checks; positions are renumbered 1..n, which nothing downstream reads.
    app.recorder.insert_events(
        [StoredEvent(UUID(r.aggregate), r.version, r.topic, r.state) for r in records]
    )


def replay(
    committee: str,
    branch: str,
    branch_records: Sequence[Record],
    committee_records: Sequence[Record],
) -> tuple[BranchApplication, CommitteeApplication]:
    """In-memory applications of the branch and the committee holding just these records.

    Raises:
        eventsourcing's IntegrityError or a decoding error for records that are not a valid
        history (the verifier reports them as a mismatch).
    """
    store = MemoryStore()
    branch_app = OfflineBranch(branch, store)
    committee_app = OfflineCommittee(committee, store)
    _load(branch_app, branch_records)
    _load(committee_app, committee_records)
    committee_app.branch_app = lambda code: branch_app
    branch_app.parent = lambda: committee_app
    return branch_app, committee_app
