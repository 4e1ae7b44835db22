"""The ballot box: the grade sheets of an open ballot, kept apart from the log (decision 0017).

While a ballot is open, its sheets wait here and nowhere else: one row per open ballot in a
table of the tenant's own store (beside ``stored_events`` in the tenant's SQLite file, or in the
tenant's PostgreSQL schema), like the idempotency claims. The row is one sealed envelope holding
every sheet cast so far, each pool's sheets in random order, encrypted with AES-GCM under a key
derived from the server's secret (:class:`BallotKeys`), so that a copy of the database taken
during voting (a backup, a stolen disk) cannot read them.

Why one envelope and not a row per sheet: rows keep their arrival order where nobody asked them
to (PostgreSQL's heap keeps insertion order and stamps each row with the id of the transaction
that wrote it, which is the transaction that recorded the code spent; SQLite's rowids count up).
A cast instead opens the envelope, puts its sheet at a random place, and seals it again with a
fresh nonce, inside the transaction that records the code spent: either both are written or
neither. Every envelope of a ballot has the same size for the same number of sheets (sheets are
fixed-width), so its size tells only how many were cast, which the log says anyway.

Closing a ballot reads the envelope, records the sheets in the log (shuffled again), and deletes
the row in that same transaction. SQLite overwrites deleted content with zeros
(``secure_delete``); PostgreSQL keeps dead row versions until VACUUM, and both keep old pages in
their write-ahead logs for a while: what remains there is ciphertext under the server's key.

The operation to carry out travels in a context variable set by the application around one save,
like the idempotency claim; the recorders (``recorders.py``) run it inside their insert.
"""

from __future__ import annotations

import contextvars
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from psycopg.sql import SQL, Identifier

TABLE = "cxzy_ballot_box"
NONCE = 12
Sheets = dict[str, list[str]]  # pool -> sheets


class BoxError(Exception):
    """The envelope cannot be opened: another key, or a changed envelope."""


@dataclass(frozen=True)
class BallotKeys:
    """The keys of one ballot, derived from the server's secret with HKDF-SHA256 (salt: the
    ballot's random salt; info: purpose, tenant and ballot id), so that each ballot, and each
    purpose, has keys of its own and none of them is ever stored."""

    codes: bytes  # HMAC key of the codes' hashes
    box: bytes  # AES-GCM key of the ballot box
    check: str  # recorded in the log: tells that a server's secret is the ballot's

    @classmethod
    def derive(cls, secret: bytes, tenant: str, ballot: UUID, salt: str) -> BallotKeys:
        def key(purpose: str) -> bytes:
            info = f"cxzy {purpose}/v1 {tenant} {ballot}".encode()
            return HKDF(SHA256(), 32, bytes.fromhex(salt), info).derive(secret)

        return cls(key("ballot codes"), key("ballot box"), key("ballot key check")[:8].hex())


def seal(key: bytes, ballot: UUID, sheets: Sheets) -> bytes:
    body = json.dumps(sheets, sort_keys=True, separators=(",", ":")).encode()
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, body, ballot.bytes)


def unseal(key: bytes, ballot: UUID, sealed: bytes) -> Sheets:
    """Raises BoxError when the envelope is not this ballot's under this key."""
    try:
        body = AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], ballot.bytes)
    except (InvalidTag, ValueError):
        raise BoxError("the ballot box cannot be opened with this key") from None
    found: Sheets = json.loads(body)
    return found


def with_sheet(sheets: Sheets, pool: str, sheet: str) -> Sheets:
    """``sheets`` and one more, put at a random place among its pool's."""
    pooled = list(sheets.get(pool, []))
    pooled.insert(secrets.randbelow(len(pooled) + 1), sheet)
    return {**sheets, pool: pooled}


@dataclass(frozen=True)
class BoxOp:
    """What one save does to a ballot's box: "make" it empty (open), "drop" a sheet in (cast),
    or "remove" it (close)."""

    kind: str
    ballot: UUID
    key: bytes
    pool: str = ""
    sheet: str = ""


_op: contextvars.ContextVar[BoxOp | None] = contextvars.ContextVar("cxzy_ballot_box", default=None)


@contextmanager
def boxing(op: BoxOp) -> Iterator[BoxOp]:
    """Carry ``op`` out in the transaction of the events saved inside the block."""
    token = _op.set(op)
    try:
        yield op
    finally:
        _op.reset(token)


