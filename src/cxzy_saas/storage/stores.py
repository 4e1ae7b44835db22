"""Where tenant logs live: one SQLite file per tenant, or one PostgreSQL schema per tenant.

Each tenant's log is an ordinary eventsourcing application recorder. What the library does not
do for us is share connections between applications: every PostgreSQL datastore opens a pool of
its own, so 40 tenants would hold 40+ connections. :class:`PostgresStore` owns one bounded
``psycopg_pool`` pool for the process and hands it to every tenant's datastore, replacing the
library's own pool before first use. That is the only place the library is bent.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from collections import namedtuple
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    InfrastructureFactory,
    Notification,
    OperationalError,
    ProgrammingError,
)
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from eventsourcing.utils import get_topic
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.composite import CompositeInfo, register_composite
from psycopg_pool import PoolTimeout

from cxzy_saas.storage import finality
from cxzy_saas.storage.recorders import (
    HEADS_SCHEMA,
    HEADS_TABLE,
    PostgresIdempotentRecorder,
    SQLiteIdempotentRecorder,
    tenant_schema,
)

APP_NAME = "cxzy"  # PostgreSQL table names are <app name>_events in each tenant's schema
REGISTRY = "_registry"


def _notification(row: dict[str, Any]) -> Notification:
    return Notification(
        id=row["notification_id"],
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database gave no connection (down, refusing, the pool's wait
    over), as opposed to a refusal of what was asked of it."""
    if isinstance(error, PoolTimeout):
        return True
    if isinstance(error, psycopg.OperationalError):
        # No state from the server (it was never reached), or class 08, connection exception;
        # not a lock, a timeout or a serialization failure of a statement.
        return error.sqlstate is None or error.sqlstate.startswith(("08", "57P0"))
    cause = error.__cause__
    return isinstance(error, OperationalError) and cause is not None and unreachable(cause)


class Store(Protocol):
    backend: str

    def env_for(self, tenant: str) -> dict[str, str]: ...

    def factory(self, env: Any) -> InfrastructureFactory[Any]: ...

    def exists(self, tenant: str) -> bool: ...

    def prepare(self, tenant: str) -> None: ...

    def location(self, tenant: str) -> str: ...

    def recorded_heads(self, tenants: list[str]) -> dict[str, int]: ...

    def finalising(self, lock: str) -> contextlib.AbstractContextManager[None]: ...

    def unchanged(self, wanted: finality.Unchanged) -> contextlib.AbstractContextManager[None]: ...

    def reachable(self, timeout: float) -> bool: ...

    def close(self) -> None: ...


class SQLiteStore:
    """``<data_dir>/tenants/<code>.sqlite3`` per tenant; the registry beside the folder."""

    backend = "sqlite"
    evidence_files: Any = None  # storage/evidence.py's store for this one, set by the tenancy

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)

    def path(self, tenant: str) -> Path:
        if tenant == REGISTRY:
            return self.data_dir / "registry.sqlite3"
        return self.data_dir / "tenants" / f"{tenant}.sqlite3"

    def env_for(self, tenant: str) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "APPLICATION_RECORDER_TOPIC": get_topic(SQLiteIdempotentRecorder),
            "SQLITE_DBNAME": str(self.path(tenant)),
            "SQLITE_LOCK_TIMEOUT": "10",
        }

    def factory(self, env: Any) -> InfrastructureFactory[Any]:
        return InfrastructureFactory.construct(env)

    def exists(self, tenant: str) -> bool:
        return self.path(tenant).exists()

    def prepare(self, tenant: str) -> None:
        self.path(tenant).parent.mkdir(parents=True, exist_ok=True)

    def recorded_heads(self, tenants: list[str]) -> dict[str, int]:
        """None: each log's head is asked of its own file."""
        return {}

    @contextmanager
    def finalising(self, lock: str) -> Iterator[None]:
        """Lock ``lock`` held exclusively (``finality.py``).

        Raises:
            Finalising: it stayed taken.
        """
        with (
            finality.flocked(self.data_dir / "locks", (lock,), exclusive=True),
            finality.held(lock),
        ):
            yield

    @contextmanager
    def unchanged(self, wanted: finality.Unchanged) -> Iterator[None]:
        """The saves inside the block under ``wanted``: its locks held shared around them,
        the committee's log asked under them (``finality.py``).

        Raises:
            Finalising: a lock stayed taken; FinalisedMeanwhile: a year became final
                meanwhile. Nothing was saved.
        """
        with finality.flocked(self.data_dir / "locks", wanted.locks, exclusive=False):
            if wanted.moved():
                raise finality.FinalisedMeanwhile(f"{wanted.committee}: a year became final")
            yield

    def reachable(self, timeout: float) -> bool:
        return True  # a folder on this machine

    def location(self, tenant: str) -> str:
        return str(self.path(tenant))

    def close(self) -> None:
        pass


