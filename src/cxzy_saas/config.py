"""Settings, read once from options and the environment; nothing else reads os.environ.

A bad value ends the command with one line naming the variable and what it should be
(:class:`SettingsError`), never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SECRET_FILE = "secret.key"

MISSING_SECRET = (
    "CXZY_SECRET_KEY is not set: tokens and sessions are signed with it "
    "(set it to a long random value, e.g. `openssl rand -hex 32`, the same for every worker)"
)
# Whoever holds the key signs tokens and sessions as anyone: a placeholder left from
# deploy/env.example or a word typed by hand is refused; 32 characters of `openssl rand -hex 32`
# are 64.
MIN_SECRET = 32
PLACEHOLDERS = frozenset({"change-me", "changeme", "secret", "password"})
WEAK_SECRET = (
    f"CXZY_SECRET_KEY is too short or a placeholder: use {MIN_SECRET} characters or more of a "
    "random value, e.g. `openssl rand -hex 32`, the same for every worker"
)


def weak_secret(key: str) -> bool:
    return len(key) < MIN_SECRET or key.strip().lower() in PLACEHOLDERS


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is the one line to show."""


# The cell of CXZY_DATABASE_URL: it holds the registry (which committee lives in which cell).
DEFAULT_CELL = "default"
CELL_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")


