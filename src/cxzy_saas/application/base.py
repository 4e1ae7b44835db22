"""The tenant application: one eventsourcing Application over one tenant's own log."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    InfrastructureFactory,
    JSONTranscoder,
    RecordConflictError,
    Transcoding,
)
from eventsourcing.utils import get_topic

from cxzy_saas.application.permissions import authorize
from cxzy_saas.application.stores import APP_NAME, Store
from cxzy_saas.domain.errors import ConcurrentModification, NotFound
from cxzy_saas.domain.recording import Actor, Clock, recording, system_clock

A = TypeVar("A", bound=Aggregate)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class TenantApplication(Application[UUID]):
    """Commands are short: authorise, load, decide, save (all events of a command in one
    transaction). Infrastructure errors are translated to domain errors here, once."""

    name = APP_NAME

    def __init__(self, tenant: str, store: Store, clock: Clock = system_clock) -> None:
        self.tenant = tenant
        self._store = store
        self.clock = clock
        # The library's aggregate cache (fast-forwarded from the store on every get, so other
        # processes' writes are seen) saves decoding a member's or a plan's events again and again.
        super().__init__(env={**store.env_for(tenant), "AGGREGATE_CACHE_MAXSIZE": "500"})

    def construct_factory(self, env: Any) -> InfrastructureFactory[Any]:
        return self._store.factory(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @contextmanager
    def acting(self, actor: Actor, roles: Iterable[str]) -> Iterator[None]:
        """Authorise ``actor`` and stamp the events it triggers inside the block."""
        authorize(actor, self.tenant, roles)
        with recording(self.tenant, actor, self.clock):
            yield

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save all pending events of ``objs`` in one transaction.

        Raises:
            ConcurrentModification: when another writer saved one of the aggregates first
                (nothing of this command is written).
        """
        try:
            return super().save(*objs, **kwargs)
        except RecordConflictError:
            raise ConcurrentModification(
                "someone else changed this record first; reload and try again"
            ) from None

    def load(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        """Raises NotFound unless an aggregate of ``cls`` has ``aggregate_id``."""
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{what} not found") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what} not found")
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository

    def ids_created_by(self, *event_classes: Any) -> list[UUID]:
        """Ids of the aggregates whose creation events are of ``event_classes``, in log order."""
        topics = [get_topic(cls) for cls in event_classes]
        ids: list[UUID] = []
        start = 1
        while True:
            batch = self.recorder.select_notifications(start, 1000, topics=topics)
            ids.extend(UUID(str(n.originator_id)) for n in batch)
            if len(batch) < 1000:
                return ids
            start = batch[-1].id + 1

    def history(self, aggregate_id: UUID) -> list[dict[str, Any]]:
        """Every event of one aggregate, oldest first: what, who, when, and the fields."""
        return [event_as_dict(e) for e in self.events.get(aggregate_id)]

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0


def event_name(event: Any) -> str:
    return type(event).__qualname__.replace(".", "")


def event_as_dict(event: Any) -> dict[str, Any]:
    fields = {
        k: v
        for k, v in event.__dict__.items()
        if k not in ("originator_id", "originator_version", "timestamp", "originator_topic")
        and k not in ("tenant", "actor")
    }
    return {
        "event": event_name(event),
        "aggregate": event.originator_id,
        "version": event.originator_version,
        "recorded_at": event.timestamp,
        "tenant": event.tenant,
        "actor": event.actor,
        "fields": fields,
    }