class _BorrowedPoolDatastore(PostgresDatastore):
    """A tenant's datastore using the store's pool; closing a tenant leaves the pool open.

    The library inserts events as an array of a composite type created in the tenant's schema
    (``tenant_x.stored_event_uuid``) and registers a psycopg adapter for it on each connection.
    psycopg builds one cached namedtuple class per composite *name*, so on a connection shared by
    tenants the adapter of the last schema registered would serve them all, and inserts fail with
    "cannot cast tenant_a.stored_event_uuid[] to tenant_b...". Each tenant datastore therefore
    registers its composites with a namedtuple class of its own.
    """

    def __init__(self, configured: PostgresDatastore, pool: Any) -> None:
        # Keep every setting the library parsed from the environment, swap only the pool.
        self.__dict__.update(configured.__dict__)
        self.pool = pool
        self._registered_on: weakref.WeakKeyDictionary[Any, set[int]] = weakref.WeakKeyDictionary()

    def register_type_adapters(self) -> None:
        missing = [n for n in self.db_type_names if n not in self.psycopg_type_adapters]
        if not missing:
            return
        with self.pool.connection() as conn:
            for name in missing:
                info = CompositeInfo.fetch(conn, f"{self.schema}.{name}")
                if info is None:
                    continue
                self.psycopg_type_adapters[name] = info
                self.psycopg_python_types[name] = namedtuple(name, info.field_names)

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        with super().get_connection() as conn:
            done = self._registered_on.setdefault(conn, set())
            for name, info in self.psycopg_type_adapters.items():
                if info.oid not in done:
                    register_composite(info, conn, self.psycopg_python_types[name])
                    done.add(info.oid)
            yield conn

    def close(self) -> None:
        pass


class _SharedPoolFactory(PostgresFactory):
    def __init__(self, env: Any, pool_owner: PostgresDatastore) -> None:
        super().__init__(env)
        own = self.datastore
        self.datastore = _BorrowedPoolDatastore(own, pool_owner.pool)
        own.close()  # never opened: closing it only marks it closed


# What PostgreSQL says when it refuses a connection for its limits (max_connections, a role's
# or a database's CONNECTION LIMIT, the slots reserved for superusers).
AT_CONNECTION_LIMIT = ("too many clients", "too many connections", "connection slots are reserved")


