"""The tenant application: one eventsourcing Application over one tenant's own log."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    InfrastructureFactory,
    JSONTranscoder,
    Mapper,
    RecordConflictError,
)
from eventsourcing.utils import get_topic

from cxzy_saas.application.observe import Observer, count_commands
from cxzy_saas.application.permissions import authorize
from cxzy_saas.application.seen import seen_now
from cxzy_saas.domain.commendation import BranchCommendation, Commendation
from cxzy_saas.domain.errors import ConcurrentModification, NotFound
from cxzy_saas.domain.evidence import Evidence
from cxzy_saas.domain.recording import Actor, Clock, recording, system_clock
from cxzy_saas.logs import decoding
from cxzy_saas.storage import finality
from cxzy_saas.storage.personal import KeyRing, personal_mapper
from cxzy_saas.storage.recorders import Stored
from cxzy_saas.storage.stores import APP_NAME, Store

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
_HEAD = object()  # the key of the head a kept dict was read at


def holds_copies(aggregate: Aggregate) -> bool:
    """Whether ``aggregate``'s state holds a copy of a member's personal data, sealed in storage
    with that member's key: the commendations (the committee's, a branch's own) name the
    members they commend; an evidence file
    on an item about a member has its file name. Such aggregates are never served from the
    aggregate cache: the cache is per process, the copy gets no event of its own when the member
    is erased, and an erasure made by another process must show at once. A member itself may be
    cached: its erasure is an event of its own, which the cache's fast-forward applies."""
    if isinstance(aggregate, Commendation | BranchCommendation):
        return True
    return isinstance(aggregate, Evidence) and aggregate.level == "member"


# What the commands of the current context wrote: log -> the last position written there. A web
# request sets it to a dict to learn where its writes went (read-your-writes, decision 0019).
WRITTEN: ContextVar[dict[str, int] | None] = ContextVar("cxzy_written", default=None)


