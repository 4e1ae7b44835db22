"""Who records an event, for which tenant, and when.

Every event in every log carries the tenant, the actor and the time it was recorded. Rather than
threading three arguments through every aggregate method, the application opens a
:func:`recording` context around each command; the base aggregate stamps each new event from it.
This is the one place a recorded time is set: the clock is injected here (the system clock in
production, a simulated clock for the demo and for trusted back-fills), and nothing else may
choose a timestamp. An event whose moment must not be kept (a ballot code spent: the minute of a
cast, beside the log's other events, would help tie it to a rater) is stamped with the start of
its day in Beijing time instead (:meth:`Recording.time`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from cxzy_saas.domain.errors import Forbidden

Clock = Callable[[], datetime]

# Days are the committee's days (China Standard Time, no daylight saving).
BEIJING = timezone(timedelta(hours=8))


def start_of_day(moment: datetime) -> datetime:
    """Midnight, Beijing time, of the day ``moment`` falls on (in Beijing)."""
    local = moment.astimezone(BEIJING)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def system_clock() -> datetime:
    return datetime.now(tz=UTC)


class SimulatedClock:
    """A clock that stands where it is put; used by trusted back-fills (the demo, migrations)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def __call__(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("simulated time must be timezone-aware")
        self._now = moment


ROLES = (
    "committee-admin",
    "committee-viewer",
    "auditor",
    "branch-secretary",
    "branch-clerk",
    "group-leader",
    "member",
    "rater",
    "system",
    "self",  # a user acting on their own account: signing out, changing their password
)


@dataclass(frozen=True)
class Actor:
    """A user acting in one role for one tenant."""

    user: str
    role: str
    tenant: str
    # For the role "member": the member number the user is, so that members act on their own
    # measures and summaries only.
    member: str | None = None
    # For the role "group-leader": the code of the party group the user leads (the grant names
    # it), so that a leader assesses and records for their own group's members only.
    group: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")

    def as_dict(self) -> dict[str, str]:
        stamp = {"user": self.user, "role": self.role, "tenant": self.tenant}
        if self.member is not None:
            stamp["member"] = self.member
        if self.group is not None:
            stamp["group"] = self.group
        return stamp


@dataclass(frozen=True)
class Recording:
    tenant: str
    actor: Actor
    clock: Clock

    def time(self, *, to_the_day: bool = False) -> datetime:
        """The moment to stamp an event with: the clock's, or the start of its day (Beijing)
        for an event whose class says ``recorded_to_the_day``."""
        moment = self.clock()
        return start_of_day(moment) if to_the_day else moment


_current: contextvars.ContextVar[Recording | None] = contextvars.ContextVar(
    "cxzy_recording", default=None
)


@contextmanager
def recording(tenant: str, actor: Actor, clock: Clock = system_clock) -> Iterator[Recording]:
    """Stamp every event triggered inside the block with ``tenant``, ``actor`` and ``clock()``."""
    token = _current.set(Recording(tenant, actor, clock))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


def current() -> Recording:
    """The open recording context.

    Raises:
        Forbidden: when an event is triggered outside any command, which would leave it
            without an actor.
    """
    rec = _current.get()
    if rec is None:
        raise Forbidden("recording.no_actor")
    return rec


def today() -> date:
    """Today in Beijing, by the clock the application put in the open recording: the domain
    never reads a clock of its own, so the demo's simulated days and a test's clock count.

    Raises:
        Forbidden: outside any command (see :func:`current`).
    """
    return current().clock().astimezone(BEIJING).date()