class PostgresStore:
    """Schema ``tenant_<code>`` per tenant, ``cxzy_registry`` for the registry; one pool."""

    evidence_files: Any = None  # storage/evidence.py's store for this one, set by the tenancy

    backend = "postgres"

    def __init__(
        self, url: str, max_connections: int, max_age: float = 600.0, connect_timeout: float = 30.0
    ) -> None:
        params = conninfo_to_dict(url)
        self.params = {
            "POSTGRES_DBNAME": str(params.get("dbname") or "postgres"),
            "POSTGRES_HOST": str(params.get("host") or "127.0.0.1"),
            "POSTGRES_PORT": str(params.get("port") or "5432"),
            "POSTGRES_USER": str(params.get("user") or "postgres"),
            "POSTGRES_PASSWORD": str(params.get("password") or ""),
        }
        # The library's own datastore class builds the pool, so connections are configured
        # exactly as its recorders expect (autocommit, dict rows, idle timeout).
        self._owner = PostgresDatastore(
            dbname=self.params["POSTGRES_DBNAME"],
            host=self.params["POSTGRES_HOST"],
            port=self.params["POSTGRES_PORT"],
            user=self.params["POSTGRES_USER"],
            password=self.params["POSTGRES_PASSWORD"],
            pool_size=1,
            max_overflow=max(0, max_connections - 1),
            connect_timeout=connect_timeout,
            idle_in_transaction_session_timeout=30,
            # Connections are recycled: each keeps a cache of the catalog entries of every
            # schema it has touched, and a cell holds thousands of tenant schemas.
            conn_max_age=max_age,
        )
        self.max_connections = max_connections
        self._heads_kept = False

    def recorded_heads(self, tenants: list[str]) -> dict[str, int]:
        return self.heads(tenants)

    @contextmanager
    def finalising(self, lock: str) -> Iterator[None]:
        """Lock ``lock`` held exclusively (``finality.py``): a transaction-level advisory lock
        in a transaction of a connection of its own, open while the finalising command reads
        and saves on others (so the pool needs two connections at least).

        Raises:
            Finalising: it stayed taken.
        """
        with self.connection() as conn, conn.transaction():
            # A seal hashes a whole branch-year meanwhile: longer than the pool's idle limit.
            conn.execute("SET LOCAL idle_in_transaction_session_timeout = '15min'")
            deadline = time.monotonic() + finality.FINALISING_WAIT
            while not conn.execute(
                "SELECT pg_try_advisory_xact_lock(%s) AS taken", (finality.key(lock),)
            ).fetchone()["taken"]:
                if time.monotonic() > deadline:
                    raise finality.Finalising(f"lock {lock} stayed taken")
                time.sleep(0.05)
            with finality.held(lock):
                yield

    def unchanged(self, wanted: finality.Unchanged) -> contextlib.AbstractContextManager[None]:
        """The saves inside the block under ``wanted``, checked in the append's transaction by
        the recorder (``finality.py``)."""
        return finality.condition(wanted)

    @staticmethod
    def schema(tenant: str) -> str:
        return "cxzy_registry" if tenant == REGISTRY else tenant_schema(tenant)

    def env_for(self, tenant: str) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": get_topic(PostgresIdempotentRecorder),
            **self.params,
            "POSTGRES_SCHEMA": self.schema(tenant),
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": "0",
        }

    def factory(self, env: Any) -> InfrastructureFactory[Any]:
        return _SharedPoolFactory(env, self._owner)

    def connection(self) -> Any:
        return self._owner.get_connection()

    def reachable(self, timeout: float) -> bool:
        """Whether the server answers a new connection within ``timeout`` seconds: asked apart
        from the pool, whose wait a busy moment also runs out, and whose reads the library
        retries ten times over. A server that refuses it for being at its connection limit
        answered: it is busy, and the pool's connections still work."""
        p = self.params
        try:
            psycopg.connect(
                dbname=p["POSTGRES_DBNAME"],
                host=p["POSTGRES_HOST"],
                port=p["POSTGRES_PORT"],
                user=p["POSTGRES_USER"],
                password=p["POSTGRES_PASSWORD"],
                connect_timeout=max(1, round(timeout)),
            ).close()
        except psycopg.OperationalError as error:
            # libpq gives no SQLSTATE for a refused connection (53300), only the server's
            # words, in English unless the server's lc_messages says otherwise
            return any(words in str(error) for words in AT_CONNECTION_LIMIT)
        return True

    def exists(self, tenant: str) -> bool:
        # pg_namespace rather than information_schema: the latter's views check privileges
        # on every schema, and a cell holds thousands.
        with self.connection() as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s",
                (self.schema(tenant),),
            ).fetchone()
        return row is not None

    def heads(self, tenants: list[str]) -> dict[str, int]:
        """The heads the appends recorded, for those of ``tenants`` that have one (a log
        last written before heads existed has none), in one query."""
        schemas = {self.schema(t): t for t in tenants}
        with self.connection() as conn:
            if (
                not self._heads_kept
                and not conn.execute(
                    "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (HEADS_SCHEMA,)
                ).fetchone()
            ):
                return {}
            self._heads_kept = True  # once made, the heads table stays
            rows = conn.execute(
                sql.SQL("SELECT tenant, head FROM {}.{} WHERE tenant = ANY(%s)").format(
                    sql.Identifier(HEADS_SCHEMA), sql.Identifier(HEADS_TABLE)
                ),
                (list(schemas),),
            ).fetchall()
        return {schemas[r["tenant"]]: int(r["head"]) for r in rows}

    def prepare(self, tenant: str) -> None:
        with self.connection() as conn:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                    sql.Identifier(self.schema(tenant))
                )
            )

    def location(self, tenant: str) -> str:
        return f"schema {self.schema(tenant)}"

    def notifications_between(
        self, ranges: list[tuple[str, int, int]]
    ) -> dict[str, list[Notification]]:
        """Notifications of many tenants in one query: for each (tenant, after, upto), those
        with after < id <= upto. One round trip instead of one per tenant log (as-of replays
        read a little of every log)."""
        parts, params = [], []
        for tenant, after, upto in ranges:
            parts.append(
                sql.SQL(
                    "SELECT %s::text AS tenant, notification_id, originator_id, originator_version,"
                    " topic, state FROM {}.{} WHERE notification_id > %s AND notification_id <= %s"
                ).format(sql.Identifier(self.schema(tenant)), sql.Identifier(f"{APP_NAME}_events"))
            )
            params += [tenant, after, upto]
        found: dict[str, list[Notification]] = {tenant: [] for tenant, _, _ in ranges}
        if not parts:
            return found
        query = sql.SQL(" UNION ALL ").join(parts) + sql.SQL(" ORDER BY tenant, notification_id")
        with self.connection() as conn:
            for row in conn.execute(query, params):
                found[row["tenant"]].append(_notification(row))
        return found

    def notifications_of(self, tenant: str, aggregates: Sequence[str]) -> list[Notification]:
        """Every event of ``aggregates`` (ids as text) in one log, with its position, in log
        order: one indexed read."""
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE originator_id = ANY(%s) ORDER BY notification_id"
        ).format(sql.Identifier(self.schema(tenant)), sql.Identifier(f"{APP_NAME}_events"))
        with self.connection() as conn:
            return [
                _notification(row) for row in conn.execute(query, ([UUID(a) for a in aggregates],))
            ]

    def notifications(
        self, tenant: str, after: int, limit: int, stop: int | None = None
    ) -> list[Notification]:
        """One log's notifications after ``after`` (up to ``stop``), at most ``limit``, as its
        recorder's ``select_notifications`` gives them, read by the store: a projector
        following thousands of logs opened each log's application to read it (its recorder,
        its table check, its composite types on the connection), 9-14 µs an event at 2,000
        branches."""
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(sql.Identifier(self.schema(tenant)), sql.Identifier(f"{APP_NAME}_events"))
        upto = (1 << 63) - 1 if stop is None else stop
        try:
            with self.connection() as conn:
                return [_notification(row) for row in conn.execute(query, (after, upto, limit))]
        except ProgrammingError as error:  # the library's, around psycopg's
            if isinstance(error.__cause__, errors.UndefinedTable):
                return []  # registered, and its application not opened yet: nothing written
            raise

    def pool_stats(self) -> dict[str, int]:
        return dict(self._owner.pool.get_stats())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._owner.pool.close()
