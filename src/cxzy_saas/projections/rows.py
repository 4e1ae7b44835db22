"""Read-model rows of one batch, by column name: buffered as upserts keyed by primary key (the
last write of a batch wins), read back from the buffer or else from the stored model, and
flushed in the batch's transaction. The table definitions are ``projections/schema.sql``.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from cxzy_saas.projections.db import TABLES, Tx

COLUMNS = {table: columns for table, (columns, _) in TABLES.items()}
POSITION = {table: {c: i for i, c in enumerate(columns)} for table, columns in COLUMNS.items()}


def _getter(names: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function picking ``names`` out of a dict as a tuple, at C speed (KeyError when one is
    missing): a rebuild writes a row or two for every event."""
    get = itemgetter(*names)
    if len(names) == 1:
        return lambda values: (get(values),)
    return get


ROW_OF = {table: _getter(columns) for table, (columns, _) in TABLES.items()}
KEY_OF = {table: _getter(key) for table, (_, key) in TABLES.items()}

Row = dict[str, Any]  # a read-model row by column name
Lookup = Callable[[str, tuple[Any, ...]], Row | None]  # (table or lookup, key) -> a stored row


class Rows:
    def __init__(self) -> None:
        # Kept as lists in the tables' column order: that is how they are upserted.
        self.rows: dict[str, dict[tuple[Any, ...], list[Any]]] = {t: {} for t in TABLES}
        self.increments: dict[tuple[str, int, int], int] = {}  # record counts to add
        self.db_lookup: Lookup | None = None  # the stored rows of earlier batches
        self.skipped: frozenset[str] = frozenset()  # tables this model does not keep

    def put(self, table: str, **values: Any) -> None:
        """Write a whole row; every column of ``table`` by name, and no other.

        Raises:
            KeyError: a column missing, or one the table does not have.
        """
        if len(values) != len(COLUMNS[table]):
            raise KeyError(f"{table} has the columns {COLUMNS[table]}, not {sorted(values)}")
        if table not in self.skipped:
            self.rows[table][KEY_OF[table](values)] = list(ROW_OF[table](values))

    def _row(self, table: str, key: tuple[Any, ...]) -> list[Any] | None:
        row = self.rows[table].get(key)
        if row is None and self.db_lookup is not None:
            found = self.db_lookup(table, key)
            row = None if found is None else [found[c] for c in COLUMNS[table]]
        return row

    def get(self, table: str, key: tuple[Any, ...]) -> Row | None:
        """The row of ``key`` (its primary key's values, in order): buffered, else stored."""
        row = self._row(table, key)
        return None if row is None else dict(zip(COLUMNS[table], row, strict=True))

    def set(self, table: str, key: tuple[Any, ...], **changes: Any) -> None:
        """Change some columns of an existing row; nothing when there is none."""
        row = self._row(table, key)
        if row is None:
            return
        position = POSITION[table]
        for column, value in changes.items():
            row[position[column]] = value
        self.rows[table][key] = row

    def flush(self, tx: Tx) -> int:
        written = 0
        for table, rows in self.rows.items():
            if rows:
                tx.upsert(table, list(rows.values()))
                written += len(rows)
                rows.clear()
        if self.increments:
            tx.executemany(
                "INSERT INTO rm_record_counts (tenant, year, month, records) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tenant, year, month) DO UPDATE "
                "SET records = rm_record_counts.records + excluded.records",
                [(*k, n) for k, n in self.increments.items()],
            )
            written += len(self.increments)
            self.increments.clear()
        return written
