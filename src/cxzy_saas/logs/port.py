"""The read port for logs: what the projections and the audits read of the tenant logs.

Each tenant (a committee, a branch) owns one log, and the registry's log says which committees
exist. Readers of this port see, and need, only:

- the tenants: code, name, kind and parent (:meth:`Logs.tenants`);
- a log's notifications after a position, up to an optional stop, as stored (topic and state
  bytes: a reader decodes what it needs, and an archive hashes the bytes themselves);
- one aggregate's events, decoded, personal fields opened as a view shows them;
- a log's head;
- members' personal fields opened in events a reader decoded itself (:meth:`open_personal`).

The port knows nothing of applications, commands or stores: the implementation over the
tenancy (``application/readport.py``) and the in-memory one for tests (``memory.py``) do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from cxzy_saas.domain.events import EventClass

REGISTRY = "_registry"  # the registry's log: which committees exist (it is no tenant)


@dataclass(frozen=True)
class Tenant:
    code: str
    name: str
    kind: str  # "committee" or "branch"
    parent: str | None  # a branch's committee

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "kind": self.kind, "parent": self.parent}


class StoredNotification(Protocol):
    """One stored event as its log holds it (the library's ``Notification`` is one)."""

    @property
    def id(self) -> int: ...  # its position in the log, from 1, gap-free
    @property
    def originator_id(self) -> UUID | str: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


@dataclass(frozen=True)
class Notification:
    """A plain :class:`StoredNotification` (the in-memory logs hold these)."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


# An event a reader decoded itself: its class (None when unknown), its state, its aggregate.
Decoded = tuple[EventClass | None, dict[str, Any], UUID | str]


class Logs(Protocol):
    # True where one query reading many logs costs less than one per log (PostgreSQL): a
    # reader of a little of every log (an as-of replay) then asks notifications_between.
    reads_many_at_once: bool

    def tenants(self) -> list[Tenant]:
        """Every committee, each followed by its branches, in the order they were registered."""
        ...

    def committees(self) -> list[str]:
        """The committees' codes, in the order registered, read from the registry's log alone
        (a projector worker learns what there is without opening every committee's log)."""
        ...

    def branches(self, committee: str) -> list[str]:
        """The codes of ``committee``'s branches, read from that committee's log alone.

        Raises:
            NotFound: no such committee.
        """
        ...

    def notifications(
        self, log: str, after: int, limit: int, stop: int | None = None
    ) -> Sequence[StoredNotification]:
        """Up to ``limit`` notifications of ``log`` (a tenant's code, or :data:`REGISTRY`)
        with ``after < id`` (and ``id <= stop``), in log order.

        Raises:
            NotFound: no such tenant.
        """
        ...

    def notifications_between(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[str, list[StoredNotification]]:
        """For each ``(log, after, upto)``, the notifications with ``after < id <= upto``."""
        ...

    def notifications_of(self, log: str, aggregates: Sequence[str]) -> list[StoredNotification]:
        """Every event of ``aggregates`` (ids as text) in ``log``, with its position, in log
        order."""
        ...

    def events(self, log: str, aggregate: UUID) -> list[Any]:
        """One aggregate's events, decoded, oldest first; members' personal fields opened (or
        shown erased) as a view shows them."""
        ...

    def head(self, log: str) -> int:
        """The position of the log's last notification (0 for an empty log)."""
        ...

    def heads(self, logs: Sequence[str]) -> dict[str, int]:
        """The head of each of ``logs``, at a cost that follows the logs that moved rather than
        their number (an idle projector asks this every half second)."""
        ...

    def open_personal(self, log: str, decoded: Sequence[Decoded]) -> None:
        """Open, in place, the personal fields of members' events decoded from ``log``: the
        plaintext, or the erased placeholder once the member's key is destroyed."""
        ...
