"""Personal data of members, sealed with a key per member so that it can be erased (PIPL).

Why at the mapper: the domain keeps plaintext (a ``Member`` has a ``name``), and the log must
never be rewritten (sealed archives hash the stored bytes). The library's cipher has one key per
application, i.e. per tenant, which cannot forget one member. So the mapper seals the personal
fields of each stored event with the AES-256-GCM key of the member they belong to, kept in a key
table in the tenant's own store (the same SQLite file, the same PostgreSQL schema), and opens them
again on reading. Erasure destroys the one key: the stored bytes stay as they were and still hash
the same, but no one can read the member's name from them any more; decoding then gives the
erased placeholder instead of failing.

Where personal data sits in stored events (:func:`sites`):

- ``Member.*``: the fields of :data:`PERSONAL_FIELDS` (name, gender, phone and ID-like fields);
  the key is the member's own (key id = the member's aggregate id).
- ``Commendation.Named`` (the committee's log): the name of each commended member. The decision
  names people on purpose, so the copy stays, sealed with the member's key from the branch's store.
- ``Evidence.Attached`` of an item about a member: the file's name, sealed with the member's
  key (the file's bytes are deleted from the file store at the erasure, decision 0023).
- ``BranchCommendation.Commended`` and ``.RecommendedUpward`` of a member: the member's name,
  as the committee's commendation keeps it (a branch's 通报表扬 names people on purpose).
- ``Ballot.Opened`` subjects and ``Nomination.Shortlisted`` rows: names were copied there before
  this change; new events no longer carry them (views resolve names from the member). Old copies
  are shown as erased once the member is.

A sealed value is plain JSON, ``{"_sealed_": "aesgcm-v1", "tenant", "key", "data"}``, not a
library transcoding: any JSON reader (the projector, an offline archive verifier, the library's
own transcoder) decodes the event, it just cannot read the name. A dict cannot be a real value of
these string fields, so a sealed value is never mistaken for data. Values written before this
change are plaintext strings and still load; when the member's key row says "erased", they are
shown as erased too (their bytes stay in the log: crypto-shredding can only forget what it sealed).

The key table keeps a tombstone (no key, the time of erasure) for each erased member, so that a
later copy of an erased member is never sealed with a fresh key and legacy plaintext is hidden.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hmac
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Mapper, ProgrammingError, StoredEvent
from psycopg import sql

from cxzy_saas.domain import events
from cxzy_saas.domain.events import EventClass, of_aggregate
from cxzy_saas.domain.organisation import PERSONAL_FIELDS, Member, erased_value
from cxzy_saas.storage.stores import PostgresStore, SQLiteStore, Store

KEY_TABLE = "cxzy_personal_keys"
SEALED = "aesgcm-v1"

Site = tuple[dict[str, Any], str, str, str]  # (container, field, tenant of the key, key id)
Keys = dict[tuple[str, str], bytes | None]  # (tenant, key id) -> key, None when erased


# sealing one value


def seal(key: bytes, tenant: str, key_id: str, plaintext: str) -> dict[str, str]:
    # A synthetic nonce (SIV-style): an HMAC of the value under the member's key. Two different
    # values never share a nonce under one key, and the same value seals to the same bytes, which
    # a deterministic back-fill (the demo: same seed, same logs) needs. It reveals only that two
    # of one member's sealed values are equal.
    nonce = hmac.new(key, b"cxzy-nonce/" + key_id.encode() + b"/" + plaintext.encode(), "sha256")
    data = AESGCM(key).encrypt(nonce.digest()[:12], plaintext.encode(), key_id.encode())
    return _sealed(tenant, key_id, nonce.digest()[:12] + data)


def _sealed(tenant: str, key_id: str, raw: bytes) -> dict[str, str]:
    return {
        "_sealed_": SEALED,
        "tenant": tenant,
        "key": key_id,
        "data": base64.b64encode(raw).decode(),
    }


# Keys are random, except inside derived_keys(): there they are derived from a secret, so that a
# trusted back-fill that must repeat itself byte for byte (the demo, for a seed) can. Never use it
# for real people: whoever knows the secret can open their data, erased or not.
_derive_from: ContextVar[bytes | None] = ContextVar("derive_personal_keys_from", default=None)


@contextlib.contextmanager
def derived_keys(secret: str) -> Iterator[None]:
    """Derive the keys made inside the block from ``secret`` (demo data only)."""
    token = _derive_from.set(secret.encode())
    try:
        yield
    finally:
        _derive_from.reset(token)


def new_key(tenant: str, key_id: str) -> bytes:
    secret = _derive_from.get()
    if secret is None:
        return AESGCM.generate_key(bit_length=256)
    return hmac.new(secret, f"{tenant}/{key_id}".encode(), "sha256").digest()


def is_sealed(value: Any) -> bool:
    return type(value) is dict and value.get("_sealed_") == SEALED


def open_sealed(value: dict[str, str], key: bytes) -> str:
    raw = base64.b64decode(value["data"])
    return AESGCM(key).decrypt(raw[:12], raw[12:], value["key"].encode()).decode()


# where personal data sits


def sites(
    event: EventClass | None, state: dict[str, Any], tenant: str, originator_id: Any = None
) -> list[Site]:
    """The personal values of one event's state (see the module's docstring); ``event`` is its
    class (None: an event this domain does not know, which holds none). Nested containers
    are those of ``state``: copy them first (:func:`copy_nested`) before changing values.
    ``originator_id`` is needed when ``state`` does not hold it (the projector's decoding)."""
    if of_aggregate(event, Member):
        key_id = str(originator_id if originator_id is not None else state["originator_id"])
        return [(state, f, tenant, key_id) for f in PERSONAL_FIELDS if f in state]
    found: list[Site] = []
    if event is events.CommendationNamed:
        for entry in state.get("entries", []):
            if entry.get("level") == "member" and "name" in entry:
                branch = entry["branch"]
                found.append((entry, "name", branch, _member_key(branch, entry["subject"])))
    elif event is events.BallotOpened:
        rows = state.get("subjects", [])
        found += _member_rows(rows, tenant)
    elif event in ABOUT_ONE:
        if state.get("level") == "member" and "name" in state and "subject" in state:
            found.append((state, "name", tenant, _member_key(tenant, state["subject"])))
    elif event is events.NominationShortlisted:
        found += _member_rows(state.get("entries", []), tenant)
        found += _member_rows(state.get("ranking", {}).get("member", []), tenant)
    return found


# Events about one group or member that copy a member's name beside its number.
ABOUT_ONE = (
    events.EvidenceAttached,
    events.BranchCommendationCommended,
    events.BranchCommendationRecommendedUpward,
)


NESTED: dict[EventClass, tuple[str, ...]] = {
    events.CommendationNamed: ("entries",),
    events.BallotOpened: ("subjects",),
    events.NominationShortlisted: ("entries", "ranking"),
}


def copy_nested(event: EventClass, state: dict[str, Any]) -> None:
    for field in NESTED.get(event, ()):
        if field in state:
            state[field] = copy.deepcopy(state[field])


def _member_rows(rows: Iterable[dict[str, Any]], tenant: str) -> list[Site]:
    return [
        (row, "name", tenant, _member_key(tenant, row["subject"]))
        for row in rows
        if row.get("level", "member") == "member" and "name" in row and "subject" in row
    ]


def _member_key(tenant: str, member_no: str) -> str:
    return str(Member.id_for(tenant, member_no))


def open_values(found: list[Site], keys: Keys) -> None:
    """Replace each sealed value by its plaintext, or by the erased placeholder when its key
    is gone; plaintext of an erased member (written before sealing) is hidden as well."""
    for container, field, tenant, key_id in found:
        value = container[field]
        key = keys.get((tenant, key_id), b"")
        if is_sealed(value):
            try:
                container[field] = open_sealed(value, key) if key else erased_value(field)
            except InvalidTag:  # a wrong or damaged key reads as erased, never as garbage
                container[field] = erased_value(field)
        elif key is None:
            container[field] = erased_value(field)


def wanted_keys(found: Iterable[Site]) -> set[tuple[str, str]]:
    return {(tenant, key_id) for _, _, tenant, key_id in found}


# the key table


class KeyRing:
    """Per-member keys of any tenant of a store, in that tenant's own store.

    Lookups are not cached across calls: an erasure made by another process must take effect
    at once. The projector batches them (one query per chunk of events), and the application's
    aggregate cache decodes each member once per process.
    """

    def __init__(self, store: Store, tenant: str) -> None:
        self.store = store
        self.tenant = tenant  # whose table is kept open (SQLite): the application's own
        self._own: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._ready: set[str] = set()

    # SQLite

    @contextlib.contextmanager
    def _sqlite(self, tenant: str) -> Iterator[sqlite3.Connection | None]:
        assert isinstance(self.store, SQLiteStore)
        path = self.store.path(tenant)
        if tenant == self.tenant:
            with self._lock:
                if self._own is None:
                    if not path.exists():
                        yield None
                        return
                    self._own = _sqlite_connect(path)
                yield self._own
            return
        if not path.exists():
            yield None
            return
        conn = _sqlite_connect(path)
        try:
            yield conn
        finally:
            conn.close()

    def _pg_table(self, tenant: str) -> sql.Composed:
        assert isinstance(self.store, PostgresStore)
        return sql.SQL("{}.{}").format(
            sql.Identifier(self.store.schema(tenant)), sql.Identifier(KEY_TABLE)
        )

    def _ensure(self, tenant: str) -> None:
        """Create the key table on first use (concurrent creators: the loser retries once)."""
        if tenant in self._ready:
            return
        if isinstance(self.store, PostgresStore):
            ddl = sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (key_id TEXT PRIMARY KEY, key BYTEA,"
                " erased_at TIMESTAMPTZ)"
            ).format(self._pg_table(tenant))
            for attempt in range(2):
                try:
                    with self.store.connection() as conn:
                        conn.execute(ddl)
                    break
                except (psycopg.errors.UniqueViolation, IntegrityError):
                    if attempt:
                        raise
        else:
            with self._sqlite(tenant) as conn:
                if conn is None:
                    raise LookupError(f"tenant {tenant} has no store")
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} (key_id TEXT PRIMARY KEY, key BLOB,"
                    " erased_at TEXT)"
                )
        self._ready.add(tenant)

    def lookup(self, wanted: Iterable[tuple[str, str]]) -> Keys:
        """The rows found for (tenant, key id) pairs: a key, or None for an erased member.
        Pairs without a row are absent (no key was ever made: plaintext from before), as are
        those of a tenant without a key table: a read creates no table (only sealing and
        erasure do), for readers may be many and a rebuild spent milliseconds of DDL a log."""
        by_tenant: dict[str, set[str]] = {}
        for tenant, key_id in wanted:
            by_tenant.setdefault(tenant, set()).add(key_id)
        found: Keys = {}
        for tenant, ids in by_tenant.items():
            for key_id, key in self._select(tenant, sorted(ids)):
                found[(tenant, key_id)] = bytes(key) if key is not None else None
        return found

    def _select(self, tenant: str, ids: list[str]) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = []
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            if isinstance(self.store, PostgresStore):
                query = sql.SQL("SELECT key_id, key FROM {} WHERE key_id = ANY(%s)").format(
                    self._pg_table(tenant)
                )
                try:
                    with self.store.connection() as conn:
                        rows += [(r["key_id"], r["key"]) for r in conn.execute(query, (part,))]
                except ProgrammingError as error:  # the library's, around psycopg's
                    if isinstance(error.__cause__, psycopg.errors.UndefinedTable):
                        return []  # no key table: no keys (never create a table by reading)
                    raise
            else:
                marks = ", ".join("?" * len(part))
                assert isinstance(self.store, SQLiteStore)
                if not self.store.path(tenant).exists():
                    return []  # no such tenant: no keys (never create a file by reading)
                with self._sqlite(tenant) as conn:
                    assert conn is not None
                    try:
                        rows += conn.execute(
                            f"SELECT key_id, key FROM {KEY_TABLE} WHERE key_id IN ({marks})", part
                        ).fetchall()
                    except sqlite3.OperationalError as error:
                        if "no such table" in str(error):
                            return []
                        raise
        return rows

    def keys_for(self, wanted: Iterable[tuple[str, str]]) -> Keys:
        """Keys for sealing: made for the pairs that have none yet (None: erased)."""
        wanted = set(wanted)
        found = self.lookup(wanted)
        missing = sorted(wanted - set(found))
        for tenant in sorted({t for t, _ in missing}):
            self._ensure(tenant)
            fresh = [(k, new_key(t, k)) for t, k in missing if t == tenant]
            self._insert(tenant, fresh)
        if missing:
            # Read back: a concurrent writer may have made some of them first (its key wins).
            found.update(self.lookup(missing))
        return found

    def _insert(self, tenant: str, rows: list[tuple[str, bytes]]) -> None:
        if isinstance(self.store, PostgresStore):
            query = sql.SQL(
                "INSERT INTO {} (key_id, key) VALUES (%s, %s) ON CONFLICT (key_id) DO NOTHING"
            ).format(self._pg_table(tenant))
            with self.store.connection() as conn, conn.transaction():
                conn.cursor().executemany(query, rows)
        else:
            with self._sqlite(tenant) as conn:
                assert conn is not None
                conn.executemany(
                    f"INSERT INTO {KEY_TABLE} (key_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    rows,
                )

    def holds_key(self, tenant: str, key_id: str) -> bool:
        return self.lookup([(tenant, key_id)]).get((tenant, key_id)) is not None

    def destroy(self, tenant: str, key_id: str) -> None:
        """Destroy a member's key, leaving a tombstone (no key, the time of erasure).

        The row holding the key is deleted, not updated, so that the storage engine frees the
        record that held the key bytes:
        - SQLite: with ``PRAGMA secure_delete`` the freed cell is overwritten with zeros, and a
          ``wal_checkpoint(TRUNCATE)`` copies the pages back and empties the write-ahead log
          that still held the insert's frames.
        - PostgreSQL: a DELETE only marks the tuple dead; ``VACUUM FULL`` of the (small) key
          table rewrites it into a new file without the dead tuple. The key may survive in WAL
          segments and base backups until they rotate out: keep backup retention within the
          erasure deadline you promise.
        """
        self._ensure(tenant)
        now = datetime.now(UTC)
        if isinstance(self.store, PostgresStore):
            table = self._pg_table(tenant)
            with self.store.connection() as conn:
                with conn.transaction():
                    conn.execute(
                        sql.SQL("DELETE FROM {} WHERE key_id = %s").format(table), (key_id,)
                    )
                    conn.execute(
                        sql.SQL(
                            "INSERT INTO {} (key_id, key, erased_at) VALUES (%s, NULL, %s)"
                        ).format(table),
                        (key_id, now),
                    )
                conn.execute(sql.SQL("VACUUM FULL {}").format(table))
            return
        with self._sqlite(tenant) as conn:
            assert conn is not None
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(f"DELETE FROM {KEY_TABLE} WHERE key_id = ?", (key_id,))
                conn.execute(
                    f"INSERT INTO {KEY_TABLE} (key_id, key, erased_at) VALUES (?, NULL, ?)",
                    (key_id, now.isoformat()),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            # Best effort: a reader holding an old snapshot makes it stop early; the next
            # checkpoint then overwrites the frames.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        with self._lock:
            if self._own is not None:
                self._own.close()
                self._own = None


def _sqlite_connect(path: Any) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA secure_delete = ON")
    return conn


# the mapper


class PersonalDataMapper(Mapper[Any]):
    """The library's mapper, sealing personal values on the way to the store and opening them
    on the way back (before the library's own cipher and compressor, which still apply)."""

    keys: KeyRing
    tenant: str

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        event = type(domain_event)
        state = dict(vars(domain_event))
        copy_nested(event, state)  # the aggregate shares the event's lists: never change them
        found = [s for s in sites(event, state, self.tenant) if isinstance(s[0][s[1]], str)]
        found = [s for s in found if s[0][s[1]]]  # an empty value reveals nothing
        if not found:
            return super().to_stored_event(domain_event)
        keys = self.keys.keys_for(wanted_keys(found))
        for container, field, tenant, key_id in found:
            key = keys.get((tenant, key_id))
            value = container[field]
            # An erased member's data is never stored again, sealed or not.
            container[field] = (
                seal(key, tenant, key_id, value) if key is not None else erased_value(field)
            )
        sealed = object.__new__(type(domain_event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        domain_event = super().to_domain_event(stored_event)
        found = sites(type(domain_event), vars(domain_event), self.tenant)
        if found:
            open_values(found, self.keys.lookup(wanted_keys(found)))
        return domain_event


def personal_mapper(
    transcoder: Any, cipher: Any, compressor: Any, keys: KeyRing, tenant: str
) -> PersonalDataMapper:
    mapper = PersonalDataMapper(transcoder=transcoder, cipher=cipher, compressor=compressor)
    mapper.keys = keys
    mapper.tenant = tenant
    return mapper
