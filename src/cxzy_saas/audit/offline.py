"""An archive's events replayed into the domain's aggregates, with no database and no application.

The verifier re-derives scores and documents from the archived events through the domain's own
aggregates and its pure scoring (``domain/ranking.py``: the one function that gathers a
branch-year's inputs and the one that ranks them, which the live application calls too). Export
renders its documents the same way, from the records it writes, so what export wrote is what
verify can recompute.

Events decode with the tenant applications' transcoding (``logs/decoding.py``) and no key ring:
members' personal fields that storage sealed with their own keys stay sealed values (never read
here: documents take display names from the bundle's names.json, and scores need only member
numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent

from cxzy_saas.audit.chain import Record
from cxzy_saas.domain import events
from cxzy_saas.domain.ballot import Ballot
from cxzy_saas.domain.events import EventClass, topic_of
from cxzy_saas.domain.organisation import Group, Member
from cxzy_saas.domain.work import Assessment, Measure
from cxzy_saas.logs.decoding import transcoder

A = TypeVar("A", bound=Aggregate)


class Offline:
    """One tenant's archived events, as aggregates: each rebuilt from its events when asked.

    Raises: IntegrityError for two records of one aggregate version, as an event store would;
    when an aggregate is asked for, eventsourcing's errors or a decoding error for records that
    are not a valid history (the verifier reports either as a mismatch).
    """

    def __init__(self, tenant: str, records: Sequence[Record]) -> None:
        self.tenant = tenant
        self.records = list(records)
        self._mapper: Mapper[UUID] = Mapper(transcoder=transcoder())
        self._of: dict[UUID, list[Record]] = {}
        seen: set[tuple[UUID, int]] = set()
        for r in self.records:
            aggregate = UUID(r.aggregate)
            if (aggregate, r.version) in seen:
                raise IntegrityError(f"two events of {aggregate} at version {r.version}")
            seen.add((aggregate, r.version))
            self._of.setdefault(aggregate, []).append(r)

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self._of

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate of ``aggregate_id`` if it is one of ``cls``, else None."""
        records = sorted(self._of.get(aggregate_id, []), key=lambda r: r.version)
        aggregate: Any = None
        for r in records:
            stored = StoredEvent(UUID(r.aggregate), r.version, r.topic, r.state)
            aggregate = self._mapper.to_domain_event(stored).mutate(aggregate)  # type: ignore[attr-defined]
        return aggregate if isinstance(aggregate, cls) else None

    def created_by(self, event: EventClass) -> list[UUID]:
        """Ids of the aggregates created by ``event``, in log order."""
        topic = topic_of(event)
        return [UUID(r.aggregate) for r in self.records if r.topic == topic]

    def all(self, cls: type[A], created_by: EventClass) -> list[A]:
        found = [self.get(cls, i) for i in self.created_by(created_by)]
        return [a for a in found if a is not None]

    # what a branch's scores are computed from (as the branch application gathers them)

    def assessments(self, year: int) -> list[Assessment]:
        return [a for a in self.all(Assessment, events.AssessmentRecorded) if a.year == year]

    def measures(self, year: int) -> list[Measure]:
        return [m for m in self.all(Measure, events.MeasureFiled) if m.year == year]

    def ballots(self, year: int) -> list[Ballot]:
        return [b for b in self.all(Ballot, events.BallotOpened) if b.year == year]

    def members(self) -> list[Member]:
        return [m for m in self.all(Member, events.MemberEnrolled) if m.active]

    def groups(self) -> list[Group]:
        return [g for g in self.all(Group, events.GroupFormed) if not g.dissolved]
