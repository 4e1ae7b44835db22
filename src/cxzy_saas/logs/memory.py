"""The read port over logs held in memory: for unit tests of the projector, the projection and
the audits, at the speed of the code under test (no database, no file).

Events are appended as the domain makes them (``record``) and stored as the library would store
them (the same transcoding, so readers decode the same bytes); the tenants are read off the
registry's and the committees' logs, as the tenancy reads them. Personal fields are kept in
plaintext; ``erase`` makes a member's read as erased, as destroying its key does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from cxzy_saas.domain import events
from cxzy_saas.domain.errors import NotFound
from cxzy_saas.domain.events import of_aggregate
from cxzy_saas.domain.organisation import PERSONAL_FIELDS, Member, erased_value
from cxzy_saas.logs.decoding import decode_state, transcoder
from cxzy_saas.logs.port import REGISTRY, Decoded, Notification, StoredNotification, Tenant


class MemoryLogs:
    def __init__(self, *, reads_many_at_once: bool = False) -> None:
        self.reads_many_at_once = reads_many_at_once
        self.logs: dict[str, list[Notification]] = {REGISTRY: []}
        self.erased: set[tuple[str, str]] = set()  # (log, member aggregate id)
        self._mapper: Mapper[UUID] = Mapper(transcoder=transcoder())

    # writing (tests only)

    def record(self, log: str, domain_events: Iterable[Any]) -> None:
        """Append events (an aggregate's ``collect_events()``) to ``log``, opening it."""
        found = self.logs.setdefault(log, [])
        for event in domain_events:
            stored = self._mapper.to_stored_event(event)
            found.append(
                Notification(
                    len(found) + 1,
                    UUID(str(stored.originator_id)),
                    stored.originator_version,
                    stored.topic,
                    stored.state,
                )
            )

    def erase(self, log: str, member: UUID) -> None:
        """Destroy the member's key, as it were: its personal fields read as erased."""
        self.erased.add((log, str(member)))

    # the port

    def tenants(self) -> list[Tenant]:
        found = []
        for n in self.logs[REGISTRY]:
            if events.BY_TOPIC.get(n.topic) is events.RegistryCommitteeRegistered:
                committee = decode_state(n.state)
                found.append(Tenant(committee["code"], committee["name"], "committee", None))
                for b in self.logs.get(committee["code"], []):
                    if events.BY_TOPIC.get(b.topic) is events.CommitteeBranchRegistered:
                        branch = decode_state(b.state)
                        found.append(
                            Tenant(branch["code"], branch["name"], "branch", committee["code"])
                        )
        return found

    def committees(self) -> list[str]:
        return [t.code for t in self.tenants() if t.kind == "committee"]

    def branches(self, committee: str) -> list[str]:
        return [t.code for t in self.tenants() if t.parent == committee]

    def _log(self, log: str) -> list[Notification]:
        try:
            return self.logs[log]
        except KeyError:
            raise NotFound("tenant.not_found", tenant=log) from None

    def notifications(
        self, log: str, after: int, limit: int, stop: int | None = None
    ) -> Sequence[StoredNotification]:
        end = len(self._log(log)) if stop is None else min(stop, len(self._log(log)))
        return self._log(log)[after : min(end, after + limit)]

    def notifications_between(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[str, list[StoredNotification]]:
        return {log: list(self._log(log)[after:upto]) for log, after, upto in ranges}

    def notifications_of(self, log: str, aggregates: Sequence[str]) -> list[StoredNotification]:
        wanted = {str(a) for a in aggregates}
        return [n for n in self._log(log) if str(n.originator_id) in wanted]

    def events(self, log: str, aggregate: UUID) -> list[Any]:
        found = []
        for n in self._log(log):
            if str(n.originator_id) == str(aggregate):
                stored = StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                event = self._mapper.to_domain_event(stored)
                if (log, str(aggregate)) in self.erased and of_aggregate(type(event), Member):
                    for field in PERSONAL_FIELDS:
                        if field in event.__dict__:
                            object.__setattr__(event, field, erased_value(field))
                found.append(event)
        return found

    def head(self, log: str) -> int:
        return len(self._log(log))

    def heads(self, logs: Sequence[str]) -> dict[str, int]:
        return {log: self.head(log) for log in logs}

    def open_personal(self, log: str, decoded: Sequence[Decoded]) -> None:
        for cls, data, aggregate in decoded:
            if of_aggregate(cls, Member) and (log, str(aggregate)) in self.erased:
                for field in PERSONAL_FIELDS:
                    if field in data:
                        data[field] = erased_value(field)
