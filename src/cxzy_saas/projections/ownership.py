"""Who may write the read models: one owner per committee.

On PostgreSQL each committee (with all its branches; ``_registry`` for the registry's log) has a
lease row in ``rm_leases``: the worker that owns it until ``expires_at``. Workers take free or
expired leases with ``SELECT … FOR UPDATE SKIP LOCKED`` (two workers never block each other nor
take the same row), renew them inside every batch's transaction (:meth:`Leases.hold`, which
also makes a stale owner's batch roll back), and release a fair share's surplus when another
worker joins. A worker also keeps a membership row (``@<owner>``) so that one holding nothing yet
still counts when shares are computed. Leases are rows, never session advisory locks: those
outlive a killed process on a pooled connection and die with a recycled one, and a row works the
same on a Citus cell.

On SQLite one projector process holds a file lock (``flock``) beside the read model; a second
is refused with the holder's pid and command.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import socket
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cxzy_saas.projections.db import ReadModelDB, Tx
from cxzy_saas.projections.engine import Superseded

MEMBER = "@"  # membership rows: "@<owner>" (no committee code starts with it)
FORGOTTEN_AFTER = 10  # lease periods after which a dead worker's membership row is deleted


class ProjectorBusy(Exception):
    """Another process owns what this one needs; the message names it."""


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leases:
    """The lease rows of one cell's read model, held as ``owner``."""

    def __init__(self, db: ReadModelDB, owner: str | None = None, seconds: float = 10.0) -> None:
        self.db = db
        self.owner = owner or owner_name()
        self.seconds = seconds
        self.unit_of: dict[str, str] = {}  # log -> committee (its lease)
        self._known: set[str] = set()

    # each pass of a worker

    def claim(self, units: Sequence[str]) -> list[str]:
        """Renew this worker's leases, take free ones up to a fair share of ``units`` among
        the live workers, release any surplus over it; the committees held now."""
        missing = [u for u in units if u not in self._known]
        if missing:
            with self.db.transaction() as tx:
                tx.executemany(
                    "INSERT INTO rm_leases (committee) VALUES (?) ON CONFLICT DO NOTHING",
                    [(u,) for u in missing],
                )
            self._known.update(missing)
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO rm_leases (committee, owner, expires_at) "
                "VALUES (?, ?, now() + make_interval(secs => ?)) ON CONFLICT (committee) "
                "DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at",
                (MEMBER + self.owner, self.owner, self.seconds),
            )
            # a killed worker's row (it never released it), once long past its lease
            tx.execute(
                "DELETE FROM rm_leases WHERE starts_with(committee, '@') "
                "AND expires_at < now() - make_interval(secs => ?)",
                (self.seconds * FORGOTTEN_AFTER,),
            )
            workers = max(
                1,
                tx.query(
                    "SELECT count(*) FROM rm_leases WHERE starts_with(committee, '@') "
                    "AND expires_at > now()"
                )[0][0],
            )
            fair = math.ceil(len(units) / workers)
            self._renew(tx)
            mine = [u for (u,) in tx.query(self._mine_sql(), (self.owner,))]
            if len(mine) > fair:
                surplus = sorted(mine)[fair:]
                tx.execute(
                    "UPDATE rm_leases SET owner = NULL, expires_at = NULL "
                    "WHERE owner = ? AND committee = ANY(?)",
                    (self.owner, surplus),
                )
            elif len(mine) < fair:
                free = [
                    u
                    for (u,) in tx.query(
                        "SELECT committee FROM rm_leases WHERE committee = ANY(?) "
                        "AND (owner IS NULL OR expires_at IS NULL OR expires_at < now()) "
                        "ORDER BY committee LIMIT ? FOR UPDATE SKIP LOCKED",
                        (list(units), fair - len(mine)),
                    )
                ]
                if free:
                    tx.execute(
                        "UPDATE rm_leases SET owner = ?, "
                        "expires_at = now() + make_interval(secs => ?) WHERE committee = ANY(?)",
                        (self.owner, self.seconds, free),
                    )
            return sorted(u for (u,) in tx.query(self._mine_sql(), (self.owner,)))

    @staticmethod
    def _mine_sql() -> str:
        return "SELECT committee FROM rm_leases WHERE owner = ? AND NOT starts_with(committee, '@')"

    def _renew(self, tx: Tx) -> None:
        tx.execute(
            "UPDATE rm_leases SET expires_at = now() + make_interval(secs => ?) WHERE owner = ?",
            (self.seconds, self.owner),
        )

    def hold(self, tx: Tx, logs: Sequence[str]) -> None:
        """Inside a batch's transaction: renew the leases of ``logs``' committees, or raise
        :class:`Superseded` when any is no longer this worker's (the batch rolls back)."""
        units = sorted({self.unit_of.get(log, log) for log in logs})
        if not units:
            return
        renewed = tx.execute(
            "UPDATE rm_leases SET expires_at = now() + make_interval(secs => ?) "
            "WHERE owner = ? AND committee = ANY(?)",
            (self.seconds, self.owner, units),
        )
        if renewed != len(units):
            raise Superseded(f"{self.owner} no longer holds the lease of {units}")

    # a rebuild, a retry, a one-off catch-up

    def take(self, units: Sequence[str], *, all_or_nothing: bool = True) -> list[str]:
        """Take the leases of ``units`` for this process (not as a worker: no membership).

        Raises:
            ProjectorBusy: ``all_or_nothing`` and another owner holds one; names it.
        """
        with self.db.transaction() as tx:
            tx.executemany(
                "INSERT INTO rm_leases (committee) VALUES (?) ON CONFLICT DO NOTHING",
                [(u,) for u in units],
            )
            rows = tx.query(
                "SELECT committee, owner, expires_at FROM rm_leases WHERE committee = ANY(?) "
                "AND owner IS NOT NULL AND owner <> ? AND expires_at > now() "
                "ORDER BY committee FOR UPDATE",
                (list(units), self.owner),
            )
            held = {c: (o, e) for c, o, e in rows}
            if held and all_or_nothing:
                committee, (owner, until) = next(iter(held.items()))
                more = f" (and {len(held) - 1} more)" if len(held) > 1 else ""
                raise ProjectorBusy(
                    f"committee {committee}{more} is held by projector "
                    f"{owner} until {until:%Y-%m-%d %H:%M:%S %Z}; stop it (or wait) and retry"
                )
            free = [u for u in units if u not in held]
            tx.execute(
                "UPDATE rm_leases SET owner = ?, expires_at = now() + make_interval(secs => ?) "
                "WHERE committee = ANY(?)",
                (self.owner, self.seconds, free),
            )
            return free

    def release(self) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE rm_leases SET owner = NULL, expires_at = NULL WHERE owner = ?",
                (self.owner,),
            )
            tx.execute("DELETE FROM rm_leases WHERE committee = ?", (MEMBER + self.owner,))

    def holders(self) -> dict[str, tuple[str | None, Any]]:
        """committee -> (owner or None, expiry) for every lease."""
        with self.db.read() as tx:
            rows = tx.query(
                "SELECT committee, owner, expires_at, expires_at > now() FROM rm_leases "
                "WHERE NOT starts_with(committee, '@')"
            )
        return {c: (o if live else None, e) for c, o, e, live in rows}


# SQLite: one projector process, by a file lock.

_held: dict[Path, tuple[int, int]] = {}  # lock file -> (fd, holders in this process)
_guard = threading.Lock()


@contextlib.contextmanager
def sole_projector(path: Path) -> Iterator[None]:
    """Hold the projector's file lock ``path`` while the block runs (threads of one process
    share it: the embedded projector and a rebuild from the pages).

    Raises:
        ProjectorBusy: another process holds it; names its pid and command.
    """
    acquire(path)
    try:
        yield
    finally:
        release(path)


def acquire(path: Path) -> None:
    with _guard:
        if path in _held:
            fd, count = _held[path]
            _held[path] = (fd, count + 1)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise ProjectorBusy(
                f"another projector is running on this data folder ({holder}); "
                f"only one may follow it: stop that one first (lock: {path})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: {' '.join(sys.argv)[:300]}\n".encode(), 0)
        _held[path] = (fd, 1)


def release(path: Path) -> None:
    with _guard:
        fd, count = _held[path]
        if count > 1:
            _held[path] = (fd, count - 1)
            return
        del _held[path]
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