class TenantApplication(Application[UUID]):
    """Commands are short: authorise, load, decide, save (all events of a command in one
    transaction). Infrastructure errors are translated to domain errors here, once."""

    name = APP_NAME
    # Told of each command's kind, outcome and seconds (the web's metrics); set by the tenancy.
    observer: Observer | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        count_commands(cls)

    def __init__(self, tenant: str, store: Store, clock: Clock = system_clock) -> None:
        self.tenant = tenant
        self._store = store
        self.clock = clock
        # The library's aggregate cache (fast-forwarded from the store on every get, so other
        # processes' writes are seen) saves decoding a member's or a plan's events again and again.
        super().__init__(env={**store.env_for(tenant), "AGGREGATE_CACHE_MAXSIZE": "500"})

    def construct_factory(self, env: Any) -> InfrastructureFactory[Any]:
        return self._store.factory(env)

    def construct_mapper(self) -> Mapper[UUID]:
        # Members' personal fields are sealed with per-member keys (storage/personal.py);
        # the library's per-application cipher and compressor still apply, when configured.
        self.personal_keys = KeyRing(self._store, self.tenant)
        return personal_mapper(
            self.construct_transcoder(),
            self.factory.cipher(),
            self.factory.compressor(),
            self.personal_keys,
            self.tenant,
        )

    def close(self) -> None:
        self.personal_keys.close()
        super().close()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        decoding.register(transcoder)  # what readers of the logs decode with (logs/decoding.py)

    @contextmanager
    def acting(self, actor: Actor, roles: Iterable[str]) -> Iterator[None]:
        """Authorise ``actor`` and stamp the events it triggers inside the block."""
        authorize(actor, self.tenant, roles)
        with recording(self.tenant, actor, self.clock):
            yield

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save all pending events of ``objs`` in one transaction; notes the position written
        in :data:`WRITTEN` when its caller watches.

        Raises:
            ConcurrentModification: when another writer saved one of the aggregates first,
                or the committee made the year final after the command found it writable
                (nothing of this command is written).
        """
        try:
            with self.guard_save(objs):
                recordings = super().save(*objs, **kwargs)
        except finality.FinalisedMeanwhile:
            raise ConcurrentModification("year.final_meanwhile") from None
        except finality.Finalising:
            raise ConcurrentModification("year.finalising") from None
        except RecordConflictError:
            raise ConcurrentModification("record.changed_meanwhile") from None
        if not recordings:
            return recordings
        position = max(r.notification.id for r in recordings)
        written = WRITTEN.get()
        if written is not None:
            written[self.tenant] = max(written.get(self.tenant, 0), position)
        seen = seen_now()
        if seen is not None:
            first = min(r.notification.id for r in recordings)
            earlier = seen.heads.get(self.tenant)
            if earlier is not None and first != earlier + 1:
                # Another writer appended since this request saw the log: what the request
                # saved before may be stale now (a campaign closed meanwhile), and its head
                # moves past that writer's events.
                seen.saved.clear()
            self._keep_past(earlier, first, position, objs)
            seen.heads[self.tenant] = position
            seen.saved.update((o.id, o) for o in objs if not holds_copies(o))
        return recordings

    def _keep_past(self, seen: int | None, first: int, last: int, saved: Iterable[Any]) -> None:
        """After this process wrote positions ``first``..``last`` of the log it had seen at
        ``seen``: when nobody wrote in between (``first`` follows ``seen``), the aggregates
        kept at ``seen`` that this write did not change are still as they were, and are kept
        at ``last`` (a clerk's next record reads the member and the plan from memory). What
        was derived from several aggregates is read again."""
        kept: dict[Hashable, Any] | None = self.__dict__.get("_kept")
        if kept is None or seen is None or kept.get(_HEAD) != seen or first != seen + 1:
            return
        changed = {o.id for o in saved}
        self.__dict__["_kept"] = {
            _HEAD: last,
            **{k: v for k, v in kept.items() if isinstance(v, Aggregate) and v.id not in changed},
        }

    def guard_save(self, objs: Iterable[Any]) -> contextlib.AbstractContextManager[None]:
        """Refuse a save that would write to a year that is final (``application/final.py``),
        and make it under the condition that no year became final meanwhile; nothing to guard
        in a log without campaign years."""
        return contextlib.nullcontext()

    @contextmanager
    def finalising(self, year: int, branch: str | None = None) -> Iterator[None]:
        """Around a command of this committee that makes a year final (the close, for
        ``year``) or a branch-year (a seal or an amendment's end, for ``branch``): holds that
        lock exclusively from before it reads the branches until its save has committed, and
        has the branches' heads asked anew under it, so that it sees every write about the
        year that a branch committed before it (``storage/finality.py``).

        Raises:
            ConcurrentModification: ``year.finalising``, the lock stayed taken (another such
                command running).
        """
        lock = finality.lock_name(self.tenant, year, branch)
        if finality.holds(lock):
            yield
            return
        try:
            with self._store.finalising(lock):
                seen = seen_now()
                if seen is not None:
                    seen.heads.clear()
                yield
        except finality.Finalising:
            raise ConcurrentModification("year.finalising") from None

    def command_guard(self, kind: str, command: Any) -> contextlib.AbstractContextManager[None]:
        """Around every command method (``observe.counted``): refuse a command about a year
        that is final before it runs (``application/final.py``)."""
        return contextlib.nullcontext()

    def load(self, cls: type[A], aggregate_id: UUID, code: str, /, **params: Any) -> A:
        """Raises NotFound ``code`` unless an aggregate of ``cls`` has ``aggregate_id``."""
        seen = seen_now()
        if seen is not None and isinstance(seen.saved.get(aggregate_id), cls):
            return seen.saved[aggregate_id]  # saved just now
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(code, **params) from None
        self._uncache(aggregate)
        if not isinstance(aggregate, cls):
            raise NotFound(code, **params)
        return aggregate

    def peek(self, cls: type[A], aggregate_id: UUID, code: str, /, **params: Any) -> A:
        """As :meth:`load`, but the aggregate as the cache holds it, not a deep copy of it: for
        a caller that only reads it (a large aggregate such as a plan with all its versions
        cost a deep copy of every version at each command, decision 0019). Never change and
        save what this returns. Inside a request, kept while the log's head stays where it
        was (:meth:`kept`): a clerk's commands read the same member and plan again and again."""

        def get() -> Aggregate:
            return self.repository.get(aggregate_id, deepcopy_from_cache=False)

        try:
            aggregate = self.kept(("peek", aggregate_id), get) if seen_now() else get()
        except AggregateNotFoundError:
            raise NotFound(code, **params) from None
        self._uncache(aggregate)
        if not isinstance(aggregate, cls):
            raise NotFound(code, **params)
        return aggregate

    def _uncache(self, aggregate: Aggregate) -> None:
        if holds_copies(aggregate) and self.repository.cache is not None:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(aggregate.id, evict=True)

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

    def seen_head(self) -> int:
        """The log's head as the current request or command first saw it (:class:`Seen`);
        asked anew each time outside any."""
        seen = seen_now()
        if seen is None:
            return self.head()
        if self.tenant not in seen.heads:
            wanted = [t for t in self.heads_asked_with() if t not in seen.heads]
            seen.heads.update(self._store.recorded_heads(wanted))
        if self.tenant not in seen.heads:  # a log not written since heads were recorded
            seen.heads[self.tenant] = self.head()
        return seen.heads[self.tenant]

    def heads_asked_with(self) -> list[str]:
        """The logs whose heads a request of this log will want: asked in one query."""
        return [self.tenant]

    def kept(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()``, kept while this log's head stays where it was: a request asks for the
        head once (one indexed query) rather than loading the aggregates it reads of this log
        (an account at each sign-in check, the campaign and seals at each branch command,
        decision 0019). What is kept is only read, never changed and saved."""
        head = self.seen_head()
        kept: dict[Hashable, Any] = self.__dict__.get("_kept", {})
        if kept.get(_HEAD) != head:
            kept = self.__dict__["_kept"] = {_HEAD: head}
        if key not in kept:
            kept[key] = read()
        found: T = kept[key]
        return found

    def answer_to(self, user: str, key: str) -> Stored | None:
        """What an earlier command of ``user`` under the idempotency ``key`` answered, when its
        claim is in this log (``status`` None: claimed, answer not kept)."""
        found: Stored | None = self.recorder.idempotent_lookup(user, key)  # type: ignore[attr-defined]
        return found


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
