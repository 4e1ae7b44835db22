"""Idempotent commands: a client's retry with the same key returns the first result and
writes nothing more.

The key is claimed in the same transaction that records the command's events, in a table of
the tenant's own store (beside ``stored_events`` in the tenant's SQLite file, or in the tenant's
PostgreSQL schema). So either the events and the claim are both committed, or neither is: a
crash before the commit leaves no claim and the retry runs the command; a second request with the
same key that races the first fails on the claim's primary key as the event store's optimistic
concurrency would, and nothing of it is written. The library passes ``save()``'s keyword
arguments down to the recorder's insert, but not from inside an aggregate method, so the claim
travels in a context variable set by the web layer around one command, like the recording
context; the recorders below are the library's own with one more insert in their transaction.

The response is stored after the commit, in a second small transaction. If the process dies in
between, a retry finds the claim without a response and is told so (HTTP 409) rather than
running the command twice.

The same insert carries out a ballot-box operation when the application sets one around a save
(``ballot_box.py``): a cast's sealed sheet is written in the transaction that records its code
spent, and a close empties the box in the transaction that records the sheets. On PostgreSQL
it takes the locks of a save about a campaign year, shared, and checks that the year did not
become final meanwhile (``finality.py``). And it inserts the unique keys a command claims
(:func:`unique`): a member number in any case is one number, so two enrolments of B01971 and
b01971 racing each other cannot both commit.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import (
    DatabaseError,
    OperationalError,
    RecordConflictError,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.errors import PipelineAborted
from psycopg.sql import SQL, Identifier

from cxzy_saas.storage import ballot_box, finality

TABLE = "cxzy_idempotency"
UNIQUE_TABLE = "cxzy_unique"
# Each PostgreSQL cell's heads: tenant schema -> the position of its log's last event, written in
# the transaction of every append (the projector finds the logs that moved in one query).
HEADS_SCHEMA = "cxzy_heads"
HEADS_TABLE = "heads"
# Held while a recorder creates its tables: the library's CREATE OR REPLACE FUNCTION fails with
# "tuple concurrently updated" when two processes open one tenant at once (and two first opens
# race on CREATE SCHEMA cxzy_heads), so the DDL takes turns across the whole database.
DDL_LOCK = 0x63787A79  # "cxzy"

# A save's finality condition on PostgreSQL (``finality.py``): its locks taken shared, each
# tried until a deadline rather than waited for (a save waiting holds a pooled connection that
# the finalising command may need), then the check, each query inside the function with a
# snapshot of its own, so that the check sees what committed while the locks were being taken.
# That needs READ COMMITTED, which the function asserts. A lock that stayed taken raises
# FINALISING, a year final meanwhile FINALISED_MEANWHILE; either aborts the transaction.
# Made once per database, when missing (not replaced at each tenant's first open: a replaced
# function invalidates every session's plans that call it); a changed body takes a new name.
FINAL_UNCHANGED = "final_unchanged_1"
FINALISED_MEANWHILE = "CX001"
FINALISING = "CX002"
FINAL_UNCHANGED_FUNCTION = """
DO $made$ BEGIN
IF to_regprocedure('{schema}.{name}(bigint[], float8, text, text, bigint, text[], text[])')
  IS NOT NULL THEN RETURN; END IF;
CREATE FUNCTION {schema}.{name}(
  lock_keys BIGINT[], wait_seconds FLOAT8, events_schema TEXT, events_table TEXT,
  after BIGINT, aggregates TEXT[], topics TEXT[]
) RETURNS VOID LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  moved BOOLEAN;
  lock_key BIGINT;
  deadline TIMESTAMPTZ := clock_timestamp() + make_interval(secs => wait_seconds);
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'final_unchanged needs READ COMMITTED, not %',
      current_setting('transaction_isolation');
  END IF;
  FOREACH lock_key IN ARRAY lock_keys LOOP
    WHILE NOT pg_try_advisory_xact_lock_shared(lock_key) LOOP
      IF clock_timestamp() > deadline THEN
        RAISE EXCEPTION 'a year is being made final' USING ERRCODE = 'CX002';
      END IF;
      PERFORM pg_sleep(0.02);
    END LOOP;
  END LOOP;
  EXECUTE format(
    'SELECT EXISTS (SELECT 1 FROM %I.%I WHERE notification_id > $1 '
    'AND originator_id::text = ANY($2) AND topic = ANY($3))',
    events_schema, events_table
  ) INTO moved USING after, aggregates, topics;
  IF moved THEN
    RAISE EXCEPTION 'a year became final in % after %', events_schema, after
      USING ERRCODE = 'CX001';
  END IF;