def parse_cells(text: str) -> tuple[tuple[str, str], ...]:
    """``"a=postgresql://…;b=postgresql://…"`` -> ((name, url), …).

    Raises:
        SettingsError: a malformed entry or name, or a name given twice.
    """
    found: dict[str, str] = {}
    for entry in (part.strip() for part in text.split(";")):
        if not entry:
            continue
        name, equals, url = entry.partition("=")
        name, url = name.strip(), url.strip()
        if not equals or not url or not CELL_NAME.fullmatch(name):
            raise SettingsError(
                f"CXZY_CELLS: {entry!r} is not NAME=URL (a name of a-z, 0-9 and _, from a letter)"
            )
        if name in found:
            raise SettingsError(f"CXZY_CELLS: cell {name} is given twice")
        found[name] = url
    return tuple(found.items())


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str | None = None
    # Upper bound of PostgreSQL connections this process opens, whatever the number of tenants
    # (two at least: closing or sealing a year holds one while it works, decision 0033).
    max_connections: int = 10
    # Tenant applications kept open at once; others are opened on demand and closed when evicted.
    app_cache_size: int = 64
    web: WebSettings = field(default_factory=lambda: WebSettings())
    # Tokens and sessions are signed with it, ballot codes hashed and ballot boxes sealed with
    # keys derived from it (decision 0017); every worker and replica needs the same one.
    secret_key: str | None = field(default=None, repr=False)
    # /readyz answers 503 while the projector is more events than this behind the logs.
    ready_max_lag: int = 1000
    # /metrics asks for "Authorization: Bearer <token>"; without a token it is not served.
    metrics_token: str | None = field(default=None, repr=False)
    # prometheus-client's multiprocess folder (several gunicorn workers add up their counters).
    metrics_dir: Path | None = None
    # As-of replays running at once in a web process, and how long a request waits for one
    # before it is refused (HTTP 503 with Retry-After).
    asof_replays: int = 1
    # Seconds a PostgreSQL connection lives before the pool replaces it (its catalog cache,
    # which grows with every tenant schema it touches, goes with it).
    connection_max_age: float = 600.0
    # Seconds to wait for a PostgreSQL connection (a new one, or a free one of the pool) before
    # giving up; a cell that gives none is then skipped for as long by requests about others.
    connect_timeout: float = 30.0
    asof_wait: float = 10.0
    # As-of requests a web process takes beyond those replaying, waiting for a replay; one more
    # is refused at once (503, Retry-After), so that waiting ones never hold every thread.
    asof_queue: int = 2
    # Whether the web runs its as-of replays in processes of their own (one per allowed
    # replay), so that they never hold the web process's GIL against cheap requests.
    asof_processes: bool = True
    # Whether a web process makes again, in a thread of its own, the audit diffs asked lately
    # after appends (decision 0029). Off by default: a diff is seconds of CPU holding the web
    # process's GIL, as as-of replays did before they moved to processes of their own.
    audit_warmer: bool = False
    # PostgreSQL cells besides the default one (CXZY_DATABASE_URL): (name, URL) pairs. Each cell
    # is a database holding whole committees; the registry in the default cell says which.
    cells: tuple[tuple[str, str], ...] = ()
    # Where evidence files live (decision 0023): "" the backend's own (the data folder on
    # SQLite, the tenant's schema on PostgreSQL), "folder", "database" or an object store,
    # "s3://BUCKET/PREFIX", at ``evidence_endpoint`` (unset: AWS's).
    evidence_store: str = ""
    evidence_endpoint: str | None = None

    @classmethod
    def from_env(
        cls,
        data_dir: str | os.PathLike[str] | None = None,
        database_url: str | None = None,
        max_connections: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """Raises SettingsError naming a malformed variable."""
        env = os.environ if env is None else env
        return cls(
            data_dir=Path(data_dir or env.get("CXZY_DATA_DIR") or "var"),
            database_url=database_url or env.get("CXZY_DATABASE_URL") or None,
            max_connections=max_connections
            or whole_number(env, "CXZY_MAX_CONNECTIONS", 10, 2, 1000),
            app_cache_size=whole_number(env, "CXZY_APP_CACHE_SIZE", 64, 1, 100_000),
            secret_key=env.get("CXZY_SECRET_KEY") or None,
            ready_max_lag=whole_number(env, "CXZY_READY_MAX_LAG", 1000, 0, 10**9),
            metrics_token=env.get("CXZY_METRICS_TOKEN") or None,
            metrics_dir=Path(env["PROMETHEUS_MULTIPROC_DIR"])
            if env.get("PROMETHEUS_MULTIPROC_DIR")
            else None,
            web=WebSettings.from_env(env),
            asof_replays=whole_number(env, "CXZY_ASOF_REPLAYS", 1, 1, 64),
            connection_max_age=float(whole_number(env, "CXZY_CONNECTION_MAX_AGE", 600, 10, 86_400)),
            connect_timeout=float(whole_number(env, "CXZY_CONNECT_TIMEOUT", 30, 1, 600)),
            asof_wait=float(whole_number(env, "CXZY_ASOF_WAIT", 10, 0, 600)),
            asof_queue=whole_number(env, "CXZY_ASOF_QUEUE", 2, 0, 256),
            asof_processes=bool(whole_number(env, "CXZY_ASOF_PROCESSES", 1, 0, 1)),
            audit_warmer=bool(whole_number(env, "CXZY_AUDIT_WARMER", 0, 0, 1)),
            cells=parse_cells(env.get("CXZY_CELLS") or ""),
            evidence_store=evidence_store(env.get("CXZY_EVIDENCE_STORE") or ""),
            evidence_endpoint=env.get("CXZY_EVIDENCE_S3_ENDPOINT") or None,
        )

    @property
    def backend(self) -> str:
        return "postgres" if self.database_url else "sqlite"

    def server_secret(self) -> bytes:
        """CXZY_SECRET_KEY, or else the key in ``<data_dir>/secret.key``, made on first use.

        The key file serves the demo and the command line where no CXZY_SECRET_KEY is set (the
        web server refuses to start without one, except ``cxzy demo``, which serves with this
        key, so that the ballots it built open with the codes it printed); a copy of the data
        folder then carries the key with it, so production sets CXZY_SECRET_KEY and keeps it
        out of the database and its backups.
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

    def cell_urls(self) -> dict[str, str]:
        """Every PostgreSQL cell by name, the default one (CXZY_DATABASE_URL) first; empty on
        SQLite (one data folder, no cells).

        Raises:
            SettingsError: cells without a default cell, or a default cell named twice.
        """
        if not self.database_url:
            if self.cells:
                raise SettingsError(
                    "CXZY_CELLS needs CXZY_DATABASE_URL: the default cell holds the registry"
                )
            return {}
        found = {DEFAULT_CELL: self.database_url}
        for name, url in self.cells:
            if name == DEFAULT_CELL and url != self.database_url:
                raise SettingsError(
                    f"CXZY_CELLS: cell {DEFAULT_CELL} is CXZY_DATABASE_URL; give it once"
                )
            found[name] = url
        return found


def evidence_store(text: str) -> str:
    """Raises SettingsError: not one of the evidence stores."""
    if text.startswith("s3://"):
        if not re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[\w./-]*)?", text):
            raise SettingsError(
                f"CXZY_EVIDENCE_STORE={text!r}: an object store is s3://BUCKET/PREFIX"
            )
        return text
    if text not in ("", "folder", "database"):
        raise SettingsError(
            f"CXZY_EVIDENCE_STORE={text!r}: use folder, database or s3://BUCKET/PREFIX"
        )
    return text


def whole_number(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """``env[name]`` as a whole number from ``low`` to ``high``, ``default`` when unset.

    Raises:
        SettingsError: a value that is not such a number.
    """
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return value


@dataclass(frozen=True)
class WebSettings:
    """Sign-in, sessions and proxies of the web application.

    Rate limits are Flask-Limiter's strings ("5 per minute; 20 per hour") and count failed
    attempts only: per account and per client address on sign-in (the pages' and the API's
    alike), per address on ballot-code entry.
    """

    # The address users and raters reach the server at: printed on ballot slips (a request's
    # own host is wrong behind a reverse proxy); https://… turns on Secure cookies.
    public_url: str = ""
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers are true
    rate_limit_storage: str = "memory://"  # redis://… when several processes serve
    sign_in_limit: str = "5 per minute; 20 per hour"
    sign_in_address_limit: str = "20 per minute; 200 per hour"
    ballot_limit: str = "20 per minute; 200 per hour"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.lower().startswith("https://")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebSettings:
        """Raises SettingsError naming the setting that is wrong."""
        given = {
            "public_url": (env.get("CXZY_PUBLIC_URL") or "").rstrip("/"),
            "rate_limit_storage": env.get("CXZY_RATE_LIMIT_STORAGE"),
            "sign_in_limit": env.get("CXZY_SIGN_IN_LIMIT"),
            "sign_in_address_limit": env.get("CXZY_SIGN_IN_ADDRESS_LIMIT"),
            "ballot_limit": env.get("CXZY_BALLOT_LIMIT"),
        }
        proxies = whole_number(env, "CXZY_TRUSTED_PROXIES", 0, 0, 20)
        return cls(trusted_proxies=proxies, **{k: v for k, v in given.items() if v})
