"""Where background jobs (a rebuild of the read models, a large import) keep their state: a
table in the deployment's database, so that whichever web worker a job's page reaches can
answer for it (with jobs in one worker's memory, two workers answered 404 half the time).

The job itself runs in a thread of the worker that started it; that worker writes its progress
here and touches ``updated`` every few seconds while it runs. A job whose worker died stops
being touched; readers call it interrupted once ``STALE_SECONDS`` have passed. On SQLite the
table is a file of its own beside the logs (``jobs.sqlite3``); on PostgreSQL it is table
``jobs`` of schema ``cxzy_ops``, over the store's pool.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

STALE_SECONDS = 60.0
KEEP_SECONDS = 7 * 24 * 3600  # finished jobs are forgotten a week later
JOBS_FILE = "jobs.sqlite3"
COLUMNS = (
    "id",
    "committee",
    "username",
    "title_zh",
    "title_en",
    "state",
    "fraction",
    "message_zh",
    "message_en",
    "refusal",
    "link",
    "started",
    "updated",
)


@dataclass
class JobRecord:
    """One job as stored. ``state``: running, done or failed; ``refusal``: the domain's
    refusal that failed it, as {"code", "field", "params"} (shown in the reader's language)."""

    id: str
    committee: str
    username: str
    title_zh: str
    title_en: str
    state: str = "running"
    fraction: float = 0.0
    message_zh: str = "排队中"
    message_en: str = "queued"
    refusal: dict[str, Any] | None = None
    link: str | None = None
    started: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    @property
    def stale(self) -> bool:
        return self.state == "running" and time.time() - self.updated > STALE_SECONDS

    def row(self) -> tuple[Any, ...]:
        refusal = None if self.refusal is None else json.dumps(self.refusal, ensure_ascii=False)
        return tuple(refusal if c == "refusal" else getattr(self, c) for c in COLUMNS)

    @classmethod
    def of(cls, row: Sequence[Any]) -> JobRecord:
        values = dict(zip(COLUMNS, row, strict=True))
        if values["refusal"] is not None:
            values["refusal"] = json.loads(values["refusal"])
        return cls(**values)


class JobStore(Protocol):
    def new(
        self, job_id: str, committee: str, username: str, title_zh: str, title_en: str
    ) -> JobRecord: ...

    def save(self, job: JobRecord) -> None: ...

    def get(self, job_id: str) -> JobRecord | None: ...

    def touch(self, job_ids: Sequence[str]) -> None: ...

    def states(self) -> dict[str, int]: ...

    def close(self) -> None: ...


Connect = Callable[[], AbstractContextManager[Any]]

_UPSERT = (
    f"INSERT INTO {{table}} ({', '.join(COLUMNS)}) VALUES ({', '.join('{p}' for _ in COLUMNS)}) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in ("id", "started"))
)
_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, committee TEXT NOT NULL, "
    "username TEXT NOT NULL, title_zh TEXT NOT NULL, title_en TEXT NOT NULL, state TEXT NOT NULL, "
    "fraction {real} NOT NULL, message_zh TEXT NOT NULL, message_en TEXT NOT NULL, "
    "refusal TEXT, link TEXT, started {real} NOT NULL, updated {real} NOT NULL)"
)


class SQLJobs:
    """The jobs table over ``connect`` (a context manager giving a DB-API connection in a
    transaction), in ``table`` with ``{p}`` as the parameter mark."""

    def __init__(
        self,
        connect: Connect,
        table: str,
        mark: str,
        setup: Sequence[str],
        on_close: Callable[[], None] = lambda: None,
    ) -> None:
        self._connect = connect
        self._table = table
        self._mark = mark
        self._on_close = on_close
        for attempt in range(3):
            # Two processes creating the table at once: PostgreSQL may refuse one with a
            # unique violation on its catalogue; the other has made it by then.
            try:
                with connect() as conn:
                    for statement in setup:
                        conn.execute(statement)
                break
            except Exception:
                if attempt == 2:
                    raise

    def _sql(self, text: str) -> str:
        return text.format(table=self._table, p=self._mark)

    def new(
        self, job_id: str, committee: str, username: str, title_zh: str, title_en: str
    ) -> JobRecord:
        """A running job of ``username``, stored."""
        job = JobRecord(job_id, committee, username, title_zh, title_en)
        self.save(job)
        return job

    def save(self, job: JobRecord) -> None:
        with self._connect() as conn:
            conn.execute(self._sql(_UPSERT), job.row())
            if job.state == "running" and job.fraction == 0.0:  # a new job: forget old ones
                conn.execute(
                    self._sql("DELETE FROM {table} WHERE state <> 'running' AND updated < {p}"),
                    (time.time() - KEEP_SECONDS,),
                )

    def get(self, job_id: str) -> JobRecord | None:
        with self._connect() as conn:
            rows = list(
                conn.execute(
                    self._sql(f"SELECT {', '.join(COLUMNS)} FROM {{table}} WHERE id = {{p}}"),
                    (job_id,),
                )
            )
        return JobRecord.of(_values(rows[0])) if rows else None

    def touch(self, job_ids: Sequence[str]) -> None:
        now = time.time()
        with self._connect() as conn:
            for job_id in job_ids:
                conn.execute(
                    self._sql("UPDATE {table} SET updated = {p} WHERE id = {p}"), (now, job_id)
                )

    def states(self) -> dict[str, int]:
        """How many jobs are running, done, failed, and interrupted (running, untouched)."""
        stale = time.time() - STALE_SECONDS
        with self._connect() as conn:
            rows = list(
                conn.execute(
                    self._sql(
                        "SELECT CASE WHEN state = 'running' AND updated < {p} "
                        "THEN 'interrupted' ELSE state END, COUNT(*) FROM {table} GROUP BY 1"
                    ),
                    (stale,),
                )
            )
        found = {"running": 0, "done": 0, "failed": 0, "interrupted": 0}
        found.update({str(_values(r)[0]): int(_values(r)[1]) for r in rows})
        return found

    def close(self) -> None:
        self._on_close()


def _values(row: Any) -> Sequence[Any]:
    return list(row.values()) if isinstance(row, dict) else row


def sqlite_jobs(data_dir: Path) -> SQLJobs:
    path = Path(data_dir) / JOBS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=10000")

    @contextmanager
    def connect() -> Iterator[sqlite3.Connection]:
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    return SQLJobs(connect, "jobs", "?", [_CREATE.format(table="jobs", real="REAL")], conn.close)


def postgres_jobs(connection: Callable[[], Any]) -> SQLJobs:
    """Over ``connection`` (the store's pool): each use one transaction."""

    @contextmanager
    def connect() -> Iterator[Any]:
        with connection() as conn, conn.transaction():
            yield conn

    return SQLJobs(
        connect,
        "cxzy_ops.jobs",
        "%s",
        [
            "CREATE SCHEMA IF NOT EXISTS cxzy_ops",
            _CREATE.format(table="cxzy_ops.jobs", real="DOUBLE PRECISION"),
        ],
    )
