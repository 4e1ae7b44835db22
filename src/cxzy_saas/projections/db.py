"""The read-model database: one SQLite file, or schema ``projections`` on PostgreSQL.

The table definitions are data (``projections/schema.sql``), shared by both dialects. Writes are
upserts collected per batch and sent with ``executemany``, in one transaction together with the
tracking positions of the tenants the batch covered.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

SCHEMA_SQL = Path(__file__).resolve().parents[3] / "projections" / "schema.sql"
# The projector's bookkeeping (quarantine, leases): beside the read models, but none of them.
OPERATIONS_SQL = SCHEMA_SQL.with_name("operations.sql")


def ddl() -> str:
    return SCHEMA_SQL.read_text(encoding="utf-8") + OPERATIONS_SQL.read_text(encoding="utf-8")


def table_definitions() -> dict[str, tuple[list[str], list[str]]]:
    """table -> (columns, primary key columns), read from schema.sql."""
    text = re.sub(r"--[^\n]*", "", SCHEMA_SQL.read_text(encoding="utf-8"))
    tables = {}
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\);", text, re.S):
        columns, key = [], []
        for line in (part.strip() for part in re.split(r",\s*\n", body)):
            if line.startswith("PRIMARY KEY"):
                key = [c.strip() for c in line[line.index("(") + 1 : line.rindex(")")].split(",")]
            elif line:
                columns.append(line.split()[0])
                if "PRIMARY KEY" in line:
                    key = [line.split()[0]]
        tables[name] = (columns, key)
    return tables


TABLES = table_definitions()
# The branch lists (decision 0019): read live only, never as of a past day, so the as-of
# replays and their checkpoints leave them empty (they were most of a checkpoint's rows).
LISTS = frozenset(
    {
        "rm_records",
        "rm_measure_list",
        "rm_assessment_list",
        "rm_meetings",
        "rm_member_list",
        "rm_group_list",
        "rm_inspection_list",
        "rm_deed_list",
        "rm_summary_list",
        "rm_nomination_list",
    }
)


def recreate_tables(tx: Tx, schema: str = "") -> None:
    """Drop every read-model table and create it again from schema.sql (``schema``: "main." for
    SQLite's main database beside an attached one). A rebuild starts with this rather than
    emptying the tables, so that a read model made by an earlier version, whose tables have
    other columns, takes the current shape: read models hold nothing the logs cannot give."""
    text = re.sub(r"--[^\n]*", "", SCHEMA_SQL.read_text(encoding="utf-8"))
    for table in TABLES:
        tx.execute(f"DROP TABLE IF EXISTS {schema}{table}")
    for statement in (s.strip() for s in text.split(";")):
        if statement:
            tx.execute(statement.replace("IF NOT EXISTS ", f"IF NOT EXISTS {schema}", 1))


def tenant_in(tenants: Sequence[str]) -> str:
    """A condition on a read-model table's ``tenant``: one of ``tenants`` (their values follow
    as parameters); none matches an empty list."""
    return f"tenant IN ({', '.join('?' for _ in tenants)})" if tenants else "1 = 0"


def values_in_chunks(
    keys: Sequence[tuple[Any, ...]], size: int = 300
) -> Iterator[tuple[str, list[Any]]]:
    """``keys`` (tuples of one width) in chunks of at most ``size``, each as the text of a
    ``VALUES (?, ?), ...`` list for ``(a, b) IN (...)`` and its parameters: a statement per
    chunk keeps under the stores' limits on parameters."""
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size]
        row = "(" + ", ".join("?" for _ in chunk[0]) + ")"
        yield "VALUES " + ", ".join(row for _ in chunk), [v for key in chunk for v in key]


def upsert_sql(table: str) -> str:
    columns, key = TABLES[table]
    updates = [c for c in columns if c not in key] or key[:1]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in updates)
    )


