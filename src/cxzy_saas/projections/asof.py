"""As-of: any read model for a past moment, replayed from the logs into a throw-away model.

A day means the end of that day in the committee's time zone: for each tenant, the position of
its last event recorded on or before then (``rm_time_index``), and the replay stops there.
Replaying a whole year for a big committee takes seconds, so checkpoints are kept: images of the
throw-away model at the end of chosen days, saved as SQLite files (:func:`checkpoint_days`: the
15th and the last day of every month, and any day by which a committee's logs grew by
``CHECKPOINT_EVENTS`` events since the previous image). An as-of query starts from the latest
checkpoint at or before its day and replays only the rest: what it replays is bounded by events,
not by days, so the busy days at the start of a month cost no more than quiet ones.
Checkpoints are a cache: ``cxzy project rebuild`` (or ``cxzy project checkpoint``) makes them
anew from the logs, and a query without one replays from the start.

A replay runs the catch-up engine (``engine.py``) over a throw-away model; it never builds the
live projector, and it never writes to the live model (its projector owns it). Boards are per
committee, so a replay asked for one committee reads only its logs (the registry's, the
committee's and its branches') and copies only its rows out of the checkpoint: its cost follows
the committee's size, not the cell's (a cell of 1,000 branches has images of hundreds of MB).
"""

from __future__ import annotations

import calendar
import contextlib
import os
import sqlite3
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import groupby
from pathlib import Path

from cxzy_saas.domain.organisation import erased_value
from cxzy_saas.logs.port import REGISTRY, Logs
from cxzy_saas.projections.db import (
    AUDIT_CACHE,
    AUDIT_ERASED,
    LISTS,
    TABLES,
    ReadModelDB,
    ReadModels,
    SQLiteReadModel,
    tenant_in,
)
from cxzy_saas.projections.engine import CatchUp


def positions_at(
    index: ReadModelDB, day: date, tenants: Sequence[str] | None = None
) -> dict[str, int]:
    """Each log's last position recorded by the end of ``day``: of ``tenants`` only, when
    given (one committee's, read by the index's key; the whole cell's time index is hundreds
    of thousands of rows at 2,000 branches, too many to group for every as-of request)."""
    only = "" if tenants is None else f" AND {tenant_in(tenants)}"
    with index.read() as tx:
        rows = tx.query(
            f"SELECT tenant, MAX(position) FROM rm_time_index WHERE day <= ?{only} GROUP BY tenant",
            (day.isoformat(), *(tenants or ())),
        )
    return {tenant: int(position) for tenant, position in rows}


def scope_of(index: ReadModelDB, committee: str) -> list[str]:
    """The logs a replay of ``committee``'s read models needs, in the order the projector
    follows them: the registry's, the committee's, then its branches' (every branch it has
    now: one registered after the day has no event by then)."""
    with index.read() as tx:
        rows = tx.query(
            "SELECT tenant FROM rm_tenants WHERE parent = ? ORDER BY tenant", (committee,)
        )
    return [REGISTRY, committee, *(t for (t,) in rows)]


# A committee's events an as-of replay may have to project after its checkpoint: about 80 ms
# of replay on the 2-core machine of docs/performance.md (the calendar alone left up to 3,700).
CHECKPOINT_EVENTS = 1500


def calendar_days(first: date, last: date) -> list[date]:
    """The 15th and the last day of every month from ``first`` to before ``last``."""
    days = []
    for year in range(first.year, last.year + 1):
        for month in range(1, 13):
            for day in (15, calendar.monthrange(year, month)[1]):
                moment = date(year, month, day)
                if first <= moment < last:
                    days.append(moment)
    return days


def checkpoint_days(
    index: ReadModelDB, after: date | None = None, budget: int = CHECKPOINT_EVENTS
) -> list[date]:
    """The days whose end gets an image, after ``after`` (every day of the logs when None) and
    before the last day any log has reached (a day still going on is not complete): the
    calendar's (:func:`calendar_days`), and a day by whose end some committee's logs (its own
    and its branches') grew by ``budget`` events or more since the previous image."""
    with index.read() as tx:
        span = tx.query("SELECT MIN(day), MAX(day) FROM rm_time_index")
        if not span or span[0][0] is None:
            return []
        first, last = date.fromisoformat(span[0][0]), date.fromisoformat(span[0][1])
        start = after.isoformat() if after else ""
        begun = dict(
            tx.query(
                "SELECT tenant, MAX(position) FROM rm_time_index WHERE day <= ? GROUP BY tenant",
                (start,),
            )
        )
        owner = dict(
            tx.query("SELECT tenant, COALESCE(NULLIF(parent, ''), tenant) FROM rm_tenants")
        )
        growth = tx.query(
            "SELECT day, tenant, position FROM rm_time_index WHERE day > ? AND day < ? "
            "ORDER BY day",
            (start, last.isoformat()),
        )
    chosen = set(calendar_days(after + timedelta(days=1) if after else first, last))
    grown: dict[str, int] = defaultdict(int)
    for day, rows in groupby(growth, key=lambda row: row[0]):
        for _, tenant, position in rows:
            grown[owner.get(tenant, tenant)] += int(position) - int(begun.get(tenant, 0))
            begun[tenant] = position
        moment = date.fromisoformat(day)
        if max(grown.values(), default=0) >= budget:
            chosen.add(moment)
        if moment in chosen:
            grown.clear()
    return sorted(chosen)