END $$;
END $made$"""


def tenant_schema(tenant: str) -> str:
    """A committee's or a branch's PostgreSQL schema."""
    return f"tenant_{tenant}"


@dataclass
class Claim:
    """One command's key: ``user`` and ``key`` identify it, ``fingerprint`` the request."""

    user: str
    key: str
    fingerprint: str
    recorder: Any = field(default=None)  # the recorder whose transaction took the claim

    @property
    def taken(self) -> bool:
        return self.recorder is not None


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    status: int | None  # None: claimed, response not (yet) stored
    body: str | None


_claim: contextvars.ContextVar[Claim | None] = contextvars.ContextVar(
    "cxzy_idempotency", default=None
)


@contextmanager
def claiming(claim: Claim) -> Iterator[Claim]:
    """Claim ``claim`` with the first events saved inside the block."""
    token = _claim.set(claim)
    try:
        yield claim
    finally:
        _claim.reset(token)


def _pending() -> Claim | None:
    claim = _claim.get()
    if claim is None or claim.taken:
        return None
    return claim


_unique: contextvars.ContextVar[tuple[tuple[str, ...], tuple[str, ...]]] = contextvars.ContextVar(
    "cxzy_unique", default=((), ())
)


@contextmanager
def unique(keys: list[str], release: list[str] | None = None) -> Iterator[None]:
    """The saves inside the block claim ``keys`` in their log, after giving up ``release``
    (a group's old name, when it is renamed or dissolved): a key claimed already (by a save
    committed first) fails the save as a record conflict, and nothing of it is written. The
    keys are what the log's events say (they can be derived from them again); the table only
    makes two racing writers meet."""
    token = _unique.set((tuple(keys), tuple(release or ())))
    try:
        yield
    finally:
        _unique.reset(token)


def _now() -> str:
    return datetime.now(tz=UTC).isoformat()


class _Claiming:
    """Marks the claim taken once the transaction that inserted it has committed (a failed
    or retried transaction leaves it pending, so that the next attempt inserts it again)."""

    def insert_events(self, stored_events: Any, **kwargs: Any) -> Any:
        claim = _pending() if stored_events else None
        result = super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        if claim is not None:
            claim.recorder = self
        return result


class Row(NamedTuple):
    """One stored event as a log holds it, its aggregate's id as canonical UUID text."""

    id: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


def _text(stored: str) -> str:
    """The canonical text of a UUID the SQLite recorder stores as 32 hex digits."""
    return f"{stored[:8]}-{stored[8:12]}-{stored[12:16]}-{stored[16:20]}-{stored[20:]}"