class Tx(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...  # rows changed

    def upsert(self, table: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class ReadModelDB(Protocol):
    def transaction(self) -> Any: ...

    def read(self) -> Any: ...

    def close(self) -> None: ...


class _SQLiteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def upsert(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(upsert_sql(table), rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql, params).fetchall())


class SQLiteReadModel:
    """A file, or ``:memory:`` for a throw-away as-of model."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.create_function("pinyin", 1, pinyin_key, deterministic=True)
        self.conn.create_function("fold", 1, fold, deterministic=True)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.executescript(ddl())

    @contextmanager
    def transaction(self) -> Iterator[_SQLiteTx]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteTx(self.conn)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[_SQLiteTx]:
        """Reads outside any write transaction (SQLite reads see the last commit)."""
        yield _SQLiteTx(self.conn)

    def close(self) -> None:
        self.conn.close()


_QUALIFY = re.compile(r"(?<![.\w])(rm_\w+)")
_PINYIN = re.compile(r"\bpinyin\(([\w.]+)\)")
_FOLD = re.compile(r"\bfold\(([\w.]+)\)")


def fold(text: str | None) -> str | None:
    """What a search compares: compatibility forms folded (the full-width ＡＢＣ１２３ a Chinese
    input method types is ABC123) and lower case, on both sides of a LIKE."""
    return None if text is None else unicodedata.normalize("NFKC", text).lower()


def escaped(text: str) -> str:
    """``text`` matched as it is by ``LIKE ... ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str) -> str:
    """The pattern of ``fold(column) LIKE ? ESCAPE '\\'`` for a column holding ``text``."""
    return f"%{escaped(fold(text) or '')}%"


def pinyin_key(name: str | None) -> bytes | None:
    """What a name sorts by: its GB 18030 bytes, whose order is the pinyin order of the common
    characters (GB 2312's first level, which holds the names' characters nearly always), as a
    Chinese reader expects a list of names (李 before 王 before 张), not the code points'."""
    return None if name is None else name.encode("gb18030", "replace")


class _PostgresTx:
    def __init__(self, conn: Any) -> None:
        from psycopg.rows import tuple_row

        self.cur = conn.cursor(row_factory=tuple_row)

    @staticmethod
    def _sql(sql: str) -> str:
        # Qualified names rather than a search_path: the connections are shared with the
        # tenants' event stores, and a read is then one round trip.
        if "pinyin(" in sql:  # as SQLite's pinyin_key, by the server's own conversion
            sql = _PINYIN.sub(r"convert_to(\1, 'GB18030')", sql)
        if "fold(" in sql:  # as SQLite's fold, by the server's own normalisation
            sql = _FOLD.sub(r"lower(normalize(\1, NFKC))", sql)
        return _QUALIFY.sub(r"projections.\1", sql.replace("?", "%s"))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(self._sql(sql), params)
        return self.cur.rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.cur.executemany(self._sql(sql), list(rows))

    def upsert(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """Many rows go through COPY into a temporary table and one INSERT ... ON CONFLICT:
        a statement per row costs a server round of planning and locking each, which made
        the rebuild wait on PostgreSQL for most of its time."""
        if len(rows) < 200:
            self.executemany(upsert_sql(table), rows)
            return
        columns, key = TABLES[table]
        staging = f"staging_{table}"
        self.cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE projections.{table}) "
            "ON COMMIT DELETE ROWS"
        )
        with self.cur.copy(f"COPY {staging} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        updates = [c for c in columns if c not in key] or key[:1]
        self.cur.execute(
            f"INSERT INTO projections.{table} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM {staging} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in updates)
        )
        self.cur.execute(f"DELETE FROM {staging}")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cur.execute(self._sql(sql), params)
        return list(self.cur.fetchall())


class PostgresReadModel:
    """Schema ``projections``; connections come from the tenancy's bounded pool."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection  # a context manager factory giving a psycopg connection
        # Workers starting together all run CREATE … IF NOT EXISTS; PostgreSQL may refuse all
        # but one with a unique violation on its catalogue. The tables exist then: try again.
        for attempt in range(5):
            try:
                with self._connection() as conn:
                    conn.execute("CREATE SCHEMA IF NOT EXISTS projections")
                    with conn.transaction():
                        conn.execute("SET LOCAL search_path TO projections")
                        conn.execute(ddl())
                return
            except Exception as error:
                if attempt == 4 or "already exists" not in str(error):
                    raise

    @contextmanager
    def transaction(self) -> Iterator[_PostgresTx]:
        with self._connection() as conn, conn.transaction():
            conn.execute("SET LOCAL search_path TO projections")
            yield _PostgresTx(conn)

    @contextmanager
    def read(self) -> Iterator[_PostgresTx]:
        with self._connection() as conn:
            yield _PostgresTx(conn)

    def close(self) -> None:
        pass


READ_MODEL_FILE = "projections.sqlite3"
CHECKPOINTS = "projections-checkpoints"
# The audit's kept diffs (``audit/kept.py``), also in the data folder: an erasure removes them.
AUDIT_CACHE = "audit-cache"
AUDIT_ERASED = "erased"  # in it: changed by each erasure before it removes the files


@dataclass(frozen=True)
class ReadModels:
    """Where a deployment keeps its read models, beside its logs: the live model (a file in the
    data folder on SQLite; schema ``projections`` of the cell, over the cell's pool, on
    PostgreSQL) and the as-of checkpoints (SQLite images in the data folder, either way).

    Each PostgreSQL cell has read models of its own, for its committees; ``cell`` names one
    other than the default (its checkpoints are kept apart)."""

    data_dir: Path
    connection: Callable[[], Any] | None = None  # PostgreSQL: the cell's pool's connections
    cell: str | None = None  # None: the default cell (or SQLite's only one)

    @property
    def embedded(self) -> bool:
        """The SQLite file, whose projector runs inside the web process."""
        return self.connection is None

    @property
    def path(self) -> Path:
        return self.data_dir / READ_MODEL_FILE

    @property
    def checkpoints(self) -> Path:
        if self.cell is None:
            return self.data_dir / CHECKPOINTS
        return self.data_dir / f"{CHECKPOINTS}-{self.cell}"

    def open(self) -> ReadModelDB:
        """The live read model (a connection of its own on SQLite)."""
        if self.connection is not None:
            return PostgresReadModel(self.connection)
        return SQLiteReadModel(self.path)


def with_tracking(model: bytes, positions: Mapping[str, int]) -> bytes:
    """A serialised in-memory model (``Connection.serialize``) with each log's tracked
    position set to ``positions`` (an audit image, ``audit/images.py``: a replay of one
    campaign tracks the last event it projected, and the events between that and the moment's
    position are other years' records, assessments and measures, which no replay of the
    campaign projects; a replay going on from the image reads each log from its position)."""
    copy = sqlite3.connect(":memory:")
    try:
        copy.deserialize(model)
        with copy:
            copy.executemany(
                "INSERT INTO rm_tracking (tenant, position) VALUES (?, ?) "
                "ON CONFLICT (tenant) DO UPDATE SET position = excluded.position",
                list(positions.items()),
            )
        return copy.serialize()
    finally:
        copy.close()
