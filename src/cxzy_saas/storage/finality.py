"""A year becomes final in the committee's log while its branches write to it (decision 0033).

A command about a campaign year reads, from the committee's log, whether the year may be
written (``application/final.py``), then saves to its own log: two logs, no transaction over
both. Between the reading and the save the committee may close the campaign, seal the
branch-year or close its amendment; and a committee command that reads a branch before it
finalises (no ballot open, no plan waiting) may miss a branch's write committed meanwhile.

Named locks, each in two modes, order the two sides. A year has one (``demo.2026``), each
branch-year one (``demo.2026.b01``):

* **a save about a year** holds shared the year's lock and, for a branch's year, the
  branch-year's, over its transaction and, holding them, checks that none of the aggregates
  that make its years final (the campaign, the branch-year's seal) has a finalising event
  (:data:`FINALISING`) in the committee's log after the position its verdict was read at; if
  one has, nothing is written (:class:`FinalisedMeanwhile`), and the command asked again meets
  the final year's own refusal;
* **a finalising command** holds one lock exclusively from before it reads the branches until
  its save has committed: the close, the year's; a seal or an amendment's end, the
  branch-year's. Its own saves take nothing more (:func:`held` marks the lock in this context).

So every write about the year either committed before the finalising command read the branches
(and is seen by it), or checks the committee's log after the finalising event committed (and is
refused). Saves about no year, and every read, take nothing; a seal of one branch-year does not
stop the other branches' clerks.

Nobody waits long: a save gives up after :data:`WAIT` seconds (:class:`Finalising`), a
finalising command after :data:`FINALISING_WAIT`. PostgreSQL: transaction-level advisory locks
(released at commit or at a lost connection, never held by a pooled session; decision 0016),
the shared ones inside the append's own transaction, tried rather than waited for, so that
waiting saves cannot keep their pool's connections from the command they wait for; the
exclusive one in a transaction of a connection of its own. SQLite: ``flock`` on files in
``<data folder>/locks/``, which every process of the machine sees. Each store's ``finalising``
and ``unchanged`` hold them.
"""

from __future__ import annotations

import contextvars
import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import RecordConflictError
from eventsourcing.utils import get_topic

from cxzy_saas.domain import events

# The events after which a year is final where it was writable: a close, a first seal, a
# reseal (an amendment closed).
FINALISING = tuple(
    get_topic(e)
    for e in (events.CampaignClosed, events.ArchiveSealSealed, events.ArchiveSealResealed)
)
WAIT = 5.0  # seconds a save waits for a finalising command to end
FINALISING_WAIT = 30.0  # seconds a finalising command waits for the saves under way


class FinalisedMeanwhile(RecordConflictError):
    """A finalising event entered the committee's log after the save's verdict was read."""


class Finalising(RecordConflictError):
    """A lock stayed taken longer than its waiter waits: the committee is finalising the year
    (for a save), or another such command is running (for a finalising command)."""


def lock_name(committee: str, year: int, branch: str | None = None) -> str:
    """The lock of a committee's year, or of one branch's year (codes are ``[a-z0-9_]``)."""
    return f"{committee}.{year}" if branch is None else f"{committee}.{year}.{branch}"


@dataclass(frozen=True)
class Unchanged:
    """A save's condition: none of ``aggregates`` (ids as text) has a :data:`FINALISING`
    event in ``committee``'s log after position ``after`` (where the save's verdict on its
    years was read), checked holding ``locks`` shared. ``moved`` asks the committee's log
    (SQLite; PostgreSQL asks in the append's transaction)."""

    committee: str
    after: int
    locks: tuple[str, ...]
    aggregates: tuple[str, ...]
    moved: Callable[[], bool]


_condition: contextvars.ContextVar[Unchanged | None] = contextvars.ContextVar(
    "cxzy_final_condition", default=None
)
_held: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "cxzy_final_held", default=frozenset()
)


def holds(name: str) -> bool:
    """Whether this context holds lock ``name`` exclusively (its saves take nothing more)."""
    return name in _held.get()


@contextmanager
def held(name: str) -> Iterator[None]:
    """Marks lock ``name`` held exclusively by this context."""
    token = _held.set(_held.get() | {name})
    try:
        yield
    finally:
        _held.reset(token)


@contextmanager
def condition(wanted: Unchanged) -> Iterator[None]:
    """The saves inside the block are made under ``wanted``, by the PostgreSQL recorder."""
    token = _condition.set(wanted)
    try:
        yield
    finally:
        _condition.reset(token)


def pending() -> Unchanged | None:
    return _condition.get()


def key(name: str) -> int:
    """Lock ``name``'s advisory lock key on PostgreSQL (a signed 64-bit integer)."""
    digest = hashlib.sha256(f"cxzy-final:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# SQLite


@contextmanager
def flocked(folder: Path, names: tuple[str, ...], *, exclusive: bool) -> Iterator[None]:
    """``flock`` on the files of locks ``names`` in ``folder``, in order, each waited for
    until :data:`WAIT` (shared) or :data:`FINALISING_WAIT` (exclusive) seconds have passed.

    Raises:
        Finalising: a lock stayed taken.
    """
    if folder not in _made:
        folder.mkdir(parents=True, exist_ok=True)
        _made.add(folder)
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + (FINALISING_WAIT if exclusive else WAIT)
    with ExitStack() as stack:
        for name in names:
            fd = os.open(f"{folder}/{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            stack.callback(os.close, fd)  # closing releases the lock
            while True:
                try:
                    fcntl.flock(fd, mode)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise Finalising(f"lock {name} stayed taken") from None
                    time.sleep(0.02)
        yield


_made: set[Path] = set()  # lock folders known to exist