def build_checkpoints(
    logs: Logs,
    models: ReadModels,
    index: ReadModelDB,
    progress: Callable[[str], None] = lambda _: None,
) -> int:
    """Replay the logs once, in time order, saving an image at each checkpoint day."""
    folder = models.checkpoints
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.sqlite3"):
        old.unlink()
    days = checkpoint_days(index)
    if not days:
        return 0
    model = SQLiteReadModel(":memory:")
    try:
        engine = CatchUp(logs, model, batch_size=50000, lists=False)
        for day in days:
            engine.catch_up(recompute_boards=False, stop_at=positions_at(index, day), boards=False)
            target = sqlite3.connect(folder / f"{day.isoformat()}.sqlite3")
            model.conn.backup(target)
            target.close()
            progress(day.isoformat())
    finally:
        model.close()
    return len(days)


class Checkpoints:
    """Checkpoints made as the projector goes: after a pass that projected events, at most
    once every ``every`` seconds, the checkpoint days now complete (before the last day any
    log has reached) and not yet saved are made, replaying from the latest saved image rather
    than from the start. So an as-of query never replays more than half a month, nor much
    more than ``CHECKPOINT_EVENTS`` of its committee's events."""

    def __init__(
        self, logs: Logs, models: ReadModels, index: ReadModelDB, every: float = 30.0
    ) -> None:
        self.logs = logs
        self.models = models
        self.index = index
        self.every = every
        self._last = float("-inf")

    def due(self) -> list[date]:
        folder = self.models.checkpoints
        saved = sorted(p.stem for p in folder.glob("*.sqlite3")) if folder.exists() else []
        return checkpoint_days(self.index, date.fromisoformat(saved[-1]) if saved else None)

    def advance(self, force: bool = False) -> int:
        """Make the checkpoints now due; how many were made."""
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return 0
        self._last = now
        days = self.due()
        if not days:
            return 0
        folder = self.models.checkpoints
        folder.mkdir(parents=True, exist_ok=True)
        model = SQLiteReadModel(":memory:")
        try:
            start = latest_checkpoint(self.models, days[0])
            if start is not None:
                try:
                    _copy_whole(start, model)
                except sqlite3.OperationalError:  # an older shape: the new images from the start
                    model.close()
                    model = SQLiteReadModel(":memory:")
            engine = CatchUp(self.logs, model, batch_size=50000, lists=False)
            for day in days:
                engine.catch_up(
                    recompute_boards=False, stop_at=positions_at(self.index, day), boards=False
                )
                # written aside and renamed: a reader never opens half an image
                part = folder / f"{day.isoformat()}.part"
                target = sqlite3.connect(part)
                model.conn.backup(target)
                target.close()
                os.replace(part, folder / f"{day.isoformat()}.sqlite3")
        finally:
            model.close()
        return len(days)


def latest_checkpoint(models: ReadModels, day: date) -> Path | None:
    found = sorted(p for p in models.checkpoints.glob("*.sqlite3") if p.stem <= day.isoformat())
    return found[-1] if found else None


