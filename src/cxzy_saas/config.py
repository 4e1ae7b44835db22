"""Settings, read once from options and the environment; nothing else reads os.environ."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SECRET_FILE = "secret.key"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str | None = None
    # Upper bound of PostgreSQL connections this process opens, whatever the number of tenants.
    max_connections: int = 10
    # Tenant applications kept open at once; others are opened on demand and closed when evicted.
    app_cache_size: int = 64
    # The server's secret (CXZY_SECRET_KEY): ballot codes are hashed and ballot boxes sealed
    # with keys derived from it (decision 0017). Without it, a key kept in the data folder.
    secret_key: str | None = None
    # The address raters reach the server at (CXZY_PUBLIC_URL), printed on ballot slips: a
    # request's own host is wrong behind a reverse proxy. Without it, the request's host.
    public_url: str | None = None

    @classmethod
    def from_env(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        max_connections: int | None = None,
    ) -> Settings:
        env = os.environ
        return cls(
            data_dir=Path(data_dir or env.get("CXZY_DATA_DIR") or "var"),
            database_url=database_url or env.get("CXZY_DATABASE_URL") or None,
            max_connections=max_connections or int(env.get("CXZY_MAX_CONNECTIONS") or 10),
            app_cache_size=int(env.get("CXZY_APP_CACHE_SIZE") or 64),
            secret_key=env.get("CXZY_SECRET_KEY") or None,
            public_url=(env.get("CXZY_PUBLIC_URL") or "").rstrip("/") or None,
        )

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"

    def server_secret(self) -> bytes:
        """CXZY_SECRET_KEY, or else the key in ``<data_dir>/secret.key``, made on first use.

        The key file serves the embedded default, where nothing else keeps a secret across
        restarts; a copy of the data folder then carries the key with it, so production sets
        CXZY_SECRET_KEY and keeps it out of the database and its backups.
        """
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / SECRET_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(4)}")
            with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                f.write(secrets.token_hex(32))
            # A hard link never replaces: of two processes making the key at once, one
            # links its draft, and both read that one.
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
            draft.unlink()
        return path.read_text().strip().encode()
