"""Settings, read once from options and the environment; nothing else reads os.environ."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# The cell of CXZY_DATABASE_URL: it holds the registry (which committee lives in which cell).
DEFAULT_CELL = "default"
CELL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def parse_cells(text: str) -> tuple[tuple[str, str], ...]:
    """``"a=postgresql://…;b=postgresql://…"`` -> ((name, url), …).

    Raises:
        ValueError: a malformed entry or name, or a name given twice.
    """
    found: dict[str, str] = {}
    for entry in (part.strip() for part in text.split(";")):
        if not entry:
            continue
        name, equals, url = entry.partition("=")
        name, url = name.strip(), url.strip()
        if not equals or not url or not CELL_NAME.match(name):
            raise ValueError(
                f"CXZY_CELLS: {entry!r} is not NAME=URL (a name of a-z, 0-9 and _, from a letter)"
            )
        if name in found:
            raise ValueError(f"CXZY_CELLS: cell {name} is given twice")
        found[name] = url
    return tuple(found.items())


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
    # PostgreSQL cells besides the default one (CXZY_DATABASE_URL): (name, URL) pairs. Each cell
    # is a database holding whole committees; the registry in the default cell says which.
    cells: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_env(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        max_connections: int | None = None,
    ) -> Settings:
        """Raises ValueError: malformed ``CXZY_CELLS``."""
        env = os.environ
        return cls(
            data_dir=Path(data_dir or env.get("CXZY_DATA_DIR") or "var"),
            database_url=database_url or env.get("CXZY_DATABASE_URL") or None,
            max_connections=max_connections or int(env.get("CXZY_MAX_CONNECTIONS") or 10),
            app_cache_size=int(env.get("CXZY_APP_CACHE_SIZE") or 64),
            asof_replays=int(env.get("CXZY_ASOF_REPLAYS") or 1),
            connection_max_age=float(env.get("CXZY_CONNECTION_MAX_AGE") or 600.0),
            asof_wait=float(env.get("CXZY_ASOF_WAIT") or 10.0),
            cells=parse_cells(env.get("CXZY_CELLS") or ""),
        )

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"

    def cell_urls(self) -> dict[str, str]:
        """Every PostgreSQL cell by name, the default one (CXZY_DATABASE_URL) first; empty on
        SQLite (one data folder, no cells).

        Raises:
            ValueError: cells without a default cell, or a default cell named twice.
        """
        if not self.database_url:
            if self.cells:
                raise ValueError(
                    "CXZY_CELLS needs CXZY_DATABASE_URL: the default cell holds the registry"
                )
            return {}
        found = {DEFAULT_CELL: self.database_url}
        for name, url in self.cells:
            if name == DEFAULT_CELL and url != self.database_url:
                raise ValueError(
                    f"CXZY_CELLS: cell {DEFAULT_CELL} is CXZY_DATABASE_URL; give it once"
                )
            found[name] = url
        return found