def forget_erased(models: ReadModels, erased: list[tuple[str, str]]) -> None:
    """After an erasure is committed by the live projector, the as-of checkpoints (images of
    past read models, made before it) still hold the member's name: overwrite it there too, so
    that a replay from a checkpoint shows the member as erased like every other view. The
    audit's kept diffs (``audit/kept.py``) and its images (``audit/images.py``) hold names too:
    they are removed (the next reader makes its diff, and its images, anew)."""
    folder = models.data_dir / AUDIT_CACHE
    # First the mark, then the files: a diff made meanwhile finds the mark changed and removes
    # its own files (``audit/kept.py``), or wrote them before and they go here.
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)
        (folder / AUDIT_ERASED).write_text(uuid.uuid4().hex)
    for kept in [*folder.glob("diff-*.json"), *folder.glob("image-*.bin")]:
        kept.unlink(missing_ok=True)
    for image in sorted(models.checkpoints.glob("*.sqlite3")):
        conn = sqlite3.connect(image)
        try:
            conn.execute("PRAGMA secure_delete = ON")  # no old name left in freed pages
            with conn:
                for tenant, member_no in erased:
                    conn.execute(
                        "UPDATE rm_subjects SET name = ? "
                        "WHERE tenant = ? AND level = 'member' AND subject = ?",
                        (erased_value("name"), tenant, member_no),
                    )
                    conn.execute(
                        "UPDATE rm_leaderboard SET name = ? "
                        "WHERE tenant = ? AND level = 'member' AND subject = ?",
                        (erased_value("name"), tenant, member_no),
                    )
        finally:
            conn.close()


class AsOfBusy(Exception):
    """Too many as-of replays are running: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"as-of replays are busy; retry in {retry_after} s")
        self.retry_after = retry_after


class _Shared:
    """One replay, shared by the identical requests that arrive while it is built or used."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.db: SQLiteReadModel | None = None
        self.error: BaseException | None = None
        self.users = 0


# Replays a read model to given positions somewhere else (a process of its own: a replay is
# CPU-bound Python, and in the web process it held the GIL against every cheap request) and
# answers the model as ``sqlite3.Connection.serialize()`` bytes.
Offload = Callable[[ReadModels, date, Mapping[str, int], Sequence[str] | None], bytes]


class Replays:
    """At most ``limit`` replays at once in a process (a replay is seconds of CPU, and a burst
    of them made every cheap request of the server wait), and at most ``limit`` requests
    reading replayed models; a request that cannot start within ``wait`` seconds is refused
    with :class:`AsOfBusy`. Identical requests (same read
    models, same day) share one replay. With ``offload``, the replays run there (the web app
    gives a pool of processes) and this process only waits for their result.

    At most ``limit + queue`` models of different days (or committees) are replayed, waited
    for or read in a process at once; a request for another is refused at once. A waiting
    request holds one of the server's threads (gunicorn's 8 a worker): unbounded, a burst of
    as-of requests took all of them, and a cheap request waited in gunicorn's queue for one to
    come free. Requests for a model already there share it, however many (a page's charts ask
    for one day's together)."""

    def __init__(
        self,
        limit: int = 1,
        wait: float = 10.0,
        offload: Offload | None = None,
        queue: int = 2,
    ) -> None:
        self.limit = limit
        self.wait = wait
        self.offload = offload
        self.queue = queue
        self._running = threading.BoundedSemaphore(limit)
        self._reading = threading.BoundedSemaphore(limit)
        self._shared: dict[tuple[str, str | None, str | None, date], _Shared] = {}
        self._lock = threading.Lock()


REPLAYS = Replays()


def limit_replays(limit: int, wait: float, offload: Offload | None = None, queue: int = 2) -> None:
    """Set the process's replay limit, its queue, and where replays run (the web app factory
    does, from settings)."""
    global REPLAYS
    REPLAYS = Replays(limit, wait, offload, queue)


@contextmanager
def replay(
    logs: Logs,
    models: ReadModels,
    day: date,
    index: ReadModelDB | None = None,
    committee: str | None = None,
) -> Iterator[SQLiteReadModel]:
    """A read model holding exactly the events recorded up to the end of ``day`` (read it,
    never write it: identical requests share it): ``committee``'s read models only, when it
    is given (every committee of the cell otherwise).

    ``index`` is the live read model whose ``rm_time_index`` maps days to positions (default:
    the deployment's, as it is: a replay never writes the live model, which its projector
    owns; a command that runs none brings it up to date first, ``projector.current_model``).

    Raises:
        AsOfBusy: the process's replays are all busy and stayed so for its ``wait``, or its
            queue is full (at once).
    """
    replays = REPLAYS
    key = (str(models.data_dir), models.cell, committee, day)
    with replays._lock:
        shared = replays._shared.get(key)
        building = shared is None
        if shared is None:
            # a model nobody asked for yet: one more than the limit and the queue is refused
            # at once (one asked already is shared, whoever asks: a page's charts ask together)
            if len(replays._shared) >= replays.limit + replays.queue:
                raise AsOfBusy(1)
            shared = replays._shared[key] = _Shared()
        shared.users += 1
    try:
        if building:
            try:
                if not replays._running.acquire(timeout=replays.wait):
                    raise AsOfBusy(max(1, round(replays.wait)))
                try:
                    shared.db = _replayed(logs, models, day, index, replays.offload, committee)
                finally:
                    replays._running.release()
            except BaseException as error:
                shared.error = error
                raise
            finally:
                shared.done.set()
        else:
            shared.done.wait()
            if shared.error is not None:
                if isinstance(shared.error, AsOfBusy):
                    raise AsOfBusy(shared.error.retry_after)
                raise RuntimeError("the shared as-of replay failed") from shared.error
        assert shared.db is not None
        # Reading the replayed model (a board of hundreds of rows, then its JSON) is CPU in
        # this process: limited as building is, so a burst of as-of requests never holds the
        # GIL from the cheap ones with more than ``limit`` threads.
        if not replays._reading.acquire(timeout=replays.wait):
            raise AsOfBusy(max(1, round(replays.wait)))
        try:
            yield shared.db
        finally:
            replays._reading.release()
    finally:
        with replays._lock:
            shared.users -= 1
            if shared.users == 0:
                if replays._shared.get(key) is shared:
                    del replays._shared[key]
                if shared.db is not None:
                    shared.db.close()


