"""Where evidence files live, by content hash (SHA-256), one tenant at a time (decision 0023).

* :class:`FolderFiles` (the SQLite default): ``<data_dir>/evidence/<tenant>/<ab>/<hash>``,
  written to a temporary name and renamed, so a reader never sees half a file.
* :class:`SchemaFiles` (the PostgreSQL default): table ``cxzy_evidence_files`` in the tenant's
  own schema, keyed by the hash, so a tenant's files are dumped, moved and restored with it.
* :class:`ObjectFiles`: an S3-compatible object store (AWS S3, MinIO, Ceph, OSS, COS),
  ``CXZY_EVIDENCE_STORE=s3://BUCKET/PREFIX``, through :class:`S3Client` (boto3, the optional
  ``s3`` extra).

A store never decides what a file is: it keeps bytes under the hash it is given, after checking
that the bytes hash to it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
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
    """What :class:`ObjectFiles` needs of an object-store client."""

    def put_object(self, key: str, data: bytes) -> None: ...

    def get_object(self, key: str) -> bytes | None: ...

    def delete_object(self, key: str) -> None: ...


class S3Client:
    """:class:`ObjectClient` over one bucket of an S3-compatible store, with boto3. Where and
    as whom come from boto3's own chain (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
    ``AWS_DEFAULT_REGION``, a profile or an instance role); ``endpoint`` names a store other
    than AWS's (``CXZY_EVIDENCE_S3_ENDPOINT``, such as ``http://minio:9000``)."""

    def __init__(self, bucket: str, endpoint: str | None = None) -> None:
        try:
            import boto3
        except ImportError as missing:
            raise ValueError(
                "CXZY_EVIDENCE_STORE=s3://… needs boto3: pip install 'cxzy-saas[s3]'"
            ) from missing
        self.bucket = bucket
        self.s3 = boto3.client("s3", endpoint_url=endpoint or None)

    def put_object(self, key: str, data: bytes) -> None:
        # the store checks the bytes it receives against this MD5 (a torn upload is refused)
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        with self._failing():
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentMD5=md5)

    def get_object(self, key: str) -> bytes | None:
        with self._failing():
            try:
                found = self.s3.get_object(Bucket=self.bucket, Key=key)
            except self.s3.exceptions.NoSuchKey:
                return None
            return bytes(found["Body"].read())

    def delete_object(self, key: str) -> None:
        with self._failing():
            self.s3.delete_object(Bucket=self.bucket, Key=key)

    @contextmanager
    def _failing(self) -> Iterator[None]:
        """The store's failures (unreachable, refused, no such bucket) as the OSError a folder
        store raises, so the callers handle one kind of storage failure."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as failed:
            raise OSError(f"object store s3://{self.bucket}: {failed}") from failed


class ObjectFiles:
    """Files in an object store under ``<prefix><tenant>/<hash>``. Like every store, it hands
    back what it holds: the application checks a file read back against the hash in the log
    before serving or archiving it."""

    def __init__(self, client: ObjectClient, prefix: str = "evidence/") -> None:
        self.client = client
        self.prefix = prefix

    def key(self, tenant: str, digest: str) -> str:
        if not digest.isalnum() or not tenant.replace("-", "").replace("_", "").isalnum():
            raise ValueError("bad tenant or digest")
        return f"{self.prefix}{tenant}/{digest}"

    def put(self, tenant: str, digest: str, data: bytes) -> None:
        _check(digest, data)
        self.client.put_object(self.key(tenant, digest), data)

    def get(self, tenant: str, digest: str) -> bytes | None:
        return self.client.get_object(self.key(tenant, digest))

    def delete(self, tenant: str, digest: str) -> None:
        self.client.delete_object(self.key(tenant, digest))


def object_store(choice: str) -> tuple[str, str]:
    """``s3://BUCKET[/PREFIX]`` as (bucket, prefix); the prefix ends with "/" (default
    "evidence/").

    Raises:
        ValueError: not such a URL.
    """
    rest = choice.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not choice.startswith("s3://") or not bucket:
        raise ValueError(f"CXZY_EVIDENCE_STORE={choice!r}: an object store is s3://BUCKET/PREFIX")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else "evidence/"


def files_for(
    store: Store, choice: str = "", data_dir: Path | None = None, endpoint: str | None = None
) -> EvidenceFiles:
    """The file store for a tenant store: ``choice`` is ``CXZY_EVIDENCE_STORE`` ("" for the
    backend's own: the data folder on SQLite, the tenant's schema on PostgreSQL; "folder";
    "database"; ``s3://BUCKET/PREFIX`` with ``endpoint`` for an object store).

    Raises:
        ValueError: an unknown choice, "database" without PostgreSQL, or an object store
            without boto3.
    """
    if choice.startswith("s3://"):
        bucket, prefix = object_store(choice)
        return ObjectFiles(S3Client(bucket, endpoint), prefix)
    if choice not in ("", "folder", "database"):
        raise ValueError(f"CXZY_EVIDENCE_STORE: unknown store {choice!r}")
    if isinstance(store, PostgresStore) and choice in ("", "database"):
        return SchemaFiles(store)
    if choice == "database":
        raise ValueError("CXZY_EVIDENCE_STORE=database needs PostgreSQL")
    if data_dir is None:
        data_dir = store.data_dir if isinstance(store, SQLiteStore) else Path("var")
    return FolderFiles(data_dir / "evidence")
