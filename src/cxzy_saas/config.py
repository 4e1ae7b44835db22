"""Settings, read once from options and the environment; nothing else reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str | None = None
    # Upper bound of PostgreSQL connections this process opens, whatever the number of tenants.
    max_connections: int = 10
    # Tenant applications kept open at once; others are opened on demand and closed when evicted.
    app_cache_size: int = 64
    # As-of replays running at once in a web process, and how long a request waits for one
    # before it is refused (HTTP 503 with Retry-After).
    asof_replays: int = 1
    # Seconds a PostgreSQL connection lives before the pool replaces it (its catalog cache,
    # which grows with every tenant schema it touches, goes with it).
    connection_max_age: float = 600.0
    asof_wait: float = 10.0

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
            asof_replays=int(env.get("CXZY_ASOF_REPLAYS") or 1),
            connection_max_age=float(env.get("CXZY_CONNECTION_MAX_AGE") or 600.0),
            asof_wait=float(env.get("CXZY_ASOF_WAIT") or 10.0),
        )

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"