class SQLiteIdempotentRecorder(_Claiming, SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {TABLE} (user TEXT NOT NULL, key TEXT NOT NULL, "
            "fingerprint TEXT NOT NULL, claimed_at TEXT NOT NULL, status INTEGER, body TEXT, "
            "PRIMARY KEY (user, key))",
            ballot_box.SQLITE_CREATE,
            f"CREATE TABLE IF NOT EXISTS {UNIQUE_TABLE} (key TEXT PRIMARY KEY)",
        ]

    def _insert_events(self, c: Any, stored_events: Any, **kwargs: Any) -> Any:
        result = super()._insert_events(c, stored_events, **kwargs)
        claim = _pending()
        if claim is not None and stored_events:
            c.execute(
                f"INSERT INTO {TABLE} (user, key, fingerprint, claimed_at) VALUES (?, ?, ?, ?)",
                (claim.user, claim.key, claim.fingerprint, _now()),
            )
        box = ballot_box.pending()
        if box is not None and stored_events:
            ballot_box.run_sqlite(c, box)
        keys, released = _unique.get() if stored_events else ((), ())
        if released:
            c.executemany(f"DELETE FROM {UNIQUE_TABLE} WHERE key = ?", [(k,) for k in released])
        if keys:
            c.executemany(f"INSERT INTO {UNIQUE_TABLE} (key) VALUES (?)", [(k,) for k in keys])
        return result

    def ballot_box(self, ballot: Any) -> bytes | None:
        """The sealed envelope of an open ballot's box (None: it has none)."""
        return ballot_box.read_sqlite(self.datastore, ballot)

    def finalised_after(self, after: int, aggregates: list[str]) -> bool:
        """Whether one of ``aggregates`` (ids as text) has a finalising event in this log after
        position ``after`` (``finality.py``): one indexed read, no notification made."""
        hexes = [UUID(a).hex for a in aggregates]
        topics = finality.FINALISING
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT 1 FROM {self.events_table_name} WHERE rowid > ? "
                f"AND topic IN ({', '.join('?' * len(topics))}) "
                f"AND originator_id IN ({', '.join('?' * len(hexes))}) LIMIT 1",
                (after, *topics, *hexes),
            )
            return c.fetchone() is not None

    def notifications(self, after: int, limit: int, stop: int | None = None) -> list[Row]:
        """The log's events after ``after`` (up to ``stop``), at most ``limit``, as
        ``select_notifications`` reads them but for the aggregate's id, canonical UUID text
        rather than a ``UUID`` (what every reader of the port makes of it): half the time of
        a read (16,509 events of 42 logs: 0.10 s against 0.19 s)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? "
                f"ORDER BY rowid LIMIT ?",
                (after, (1 << 63) - 1 if stop is None else stop, limit),
            )
            return [Row(n, _text(o), v, t, b) for n, o, v, t, b in c.fetchall()]

    def notifications_of(self, aggregates: Sequence[str]) -> list[Row]:
        """Every event of ``aggregates`` (ids as text) with its position, in log order: one
        indexed read (an audit reading a log after an image, ``audit/images.py``)."""
        hexes = [UUID(a).hex for a in aggregates]
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} "
                f"WHERE originator_id IN ({', '.join('?' * len(hexes))}) ORDER BY rowid",
                hexes,
            )
            return [Row(n, _text(o), v, t, b) for n, o, v, t, b in c.fetchall()]

    def after_close(self) -> None:
        """Nothing to do: SQLite zeroed the deleted envelope (``secure_delete``)."""

    def copy_events(self, stored_events: Any) -> None:
        """A trusted back-fill's bulk append (see the PostgreSQL recorder's)."""
        self.insert_events(stored_events)

    def idempotent_lookup(self, user: str, key: str) -> Stored | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT fingerprint, status, body FROM {TABLE} WHERE user = ? AND key = ?",
                (user, key),
            )
            row = c.fetchone()
        return Stored(row[0], row[1], row[2]) if row else None

    def idempotent_store(self, user: str, key: str, status: int, body: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"UPDATE {TABLE} SET status = ?, body = ? WHERE user = ? AND key = ?",
                (status, body, user, key),
            )


class PostgresIdempotentRecorder(_Claiming, PostgresApplicationRecorder):
    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.idempotency_table = (Identifier(datastore.schema), Identifier(TABLE))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.{} (username TEXT NOT NULL, key TEXT NOT NULL, "
                "fingerprint TEXT NOT NULL, claimed_at TEXT NOT NULL, status INTEGER, body TEXT, "
                "PRIMARY KEY (username, key))"
            ).format(*self.idempotency_table)
        )
        self.sql_create_statements.append(ballot_box.postgres_create(datastore.schema))
        self.unique_table = (Identifier(datastore.schema), Identifier(UNIQUE_TABLE))
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {}.{} (key TEXT PRIMARY KEY)").format(
                *self.unique_table
            )
        )
        self.sql_create_statements += [
            SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(HEADS_SCHEMA)),
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.{} (tenant TEXT PRIMARY KEY, head BIGINT NOT NULL)"
            ).format(Identifier(HEADS_SCHEMA), Identifier(HEADS_TABLE)),
        ]
        self.sql_create_statements.append(
            SQL(FINAL_UNCHANGED_FUNCTION).format(
                schema=Identifier(HEADS_SCHEMA), name=Identifier(FINAL_UNCHANGED)
            )
        )
        self.final_unchanged = SQL("SELECT {}.{}(%s, %s, %s, %s, %s, %s, %s)").format(
            Identifier(HEADS_SCHEMA), Identifier(FINAL_UNCHANGED)
        )
        self.heads_upsert = SQL(
            "INSERT INTO {}.{} (tenant, head) VALUES (%s, %s) "
            "ON CONFLICT (tenant) DO UPDATE SET head = excluded.head"
        ).format(Identifier(HEADS_SCHEMA), Identifier(HEADS_TABLE))

    def insert_events(self, stored_events: Any, **kwargs: Any) -> Any:
        claim = _pending() if stored_events else None
        try:
            return super().insert_events(stored_events, **kwargs)
        except DatabaseError as error:
            state = getattr(error.__cause__, "sqlstate", None)
            if state == FINALISED_MEANWHILE:
                raise finality.FinalisedMeanwhile(str(error)) from error
            if state == FINALISING:
                raise finality.Finalising(str(error)) from error
            if not isinstance(error, OperationalError):
                raise
            # The claim's insert runs in the library's pipeline: a request that raced this one
            # with the same key makes it fail on the primary key, which psycopg may report as
            # the pipeline aborted rather than as the violation. Nothing was written either way;
            # it is the same conflict as the key's, and is answered as one.
            raced = isinstance(error.__cause__, PipelineAborted) and claim is not None
            if raced and self.idempotent_lookup(claim.user, claim.key) is not None:  # type: ignore[union-attr]
                raise RecordConflictError(str(error)) from error
            raise

    def _create_table(self, curs: Any) -> None:
        # The library runs this in one transaction: the lock is released at its commit.
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        super()._create_table(curs)

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> Any:
        # Still inside the append's transaction, which holds the events table's lock: heads
        # are written in commit order, and never ahead of a committed event.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            curs.execute(self.heads_upsert, (self.datastore.schema, max(ids)), prepare=True)
        return ids

    def copy_events(self, stored_events: Any) -> None:
        """Append many stored events at once, for a trusted back-fill (the benchmarks'
        generated branches): ``COPY`` in binary under the library's own table lock, and the
        head written in the same transaction. The library's insert sends one array of a
        composite type that psycopg dumps as text in Python, about 2,000 events/s here; no
        idempotency claim is taken (a back-fill is no client's command)."""
        if not stored_events:
            return
        copy = SQL(
            "COPY {}.{} (originator_id, originator_version, topic, state) "
            "FROM STDIN (FORMAT BINARY)"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            for statement in self.lock_table_statements:
                curs.execute(statement)
            with curs.copy(copy) as rows:
                rows.set_types([self.datastore.originator_id_type, "int8", "text", "bytea"])
                for e in stored_events:
                    rows.write_row((e.originator_id, e.originator_version, e.topic, e.state))
            head = curs.execute(self.max_notification_id_statement).fetchone()
            assert head is not None
            curs.execute(self.heads_upsert, (self.datastore.schema, head["max"]))

    def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
        # Runs inside the library's insert transaction, before the events are inserted.
        super()._insert_events(curs, stored_events, **kwargs)
        wanted = finality.pending()
        if wanted is not None and stored_events:
            # Sent in the pipeline, no round trip of its own: a refusal aborts the transaction
            # and is raised at the library's sync, after the insert.
            curs.execute(
                self.final_unchanged,
                (
                    [finality.key(name) for name in wanted.locks],
                    finality.WAIT,
                    tenant_schema(wanted.committee),
                    self.events_table_name,
                    wanted.after,
                    list(wanted.aggregates),
                    list(finality.FINALISING),
                ),
                prepare=True,
            )
        claim = _pending()
        if claim is not None and stored_events:
            curs.execute(
                SQL(
                    "INSERT INTO {}.{} (username, key, fingerprint, claimed_at) "
                    "VALUES (%s, %s, %s, %s)"
                ).format(*self.idempotency_table),
                (claim.user, claim.key, claim.fingerprint, _now()),
            )
        box = ballot_box.pending()
        if box is not None and stored_events:
            ballot_box.run_postgres(curs, self.datastore.schema, box)
        keys, released = _unique.get() if stored_events else ((), ())
        if released:
            curs.executemany(
                SQL("DELETE FROM {}.{} WHERE key = %s").format(*self.unique_table),
                [(k,) for k in released],
            )
        if keys:
            curs.executemany(
                SQL("INSERT INTO {}.{} (key) VALUES (%s)").format(*self.unique_table),
                [(k,) for k in keys],
            )

    def ballot_box(self, ballot: Any) -> bytes | None:
        """The sealed envelope of an open ballot's box (None: it has none)."""
        return ballot_box.read_postgres(self.datastore, self.datastore.schema, ballot)

    def after_close(self) -> None:
        """Rewrite the box table without the dead versions of the envelope just deleted."""
        ballot_box.vacuum_postgres(self.datastore, self.datastore.schema)

    def idempotent_lookup(self, user: str, key: str) -> Stored | None:
        with self.datastore.get_connection() as conn:
            row = conn.execute(
                SQL(
                    "SELECT fingerprint, status, body FROM {}.{} WHERE username = %s AND key = %s"
                ).format(*self.idempotency_table),
                (user, key),
            ).fetchone()
        return Stored(row["fingerprint"], row["status"], row["body"]) if row else None

    def idempotent_store(self, user: str, key: str, status: int, body: str) -> None:
        with self.datastore.get_connection() as conn:
            conn.execute(
                SQL(
                    "UPDATE {}.{} SET status = %s, body = %s WHERE username = %s AND key = %s"
                ).format(*self.idempotency_table),
                (status, body, user, key),
            )
