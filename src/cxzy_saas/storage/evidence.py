"""Where evidence files live, by content hash (SHA-256), one tenant at a time (decision 0023).

* :class:`FolderFiles` (the SQLite default): ``<data_dir>/evidence/<tenant>/<ab>/<hash>``,
  written to a temporary name and renamed, so a reader never sees half a file.
* :class:`SchemaFiles` (the PostgreSQL default): table ``cxzy_evidence_files`` in the tenant's
  own schema, keyed by the hash, so a tenant's files are dumped, moved and restored with it.
* :class:`ObjectFiles`: an object store (S3-compatible) chosen by ``CXZY_EVIDENCE_STORE``;
  only the interface is here (``put``/``get``/``delete`` on a client given to it).

A store never decides what a file is: it keeps bytes under the hash it is given, after checking
that the bytes hash to it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

from psycopg import sql

from cxzy_saas.storage.stores import PostgresStore, SQLiteStore, Store

TABLE = "cxzy_evidence_files"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class EvidenceFiles(Protocol):
    """Bytes by (tenant, SHA-256)."""

    def put(self, tenant: str, digest: str, data: bytes) -> None: ...

    def get(self, tenant: str, digest: str) -> bytes | None: ...

    def delete(self, tenant: str, digest: str) -> None: ...


def _check(digest: str, data: bytes) -> None:
    if sha256(data) != digest:
        raise ValueError("the bytes do not hash to the digest given")


class FolderFiles:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, tenant: str, digest: str) -> Path:
        if not digest.isalnum() or not tenant.replace("-", "").replace("_", "").isalnum():
            raise ValueError("bad tenant or digest")
        return self.root / tenant / digest[:2] / digest

    def put(self, tenant: str, digest: str, data: bytes) -> None:
        _check(digest, data)
        target = self.path(tenant, digest)
        if target.exists():
            return  # same hash, same bytes
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, tenant: str, digest: str) -> bytes | None:
        target = self.path(tenant, digest)
        return target.read_bytes() if target.exists() else None

    def delete(self, tenant: str, digest: str) -> None:
        self.path(tenant, digest).unlink(missing_ok=True)


class SchemaFiles:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self._ready: set[str] = set()

    def _table(self, tenant: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(
            sql.Identifier(self.store.schema(tenant)), sql.Identifier(TABLE)
        )

    def _ensure(self, tenant: str) -> None:
        if tenant in self._ready:
            return
        with self.store.connection() as conn:
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (sha256 TEXT PRIMARY KEY, data BYTEA NOT NULL)"
                ).format(self._table(tenant))
            )
        self._ready.add(tenant)

    def put(self, tenant: str, digest: str, data: bytes) -> None:
        _check(digest, data)
        self._ensure(tenant)
        with self.store.connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (sha256, data) VALUES (%s, %s) ON CONFLICT (sha256) DO NOTHING"
                ).format(self._table(tenant)),
                (digest, data),
            )

    def get(self, tenant: str, digest: str) -> bytes | None:
        self._ensure(tenant)
        with self.store.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT data FROM {} WHERE sha256 = %s").format(self._table(tenant)),
                (digest,),
            ).fetchone()
        return None if row is None else bytes(row["data"])

    def delete(self, tenant: str, digest: str) -> None:
        self._ensure(tenant)
        with self.store.connection() as conn:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE sha256 = %s").format(self._table(tenant)), (digest,)
            )


class ObjectClient(Protocol):
    """What :class:`ObjectFiles` needs of an object-store client (an S3 client's calls)."""

    def put_object(self, key: str, data: bytes) -> None: ...

    def get_object(self, key: str) -> bytes | None: ...

    def delete_object(self, key: str) -> None: ...


class ObjectFiles:
    """Files in an object store under ``<prefix><tenant>/<hash>``. No client ships with the
    product yet: a deployment that sets ``CXZY_EVIDENCE_STORE=object`` provides one."""

    def __init__(self, client: ObjectClient, prefix: str = "evidence/") -> None:
        self.client = client
        self.prefix = prefix

    def key(self, tenant: str, digest: str) -> str:
        return f"{self.prefix}{tenant}/{digest}"

    def put(self, tenant: str, digest: str, data: bytes) -> None:
        _check(digest, data)
        self.client.put_object(self.key(tenant, digest), data)

    def get(self, tenant: str, digest: str) -> bytes | None:
        return self.client.get_object(self.key(tenant, digest))

    def delete(self, tenant: str, digest: str) -> None:
        self.client.delete_object(self.key(tenant, digest))


def files_for(store: Store, choice: str = "", data_dir: Path | None = None) -> EvidenceFiles:
    """The file store for a tenant store: ``choice`` is ``CXZY_EVIDENCE_STORE`` ("" for the
    backend's own: the data folder on SQLite, the tenant's schema on PostgreSQL; "folder";
    "database").

    Raises:
        ValueError: an unknown choice, "database" without PostgreSQL, or "object" (no client
            ships with the product).
    """
    if choice == "object":
        raise ValueError("CXZY_EVIDENCE_STORE=object needs an object-store client (not shipped)")
    if choice not in ("", "folder", "database"):
        raise ValueError(f"CXZY_EVIDENCE_STORE: unknown store {choice!r}")
    if isinstance(store, PostgresStore) and choice in ("", "database"):
        return SchemaFiles(store)
    if choice == "database":
        raise ValueError("CXZY_EVIDENCE_STORE=database needs PostgreSQL")
    if data_dir is None:
        data_dir = store.data_dir if isinstance(store, SQLiteStore) else Path("var")
    return FolderFiles(data_dir / "evidence")