def pending() -> BoxOp | None:
    return _op.get()


class MissingBox(Exception):
    """A sheet was cast into a ballot that has no box (opened before boxes existed)."""


def _dropped(op: BoxOp, sealed: bytes | None) -> bytes:
    if sealed is None:
        raise MissingBox(str(op.ballot))
    return seal(op.key, op.ballot, with_sheet(unseal(op.key, op.ballot, sealed), op.pool, op.sheet))


# SQLite: a WITHOUT ROWID table (rows ordered by ballot id, no rowid counting up).

SQLITE_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (ballot TEXT PRIMARY KEY, sealed BLOB NOT NULL) "
    "WITHOUT ROWID"
)


def run_sqlite(c: Any, op: BoxOp) -> None:
    """Carry ``op`` out on the cursor of the transaction that inserts the events."""
    # Overwrite what is deleted or replaced with zeros (a connection setting, set each time:
    # the library pools its connections).
    c.execute("PRAGMA secure_delete = ON")
    ballot = str(op.ballot)
    if op.kind == "make":
        c.execute(f"INSERT INTO {TABLE} (ballot, sealed) VALUES (?, ?)", (ballot, seal_empty(op)))
    elif op.kind == "drop":
        c.execute(f"SELECT sealed FROM {TABLE} WHERE ballot = ?", (ballot,))
        row = c.fetchone()
        sealed = _dropped(op, None if row is None else bytes(row[0]))
        c.execute(f"UPDATE {TABLE} SET sealed = ? WHERE ballot = ?", (sealed, ballot))
    elif op.kind == "remove":
        c.execute(f"DELETE FROM {TABLE} WHERE ballot = ?", (ballot,))


def read_sqlite(datastore: Any, ballot: UUID) -> bytes | None:
    with datastore.transaction(commit=False) as c:
        c.execute(f"SELECT sealed FROM {TABLE} WHERE ballot = ?", (str(ballot),))
        row = c.fetchone()
    return None if row is None else bytes(row[0])


# PostgreSQL: the table in the tenant's schema.


def postgres_create(schema: str) -> Any:
    return SQL(
        "CREATE TABLE IF NOT EXISTS {}.{} (ballot TEXT PRIMARY KEY, sealed BYTEA NOT NULL)"
    ).format(Identifier(schema), Identifier(TABLE))


def run_postgres(curs: Any, schema: str, op: BoxOp) -> None:
    table = (Identifier(schema), Identifier(TABLE))
    ballot = str(op.ballot)
    if op.kind == "make":
        curs.execute(
            SQL("INSERT INTO {}.{} (ballot, sealed) VALUES (%s, %s)").format(*table),
            (ballot, seal_empty(op)),
        )
    elif op.kind == "drop":
        # FOR UPDATE: two casts of one ballot take turns (the loser's event conflicts anyway).
        curs.execute(
            SQL("SELECT sealed FROM {}.{} WHERE ballot = %s FOR UPDATE").format(*table), (ballot,)
        )
        row = curs.fetchone()
        sealed = _dropped(op, None if row is None else bytes(row["sealed"]))
        curs.execute(
            SQL("UPDATE {}.{} SET sealed = %s WHERE ballot = %s").format(*table), (sealed, ballot)
        )
    elif op.kind == "remove":
        curs.execute(SQL("DELETE FROM {}.{} WHERE ballot = %s").format(*table), (ballot,))


def read_postgres(datastore: Any, schema: str, ballot: UUID) -> bytes | None:
    with datastore.get_connection() as conn:
        row = conn.execute(
            SQL("SELECT sealed FROM {}.{} WHERE ballot = %s").format(
                Identifier(schema), Identifier(TABLE)
            ),
            (str(ballot),),
        ).fetchone()
    return None if row is None else bytes(row["sealed"])


def vacuum_postgres(datastore: Any, schema: str) -> None:
    """Clear the dead row versions that each cast's UPDATE and the close's DELETE leave in the
    box table (and its TOAST table). Plain VACUUM, which takes no lock that casts of other
    ballots would wait for; it frees the space, without promising to overwrite it."""
    with datastore.get_connection() as conn:
        conn.execute(SQL("VACUUM {}.{}").format(Identifier(schema), Identifier(TABLE)))


def seal_empty(op: BoxOp) -> bytes:
    return seal(op.key, op.ballot, {})