def _replayed(
    logs: Logs,
    models: ReadModels,
    day: date,
    index: ReadModelDB | None,
    offload: Offload | None = None,
    committee: str | None = None,
) -> SQLiteReadModel:
    live = models.open() if index is None else index
    try:
        scope = None if committee is None else scope_of(live, committee)
        target = positions_at(live, day, scope)
    finally:
        if index is None:
            live.close()
    if offload is None:
        return replay_to(logs, models, day, target, scope)
    db = SQLiteReadModel(":memory:")
    try:
        db.conn.deserialize(offload(models, day, target, scope))
    except BaseException:
        db.close()
        raise
    return db


def replay_to(
    logs: Logs,
    models: ReadModels,
    day: date,
    target: Mapping[str, int],
    scope: Sequence[str] | None = None,
) -> SQLiteReadModel:
    """A throw-away model holding each tenant's events up to its position in ``target`` (the
    end of ``day``): from the latest checkpoint of that day or before, or from the start.
    ``scope`` (:func:`scope_of`) limits it to one committee's logs and rows."""
    db = SQLiteReadModel(":memory:")
    try:
        start = latest_checkpoint(models, day)
        if start is not None:
            try:
                _restore(db, start, scope)
            except sqlite3.OperationalError:
                db.close()  # an image of an older shape (columns since changed): start afresh
                db = SQLiteReadModel(":memory:")
                start = None
        if start is not None:
            with db.read() as tx:
                begun = dict(tx.query("SELECT tenant, position FROM rm_tracking"))
            if any(int(p) > target.get(t, 0) for t, p in begun.items()):
                db.close()  # a checkpoint beyond the day (logs replaced since): start afresh
                db = SQLiteReadModel(":memory:")
        CatchUp(logs, db, batch_size=50000, lists=False).catch_up(
            recompute_boards=False, stop_at=dict(target), logs=scope
        )
    except BaseException:
        db.close()
        raise
    return db


def _copy_whole(image: Path, db: SQLiteReadModel) -> None:
    """The checkpoint ``image`` copied whole into ``db``.

    Raises:
        sqlite3.OperationalError: an image of an older shape (a table or column since added).
    """
    source = sqlite3.connect(image)
    source.backup(db.conn)
    source.close()
    for table, (columns, _) in TABLES.items():
        db.conn.execute(f"SELECT {', '.join(columns)} FROM {table} LIMIT 0")


def _restore(db: SQLiteReadModel, image: Path, scope: Sequence[str] | None) -> None:
    """The checkpoint ``image`` copied into ``db``: whole, or only the rows of ``scope``'s
    committee (``scope[1]``) and tenants."""
    if scope is None:
        _copy_whole(image, db)
        return
    committee = scope[1]
    marks = ", ".join("?" for _ in scope)
    db.conn.execute("ATTACH DATABASE ? AS image", (str(image),))
    try:
        with db.transaction() as tx:
            for table, (columns, _) in TABLES.items():
                if table in LISTS:
                    continue
                by_committee = "committee" in columns
                where = "committee = ?" if by_committee else f"tenant IN ({marks})"
                params = (committee,) if by_committee else tuple(scope)
                names = ", ".join(columns)
                tx.execute(
                    f"INSERT INTO main.{table} ({names}) "
                    f"SELECT {names} FROM image.{table} WHERE {where}",
                    params,
                )
    finally:
        db.conn.execute("DETACH DATABASE image")
